-- Scale: indexes for the queries a 10,000-voice library runs often (checked with EXPLAIN QUERY PLAN in
-- tests/analysis/test_scale_catalog.py), and a record of analysis runs so an interrupted run can resume and
-- say how far it got.

-- "the cluster a voice was last in" (re-clustering, history): by voice, newest clustering first.
CREATE INDEX IF NOT EXISTS cluster_members_by_voice ON cluster_members(voice_id, clustering_id);
-- voice embeddings in one pass: clips joined to embeddings of one encoder version.
CREATE INDEX IF NOT EXISTS embeddings_by_encoder ON embeddings(encoder_id, encoder_version, clip_sha256);
-- tag filters and the tag list.
CREATE INDEX IF NOT EXISTS voice_tags_by_tag ON voice_tags(tag);
-- the current clustering's members by cluster (cluster map, grid).
CREATE INDEX IF NOT EXISTS cluster_members_by_clustering_cluster ON cluster_members(clustering_id, cluster_id);

-- One row per analysis run: how many clips it had to do and how many are done (written with each batch, in
-- the same transaction as the batch's embeddings), so a run that was interrupted is resumed by the next one.
CREATE TABLE analysis_runs (
    id            INTEGER PRIMARY KEY,
    encoder_id    TEXT NOT NULL,
    encoder_version TEXT NOT NULL,
    started_at    TEXT NOT NULL,
    updated_at    TEXT NOT NULL,
    finished_at   TEXT,                 -- NULL while running or when interrupted
    status        TEXT NOT NULL DEFAULT 'running' CHECK (status IN ('running', 'done', 'cancelled', 'interrupted')),
    total         INTEGER NOT NULL DEFAULT 0,   -- clips this run had to analyse
    done          INTEGER NOT NULL DEFAULT 0,   -- clips finished (their results are stored)
    failed        INTEGER NOT NULL DEFAULT 0,
    seconds       REAL NOT NULL DEFAULT 0       -- time spent so far
);
