"""engine.assets: link/status verification and resumable, verified downloads from a local HTTP server."""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from engine.assets import download_file
from engine.cli import main as cli_main
from engine.errors import MissingAsset, StorageError


def test_status_without_link_explains_what_to_do(engine):
    st = engine.assets.status()
    assert st.root is None and not st.ready
    with pytest.raises(MissingAsset) as err:
        engine.assets.path("hubert", purpose="speaking")
    assert "timbrel assets link" in err.value.hint and "download" in err.value.hint


def test_link_verifies_and_stores_setting(engine, fake_pretrained):
    st = engine.assets.link(fake_pretrained)
    assert st.ready
    assert engine.settings.get("assets.gptsovits_path") == str(fake_pretrained.resolve())
    items = {i.name: i for i in engine.assets.status().items}
    assert items["hubert"].ok and "hubert" in items["hubert"].detail
    assert items["bert"].ok and "bert" in items["bert"].detail
    assert items["sv"].ok
    assert not items["gpt_pretrained"].present and "importing" in items["gpt_pretrained"].disables
    assert engine.assets.path("bert") == (fake_pretrained / "chinese-roberta-wwm-ext-large").resolve()


def test_link_rejects_wrong_folder_and_broken_config(engine, tmp_path, fake_pretrained):
    with pytest.raises(MissingAsset):
        engine.assets.link(tmp_path)
    broken = tmp_path / "pm"
    shutil.copytree(fake_pretrained / "chinese-hubert-base", broken / "chinese-hubert-base")
    (broken / "chinese-hubert-base" / "config.json").write_text("{not json")
    with pytest.raises(MissingAsset) as err:
        engine.assets.link(broken)
    assert "config.json" in str(err.value)
    assert engine.settings.get("assets.gptsovits_path") is None


def test_cli_status_json_and_link(tmp_path, fake_pretrained, capsys):
    lib = str(tmp_path / "lib")
    assert cli_main(["--library", lib, "assets", "status", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["ready"] is False and {i["name"] for i in data["items"]} >= {"hubert", "bert", "sv"}
    assert cli_main(["--library", lib, "assets", "link", str(fake_pretrained)]) == 0
    assert "Linked" in capsys.readouterr().out
    assert cli_main(["--library", lib, "assets", "status", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["ready"] is True


def test_cli_frontend_json(capsys):
    assert cli_main(["frontend", "你好，GPU。", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["phones"][:4] == ["n", "i2", "h", "ao3"]
    assert [s["language"] for s in data["segments"]] == ["zh", "en"]


# ------------------------------------------------------------------------------------------ downloads
PAYLOAD = bytes((i * 7 + 3) % 251 for i in range(300_000))


class _Server:
    """A local HTTP server with Range support; ``cut_after`` makes the next full response stop early."""

    def __init__(self) -> None:
        self.files = {"/pm/chinese-hubert-base/pytorch_model.bin": PAYLOAD}
        self.cut_after: int | None = None
        self.ranges: list[str | None] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *a):
                pass

            def do_GET(self):
                data = outer.files.get(self.path)
                if data is None:
                    self.send_error(404)
                    return
                rng = self.headers.get("Range")
                outer.ranges.append(rng)
                start = 0
                if rng:
                    start = int(re.match(r"bytes=(\d+)-", rng).group(1))
                    if start >= len(data):
                        self.send_response(416)
                        self.end_headers()
                        return
                    self.send_response(206)
                    self.send_header("Content-Range", f"bytes {start}-{len(data) - 1}/{len(data)}")
                else:
                    self.send_response(200)
                body = data[start:]
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                if outer.cut_after is not None:
                    self.wfile.write(body[: outer.cut_after])
                    outer.cut_after = None
                    self.wfile.flush()
                    self.close_connection = True
                    return
                self.wfile.write(body)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def server():
    s = _Server()
    yield s
    s.close()


def test_download_resumes_after_interruption(server, tmp_path):
    dest = tmp_path / "model.bin"
    url = server.url + "/pm/chinese-hubert-base/pytorch_model.bin"
    want = hashlib.sha256(PAYLOAD).hexdigest()
    server.cut_after = 100_000
    with pytest.raises(StorageError) as err:
        download_file(url, dest, sha256=want)
    assert "resumes" in err.value.hint
    part = tmp_path / "model.bin.part"
    assert part.exists() and 0 < part.stat().st_size < len(PAYLOAD)
    had = part.stat().st_size
    assert not dest.exists()
    seen = []
    digest = download_file(url, dest, sha256=want, progress=lambda d, t: seen.append((d, t)))
    assert digest == want and dest.read_bytes() == PAYLOAD and not part.exists()
    assert server.ranges[-1] == f"bytes={had}-"  # resumed, not restarted
    assert seen[0][0] > had
    assert seen[-1] == (len(PAYLOAD), len(PAYLOAD))


def test_download_rejects_corrupted_file(server, tmp_path):
    dest = tmp_path / "model.bin"
    url = server.url + "/pm/chinese-hubert-base/pytorch_model.bin"
    server.files["/pm/chinese-hubert-base/pytorch_model.bin"] = PAYLOAD[:-1] + b"\x00"
    with pytest.raises(StorageError) as err:
        download_file(url, dest, sha256=hashlib.sha256(PAYLOAD).hexdigest())
    assert "damaged" in str(err.value)
    assert not dest.exists() and not (tmp_path / "model.bin.part").exists()


def test_download_missing_file_is_plain_error(server, tmp_path):
    with pytest.raises(MissingAsset) as err:
        download_file(server.url + "/nope", tmp_path / "x")
    assert "404" in str(err.value)


def test_assets_download_with_manifest_records_hashes(engine, server, tmp_path):
    manifest = {"base_url": server.url + "/pm/", "files": [
        {"path": "chinese-hubert-base/pytorch_model.bin", "sha256": hashlib.sha256(PAYLOAD).hexdigest()}]}
    out = engine.assets.download(dest=tmp_path / "dl", manifest=manifest)
    assert out["files"]["chinese-hubert-base/pytorch_model.bin"]["skipped"] is False
    assert out["linked"] is False  # no config.json: not a usable hubert folder, so not linked
    lock = json.loads((tmp_path / "dl" / "timbrel-assets.json").read_text())
    assert lock["chinese-hubert-base/pytorch_model.bin"] == hashlib.sha256(PAYLOAD).hexdigest()
    again = engine.assets.download(dest=tmp_path / "dl", manifest=manifest)
    assert again["files"]["chinese-hubert-base/pytorch_model.bin"]["skipped"] is True


def test_cli_download_with_manifest_and_progress(server, tmp_path, capsys):
    manifest = tmp_path / "m.json"
    manifest.write_text(json.dumps({"base_url": server.url + "/pm/", "files": [
        {"path": "chinese-hubert-base/pytorch_model.bin", "sha256": hashlib.sha256(PAYLOAD).hexdigest()}]}))
    dest = tmp_path / "dl"
    rc = cli_main(["--library", str(tmp_path / "lib"), "assets", "download", "--manifest", str(manifest),
                   "--dest", str(dest), "--no-link"])
    out = capsys.readouterr()
    assert rc == 0 and "downloaded" in out.out and "MB" in out.err
    assert (dest / "chinese-hubert-base" / "pytorch_model.bin").read_bytes() == PAYLOAD
    rc = cli_main(["--library", str(tmp_path / "lib"), "assets", "download", "--only", "nonsense"])
    assert rc == 1 and "Unknown asset" in capsys.readouterr().err
