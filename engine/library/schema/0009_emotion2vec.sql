-- emotion2vec+: per-clip emotion probabilities, cached by clip audio (sha256) + model id (the id names the
-- converted checkpoint, so another model or another release computes its own rows).
CREATE TABLE emotion_probabilities (
    clip_sha256   TEXT NOT NULL,
    model_id      TEXT NOT NULL,
    labels        TEXT NOT NULL,               -- JSON list: the emotions the probabilities follow (Timbrel names)
    probs         BLOB NOT NULL,               -- float32 little-endian, one per label, summing to 1
    top           TEXT NOT NULL,               -- the most likely emotion
    confidence    REAL NOT NULL,               -- its probability
    frames        INTEGER NOT NULL,            -- 50 per second of audio
    embedding     BLOB,                        -- float32 utterance feature (mean of the frame features)
    created_at    TEXT NOT NULL,
    PRIMARY KEY (clip_sha256, model_id)
);
