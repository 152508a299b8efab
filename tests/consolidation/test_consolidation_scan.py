"""Scanning GPT-SoVITS folders (file names and lists only; no checkpoint is read here)."""

from __future__ import annotations

import pytest

from engine.consolidation.scan import scan
from engine.errors import InvalidInput


def touch(path, data: bytes = b"x"):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def test_scan_matches_experiments_to_speakers(tmp_path):
    root = tmp_path / "gsv"
    lst = "\n".join([r"D:\data\alice_01.wav|alice|en|hello there", "bob_01.wav|bob|zh|你好", "carol_01.wav|carol|ja|こんにちは",
                     "dave_01.wav|dave|en|hi", "broken line"])
    touch(root / "output" / "asr_opt" / "slices.list", lst.encode())
    touch(root / "output" / "asr_opt" / "dave_set.list", b"dave_02.wav|dave|en|hey\n")
    touch(root / "logs" / "exp7" / "2-name2text.txt", "bob_01.wav\tn i h ao\t2 2\t你好\n".encode())
    for name in ["GPT_weights_v2/Alice-e5.ckpt", "GPT_weights_v2/Alice-e15.ckpt", "GPT_weights_v2/exp7-e10.ckpt",
                 "GPT_weights_v2/dave_set-e3.ckpt", "GPT_weights_v2/lonely-e1.ckpt", "GPT_weights_v2/nobody-e1.ckpt"]:
        touch(root / name)
    for name in ["SoVITS_weights_v2Pro/Alice_e8_s100.pth", "SoVITS_weights_v2Pro/Alice_e8_s240.pth",
                 "SoVITS_weights_v2Pro/Alice_e4_s900.pth", "SoVITS_weights_v2/exp7_e8_s80.pth",
                 "SoVITS_weights_v2/dave_set_e2_s20.pth", "SoVITS_weights_v2/nobody_e1_s1.pth",
                 "SoVITS_weights_v2/notes.pth", "elsewhere/stray-e9.ckpt"]:
        touch(root / name)
    res = scan(root)
    by = {e.name: e for e in res.experiments}
    assert set(by) == {"Alice", "exp7", "dave_set", "lonely", "nobody"}
    assert res.speakers == {"alice": 1, "bob": 1, "carol": 1, "dave": 2}
    alice = by["Alice"]
    assert (alice.speaker, alice.matched_by) == ("alice", "name")              # case-insensitive
    assert alice.gpt.name == "Alice-e15.ckpt" and alice.sovits.name == "Alice_e8_s240.pth"
    assert sorted(p.name for p in alice.older_files) == ["Alice-e5.ckpt", "Alice_e4_s900.pth", "Alice_e8_s100.pth"]
    assert (by["exp7"].speaker, by["exp7"].matched_by) == ("bob", "training-log")
    assert (by["dave_set"].speaker, by["dave_set"].matched_by) == ("dave", "list-name")
    assert not by["lonely"].complete and by["nobody"].speaker is None
    assert res.experiment_for("ALICE") is alice and res.experiment_for("carol") is None
    text = " ".join(res.problems)
    assert "'lonely' has no SoVITS" in text and "'nobody' matches no speaker" in text
    assert res.to_dict()["experiments"][0]["source_bytes"] == 2


def test_scan_two_experiments_for_one_speaker_and_no_lists(tmp_path):
    root = tmp_path / "g"
    touch(root / "a.list", b"x.wav|eve|en|hi\n")
    touch(root / "logs" / "eve2" / "2-name2text.txt", b"x.wav\tp\t1\thi\n")
    for n in ["GPT_weights/eve-e1.ckpt", "SoVITS_weights/eve_e1_s1.pth", "GPT_weights/eve2-e1.ckpt", "SoVITS_weights/eve2_e1_s1.pth"]:
        touch(root / n)
    res = scan(root)
    by = {e.name: e for e in res.experiments}
    assert by["eve"].speaker == "eve" and by["eve2"].speaker is None
    assert any("both belong to speaker 'eve'" in p for p in res.problems)
    empty = tmp_path / "empty"
    empty.mkdir()
    assert any("no .list" in p for p in scan(empty).problems)
    with pytest.raises(InvalidInput):
        scan(tmp_path / "missing")
