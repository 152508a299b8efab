"""Loading users' GPT-SoVITS files: safe unpickling, headers, version decisions, real-size layouts."""

from __future__ import annotations

import json
import pickle
import zipfile
from pathlib import Path

import pytest
import torch

from engine.backends.gptsovits import checkpoint as ck
from engine.errors import InvalidInput, UnsafeFile


def _retag(src: Path, dst: Path, tag: bytes) -> Path:
    data = bytearray(src.read_bytes())
    data[:2] = tag
    dst.write_bytes(bytes(data))
    return dst


# -- real files -----------------------------------------------------------------------------------------------
def test_reads_v2_plain_zip_whatever_its_size(gsv_fixtures):
    lf, cfg = ck.read_sovits_file(gsv_fixtures / "sovits_v2_tiny.pth")
    # 31.9 MB is below upstream's 82,978 KiB "v1" size threshold: we decide from shapes, not size
    assert lf.header == b"PK" and lf.variant == "v2" and cfg.variant == "v2"
    assert cfg.gin_channels == 512 and cfg.n_symbols == 732 and cfg.upsample_initial_channel == 32
    assert not any(k.startswith("enc_q.") for k in lf.weights)
    assert all(t.dtype == torch.float16 for t in lf.weights.values())
    assert lf.info == "8epoch_400iteration" and len(lf.sha256) == 64


def test_reads_v2proplus_header(gsv_fixtures):
    lf, cfg = ck.read_sovits_file(gsv_fixtures / "sovits_v2ProPlus_tiny.pth")
    assert lf.header == b"06" and lf.variant == "v2ProPlus" and cfg.is_pro and cfg.gin_channels == 8


def test_header_05_is_v2pro(gsv_fixtures, tmp_path):
    p = _retag(gsv_fixtures / "sovits_v2ProPlus_tiny.pth", tmp_path / "pro.pth", b"05")
    lf, cfg = ck.read_sovits_file(p)
    assert lf.variant == "v2Pro" and cfg.variant == "v2Pro" and cfg.is_pro


def test_header_that_contradicts_the_tensors_is_refused(gsv_fixtures, tmp_path):
    p = _retag(gsv_fixtures / "sovits_v2_tiny.pth", tmp_path / "liar.pth", b"05")
    with pytest.raises(InvalidInput, match="inconsistent"):
        ck.read_sovits_file(p)


@pytest.mark.parametrize("tag,match", [(b"03", "v3-lora"), (b"zz", "header")])
def test_unsupported_or_unknown_headers(gsv_fixtures, tmp_path, tag, match):
    p = _retag(gsv_fixtures / "sovits_v2_tiny.pth", tmp_path / "x.pth", tag)
    with pytest.raises(InvalidInput, match=match):
        ck.read_sovits_file(p)


def test_reads_gpt(gsv_fixtures):
    lf, cfg = ck.read_gpt_file(gsv_fixtures / "gpt_tiny.ckpt")
    assert cfg.hidden_dim == 32 and cfg.n_head == 2 and cfg.n_layer == 2 and cfg.eos == 1024 and cfg.max_sec == 54
    assert not any(k.startswith("model.") for k in lf.weights)
    assert lf.info == "GPT-e1"


def test_swapped_files_are_explained(gsv_fixtures):
    with pytest.raises(InvalidInput, match="GPT"):
        ck.read_gpt_file(gsv_fixtures / "sovits_v2_tiny.pth")
    with pytest.raises(InvalidInput):
        ck.read_sovits_file(gsv_fixtures / "gpt_tiny.ckpt")


def test_not_a_checkpoint(tmp_path):
    p = tmp_path / "notes.pth"
    p.write_text("hello world, not a model")
    with pytest.raises(InvalidInput):
        ck.read_sovits_file(p)


# -- malicious pickles ------------------------------------------------------------------------------------------
class _Payload:
    marker = ""

    def __reduce__(self):
        return (exec, (f"open({self.marker!r}, 'w').write('pwned')",))


def _evil_checkpoint(tmp_path: Path) -> tuple[Path, Path]:
    marker = tmp_path / "payload-ran"
    _Payload.marker = str(marker)
    path = tmp_path / "evil.pth"
    torch.save({"weight": {"x": torch.zeros(2)}, "config": _Payload(), "info": "x"}, path)
    return path, marker


def test_payload_is_live_under_plain_pickle(tmp_path):
    """Control: the payload really runs when unpickled freely, so the next tests can fail."""
    path, marker = _evil_checkpoint(tmp_path)
    torch.load(path, weights_only=False)
    assert marker.exists()


@pytest.mark.parametrize("tag", [b"PK", b"06"])
def test_malicious_sovits_is_refused_and_nothing_runs(tmp_path, tag):
    path, marker = _evil_checkpoint(tmp_path)
    if tag != b"PK":
        _retag(path, path, tag)
    with pytest.raises(UnsafeFile) as err:
        ck.read_sovits_file(path)
    assert "refused" in err.value.message and err.value.hint
    assert not marker.exists()


def test_malicious_gpt_and_sv_are_refused(tmp_path):
    path, marker = _evil_checkpoint(tmp_path)
    with pytest.raises(UnsafeFile):
        ck.read_gpt_file(path)
    with pytest.raises(UnsafeFile):
        ck.read_sv_file(path)
    assert not marker.exists()


def test_legacy_raw_pickle_is_never_unpickled(tmp_path):
    marker = tmp_path / "payload-ran"
    _Payload.marker = str(marker)
    p = tmp_path / "legacy.ckpt"
    p.write_bytes(pickle.dumps({"weight": _Payload()}))
    with pytest.raises((InvalidInput, UnsafeFile)):
        ck.read_gpt_file(p)
    assert not marker.exists()


def test_hparams_stand_in_is_data_only(gsv_fixtures):
    lf, _ = ck.read_sovits_file(gsv_fixtures / "sovits_v2_tiny.pth")
    assert isinstance(lf.config, dict) and lf.config["model"]["version"] == "v2"
    json.dumps(lf.config)  # plain data
    assert "utils" not in __import__("sys").modules or not hasattr(__import__("sys").modules["utils"], "HParams")


# -- real-size manifests ------------------------------------------------------------------------------------------
@pytest.mark.parametrize("version", ["v2", "v2Pro", "v2ProPlus"])
def test_real_size_sovits_manifests(gsv_fixtures, version):
    from engine.backends.gptsovits.models import build_sovits, module_layout

    d = json.loads((gsv_fixtures / f"keys_sovits_{version}.json").read_text())
    shapes = {k: tuple(s) for k, s, _ in d["weight"]}
    variant = ck.sovits_variant_from(d["file_header_first_2_bytes"].encode(), shapes)
    assert variant == version
    cfg = ck.sovits_config_from(variant, shapes, d["config"]["model"])
    for key in ("inter_channels", "hidden_channels", "filter_channels", "n_heads", "n_layers", "kernel_size",
                "upsample_initial_channel", "gin_channels", "upsample_rates", "upsample_kernel_sizes"):
        assert getattr(cfg, key) == d["config"]["model"][key], key
    layout = module_layout(build_sovits(variant, cfg, "meta"), torch.float16)
    assert list(layout) == [k for k, _, _ in d["weight"]]  # same keys, same order
    assert all(layout[k] == (tuple(s), torch.float16) for k, s, _ in d["weight"])
    assert sum(torch.Size(s).numel() for s, _ in layout.values()) == d["n_weight_params"]
    assert not set(layout) & {row[0] if isinstance(row, list) else row for row in d["enc_q_keys"]}


def test_v2pro_and_plus_tensor_shapes_decide_without_header(gsv_fixtures):
    for version in ("v2Pro", "v2ProPlus"):
        d = json.loads((gsv_fixtures / f"keys_sovits_{version}.json").read_text())
        shapes = {k: tuple(s) for k, s, _ in d["weight"]}
        assert ck.sovits_variant_from(b"PK", shapes) == version


def test_v1_and_v3_shapes():
    base = {"enc_p.text_embedding.weight": (322, 192), "dec.conv_pre.weight": (512, 192, 7)}
    assert ck.sovits_variant_from(b"PK", base) == "v1"
    with pytest.raises(InvalidInput, match="v3/v4"):
        ck.sovits_variant_from(b"PK", {"cfm.estimator.x": (1,), "enc_p.ssl_proj.weight": (1,)})


def test_real_size_gpt_manifest(gsv_fixtures):
    from engine.backends.gptsovits.models import build_gpt, module_layout

    d = json.loads((gsv_fixtures / "keys_gpt.json").read_text())
    shapes = ck.strip_gpt_prefix({k: tuple(s) for k, s, _ in d["weight"]})
    cfg = ck.gpt_config_from(shapes, d["config"])
    assert (cfg.n_layer, cfg.n_head, cfg.hidden_dim, cfg.phoneme_vocab_size) == (24, 16, 512, 732)
    layout = module_layout(build_gpt(cfg, "meta"), torch.float16)
    assert list(layout) == list(shapes) and all(layout[k][0] == shapes[k] for k in shapes)
    assert sum(torch.Size(s).numel() for s, _ in layout.values()) == d["n_weight_params"]


def test_real_size_eres2net_manifest(gsv_fixtures):
    from engine.backends.gptsovits.eres2net import ERes2NetV2, eres2net_config_from
    from engine.backends.gptsovits.models import module_layout

    d = json.loads((gsv_fixtures / "keys_eres2netv2_w24s4ep4.json").read_text())
    shapes = {k: tuple(s) for k, s, _ in d["weight"]}
    cfg = eres2net_config_from(shapes)
    kw = d["constructor_kwargs"]
    assert (cfg.num_blocks, cfg.m_channels, cfg.base_width, cfg.scale, cfg.expansion, cfg.embedding_size) == (
        kw["num_blocks"], kw["m_channels"], kw["baseWidth"], kw["scale"], kw["expansion"], kw["embedding_size"])
    assert cfg.forward3_dim == d["forward3_output_dim"]
    with torch.device("meta"):
        net = ERes2NetV2(cfg)
    layout = module_layout(net)
    assert list(layout) == list(shapes) and all(layout[k][0] == shapes[k] for k in shapes)


def test_zip_top_folder_name_does_not_matter(gsv_fixtures):
    # the v2 file's zip folder is a timestamp, the v2ProPlus one "archive"
    names = {zipfile.ZipFile(gsv_fixtures / "sovits_v2_tiny.pth").namelist()[0].split("/")[0]}
    assert names == {"1700000000.0"}
    ck.read_sovits_file(gsv_fixtures / "sovits_v2_tiny.pth")
