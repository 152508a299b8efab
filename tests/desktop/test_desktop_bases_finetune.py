"""The Bases tab's fine-tuning: progress while it trains a cluster's base, and Cancel stops it (checkpoints kept,
nothing registered). Real training of the tiny real-format GPT-SoVITS fixtures with (tiny, random) pretrained
assets, as tests/consolidation/test_consolidation_flow.py does."""

from __future__ import annotations

import pytest

from desktop_testutil import wait_idle

VOICES = ("en_flite_awb", "en_flite_awb_m125")


@pytest.mark.slow
def test_finetune_progress_then_cancel(qtbot, window, corpus, gsv_fixtures, fake_gsv_assets, tmp_path):
    from engine.backends.gptsovits.convert import import_base

    win, eng = window, window.engine
    lines, seen = [], {}
    for line in (corpus / "dataset.list").read_text(encoding="utf-8").splitlines():
        rel, spk, rest = line.split("|", 2)
        if spk in VOICES and seen.get(spk, 0) < 2:
            seen[spk] = seen.get(spk, 0) + 1
            lines.append(f"{corpus / rel}|{spk}|{rest}")
    (tmp_path / "v.list").write_text("\n".join(lines) + "\n", encoding="utf-8")
    eng.importer.import_paths([tmp_path / "v.list"])
    eng.analysis.analyze()
    cid = eng.analysis.cluster(k=1).clusters[0].id
    import_base(eng.bases, "tiny", gsv_fixtures / "gpt_tiny.ckpt", gsv_fixtures / "sovits_v2_tiny.pth")
    eng.assets.link(fake_gsv_assets)

    view = win.bases_view
    win.tabs.setCurrentWidget(view)
    view.refresh()
    wait_idle(qtbot, win)
    assert view.select_cluster(cid)
    view.assign_combo.setCurrentIndex(view.assign_combo.findData("tiny"))
    view.ft_steps.setValue(100_000)                 # far more than the test waits for
    view.ft_name.setText("tiny-ft")
    seen_progress: list[str] = []
    view.finetune_task = None
    view.finetune_selected()
    assert view.finetune_task is not None and view.ft_cancel.isEnabled() and not view.ft_button.isEnabled()
    view.finetune_task.progressed.connect(lambda d, t, stage: seen_progress.append(stage))
    qtbot.waitUntil(lambda: "gpt" in seen_progress, timeout=300_000)
    assert view.ft_progress.isVisible() and "Training GPT" in view.ft_state.text()
    with qtbot.waitSignal(view.fineTuned, timeout=120_000) as sig:
        view.cancel_finetune()
    assert sig.args[0] is None and "cancelled" in view.ft_state.text()
    assert not view.ft_progress.isVisible() and view.ft_button.isEnabled() and not view.ft_cancel.isEnabled()
    assert [b.name for b in eng.bases.list()] == ["tiny"]          # nothing registered
    assert (eng.library.root / "training" / "tiny-ft").is_dir()     # its checkpoints stay for a resume
    assert not win.problems
