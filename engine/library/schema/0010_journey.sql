-- Journey: per-voice synthesis defaults (GPT-SoVITS option names → values, JSON; see engine/synthesis_options.py),
-- plus seed and language, applied under the options a request gives itself.
CREATE TABLE voice_synthesis_defaults (
    voice_id    INTEGER PRIMARY KEY REFERENCES voices(id) ON DELETE CASCADE,
    options     TEXT NOT NULL DEFAULT '{}',
    seed        INTEGER,
    language    TEXT,
    updated_at  TEXT NOT NULL
);
