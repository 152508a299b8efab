"""Library view: drag-and-drop import with progress, cancel, search, in-place emotion edit, tags, clip playback."""

from __future__ import annotations

import threading

from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QApplication

from desktop_testutil import SPEAKERS, wait_idle


def drop(widget, paths):
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(p)) for p in paths])
    enter = QDragEnterEvent(QPoint(10, 10), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                            Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(widget, enter)   # Qt delivers a drop only after an accepted drag-enter
    assert enter.isAccepted()
    ev = QDropEvent(QPointF(10, 10), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                    Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(widget, ev)
    accepted = ev.isAccepted()
    return accepted


def click_voice(qtbot, lib, name):
    """Click the voice's row like a user; wait until its clips are shown."""
    qtbot.waitUntil(lambda: name in lib.voice_names(), timeout=60_000)
    row = lib.voice_names().index(name)
    rect = lib.voices.visualRect(lib.proxy.index(row, 0))
    with qtbot.waitSignal(lib.clipsShown, timeout=30_000,
                          check_params_cb=lambda shown: shown == name):
        qtbot.mouseClick(lib.voices.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert lib.voice_title.text() == name


def import_by_drop(qtbot, window, folder):
    lib = window.library_view
    progress = []
    with qtbot.waitSignal(lib.importFinished, timeout=120_000) as blocker:
        accepted = drop(lib, [folder])
        assert lib.import_task is not None, accepted
        assert lib.import_bar.isVisible()
        lib.import_task.progressed.connect(lambda d, t, p: progress.append((d, t, p)))
    wait_idle(qtbot, window)
    return blocker.args[0], progress


def test_empty_library_offers_an_import(qtbot, window):
    window.start()
    wait_idle(qtbot, window)
    lib = window.library_view
    assert lib.stack.currentWidget() is lib.empty
    assert lib.empty_import_button.isVisible()


def test_drop_a_folder_imports_with_progress(qtbot, window, import_folder):
    window.start()
    wait_idle(qtbot, window)
    report, progress = import_by_drop(qtbot, window, import_folder)
    lib = window.library_view
    assert not isinstance(report, Exception), window.problems
    assert not lib.import_bar.isVisible()
    # progress reached the GUI; the bar's range followed the importer's total
    assert progress and progress[-1][0] == progress[-1][1] == 9
    assert lib.import_progress.maximum() == 9
    qtbot.waitUntil(lambda: sorted(lib.voice_names()) == sorted(SPEAKERS))
    assert lib.stack.currentIndex() == 1
    # emotion coverage comes from the folder names
    row = next(r for r in lib.model.rows if r.name == "en_flite_awb")
    assert row.emotions == ("happy", "neutral", "sad") and row.clips == 3
    r = lib.model.rows.index(row)
    cov = lib.model.index(r, lib.model.COLUMNS.index("emotions"))
    from desktop.views.library import COVERAGE_ROLE

    assert cov.data(COVERAGE_ROLE) == {"happy", "neutral", "sad"}       # drawn as filled dots
    assert cov.data(Qt.ItemDataRole.ToolTipRole).endswith("Missing: angry, disgusted, fearful, surprised")
    # search filters by name and tag
    lib.search.setText("flite")
    assert sorted(lib.voice_names()) == ["en_flite_awb", "en_flite_rms"]
    lib.search.setText("")
    assert lib.last_summary == "Imported 9 clip(s) into 3 voice(s)."
    assert window.problems == []


def test_rejected_files_are_listed(qtbot, window, import_folder):
    (import_folder / "en_flite_awb" / "broken.wav").write_bytes(b"this is not audio")
    window.start()
    wait_idle(qtbot, window)
    report, _ = import_by_drop(qtbot, window, import_folder)
    assert len(report.rejected) == 1
    lib = window.library_view
    assert lib.last_summary.endswith("1 file(s) rejected.")
    ((title, text),) = window.problems
    assert title == "Some files were not imported" and "broken.wav" in text
    qtbot.waitUntil(lambda: sorted(lib.voice_names()) == sorted(SPEAKERS))


def test_cancel_an_import(qtbot, window, import_folder):
    window.start()
    wait_idle(qtbot, window)
    lib = window.library_view
    gate = threading.Event()
    window.runner.submit(lambda t: gate.wait(60), label="busy engine")   # the engine worker is busy...
    with qtbot.waitSignal(lib.importFinished, timeout=60_000):
        lib.import_paths([str(import_folder)])                          # ...so the import waits in line
        assert lib.import_bar.isVisible()
        qtbot.mouseClick(lib.import_cancel, Qt.MouseButton.LeftButton)
        gate.set()
    wait_idle(qtbot, window)
    assert not lib.import_bar.isVisible()
    assert window.engine.library.voice_names() == []
    assert window.problems == []      # a cancel is not a problem


def test_cancel_in_the_middle_of_an_import_keeps_finished_voices(qtbot, window, import_folder, monkeypatch):
    """The importer is held after its first file until Cancel was clicked: it stops there and keeps what it
    finished (whole voices only)."""
    import desktop.views.library_import as library_view

    first, release = threading.Event(), threading.Event()
    real = library_view.progress_adapter

    def held_adapter(task):
        report = real(task)

        def progress(*args, **kw):
            report(*args, **kw)
            if args and args[0] == 1:
                first.set()
                release.wait(60)
        return progress

    monkeypatch.setattr(library_view, "progress_adapter", held_adapter)
    window.start()
    wait_idle(qtbot, window)
    lib = window.library_view
    with qtbot.waitSignal(lib.importFinished, timeout=120_000) as blocker:
        lib.import_paths([str(import_folder)])
        qtbot.waitUntil(first.is_set, timeout=60_000)
        qtbot.mouseClick(lib.import_cancel, Qt.MouseButton.LeftButton)
        assert lib.import_label.text() == "Cancelling…"
        release.set()
    report = blocker.args[0]
    assert report.cancelled
    assert len(window.engine.library.voice_names()) < len(SPEAKERS)
    assert "Cancelled" in lib.last_summary
    assert not lib.import_bar.isVisible()
    assert window.problems == []


def test_edit_emotion_label_in_place_and_tags(qtbot, window, import_folder):
    window.start()
    import_by_drop(qtbot, window, import_folder)
    lib = window.library_view
    click_voice(qtbot, lib, "en_flite_rms")
    assert lib.clip_table.rowCount() == 3
    combo = lib.emotion_combo(0)
    clip = lib.clips[0]
    assert combo.currentData() == clip.emotion
    target = "angry" if clip.emotion != "angry" else "fearful"
    with qtbot.waitSignal(lib.clipEdited, timeout=30_000) as blocker:
        combo.setCurrentIndex(combo.findData(target))
    assert blocker.args == [clip.id]
    stored = window.engine.library.clip(clip.id)
    assert (stored.emotion, stored.emotion_source) == (target, "user")
    assert window.engine.library.history("en_flite_rms")[-1].action == "label"

    # the transcript is edited in place too
    item = lib.clip_table.item(1, 2)
    with qtbot.waitSignal(lib.clipEdited, timeout=30_000) as blocker:
        item.setText("大家好，欢迎来到直播间。")
    assert blocker.args == [lib.clips[1].id]
    assert window.engine.library.clip(lib.clips[1].id).transcript == "大家好，欢迎来到直播间。"

    lib.tags_edit.setText("narrator, 男声")
    lib.tags_edit.editingFinished.emit()
    wait_idle(qtbot, window)
    assert window.engine.library.voice("en_flite_rms").tags == ("narrator", "男声")
    qtbot.waitUntil(lambda: "男声" in next(r for r in lib.model.rows if r.name == "en_flite_rms").tags)
    lib.search.setText("男声")
    assert lib.voice_names() == ["en_flite_rms"]
    assert window.problems == []


def test_waveforms_and_clip_playback_through_the_null_output(qtbot, window, import_folder):
    from engine.playback import NullOutput, Playback

    played = []
    window.engine.__dict__["playback"] = Playback(output=NullOutput(sink=lambda b, r: played.append((len(b), r))),
                                                  events=window.engine.events)
    window.start()
    import_by_drop(qtbot, window, import_folder)
    lib = window.library_view
    click_voice(qtbot, lib, "en_flite_awb")
    from desktop.waveform import WAVEFORM_ROLE

    qtbot.waitUntil(lambda: lib.clip_table.item(0, 1).data(WAVEFORM_ROLE) is not None, timeout=30_000)
    peaks = lib.clip_table.item(0, 1).data(WAVEFORM_ROLE)
    assert peaks.shape[1] == 2 and peaks[:, 1].max() > 0.05
    states = []
    window.bridge.event.connect(lambda topic, data: topic == "playback.state" and states.append(data["state"]))
    qtbot.mouseClick(lib.play_button(0), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "idle" in states, timeout=30_000)
    clip = lib.clips[0]
    import soundfile as sf

    info = sf.info(str(window.engine.library.clip_path(clip)))
    assert sum(n for n, _ in played) == info.frames          # every sample of the clip was played
    assert {r for _, r in played} == {clip.sample_rate}


def test_rename_and_delete_a_voice(qtbot, window, import_folder):
    window.start()
    import_by_drop(qtbot, window, import_folder)
    lib = window.library_view
    click_voice(qtbot, lib, "en_flite_rms")
    window.engine.cues.add("hi", "en_flite_rms", "Hello!")
    with qtbot.waitSignal(lib.voiceRenamed, timeout=60_000):
        lib.rename_voice("en_flite_rms", "Rex 雷克斯")
    qtbot.waitUntil(lambda: "Rex 雷克斯" in lib.voice_names() and "en_flite_rms" not in lib.voice_names(),
                    timeout=60_000)
    assert lib.current_voice == "Rex 雷克斯"
    qtbot.waitUntil(lambda: lib.voice_title.text() == "Rex 雷克斯", timeout=60_000)
    assert window.engine.cues.get("hi").voice == "Rex 雷克斯"          # the cue follows its voice
    with qtbot.waitSignal(lib.voiceDeleted, timeout=60_000):
        lib.delete_voice("Rex 雷克斯")
    qtbot.waitUntil(lambda: "Rex 雷克斯" not in lib.voice_names(), timeout=60_000)
    # the clip pane never sits empty beside a full table: it moves on to the first remaining voice
    qtbot.waitUntil(lambda: lib.current_voice in lib.voice_names() and lib.voice_title.text() == lib.current_voice
                    and lib.detail_stack.currentIndex() == 1, timeout=60_000)
    assert window.engine.cues.list() == []
    # a clash is refused with the library's own message
    lib.rename_voice("en_flite_awb", "cs_festival_dita")
    wait_idle(qtbot, window)
    assert window.problems and "already a voice named" in window.problems[-1][1]
