"""Case 8 — error reporting: --json errors as an object on stdout, model loaders' raw exceptions turned into
plain errors, "30 s" said as 30 s, packs without clips / with silent clips refused, language codes checked."""

from __future__ import annotations

import io
import json
import zipfile

import numpy as np
import pytest

from engine.errors import AudioError, InvalidInput, MissingAsset, StorageError, UnsafeFile
from rel_helpers import cli, speech


def test_json_errors_are_an_object_on_stdout(tmp_path, capsys):
    rc, out, err = cli(["--library", str(tmp_path / "lib"), "show", "nobody", "--json"], capsys)
    assert rc == 1 and "There is no voice named 'nobody'" in err
    data = json.loads(out)
    assert data == {"ok": False, "error": {"type": "NotFound", "message": "There is no voice named 'nobody'.",
                                           "hint": "'timbrel voices' lists the voices in this library."}}


def test_damaged_model_files_give_plain_errors(tmp_path):
    from engine.backends.gptsovits.models import load_base

    bad = tmp_path / "w.safetensors"
    bad.write_bytes(b"\x08\x00\x00\x00\x00\x00\x00\x00{broken}")   # SafetensorError
    with pytest.raises(StorageError, match="damaged"):
        load_base({}, {"gpt": bad, "sovits": bad})

    evil = tmp_path / "ge2e.pt"                                     # a pickle that would call os.system
    evil.write_bytes(b"\x80\x02cposix\nsystem\nq\x00X\x02\x00\x00\x00idq\x01\x85q\x02Rq\x03.")
    from engine.analysis.encoders.ge2e import GE2EEncoder

    with pytest.raises(UnsafeFile, match="nothing in it ran"):
        GE2EEncoder(weights=evil)


@pytest.mark.slow
def test_damaged_pretrained_model_folder_gives_a_plain_error(tmp_path):
    """transformers reports a damaged model.safetensors with SafetensorError/OSError: a MissingAsset here."""
    from engine.backends.gptsovits.pretrained import load_hubert

    hub = tmp_path / "chinese-hubert-base"
    hub.mkdir()
    (hub / "config.json").write_text(json.dumps({"model_type": "hubert"}))
    (hub / "model.safetensors").write_bytes(b"\xff" * 64)
    with pytest.raises(MissingAsset, match="damaged or incomplete") as err:
        load_hubert(hub)
    assert "chinese-hubert-base" in err.value.message and err.value.hint


def test_length_limit_is_said_in_seconds():
    from engine.audio.io import _duration, decode_audio, encode

    assert (_duration(30), _duration(90), _duration(30 * 60), _duration(60 * 60)) == ("30 s", "90 s", "30 minutes", "60 minutes")
    wav = encode(np.zeros(16000 * 31, np.float32), 16000, "WAV")
    with pytest.raises(AudioError, match=r"longer than 30 s\."):
        decode_audio(wav, max_seconds=30)


def _flac(samples: np.ndarray, sr: int = 22050) -> bytes:
    from engine.audio.io import encode_flac

    return encode_flac(samples, sr)


def _pack(path, clips: list[bytes], **voice) -> None:
    from engine.library.blobs import sha256_bytes

    manifest = {"format": "timbrel.voice-pack", "format_version": 1,
                "voice": {"name": "Packed", "language": None, "notes": "", "tags": [], **voice}, "clips": []}
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for data in clips:
            sha = sha256_bytes(data)
            manifest["clips"].append({"file": f"clips/{sha}.flac", "sha256": sha, "transcript": "", "language": None})
            zf.writestr(f"clips/{sha}.flac", data)
        zf.writestr("manifest.json", json.dumps(manifest))
    path.write_bytes(buf.getvalue())


@pytest.mark.parametrize("case,match", [
    ("empty", "has no clips"),
    ("silent", "is silent"),
    ("too-long", "longer than 30 s"),
    ("language", "not a language Timbrel supports"),
])
def test_bad_packs_are_refused(tmp_path, capsys, case, match):
    p = tmp_path / f"{case}.timbrel"
    if case == "empty":
        _pack(p, [])
    elif case == "silent":
        _pack(p, [_flac(np.zeros(22050 * 4, np.float32))])
    elif case == "too-long":
        _pack(p, [_flac(speech(31.0))])
    else:
        _pack(p, [_flac(speech(4.0))], language="qq")
    rc, out, err = cli(["--library", str(tmp_path / "lib"), "import", str(p), "--json"], capsys)
    assert rc == 1 and match in err, err
    assert json.loads(out)["clips_added"] == 0
    rc, out, _ = cli(["--library", str(tmp_path / "lib"), "voices", "--json"], capsys)
    assert json.loads(out) == []                                    # no empty voice was created


def test_a_good_pack_still_imports(tmp_path, capsys):
    p = tmp_path / "good.timbrel"
    _pack(p, [_flac(speech(4.0))], language="en")
    rc, out, err = cli(["--library", str(tmp_path / "lib"), "import", str(p)], capsys)
    assert rc == 0, err


def test_language_codes_are_checked(tmp_path, capsys):
    from engine.library.languages import normalize_language

    assert normalize_language("EN-us") == "en" and normalize_language("all_zh") == "zh" and normalize_language("hu") == "hu"
    for bad in ("xx", "qq", "zz_ZZ", "english!"):
        with pytest.raises(InvalidInput):
            normalize_language(bad)
    rc, _, err = cli(["--library", str(tmp_path / "lib"), "import", str(tmp_path), "--lang", "xx"], capsys)
    assert rc == 1 and "'xx' is not a language Timbrel supports" in err


def test_failed_import_with_json_prints_the_error_and_the_report(tmp_path, capsys, monkeypatch):
    import errno

    from engine.fsutil import storage_error
    from engine.library.blobs import BlobStore
    from rel_helpers import voices_folder

    src = voices_folder(tmp_path / "src", ["first", "second"])
    real = BlobStore.put_bytes
    calls = {"n": 0}

    def filling(self, data):
        calls["n"] += 1
        if calls["n"] == 3:
            raise storage_error(OSError(errno.ENOSPC, "No space left on device"), self.root / "blob")
        return real(self, data)

    monkeypatch.setattr(BlobStore, "put_bytes", filling)
    rc, out, err = cli(["--library", str(tmp_path / "lib"), "import", str(src), "--json"], capsys)
    assert rc == 1 and "disk is full" in err
    data = json.loads(out)
    assert data["ok"] is False and data["error"]["type"] == "ImportFailed"
    assert "first" in data["error"]["hint"]                           # what was saved, truthfully
    assert [(v["name"], v["status"]) for v in data["report"]["voices"]] == [("first", "created"), ("second", "rolled-back")]
