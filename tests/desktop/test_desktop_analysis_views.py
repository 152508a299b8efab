"""Cluster map (analyse, re-cluster, pin), the emotion × timbre grid, and the engine monitor."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from desktop_testutil import SPEAKERS, wait_idle


@pytest.fixture
def imported(qtbot, window, import_folder):
    report = window.engine.importer.import_paths([str(import_folder)])
    assert len(window.engine.library.voice_names()) == len(SPEAKERS), report
    window.start()
    wait_idle(qtbot, window)
    return window


def test_cluster_map_analyse_recluster_and_pin(qtbot, imported):
    win = imported
    view = win.cluster_view
    with qtbot.waitSignal(view.loaded, timeout=60_000):
        win.tabs.setCurrentWidget(view)
    # before any clustering the voices are drawn grey (no cluster)
    assert len(view.points) == 3 and {p.cluster_id for p in view.points} == {None}
    with qtbot.waitSignal(view.loaded, timeout=180_000):
        qtbot.mouseClick(view.analyze_button, Qt.MouseButton.LeftButton)
    view.k.setValue(2)
    with qtbot.waitSignal(view.changed, timeout=180_000) as changed:
        qtbot.mouseClick(view.recluster_button, Qt.MouseButton.LeftButton)
    assert changed.args == ["reclustered"]
    qtbot.waitUntil(lambda: len(view.clusters) == 2 and len(view.points) == 3, timeout=60_000)
    wait_idle(qtbot, win)
    assert view.target.count() == 2
    assert set(view.dots) == set(SPEAKERS)
    colours = {p.voice: view.dots[p.voice].brush().color().name() for p in view.points}
    by_cluster = {p.cluster_id for p in view.points}
    assert len(by_cluster) == 2 and len(set(colours.values())) == 2

    # pin a voice into the cluster it is not in
    voice = "en_flite_awb"
    current = win.engine.analysis.cluster_of(voice).cluster_id
    other = next(c.id for c in view.clusters if c.id != current)
    view.voice_box.setCurrentText(voice)
    view.target.setCurrentIndex(view.target.findData(other))
    with qtbot.waitSignal(view.changed, timeout=60_000) as changed:
        qtbot.mouseClick(view.pin_button, Qt.MouseButton.LeftButton)
    assert changed.args == ["pinned"]
    a = win.engine.analysis.cluster_of(voice)
    assert (a.cluster_id, a.pinned) == (other, True)
    qtbot.waitUntil(lambda: any(p.voice == voice and p.pinned and p.cluster_id == other for p in view.points),
                    timeout=60_000)
    assert view.dots[voice].pen().widthF() > 1.0   # pinned voices are drawn with a thick outline
    # the library view shows the cluster and the pin
    qtbot.waitUntil(lambda: any(r.name == voice and r.pinned and r.cluster_id == other
                                for r in win.library_view.model.rows), timeout=60_000)

    # name a cluster: the legend and the library's cluster column follow
    with qtbot.waitSignal(view.changed, timeout=60_000):
        view.label_cluster(other, "低沉男声")
    qtbot.waitUntil(lambda: "低沉男声" in view.legend.text(), timeout=60_000)
    qtbot.waitUntil(lambda: any(r.name == voice and r.cluster_label == "低沉男声"
                                for r in win.library_view.model.rows), timeout=60_000)

    # clicking a dot selects the voice
    dot = view.dots["cs_festival_dita"]
    dot.setSelected(True)
    assert view.voice_box.currentText() == "cs_festival_dita"
    wait_idle(qtbot, win)
    assert win.problems == []

    # the grid: one row per cluster, the imported emotions as columns; gaps highlighted
    grid = win.grid_view
    with qtbot.waitSignal(grid.loaded, timeout=60_000) as loaded:
        win.tabs.setCurrentWidget(grid)
    data = grid.data
    assert {cid for cid, _ in data.rows} == {c.id for c in view.clusters}
    assert set(data.emotions) == {"happy", "neutral", "sad"}
    assert grid.table.rowCount() == 2 and grid.table.columnCount() == 3
    total = sum(int(grid.table.item(r, c).data(Qt.ItemDataRole.UserRole))
                for r in range(2) for c in range(3))
    assert total == 9      # 3 voices × 3 emotions each
    assert loaded.args == [0]


def test_grid_highlights_gaps(qtbot, imported):
    win = imported
    # relabel every clip of one voice as neutral: its cluster loses happy and sad
    lib = win.engine.library
    v = lib.voice("cs_festival_dita")
    with lib.edit(v.name) as ed:
        for c in v.clips:
            ed.update_clip(c.id, emotion="neutral")
    grid = win.grid_view
    with qtbot.waitSignal(grid.loaded, timeout=60_000) as loaded:
        win.tabs.setCurrentWidget(grid)
    # before any clustering every voice is in the "unclustered" row
    assert [cid for cid, _ in grid.data.rows] == [None]
    assert loaded.args == [0]   # the other two voices still cover happy and sad in that row
    col = grid.data.emotions.index("happy")
    item = grid.table.item(0, col)
    assert item.data(Qt.ItemDataRole.UserRole) == 2
    assert "cs_festival_dita" in item.toolTip()      # the voice that lacks a happy clip is named
    assert win.problems == []


def test_grid_and_library_show_what_emotion2vec_hears(qtbot, imported):
    """Stored emotion2vec+ predictions (what 'analyze' writes when a model is linked) appear in the grid (gaps the
    model can fill, the emotion each row is heard as) and in the Library tab's clip table."""
    from engine.analysis.emotion2vec.analysis import EmotionCache
    from engine.library.emotions import EMOTIONS

    from desktop.views.library import ClipTable

    win = imported
    lib = win.engine.library
    dita = lib.voice("cs_festival_dita")
    with lib.edit(dita.name) as ed:                      # dita's clips lose their labels
        for c in dita.clips:
            ed.update_clip(c.id, emotion=None, emotion_source=None)
    cache = EmotionCache(lib.catalog)
    for c in lib.all_clips():
        probs = {e: 0.0 for e in EMOTIONS}
        top, conf = ("happy", 0.8) if c.voice_id == dita.id else ("neutral", 0.7)
        probs[top], probs["sad"] = conf, 1 - conf
        cache.put(c.sha256, "emotion2vec_test-0123", probs)

    grid = win.grid_view
    with qtbot.waitSignal(grid.loaded, timeout=60_000):
        win.tabs.setCurrentWidget(grid)
    data = grid.data
    emotions = [e for e in data.emotions if e not in ("other", "unknown")]
    assert grid.table.columnCount() == len(emotions) + 1             # + "Heard most"
    assert data.predicted[(None, "happy")] == ["cs_festival_dita (0.80)"]
    happy = grid.table.item(0, emotions.index("happy"))
    assert happy.text() == "2 +1?" and "cs_festival_dita (0.80)" in happy.toolTip()
    heard = grid.table.item(0, len(emotions))
    assert heard.text() == "neutral 0.70"                              # two of three voices are heard as neutral
    assert "cs_festival_dita: happy 0.80" in heard.toolTip()

    view = win.library_view
    win.tabs.setCurrentWidget(view)
    qtbot.waitUntil(lambda: "cs_festival_dita" in view.voice_names(), timeout=60_000)
    with qtbot.waitSignal(view.clipsShown, timeout=30_000):
        assert view.select_voice("cs_festival_dita")
        view.load_clips("cs_festival_dita")
    col = ClipTable.HEARD
    assert view.clip_table.horizontalHeaderItem(col).text() == "Heard as"
    cells = [view.clip_table.item(r, col) for r in range(view.clip_table.rowCount())]
    assert [c.text() for c in cells] == ["happy 0.80"] * len(dita.clips)
    assert "emotion2vec_test-0123" in cells[0].toolTip() and "sad 0.20" in cells[0].toolTip()
    assert win.problems == []


def test_monitor_budget_change_updates_the_view(qtbot, window):
    window.start()
    mon = window.monitor_view
    with qtbot.waitSignal(mon.updated, timeout=60_000, check_params_cb=lambda st: st.budget_mb > 0):
        window.tabs.setCurrentWidget(mon)     # (queue or prefetch events may update the view first)
    assert mon.state.budget_mb == pytest.approx(4096)
    assert mon.usage.maximum() == 4096
    assert mon.device.text() != "-"
    mon.budget.setValue(1536)
    with qtbot.waitSignal(mon.updated, timeout=60_000,
                          check_params_cb=lambda st: round(st.budget_mb) == 1536):
        qtbot.mouseClick(mon.apply_button, Qt.MouseButton.LeftButton)
    wait_idle(qtbot, window)
    assert mon.usage.maximum() == 1536
    assert window.engine.runtime.status()["vram_limit_mb"] == pytest.approx(1536)
    assert window.engine.settings.get("runtime.vram_limit_mb") == 1536
    assert "1536" in mon.log.toPlainText()
    # a residency event from the runtime reaches the view through the bridge
    window.engine.events.publish("runtime.residency", resident=["base-a"], used_bytes=256 * 2**20,
                                 budget_bytes=1536 * 2**20)
    qtbot.waitUntil(lambda: mon.resident.count() == 1 and mon.usage.value() == 256)
    window.engine.events.publish("runtime.swap", base="base-a", evicted=["base-b"], bytes=256 * 2**20, seconds=0.1,
                                 cause="request")
    qtbot.waitUntil(lambda: "base-b" in mon.log.toPlainText())
    assert window.problems == []


def test_settings_link_the_emotion_model(qtbot, window, tmp_path, shared):
    import os
    import shutil
    from pathlib import Path

    fixtures = Path(os.environ.get("TIMBREL_E2V_FIXTURES") or (shared / "fixtures" / "emotion2vec"))
    cache = tmp_path / "hub"
    shutil.copytree(fixtures / "emotion2vec_tiny", cache / "iic" / "emotion2vec_plus_tiny")
    d = window.open_settings()
    wait_idle(qtbot, window)
    d.emotion_model.edit.setText(str(cache))
    with qtbot.waitSignal(window.emotionModelLinked, timeout=60_000) as linked:
        d.save_and_close()
    assert linked.args[0].ok and linked.args[0].model_id.startswith("emotion2vec_d96-")
    st = window.engine.assets.emotion2vec_status()
    assert st.ok and st.source == str((cache / "iic" / "emotion2vec_plus_tiny").resolve())
    assert window.problems == []

    (tmp_path / "empty").mkdir()
    d = window.open_settings()
    wait_idle(qtbot, window)
    assert d.emotion_model.value() == st.source                # the linked folder is shown
    d.emotion_model.edit.setText(str(tmp_path / "empty"))
    d.save_and_close()
    wait_idle(qtbot, window)
    assert window.problems and "No emotion2vec+ model folder" in window.problems[-1][1]
    assert window.engine.assets.emotion2vec_status().ok        # the earlier link stays
