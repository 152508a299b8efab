"""Case 5 — hostile structures: deep nesting, wrong types, absurd values and lying tensors are refused with a
plain error (exit 1) when the file is read, never a RecursionError/ValueError/RuntimeError or a later failure."""

from __future__ import annotations

import io
import json
import sys
import zipfile

import pytest
import torch

from engine.backends.gptsovits import checkpoint as ck
from engine.errors import InvalidInput
from rel_helpers import cli


def _load(path):
    with torch.serialization.safe_globals([ck.HParams]):
        obj = torch.load(path, map_location="cpu", weights_only=True)
    return {"weight": dict(obj["weight"]), "config": ck.plain(obj["config"]), "info": obj.get("info", "")}


def _save(obj, path, *, deep: bool = False):
    old = sys.getrecursionlimit()
    if deep:
        sys.setrecursionlimit(20_000)  # only so that *writing* the hostile file works
    try:
        torch.save(obj, path)
    finally:
        sys.setrecursionlimit(old)
    return path


def _nested(depth: int):
    x: object = 1
    for _ in range(depth):
        x = [x]
    return x


# Only the tensors the readers decide the architecture from (small files: fast to write and read).
_SOVITS_KEYS = ("enc_p.text_embedding.", "enc_p.proj.", "enc_p.encoder_text.ffn_layers.0.conv_1.",
                "enc_p.encoder_text.norm_layers_1.", "dec.conv_pre.", "ref_enc.fc.fc.")
_GPT_KEYS = ("model.ar_predict_layer.", "model.bert_proj.", "model.ar_text_embedding.", "model.h.layers.")


def _slim(obj, prefixes):
    return {**obj, "weight": {k: v.clone() for k, v in obj["weight"].items() if k.startswith(prefixes)}}


@pytest.fixture(scope="module")
def sovits(gsv_fixtures):
    return _slim(_load(gsv_fixtures / "sovits_v2_tiny.pth"), _SOVITS_KEYS)


@pytest.fixture(scope="module")
def gpt(gsv_fixtures):
    return _slim(_load(gsv_fixtures / "gpt_tiny.ckpt"), _GPT_KEYS)


def test_slim_files_are_accepted(sovits, gpt, tmp_path):
    """The unmodified (slimmed) files load: each refusal below is caused by its one change."""
    assert ck.read_sovits_file(_save(sovits, tmp_path / "ok.pth"))[1].upsample_rates == [10, 8, 2, 2, 2]
    assert ck.read_gpt_file(_save(gpt, tmp_path / "ok.ckpt"))[1].max_sec == 54


@pytest.mark.parametrize("change,match", [
    (lambda m: m.update(n_heads="x"), "n_heads"),
    (lambda m: m.update(n_heads=7), "does not divide"),
    (lambda m: m.update(upsample_rates=[1e6] * 5), "upsample_rates"),
    (lambda m: m.update(upsample_rates=[10, 8, 2, 2, 3]), "upsample by 640"),
    (lambda m: m.update(resblock_kernel_sizes=[3, 10 ** 9]), "resblock_kernel_sizes"),
    (lambda m: m.update(resblock_dilation_sizes=[[1, 3, 5]]), "dilation"),
    (lambda m: m.update(upsample_kernel_sizes="16,16"), "upsample_kernel_sizes"),
    (lambda m: m.update(resblock=True), "resblock"),
])
def test_absurd_sovits_configs_are_refused_at_load(sovits, tmp_path, change, match):
    obj = json.loads(json.dumps(sovits["config"]))
    change(obj["model"])
    p = _save({**sovits, "config": obj}, tmp_path / "bad.pth")
    with pytest.raises(InvalidInput, match=match):
        ck.read_sovits_file(p)


@pytest.mark.parametrize("change,match", [
    (lambda c: c["data"].update(max_sec=1e12), "max_sec"),
    (lambda c: c["data"].update(max_sec=float("nan")), "max_sec"),
    (lambda c: c["model"].update(head="x"), "head"),
    (lambda c: c.update(model=[1, 2]), "mapping"),
])
def test_absurd_gpt_configs_are_refused_at_load(gpt, tmp_path, change, match):
    obj = json.loads(json.dumps(gpt["config"]))
    change(obj)
    p = _save({**gpt, "config": obj}, tmp_path / "bad.ckpt")
    with pytest.raises(InvalidInput, match=match):
        ck.read_gpt_file(p)


def test_deeply_nested_config_is_refused(sovits, tmp_path):
    p = _save({**sovits, "config": {"model": _nested(5000)}}, tmp_path / "deep.pth", deep=True)
    with pytest.raises(InvalidInput, match="nested"):
        ck.read_sovits_file(p)


@pytest.mark.parametrize("make,match", [
    (lambda: torch.zeros(1).expand(2 ** 31, 2 ** 31), "elements"),
    (lambda: torch.zeros(4).as_strided((2, 2), (0, 1)), "stride 0"),
])
def test_lying_tensors_are_refused(sovits, tmp_path, make, match):
    weights = dict(sovits["weight"])
    weights["enc_p.proj.weight"] = make()
    p = _save({**sovits, "weight": weights}, tmp_path / "liar.pth")
    with pytest.raises(InvalidInput, match=match):
        ck.read_sovits_file(p)


def test_tensor_limits_in_check_tensors():
    with pytest.raises(InvalidInput, match="elements"):
        ck.check_tensors({"w": torch.zeros(1).expand(2 ** 20, 2 ** 12)}, "f")
    ck.check_tensors({"w": torch.zeros(3, 4).t(), "b": torch.zeros(0)}, "f")  # ordinary views pass


def test_cli_base_import_of_a_hostile_file_exits_1(sovits, gpt, gsv_fixtures, tmp_path, capsys):
    obj = json.loads(json.dumps(sovits["config"]))
    obj["model"]["n_heads"] = "x"
    bad = _save({**sovits, "config": obj}, tmp_path / "bad.pth")
    rc, out, err = cli(["--library", str(tmp_path / "lib"), "base", "import", "--gpt", str(gsv_fixtures / "gpt_tiny.ckpt"),
                        "--sovits", str(bad), "--name", "b", "--json"], capsys)
    assert rc == 1 and "n_heads" in err
    assert json.loads(out)["error"]["type"] == "InvalidInput"


def _pack(manifest: bytes, extra: dict[str, bytes] | None = None) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("manifest.json", manifest)
        for name, data in (extra or {}).items():
            zf.writestr(name, data)
    return buf.getvalue()


def test_deeply_nested_pack_manifest_is_refused(tmp_path, capsys):
    p = tmp_path / "deep.timbrel"
    p.write_bytes(_pack(b"[" * 100_000 + b"]" * 100_000))
    rc, out, err = cli(["--library", str(tmp_path / "lib"), "import", str(p), "--json"], capsys)
    assert rc == 1 and "nested" in err
    report = json.loads(out)
    assert report["rejected"] == 1 and report["clips_added"] == 0


def test_json_depth_ignores_brackets_inside_strings():
    from engine.safejson import json_depth, loads_bounded

    assert json_depth('{"a": "[[[[[[[[", "b": [1, {"c": "]]]"}]}') == 3
    assert loads_bounded(b'{"x": "\\\\\\"[[["}', "t") == {"x": '\\"[[['}
    with pytest.raises(InvalidInput, match="nested"):
        loads_bounded("[" * 40 + "]" * 40, "t")
