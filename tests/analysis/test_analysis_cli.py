"""The analysis commands from the command line, with --json."""

from __future__ import annotations

import json

from engine.cli import main


def _run(capsys, lib, *argv) -> tuple[int, str, str]:
    rc = main(["--library", str(lib), *argv])
    out = capsys.readouterr()
    return rc, out.out, out.err


def _json(capsys, lib, *argv):
    rc, out, err = _run(capsys, lib, *argv, "--json")
    assert rc == 0, err
    return json.loads(out)


def test_cli_analyze_similar_cluster_grid(corpus_engine, capsys):
    eng, helper = corpus_engine
    for s in ("en_flite_awb", "en_flite_awb_m125", "en_piper_joe", "cs_festival_dita"):
        helper.add(s, emotions={"neutral": "neutral", "sad": "sad"})
    lib = eng.library.root
    # drop one voice's cached embeddings: the first analyze computes them, the second does nothing
    shas = [c.sha256 for c in eng.library.voice("cs_festival_dita").clips]
    with eng.library.catalog.transaction() as c:
        c.executemany("DELETE FROM embeddings WHERE clip_sha256 = ?", [(s,) for s in shas])
    eng.close()

    first = _json(capsys, lib, "analyze")
    assert first["embedded"] == 8 and first["voices"] == 4
    assert [(d["voice"], d["other"]) for d in first["duplicates"]] == [("en_flite_awb", "en_flite_awb_m125")]
    second = _json(capsys, lib, "analyze")
    assert second["work_done"] == 0
    rc, out, _ = _run(capsys, lib, "analyze")
    assert rc == 0 and "nothing to do" in out and "Near-duplicates" in out

    sim = _json(capsys, lib, "similar", "en_flite_awb", "-n", "2")
    assert sim["similar"][0]["voice"] == "en_flite_awb_m125" and len(sim["similar"]) == 2

    cl = _json(capsys, lib, "cluster")
    assert cl["k"] == 3
    awb = next(c for c in cl["clusters"] if "en_flite_awb" in c["voices"])
    assert "en_flite_awb_m125" in awb["voices"]
    again = _json(capsys, lib, "cluster")
    assert sorted(again["kept_ids"]) == sorted(c["id"] for c in cl["clusters"]) and again["new_ids"] == []
    shown = _json(capsys, lib, "cluster", "--show")
    assert [c["id"] for c in shown["clusters"]] == [c["id"] for c in again["clusters"]]
    assert len(_json(capsys, lib, "cluster", "--history")) == 2
    relabelled = _json(capsys, lib, "cluster", "--label", str(awb["id"]), "flite awb family")
    assert any(c["label"] == "flite awb family" for c in relabelled["clusters"])

    grid = _json(capsys, lib, "grid")
    assert grid["emotions"] == ["neutral", "sad"] and grid["gaps"] == 0
    rc, out, _ = _run(capsys, lib, "grid")
    assert rc == 0 and "No gaps" in out


def test_cli_pin_unpin_and_suggest(corpus_engine, capsys):
    eng, helper = corpus_engine
    for s in ("en_flite_awb", "en_piper_joe", "cs_festival_dita"):
        helper.add(s, emotions={"neutral": "neutral", "excited": "happy"}, source="user")
    lib = eng.library.root
    eng.close()
    cl = _json(capsys, lib, "cluster")
    joe = next(c["id"] for c in cl["clusters"] if "en_piper_joe" in c["voices"])
    pinned = _json(capsys, lib, "pin", "cs_festival_dita", str(joe))
    assert pinned["pinned"] and pinned["cluster_id"] == joe
    cl = _json(capsys, lib, "cluster")
    assert next(c for c in cl["clusters"] if c["id"] == joe)["pinned"] == ["cs_festival_dita"]
    assert _json(capsys, lib, "unpin", "cs_festival_dita")["pinned"] is False
    rc, _, err = _run(capsys, lib, "unpin", "cs_festival_dita")
    assert rc == 1 and "not pinned" in err
    rc, _, err = _run(capsys, lib, "pin", "cs_festival_dita", "999")
    assert rc == 1 and "no cluster 999" in err

    dry = _json(capsys, lib, "emotions", "suggest")
    assert dry["applied"] == 0 and len(dry["suggestions"]) == 6      # the sad clips, 2 per voice
    done = _json(capsys, lib, "emotions", "suggest", "--apply", "--min-confidence", "0")
    assert done["applied"] == 6
    shown = _json(capsys, lib, "show", "en_flite_awb")
    sources = sorted(c["emotion_source"] for c in shown["clips"])
    assert sources == ["suggested"] * 2 + ["user"] * 6
