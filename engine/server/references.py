"""Which voice, references and base a request speaks with (``ref_audio_path`` / ``voice`` → speech inputs).

* A library voice (``voice`` field, or a reference path whose file name is the voice's name): the voice's
  references, chosen as in ``timbrel say``; its base by ``SpeechService.resolve_base``.
* A reference path that IS one of the library's clips (its blob path, its original file path or file name,
  or a file with the same bytes): that clip is the prompt, the voice's other clips give timbre, the
  voice's base speaks.
* Any other audio file inside a folder the user allowed (``--allow-dir``): spoken zero-shot with that file
  as the prompt (``prompt_text`` / ``prompt_lang`` as its transcript) by the base of the cluster whose
  centroid is nearest to the file's timbre embedding.
* Anything else — a path outside the library and the allowed folders, a missing file — is refused with
  the same message, so the server never tells whether a file exists outside what it may read.
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass, field
from pathlib import Path, PurePath
from typing import Any

import numpy as np

from ..errors import InvalidInput, NotFound
from ..library.blobs import sha256_file


class Refused(InvalidInput):
    """A reference path the server may not read."""


@dataclass
class Resolved:
    """What a request speaks with: a library ``voice`` (name) or explicit ``references``, plus the base."""

    voice: Any = None                # engine.library Voice
    references: Any = None           # engine.backends.base.References (None: chosen by speech from the voice)
    clip: Any = None                 # the library clip asked for (prompt), if any
    base: str | None = None          # base name; None: the speech service's rule decides
    how: str = "voice"               # voice | library-clip | zero-shot
    detail: dict = field(default_factory=dict)


def _inside(path: Path, root: Path) -> bool:
    try:
        path.relative_to(root)
        return True
    except ValueError:
        return False


class ReferenceResolver:
    def __init__(self, engine, allow_dirs: tuple[Path, ...] = ()) -> None:
        self.engine = engine
        self.allow_dirs = tuple(allow_dirs)
        self._lock = threading.Lock()
        self._index_key: Any = None
        self._index: dict[str, Any] = {}
        self._embeddings: dict[str, np.ndarray] = {}      # file sha256 → timbre embedding
        self._centroids: tuple[Any, dict[int, np.ndarray]] | None = None

    # -- library index ----------------------------------------------------------------------------------
    def _library_index(self) -> dict[str, Any]:
        lib = self.engine.library
        voices = lib.voices()
        key = tuple((v.id, v.version, len(v.clips)) for v in voices)
        with self._lock:
            if key == self._index_key:
                return self._index
        by_path: dict[str, Any] = {}
        by_name: dict[str, Any] = {}
        by_sha: dict[str, Any] = {}
        by_voice: dict[str, Any] = {}
        ambiguous: set[str] = set()
        for v in voices:
            by_voice[v.name.casefold()] = v
            for c in v.clips:
                item = (v, c)
                by_path[str(lib.clip_path(c).resolve())] = item
                by_sha[c.sha256] = item
                if c.source_path:
                    by_path.setdefault(str(Path(c.source_path).expanduser()), item)
                    name = PurePath(c.source_path).name.casefold()
                    if name in by_name and by_name[name][1].sha256 != c.sha256:
                        ambiguous.add(name)     # '01.wav' in several voices names none of them
                    by_name.setdefault(name, item)
        for name in ambiguous:
            by_name.pop(name, None)
        index = {"path": by_path, "name": by_name, "sha": by_sha, "voice": by_voice}
        with self._lock:
            self._index_key, self._index = key, index
        return index

    def voice(self, name: str):
        """A library voice by name (case-insensitive) or id."""
        try:
            return self.engine.library.voice(name)
        except NotFound:
            v = self._library_index()["voice"].get(str(name).casefold())
            if v is None:
                raise
            return v

    # -- paths ------------------------------------------------------------------------------------------
    def _refuse(self, raw: str) -> Refused:
        where = ", ".join(str(d) for d in self.allow_dirs) or "none"
        return Refused(f"ref_audio_path {raw!r} is not a clip of the voice library and not a readable audio file "
                       f"inside the folders this server may read (allowed folders: {where}).",
                       hint="Use a library voice (the 'voice' field or a clip's file name), or start the server "
                            "with --allow-dir FOLDER holding your reference files.")

    def _allowed_file(self, raw: str) -> Path | None:
        """The real file ``raw`` names inside an allowed folder (relative paths are tried against each), or None."""
        if "\x00" in raw:
            return None
        p = Path(os.path.expanduser(raw))
        candidates = [p] if p.is_absolute() else [d / p for d in self.allow_dirs]
        for cand in candidates:
            try:
                real = cand.resolve(strict=True)
            except (OSError, RuntimeError):
                continue
            if real.is_file() and any(_inside(real, d) for d in self.allow_dirs):
                return real
        return None

    def library_clip(self, raw: str):
        """(voice, clip) when ``raw`` names one of the library's clips (path, original file name); else None."""
        idx = self._library_index()
        try:
            real = str(Path(os.path.expanduser(raw)).resolve())
        except (OSError, RuntimeError, ValueError):
            real = None
        if real is not None and real in idx["path"]:
            return idx["path"][real]
        if raw in idx["path"]:
            return idx["path"][raw]
        name = PurePath(raw.replace("\\", "/")).name.casefold()
        return idx["name"].get(name)

    def voice_by_file_name(self, raw: str):
        """A voice whose name is the file's stem (clients that keep '<voice>.wav' per voice)."""
        stem = PurePath(raw.replace("\\", "/")).stem.casefold()
        return self._library_index()["voice"].get(stem) if stem else None

    # -- resolution -------------------------------------------------------------------------------------
    def resolve(self, *, voice: str | None, ref_audio_path: str | None, prompt_text: str = "",
                prompt_lang: str | None = None, aux_paths: list[str] | tuple[str, ...] = (),
                emotion: str | None = None, language: str | None = None) -> Resolved:
        if voice:
            return Resolved(voice=self.voice(voice), how="voice")
        if not ref_audio_path:
            raise InvalidInput("ref_audio_path is required", hint="Give ref_audio_path or a library voice name in 'voice'.")
        raw = str(ref_audio_path)
        hit = self.library_clip(raw)
        if hit is None:
            v = self.voice_by_file_name(raw)
            if v is not None and self._allowed_file(raw) is None:
                return Resolved(voice=v, how="voice", detail={"matched": "file name"})
        real = None
        if hit is None:
            real = self._allowed_file(raw)
            if real is None:
                raise self._refuse(raw)
            hit = self._library_index()["sha"].get(sha256_file(real))
        if hit is not None:
            v, clip = hit
            return self._clip_refs(v, clip, aux_paths, emotion, language)
        return self._zero_shot(real, prompt_text, prompt_lang, aux_paths)

    def _aux(self, aux_paths) -> list:
        out = []
        for raw in aux_paths or ():
            if not raw:
                continue
            hit = self.library_clip(str(raw))
            if hit is not None:
                out.append(self._ref_of_clip(hit[1]))
                continue
            real = self._allowed_file(str(raw))
            if real is None:
                raise self._refuse(str(raw))
            out.append(self._ref_of_file(real, "", None))
        return out

    def _ref_of_clip(self, clip):
        from ..backends.base import ReferenceClip

        return ReferenceClip(path=self.engine.library.clip_path(clip), sha256=clip.sha256, transcript=clip.transcript,
                             language=clip.language, emotion=clip.emotion, duration=clip.duration,
                             sample_rate=clip.sample_rate)

    def _ref_of_file(self, real: Path, transcript: str, language: str | None):
        import soundfile as sf

        from ..backends.base import ReferenceClip

        try:
            info = sf.info(str(real))
        except Exception as exc:  # noqa: BLE001 - libsndfile raises several types for non-audio files
            raise InvalidInput(f"{real.name} is not an audio file this server can read ({exc}).",
                               hint="Use WAV, FLAC or OGG reference files.") from None
        return ReferenceClip(path=real, sha256=sha256_file(real), transcript=transcript or "", language=language,
                             emotion=None, duration=float(info.frames) / float(info.samplerate or 1),
                             sample_rate=int(info.samplerate))

    def _clip_refs(self, voice, clip, aux_paths, emotion, language) -> Resolved:
        from ..backends.base import References
        from ..speech import choose_timbre_clips

        prompt = self._ref_of_clip(clip)
        timbre = [self._ref_of_clip(c) for c in choose_timbre_clips(voice, 3, language or voice.language)]
        timbre += self._aux(aux_paths)
        refs = References(voice.name, prompt, tuple(timbre))
        return Resolved(voice=voice, references=refs, clip=clip, how="library-clip")

    def _zero_shot(self, real: Path, prompt_text: str, prompt_lang: str | None, aux_paths) -> Resolved:
        from ..backends.base import References

        prompt = self._ref_of_file(real, prompt_text, prompt_lang)
        timbre = (prompt, *self._aux(aux_paths))
        base, detail = self.nearest_base(real, prompt.sha256)
        refs = References(f"file:{real.name}", prompt, timbre)
        return Resolved(references=refs, base=base, how="zero-shot", detail=detail)

    # -- nearest cluster ----------------------------------------------------------------------------------
    def _cluster_centroids(self) -> dict[int, np.ndarray]:
        analysis = self.engine.analysis
        clusters = analysis.clusters()
        key = tuple((c.id, tuple(c.voices)) for c in clusters)
        with self._lock:
            if self._centroids is not None and self._centroids[0] == key:
                return self._centroids[1]
        out: dict[int, np.ndarray] = {}
        for c in clusters:
            vecs = []
            for name in c.voices:
                try:
                    vecs.append(np.asarray(analysis.voice_embedding(name), dtype=np.float32))
                except Exception:  # noqa: BLE001 - a voice without analysed clips adds nothing
                    continue
            if vecs:
                m = np.mean(np.stack(vecs), axis=0)
                out[c.id] = m / (np.linalg.norm(m) + 1e-12)
        with self._lock:
            self._centroids = (key, out)
        return out

    def embed_file(self, real: Path, sha: str) -> np.ndarray:
        with self._lock:
            hit = self._embeddings.get(sha)
        if hit is not None:
            return hit
        from ..audio.io import read_audio

        enc = self.engine.analysis.encoder()
        samples, sr = read_audio(real)
        emb = np.asarray(enc.embed(samples, sr), dtype=np.float32).reshape(-1)
        emb = emb / (np.linalg.norm(emb) + 1e-12)
        with self._lock:
            if len(self._embeddings) > 1024:
                self._embeddings.clear()
            self._embeddings[sha] = emb
        return emb

    def nearest_base(self, real: Path, sha: str) -> tuple[str, dict]:
        """The base of the cluster nearest (cosine) to the file's timbre; only clusters that have a base count."""
        bases = self.engine.bases
        cents = self._cluster_centroids()
        with_base = {}
        for cid, c in cents.items():
            rec = bases.base_for_cluster(cid)
            if rec is not None:
                with_base[cid] = (c, rec)
        if with_base:
            emb = self.embed_file(real, sha)
            sims = sorted(((float(emb @ c), cid) for cid, (c, _) in with_base.items()), key=lambda t: (-t[0], t[1]))
            sim, cid = sims[0]
            return with_base[cid][1].name, {"cluster_id": cid, "similarity": round(sim, 4)}
        every = bases.list()
        if len(every) == 1:
            return every[0].name, {"cluster_id": None, "similarity": None}
        raise NotFound("No cluster has a base, so there is no base to speak this reference file with.",
                       hint="Cluster the library and give clusters bases ('timbrel cluster', 'timbrel base assign'), "
                            "or pick a base first with /set_gpt_weights or the OpenAI 'model' field.")


__all__ = ["ReferenceResolver", "Resolved", "Refused"]
