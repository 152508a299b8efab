"""Finding emotion2vec+ model folders the user already has, and the linked (converted) asset.

A model folder holds ``model.pt``, ``config.yaml`` (``model: Emotion2vec``), ``tokens.txt`` and usually
``configuration.json``, as ModelScope (``iic/emotion2vec_plus_large``) and Hugging Face
(``emotion2vec/emotion2vec_plus_large``) publish it. FunASR downloads into the ModelScope cache
(``~/.cache/modelscope/hub/[models/]iic/emotion2vec_plus_*``); the Hugging Face cache keeps
``models--emotion2vec--emotion2vec_plus_*/snapshots/<revision>/``. ``timbrel assets link PATH`` accepts the
model folder itself or any folder above it (a cache root), and ``timbrel assets link --emotion2vec`` with no
path looks in those caches.

Linking converts the checkpoint once into Timbrel's asset (safetensors + JSON, see :mod:`.weights`) under
``<data dir>/pretrained/emotion2vec/<model id>/``; the settings ``assets.emotion2vec_path`` (the user's folder)
and ``assets.emotion2vec_asset`` (the conversion) remember it. Analysis loads only the asset (no pickle).
"""

from __future__ import annotations

import os
from dataclasses import asdict, dataclass
from pathlib import Path

from ...errors import InvalidInput, MissingAsset

SOURCE_SETTING = "assets.emotion2vec_path"
ASSET_SETTING = "assets.emotion2vec_asset"
MAX_DEPTH = 7
DISABLES = ("neural emotion recognition: 'timbrel analyze' stores no emotion probabilities and "
            "'timbrel emotions suggest' falls back to a weak guess from pitch and loudness")


def is_model_folder(path: Path) -> bool:
    if not all((path / f).is_file() for f in ("model.pt", "config.yaml", "tokens.txt")):
        return False
    try:
        with (path / "config.yaml").open("r", encoding="utf-8", errors="replace") as f:
            head = f.read(4096)
    except OSError:
        return False
    return any(line.strip().lower() == "model: emotion2vec" for line in head.splitlines())


def _rank(path: Path) -> tuple:
    name = str(path).lower()
    return (0 if "plus_large" in name else 1 if "plus_base" in name else 2 if "plus_seed" in name else 3, str(path))


def find_model_folders(root: str | os.PathLike, max_depth: int = MAX_DEPTH) -> list[Path]:
    """emotion2vec folders at or below ``root`` (large first, then base, seed, others). Symlinked folders (the
    Hugging Face snapshot layout) are followed; hidden folders other than the known caches are skipped."""
    root = Path(root).expanduser()
    if not root.is_dir():
        return []
    found: list[Path] = []
    seen: set[str] = set()

    def walk(p: Path, depth: int) -> None:
        try:
            real = str(p.resolve())
        except OSError:
            return
        if real in seen:
            return
        seen.add(real)
        if is_model_folder(p):
            found.append(p)
            return
        if depth >= max_depth:
            return
        try:
            children = sorted(c for c in p.iterdir() if c.is_dir())
        except OSError:
            return
        for c in children:
            if c.name.startswith(".") and c.name not in (".cache", ".locks") and depth > 0:
                continue
            walk(c, depth + 1)

    walk(root, 0)
    return sorted(found, key=_rank)


def cache_roots() -> list[Path]:
    """Where FunASR / ModelScope / Hugging Face keep downloaded models on this machine."""
    home = Path.home()
    out = []
    for env in ("MODELSCOPE_CACHE", "HF_HUB_CACHE", "HUGGINGFACE_HUB_CACHE"):
        if os.environ.get(env):
            out.append(Path(os.environ[env]))
    if os.environ.get("HF_HOME"):
        out.append(Path(os.environ["HF_HOME"]) / "hub")
    out += [home / ".cache" / "modelscope" / "hub", home / ".cache" / "huggingface" / "hub"]
    return [p for i, p in enumerate(out) if p not in out[:i]]


def asset_root() -> Path:
    import platformdirs

    from ...paths import APP_NAME

    return Path(platformdirs.user_data_dir(APP_NAME)) / "pretrained" / "emotion2vec"


@dataclass
class EmotionAssetState:
    name: str
    present: bool
    ok: bool
    path: str | None
    detail: str
    disables: str
    required: bool = False
    model_id: str | None = None
    source: str | None = None

    def to_dict(self) -> dict:
        return asdict(self)


def link(settings, path: str | os.PathLike | None) -> EmotionAssetState:
    """Find an emotion2vec folder at/below ``path`` (or in the usual caches), convert it, remember it."""
    from .weights import convert_folder

    roots = [Path(path).expanduser()] if path is not None else cache_roots()
    found = [f for r in roots for f in find_model_folders(r)]
    if not found:
        where = str(roots[0]) if path is not None else ", ".join(str(r) for r in roots)
        raise MissingAsset(f"No emotion2vec+ model folder (model.pt, config.yaml, tokens.txt) was found in {where}.",
                           hint="Download iic/emotion2vec_plus_base or emotion2vec_plus_large (ModelScope or Hugging Face) "
                           "on a machine with internet access, then 'timbrel assets link FOLDER'.")
    folder = found[0]
    asset = convert_folder(folder, asset_root())
    settings.set(SOURCE_SETTING, str(folder.resolve()))
    settings.set(ASSET_SETTING, str(asset.resolve()))
    return status(settings)


def unlink(settings) -> None:
    settings.set(SOURCE_SETTING, None)
    settings.set(ASSET_SETTING, None)


def status(settings) -> EmotionAssetState:
    from .weights import WEIGHTS_FILE, read_asset_meta

    asset = settings.get(ASSET_SETTING)
    source = settings.get(SOURCE_SETTING)
    if not asset:
        return EmotionAssetState("emotion2vec", False, False, None, "no emotion2vec+ folder linked", DISABLES,
                                 source=source)
    p = Path(asset)
    if not (p / WEIGHTS_FILE).is_file():
        return EmotionAssetState("emotion2vec", True, False, str(p), f"the converted model at {p} is gone; link the folder again",
                                 DISABLES, source=source)
    try:
        meta = read_asset_meta(p)
    except InvalidInput as exc:
        return EmotionAssetState("emotion2vec", True, False, str(p), exc.message, DISABLES, source=source)
    detail = f"{meta.get('variant')}, {meta.get('parameters', 0) / 1e6:.1f} M parameters"
    if source and not Path(source).is_dir():
        detail += " (the original folder is gone; the converted copy is used)"
    return EmotionAssetState("emotion2vec", True, True, str(p), detail, DISABLES, model_id=meta.get("model_id"),
                             source=source)


def asset_path(settings) -> Path | None:
    st = status(settings)
    return Path(st.path) if st.ok and st.path else None
