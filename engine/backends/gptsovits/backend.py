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
* **Context**: everything engine-side comes in the :class:`~engine.backends.base.SynthesisContext` the runtime
  passes: ``context.base_key`` keys base-dependent cached results (prompt tokens, timbre vectors; stable while
  the base's bytes are unchanged, so nothing stale is reused after a swap and no weights are hashed),
  ``context.cache_dir`` is the per-clip cache folder, ``context.assets`` the pretrained models the engine
  found (``hubert``, ``bert``, ``sv``, ``g2pw``). Without a context (direct use in tests and tools) the values
  given to :meth:`GptSovitsBackend.configure` are used; nothing reads settings or searches for the library.
"""

from __future__ import annotations

import hashlib
import threading
from pathlib import Path
from typing import Any, Callable, Iterator, Mapping, Sequence

from ...errors import InvalidInput, MissingAsset
from ..base import AudioChunk, Backend, BatchRow, References, SharedModel, SynthesisContext, SynthesisRequest

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


class GptSovitsBackend(Backend):
    name = "gptsovits"

    def __init__(self) -> None:
        self._assets_root: Path | None = None
        self._cache_dir: Path | None = None
        self._caches: dict[str, Any] = {}
        self._lock = threading.Lock()

    SUPPORTED_OPTIONS = frozenset({"top_k", "top_p", "temperature", "repetition_penalty", "text_split_method",
                                   "speed_factor", "fragment_interval", "batch_size", "split_bucket", "parallel_infer"})

    # -- configuration ----------------------------------------------------------------------------------
    def configure(self, *, assets_root: str | Path | None = None, cache_dir: str | Path | None = None) -> None:
        """For direct use without the runtime (tests, tools): where the pretrained models are and where per-clip
        results are cached. The runtime passes both in the :class:`SynthesisContext` instead."""
        if assets_root is not None:
            self._assets_root = Path(assets_root)
        if cache_dir is not None:
            self._cache_dir = Path(cache_dir)

    def _context(self, context: SynthesisContext | None, base_key: str = "direct") -> SynthesisContext:
        """The runtime's context, else one made from :meth:`configure`'s values."""
        if context is not None:
            return context
        from ...assets import SPECS, check

        assets: dict[str, Path] = {}
        if self._assets_root is not None:
            assets["root"] = self._assets_root
            if self._assets_root.is_dir():
                for spec in SPECS:
                    state = check(self._assets_root, spec)
                    if state.ok:
                        assets[spec.name] = Path(state.path)
        from ...paths import cache_dir

        return SynthesisContext(base_key=base_key, cache_dir=self._cache_dir or cache_dir() / "gptsovits", assets=assets)

    def _asset(self, name: str, purpose: str, context: SynthesisContext | None) -> Path:
        ctx = self._context(context)
        path = ctx.assets.get(name)
        if path is not None:
            return Path(path)
        root = ctx.assets.get("root")
        if root is None or not Path(root).is_dir():
            raise MissingAsset(
                "GPT-SoVITS needs its pretrained models (HuBERT, BERT, speaker verification), and none are linked."
                if root is None else f"The linked GPT-SoVITS assets folder {root} is gone.",
                hint="Link an existing folder with 'timbrel assets link PATH/GPT_SoVITS/pretrained_models', "
                "or fetch it with 'timbrel assets download'.")
        from ...assets import SPECS, check

        spec = next(s for s in SPECS if s.name == name)
        state = check(Path(root), spec)
        raise MissingAsset(
            f"{purpose} needs '{spec.candidates[0]}' from the GPT-SoVITS assets, which is not usable: {state.detail}.",
            hint="Re-link a complete pretrained_models folder ('timbrel assets link PATH') or run 'timbrel assets download'.")

    def _optional_asset(self, name: str, context: SynthesisContext | None) -> Path | None:
        path = self._context(context).assets.get(name)
        return Path(path) if path is not None else None

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

    def layout(self, manifest: Mapping[str, Any], device_kind: str | None = None):
        """As stored (float16 weights); on a CPU float32, the precision upstream computes in there (``is_half``
        needs CUDA): half precision on a CPU is slow and, being far coarser, makes a row's audio depend on the
        padding of the rows batched with it."""
        from ..layout import TensorSpec
        from .models import dtype_name, parameter_layout

        self._check(manifest)
        if device_kind == "cpu":
            manifest = {**manifest, "dtype": "float32"}
        return {g: {n: TensorSpec(tuple(shape), dtype_name(dt)) for n, (shape, dt) in names.items()}
                for g, names in parameter_layout(manifest).items()}

    def build_skeleton(self, manifest: Mapping[str, Any], tensors: Mapping[str, Mapping[str, Any]], device) -> GptSovitsModel:
        from .models import build_group, fill

        self._check(manifest)
        gpt = fill(build_group(manifest, "gpt", "meta"), tensors["gpt"], "assign")
        sovits = fill(build_group(manifest, "sovits", "meta"), tensors["sovits"], "assign")
        return GptSovitsModel(gpt, sovits, manifest)

    # -- shared models ----------------------------------------------------------------------------------
    def shared_models(self, manifest: Mapping[str, Any], context: SynthesisContext | None = None) -> list[SharedModel]:
        self._check(manifest)
        context = self._context(context)
        out = [SharedModel(HUBERT, self._model_bytes(self._asset("hubert", "Speaking with GPT-SoVITS", context)))]
        bert = self._optional_asset("bert", context)
        if bert is not None:
            out.append(SharedModel(BERT, self._model_bytes(bert)))
            g2pw = self._optional_asset("g2pw", context)
            if g2pw is not None and _has_onnxruntime():
                out.append(SharedModel(G2PW_MODEL, self._model_bytes(g2pw, (".onnx",), 1)))
        if manifest["variant"] in ("v2Pro", "v2ProPlus"):
            out.append(SharedModel(SV, self._model_bytes(self._asset("sv", f"A {manifest['variant']} base", context))))
        return out

    @staticmethod
    def _model_bytes(path: Path, suffixes=(".bin", ".safetensors", ".ckpt", ".pth", ".pt"), factor: int = 2) -> int:
        """Resident size estimate: the weight files' size, doubled (files are fp16; CPU inference runs fp32).
        G2PW runs in onnxruntime (host memory, fp32 file): counted once."""
        files = [f for f in (path.rglob("*") if path.is_dir() else [path]) if f.is_file() and f.suffix in suffixes]
        return factor * sum(f.stat().st_size for f in files)

    def load_shared(self, name: str, device, context: SynthesisContext | None = None) -> Any:
        import torch

        from ...torchutil import configure_torch
        from .clip_cache import file_id

        configure_torch()
        dtype = torch.float32
        device = _torch_device(device)
        if name == HUBERT:
            from .pretrained import load_hubert

            p = self._asset("hubert", "Speaking with GPT-SoVITS", context)
            return {"model": load_hubert(p, device=device, dtype=dtype), "id": file_id(p)}
        if name == BERT:
            from .text.bert import BertFeaturizer

            p = self._asset("bert", "Chinese BERT features", context)
            return {"model": BertFeaturizer(p, device=str(device)), "id": file_id(p)}
        if name == G2PW_MODEL:
            from .text.g2pw import G2PW

            p = self._asset("g2pw", "G2PW polyphone prediction", context)
            rep = self._optional_asset("g2pw_rep", context)
            return {"model": G2PW(p, self._asset("bert", "G2PW's tokenizer", context),
                                  corrections=[rep / "polyphonic.rep", rep / "polyphonic-fix.rep"] if rep else None),
                    "id": file_id(p) + ("+" + file_id(rep) if rep else "")}
        if name == SV:
            from .pretrained import load_sv

            p = self._asset("sv", "A v2Pro/v2ProPlus base", context)
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
    def _cache_for(self, context: SynthesisContext):
        from .clip_cache import ClipCache

        key = str(context.cache_dir)
        with self._lock:
            if key not in self._caches:
                self._caches[key] = ClipCache(Path(context.cache_dir))
            return self._caches[key]

    def pipeline(self, model: GptSovitsModel, shared: Mapping[str, Any], request: SynthesisRequest,
                 references: References, context: SynthesisContext | None = None):
        from .pipeline import Pipeline, SharedModels

        if HUBERT not in shared:
            raise MissingAsset("GPT-SoVITS needs the HuBERT model, which was not loaded.",
                               hint="Link the pretrained models with 'timbrel assets link PATH'.")
        ids = {"hubert": shared[HUBERT]["id"]}
        from .text import en_g2p

        # upstream's English dictionary from the user's installation when the engine found it (else the package)
        en_g2p.use_dictionary(self._optional_asset("en_dict", context))
        from .text import langid

        langid.use_model(self._optional_asset("langdetect", context))  # upstream's full model when linked
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
        if context is None:  # direct use: key by the weights those results depend on
            context = self._context(None, _fingerprint(model.sovits, ("ssl_proj.", "quantizer.", "ref_enc.", "sv_emb.", "prelu.")))
        return Pipeline(model.gpt, model.sovits, models, base_key=context.base_key, cache=self._cache_for(context),
                        inference=model.manifest.get("inference"))

    def synthesize(self, model: GptSovitsModel, shared: Mapping[str, Any], request: SynthesisRequest,
                   references: References, context: SynthesisContext | None = None) -> Iterator[AudioChunk]:
        pipe = self.pipeline(model, shared, request, references, context)
        opts = dict(request.options or {})
        rate = opts.pop("sample_rate", None)
        from .pipeline import OPTION_NAMES

        sampling = {k: opts[k] for k in OPTION_NAMES if k in opts}
        yield from pipe.stream(request.text, references, language=request.language, seed=request.seed,
                               speed=request.speed, output_rate=rate, options=sampling)

    # -- batching (cross-voice: requests for one base share every GPT / SoVITS step; see .batching) -----------
    #: rows one base decodes together unless the manifest's ``inference.max_batch_rows`` says otherwise
    MAX_BATCH_ROWS = 8
    #: the last batch's statistics (widest GPT batch, steps, row-steps, SoVITS calls / rows) and the widest
    #: GPT batch this backend has run (process-wide; tests and benchmarks read them)
    batch_stats: dict = {}
    widest_batch: int = 0

    def max_batch_rows(self, manifest: Mapping[str, Any]) -> int:
        inf = manifest.get("inference") or {}
        return max(1, int(inf.get("max_batch_rows", self.MAX_BATCH_ROWS)))

    def synthesize_batch(self, model: GptSovitsModel, shared: Mapping[str, Any], rows: Sequence[BatchRow],
                         context: SynthesisContext | None, admit: Callable[[], list[BatchRow]] | None = None
                         ) -> Iterator[tuple[int, AudioChunk | None]]:
        """Every row runs its own pipeline (so its audio equals its solo run); their GPT steps and SoVITS
        decodes are batched across rows, and rows that ``admit()`` hands over join between GPT steps.

        A row that fails does not take the others down: no more rows are admitted, the others run to their end
        markers, then the (first) error is raised, so the runtime fails only the rows left open."""
        from .batching import BatchRunner, no_grad_start

        runner = BatchRunner(model.gpt, model.sovits, max_rows=self.max_batch_rows(model.manifest))

        def starter(row):
            def start(gpt, sovits):
                proxied = GptSovitsModel(gpt, sovits, model.manifest)
                return self.synthesize(proxied, shared, row.request, row.references, context)
            return row.key, no_grad_start(start)

        for row in rows:
            runner.start(*starter(row))
        failed: list[BaseException] = []

        def more():
            # once a row failed, nobody joins: the batch winds down and the error is raised at its end
            return [] if failed or admit is None else [starter(r) for r in admit()]

        try:
            for key, item in runner.run(more):
                if isinstance(item, BaseException):
                    failed.append(item)
                    continue
                yield key, item
            if failed:
                # every other row has ended (its end marker was yielded): the runtime fails only the rows still
                # open, i.e. the failed ones
                raise failed[0]
        finally:
            self.batch_stats = runner.stats()
            self.widest_batch = max(self.widest_batch, runner.widest)
