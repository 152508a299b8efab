"""Global hotkeys (work while another app has the focus), where the platform allows them.

Uses pynput: XRecord on X11, a low-level keyboard hook on Windows, Quartz on
macOS (the app needs Accessibility / Input Monitoring permission there).
Not possible on Wayland: compositors do not let apps watch the keyboard
(pynput would only see XWayland windows). There, and wherever
:func:`global_hotkey_support` says no, bind ``timbrel trigger CUE`` in the
desktop's own keyboard-shortcut settings instead.

Hotkeys are written in Qt's portable notation (``Ctrl+Alt+H``, ``F9``); they
are converted to pynput's (``<ctrl>+<alt>+h``). The pynput callback runs on
pynput's thread and only emits :attr:`GlobalHotkeys.activated`; since this
object lives on the GUI thread, connected methods of GUI objects run there.
"""

from __future__ import annotations

import logging
import os
import sys
import threading

from PySide6.QtCore import QCoreApplication, QObject, Signal

log = logging.getLogger(__name__)

_MODIFIERS = {"ctrl": "<ctrl>", "control": "<ctrl>", "alt": "<alt>", "shift": "<shift>",
              "meta": "<cmd>", "win": "<cmd>", "super": "<cmd>", "cmd": "<cmd>"}
_NAMED = {
    "space": "<space>", "tab": "<tab>", "return": "<enter>", "enter": "<enter>", "esc": "<esc>", "escape": "<esc>",
    "backspace": "<backspace>", "del": "<delete>", "delete": "<delete>", "ins": "<insert>", "insert": "<insert>",
    "home": "<home>", "end": "<end>", "pgup": "<page_up>", "pgdown": "<page_down>", "left": "<left>",
    "right": "<right>", "up": "<up>", "down": "<down>", "pause": "<pause>", "print": "<print_screen>",
    "menu": "<menu>",
}


def to_pynput(sequence: str) -> str:
    """``Ctrl+Alt+H`` → ``<ctrl>+<alt>+h``. Raises ValueError for keys pynput cannot name or a missing main key."""
    text = (sequence or "").strip()
    if not text:
        raise ValueError("empty hotkey")
    if "," in text:
        raise ValueError("a global hotkey is one key combination (no key sequences)")
    parts = [p for p in text.replace("++", "+plus").split("+") if p]
    out: list[str] = []
    main = None
    for raw in parts:
        key = raw.strip().lower()
        if key in _MODIFIERS:
            out.append(_MODIFIERS[key])
            continue
        if main is not None:
            raise ValueError(f"'{sequence}' has more than one main key")
        if key == "plus":
            main = "+"
        elif len(key) == 1 and key.isprintable():
            main = key
        elif key.startswith("f") and key[1:].isdigit() and 1 <= int(key[1:]) <= 20:
            main = f"<{key}>"
        elif key in _NAMED:
            main = _NAMED[key]
        else:
            raise ValueError(f"'{raw}' cannot be used in a global hotkey")
    if main is None:
        raise ValueError(f"'{sequence}' has no main key (only modifiers)")
    return "+".join(out + [main])


def global_hotkey_support() -> tuple[bool, str]:
    """(supported, reason). Checks the session type and whether pynput can be loaded, without starting anything."""
    if sys.platform.startswith("linux") or "bsd" in sys.platform:
        session = os.environ.get("XDG_SESSION_TYPE", "").lower()
        if session == "wayland" or (os.environ.get("WAYLAND_DISPLAY") and not os.environ.get("DISPLAY")):
            return False, QCoreApplication.translate(
                "GlobalHotkeys",
                "Global hotkeys are not possible on Wayland. Bind 'timbrel trigger CUE' in your desktop's keyboard shortcut settings instead.")
        if not os.environ.get("DISPLAY"):
            return False, QCoreApplication.translate("GlobalHotkeys", "Global hotkeys need an X11 display (DISPLAY is not set).")
    try:
        from pynput import keyboard  # noqa: F401,PLC0415 - heavy and platform specific: only on demand
    except Exception as exc:  # ImportError, or Xlib failing to reach the display
        return False, QCoreApplication.translate("GlobalHotkeys", "Global hotkeys are unavailable: pynput cannot be loaded (%1).").replace("%1", str(exc))
    return True, ""


class GlobalHotkeys(QObject):
    """Binds hotkey → cue name with pynput; emits :attr:`activated` with the cue name.

    One keyboard listener is started on the first binding and kept for the life of the app;
    changing bindings swaps the matchers in place. (Stopping an X11 XRecord listener blocks
    until the next key event arrives, so it is stopped once, at exit, without waiting for it:
    its thread is a daemon.)
    """

    activated = Signal(str)
    failed = Signal(str)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._listener = None
        self._lock = threading.Lock()
        self._matchers: list = []
        self.bindings: dict[str, str] = {}
        self.reason = ""
        self.rejected: dict[str, str] = {}

    @property
    def active(self) -> bool:
        return self._listener is not None and bool(self.bindings)

    def set_bindings(self, bindings: dict[str, str]) -> bool:
        """Replace every binding (Qt hotkey text → cue name). Returns False (see :attr:`reason`) when unsupported."""
        self.rejected = {}
        mapping: dict[str, str] = {}
        for hotkey, cue in bindings.items():
            try:
                mapping[to_pynput(hotkey)] = cue
            except ValueError as exc:
                self.rejected[hotkey] = str(exc)
        if not mapping:
            with self._lock:
                self._matchers = []
            self.bindings = {}
            return True
        ok, reason = global_hotkey_support()
        if not ok:
            self.reason = reason
            self.bindings = {}
            return False
        from pynput import keyboard  # noqa: PLC0415

        def make(cue_name: str):
            return lambda: self.activated.emit(cue_name)   # pynput thread → queued to GUI receivers

        matchers = [keyboard.HotKey(keyboard.HotKey.parse(combo), make(cue)) for combo, cue in mapping.items()]
        with self._lock:
            self._matchers = matchers
        if self._listener is None and not self._start(keyboard):
            self.bindings = {}
            return False
        self.bindings = {h: c for h, c in bindings.items() if h not in self.rejected}
        return True

    def _start(self, keyboard) -> bool:
        def forward(action: str):
            def handler(key) -> None:
                listener = self._listener
                if listener is None:
                    return
                canonical = listener.canonical(key)
                with self._lock:
                    matchers = list(self._matchers)
                for m in matchers:
                    getattr(m, action)(canonical)   # HotKey.press / HotKey.release
            return handler

        on_press, on_release = forward("press"), forward("release")

        try:
            listener = keyboard.Listener(on_press=on_press, on_release=on_release)
            listener.daemon = True
            listener.name = "pynput-hotkeys"
            self._listener = listener
            listener.start()
            listener.wait()   # returns once the platform hook is installed: hotkeys work from here on
        except Exception as exc:
            self._listener = None
            self.reason = QCoreApplication.translate("GlobalHotkeys", "Global hotkeys could not be started: %1").replace("%1", str(exc))
            self.failed.emit(self.reason)
            return False
        if sys.platform == "darwin" and not getattr(listener, "IS_TRUSTED", True):
            self.reason = QCoreApplication.translate(
                "GlobalHotkeys",
                "macOS has not allowed Timbrel to watch the keyboard: allow it under System Settings → Privacy & Security → Accessibility / Input Monitoring.")
        else:
            self.reason = ""
        return True

    def stop(self) -> None:
        """Stop listening (at exit). Does not wait for pynput's daemon thread (see the class docstring)."""
        with self._lock:
            self._matchers = []
        self.bindings = {}
        listener, self._listener = self._listener, None
        if listener is not None:
            listener.stop()
