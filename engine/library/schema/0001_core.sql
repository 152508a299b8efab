-- Core catalog: blobs, voices, clips, tags, voice history.
CREATE TABLE blobs (
    sha256      TEXT PRIMARY KEY,
    size        INTEGER NOT NULL CHECK (size >= 0),
    kind        TEXT NOT NULL,               -- clip | weights | manifest | other
    created_at  TEXT NOT NULL
);

CREATE TABLE voices (
    id          INTEGER PRIMARY KEY,
    name        TEXT NOT NULL UNIQUE COLLATE NOCASE,
    language    TEXT,
    notes       TEXT NOT NULL DEFAULT '',
    version     INTEGER NOT NULL DEFAULT 0,
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL
);

CREATE TABLE clips (
    id              INTEGER PRIMARY KEY,
    voice_id        INTEGER NOT NULL REFERENCES voices(id) ON DELETE CASCADE,
    sha256          TEXT NOT NULL REFERENCES blobs(sha256),
    transcript      TEXT NOT NULL DEFAULT '',
    language        TEXT,
    emotion         TEXT CHECK (emotion IS NULL OR emotion IN
                        ('angry','disgusted','fearful','happy','neutral','other','sad','surprised','unknown')),
    emotion_source  TEXT CHECK (emotion_source IS NULL OR emotion_source IN ('user','import','suggested')),
    duration        REAL NOT NULL CHECK (duration > 0),
    sample_rate     INTEGER NOT NULL CHECK (sample_rate > 0),
    source_path     TEXT,
    created_at      TEXT NOT NULL,
    UNIQUE (voice_id, sha256)
);
CREATE INDEX clips_by_voice ON clips(voice_id);
CREATE INDEX clips_by_sha ON clips(sha256);

CREATE TABLE voice_tags (
    voice_id    INTEGER NOT NULL REFERENCES voices(id) ON DELETE CASCADE,
    tag         TEXT NOT NULL,
    PRIMARY KEY (voice_id, tag)
);

-- Every change to a voice appends a version holding a JSON snapshot of the whole voice
-- (name, language, notes, tags, clips with their blob hashes), so any version can be
-- shown, diffed and restored. Blobs named by any snapshot are kept.
CREATE TABLE voice_versions (
    voice_id    INTEGER NOT NULL REFERENCES voices(id) ON DELETE CASCADE,
    version     INTEGER NOT NULL,
    created_at  TEXT NOT NULL,
    action      TEXT NOT NULL,
    summary     TEXT NOT NULL DEFAULT '',
    snapshot    TEXT NOT NULL,
    PRIMARY KEY (voice_id, version)
);
