"""The Evaluation tab: evaluate on demand in the background, show the verdicts, apply a proposed move, and
the automatic re-evaluation after library changes (``ui.auto_evaluate``).

Synthesis uses the deterministic ``tone`` backend (a real function of the base weights and the voice's
references, milliseconds on CPU), as tests/consolidation/test_evaluate_flags.py does.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from desktop_testutil import wait_idle

VOICES = ["en_flite_awb", "en_flite_awb_m125", "cs_festival_dita", "cs_festival_dita_p125", "en_piper_joe",
          "en_piper_joe_p100"]
MISPLACED = "cs_festival_dita_p125"


@pytest.fixture(scope="module")
def analysed_template(tmp_path_factory, corpus) -> Path:
    """6 corpus voices (3 families × near-duplicates, 3 clips each), analysed and clustered."""
    from engine.api import Engine

    root = tmp_path_factory.mktemp("evalview")
    lines, seen = [], {}
    for line in (corpus / "dataset.list").read_text(encoding="utf-8").splitlines():
        rel, spk, rest = line.split("|", 2)
        if spk in VOICES and seen.get(spk, 0) < 3:
            seen[spk] = seen.get(spk, 0) + 1
            lines.append(f"{corpus / rel}|{spk}|{rest}")
    (root / "voices.list").write_text("\n".join(lines) + "\n", encoding="utf-8")
    with Engine(library=root / "lib") as eng:
        eng.importer.import_paths([root / "voices.list"])
        eng.analysis.analyze()
        eng.analysis.cluster()
    return root / "lib"


def cluster_of(eng, voice: str) -> int:
    return eng.analysis.cluster_of(voice).cluster_id


def shown_name(eng, cid: int) -> str:
    """The cluster as the views name it (its label, or #id)."""
    from desktop.adapters import cluster_name

    from desktop.adapters import shown_cluster_names

    return cluster_name(cid, shown_cluster_names(eng.analysis)[cid])


@pytest.fixture
def setup(qtbot, analysed_template, tmp_path):
    """The window on a copy of the library: one voice pinned into the wrong cluster, every cluster but one
    served by its own tone base (the last one is left without a base for the hint)."""
    from desktop.mainwindow import MainWindow
    from engine.api import Engine
    from engine.backends.tone import create_tone_base
    from engine.consolidation import versions

    shutil.copytree(analysed_template, tmp_path / "lib")
    eng = Engine(library=tmp_path / "lib")
    awb, dita = cluster_of(eng, "en_flite_awb"), cluster_of(eng, "cs_festival_dita")
    assert awb != dita and cluster_of(eng, MISPLACED) == dita
    eng.analysis.pin(MISPLACED, awb)
    for info in eng.analysis.clusters():
        rec = create_tone_base(eng, f"tone-c{info.id}", seed=info.id, assign_cluster=info.id)
        versions.record(eng, info.id, rec, "assigned", {"test": True})
    win = MainWindow(eng, show_errors=False)
    win.problems = []
    win.ctx.problem.connect(lambda title, text: win.problems.append((title, text)))
    win.show()
    qtbot.waitExposed(win)
    try:
        yield win, awb, dita
    finally:
        win.shutdown()
        win.close()
        win.deleteLater()
        eng.close()


def rows_by_voice(view) -> dict[str, dict]:
    return {r["voice"]: r for r in view.data.rows}


def test_evaluate_now_shows_verdicts_and_applies_a_move(qtbot, setup):
    win, awb, dita = setup
    view = win.evaluation_view
    assert win.tabs.tabText(win.tabs.indexOf(view)) == "Evaluation"
    assert win.tabs.indexOf(view) == win.tabs.indexOf(win.grid_view) + 1
    assert win.engine.settings.get("ui.auto_evaluate") is None and view.auto_box.isChecked()
    win.start()
    # on by default: the AutoEvaluator listens (started once the library's voices are on screen)
    qtbot.waitUntil(lambda: view.auto is not None, timeout=30_000)
    with qtbot.waitSignal(view.loaded, timeout=60_000) as loaded:
        win.tabs.setCurrentWidget(view)
    assert loaded.args == [0] and view.table.rowCount() == 0
    assert view.scope.count() == 1 + len(win.engine.analysis.clusters())
    wait_idle(qtbot, win)

    with qtbot.waitSignal(view.evaluated, timeout=120_000) as done:
        qtbot.mouseClick(view.evaluate_button, Qt.MouseButton.LeftButton)
        assert view.task is not None and view.cancel_button.isEnabled() and not view.evaluate_button.isEnabled()
    run = done.args[0]
    assert len(run.voices) == len(VOICES)
    qtbot.waitUntil(lambda: len(view.data.rows) == len(VOICES) and view.table.rowCount() == len(VOICES), timeout=60_000)
    wait_idle(qtbot, win)
    assert view.task is None and view.evaluate_button.isEnabled() and not view.cancel_button.isEnabled()
    assert view.progress.isHidden()

    rows = rows_by_voice(view)
    assert set(rows) == set(VOICES)
    shown = {view.table.item(r, 0).text(): r for r in range(view.table.rowCount())}
    assert set(shown) == set(VOICES)
    for name, r in shown.items():
        sim = float(view.table.item(r, 3).text())        # every voice has a similarity to its own references
        assert -1.0 <= sim <= 1.0 and sim == pytest.approx(rows[name]["sim_own"], abs=1e-3)
        assert view.table.item(r, 2).text() == f"{rows[name]['base']} (v1)"
        own, margin = rows[name]["sim_own"], rows[name]["margin"]   # the closest other voice / margin
        expected = "—" if margin is None else f"{own - margin:.3f} / {margin:+.3f}"   # alone in its cluster: —
        assert view.table.item(r, 4).text() == expected
        assert view.table.item(r, 6).text()[:2] == "20"
    assert rows["cs_festival_dita"]["margin"] is None and rows["en_piper_joe"]["margin"] is not None
    bad = rows[MISPLACED]
    assert bad["verdict"] == "move" and bad["proposal"]["to_cluster"] == dita and bad["cluster"] == awb
    assert view.table.item(shown[MISPLACED], 5).text() == f"move → {shown_name(win.engine, dita)}"
    for name in ("en_flite_awb", "en_flite_awb_m125", "en_piper_joe", "en_piper_joe_p100"):
        assert not view.table.item(shown[name], 5).text().startswith("move"), name
    assert "6 voices evaluated" in view.summary.text()
    assert view.hint.isHidden()                       # every cluster has a base

    # selecting a voice shows its history; a plain "ok" row offers no move
    ok_voice = next(n for n in VOICES if rows[n]["verdict"] == "ok")
    view.select_voice(ok_voice)
    assert not view.apply_button.isEnabled()
    qtbot.waitUntil(lambda: view.history.count() == 1, timeout=30_000)
    view.select_voice(MISPLACED)
    assert view.apply_button.isEnabled()
    qtbot.waitUntil(lambda: view.history.count() == 1 and f"run {run.id}" in view.history.item(0).text(),
                    timeout=30_000)

    # apply the move: the voice is pinned to the proposed cluster; the AutoEvaluator (on) re-evaluates after
    # the cluster change, and its consolidation.evaluated event refreshes the table through the bridge
    with qtbot.waitSignal(view.moved, timeout=60_000) as moved:
        qtbot.mouseClick(view.apply_button, Qt.MouseButton.LeftButton)
    assert moved.args[0] == [{"voice": MISPLACED, "from_cluster": awb, "to_cluster": dita}]
    a = win.engine.analysis.cluster_of(MISPLACED)
    assert (a.cluster_id, a.pinned) == (dita, True)
    qtbot.waitUntil(lambda: rows_by_voice(view).get(MISPLACED, {}).get("cluster") == dita, timeout=120_000)
    assert rows_by_voice(view)[MISPLACED]["verdict"] != "move"
    assert view.auto is not None and view.auto.runs and not view.auto.errors
    qtbot.waitUntil(lambda: view.selected_voice() == MISPLACED and view.history.count() == 2, timeout=30_000)
    wait_idle(qtbot, win)
    assert win.problems == []


def test_evaluate_one_cluster_cancel_and_unserved_hint(qtbot, setup):
    win, awb, dita = setup
    view = win.evaluation_view
    view.auto_box.setChecked(False)                    # no background runs in this test
    win.start()
    assert view.auto is None
    # a cluster without a base: the hint names it and the ways to give it one
    win.engine.bases.assign(awb, None)
    with qtbot.waitSignal(view.loaded, timeout=60_000):
        win.tabs.setCurrentWidget(view)
    qtbot.waitUntil(lambda: not view.hint.isHidden(), timeout=60_000)
    assert shown_name(win.engine, awb) in view.hint.text() and "Bases tab" in view.hint.text()
    wait_idle(qtbot, win)

    view.scope.setCurrentIndex(view.scope.findData(dita))
    with qtbot.waitSignal(view.evaluated, timeout=120_000) as done:
        qtbot.mouseClick(view.evaluate_button, Qt.MouseButton.LeftButton)
    assert done.args[0].scope == f"cluster {dita}"
    dita_voices = set(win.engine.analysis.clusters()[[c.id for c in win.engine.analysis.clusters()].index(dita)].voices)
    qtbot.waitUntil(lambda: set(rows_by_voice(view)) == dita_voices, timeout=60_000)
    wait_idle(qtbot, win)

    # cancel a running evaluation: nothing new is recorded
    runs = win.engine.library.catalog.scalar("SELECT COUNT(*) FROM evaluation_runs")
    view.scope.setCurrentIndex(0)
    view.evaluate_button.click()
    task = view.task
    view.cancel_button.click()
    qtbot.waitUntil(lambda: view.task is None, timeout=60_000)
    assert task.state == "cancelled"
    wait_idle(qtbot, win)
    assert win.engine.library.catalog.scalar("SELECT COUNT(*) FROM evaluation_runs") == runs
    assert view.evaluate_button.isEnabled() and view.progress.isHidden()
    assert win.problems == []


def test_auto_evaluate_checkbox_is_persisted(qtbot, window):
    from desktop.views.evaluation import EvaluationView

    view = window.evaluation_view
    window.start()                                      # started once the library's voices are on screen
    qtbot.waitUntil(lambda: view.auto is not None, timeout=30_000)
    assert view.auto_box.isChecked()
    view.auto_box.setChecked(False)
    assert view.auto is None and window.engine.settings.get("ui.auto_evaluate") is False
    other = EvaluationView(window.ctx)                  # a later window reads the setting
    try:
        assert not other.auto_box.isChecked()
        other.start()
        assert other.auto is None
    finally:
        other.shutdown()
        other.deleteLater()
    view.auto_box.setChecked(True)
    assert view.auto is not None and window.engine.settings.get("ui.auto_evaluate") is True
    wait_idle(qtbot, window)
