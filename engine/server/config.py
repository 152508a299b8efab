"""Server settings (``ServerConfig``) and the bind-safety rule."""

from __future__ import annotations

import ipaddress
import os
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import InvalidInput

DEFAULT_PORT = 9880          # api_v2's port: existing clients find Timbrel where they found GPT-SoVITS


@dataclass
class ServerConfig:
    host: str = "127.0.0.1"
    port: int = DEFAULT_PORT
    token: str | None = None
    allow_control: bool = False
    allow_dirs: tuple[Path, ...] = ()
    max_text_chars: int = 5000          # per request
    max_body_bytes: int = 1 << 20       # request bodies (JSON); audio never comes in
    max_active: int = 64                # requests admitted (queued + running) before 429
    retry_after_s: int = 2              # floor of the Retry-After hint
    priority: str = "interactive"
    request_timeout_s: float | None = None   # give up on a request that has not started after this
    extra: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.allow_dirs = tuple(Path(os.path.expanduser(str(d))).resolve() for d in self.allow_dirs)
        for d in self.allow_dirs:
            if not d.is_dir():
                raise InvalidInput(f"--allow-dir {d} is not a folder.", hint="Give folders that exist.")
        if self.token is not None and not str(self.token).strip():
            self.token = None

    @property
    def url(self) -> str:
        host = self.host if ":" not in self.host else f"[{self.host}]"
        return f"http://{host}:{self.port}"


def is_loopback(host: str) -> bool:
    if host in ("localhost", "ip6-localhost"):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def check_bind(config: ServerConfig) -> None:
    """Refuse a non-loopback bind without a token: anyone on the network could otherwise use the GPU and read
    the voice library."""
    if not is_loopback(config.host) and not config.token:
        raise InvalidInput(
            f"Refusing to listen on {config.host} without a token: anyone who can reach this machine could use it.",
            hint="Add --token SECRET (clients then send 'Authorization: Bearer SECRET'), or listen on 127.0.0.1.")


__all__ = ["ServerConfig", "DEFAULT_PORT", "check_bind", "is_loopback"]
