"""Case 6 — one bad line of a GPT-SoVITS .list is rejected on its own (with its line number); the rest of the
list imports, --json still prints the report, and no control character reaches the terminal."""

from __future__ import annotations

import json

from rel_helpers import cli, write_wav


def test_bad_speaker_lines_are_rejected_and_the_rest_imported(tmp_path, capsys):
    for i in range(6):
        write_wav(tmp_path / f"{i}.wav", seed=i + 1)
    lines = [
        "0.wav|alice|en|Hello there.",
        "1.wav|bad\x00name|en|A NUL in the speaker.",
        "2.wav|\x1b[31mred\x1b[0m|en|An escape sequence in the speaker.",
        f"3.wav|{'x' * 121}|en|A speaker name that is too long.",
        f"4.wav|bob|en|{'word ' * 2500}",                       # a transcript over the cap
        "5.wav|bob|xx|An unknown language code.",
        "missing\x1b]0;owned\x07.wav|carol|en|No such file.",
        "5.wav|bob|en|The last line is fine.",
    ]
    lst = tmp_path / "data.list"
    lst.write_text("\n".join(lines) + "\n", encoding="utf-8")
    rc, out, err = cli(["--library", str(tmp_path / "lib"), "import", str(lst), "--json"], capsys)
    assert rc == 1                                               # some lines were rejected
    report = json.loads(out)
    created = {v["name"]: v["clips_added"] for v in report["voices"] if v["status"] == "created"}
    assert created == {"alice": 1, "bob": 1}
    rejected = {f["line"]: f["reason"] for f in report["files"] if f["status"] == "rejected"}
    assert set(rejected) == {2, 3, 4, 5, 6, 7}
    assert "control characters" in rejected[2] and "control characters" in rejected[3]
    assert "at most 120" in rejected[4]
    assert "longer than 10000" in rejected[5]
    assert "not a language Timbrel supports" in rejected[6]
    assert "not found" in rejected[7]
    assert "\x1b" not in err and "\x00" not in err and "\x07" not in err
    assert "\\x1b" in err                                        # shown escaped instead
    assert "line 3" in err


def test_bad_voice_name_from_a_folder_does_not_stop_other_voices(tmp_path, capsys):
    write_wav(tmp_path / "src" / "good" / "0.wav", seed=1)
    write_wav(tmp_path / "src" / ("\x1b[2Jevil") / "0.wav", seed=2)
    rc, out, err = cli(["--library", str(tmp_path / "lib"), "import", str(tmp_path / "src"), "--json"], capsys)
    report = json.loads(out)
    statuses = {v["name"]: v["status"] for v in report["voices"]}
    assert statuses["good"] == "created"
    assert "rolled-back" in statuses.values()
    assert "\x1b" not in err
    rc, out, _ = cli(["--library", str(tmp_path / "lib"), "doctor", "--json"], capsys)
    assert rc == 0 and json.loads(out)["clean"]
