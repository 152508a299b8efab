"""The server's engine side, free of HTTP: per-caller state, admission, weight selection and submitting
requests through ``engine.speech`` (used by the FastAPI app and by the Ray engine replicas)."""

from __future__ import annotations

import hashlib
import threading
import time
from dataclasses import dataclass, field
from pathlib import PurePath
from typing import Any

from ..errors import InvalidInput, ResourceExhausted
from .config import ServerConfig
from .fields import OPTION_TO_FIELD, SpeakParams
from .references import ReferenceResolver, Resolved


class Busy(ResourceExhausted):
    """Too many requests are queued: the client should retry after ``retry_after`` seconds."""

    def __init__(self, message: str, retry_after: int, hint: str = "") -> None:
        super().__init__(message, hint=hint)
        self.retry_after = retry_after


@dataclass
class Session:
    """What a caller selected with /set_refer_audio and /set_*_weights (api_v2 keeps these globally; here each
    caller — client address + token — has its own, so two clients never switch each other's voice)."""

    refer_audio_path: str | None = None
    prompt_text: str = ""
    prompt_lang: str | None = None
    gpt_base: str | None = None
    sovits_base: str | None = None

    @property
    def base(self) -> str | None:
        return self.sovits_base or self.gpt_base


@dataclass
class Job:
    handle: Any
    base: str
    backend: str
    ignored: list[str]
    how: str
    used_clip: Any = None
    preview: bool = False
    detail: dict = field(default_factory=dict)
    started: float = field(default_factory=time.monotonic)


class ServerCore:
    def __init__(self, engine, config: ServerConfig | None = None) -> None:
        self.engine = engine
        self.config = config or ServerConfig()
        self.resolver = ReferenceResolver(engine, self.config.allow_dirs)
        self._lock = threading.Lock()
        self._sessions: dict[str, Session] = {}
        self.active = 0                 # admitted requests (waiting + running + streaming out)
        self.totals = {"requests": 0, "done": 0, "failed": 0, "cancelled": 0, "refused": 0}
        self._mean_s = 1.0              # running mean of request seconds (for Retry-After)
        self.listeners: list = []       # callables(active: int) — the desktop shows the live count

    # -- sessions -----------------------------------------------------------------------------------------
    def session(self, caller: str) -> Session:
        with self._lock:
            s = self._sessions.get(caller)
            if s is None:
                if len(self._sessions) > 4096:
                    self._sessions.clear()
                s = self._sessions[caller] = Session()
            return s

    # -- admission ----------------------------------------------------------------------------------------
    def admit(self) -> None:
        with self._lock:
            if self.active >= self.config.max_active:
                self.totals["refused"] += 1
                wait = max(self.config.retry_after_s, int(round(self._mean_s * self.active / max(1, self.config.max_active))))
                raise Busy(f"{self.active} requests are already queued; this server takes at most "
                           f"{self.config.max_active} at once.", retry_after=wait, hint="Retry after a moment.")
            self.active += 1
            self.totals["requests"] += 1
            n = self.active
        self._notify(n)

    def release(self, state: str, seconds: float | None = None) -> None:
        with self._lock:
            self.active = max(0, self.active - 1)
            key = state if state in self.totals else "failed"
            self.totals[key] += 1
            if seconds is not None:
                self._mean_s = 0.9 * self._mean_s + 0.1 * float(seconds)
            n = self.active
        self._notify(n)

    def _notify(self, n: int) -> None:
        for cb in list(self.listeners):
            try:
                cb(n)
            except Exception:  # noqa: BLE001 - a listener never breaks serving
                pass

    # -- catalog views --------------------------------------------------------------------------------------
    def voices(self) -> list[dict]:
        out = []
        speech = self.engine.speech
        for v in self.engine.library.voices():
            try:
                base = speech.resolve_base(v).name
            except Exception:  # noqa: BLE001 - a voice without a base is still listed
                base = None
            out.append({"name": v.name, "id": v.id, "language": v.language, "tags": list(v.tags),
                        "clips": len(v.clips), "base": base,
                        "emotions": sorted({c.emotion for c in v.clips if c.emotion})})
        return out

    def bases(self) -> list[dict]:
        resident = set()
        rt = self.engine.__dict__.get("runtime")
        if rt is not None:
            resident = set(rt.pool.resident())
        out = []
        for b in self.engine.bases.list():
            try:
                sources = self.engine.bases.manifest(b).get("sources", {}) or {}
            except Exception:  # noqa: BLE001
                sources = {}
            out.append({"name": b.name, "id": b.id, "backend": b.backend, "variant": b.variant,
                        "size_bytes": b.size_bytes, "resident": b.name in resident,
                        "sources": {k: {"file": (s or {}).get("file"), "sha256": (s or {}).get("sha256")}
                                    for k, s in sources.items() if isinstance(s, dict)}})
        return out

    # -- /set_*_weights -----------------------------------------------------------------------------------
    def select_weights(self, caller: str, kind: str, weights_path: str) -> str:
        """Select (for ``caller``) the base whose ``kind`` (gpt / sovits) source file is ``weights_path``: same
        sha256 (only files inside the allowed folders are read) or the same file name."""
        if not weights_path:
            raise InvalidInput(f"{kind} weight path is required")
        name = PurePath(weights_path.replace("\\", "/")).name.casefold()
        digest = None
        real = self.resolver._allowed_file(weights_path)
        if real is not None:
            h = hashlib.sha256()
            with open(real, "rb") as f:
                for block in iter(lambda: f.read(1 << 20), b""):
                    h.update(block)
            digest = h.hexdigest()
        by_hash, by_name = [], []
        listing = []
        for b in self.engine.bases.list():
            listing.append(b.name)
            try:
                src = (self.engine.bases.manifest(b).get("sources", {}) or {}).get(kind) or {}
            except Exception:  # noqa: BLE001
                src = {}
            if digest and src.get("sha256") == digest:
                by_hash.append(b.name)
            elif src.get("file") and str(src["file"]).casefold() == name:
                by_name.append(b.name)
        hits = by_hash or by_name
        if not hits:
            raise InvalidInput(f"No base was made from the {kind} file {weights_path!r}. Bases: {', '.join(listing) or 'none'}.",
                               hint="Import it with 'timbrel base import', or name one of the listed bases.")
        chosen = sorted(hits)[0]
        s = self.session(caller)
        with self._lock:
            if kind == "gpt":
                s.gpt_base = chosen
            else:
                s.sovits_base = chosen
        return chosen

    def set_refer_audio(self, caller: str, path: str | None, prompt_text: str = "", prompt_lang: str | None = None) -> dict:
        if not path:
            raise InvalidInput("refer_audio_path is required")
        resolved = self.resolver.resolve(voice=None, ref_audio_path=path, prompt_text=prompt_text, prompt_lang=prompt_lang)
        s = self.session(caller)
        with self._lock:
            s.refer_audio_path, s.prompt_text, s.prompt_lang = path, prompt_text or "", prompt_lang
        return {"how": resolved.how, "voice": getattr(resolved.voice, "name", None), "base": resolved.base}

    # -- speaking -----------------------------------------------------------------------------------------
    def resolve(self, p: SpeakParams, caller: str | None = None) -> Resolved:
        s = self.session(caller) if caller is not None else None
        ref = p.ref_audio_path
        prompt_text, prompt_lang = p.prompt_text, p.prompt_lang
        if not p.voice and not ref and s is not None and s.refer_audio_path:
            ref, prompt_text, prompt_lang = s.refer_audio_path, p.prompt_text or s.prompt_text, p.prompt_lang or s.prompt_lang
        r = self.resolver.resolve(voice=p.voice, ref_audio_path=ref, prompt_text=prompt_text, prompt_lang=prompt_lang,
                                  aux_paths=p.aux_ref_audio_paths, emotion=p.emotion, language=p.language)
        explicit = p.base or (s.base if s is not None else None)
        if explicit:
            self.engine.bases.get(explicit)          # NotFound with the store's message when it does not exist
            r.base = explicit
        return r

    def _base_record(self, r: Resolved):
        if r.base is not None:
            return self.engine.bases.get(r.base)
        return self.engine.speech.resolve_base(r.voice)

    def speak(self, p: SpeakParams, caller: str | None = None, *, priority: str | None = None) -> Job:
        """Resolve and queue one request (the caller has been admitted). Returns the job with its handle."""
        from ..synthesis_options import validate

        r = self.resolve(p, caller)
        record = self._base_record(r)
        options = dict(p.options)
        if p.aux_ref_audio_paths:
            options["aux_refs"] = tuple(p.aux_ref_audio_paths)
        if r.how == "zero-shot" and not (p.prompt_text or "").strip():
            options["ref_free"] = True
        options = validate(options)
        handle = self.engine.speech.say(
            p.text, r.voice if r.references is None else None, emotion=p.emotion, language=p.language, seed=p.seed,
            base=record.name, priority=priority or self.config.priority, options=options, references=r.references,
            speed=p.speed, timeout_s=self.config.request_timeout_s)
        unsupported = list(getattr(handle, "unsupported_options", None) or [])
        ignored = list(p.ignored) + [OPTION_TO_FIELD.get(o, o) for o in unsupported]
        return Job(handle=handle, base=getattr(handle, "base", None) or record.name, backend=record.backend,
                   ignored=sorted(set(ignored)), how=r.how, used_clip=getattr(handle, "used_clip", None) or r.clip,
                   preview=bool(getattr(handle, "preview", record.backend == "preview")), detail=r.detail)

    # -- status -------------------------------------------------------------------------------------------
    def status(self) -> dict:
        with self._lock:
            return {"active": self.active, "totals": dict(self.totals)}


def caller_id(client_host: str | None, token: str | None) -> str:
    return f"{client_host or '?'}|{hashlib.sha1((token or '').encode()).hexdigest()[:8]}"


__all__ = ["ServerCore", "Job", "Session", "Busy", "caller_id"]
