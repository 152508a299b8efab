"""The GPT-SoVITS pretrained models Timbrel uses (HuBERT, BERT, speaker verification, pretrained GPT/SoVITS, G2PW).

Timbrel never downloads anything by itself. Users either **link** an existing GPT-SoVITS
``pretrained_models`` folder (``timbrel assets link PATH``; the path is stored in the setting
``assets.gptsovits_path``) or run ``timbrel assets download`` on a machine with internet access, which fetches
the files into Timbrel's data folder with resume (HTTP ``Range``), progress and sha256 verification, then
links that folder.

``Assets(engine).status()`` reports every piece: present or not, whether its config loads, and what its
absence disables. Verification is cheap on purpose: folder structure, JSON configs parsed (and checked with
``transformers.AutoConfig`` when available), weight files present, checkpoint headers read; no 650 MB
weights are loaded.
"""

from __future__ import annotations

import json
import os
import threading
from pathlib import Path
from typing import Callable, Iterable

from ..errors import InvalidInput, MissingAsset
from ..fsutil import atomic_write_json
from .checks import check
from .download import CHUNK, Progress, download_file, sha256_file
from .specs import FRONTEND_TEXT, SPECS, TEXT_FILES, AssetSpec, AssetState, AssetsStatus

SETTING = "assets.gptsovits_path"
LOCK_FILE = "timbrel-assets.json"

__all__ = ["CHUNK", "FRONTEND_TEXT", "LOCK_FILE", "SETTING", "SPECS", "TEXT_FILES", "AssetSpec", "AssetState", "Assets",
           "AssetsStatus", "Progress", "check", "download_file", "sha256_file"]

class Assets:
    """``engine.assets``: where the GPT-SoVITS pretrained models are, and whether they are usable."""

    DEFAULT_BASE_URL = "https://huggingface.co/lj1995/GPT-SoVITS/resolve/main/"

    def __init__(self, engine) -> None:
        self.engine = engine
        self._lock = threading.Lock()

    # -- where -----------------------------------------------------------------------------------
    @property
    def root(self) -> Path | None:
        value = self.engine.settings.get(SETTING)
        return Path(value).expanduser() if value else None

    def download_dir(self) -> Path:
        from ..paths import APP_NAME

        import platformdirs

        return Path(platformdirs.user_data_dir(APP_NAME)) / "pretrained_models"

    # -- link / status ---------------------------------------------------------------------------
    def inspect(self, root: str | os.PathLike) -> AssetsStatus:
        r = Path(root).expanduser()
        return AssetsStatus(str(r.resolve()), [check(r, s) for s in SPECS])

    def link(self, path: str | os.PathLike) -> AssetsStatus:
        """Point Timbrel at an existing GPT-SoVITS ``pretrained_models`` folder after verifying it."""
        root = Path(path).expanduser()
        if not root.is_dir():
            raise InvalidInput(f"{root} is not a folder.",
                               hint="Give the path of GPT-SoVITS's GPT_SoVITS/pretrained_models folder.")
        status = self.inspect(root)
        hub = status.item("hubert")
        if not hub.present and self._emotion2vec_below(root):   # an emotion2vec+ folder (or a cache holding one)
            self.link_emotion2vec(root)
            return self.status()
        if not hub.ok:
            raise MissingAsset(
                f"{root} does not look like a GPT-SoVITS pretrained_models folder: chinese-hubert-base {hub.detail}.",
                hint="Give the folder that contains chinese-hubert-base/ and chinese-roberta-wwm-ext-large/, "
                "or run 'timbrel assets download'.")
        self.engine.settings.set(SETTING, status.root)
        return status

    def unlink(self) -> None:
        self.engine.settings.set(SETTING, None)

    def status(self) -> AssetsStatus:
        st = self._gptsovits_status()
        st.items.append(self.emotion2vec_status())
        return st

    # -- emotion2vec+ (engine.analysis.emotion2vec.locate does the work) ---------------------------
    @staticmethod
    def _emotion2vec_below(root: Path) -> bool:
        from ..analysis.emotion2vec.locate import find_model_folders

        return bool(find_model_folders(root))

    def link_emotion2vec(self, path: str | os.PathLike | None = None):
        """Link an emotion2vec+ model folder (or the first one found below ``path``, or in the FunASR / ModelScope /
        Hugging Face caches when ``path`` is None) and convert it to Timbrel's safetensors asset."""
        from ..analysis.emotion2vec import locate

        return locate.link(self.engine.settings, path)

    def unlink_emotion2vec(self) -> None:
        from ..analysis.emotion2vec import locate

        locate.unlink(self.engine.settings)

    def emotion2vec_status(self):
        from ..analysis.emotion2vec import locate

        return locate.status(self.engine.settings)

    def _gptsovits_status(self) -> AssetsStatus:
        root = self.root
        if root is None:
            return AssetsStatus(None, [AssetState(s.name, False, False, None, "no assets folder linked", s.disables,
                                                  s.required) for s in SPECS])
        if not root.is_dir():
            return AssetsStatus(str(root), [AssetState(s.name, False, False, None, f"linked folder {root} is gone",
                                                       s.disables, s.required) for s in SPECS])
        return self.inspect(root)

    def path(self, name: str, *, purpose: str = "this") -> Path:
        """The usable path of asset ``name`` or :class:`MissingAsset` saying what to link or download."""
        st = self.status()
        if st.root is None:
            raise MissingAsset(
                f"GPT-SoVITS needs its pretrained models for {purpose}, and none are linked.",
                hint="Link an existing folder with 'timbrel assets link PATH/GPT_SoVITS/pretrained_models', "
                "or fetch them with 'timbrel assets download'.")
        item = st.item(name)
        if not item.ok:
            raise MissingAsset(
                f"The GPT-SoVITS asset '{name}' is not usable in {st.root}: {item.detail}. Without it: {item.disables}.",
                hint="Re-link a complete pretrained_models folder ('timbrel assets link PATH') or run "
                "'timbrel assets download'.")
        return Path(item.path)

    def optional_path(self, name: str) -> Path | None:
        st = self.status()
        if st.root is None:
            return None
        item = st.item(name)
        return Path(item.path) if item.ok else None

    # -- download --------------------------------------------------------------------------------
    def plan(self, names: Iterable[str] | None = None, base_url: str | None = None,
             manifest: dict | None = None) -> list[dict]:
        """Files to fetch: ``[{path, url, sha256}]``. A manifest (``{"base_url":..., "files": [{path, url?, sha256?}]}``)
        overrides the built-in list; without pinned hashes the downloaded files' hashes are recorded (trust on first use)."""
        if manifest is not None:
            base = manifest.get("base_url", base_url or self.DEFAULT_BASE_URL)
            return [{"path": f["path"], "url": f.get("url") or base + f["path"], "sha256": f.get("sha256")}
                    for f in manifest.get("files", [])]
        base = base_url or self.DEFAULT_BASE_URL
        wanted = set(names) if names else {s.name for s in SPECS if s.required}
        unknown = wanted - {s.name for s in SPECS}
        if unknown:
            raise InvalidInput(f"Unknown asset(s): {', '.join(sorted(unknown))}.",
                               hint="Known: " + ", ".join(s.name for s in SPECS) + ".")
        out = []
        for s in SPECS:
            if s.name in wanted:
                if not s.files:
                    raise InvalidInput(f"The asset '{s.name}' cannot be downloaded by Timbrel.",
                                       hint="Copy it into the linked folder yourself.")
                out += [{"path": rel, "url": base + rel, "sha256": None} for rel in s.files]
        return out

    def download(self, *, dest: str | os.PathLike | None = None, names: Iterable[str] | None = None,
                 base_url: str | None = None, manifest: dict | None = None,
                 progress: Callable[[str, int, int | None], None] | None = None, link: bool = True) -> dict:
        """Fetch the planned files into ``dest`` (default: Timbrel's data folder), resuming partial files, then link it."""
        root = Path(dest).expanduser() if dest else self.download_dir()
        root.mkdir(parents=True, exist_ok=True)
        lock_path = root / LOCK_FILE
        try:
            recorded = json.loads(lock_path.read_text("utf-8")) if lock_path.exists() else {}
        except ValueError:
            recorded = {}
        results = {}
        for item in self.plan(names, base_url, manifest):
            target = root / item["path"]
            expected = item["sha256"] or recorded.get(item["path"])
            if target.is_file() and expected and sha256_file(target) == expected:
                results[item["path"]] = {"sha256": expected, "skipped": True}
                continue
            cb = (lambda done, total, _p=item["path"]: progress(_p, done, total)) if progress else None
            digest = download_file(item["url"], target, sha256=item["sha256"], progress=cb)
            recorded[item["path"]] = digest
            atomic_write_json(lock_path, recorded)
            results[item["path"]] = {"sha256": digest, "skipped": False}
        out = {"root": str(root.resolve()), "files": results}
        if link and self.inspect(root).item("hubert").ok:
            self.engine.settings.set(SETTING, str(root.resolve()))
            out["linked"] = True
        else:
            out["linked"] = False
        return out
