-- Bases: stored model weights a cluster of voices shares (any backend: gptsovits, tone, preview...).
-- Weights are safetensors blobs (one per group, e.g. gpt / sovits) plus a JSON manifest blob, all in the
-- content-addressed blob store, so identical weights are stored once.
CREATE TABLE bases (
    id                    INTEGER PRIMARY KEY,
    name                  TEXT NOT NULL UNIQUE COLLATE NOCASE,
    backend               TEXT NOT NULL,
    variant               TEXT NOT NULL,
    manifest_blob_sha256  TEXT NOT NULL REFERENCES blobs(sha256),
    size_bytes            INTEGER NOT NULL CHECK (size_bytes >= 0),
    provenance            TEXT NOT NULL DEFAULT '{}',   -- JSON: who/what made it
    created_at            TEXT NOT NULL
);
CREATE INDEX bases_by_backend ON bases(backend, variant);

-- The weight blobs of a base, one per group ("role").
CREATE TABLE base_blobs (
    base_id      INTEGER NOT NULL REFERENCES bases(id) ON DELETE CASCADE,
    role         TEXT NOT NULL,
    blob_sha256  TEXT NOT NULL REFERENCES blobs(sha256),
    size_bytes   INTEGER NOT NULL CHECK (size_bytes >= 0),
    PRIMARY KEY (base_id, role)
);
CREATE INDEX base_blobs_by_sha ON base_blobs(blob_sha256);

-- Which base serves a cluster, with the history of assignments: the row with unassigned_at NULL is
-- current; reassigning closes it and opens a new one. base_name keeps the history readable after a
-- base is removed (base_id then becomes NULL).
CREATE TABLE cluster_bases (
    id             INTEGER PRIMARY KEY,
    cluster_id     INTEGER NOT NULL REFERENCES clusters(id) ON DELETE CASCADE,
    base_id        INTEGER REFERENCES bases(id) ON DELETE SET NULL,
    base_name      TEXT NOT NULL,
    assigned_at    TEXT NOT NULL,
    unassigned_at  TEXT,
    note           TEXT NOT NULL DEFAULT ''
);
CREATE UNIQUE INDEX cluster_bases_current ON cluster_bases(cluster_id) WHERE unassigned_at IS NULL;
CREATE INDEX cluster_bases_by_base ON cluster_bases(base_id);
