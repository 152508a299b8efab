"""The emotion2vec+ architecture as read from a FunASR ``config.yaml`` (+ ``tokens.txt``).

Only the fields inference depends on are read; every field whose value would change the computation in a
way this implementation does not follow (pre-LN blocks, no ALiBi, a different extractor...) is rejected
with a clear error instead of being silently ignored. Dropout, masking, EMA and decoder fields do nothing
at inference and are not read.
"""

from __future__ import annotations

import ast
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from ...errors import InvalidInput

SAMPLE_RATE = 16000


@dataclass(frozen=True)
class E2VConfig:
    embed_dim: int
    num_heads: int
    depth: int                       # main blocks
    prenet_depth: int                # context-encoder blocks
    mlp_ratio: float
    conv_spec: tuple[tuple[int, int, int], ...]   # (channels, kernel, stride) per feature-extractor layer
    num_alibi_heads: int
    num_extra_tokens: int
    conv_pos_depth: int
    conv_pos_width: int
    conv_pos_groups: int
    normalize: bool = True
    norm_eps: float = 1e-5
    labels: tuple[str, ...] = field(default_factory=tuple)

    @property
    def conv_dim(self) -> int:
        return self.conv_spec[-1][0]

    @property
    def pos_kernel(self) -> int:
        return max(3, self.conv_pos_width // self.conv_pos_depth)

    @property
    def receptive_field(self) -> int:
        """Samples one output frame needs (400 for the published spec)."""
        rf, jump = 1, 1
        for _, k, s in self.conv_spec:
            rf += (k - 1) * jump
            jump *= s
        return rf

    @property
    def hop(self) -> int:
        """Samples between frames (320 for the published spec: 50 frames per second)."""
        h = 1
        for _, _, s in self.conv_spec:
            h *= s
        return h

    def frames(self, samples: int) -> int:
        """Frames the extractor produces for ``samples`` 16 kHz samples (0 when too short)."""
        n = samples
        for _, k, s in self.conv_spec:
            if n < k:
                return 0
            n = (n - k) // s + 1
        return n

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["conv_spec"] = [list(t) for t in self.conv_spec]
        d["labels"] = list(self.labels)
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "E2VConfig":
        d = dict(d)
        d["conv_spec"] = tuple(tuple(int(v) for v in t) for t in d["conv_spec"])
        d["labels"] = tuple(d.get("labels", ()))
        return cls(**d)


def _const(node: ast.AST) -> Any:
    """Evaluate the tiny expression language of ``feature_encoder_spec`` (lists/tuples of ints, + and *)."""
    if isinstance(node, ast.Expression):
        return _const(node.body)
    if isinstance(node, ast.Constant) and isinstance(node.value, int) and not isinstance(node.value, bool):
        return node.value
    if isinstance(node, (ast.List, ast.Tuple)):
        items = [_const(e) for e in node.elts]
        return items if isinstance(node, ast.List) else tuple(items)
    if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Add, ast.Mult)):
        left, right = _const(node.left), _const(node.right)
        if isinstance(node.op, ast.Mult) and isinstance(left, int) and isinstance(right, int):
            return left * right
        if isinstance(node.op, ast.Mult) and isinstance(right, int) and isinstance(left, list) and 0 <= right <= 64:
            return left * right
        if isinstance(node.op, ast.Add) and isinstance(left, list) and isinstance(right, list):
            return left + right
    raise ValueError("unsupported expression")


def parse_conv_spec(text: str) -> tuple[tuple[int, int, int], ...]:
    """``'[(512, 10, 5)] + [(512, 3, 2)] * 4 + ...'`` → tuple of (channels, kernel, stride), never ``eval``."""
    try:
        value = _const(ast.parse(str(text), mode="eval"))
        spec = tuple(tuple(int(v) for v in t) for t in value)
        if not spec or any(len(t) != 3 or min(t) <= 0 for t in spec):
            raise ValueError("bad layer")
    except (SyntaxError, ValueError, TypeError, RecursionError) as exc:
        raise InvalidInput(f"feature_encoder_spec {text!r} is not a list of (channels, kernel, stride) layers.",
                           hint="Use the config.yaml that came with the model.") from exc
    return spec


# field → the only value this implementation computes correctly
_REQUIRED = {
    "layer_norm_first": False,
    "use_alibi_encoder": True,
    "learned_alibi": False,
    "learned_alibi_scale_per_layer": False,
    "conv_pos_pre_ln": False,
    "extractor_mode": "layer_norm",
    "norm_affine": True,
}


MAX_TEXT_BYTES = 1 << 20      # config.yaml is ~5.5 kB, tokens.txt 119 bytes: anything this big is not one


def _read_text(path: Path) -> str:
    from ...fsutil import read_bounded

    return read_bounded(path, MAX_TEXT_BYTES).decode("utf-8")


def read_tokens(path: Path) -> tuple[str, ...]:
    try:
        text = _read_text(path)
    except (OSError, UnicodeDecodeError) as exc:
        raise InvalidInput(f"Cannot read the labels file {path} ({exc}).",
                           hint="Use the tokens.txt that came with the model.") from exc
    labels = tuple(line.strip() for line in text.splitlines() if line.strip())
    if not labels:
        raise InvalidInput(f"The labels file {path} is empty.", hint="Use the tokens.txt that came with the model.")
    return labels


def config_from_yaml(data: dict[str, Any], labels: tuple[str, ...], where: str = "config.yaml") -> E2VConfig:
    """Build an :class:`E2VConfig` from a parsed FunASR ``config.yaml`` mapping."""
    if not isinstance(data, dict) or str(data.get("model", "")).lower() != "emotion2vec":
        raise InvalidInput(f"{where} does not describe an emotion2vec model (model: {data.get('model') if isinstance(data, dict) else None!r}).",
                           hint="Link an emotion2vec+ folder (emotion2vec_plus_base or emotion2vec_plus_large).")
    conf = data.get("model_conf") or {}
    audio = ((conf.get("modalities") or {}).get("audio")) or {}
    if not audio:
        raise InvalidInput(f"{where} has no model_conf.modalities.audio section.",
                           hint="Use the config.yaml that came with the model.")
    merged = {**conf, **audio}

    def get(key: str, kind):
        if key not in merged or merged[key] is None:
            raise InvalidInput(f"{where} lacks the field '{key}'.", hint="Use the config.yaml that came with the model.")
        try:
            return kind(merged[key])
        except (TypeError, ValueError) as exc:
            raise InvalidInput(f"{where}: field '{key}' = {merged[key]!r} is not a {kind.__name__}.") from exc

    for key, want in _REQUIRED.items():
        have = merged.get(key, want)
        if have != want:
            raise InvalidInput(f"{where}: {key} = {have!r} is not supported (emotion2vec+ uses {want!r}).",
                               hint="Timbrel runs the emotion2vec+ releases (plus_seed/base/large); this folder holds a different variant.")
    if audio.get("alibi_max_pos") not in (None, "null"):
        raise InvalidInput(f"{where}: alibi_max_pos = {audio.get('alibi_max_pos')!r} is not supported (emotion2vec+ uses none).")
    cfg = E2VConfig(
        embed_dim=get("embed_dim", int), num_heads=get("num_heads", int), depth=get("depth", int),
        prenet_depth=get("prenet_depth", int), mlp_ratio=get("mlp_ratio", float),
        conv_spec=parse_conv_spec(get("feature_encoder_spec", str)), num_alibi_heads=get("num_alibi_heads", int),
        num_extra_tokens=get("num_extra_tokens", int), conv_pos_depth=get("conv_pos_depth", int),
        conv_pos_width=get("conv_pos_width", int), conv_pos_groups=get("conv_pos_groups", int),
        normalize=bool(conf.get("normalize", True)), norm_eps=float(conf.get("norm_eps", 1e-5)), labels=labels)
    if cfg.embed_dim % cfg.num_heads:
        raise InvalidInput(f"{where}: embed_dim {cfg.embed_dim} is not divisible by num_heads {cfg.num_heads}.")
    if cfg.num_alibi_heads != cfg.num_heads:
        raise InvalidInput(f"{where}: num_alibi_heads {cfg.num_alibi_heads} differs from num_heads {cfg.num_heads}.",
                           hint="emotion2vec+ uses one ALiBi slope per attention head.")
    if cfg.embed_dim % cfg.conv_pos_groups:
        raise InvalidInput(f"{where}: embed_dim {cfg.embed_dim} is not divisible by conv_pos_groups {cfg.conv_pos_groups}.")
    return cfg


def load_config(folder: Path) -> E2VConfig:
    """Read ``config.yaml`` and ``tokens.txt`` of a FunASR emotion2vec folder."""
    import yaml

    path = folder / "config.yaml"
    if not path.exists():
        raise InvalidInput(f"{folder} has no config.yaml.", hint="Give the emotion2vec+ model folder itself.")
    try:
        data = yaml.safe_load(_read_text(path))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise InvalidInput(f"{path} cannot be read as YAML ({exc}).", hint="Use the config.yaml that came with the model.") from exc
    tokens = folder / "tokens.txt"
    if not tokens.is_file():
        raise InvalidInput(f"{folder} has no tokens.txt (the emotion labels).", hint="Give the emotion2vec+ model folder itself.")
    return config_from_yaml(data, read_tokens(tokens), str(path))
