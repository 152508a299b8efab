"""A plain ASGI guard in front of the FastAPI app: the bearer token and the request body cap, checked before
FastAPI sees the request (a refused request never reaches a route)."""

from __future__ import annotations

import hmac
import json
from typing import Callable

from .config import ServerConfig


class Guard:
    def __init__(self, app, config: ServerConfig, on_refuse: Callable[[str, int], None] | None = None) -> None:
        self.app = app
        self.config = config
        self.on_refuse = on_refuse

    async def _reply(self, send, status: int, payload: dict, headers: list | None = None) -> None:
        body = json.dumps(payload).encode()
        await send({"type": "http.response.start", "status": status,
                    "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
                    + (headers or [])})
        await send({"type": "http.response.body", "body": body})

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}
        token = self.config.token
        if token:
            got = headers.get("authorization", "")
            if not hmac.compare_digest(got.encode(), f"Bearer {token}".encode()):
                if self.on_refuse:
                    self.on_refuse(scope.get("path", ""), 401)
                return await self._reply(send, 401, {"message": "missing or wrong token",
                                                     "hint": "Send 'Authorization: Bearer TOKEN'."},
                                         [(b"www-authenticate", b"Bearer")])
        limit = self.config.max_body_bytes
        try:
            declared = int(headers.get("content-length", "0") or 0)
        except ValueError:
            declared = 0
        if declared > limit:
            if self.on_refuse:
                self.on_refuse(scope.get("path", ""), 413)
            return await self._reply(send, 413, {"message": f"request body over {limit} bytes"})
        # Read the whole body first (it is small: JSON under the cap), refusing it as soon as it is too big;
        # the app then gets it back in one message, and later receive() calls go to the client (disconnects).
        body = bytearray()
        if scope.get("method") in ("POST", "PUT", "PATCH"):
            while True:
                message = await receive()
                if message["type"] == "http.disconnect":
                    return
                body += message.get("body", b"")
                if len(body) > limit:
                    if self.on_refuse:
                        self.on_refuse(scope.get("path", ""), 413)
                    return await self._reply(send, 413, {"message": f"request body over {limit} bytes"})
                if not message.get("more_body", False):
                    break
        replayed = False

        async def replay():
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": bytes(body), "more_body": False}
            return await receive()

        await self.app(scope, replay, send)


__all__ = ["Guard"]
