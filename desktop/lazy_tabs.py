"""Tabs whose views are built the first time they are needed (shown, or used by the window), so opening the app
builds only the tab on screen: a placeholder holds each other tab's place until then. ``build_view`` builds the
main window's views."""

from __future__ import annotations

from typing import Callable

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QTabWidget, QWidget


class LazyTabs(QObject):
    built = Signal(str, object)          # tab name, its view (just built)

    def __init__(self, tabs: QTabWidget, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.tabs = tabs
        self._factories: dict[str, Callable[[], QWidget]] = {}
        self._pages: dict[str, QWidget] = {}          # name → the placeholder, then the view
        self._views: dict[str, QWidget] = {}
        self._titles: dict[str, str] = {}

    def add(self, name: str, title: str, factory: Callable[[], QWidget], *, now: bool = False) -> None:
        """A tab built by ``factory()`` on first use (``now``: at once)."""
        self._factories[name] = factory
        self._titles[name] = title
        page = QWidget()
        self._pages[name] = page
        self.tabs.addTab(page, title)
        if now:
            self.view(name)

    def view(self, name: str) -> QWidget:
        """The tab's view, built (and put in its place) if it was not yet."""
        view = self._views.get(name)
        if view is not None:
            return view
        view = self._factories[name]()
        self._views[name] = view
        placeholder = self._pages[name]
        index = self.tabs.indexOf(placeholder)
        current = self.tabs.currentIndex()
        blocked = self.tabs.blockSignals(True)     # swapping a page is not the user changing tabs
        self.tabs.removeTab(index)
        self.tabs.insertTab(index, view, self._titles[name])
        self.tabs.setCurrentIndex(current)
        self.tabs.blockSignals(blocked)
        self._pages[name] = view
        placeholder.deleteLater()
        self.built.emit(name, view)
        return view

    def built_view(self, name: str) -> QWidget | None:
        """The tab's view if it was built, else None (never builds)."""
        return self._views.get(name)

    def name_at(self, index: int) -> str | None:
        page = self.tabs.widget(index)
        return next((n for n, p in self._pages.items() if p is page), None)

    def index_of(self, name: str) -> int:
        return self.tabs.indexOf(self._pages[name])


def build_view(window, name: str) -> QWidget:
    """The main window's view ``name``, built with what it needs from the window (its module imported now)."""
    ctx = window.ctx
    if name == "cluster":
        from .views.clustermap import ClusterMapView

        view = ClusterMapView(ctx)
        view.follow_voice(window.library_view.current_voice)
        return view
    if name == "grid":
        from .views.grid import GridView

        return GridView(ctx)
    if name == "evaluation":
        from .views.evaluation import EvaluationView

        view = EvaluationView(ctx)
        if window.auto_evaluation is not None:      # started with the app, on a worker
            view.adopt_auto(window.auto_evaluation)
        return view
    if name == "bases":
        from .views.bases import BasesView

        return BasesView(ctx)
    if name == "speak":
        from .views.speak import SpeakView

        view = SpeakView(ctx)
        view.follow_voice(window.library_view.current_voice)
        view.refresh_voices()
        return view
    if name == "monitor":
        from .views.monitor import MonitorView

        return MonitorView(ctx)
    raise KeyError(name)

