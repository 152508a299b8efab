"""The demo library: four small synthetic voices so a fresh install has something to browse, cluster and play.

The clips live in ``resources/demo/`` (made by ``resources/demo/make_demo.py`` with CMU Flite; licences in
``resources/demo/LICENSES.md``). :func:`install_demo_library` copies them into a library as ordinary voices
(one transaction per voice, tagged ``demo``), and — when the preview backend and the base store are
available — registers a ``preview`` base for them so "Speak" works without GPT-SoVITS assets.

    from engine.api import Engine
    from engine.demo import install_demo_library
    with Engine(library=path) as eng:
        if is_library_empty(eng):
            install_demo_library(eng)

CLI: ``timbrel demo install`` (``--force`` adds the voices to a library that already has others).
"""

from __future__ import annotations

import json
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import InvalidInput, MissingAsset, StorageError

RESOURCES_ENV = "TIMBREL_RESOURCES"
DEMO_TAG = "demo"


def resources_dir() -> Path:
    """Where the bundled resources are: ``$TIMBREL_RESOURCES``, the frozen app's bundle, or the source checkout."""
    candidates: list[Path] = []
    env = os.environ.get(RESOURCES_ENV)
    if env:
        candidates.append(Path(env))
    bundle = getattr(sys, "_MEIPASS", None)
    if bundle:
        candidates.append(Path(bundle) / "resources")
    candidates.append(Path(__file__).resolve().parents[1] / "resources")
    for c in candidates:
        if (c / "demo" / "demo.json").is_file():
            return c
    raise MissingAsset(
        "The demo library's files are not part of this installation.",
        hint=f"Run Timbrel from a source checkout or the packaged app, or set {RESOURCES_ENV} to a 'resources' folder.",
    )


def demo_manifest() -> dict[str, Any]:
    path = resources_dir() / "demo" / "demo.json"
    try:
        data = json.loads(path.read_text("utf-8"))
    except (OSError, ValueError) as exc:
        raise StorageError(f"The demo manifest {path} cannot be read ({exc}).", hint="Reinstall Timbrel.") from exc
    if data.get("format") != 1 or not isinstance(data.get("voices"), list):
        raise StorageError(f"The demo manifest {path} has an unknown format.", hint="Reinstall Timbrel.")
    return data


def demo_voice_names() -> list[str]:
    return [v["name"] for v in demo_manifest()["voices"]]


def is_library_empty(engine) -> bool:
    return not engine.library.voice_names()


@dataclass
class DemoInstallResult:
    voices: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    clips: int = 0
    bases: list[str] = field(default_factory=list)
    base_note: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {"voices": self.voices, "skipped": self.skipped, "clips": self.clips, "bases": self.bases,
                "base_note": self.base_note}


def install_demo_library(engine, *, force: bool = False, with_preview_base: bool = True) -> DemoInstallResult:
    """Add the demo voices to ``engine``'s library.

    Refuses a library that already has voices unless ``force`` (then demo voices already present are skipped).
    """
    from .audio.io import read_audio
    from .library.emotions import normalize_emotion

    lib = engine.library
    if not force and not is_library_empty(engine):
        raise InvalidInput(
            "The library already has voices; the demo library goes into an empty one.",
            hint="Use --force to add the demo voices anyway.",
        )
    manifest = demo_manifest()
    root = resources_dir() / "demo"
    result = DemoInstallResult()
    for v in manifest["voices"]:
        name = v["name"]
        if lib.has_voice(name):
            result.skipped.append(name)
            continue
        staged = []
        for c in v["clips"]:
            path = (root / c["file"]).resolve()
            if root.resolve() not in path.parents:
                raise StorageError(f"The demo manifest points outside its folder ({c['file']}).", hint="Reinstall Timbrel.")
            samples, sr = read_audio(path)
            sha = lib.blobs.put_file(path)
            staged.append((sha, len(samples) / sr, sr, c, path))
        with lib.edit_new(name, language=v.get("language"), summary="demo library", action="import") as ed:
            ed.set_tags(v.get("tags", [DEMO_TAG]))
            ed.set_notes(v.get("notes", ""))
            for sha, duration, sr, c, path in staged:
                ed.add_clip(sha, duration=duration, sample_rate=sr, transcript=c.get("text", ""),
                            language=c.get("language"), emotion=normalize_emotion(c.get("emotion")),
                            emotion_source="import", source_path=f"demo/{c['file']}")
                result.clips += 1
        result.voices.append(name)
    if with_preview_base:
        try:
            from .backends.preview.bases import ensure_preview_base

            base = ensure_preview_base(engine)
            result.bases.append(base.name)
        except ImportError as exc:  # the base store (engine.backends.base_store) is not in this build
            result.base_note = f"no preview base registered: {exc}"
        except MissingAsset as exc:
            result.base_note = f"no preview base registered: {exc.message}"
    return result


def install_demo_if_empty(engine) -> DemoInstallResult | None:
    """For a first run: install the demo library when the library has no voices (else do nothing, return None).

    The desktop's first-run dialog can call this (or :func:`install_demo_library` after asking the user).
    """
    if not is_library_empty(engine):
        return None
    return install_demo_library(engine)


class DemoService:
    """The demo part of the engine facade (``Engine.demo``): the bundled voices for a first run."""

    def __init__(self, engine) -> None:
        self.engine = engine

    def voice_names(self) -> list[str]:
        return demo_voice_names()

    def library_is_empty(self) -> bool:
        return is_library_empty(self.engine)

    def install(self, *, force: bool = False, with_preview_base: bool = True) -> DemoInstallResult:
        return install_demo_library(self.engine, force=force, with_preview_base=with_preview_base)

    def install_if_empty(self) -> DemoInstallResult | None:
        return install_demo_if_empty(self.engine)
