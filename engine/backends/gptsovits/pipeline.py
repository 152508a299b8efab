"""GPT-SoVITS synthesis for one request: text + a voice's references → streamed audio chunks.

Steps (as upstream ``TTS.run`` for v2/v2Pro/v2ProPlus, with a per-voice twist):

1. **Prompt** (the emotion-matched clip chosen by ``engine.speech.choose_prompt_clip``): its transcript (upstream's
   prompt rule: "。" / "." appended unless it ends with a split mark) → phones (+ BERT for Chinese); its 16 kHz audio
   (soxr HQ, as librosa) + 0.3 s silence → HuBERT → ``SoVITS.extract_latent`` → prompt semantic tokens.
2. **Timbre**: for each timbre clip (``choose_timbre_clips``; the prompt clip is always included, as upstream
   always averages the main reference) → 32 kHz linear spectrogram (other rates: the torchaudio-equivalent
   windowed-sinc resampler) (+ for Pro the ERes2NetV2 sv vector of the loudness-guarded 32 kHz audio resampled to
   16 kHz the same way) → ``SoVITS.reference_embedding``; the per-clip vectors are averaged into one ``ge``.
3. **Per piece** (``text_split_method``, default ``cut5`` as upstream's HTTP API): phones + BERT → GPT continues
   the prompt (top-k 15, top-p 1, temperature 1, repetition penalty 1.35) → semantic tokens (early stop per
   ``parallel_infer``) → ``SoVITS.decode`` with ``ge`` and ``speed_factor`` → 32 kHz audio followed by
   ``fragment_interval`` seconds of silence (0.3 s), resampled to the output rate and **yielded at once**.

Caching (:class:`~.clip_cache.ClipCache`): results that do not depend on the base — prompt phones, prompt BERT (float32, as
upstream computes it), sv vectors, audio at each rate (memory only: decoding a clip again is cheap, storing it is
not) — are keyed by the clip's sha256 (+ the model that made them); results that do — prompt semantic tokens and
``ge`` — are keyed by clip sha256 and the base key too. The cache is a content-addressed folder of ``.npy``/``.json``
files (atomic writes) plus an in-memory LRU bounded in bytes, so a voice's second request skips
HuBERT/ERes2Net/ref_enc entirely.

Determinism: one ``torch.Generator`` seeded from the request's seed drives both GPT sampling and the SoVITS
noise, so a fixed seed gives the same audio on the same machine.
"""

from __future__ import annotations

import hashlib
import threading
from dataclasses import dataclass, field
from typing import Any, Iterator, Mapping

import numpy as np

from ...errors import InvalidInput
from ..base import AudioChunk, ReferenceClip, References
from .clip_cache import ClipCache
from . import text as frontend
from .text.preprocess import pieces, prompt_text, split_method

NATIVE_RATE = 32000
HUBERT_RATE = 16000
FRAGMENT_PAUSE_S = 0.3
FRONTEND_VERSION = "2"
#: how reference audio is resampled for each use (cache entries made another way are not reused)
AUDIO_VERSION = "r2"
DEFAULTS = {"top_k": 15, "top_p": 1.0, "temperature": 1.0, "repetition_penalty": 1.35, "noise_scale": 0.5,
            "text_split_method": "cut5", "fragment_interval": FRAGMENT_PAUSE_S, "parallel_infer": True,
            "batch_size": 1, "split_bucket": True}
#: request options (upstream's names) the pipeline honours; ``speed_factor`` overrides the request's speed
OPTION_NAMES = frozenset(DEFAULTS) | {"speed_factor"}


def _text_key(*parts: str) -> str:
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:16]


# ------------------------------------------------------------------------------------------ models
@dataclass
class SharedModels:
    """The models every base uses: HuBERT (required), the BERT featurizer (optional: zeros without it),
    the ERes2NetV2 sv net (required by Pro bases). ``ids`` name their files for cache keys."""

    hubert: Any
    bert: Any = None
    sv: Any = None
    ids: dict[str, str] = field(default_factory=dict)
    g2pw: Any = None  # optional Chinese polyphone predictor (text.g2pw.G2PW)


@dataclass
class PreparedVoice:
    prompt_ids: list[int]
    prompt_bert: Any  # torch (dim, n)
    prompt_codes: Any  # torch (1, P) long
    ge: Any  # torch (1, gin, 1)
    prompt_clip: str
    timbre_clips: tuple[str, ...]


def _lenient_language(language: str | None) -> str:
    """A language the frontend reads; others (a Czech voice's default, say) fall back to the script split."""
    try:
        return frontend.normalize_language(language)
    except InvalidInput:
        return frontend.AUTO


class Pipeline:
    """One filled base (GPT + SoVITS) + shared models → synthesis. Thread-safe per instance (one request at a time)."""

    def __init__(self, gpt, sovits, shared: SharedModels, *, base_key: str, cache: ClipCache | None = None,
                 inference: Mapping[str, Any] | None = None) -> None:
        self.gpt = gpt
        self.sovits = sovits
        self.shared = shared
        self.base_key = base_key
        self.cache = cache or ClipCache(None)
        inf = dict(inference or {})
        self.early_stop_num = int(inf.get("early_stop_num", 50 * 54))
        self.is_pro = bool(getattr(sovits, "is_pro", False))
        self._lock = threading.Lock()

    # -- per-clip pieces ----------------------------------------------------------------------------
    def _stored(self, clip: ReferenceClip) -> tuple[np.ndarray, int]:
        """The stored clip as it is in the library (mono float32 at its own rate), memory-cached."""
        arr = self.cache.get_array(clip.sha256, "wav-stored")
        rate = self.cache.get_json(clip.sha256, "wav-stored-rate") if arr is not None else None
        if arr is None or rate is None:
            from ...audio.io import read_audio

            samples, sr = read_audio(clip.path)
            arr = self.cache.put_array(clip.sha256, "wav-stored", samples.astype(np.float32), persist=False)
            rate = int(sr)
            self.cache._remember(f"None/{clip.sha256}/wav-stored-rate.json", rate)
        return arr, int(rate)

    def _audio(self, clip: ReferenceClip, rate: int) -> np.ndarray:
        """The clip at ``rate`` resampled the way upstream does for each use: 16 kHz for HuBERT with soxr HQ
        (librosa's ``soxr_hq``, length ``ceil(n · 16000 / sr)``); 32 kHz for the spectrogram with the windowed-sinc
        resampler (torchaudio's ``Resample``). The 16 kHz speaker-verification input is made from the 32 kHz
        audio in :meth:`_sv`."""
        name = f"wav{rate}"
        arr = self.cache.get_array(clip.sha256, name)
        if arr is None:
            samples, sr = self._stored(clip)
            if sr == rate:
                out = np.asarray(samples, dtype=np.float32)
            elif rate == HUBERT_RATE:
                from ...audio.io import resample

                n = int(np.ceil(len(samples) * rate / sr))
                out = resample(samples, sr, rate)[:n]
                if len(out) < n:
                    out = np.pad(out, (0, n - len(out)))
            else:
                import torch

                from .features import resample_sinc

                out = resample_sinc(torch.from_numpy(np.array(samples, dtype=np.float32)), sr, rate).numpy()
            arr = self.cache.put_array(clip.sha256, name, out.astype(np.float32), persist=False)
        return arr

    def _phones(self, clip: ReferenceClip, language: str | None):
        lang = _lenient_language(clip.language or language)
        from .text.en_g2p import dictionary_source

        name = "phones-" + _text_key(FRONTEND_VERSION, clip.transcript, lang, self.shared.ids.get("g2pw", "none"),
                                     dictionary_source())
        data = self.cache.get_json(clip.sha256, name)
        if data is None:
            seq = frontend.text_to_phones(prompt_text(clip.transcript, lang), lang, zh_predictor=self.shared.g2pw)
            data = self.cache.put_json(clip.sha256, name, seq.to_dict())
        return frontend.PhoneSequence([frontend.Segment(s["language"], s["text"], s["phones"], s["word2ph"])
                                       for s in data["segments"]])

    def _bert(self, clip: ReferenceClip, seq):
        import torch

        if self.shared.bert is None or not any(s.language == "zh" for s in seq.segments):
            return frontend.bert_features(seq, None, self._bert_dim())
        name = "bert-" + _text_key("float32", self.shared.ids.get("bert", "?"), *seq.phones, seq.text)
        arr = self.cache.get_array(clip.sha256, name)
        if arr is None:
            # float32 as upstream computes it (float16 storage was 2.8e-4 off, above the parity tolerance)
            arr = self.cache.put_array(clip.sha256, name,
                                       frontend.bert_features(seq, self.shared.bert).numpy().astype(np.float32))
        return torch.from_numpy(np.array(arr, dtype=np.float32))

    def _bert_dim(self) -> int:
        return int(self.gpt.bert_proj.weight.shape[1])

    def _sv(self, clip: ReferenceClip):
        import torch

        from .eres2net import SV_PRECISION, sv_embedding

        name = "sv-" + self.shared.ids.get("sv", "?") + "-" + AUDIO_VERSION + "-" + SV_PRECISION
        arr = self.cache.get_array(clip.sha256, name)
        if arr is None:
            if self.shared.sv is None:
                from ...errors import MissingAsset

                raise MissingAsset(
                    "This base is a v2Pro/v2ProPlus model and needs the speaker-verification net, which is not linked.",
                    hint="Link a GPT-SoVITS pretrained_models folder that has sv/pretrained_eres2netv2w24s4ep4.ckpt "
                    "('timbrel assets link PATH') or run 'timbrel assets download'.")
            from .features import normalize_reference, resample_sinc

            # upstream: the 32 kHz reference, loudness-guarded, then torchaudio's Resample(32000, 16000)
            wav32 = normalize_reference(torch.from_numpy(np.array(self._audio(clip, NATIVE_RATE)))[None])
            wav = resample_sinc(wav32, NATIVE_RATE, HUBERT_RATE)[0]
            sv_device = next(self.shared.sv.parameters()).device
            vec = sv_embedding(self.shared.sv, wav[None].to(sv_device))[0].float().cpu()
            arr = self.cache.put_array(clip.sha256, name, vec.numpy())
        return torch.from_numpy(np.array(arr))[None]

    def _codes(self, clip: ReferenceClip):
        import torch

        from .pretrained import prompt_ssl

        name = "codes-" + self.shared.ids.get("hubert", "?") + "-" + AUDIO_VERSION
        arr = self.cache.get_array(clip.sha256, name, self.base_key)
        if arr is None:
            wav = torch.from_numpy(np.array(self._audio(clip, HUBERT_RATE)))
            with torch.no_grad():
                ssl = prompt_ssl(self.shared.hubert, wav)
                codes = self.sovits.extract_latent(ssl.to(self._device()))
            arr = self.cache.put_array(clip.sha256, name, codes[0, 0].cpu().numpy().astype(np.int64), self.base_key)
        return torch.from_numpy(np.array(arr))[None]

    def _ge(self, clip: ReferenceClip):
        import torch

        from .features import reference_spectrogram

        name = "ge-" + (self.shared.ids.get("sv", "?") if self.is_pro else "nosv") + "-" + AUDIO_VERSION
        arr = self.cache.get_array(clip.sha256, name, self.base_key)
        if arr is None:
            wav = torch.from_numpy(np.array(self._audio(clip, NATIVE_RATE)))
            spec = reference_spectrogram(wav).to(self._device())
            sv = self._sv(clip).to(self._device()) if self.is_pro else None
            with torch.no_grad():
                ge = self.sovits.reference_embedding(spec, sv).float()
            arr = self.cache.put_array(clip.sha256, name, ge.cpu().numpy(), self.base_key)
        return torch.from_numpy(np.array(arr))

    def _device(self):
        return next(self.sovits.parameters()).device

    # -- voice ----------------------------------------------------------------------------------------
    def prepare(self, references: References, language: str | None = None) -> PreparedVoice:
        """Everything a request needs from the voice (cached per clip / per clip × base)."""
        import torch

        prompt = references.prompt
        seq = self._phones(prompt, language)
        bert = self._bert(prompt, seq)
        codes = self._codes(prompt)
        timbre = [prompt] + [c for c in references.timbre if c.sha256 != prompt.sha256]
        ge = self.sovits.combine_references([self._ge(c) for c in timbre]) if len(timbre) > 1 else self._ge(prompt)
        return PreparedVoice(seq.ids, bert, codes.long(), ge.to(torch.float32), prompt.sha256,
                             tuple(c.sha256 for c in timbre))

    # -- synthesis --------------------------------------------------------------------------------------
    def piece_tokens(self, voice: PreparedVoice, seq, bert, *, generator, options: Mapping[str, Any]):
        """GPT decoding of one piece → new semantic tokens (1-D long tensor), with upstream's early-stop rule:
        when decoding runs past ``early_stop_num``, the parallel decoder (``parallel_infer``, upstream's
        default) keeps the first ``early_stop_num`` tokens, the naive one the last ``early_stop_num``."""
        import torch

        opt = {**DEFAULTS, **options}
        dev = self._device()
        ids = torch.tensor([voice.prompt_ids + seq.ids], dtype=torch.long, device=dev)
        all_bert = torch.cat([voice.prompt_bert, bert], dim=1)[None].to(dev)
        with torch.no_grad():
            res = self.gpt.generate(ids, all_bert, voice.prompt_codes.to(dev), top_k=int(opt["top_k"]),
                                    top_p=float(opt["top_p"]), temperature=float(opt["temperature"]),
                                    repetition_penalty=float(opt["repetition_penalty"]),
                                    early_stop_num=self.early_stop_num, generator=generator)
        from .t2s import trim_early_stop

        return trim_early_stop(res.new_tokens[0], res.stop, self.early_stop_num, parallel=_flag(opt["parallel_infer"]))

    def piece_audio(self, voice: PreparedVoice, seq, tokens, *, generator, speed: float = 1.0,
                    noise_scale: float = 0.5, noise=None) -> np.ndarray:
        """SoVITS decoding of one piece → 32 kHz float32, divided by its peak when that exceeds 1 (as upstream)."""
        import torch

        if tokens.numel() == 0:
            return np.zeros(0, dtype=np.float32)
        dev = self._device()
        target = torch.tensor([seq.ids], dtype=torch.long, device=dev)
        with torch.no_grad():
            wav = self.sovits.decode(tokens.view(1, 1, -1).to(dev), target, ge=voice.ge.to(dev),
                                     noise_scale=float(noise_scale), speed=float(speed), generator=generator,
                                     noise=noise)
        out = wav[0, 0].float().cpu().numpy()
        peak = float(np.abs(out).max()) if out.size else 0.0
        if peak > 1.0:
            out = out / peak
        return out.astype(np.float32)

    def sentence_audio(self, voice: PreparedVoice, sentence: str, language: str | None, *, generator,
                       speed: float = 1.0, options: Mapping[str, Any] | None = None, noise=None) -> np.ndarray:
        """One piece of text → 32 kHz float32 samples (empty when the text has nothing to say). ``noise``:
        the decoder's standard-normal draw, given instead of sampled (parity tests inject upstream's)."""
        opt = {**DEFAULTS, **(options or {})}
        seq = frontend.text_to_phones(sentence, language, zh_predictor=self.shared.g2pw)
        if not seq.phones:
            return np.zeros(0, dtype=np.float32)
        bert = frontend.bert_features(seq, self.shared.bert, self._bert_dim())
        tokens = self.piece_tokens(voice, seq, bert, generator=generator, options=opt)
        return self.piece_audio(voice, seq, tokens, generator=generator, speed=speed,
                                noise_scale=float(opt["noise_scale"]), noise=noise)

    def stream(self, text: str, references: References, *, language: str | None = None, seed: int | None = None,
               speed: float = 1.0, output_rate: int | None = None,
               options: Mapping[str, Any] | None = None, noise_for=None) -> Iterator[AudioChunk]:
        """Yield one :class:`AudioChunk` per piece of text (``text_split_method``) as soon as it is synthesized,
        each followed by ``fragment_interval`` seconds of silence (after the last one too, as ``TTS.run``).
        ``noise_for(i)`` may give piece i's decoder noise (parity tests)."""
        import torch

        from ...audio.io import resample
        from ...torchutil import configure_torch

        configure_torch()
        if not text or not text.strip():
            raise InvalidInput("There is no text to say.", hint="Give the sentence to speak.")
        opt = {**DEFAULTS, **{k: v for k, v in (options or {}).items() if v is not None}}
        speed = float(opt.get("speed_factor", speed))
        if not 0.25 <= speed <= 4.0:
            raise InvalidInput(f"Speed {speed} is out of range.", hint="Use a speed between 0.25 and 4.")
        interval = float(opt["fragment_interval"])
        if not 0.0 <= interval <= 10.0:
            raise InvalidInput(f"fragment_interval {interval} is out of range.", hint="Use 0 to 10 seconds.")
        split_method(opt["text_split_method"])  # a plain error for an unknown method before any work
        rate = int(output_rate or NATIVE_RATE)
        lang = _lenient_language(language)
        with self._lock:
            voice = self.prepare(references, language)
            gen = torch.Generator(device=self._device())
            gen.manual_seed(int(seed) if seed is not None else int(torch.seed() % (2 ** 63)))
            pause = np.zeros(int(interval * NATIVE_RATE), dtype=np.float32)
            for i, piece in enumerate(pieces(text, lang if lang != frontend.AUTO else "zh", opt["text_split_method"])):
                noise = noise_for(i) if noise_for is not None else None
                audio = self.sentence_audio(voice, piece, lang, generator=gen, speed=speed, options=opt, noise=noise)
                if audio.size == 0:
                    continue
                yield AudioChunk(resample(np.concatenate([audio, pause]), NATIVE_RATE, rate), rate)


def _flag(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() not in ("0", "false", "no", "off", "")
    return bool(value)
