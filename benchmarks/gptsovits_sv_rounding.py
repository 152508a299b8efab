"""Where the v2ProPlus difference from upstream's ``TTS.run`` enters: the speaker-verification (SV) stage by stage.

On the e2e fixtures (``TIMBREL_E2E_FIXTURES``, default ``../shared/fixtures/gptsovits_e2e``) the 16 kHz SV input is
bit-identical to upstream's, yet the SV vector differs by ~1.6e-5 (max|d|/max|ref|) and the Pro waveform by up to
1.3e-4. This script runs the shipped code (``features.kaldi_fbank``, ``eres2net.ERes2NetV2.forward3`` on the
full-size random net the recordings used, rebuilt with the fixture's own script, and the tiny v2ProPlus SoVITS's
``sv_emb`` / ``reference_embedding``) on upstream's recorded 16 kHz input and reports, for each way of computing the
vector:

* the Kaldi fbank in float32 against float64;
* ``forward3`` in float32 as the tests run it (1 thread), with 2 threads, with oneDNN off, with oneDNN limited to
  SSE4.1 and with ATen's vector kernels off (the last two in child processes: the switches are read at start-up),
  and in float64 (on the float32 fbank, and on the float64 fbank);
* each vector against upstream's recorded one, against ours (1 thread) and against the float64 value, and what it
  gives downstream: ``sv_emb`` projection, the global embedding ``ge`` and the decoded waveform of both Pro cases
  (upstream's recorded tokens, phones and decoder noise) against upstream's recorded ones.

If the same code moves by as much with the thread count or the CPU kernel set as it differs from upstream, the
difference is float32 rounding order, not an op or dtype that differs.

    .venv/bin/python benchmarks/gptsovits_sv_rounding.py

Writes ``benchmarks/results/gptsovits_sv_rounding.json`` (about 2 minutes on one CPU core).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
SHARED = Path(os.environ.get("TIMBREL_SHARED", ROOT.parent / "shared"))
FIXTURES = Path(os.environ.get("TIMBREL_E2E_FIXTURES", SHARED / "fixtures" / "gptsovits_e2e")).resolve()


def rel(a, b) -> float:
    a = np.asarray(a, np.float64)
    b = np.asarray(b, np.float64)
    return float(np.abs(a - b).max() / np.abs(b).max())


def vector(sv_path: str, dtype: torch.dtype = torch.float32, fbank_dtype: torch.dtype = torch.float32,
           threads: int = 1, mkldnn: bool = True) -> np.ndarray:
    from engine.backends.gptsovits.features import kaldi_fbank
    from engine.backends.gptsovits.pretrained import load_sv

    torch.set_num_threads(threads)
    wav = torch.from_numpy(np.load(FIXTURES / "pipeline" / "reference.npz")["sv_audio16k"])[0]
    net = load_sv(sv_path, dtype=dtype)
    with torch.no_grad(), torch.backends.mkldnn.flags(enabled=mkldnn):
        return net.forward3(kaldi_fbank(wav.to(fbank_dtype))[None].to(dtype))[0].double().numpy()


def main() -> None:
    if len(sys.argv) == 3 and sys.argv[1] == "--child":  # one vector with this process's start-up switches
        np.save(sys.argv[2] + ".npy", vector(sys.argv[2]))
        return
    from engine.backends.gptsovits.features import kaldi_fbank

    torch.set_num_threads(1)
    ref = np.load(FIXTURES / "pipeline" / "reference.npz")
    up = ref["sv_emb"][0].astype(np.float64)
    tmp = Path(tempfile.mkdtemp(prefix="sv-rounding-"))
    sv_path = str(tmp / "pretrained_eres2netv2w24s4ep4.ckpt")
    subprocess.run([sys.executable, str(FIXTURES / "rebuild" / "make_sv_random.py"),
                    str(FIXTURES.parent / "gptsovits" / "keys_eres2netv2_w24s4ep4.json"), sv_path, "--seed", "1238"],
                   check=True, capture_output=True)
    wav = torch.from_numpy(ref["sv_audio16k"])[0]
    fbank_f32_vs_f64 = rel(kaldi_fbank(wav.float()), kaldi_fbank(wav.double()))

    vecs: dict[str, np.ndarray] = {}
    vecs["float32, 1 thread (as the tests)"] = vector(sv_path)
    vecs["float32, 2 threads"] = vector(sv_path, threads=2)
    vecs["float32, oneDNN off"] = vector(sv_path, mkldnn=False)
    for name, env in (("float32, oneDNN limited to SSE4.1", {"ONEDNN_MAX_CPU_ISA": "SSE41"}),
                      ("float32, ATen vector kernels off", {"ATEN_CPU_CAPABILITY": "default"})):
        subprocess.run([sys.executable, __file__, "--child", sv_path], check=True, capture_output=True,
                       env={**os.environ, **env, "PYTHONPATH": str(ROOT)})
        vecs[name] = np.load(sv_path + ".npy")
    vecs["float64 net, float32 fbank"] = vector(sv_path, dtype=torch.float64)
    vecs["float64 net, float64 fbank"] = vector(sv_path, dtype=torch.float64, fbank_dtype=torch.float64)

    # downstream: the tiny v2ProPlus SoVITS of the fixtures (the zh Pro case's recorded projection and ge)
    sys.path.insert(0, str(ROOT / "tests" / "gptsovits"))
    from _gsv_util import load_sovits

    from engine.backends.gptsovits.features import reference_spectrogram

    case = np.load(FIXTURES / "pipeline" / "zh_v2ProPlus_parallel.npz")
    decodes = []  # both Pro cases: upstream's recorded tokens, phones and noise → waveform from each vector's ge
    for name in ("zh_v2ProPlus_parallel", "en_v2ProPlus_naive_speed"):
        arr = np.load(FIXTURES / "pipeline" / f"{name}.npz")
        speed = float(json.loads((FIXTURES / "pipeline" / f"{name}.json").read_text("utf-8"))["inputs"]["speed_factor"])
        decodes.append((name, arr, speed))
    _, sovits = load_sovits(FIXTURES.parent / "gptsovits" / "sovits_v2ProPlus_tiny.pth")
    import soundfile as sf

    clip, sr = sf.read(FIXTURES / "ref" / "ref32k.wav", dtype="float32")
    spec = reference_spectrogram(torch.from_numpy(clip))
    ours = vecs["float32, 1 thread (as the tests)"]
    f64 = vecs["float64 net, float32 fbank"]
    rows = []
    for name, v in [("upstream's recorded vector", up), *vecs.items()]:
        sv = torch.from_numpy(v.astype(np.float32))[None]
        with torch.no_grad():
            proj = sovits.sv_emb(sv).numpy()
            ge = sovits.reference_embedding(spec, sv)
            waves = {}
            for cname, arr, speed in decodes:
                wav = sovits.decode(torch.from_numpy(arr["dec_codes_0"]), torch.from_numpy(arr["dec_text_0"]), ge=ge,
                                    noise_scale=0.5, speed=speed, noise=torch.from_numpy(arr["dec_noise_0"]))
                waves[cname] = rel(wav.reshape(arr["dec_wav_0"].shape).numpy(), arr["dec_wav_0"])
        rows.append({"vector": name, "vs_upstream": rel(v, up), "vs_ours_1_thread": rel(v, ours),
                     "vs_float64": rel(v, f64), "sv_proj_vs_upstream": rel(proj, case["dec_sv_proj_0"].reshape(proj.shape)),
                     "ge_vs_upstream": rel(ge.numpy(), case["dec_ge_0"].reshape(ge.shape)), "waveform_vs_upstream": waves})
    print(f"Kaldi fbank float32 vs float64: {fbank_f32_vs_f64:.2g}")
    print(f"{'SV vector computed as':38} {'vs upstream':>11} {'vs ours':>9} {'vs f64':>9} {'sv_proj':>9} {'ge':>9} "
          f"{'wav zh':>9} {'wav en':>9}")
    for r in rows:
        w = list(r["waveform_vs_upstream"].values())
        print(f"{r['vector']:38} {r['vs_upstream']:11.2g} {r['vs_ours_1_thread']:9.2g} {r['vs_float64']:9.2g} "
              f"{r['sv_proj_vs_upstream']:9.2g} {r['ge_vs_upstream']:9.2g} {w[0]:9.2g} {w[1]:9.2g}")
    out = ROOT / "benchmarks" / "results" / "gptsovits_sv_rounding.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"fbank_float32_vs_float64": fbank_f32_vs_f64, "rows": rows,
                               "torch": torch.__version__}, indent=1))


if __name__ == "__main__":
    main()
