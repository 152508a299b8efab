"""The generic base store (engine.bases) and the GPT-SoVITS import / base CLI."""

from __future__ import annotations

import json

import pytest
import torch

from engine.errors import AlreadyExists, InvalidInput, NotFound


def _tensors(seed: int) -> dict[str, torch.Tensor]:
    g = torch.Generator().manual_seed(seed)
    return {"w": torch.randn(4, 3, generator=g), "b": torch.randn(3, generator=g).half()}


def _make_cluster(engine) -> int:
    from engine.library.catalog import utc_now

    with engine.library.catalog.transaction() as conn:
        return int(conn.execute("INSERT INTO clusters(label, created_at) VALUES ('c', ?)", (utc_now(),)).lastrowid)


def test_register_list_get_open(engine):
    store = engine.bases
    rec = store.register("Tone A", "tone", "t1", {"main": _tensors(1)}, {"architecture": {"n": 3}}, provenance={"by": "test"})
    assert rec.backend == "tone" and rec.variant == "t1" and set(rec.groups) == {"main"}
    assert store.get("tone a") == rec == store.get(rec.id) == store.get(str(rec.id))
    assert [r.name for r in store.list()] == ["Tone A"] and store.list(backend="gptsovits") == []
    man = store.manifest(rec)
    assert man["backend"] == "tone" and man["architecture"] == {"n": 3}
    assert man["groups"]["main"]["blob_sha256"] == rec.groups["main"]
    with store.open_tensors(rec, "main") as h:
        assert set(h.keys()) == {"w", "b"}
        assert torch.equal(h.get_tensor("w"), _tensors(1)["w"]) and h.get_tensor("b").dtype == torch.float16
    assert store.weights_path(rec, "main").is_file()
    assert rec.size_bytes == store.weights_path(rec, "main").stat().st_size + len(
        engine.library.blobs.read_bytes(rec.manifest_sha256))
    # every blob the base names is kept by the library's reference scan
    assert {*rec.groups.values(), rec.manifest_sha256} <= engine.library.referenced_blobs()


def test_identical_weights_are_stored_once(engine, tmp_path):
    store = engine.bases
    a = store.register("a", "tone", "t1", {"main": _tensors(1), "extra": _tensors(2)}, {})
    b = store.register("b", "tone", "t1", {"main": _tensors(1), "extra": _tensors(3)}, {})
    assert a.groups["main"] == b.groups["main"] and a.groups["extra"] != b.groups["extra"]
    # a .safetensors path works as well and dedupes against the same bytes
    c = store.register("c", "tone", "t1", {"main": store.weights_path(a, "main")}, {})
    assert c.groups["main"] == a.groups["main"]
    store.remove("a")
    assert engine.library.blobs.exists(a.groups["main"])  # still used by b and c
    assert not engine.library.blobs.exists(a.groups["extra"])  # only a used it
    assert engine.library.catalog.scalar("SELECT COUNT(*) FROM blobs WHERE sha256 = ?", (a.groups["extra"],)) == 0


def test_register_errors(engine):
    store = engine.bases
    store.register("x", "tone", "t1", {"main": _tensors(1)}, {})
    with pytest.raises(AlreadyExists):
        store.register("X", "tone", "t1", {"main": _tensors(1)}, {})
    with pytest.raises(InvalidInput):
        store.register("", "tone", "t1", {"main": _tensors(1)}, {})
    with pytest.raises(InvalidInput):
        store.register("y", "tone", "t1", {}, {})
    with pytest.raises(InvalidInput):
        store.register("y", "tone", "t1", {"../evil": _tensors(1)}, {})
    with pytest.raises(NotFound):
        store.get("nope")
    with pytest.raises(NotFound):
        store.weights_path("x", "other")


def test_cluster_assignment_with_history(engine):
    store = engine.bases
    a = store.register("a", "tone", "t1", {"main": _tensors(1)}, {})
    b = store.register("b", "tone", "t1", {"main": _tensors(2)}, {})
    cid = _make_cluster(engine)
    assert store.base_for_cluster(cid) is None
    store.assign(cid, a)
    store.assign(cid, "a")  # same base again: no new history row
    store.assign(cid, b)
    assert store.base_for_cluster(cid) == b
    hist = store.assignments(cid)
    assert [h.base_name for h in hist] == ["a", "b"] and hist[0].unassigned_at and hist[1].unassigned_at is None
    with pytest.raises(InvalidInput):
        store.remove("b")  # serves a cluster
    store.remove("b", force=True)
    assert store.base_for_cluster(cid) is None
    assert store.assignments(cid)[-1].note == "base removed"
    store.assign(cid, a)
    store.assign(cid, None)
    assert store.base_for_cluster(cid) is None
    with pytest.raises(NotFound):
        store.assign(cid + 999, a)


def test_events(engine):
    from engine.events import EventRecorder

    rec = EventRecorder(engine.events, "bases.*")
    engine.bases.register("e", "tone", "t1", {"main": _tensors(1)}, {})
    engine.bases.remove("e")
    assert [e.data["action"] for e in rec.of("bases.changed")] == ["register", "remove"]


# -- GPT-SoVITS import ---------------------------------------------------------------------------------------
def test_import_gptsovits_base(engine, gsv_fixtures):
    from engine.backends.gptsovits.checkpoint import read_sovits_file
    from engine.backends.gptsovits.convert import import_base

    rec = import_base(engine.bases, "plus", gsv_fixtures / "gpt_tiny.ckpt", gsv_fixtures / "sovits_v2ProPlus_tiny.pth")
    assert rec.backend == "gptsovits" and rec.variant == "v2ProPlus" and set(rec.groups) == {"gpt", "sovits"}
    man = engine.bases.manifest(rec)
    assert man["architecture"]["sovits"]["gin_channels"] == 8 and man["architecture"]["gpt"]["n_layer"] == 2
    assert man["sources"]["sovits"]["sha256"].startswith("40c511832120e3dc")
    assert man["sources"]["gpt"]["sha256"].startswith("5f9c9e3e5b8c72f2")
    assert man["sources"]["sovits"]["header"] == "06" and man["inference"]["needs_sv"] is True
    assert "train_semantic_path" not in json.dumps(man)  # training paths are not copied
    lf, _ = read_sovits_file(gsv_fixtures / "sovits_v2ProPlus_tiny.pth")
    with engine.bases.open_tensors(rec, "sovits") as h:
        assert set(h.keys()) == set(lf.weights)
        assert torch.equal(h.get_tensor("sv_emb.weight"), lf.weights["sv_emb.weight"])
    with pytest.raises(AlreadyExists):
        import_base(engine.bases, "plus", gsv_fixtures / "gpt_tiny.ckpt", gsv_fixtures / "sovits_v2_tiny.pth")


def test_cli_import_list_show_remove(tmp_path, gsv_fixtures, capsys):
    from engine.cli import main

    lib = str(tmp_path / "lib")
    gpt, sov = str(gsv_fixtures / "gpt_tiny.ckpt"), str(gsv_fixtures / "sovits_v2_tiny.pth")
    assert main(["--library", lib, "base", "import", "--gpt", gpt, "--sovits", sov, "--name", "tiny"]) == 0
    capsys.readouterr()
    assert main(["--library", lib, "bases", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert [d["name"] for d in data] == ["tiny"] and data[0]["variant"] == "v2"
    assert data[0]["size_bytes"] > 30_000_000
    assert data[0]["sources"]["sovits"]["sha256"].startswith("32050309c8b44400")
    assert main(["--library", lib, "bases"]) == 0
    out = capsys.readouterr().out
    assert "tiny" in out and "v2" in out and "32050309c8b4" in out
    assert main(["--library", lib, "base", "show", "tiny"]) == 0
    assert "sovits_v2_tiny.pth" in capsys.readouterr().out
    # a second import under the same name fails with a plain message
    assert main(["--library", lib, "base", "import", "--gpt", gpt, "--sovits", sov, "--name", "tiny"]) == 1
    assert "already a base" in capsys.readouterr().err
    assert main(["--library", lib, "base", "remove", "tiny"]) == 0
    capsys.readouterr()
    assert main(["--library", lib, "bases", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == []


def test_cli_refuses_malicious_file(tmp_path, gsv_fixtures, capsys):
    from engine.cli import main

    marker = tmp_path / "payload-ran"

    class Payload:
        def __reduce__(self):
            return (exec, (f"open({str(marker)!r}, 'w').write('x')",))

    evil = tmp_path / "evil.pth"
    torch.save({"weight": {"x": torch.zeros(1)}, "config": Payload()}, evil)
    rc = main(["--library", str(tmp_path / "lib"), "base", "import", "--gpt", str(gsv_fixtures / "gpt_tiny.ckpt"),
               "--sovits", str(evil), "--name", "evil"])
    assert rc == 1 and "refused" in capsys.readouterr().err and not marker.exists()
