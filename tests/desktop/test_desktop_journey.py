"""A GPT-SoVITS user's first hour, through the window only (no CLI): an empty library → import a dataset folder
(a ``.list`` inside) → analyse and cluster → import a GPT-SoVITS pair (the tiny real-format fixtures) → assign it to a
cluster → the consolidation wizard (plan with storage and per-voice outcome, apply) → speak with custom
top-k / temperature → roll back a base version. Then an unclear folder gets a question, not a merge.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from desktop_testutil import wait_idle

SPEAKERS = ("en_flite_awb", "en_flite_awb_m125", "cs_festival_dita", "zh_espeak_steph")


def dataset_folder(corpus: Path, root: Path, per: int = 2) -> Path:
    """root/clips/<speaker>/<nn>.flac with root/dataset.list, as a GPT-SoVITS dataset folder looks."""
    lines, seen = [], {}
    for line in (corpus / "dataset.list").read_text(encoding="utf-8").splitlines():
        rel, spk, lang, text = line.split("|", 3)
        if spk in SPEAKERS and seen.get(spk, 0) < per:
            seen[spk] = seen.get(spk, 0) + 1
            (root / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(corpus / rel, root / rel)
            lines.append(f"{rel}|{spk}|{lang}|{text}")
    (root / "dataset.list").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return root


def drop(widget, paths) -> None:
    """A real drag-and-drop of files onto ``widget`` (drag-enter first: Qt only drops after an accepted enter)."""
    import warnings

    from PySide6.QtCore import QMimeData, QPoint, QPointF, QUrl
    from PySide6.QtGui import QDragEnterEvent, QDropEvent
    from PySide6.QtWidgets import QApplication

    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(p)) for p in paths])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        enter = QDragEnterEvent(QPoint(10, 10), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                                Qt.KeyboardModifier.NoModifier)
        QApplication.sendEvent(widget, enter)
        assert enter.isAccepted()
        ev = QDropEvent(QPointF(10, 10), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                        Qt.KeyboardModifier.NoModifier)
        QApplication.sendEvent(widget, ev)
    assert ev.isAccepted()


def click(qtbot, button) -> None:
    assert button.isEnabled(), button.text()
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


@pytest.mark.slow
def test_first_hour_without_the_cli(qtbot, window, corpus, gsv_fixtures, fake_gsv_assets, tmp_path):
    win, eng = window, window.engine
    # no automatic re-evaluation in the background: it would synthesize every voice after each base change, which
    # only makes this test slower
    eng.settings.set("ui.auto_evaluate", False)
    win.start()
    wait_idle(qtbot, win)
    assert eng.library.voices() == []

    # 1. a dataset folder with a .list inside: one voice per speaker, transcripts and languages kept
    win.import_folder(str(dataset_folder(corpus, tmp_path / "dataset")))
    wait_idle(qtbot, win)
    assert sorted(v.name for v in eng.library.voices()) == sorted(SPEAKERS)
    steph = eng.library.voice("zh_espeak_steph")
    assert all(c.transcript and c.language == "zh" for c in steph.clips)

    # 2. analyse and cluster on the Cluster map
    win.tabs.setCurrentWidget(win.cluster_view)
    win.cluster_view.analyze()
    wait_idle(qtbot, win)
    win.cluster_view.k.setValue(2)
    win.cluster_view.recluster()
    wait_idle(qtbot, win)
    clusters = eng.analysis.clusters()
    assert len(clusters) == 2
    awb_cluster = eng.analysis.cluster_of("en_flite_awb").cluster_id
    other = next(c.id for c in clusters if c.id != awb_cluster)

    # 3. the Bases tab: import two GPT-SoVITS pairs by "dropping" the files
    view = win.bases_view
    win.tabs.setCurrentWidget(view)
    wait_idle(qtbot, win)
    for name, sovits in (("pair-v2", "sovits_v2_tiny.pth"), ("pair-pro", "sovits_v2ProPlus_tiny.pth")):
        drop(view.drop, [gsv_fixtures / "gpt_tiny.ckpt", gsv_fixtures / sovits])
        assert view.gpt_label.text() == "gpt_tiny.ckpt" and view.sovits_label.text() == sovits
        view.base_name.setText(name)
        with qtbot.waitSignal(view.baseImported, timeout=120_000):
            click(qtbot, view.import_button)
        wait_idle(qtbot, win)
    assert sorted(b.name for b in eng.bases.list()) == ["pair-pro", "pair-v2"]
    assert [view.bases_table.item(i, 0).text() for i in range(view.bases_table.rowCount())] == ["pair-pro", "pair-v2"] \
        or sorted(view.bases_table.item(i, 0).text() for i in range(view.bases_table.rowCount())) == ["pair-pro", "pair-v2"]

    # 4. assign pair-v2 to the awb cluster
    assert view.select_cluster(awb_cluster)
    view.assign_combo.setCurrentIndex(view.assign_combo.findData("pair-v2"))
    with qtbot.waitSignal(view.assigned, timeout=30_000):
        click(qtbot, view.assign_button)
    wait_idle(qtbot, win)
    assert eng.bases.base_for_cluster(awb_cluster).name == "pair-v2"
    row = next(i for i in range(view.clusters_table.rowCount())
               if view.clusters_table.item(i, 0).data(Qt.ItemDataRole.UserRole) == awb_cluster)
    assert view.clusters_table.item(row, 2).text() == "pair-v2"
    assert view.clusters_table.item(row, 3).text() == "v1"

    # 5. the consolidation wizard: pair-pro for every cluster; the plan shows storage and every voice's outcome
    wiz = view.open_consolidation()
    qtbot.waitUntil(lambda: wiz.options_page.pretrained.count() == 3, timeout=10_000)
    wiz.options_page.pretrained.setCurrentIndex(wiz.options_page.pretrained.findData("pair-pro"))
    wiz.options_page.prefer.setChecked(True)
    with qtbot.waitSignal(wiz.planned, timeout=60_000):
        wiz.next()
    page = wiz.plan_page
    assert page.isComplete()
    assert "2 bases" in page.storage.text() and "MB" in page.storage.text()
    outcome = {page.voices.item(i, 0).text(): (page.voices.item(i, 2).text(), page.voices.item(i, 3).text())
               for i in range(page.voices.rowCount())}
    assert set(outcome) == set(SPEAKERS)
    assert outcome["en_flite_awb"] == ("pair-v2", "pair-pro")
    with qtbot.waitSignal(wiz.applied, timeout=60_000):
        wiz.next()
    assert "applied" in wiz.apply_page.result.text()
    wiz.accept()
    wait_idle(qtbot, win)
    assert eng.bases.base_for_cluster(awb_cluster).name == "pair-pro"
    assert eng.bases.base_for_cluster(other).name == "pair-pro"

    # 6. speak on the Speak tab with custom top-k / temperature (the tiny real-format base, tiny pretrained assets
    #    linked the way the Settings dialog does it)
    import numpy as np

    with qtbot.waitSignal(win.assetsChecked, timeout=120_000):
        win.link_assets(str(fake_gsv_assets))
    speak = win.speak_view
    win.tabs.setCurrentWidget(speak)
    wait_idle(qtbot, win)
    speak.voice.setCurrentText("en_flite_awb")
    qtbot.waitUntil(lambda: speak.served_by.text() == "pair-pro", timeout=30_000)   # the same story as the Bases tab
    wait_idle(qtbot, win)
    speak.text.setPlainText("Hello there.")
    speak.synthesis.setChecked(True)
    speak.synthesis.top_k.setValue(3)
    speak.synthesis.temperature.setValue(0.6)
    speak.synthesis.seed.setValue(1)
    with qtbot.waitSignal(speak.spoken, timeout=600_000) as sig:
        click(qtbot, speak.speak_button)
    assert sig.args[0]["state"] == "done", sig.args[0]
    assert speak.last_request["options"] == {"top_k": 3, "temperature": 0.6} and speak.last_request["seed"] == 1
    assert "pair-pro" in speak.state.text() and "preview" not in speak.state.text() and "ignores" not in speak.state.text()
    heard = speak.last_audio[1]
    same = eng.speech.say("Hello there.", "en_flite_awb", seed=1, options={"top_k": 3, "temperature": 0.6}).result(600)
    plain = eng.speech.say("Hello there.", "en_flite_awb", seed=1).result(600)
    assert np.array_equal(heard, same.samples)                 # the options reached the base...
    assert not np.array_equal(heard, plain.samples) or heard.shape != plain.samples.shape   # ...and changed the speech

    # 7. roll back the awb cluster's base version (v2, pair-pro) to v1 (pair-v2)
    win.tabs.setCurrentWidget(view)
    assert view.select_cluster(awb_cluster)
    versions = [view.versions_table.item(i, 0).text() for i in range(view.versions_table.rowCount())]
    assert versions == ["v2", "v1"]
    view.versions_table.selectRow(1)
    with qtbot.waitSignal(view.rolledBack, timeout=30_000) as sig:
        click(qtbot, view.rollback_button)
    assert sig.args[0].base_name == "pair-v2" and sig.args[0].version == 3
    wait_idle(qtbot, win)
    assert eng.bases.base_for_cluster(awb_cluster).name == "pair-v2"
    assert eng.speech.resolve_base(eng.library.voice("en_flite_awb_m125")).name == "pair-v2"
    assert not win.problems, win.problems


def test_unclear_folder_asks_before_importing(qtbot, window, corpus, tmp_path, monkeypatch):
    """The Library tab's own "Import folder…" button: an unclear folder opens the question, nothing is merged."""
    from PySide6.QtWidgets import QFileDialog

    win, eng = window, window.engine
    folder = dataset_folder(corpus, tmp_path / "mixed", per=1)
    loose = folder / "clips" / "loose"
    loose.mkdir()
    shutil.copy(corpus / "clips" / "en_flite_rms" / "01.flac", loose / "x.flac")
    monkeypatch.setattr(QFileDialog, "getExistingDirectory", staticmethod(lambda *a, **k: str(folder)))
    win.library_view.import_folder_button.click()
    qtbot.waitUntil(lambda: getattr(win, "layout_question", None) is not None, timeout=20_000)
    dlg = win.layout_question
    assert "x.flac" in dlg.summary.toPlainText() and eng.library.voices() == []
    with qtbot.waitSignal(dlg.imported, timeout=60_000):
        click(qtbot, dlg.lists_button)
    wait_idle(qtbot, win)
    assert sorted(v.name for v in eng.library.voices()) == sorted(SPEAKERS)
