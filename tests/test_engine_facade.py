"""The engine facade: every subsystem is a typed attribute, created on first use, and the new parts work."""

from __future__ import annotations

import typing

from engine.api import Engine


def test_every_subsystem_is_annotated_with_its_class(tmp_path):
    eng = Engine(library=tmp_path / "lib")
    try:
        for name in ("importer", "analysis", "bases", "runtime", "speech", "assets", "cues", "consolidation", "demo"):
            prop = type(eng).__dict__[name]
            annotation = typing.get_type_hints(prop.func, globalns=vars(__import__("engine.api", fromlist=["x"])),
                                               localns=_classes())[
                "return"]
            assert isinstance(getattr(eng, name), annotation), name
    finally:
        eng.close()


def _classes() -> dict[str, type]:
    from engine.analysis.service import AnalysisService
    from engine.assets import Assets
    from engine.backends.base_store import BaseStore
    from engine.consolidation.service import ConsolidationService
    from engine.cues import CueStore
    from engine.demo import DemoService
    from engine.library.importers import Importer
    from engine.runtime import Runtime
    from engine.speech import SpeechService

    return {c.__name__: c for c in (AnalysisService, Assets, BaseStore, ConsolidationService, CueStore, DemoService,
                                    Importer, Runtime, SpeechService)}


def test_demo_and_consolidation_through_the_facade(tmp_path):
    with Engine(library=tmp_path / "lib") as eng:
        assert eng.demo.library_is_empty()
        result = eng.demo.install(with_preview_base=False)
        assert sorted(result.voices) == sorted(eng.demo.voice_names())
        assert not eng.demo.library_is_empty()
        assert eng.demo.install_if_empty() is None
        assert eng.consolidation.versions() == []
        assert eng.consolidation.archives() == []
