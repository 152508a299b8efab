-- Large text fields of history snapshots (transcripts, notes), stored once by content.
-- A snapshot names such a text by its hash instead of copying it into every version, so
-- editing a voice (a tag, a rename) does not copy its long transcripts again.
CREATE TABLE history_texts (
    text_sha256  TEXT PRIMARY KEY,
    body         TEXT NOT NULL
);
