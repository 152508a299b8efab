-- Analysis: timbre embeddings (cached per clip audio + encoder), clusterings (every run is a version),
-- stable clusters, voice membership, pins, prosody features, emotion suggestions.

-- One vector per clip audio and encoder. A new encoder version replaces the row (the cache is keyed by
-- clip_sha256 + encoder_id and checked against encoder_version).
CREATE TABLE embeddings (
    clip_sha256      TEXT NOT NULL,
    encoder_id       TEXT NOT NULL,
    encoder_version  TEXT NOT NULL,
    dim              INTEGER NOT NULL CHECK (dim > 0),
    vector           BLOB NOT NULL,            -- float32 little-endian, L2-normalised
    created_at       TEXT NOT NULL,
    PRIMARY KEY (clip_sha256, encoder_id)
);

-- Stable cluster ids: a cluster keeps its id across re-clustering when it is matched to a new group.
CREATE TABLE clusters (
    id           INTEGER PRIMARY KEY,
    label        TEXT NOT NULL DEFAULT '',
    created_at   TEXT NOT NULL,
    retired_at   TEXT                          -- set when no current group matches it any more
);

-- Every clustering (automatic, with overrides, incremental assignment, a pin) is a recorded version.
CREATE TABLE clusterings (
    id           INTEGER PRIMARY KEY,
    parent_id    INTEGER REFERENCES clusterings(id) ON DELETE SET NULL,
    created_at   TEXT NOT NULL,
    encoder_id   TEXT NOT NULL,
    method       TEXT NOT NULL,                -- auto | k | threshold | incremental | pin | unpin
    params       TEXT NOT NULL DEFAULT '{}',   -- JSON: k, threshold, max_per_cluster, scores...
    n_clusters   INTEGER NOT NULL,
    is_current   INTEGER NOT NULL DEFAULT 0 CHECK (is_current IN (0, 1))
);
CREATE INDEX clusterings_current ON clusterings(is_current);

-- Membership of each voice in one clustering. cluster_id NULL: the voice fits no cluster (flagged).
CREATE TABLE cluster_members (
    clustering_id  INTEGER NOT NULL REFERENCES clusterings(id) ON DELETE CASCADE,
    voice_id       INTEGER NOT NULL REFERENCES voices(id) ON DELETE CASCADE,
    cluster_id     INTEGER REFERENCES clusters(id),
    how            TEXT NOT NULL CHECK (how IN ('cluster', 'pinned', 'assigned', 'outlier', 'unassigned')),
    similarity     REAL,                       -- cosine to the cluster's centroid (without the voice)
    PRIMARY KEY (clustering_id, voice_id)
);
CREATE INDEX cluster_members_by_cluster ON cluster_members(cluster_id);

-- A user's manual move: the voice stays in this cluster whatever re-clustering finds.
CREATE TABLE cluster_pins (
    voice_id     INTEGER PRIMARY KEY REFERENCES voices(id) ON DELETE CASCADE,
    cluster_id   INTEGER NOT NULL REFERENCES clusters(id),
    created_at   TEXT NOT NULL
);

-- Prosody features per clip audio (F0, energy, rate, spectral tilt...), keyed like embeddings.
CREATE TABLE prosody_features (
    clip_sha256        TEXT NOT NULL,
    extractor_version  TEXT NOT NULL,
    names              TEXT NOT NULL,          -- JSON list of feature names
    vector             BLOB NOT NULL,          -- float32 little-endian
    created_at         TEXT NOT NULL,
    PRIMARY KEY (clip_sha256)
);

-- The latest emotion suggestion per clip (never written into clips.emotion over a user's label).
CREATE TABLE emotion_suggestions (
    clip_id      INTEGER PRIMARY KEY REFERENCES clips(id) ON DELETE CASCADE,
    emotion      TEXT NOT NULL,
    confidence   REAL NOT NULL,
    model        TEXT NOT NULL,
    created_at   TEXT NOT NULL
);
