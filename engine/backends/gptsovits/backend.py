"""``GptSovitsBackend``: the GPT-SoVITS v2 / v2Pro / v2ProPlus family behind the runtime's ``Backend`` interface.

* **Layout / skeleton**: a base is two groups, ``gpt`` and ``sovits`` (see ``convert.convert_pair``); the
  skeleton is built on ``meta`` and bound by assignment to the views the runtime allocated, so a swap only
  copies bytes (``models.fill``).
* **Shared models** (resident once for every base): ``gptsovits.hubert`` (required), ``gptsovits.bert``
  (only when the linked assets have it; otherwise Chinese gets zero BERT features, as upstream does for other
  languages), ``gptsovits.g2pw`` (only with BERT, ``G2PWModel/`` and onnxruntime present) and ``gptsovits.sv``
  (Pro bases only). They come from the folder linked with
  ``timbrel assets link`` (setting ``assets.gptsovits_path``); a missing piece raises ``MissingAsset`` saying
  what to link or download.
* **Synthesis** (:mod:`.pipeline`): one audio chunk per sentence, resampled to ``request.options["sample_rate"]``
  when given (32 kHz otherwise).
* **Cache keys for base-dependent results**: the runtime hands ``synthesize`` a skeleton whose bytes change on
  every swap, so the pipeline's "base key" is a fingerprint of exactly the weights those results depend on
  (``ssl_proj`` + quantizer for prompt tokens, ``ref_enc`` [+ ``sv_emb``/``prelu``] for timbre vectors), so
  nothing stale is ever reused after a swap.
  ``request.options["base_key"]`` overrides it.
* **Cache folder**: ``<library>/cache/gptsovits`` (found from the reference clip paths, which live in the
  library's blob store), else the user cache folder; ``request.options["cache_dir"]`` or :meth:`configure`
  override it.
"""

from __future__ import annotations

import hashlib
import threading
from pathlib import Path
from typing import Any, Iterator, Mapping

from ...errors import InvalidInput, MissingAsset
from ..base import AudioChunk, Backend, References, SharedModel, SynthesisRequest

HUBERT, BERT, SV, G2PW_MODEL = "gptsovits.hubert", "gptsovits.bert", "gptsovits.sv", "gptsovits.g2pw"
SUPPORTED = ("v2", "v2Pro", "v2ProPlus")


class GptSovitsModel:
    """A filled skeleton: the GPT and the SoVITS network of one architecture (bytes change on swaps)."""

    def __init__(self, gpt, sovits, manifest: Mapping[str, Any]) -> None:
        self.gpt = gpt
        self.sovits = sovits
        self.manifest = dict(manifest)


def _fingerprint(module, prefixes: tuple[str, ...]) -> str:
    """Hash of a strided sample (≤ 65536 values per tensor) of the named tensors: cheap, and any two different
    trained weights differ in it."""
    h = hashlib.sha256()
    for name, t in sorted(module.state_dict().items()):
        if not name.startswith(prefixes):
            continue
        flat = t.detach().reshape(-1)
        step = max(1, flat.numel() // 65536)
        sample = flat[::step].float().cpu().contiguous()
        h.update(name.encode())
        h.update(str(tuple(t.shape)).encode())
        h.update(sample.numpy().tobytes())
    return h.hexdigest()[:20]


def _has_onnxruntime() -> bool:
    import importlib.util

    return importlib.util.find_spec("onnxruntime") is not None


def _torch_device(device):
    """The torch device of a runtime device object (``.storage``), or the value itself."""
    import torch

    storage = getattr(device, "storage", None)
    return storage if isinstance(storage, torch.device) else torch.device(device or "cpu")


def _library_root(path: Path) -> Path | None:
    for parent in path.parents:
        if (parent / "catalog.sqlite").is_file():
            return parent
    return None


class GptSovitsBackend(Backend):
    name = "gptsovits"

    def __init__(self) -> None:
        self._assets_root: Path | None = None
        self._cache_dir: Path | None = None
        self._caches: dict[str, Any] = {}
        self._lock = threading.Lock()

    # -- configuration ----------------------------------------------------------------------------------
    def configure(self, *, assets_root: str | Path | None = None, cache_dir: str | Path | None = None) -> None:
        """Override where the pretrained models are (default: the ``assets.gptsovits_path`` setting) and where
        per-clip results are cached."""
        if assets_root is not None:
            self._assets_root = Path(assets_root)
        if cache_dir is not None:
            self._cache_dir = Path(cache_dir)

    def _assets(self) -> Path:
        root = self._assets_root
        if root is None:
            from ...settings import Settings

            value = Settings().get("assets.gptsovits_path")
            root = Path(value) if value else None
        if root is None or not root.is_dir():
            raise MissingAsset(
                "GPT-SoVITS needs its pretrained models (HuBERT, BERT, speaker verification), and none are linked."
                if root is None else f"The linked GPT-SoVITS assets folder {root} is gone.",
                hint="Link an existing folder with 'timbrel assets link PATH/GPT_SoVITS/pretrained_models', "
                "or fetch it with 'timbrel assets download'.")
        return root

    def _asset(self, name: str, purpose: str) -> Path:
        from ...assets import SPECS, check

        spec = next(s for s in SPECS if s.name == name)
        state = check(self._assets(), spec)
        if not state.ok:
            raise MissingAsset(
                f"{purpose} needs '{spec.candidates[0]}' from the GPT-SoVITS assets, which is not usable: {state.detail}.",
                hint="Re-link a complete pretrained_models folder ('timbrel assets link PATH') or run 'timbrel assets download'.")
        return Path(state.path)

    # -- layout -----------------------------------------------------------------------------------------
    @staticmethod
    def _check(manifest: Mapping[str, Any]) -> None:
        variant = manifest.get("variant")
        if variant not in SUPPORTED:
            raise InvalidInput(f"This GPT-SoVITS base is version {variant!r}; Timbrel synthesizes v2, v2Pro and v2ProPlus.",
                               hint="Import a v2 / v2Pro / v2ProPlus GPT + SoVITS pair as the base.")

    def architecture_key(self, manifest: Mapping[str, Any]) -> str:
        import json

        self._check(manifest)
        arch = json.dumps({"variant": manifest["variant"], "dtype": manifest.get("dtype", "float16"),
                           "architecture": manifest["architecture"]}, sort_keys=True)
        return hashlib.sha256(arch.encode()).hexdigest()[:16]

    def layout(self, manifest: Mapping[str, Any]):
        from ...runtime.layout import TensorSpec
        from .models import dtype_name, parameter_layout

        self._check(manifest)
        return {g: {n: TensorSpec(tuple(shape), dtype_name(dt)) for n, (shape, dt) in names.items()}
                for g, names in parameter_layout(manifest).items()}

    def build_skeleton(self, manifest: Mapping[str, Any], tensors: Mapping[str, Mapping[str, Any]], device) -> GptSovitsModel:
        from .models import build_group, fill

        self._check(manifest)
        gpt = fill(build_group(manifest, "gpt", "meta"), tensors["gpt"], "assign")
        sovits = fill(build_group(manifest, "sovits", "meta"), tensors["sovits"], "assign")
        return GptSovitsModel(gpt, sovits, manifest)

    # -- shared models ----------------------------------------------------------------------------------
    def shared_models(self, manifest: Mapping[str, Any]) -> list[SharedModel]:
        self._check(manifest)
        out = [SharedModel(HUBERT, self._model_bytes(self._asset("hubert", "Speaking with GPT-SoVITS")))]
        from ...assets import SPECS, check

        bert = check(self._assets(), next(s for s in SPECS if s.name == "bert"))
        if bert.ok:
            out.append(SharedModel(BERT, self._model_bytes(Path(bert.path))))
            g2pw = check(self._assets(), next(s for s in SPECS if s.name == "g2pw"))
            if g2pw.ok and _has_onnxruntime():
                out.append(SharedModel(G2PW_MODEL, self._model_bytes(Path(g2pw.path), (".onnx",), 1)))
        if manifest["variant"] in ("v2Pro", "v2ProPlus"):
            out.append(SharedModel(SV, self._model_bytes(self._asset("sv", f"A {manifest['variant']} base"))))
        return out

    @staticmethod
    def _model_bytes(path: Path, suffixes=(".bin", ".safetensors", ".ckpt", ".pth", ".pt"), factor: int = 2) -> int:
        """Resident size estimate: the weight files' size, doubled (files are fp16; CPU inference runs fp32).
        G2PW runs in onnxruntime (host memory, fp32 file): counted once."""
        files = [f for f in (path.rglob("*") if path.is_dir() else [path]) if f.is_file() and f.suffix in suffixes]
        return factor * sum(f.stat().st_size for f in files)

    def load_shared(self, name: str, device) -> Any:
        import torch

        from ...torchutil import configure_torch
        from .pipeline import file_id

        configure_torch()
        dtype = torch.float32
        device = _torch_device(device)
        if name == HUBERT:
            from .pretrained import load_hubert

            p = self._asset("hubert", "Speaking with GPT-SoVITS")
            return {"model": load_hubert(p, device=device, dtype=dtype), "id": file_id(p)}
        if name == BERT:
            from .text.bert import BertFeaturizer

            p = self._asset("bert", "Chinese BERT features")
            return {"model": BertFeaturizer(p, device=str(device)), "id": file_id(p)}
        if name == G2PW_MODEL:
            from .text.g2pw import G2PW

            p = self._asset("g2pw", "G2PW polyphone prediction")
            return {"model": G2PW(p, self._asset("bert", "G2PW's tokenizer")), "id": file_id(p)}
        if name == SV:
            from .pretrained import load_sv

            p = self._asset("sv", "A v2Pro/v2ProPlus base")
            return {"model": load_sv(p, device=device, dtype=dtype), "id": file_id(p)}
        raise KeyError(name)

    # -- costs ------------------------------------------------------------------------------------------
    def workspace_bytes(self, manifest: Mapping[str, Any], request: SynthesisRequest) -> int:
        """KV cache of the GPT for the longest sentence plus SoVITS decode activations (a rough upper bound)."""
        arch = manifest.get("architecture", {})
        g = arch.get("gpt", {})
        s = arch.get("sovits", {})
        layers, hidden = int(g.get("n_layer", 24)), int(g.get("hidden_dim", 512))
        steps = 1500 + 2 * 250 + 512  # decode steps + prompt tokens/phones
        kv = 2 * layers * hidden * steps * 4
        frames = 2 * 500  # ~20 s of audio at 50 Hz per sentence
        up = int(s.get("upsample_initial_channel", 512))
        dec = frames * 640 * 4 * 8 + frames * up * 4 * 64
        return int(kv + dec)

    def estimate_seconds(self, manifest: Mapping[str, Any], request: SynthesisRequest) -> float:
        return 0.2 + 0.08 * len(request.text)

    # -- synthesis --------------------------------------------------------------------------------------
    def _cache_for(self, references: References, request: SynthesisRequest):
        from ...paths import cache_dir
        from .pipeline import ClipCache

        folder = request.options.get("cache_dir") if request.options else None
        if folder is None:
            folder = self._cache_dir
        if folder is None:
            lib = _library_root(Path(references.prompt.path))
            folder = (lib / "cache" / "gptsovits") if lib is not None else cache_dir() / "gptsovits"
        key = str(folder)
        with self._lock:
            if key not in self._caches:
                self._caches[key] = ClipCache(folder)
            return self._caches[key]

    def pipeline(self, model: GptSovitsModel, shared: Mapping[str, Any], request: SynthesisRequest,
                 references: References):
        from .pipeline import Pipeline, SharedModels

        if HUBERT not in shared:
            raise MissingAsset("GPT-SoVITS needs the HuBERT model, which was not loaded.",
                               hint="Link the pretrained models with 'timbrel assets link PATH'.")
        ids = {"hubert": shared[HUBERT]["id"]}
        bert = shared.get(BERT)
        sv = shared.get(SV)
        if bert is not None:
            ids["bert"] = bert["id"]
        if sv is not None:
            ids["sv"] = sv["id"]
            want = int(model.sovits.sv_emb.in_features) if getattr(model.sovits, "is_pro", False) else None
            if want is not None and int(sv["model"].config.forward3_dim) != want:
                raise MissingAsset(
                    f"The linked speaker-verification net makes {sv['model'].config.forward3_dim}-d vectors, "
                    f"but this base expects {want}-d ones.",
                    hint="Link the GPT-SoVITS folder with sv/pretrained_eres2netv2w24s4ep4.ckpt (ERes2NetV2 w24s4ep4).")
        g2pw = shared.get(G2PW_MODEL)
        if g2pw is not None:
            ids["g2pw"] = g2pw["id"]
        models = SharedModels(shared[HUBERT]["model"], bert["model"] if bert else None, sv["model"] if sv else None, ids,
                              g2pw["model"] if g2pw else None)
        opts = request.options or {}
        sovits_key = opts.get("base_key") or _fingerprint(model.sovits, ("ssl_proj.", "quantizer.", "ref_enc.", "sv_emb.", "prelu."))
        return Pipeline(model.gpt, model.sovits, models, base_key=sovits_key, cache=self._cache_for(references, request),
                        inference=model.manifest.get("inference"))

    def synthesize(self, model: GptSovitsModel, shared: Mapping[str, Any], request: SynthesisRequest,
                   references: References) -> Iterator[AudioChunk]:
        pipe = self.pipeline(model, shared, request, references)
        opts = dict(request.options or {})
        rate = opts.pop("sample_rate", None)
        sampling = {k: opts[k] for k in ("top_k", "top_p", "temperature", "repetition_penalty", "noise_scale") if k in opts}
        yield from pipe.stream(request.text, references, language=request.language, seed=request.seed,
                               speed=request.speed, output_rate=rate, options=sampling)

    # -- batching (cross-voice: requests for one base share every GPT / SoVITS step; see .batching) -----------
    #: rows one base decodes together unless the manifest's ``inference.max_batch_rows`` says otherwise
    MAX_BATCH_ROWS = 8
    #: the last batch's statistics (widest GPT batch, steps, row-steps, SoVITS calls / rows)
    batch_stats: dict = {}

    def max_batch_rows(self, manifest: Mapping[str, Any]) -> int:
        inf = manifest.get("inference") or {}
        return max(1, int(inf.get("max_batch_rows", self.MAX_BATCH_ROWS)))

    def synthesize_batch(self, model: GptSovitsModel, shared: Mapping[str, Any], rows, context=None, admit=None):
        """Every row runs its own pipeline (so its audio equals its solo run); their GPT steps and SoVITS
        decodes are batched across rows, and rows that ``admit()`` hands over join between GPT steps."""
        from .batching import BatchRunner, no_grad_start

        runner = BatchRunner(model.gpt, model.sovits, max_rows=self.max_batch_rows(model.manifest))
        extra = () if context is None else (context,)

        def starter(row):
            def start(gpt, sovits):
                proxied = GptSovitsModel(gpt, sovits, model.manifest)
                return self.synthesize(proxied, shared, row.request, row.references, *extra)
            return row.key, no_grad_start(start)

        for row in rows:
            runner.start(*starter(row))
        more = (lambda: [starter(r) for r in admit()]) if admit is not None else None
        try:
            for key, item in runner.run(more):
                if isinstance(item, BaseException):
                    raise item
                yield key, item
        finally:
            self.batch_stats = runner.stats()
