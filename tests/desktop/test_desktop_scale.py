"""Scale (issue #21): a 2,000-voice catalog opens in the library view and filters without loading every
voice's clips; the table receives rows lazily; another process's change is noticed (PRAGMA data_version);
the cluster map draws thousands of points as one item with distinct styles per cluster."""

from __future__ import annotations

import hashlib
import sqlite3

import numpy as np
import pytest
from PySide6.QtCore import Qt

from desktop_testutil import wait_idle

N_VOICES = 2000
CLIPS = 8


def fill_catalog(lib, n: int = N_VOICES, clips: int = CLIPS) -> None:
    """Synthetic rows straight into the catalog (no audio: the library list never reads it)."""
    now = "2026-01-01T00:00:00.000+00:00"
    voices, blobs, rows, tags = [], [], [], []
    for i in range(n):
        voices.append((i + 1, f"voice{i:04d}", "en", now, now))
        if i % 10 == 0:
            tags.append((i + 1, "narrator" if i % 20 == 0 else "robot"))
        for j in range(clips):
            sha = hashlib.sha256(f"{i}/{j}".encode()).hexdigest()
            blobs.append((sha, 1000, "clip", now))
            rows.append((i + 1, sha, "hello", "en", "happy" if j == 0 else "neutral", "import", 4.0 + j * 0.1, 16000, now))
    with lib.catalog.transaction() as c:
        c.executemany("INSERT INTO voices(id, name, language, notes, version, created_at, updated_at)"
                      " VALUES (?, ?, ?, '', 1, ?, ?)", voices)
        c.executemany("INSERT INTO blobs(sha256, size, kind, created_at) VALUES (?,?,?,?)", blobs)
        c.executemany("INSERT INTO clips(voice_id, sha256, transcript, language, emotion, emotion_source, duration,"
                      " sample_rate, created_at) VALUES (?,?,?,?,?,?,?,?,?)", rows)
        c.executemany("INSERT INTO voice_tags(voice_id, tag) VALUES (?, ?)", tags)


@pytest.fixture
def big(qtbot, window, monkeypatch):
    from engine.library.library import Library

    fill_catalog(window.engine.library)
    calls = {"voices": 0, "voice": []}
    real_voices, real_voice = Library.voices, Library.voice

    def voices(self):
        calls["voices"] += 1
        return real_voices(self)

    def voice(self, v):
        calls["voice"].append(v)
        return real_voice(self, v)

    monkeypatch.setattr(Library, "voices", voices)
    monkeypatch.setattr(Library, "voice", voice)
    window.calls = calls
    return window


def test_two_thousand_voices_open_and_filter_without_loading_clips(qtbot, big):
    from desktop.views.library import FETCH_ROWS

    win = big
    lib = win.library_view
    with qtbot.waitSignal(lib.voicesLoaded, timeout=60_000) as loaded:
        lib.refresh()
    assert loaded.args == [N_VOICES]
    model = lib.model
    assert len(model.rows) == N_VOICES
    assert model.rowCount() == FETCH_ROWS < N_VOICES          # the table got the first rows only
    row = model.rows[0]
    assert (row.name, row.clips, row.emotions) == ("voice0000", CLIPS, ("happy", "neutral"))
    assert row.seconds == pytest.approx(sum(4.0 + j * 0.1 for j in range(CLIPS)))
    # the list never built Voice objects with clips: no voices() call, and voice() only for the clip pane
    assert win.calls["voices"] == 0
    # scrolling to the end fetches the rest, a page at a time
    # scrolling to the end, painting every page, fetches the rest a page at a time (and does not abort: see
    # desktop/qtfix.py, a PySide6 reference-counting bug that painting 2,000 rows used to trigger)
    bar = lib.voices.verticalScrollBar()
    while bar.value() < bar.maximum() or model.canFetchMore():
        bar.setValue(bar.maximum() if not model.canFetchMore() else bar.value() + bar.pageStep())
        lib.voices.viewport().repaint()
        qtbot.wait(1)
        if bar.value() >= bar.maximum() and model.canFetchMore():
            model.fetchMore()
    assert model.rowCount() == N_VOICES
    # search as you type filters all 2,000 voices (names and tags), still without reading clips
    lib.search.setText("voice19")
    assert lib.voice_names() == [f"voice{i}" for i in range(1900, 2000)]
    lib.search.setText("narrator")
    assert len(lib.voice_names()) == N_VOICES // 20
    lib.search.setText("")
    assert len(lib.voice_names()) == N_VOICES
    # sorting by clip length keeps every voice and orders them
    lib.voices.sortByColumn(lib.model.COLUMNS.index("length"), Qt.SortOrder.DescendingOrder)
    assert len(model.rows) == N_VOICES
    # selecting a voice far down the list fetches up to it and loads that voice's clips only
    with qtbot.waitSignal(lib.clipsShown, timeout=30_000, check_params_cb=lambda n: n == "voice1777"):
        assert lib.select_voice("voice1777")
    assert lib.voice_title.text() == "voice1777" and lib.clip_table.rowCount() == CLIPS
    wait_idle(qtbot, win)
    assert win.calls["voices"] == 0
    assert len(win.calls["voice"]) <= 3        # the first voice shown at start and voice1777, never 2,000
    assert win.problems == []


def test_a_change_by_another_process_is_noticed(qtbot, window, tmp_path):
    lib_view = window.library_view
    with qtbot.waitSignal(lib_view.voicesLoaded, timeout=60_000):
        lib_view.refresh()
    assert lib_view.voice_names() == []
    lib_view.poll_changes()                       # remembers the current data_version
    other = sqlite3.connect(window.engine.library.root / "catalog.sqlite")   # "another process"
    other.execute("INSERT INTO voices(name, notes, version, created_at, updated_at)"
                  " VALUES ('from the CLI', '', 1, 'now', 'now')")
    other.commit()
    other.close()
    with qtbot.waitSignal(lib_view.voicesLoaded, timeout=30_000):
        lib_view.poll_changes()
    assert lib_view.voice_names() == ["from the CLI"]


def test_cluster_map_draws_thousands_of_points_in_one_item_with_distinct_styles(qtbot, window):
    from desktop.adapters import ClusterInfo, ClusterPoint
    from desktop.views.clustermap import LOD_POINTS, PointCloud, display_names, style_of

    view = window.cluster_view
    rng = np.random.default_rng(0)
    n, k = 3000, 40
    clusters = [ClusterInfo(c * 3 + 1, f"cluster {c * 3 + 1}" if c % 2 else f"名字{c}", n // k) for c in range(k)]
    points = [ClusterPoint(f"v{i}", float(rng.normal()), float(rng.normal()), clusters[i % k].id, i % 97 == 0)
              for i in range(n)]
    with qtbot.waitSignal(view.loaded, timeout=30_000):
        view._show((points, clusters))
    assert n > LOD_POINTS and view.dots == {}
    clouds = [i for i in view.scene.items() if isinstance(i, PointCloud)]
    assert len(clouds) == 1 and len(clouds[0].xy) == n
    image = view.view.grab()
    assert not image.isNull()
    # 40 clusters, 40 different (colour, marker) pairs: nothing repeats from cluster 9 (or 19) on
    styles = {(style_of(r)[0].name(), style_of(r)[1]) for r in range(k)}
    assert len(styles) == k
    # default labels "cluster N" are shown as groups; the user's names stay
    names = display_names(clusters)
    assert names[clusters[0].id] == "名字0" and names[clusters[1].id] == "Group B"
    assert "cluster 4" not in view.legend.text()
    # a click on a point picks its voice
    i = 123
    picked = []
    view.view.picked.connect(picked.append)
    pos = view.view.mapFromScene(*clouds[0].xy[i])
    qtbot.mouseClick(view.view.viewport(), Qt.MouseButton.LeftButton, pos=pos)
    assert picked and view.voice_box.currentText() == points[picked[0]].voice


def test_cluster_map_labels_do_not_overlap(qtbot, window):
    from PySide6.QtWidgets import QGraphicsSimpleTextItem

    from desktop.adapters import ClusterInfo, ClusterPoint

    view = window.cluster_view
    clusters = [ClusterInfo(1, "cluster 1", 11), ClusterInfo(4, "cluster 4", 10)]
    # 21 voices bunched together (as a real map often is)
    points = [ClusterPoint(f"en_voice_{i:02d}", 0.01 * (i % 5), 0.01 * (i // 5), 1 if i < 11 else 4)
              for i in range(21)]
    with qtbot.waitSignal(view.loaded, timeout=30_000):
        view._show((points, clusters))
    labels = [i for i in view.scene.items() if isinstance(i, QGraphicsSimpleTextItem)]
    rects = [l.sceneBoundingRect() for l in labels]
    for a in range(len(rects)):
        for b in range(a + 1, len(rects)):
            assert not rects[a].intersects(rects[b]), (labels[a].text(), labels[b].text())
    texts = {l.text() for l in labels}
    assert {"Group A", "Group B"} <= texts and not any(t.startswith("cluster ") for t in texts)
    # no label is drawn over a dot (its own or another's)
    dots = [d.sceneBoundingRect() for d in view.dots.values()]
    assert len(dots) == 21
    for label, rect in zip(labels, rects):
        for dot in dots:
            assert not rect.intersects(dot), (label.text(), dot)
    # most voices keep their name on the map; a hidden one is still named by its dot's tooltip
    assert len(texts & {p.voice for p in points}) >= 15
    assert all(view.dots[p.voice].toolTip() == p.voice for p in points)


def test_cluster_map_labels_avoid_points_in_a_tight_bunch(qtbot, window):
    """Voices almost on top of each other: labels that find no free place are hidden, never drawn over a dot."""
    from PySide6.QtWidgets import QGraphicsSimpleTextItem

    from desktop.adapters import ClusterInfo, ClusterPoint

    view = window.cluster_view
    clusters = [ClusterInfo(i, f"cluster {i}", 1) for i in range(1, 9)]
    rng = np.random.default_rng(3)
    points = [ClusterPoint(f"zh_espeak_voice_{i}", float(x), float(y), 1 + i % 8)
              for i, (x, y) in enumerate(rng.normal(size=(12, 2)) * [1.0, 1.0])]
    points += [ClusterPoint(f"cs_festival_near_{i}", 0.02 * i, 0.02 * i, 1 + i % 8) for i in range(6)]
    with qtbot.waitSignal(view.loaded, timeout=30_000):
        view._show((points, clusters))
    labels = [i for i in view.scene.items() if isinstance(i, QGraphicsSimpleTextItem)]
    rects = [l.sceneBoundingRect() for l in labels]
    dots = [d.sceneBoundingRect() for d in view.dots.values()]
    for a, ra in enumerate(rects):
        assert not any(ra.intersects(d) for d in dots), labels[a].text()
        assert not any(ra.intersects(rb) for rb in rects[a + 1:]), labels[a].text()
    texts = {l.text() for l in labels}
    assert texts < {p.voice for p in points} | {view.names[c.id] for c in clusters}
    assert len(texts & {p.voice for p in points}) < len(points)      # the bunch cannot all be named
    assert len(texts) > 8


def test_opening_builds_only_the_library_and_the_other_tabs_on_first_show(qtbot, window):
    """At start only the library (and the soundboard, for hotkeys and 'timbrel trigger') exist; a tab's view is
    built, put in its place and loaded when it is first shown, and the rest of the start-up work waits for the
    library's voices."""
    win = window
    lazy = ("cluster", "grid", "bases", "speak", "monitor")
    assert all(win.lazy.built_view(n) is None for n in (*lazy, "evaluation"))
    with qtbot.waitSignal(win.library_view.voicesLoaded, timeout=60_000):
        win.start()
    wait_idle(qtbot, win)
    qtbot.waitUntil(lambda: win.auto_evaluation is not None, timeout=30_000)   # started on a worker, with the app
    assert all(win.lazy.built_view(n) is None for n in (*lazy, "evaluation"))
    index = win.lazy.index_of("cluster")
    with qtbot.waitSignal(win.lazy.built, timeout=10_000) as built:
        win.tabs.setCurrentIndex(index)
    assert built.args[0] == "cluster"
    view = win.lazy.built_view("cluster")
    assert win.tabs.widget(index) is view and win.tabs.currentIndex() == index
    assert win.tabs.tabText(index) == "Cluster map"
    wait_idle(qtbot, win)
    assert view.info.text()          # loaded on first show ("No voice has been analysed yet…")
    # asking the window for a view builds it without showing it; the evaluation tab takes over the running
    # automatic evaluation
    speak = win.speak_view
    assert win.lazy.built_view("speak") is speak and win.tabs.currentIndex() == index
    assert win.evaluation_view.auto is win.auto_evaluation
    wait_idle(qtbot, win)
    assert win.problems == []


def test_clusters_fill_the_voice_table_after_the_voices(qtbot, window):
    """The voices show first; their clusters arrive in a second read and fill the column in place (the selection
    stays), and the search finds voices by cluster name then."""
    from engine.analysis.results import ClusterInfo as EngineCluster

    fill_catalog(window.engine.library, n=30, clips=2)
    clusters = [EngineCluster(1, "Warm", tuple(f"voice{i:04d}" for i in range(0, 30, 2)), pinned=("voice0000",)),
                EngineCluster(2, "cluster 2", tuple(f"voice{i:04d}" for i in range(1, 30, 2)))]
    window.engine.analysis.clusters = lambda: clusters        # the engine's answer, without clustering audio here
    lib = window.library_view
    with qtbot.waitSignal(lib.clustersLoaded, timeout=60_000) as filled:
        with qtbot.waitSignal(lib.voicesLoaded, timeout=60_000):
            lib.refresh()
        assert all(r.cluster_id is None for r in lib.model.rows)
        lib.select_voice("voice0003")
    assert filled.args == [30]
    col = lib.model.COLUMNS.index("cluster")
    by = {r.name: r for r in lib.model.rows}
    assert by["voice0000"].cluster_label == "Warm" and by["voice0000"].pinned
    assert by["voice0003"].cluster_label == "Group B"               # the cluster map's name for a default label
    assert lib.model.index(0, col).data() == "Warm 📌"
    assert lib.current_voice == "voice0003" and lib.voices.currentIndex().row() == 3
    lib.search.setText("group b")
    assert lib.voice_names() == [f"voice{i:04d}" for i in range(1, 30, 2)]
    lib.search.setText("group b voice001")            # narrowing the search keeps searching the same rows
    assert lib.voice_names() == []
    lib.search.setText("voice001")
    assert lib.voice_names() == [f"voice{i:04d}" for i in range(10, 20)]
    wait_idle(qtbot, window)
