"""The automatic re-evaluation (evaluate again after base and cluster changes): whether it runs, and starting it
on a worker when the app starts. No widgets here, so the window can start it without importing the Evaluation tab."""

from __future__ import annotations

SETTING = "ui.auto_evaluate"


def auto_evaluation_wanted(settings) -> bool:
    """Whether the automatic re-evaluation runs (the ``ui.auto_evaluate`` setting; on by default)."""
    value = settings.get(SETTING)
    return True if value is None else bool(value)


def start_auto_evaluation(ctx):
    """The automatic re-evaluation, started, or None when the setting turns it off (worker thread: creates the
    engine parts it uses and starts its thread there, so the window's start-up costs the GUI thread nothing)."""
    if not auto_evaluation_wanted(ctx.engine.settings):
        return None

    def evaluator(engine):
        for name in ("library", "analysis", "bases", "speech"):
            ctx.part(name)
        return engine.consolidation.evaluator()

    return ctx.part("consolidation").auto_evaluator(evaluator).start()
