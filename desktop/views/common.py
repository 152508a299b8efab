"""Small pieces shared by the views."""

from __future__ import annotations

from typing import Any


class CancelFlag:
    """Handed to engine calls as ``cancel=``: callable (``cancel()`` → bool) and Event-like (``is_set()``)."""

    def __init__(self, task) -> None:
        self.task = task

    def __call__(self) -> bool:
        return self.task.is_cancelled()

    def is_set(self) -> bool:
        return self.task.is_cancelled()

    def __bool__(self) -> bool:  # pragma: no cover - guard against `if cancel:` misuse
        return True


def progress_adapter(task):
    """A ``progress=`` callback accepting the shapes engine parts use: (done, total[, text]), keywords, or an object."""
    def report(*args: Any, **kw: Any) -> None:
        if args and not isinstance(args[0], (int, float)):
            obj = args[0]
            get = obj.get if isinstance(obj, dict) else (lambda k, d=None: getattr(obj, k, d))
            done, total = get("done", 0), get("total", 0)
            text = get("path", None) or get("text", None) or get("message", "") or ""
        else:
            done = args[0] if len(args) > 0 else kw.get("done", 0)
            total = args[1] if len(args) > 1 else kw.get("total", 0)
            text = args[2] if len(args) > 2 else (kw.get("path") or kw.get("text") or kw.get("message") or "")
        task.progress(int(done or 0), int(total or 0), str(text))
    return report


class Latest:
    """Keeps only the newest of overlapping loads: loads run on a pool of threads and can finish out of order,
    so a view wraps each load's ``on_done`` and results that a newer load superseded are dropped."""

    def __init__(self) -> None:
        self.n = 0

    def wrap(self, fn):
        self.n += 1
        token = self.n

        def deliver(result) -> None:
            if token == self.n:
                fn(result)
        return deliver
