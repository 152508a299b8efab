"""Case 2 — several processes on one library: real processes, started together."""

from __future__ import annotations

import json

from rel_helpers import env_for, no_traceback, spawn, write_wav


def test_twenty_concurrent_first_opens_all_succeed(tmp_path):
    lib = tmp_path / "new-library"          # does not exist yet: every process races to create it
    env = env_for()
    procs = [spawn(["--library", str(lib), "voices", "--json"], env) for _ in range(20)]
    results = [(p.wait(timeout=120), *p.communicate()) for p in procs]
    failures = [(rc, err) for rc, out, err in results if rc != 0 or json.loads(out) != []]
    assert not failures, failures[:3]
    assert all(no_traceback(err) for _, _, err in results)

    from engine.library import Library

    with Library.open(lib) as library:       # every migration applied exactly once
        names = [r[0] for r in library.catalog.query("SELECT name FROM schema_migrations ORDER BY name")]
        assert len(names) == len(set(names)) and names[0].startswith("0001")
        assert library.check().clean


def test_two_concurrent_imports_both_land(tmp_path):
    """Two imports into one (new) voice at the same time: neither half is lost."""
    lib = tmp_path / "lib"
    halves = []
    for h in range(2):
        folder = tmp_path / f"half{h}"
        for i in range(2):
            write_wav(folder / f"{h}{i}.wav", seed=10 * h + i + 1)
        halves.append(folder)
    env = env_for()
    procs = [spawn(["--library", str(lib), "import", str(f), "--voice", "Shared"], env) for f in halves]
    results = [(p.wait(timeout=120), *p.communicate()) for p in procs]
    assert all(rc == 0 for rc, _, _ in results), results
    assert all(no_traceback(err) for _, _, err in results)

    from engine.library import Library

    with Library.open(lib) as library:
        v = library.voice("Shared")
        assert len(v.clips) == 4, [c.source_path for c in v.clips]
        assert library.check().clean
