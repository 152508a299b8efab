"""Registry of timbre encoders.

``get_encoder(name, device)`` returns a :class:`TimbreEncoder`; ``None`` means the default (``ge2e``, the
GE2E d-vector whose weights ship in the Resemblyzer wheel). ``mfcc`` is a weight-free baseline.

A second encoder plugs in with :func:`register_encoder` and a factory ``factory(device=..., engine=...,
**options) -> TimbreEncoder`` (or a ``"module:attr"`` path, imported only when asked for). The GPT-SoVITS
v2Pro speaker-verification net (ERes2NetV2) is registered so as ``eres2netv2``: the network is the backends
work's (``engine.backends.gptsovits.pretrained.load_sv``), :mod:`.eres2netv2` adapts it and finds
``sv/pretrained_eres2netv2w24s4ep4.ckpt`` through ``engine.assets`` (``timbrel assets link``).
"""

from __future__ import annotations

import importlib
from typing import Callable, Union

from ...errors import InvalidInput, MissingAsset
from .base import TimbreEncoder, l2_normalize

DEFAULT_ENCODER = "ge2e"

Factory = Callable[..., TimbreEncoder]
_REGISTRY: dict[str, Union[str, Factory]] = {
    "ge2e": "engine.analysis.encoders.ge2e:GE2EEncoder",
    "mfcc": "engine.analysis.encoders.mfcc:MFCCStatsEncoder",
    "eres2netv2": "engine.analysis.encoders.eres2netv2:ERes2NetV2Encoder",
}


def register_encoder(name: str, factory: Union[str, Factory]) -> None:
    """Add (or replace) an encoder: ``factory`` is a callable ``(device) -> TimbreEncoder`` or ``"module:attr"``."""
    _REGISTRY[name] = factory


def available_encoders() -> list[str]:
    return sorted(_REGISTRY)


def _resolve(factory: Union[str, Factory], name: str) -> Factory:
    if callable(factory):
        return factory
    module, _, attr = factory.partition(":")
    try:
        mod = importlib.import_module(module)
        return getattr(mod, attr)
    except (ImportError, AttributeError) as exc:
        raise MissingAsset(
            f"The timbre encoder '{name}' is not available in this installation ({exc}).",
            hint="Use the default encoder (ge2e), or link the assets it needs with 'timbrel assets'.",
        ) from exc


def _accepted(factory: Factory, options: dict) -> dict:
    """The options a factory takes (a plain ``factory(device)`` still works when the service passes engine=...)."""
    import inspect

    try:
        params = inspect.signature(factory).parameters
    except (TypeError, ValueError):
        return options
    if any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params.values()):
        return options
    return {k: v for k, v in options.items() if k in params}


def get_encoder(name: str | None = None, device: str | None = "cpu", **options) -> TimbreEncoder:
    """Load encoder ``name``; ``options`` (e.g. ``engine=``, ``path=``) go to its factory."""
    name = name or DEFAULT_ENCODER
    if name not in _REGISTRY:
        raise InvalidInput(f"There is no timbre encoder called '{name}'.", hint="Choose one of: " + ", ".join(available_encoders()))
    factory = _resolve(_REGISTRY[name], name)
    enc = factory(device=device, **_accepted(factory, options))
    if not isinstance(enc, TimbreEncoder) or not enc.id or not enc.version:
        raise MissingAsset(f"The timbre encoder '{name}' did not load correctly (no id or version).")
    return enc


__all__ = ["TimbreEncoder", "l2_normalize", "get_encoder", "register_encoder", "available_encoders", "DEFAULT_ENCODER"]
