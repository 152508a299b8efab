-- Desktop app: cues (saved requests shown as a soundboard, each with an optional in-app shortcut and global hotkey).
CREATE TABLE cues (
    id          INTEGER PRIMARY KEY,
    name        TEXT NOT NULL UNIQUE COLLATE NOCASE,
    voice_id    INTEGER NOT NULL REFERENCES voices(id) ON DELETE CASCADE,
    emotion     TEXT CHECK (emotion IS NULL OR emotion IN
                    ('angry','disgusted','fearful','happy','neutral','other','sad','surprised','unknown')),
    text        TEXT NOT NULL CHECK (length(text) > 0),
    language    TEXT,
    shortcut    TEXT,                 -- in-app shortcut, Qt portable text ("Ctrl+1")
    hotkey      TEXT,                 -- global hotkey, same notation ("Ctrl+Alt+H")
    position    INTEGER NOT NULL DEFAULT 0,
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL
);
CREATE INDEX cues_by_voice ON cues(voice_id);
