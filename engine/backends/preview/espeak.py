"""Text → speech with eSpeak NG, loaded from the ``espeakng-loader`` wheel through ctypes.

eSpeak NG is GPL-3.0-or-later. It is an *optional* component of Timbrel (the
``timbrel[preview]`` extra): this module only loads the shared library the
wheel ships at run time and never links against it; without the wheel the
preview backend reports a :class:`~engine.errors.MissingAsset` with the install
command. The library keeps global state, so every call is serialised by a lock.

Output is bit-identical for the same text, settings and seed. eSpeak keeps state in static variables
that no API call resets (the pitch "flutter" index of its wave generator carries over from one utterance
to the next and survives ``espeak_Terminate``/``espeak_Initialize``), so each synthesis runs in a freshly
loaded copy of the library: load, initialise, seed, speak, terminate, unload. That costs a few
milliseconds per sentence and makes every rendering start from the same state.
"""

from __future__ import annotations

import contextlib
import ctypes
import threading
from dataclasses import dataclass

import numpy as np

from ...errors import InvalidInput, MissingAsset

AUDIO_OUTPUT_SYNCHRONOUS = 2
ESPEAK_CHARS_UTF8 = 1
POS_CHARACTER = 1
PARAM_RATE = 1
PARAM_VOLUME = 2
PARAM_PITCH = 3
PARAM_RANGE = 4

# Language codes as Timbrel stores them (ISO 639-1 / GPT-SoVITS) → eSpeak NG voice names.
LANGUAGE_VOICES = {
    "en": "en-us", "en-us": "en-us", "en-gb": "en-gb", "zh": "cmn", "cmn": "cmn", "yue": "yue", "ja": "ja",
    "ko": "ko", "cs": "cs", "fi": "fi", "it": "it", "ru": "ru", "de": "de", "fr": "fr", "es": "es",
    "pt": "pt", "nl": "nl", "pl": "pl", "sv": "sv", "ca": "ca", "hi": "hi", "uk": "uk", "tr": "tr",
}

_CALLBACK = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.POINTER(ctypes.c_short), ctypes.c_int, ctypes.c_void_p)

_INSTALL_HINT = "Install the preview extra: pip install 'timbrel[preview]' (it brings eSpeak NG, GPL-3.0)."


@dataclass(frozen=True)
class EspeakInfo:
    version: str
    library_path: str
    data_path: str
    sample_rate: int


def _unload(handle: int) -> bool:
    """Unload a shared library (its static state goes with it). False when the platform cannot."""
    import _ctypes

    close = getattr(_ctypes, "dlclose", None) or getattr(_ctypes, "FreeLibrary", None)
    if close is None:  # pragma: no cover
        return False
    close(handle)
    return True


class Espeak:
    """eSpeak NG behind one lock (use :func:`get_espeak`); every :meth:`synth` runs in a fresh load of the library."""

    def __init__(self) -> None:
        try:
            import espeakng_loader
        except ImportError as exc:
            raise MissingAsset("The preview voice engine (eSpeak NG) is not installed.", hint=_INSTALL_HINT) from exc
        self._lib_path = espeakng_loader.get_library_path()
        try:
            self._data_path = espeakng_loader.get_data_path()
        except (OSError, RuntimeError) as exc:
            raise MissingAsset(f"eSpeak NG's data could not be found ({exc}).", hint=_INSTALL_HINT) from exc
        self._lock = threading.Lock()
        self._chunks: list[np.ndarray] = []
        self._cb = _CALLBACK(self._on_audio)  # keep a reference: ctypes must not free it
        with self._lock, self._loaded() as (lib, sr):
            version = (lib.espeak_Info(None) or b"?").decode(errors="replace")
        self.info = EspeakInfo(version, self._lib_path, self._data_path, int(sr))

    def _load(self) -> ctypes.CDLL:
        try:
            lib = ctypes.CDLL(self._lib_path)
        except OSError as exc:
            raise MissingAsset(f"eSpeak NG could not be loaded from {self._lib_path} ({exc}).", hint=_INSTALL_HINT) from exc
        lib.espeak_Initialize.restype = ctypes.c_int
        lib.espeak_Initialize.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_char_p, ctypes.c_int]
        lib.espeak_SetSynthCallback.argtypes = [_CALLBACK]
        lib.espeak_SetVoiceByName.argtypes = [ctypes.c_char_p]
        lib.espeak_SetVoiceByName.restype = ctypes.c_int
        lib.espeak_SetParameter.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_int]
        lib.espeak_SetParameter.restype = ctypes.c_int
        lib.espeak_Synth.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_uint, ctypes.c_int, ctypes.c_uint,
                                     ctypes.c_uint, ctypes.POINTER(ctypes.c_uint), ctypes.c_void_p]
        lib.espeak_Synth.restype = ctypes.c_int
        lib.espeak_Info.argtypes = [ctypes.POINTER(ctypes.c_char_p)]
        lib.espeak_Info.restype = ctypes.c_char_p
        lib.espeak_Terminate.restype = ctypes.c_int
        set_seed = getattr(lib, "espeak_ng_SetRandSeed", None)  # espeak-ng >= 1.51: deterministic noise
        if set_seed is not None:
            set_seed.argtypes = [ctypes.c_long]
            set_seed.restype = None
        return lib

    @contextlib.contextmanager
    def _loaded(self):
        """A freshly loaded, initialised library (call with the lock held); unloaded afterwards."""
        lib = self._load()
        try:
            sr = lib.espeak_Initialize(AUDIO_OUTPUT_SYNCHRONOUS, 200, self._data_path.encode(), 0)
            if sr <= 0:
                raise MissingAsset(f"eSpeak NG failed to start with its data at {self._data_path}.", hint=_INSTALL_HINT)
            lib.espeak_SetSynthCallback(self._cb)
            try:
                yield lib, sr
            finally:
                lib.espeak_Terminate()
        finally:
            handle = lib._handle
            del lib
            _unload(handle)

    @property
    def sample_rate(self) -> int:
        return self.info.sample_rate

    def _on_audio(self, wav, numsamples, events) -> int:
        if numsamples > 0 and wav:
            self._chunks.append(np.ctypeslib.as_array(wav, shape=(numsamples,)).astype(np.float32) / 32768.0)
        return 0

    def voice_for(self, language: str | None) -> str:
        key = (language or "en").strip().lower()
        if key in LANGUAGE_VOICES:
            return LANGUAGE_VOICES[key]
        base = key.split("-")[0].split("_")[0]
        if base in LANGUAGE_VOICES:
            return LANGUAGE_VOICES[base]
        raise InvalidInput(
            f"The preview voice cannot speak language '{language}'.",
            hint="Use one of: " + ", ".join(sorted({k for k in LANGUAGE_VOICES if len(k) <= 3})) + ".",
        )

    def synth(self, text: str, language: str | None = "en", rate_wpm: int = 165, pitch: int = 50, range_: int = 50,
              seed: int = 0) -> np.ndarray:
        """Synthesize ``text``; returns mono float32 at :attr:`sample_rate`.
        The same inputs and seed give the same samples, bit for bit, whatever was spoken before."""
        text = (text or "").strip()
        if not text:
            raise InvalidInput("There is no text to speak.")
        voice = self.voice_for(language)
        data = text.encode("utf-8") + b"\0"
        with self._lock, self._loaded() as (lib, _sr):
            if lib.espeak_SetVoiceByName(voice.encode()) != 0:
                raise InvalidInput(f"eSpeak NG has no voice '{voice}'.", hint="Choose another language for this voice.")
            lib.espeak_SetParameter(PARAM_RATE, int(rate_wpm), 0)
            lib.espeak_SetParameter(PARAM_PITCH, int(pitch), 0)
            lib.espeak_SetParameter(PARAM_RANGE, int(range_), 0)
            lib.espeak_SetParameter(PARAM_VOLUME, 100, 0)
            set_seed = getattr(lib, "espeak_ng_SetRandSeed", None)
            if set_seed is not None:
                set_seed(int(seed) & 0x7FFFFFFF)
            self._chunks = []
            buf = ctypes.create_string_buffer(data)
            err = lib.espeak_Synth(buf, len(data), 0, POS_CHARACTER, 0, ESPEAK_CHARS_UTF8, None, None)
            chunks, self._chunks = self._chunks, []
        if err != 0:
            raise InvalidInput(f"eSpeak NG could not speak this text (error {err}).")
        if not chunks:
            return np.zeros(0, dtype=np.float32)
        return np.concatenate(chunks)


_instance: Espeak | None = None
_instance_lock = threading.Lock()


def get_espeak() -> Espeak:
    global _instance
    with _instance_lock:
        if _instance is None:
            _instance = Espeak()
        return _instance


def available() -> bool:
    try:
        import espeakng_loader  # noqa: F401
    except ImportError:
        return False
    return True
