-- Consolidation: per-voice candidate bases (from an existing GPT-SoVITS setup), base versions per cluster,
-- reversible archives of the bases a consolidation retired, and evaluation history.

-- A per-voice model found in a GPT-SoVITS folder and registered as a base (the link is the base name,
-- which stays the same while the base is archived and restored).
CREATE TABLE candidate_bases (
    id                INTEGER PRIMARY KEY,
    voice_id          INTEGER REFERENCES voices(id) ON DELETE SET NULL,
    base_name         TEXT NOT NULL UNIQUE COLLATE NOCASE,
    experiment        TEXT NOT NULL DEFAULT '',
    source_dir        TEXT NOT NULL DEFAULT '',
    gpt_file          TEXT NOT NULL DEFAULT '',
    sovits_file       TEXT NOT NULL DEFAULT '',
    source_bytes      INTEGER NOT NULL DEFAULT 0,     -- size of the original .ckpt + .pth
    created_at        TEXT NOT NULL
);
CREATE INDEX candidate_bases_by_voice ON candidate_bases(voice_id);

-- Every base a cluster was given (adopted, pretrained zero-shot, trained, rolled back to) is a version.
CREATE TABLE base_versions (
    id                    INTEGER PRIMARY KEY,
    cluster_id            INTEGER NOT NULL,
    version               INTEGER NOT NULL,
    base_name             TEXT NOT NULL,
    kind                  TEXT NOT NULL CHECK (kind IN ('adopted', 'pretrained', 'trained', 'assigned', 'rollback')),
    manifest_blob_sha256  TEXT,                        -- the base's manifest (keeps what it was)
    provenance            TEXT NOT NULL DEFAULT '{}',  -- JSON: voices, data, settings, source hashes, scores
    created_at            TEXT NOT NULL,
    UNIQUE (cluster_id, version)
);

-- One applied consolidation: what it did and what it replaced, so it can be reverted.
CREATE TABLE consolidation_archives (
    id            INTEGER PRIMARY KEY,
    created_at    TEXT NOT NULL,
    state         TEXT NOT NULL CHECK (state IN ('applied', 'reverted', 'purged')),
    plan          TEXT NOT NULL,                       -- JSON of the applied plan
    previous      TEXT NOT NULL,                       -- JSON: cluster id -> base name before (null: none)
    storage       TEXT NOT NULL DEFAULT '{}',          -- JSON storage report at apply time
    finished_at   TEXT
);

-- Bases the consolidation retired: the catalog row as it was, and its weight blobs (kept alive here).
CREATE TABLE archived_bases (
    archive_id            INTEGER NOT NULL REFERENCES consolidation_archives(id) ON DELETE CASCADE,
    base_id               INTEGER NOT NULL,
    name                  TEXT NOT NULL,
    backend               TEXT NOT NULL,
    variant               TEXT NOT NULL,
    manifest_blob_sha256  TEXT NOT NULL,
    size_bytes            INTEGER NOT NULL,
    provenance            TEXT NOT NULL,
    created_at            TEXT NOT NULL,
    PRIMARY KEY (archive_id, name)
);
CREATE TABLE archived_base_blobs (
    archive_id   INTEGER NOT NULL REFERENCES consolidation_archives(id) ON DELETE CASCADE,
    base_name    TEXT NOT NULL,
    role         TEXT NOT NULL,
    blob_sha256  TEXT NOT NULL,
    size_bytes   INTEGER NOT NULL,
    PRIMARY KEY (archive_id, base_name, role)
);

-- Evaluation runs and one row per voice evaluated (history: users see drift).
CREATE TABLE evaluation_runs (
    id           INTEGER PRIMARY KEY,
    created_at   TEXT NOT NULL,
    scope        TEXT NOT NULL DEFAULT '',             -- 'all' or 'cluster N'
    encoder_id   TEXT NOT NULL,
    settings     TEXT NOT NULL DEFAULT '{}',           -- JSON: sentences, seeds, thresholds
    n_voices     INTEGER NOT NULL DEFAULT 0,
    n_flagged    INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE evaluations (
    id               INTEGER PRIMARY KEY,
    run_id           INTEGER NOT NULL REFERENCES evaluation_runs(id) ON DELETE CASCADE,
    voice_id         INTEGER REFERENCES voices(id) ON DELETE CASCADE,
    voice_name       TEXT NOT NULL,
    cluster_id       INTEGER,
    base_name        TEXT NOT NULL,
    base_version_id  INTEGER REFERENCES base_versions(id) ON DELETE SET NULL,
    sim_own          REAL NOT NULL,                    -- synthesized speech vs the voice's own references
    sim_others       REAL,                             -- synthesized speech vs the cluster's other voices (mean)
    margin           REAL,                             -- sim_own - best other voice in the cluster
    flagged          INTEGER NOT NULL DEFAULT 0 CHECK (flagged IN (0, 1)),
    verdict          TEXT NOT NULL DEFAULT 'ok',       -- ok | poorly-served | move | split
    proposal         TEXT NOT NULL DEFAULT '{}',       -- JSON
    created_at       TEXT NOT NULL
);
CREATE INDEX evaluations_by_voice ON evaluations(voice_id, id);
