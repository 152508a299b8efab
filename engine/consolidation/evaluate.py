"""Evaluation: does a cluster's base serve each of its voices?

``Evaluator(engine).run(cluster=None, progress=None, cancel=None) -> EvaluationRun``

Per voice: a fixed set of test sentences is synthesized with the cluster's base and the voice's own
references (through ``engine.speech``, batch priority), the speech is embedded with the timbre encoder
(``engine.analysis.encoder()``), and compared (cosine) with the voice's own reference embedding
(``sim_own``) and with the cluster's other voices (``sim_others`` mean, ``margin`` = own − best other).

A voice is flagged when

* **move** — its references are closer to another cluster's centre than to its own cluster's (both
  centres leave the voice out): the proposal names that cluster;
* **poorly-served** — the speech sounds more like another voice of the cluster than like the voice itself
  (``margin < -MARGIN``), or ``sim_own`` is far below the cluster's typical value (median − ``drop``); such a
  voice is then tried with the other clusters' bases, and when one serves it better by more than ``MARGIN``
  the verdict becomes **move** to that cluster;
* **split** — a cluster where at least two flagged voices are closer to each other than to the rest gets
  a split proposal (the flagged group vs. the others).

Which base serves a voice is ``SpeechService.resolve_base`` — the one rule every screen uses (the cluster's base,
else the preview fallback). A voice served by the **preview** backend is not scored: preview speech is a stand-in
(eSpeak/Piper shaped towards the voice), not a clone, so its similarity is no verdict on any real base. Such clusters
are listed in ``EvaluationRun.previewed`` with a proposal to give them a real base.

Every run is recorded (``evaluation_runs`` / ``evaluations``) with the base version it used, so the app can
show drift over time. Runs are cancellable (``cancel``: a ``threading.Event``) and publish
``consolidation.progress`` events (stage ``evaluate``).
"""

from __future__ import annotations

import json
import threading
from dataclasses import asdict, dataclass, field
from typing import Any, Callable

import numpy as np

from ..errors import Cancelled, InvalidInput, NotFound
from ..library.catalog import utc_now

SENTENCES: dict[str, tuple[str, ...]] = {
    "en": ("The quick brown fox jumps over the lazy dog.",
           "Please call me back when you have a moment this afternoon.",
           "We walked along the river until the sun went down."),
    "zh": ("今天天气很好，我们去公园散步吧。", "请在下午有空的时候给我回电话。", "我们沿着河边一直走到太阳下山。"),
    "ja": ("きょうは とても いい てんきですね。", "ごごに じかんが あったら でんわして ください。", "わたしたちは かわぞいを あるきました。"),
}
DROP = 0.15          # "far below the cluster's typical similarity"
MARGIN = 0.05        # "sounds more like another voice": by more than this (near-duplicates stay within it)
SYNTH_TIMEOUT_S = 600.0

Progress = Callable[[int, int, str], None]


@dataclass
class VoiceEvaluation:
    voice: str
    voice_id: int
    cluster_id: int
    base: str
    base_version_id: int | None
    sim_own: float
    sim_others: float | None
    margin: float | None
    ref_fit: float | None            # the voice's references vs its cluster's centre (without it)
    flagged: bool = False
    verdict: str = "ok"
    proposal: dict = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class EvaluationRun:
    id: int
    created_at: str
    scope: str
    encoder: str
    voices: list[VoiceEvaluation]
    proposals: list[dict]
    previewed: dict[int, str] = field(default_factory=dict)   # cluster → preview base serving it (not scored)
    unserved: list[int] = field(default_factory=list)          # clusters nothing can speak for

    @property
    def flagged(self) -> list[VoiceEvaluation]:
        return [v for v in self.voices if v.flagged]

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "created_at": self.created_at, "scope": self.scope, "encoder": self.encoder,
                "voices": [v.to_dict() for v in self.voices], "flagged": [v.voice for v in self.flagged],
                "proposals": self.proposals, "previewed": {str(k): v for k, v in self.previewed.items()},
                "unserved": list(self.unserved)}


def _unit(v: np.ndarray) -> np.ndarray:
    v = np.asarray(v, dtype=np.float64)
    return v / (np.linalg.norm(v) + 1e-12)


class Evaluator:
    def __init__(self, engine, sentences: dict[str, tuple[str, ...]] | None = None, seed: int = 0, drop: float = DROP,
                 margin: float = MARGIN) -> None:
        self.engine = engine
        self.sentences = dict(sentences or SENTENCES)
        self.seed = int(seed)
        self.drop = float(drop)
        self.margin = float(margin)
        self._pending: dict[tuple, list[list]] = {}   # (voice id, base) → submitted handles, not yet collected

    # -- pieces -------------------------------------------------------------------------------------------------
    def _texts(self, voice) -> tuple[list[str], str]:
        lang = (voice.language or next((c.language for c in voice.clips if c.language), None) or "en").lower()
        if lang not in self.sentences:
            lang = "en"
        return list(self.sentences[lang]), lang

    def submit(self, voice, base) -> list:
        """Queue the test sentences of ``voice`` with ``base`` at once (batch priority): the scheduler orders them.
        :meth:`speech_embedding` collects them."""
        texts, lang = self._texts(voice)
        handles = [self.engine.speech.say(text, voice, language=lang, seed=self.seed + i, base=base, priority="batch")
                   for i, text in enumerate(texts)]
        self._pending.setdefault((voice.id, str(getattr(base, "name", base))), []).append(handles)
        return handles

    def _take(self, voice, base) -> list | None:
        queued = self._pending.get((voice.id, str(getattr(base, "name", base))))
        return queued.pop(0) if queued else None

    def cancel_pending(self) -> None:
        """Cancel everything submitted and not collected (a cancelled or failed run)."""
        pending, self._pending = self._pending, {}
        self._cancel_all(h for lists in pending.values() for h in lists)

    @staticmethod
    def _cancel_all(pending) -> None:
        for handles in pending:
            for h in handles:
                h.cancel()

    def speech_embedding(self, voice, base, cancel: threading.Event | None = None) -> np.ndarray:
        """Mean timbre embedding of the test sentences spoken by ``voice`` with ``base`` (collects what
        :meth:`submit` queued, else submits them now)."""
        enc = self.engine.analysis.encoder()
        handles = self._take(voice, base)
        if handles is None:
            self.submit(voice, base)
            handles = self._take(voice, base)
        vecs = []
        for i, handle in enumerate(handles):
            if cancel is not None and cancel.is_set():
                self._cancel_all([handles[i:]])
                raise Cancelled("Evaluation cancelled; the finished runs are kept.")
            try:
                chunk = handle.result(SYNTH_TIMEOUT_S)
            except BaseException:
                self._cancel_all([handles[i + 1:]])
                raise
            sr, audio = int(chunk.sample_rate), np.asarray(chunk.samples, dtype=np.float32)
            if audio.size == 0:
                raise InvalidInput(f"Base '{getattr(base, 'name', base)}' produced no audio for voice '{voice.name}'.")
            vecs.append(np.asarray(enc.embed(audio, sr), dtype=np.float64))
        return _unit(np.mean(np.stack(vecs), axis=0))

    def score_base(self, base, voices, cancel: threading.Event | None = None) -> float:
        """Mean similarity of ``voices`` synthesized with ``base`` to their own references (for choosing a base)."""
        an = self.engine.analysis
        voices = list(voices)
        for v in voices:   # everything queued at once
            self.submit(v, base)
        try:
            sims = [float(self.speech_embedding(v, base, cancel) @ _unit(an.voice_embedding(v))) for v in voices]
        finally:
            self.cancel_pending()
        if not sims:
            raise InvalidInput("There are no voices to score the base with.")
        return float(np.mean(sims))

    # -- a run --------------------------------------------------------------------------------------------------
    def run(self, cluster: int | None = None, progress: Progress | None = None, cancel: threading.Event | None = None) -> EvaluationRun:
        members, embs, sums = self._members(cluster)
        todo = [(cid, v) for cid, vs in members.items() if cluster is None or cid == int(cluster) for v in vs]
        bases = {cid: self.serving_base(members[cid]) for cid in {c for c, _ in todo}}
        unserved = sorted(cid for cid, rec in bases.items() if rec is None)
        previewed = {cid: rec.name for cid, rec in sorted(bases.items()) if rec is not None and rec.backend == "preview"}
        todo = [(cid, v) for cid, v in todo if cid not in previewed and bases[cid] is not None]
        # every synthesis of the run is queued at once, so the scheduler can order it (runs of one base, prefetch)
        for cid, voice in todo:
            self.submit(voice, bases[cid].name)
        try:
            results = self._evaluate(todo, bases, embs, members, sums, progress, cancel)
        finally:
            self.cancel_pending()
        self._progress(progress, len(todo), len(todo), "")
        self._judge(results)
        self._try_other_bases(results, members, embs, cancel)
        proposals = self._proposals(results, embs) + _cluster_proposals(members, unserved, previewed)
        run = self._record(cluster, results, proposals)
        run.previewed, run.unserved = previewed, unserved
        return run

    def _members(self, cluster: int | None):
        """Each cluster's voices (clusters in order), each voice's unit timbre vector, each cluster's vector sum."""
        an = self.engine.analysis
        lib = self.engine.library
        infos = an.clusters()
        if not infos:
            raise InvalidInput("There are no clusters to evaluate.", hint="Run 'timbrel analyze' and 'timbrel cluster' first.")
        if cluster is not None and all(i.id != int(cluster) for i in infos):
            raise NotFound(f"There is no cluster {cluster}.", hint="'timbrel cluster --show' lists them.")
        members = {i.id: [lib.voice(n) for n in i.voices] for i in infos}
        embs = {v.id: _unit(an.voice_embedding(v)) for vs in members.values() for v in vs}
        sums = {cid: np.sum([embs[v.id] for v in vs], axis=0) for cid, vs in members.items()}
        return members, embs, sums

    def serving_base(self, voices):
        """The base that serves a cluster's voices, by the one rule (``SpeechService.resolve_base``); None when
        nothing can speak for them."""
        from ..errors import TimbrelError

        if not voices:
            return None
        try:
            return self.engine.speech.resolve_base(voices[0])
        except TimbrelError:
            return None

    def _evaluate(self, todo, bases, embs, members, sums, progress, cancel) -> list[VoiceEvaluation]:
        from . import versions

        results: list[VoiceEvaluation] = []
        for n, (cid, voice) in enumerate(todo):
            self._progress(progress, n, len(todo), voice.name)
            rec = bases[cid]
            e_speech = self.speech_embedding(voice, rec.name, cancel)
            own = float(e_speech @ embs[voice.id])
            others = [u for u in members[cid] if u.id != voice.id]
            o_sims = [float(e_speech @ embs[u.id]) for u in others]
            ver = versions.current(self.engine, cid)
            res = VoiceEvaluation(voice.name, voice.id, cid, rec.name, None if ver is None else ver.id, round(own, 4),
                                  round(float(np.mean(o_sims)), 4) if o_sims else None,
                                  round(own - max(o_sims), 4) if o_sims else None, None)
            self._check_fit(res, embs[voice.id], members, sums)
            results.append(res)
        return results

    @staticmethod
    def _progress(progress, done, total, item) -> None:
        if progress is not None:
            progress(done, total, item)

    def _check_fit(self, res: VoiceEvaluation, emb: np.ndarray, members, sums) -> None:
        """Reference-level fit: the voice's cluster centre (without it) vs the other clusters' centres."""
        own_n = len(members[res.cluster_id]) - 1
        if own_n <= 0:
            return
        own_c = _unit(sums[res.cluster_id] - emb)
        res.ref_fit = round(float(emb @ own_c), 4)
        best, best_sim = None, res.ref_fit
        for cid, vs in members.items():
            if cid == res.cluster_id or not vs:
                continue
            s = float(emb @ _unit(sums[cid]))
            if s > best_sim:
                best, best_sim = cid, s
        if best is not None:
            res.flagged, res.verdict = True, "move"
            res.proposal = {"action": "move", "to_cluster": best, "similarity_there": round(best_sim, 4),
                            "similarity_here": res.ref_fit}

    def _judge(self, results: list[VoiceEvaluation]) -> None:
        by_cluster: dict[int, list[VoiceEvaluation]] = {}
        for r in results:
            by_cluster.setdefault(r.cluster_id, []).append(r)
        for rs in by_cluster.values():
            typical = float(np.median([r.sim_own for r in rs])) if len(rs) >= 3 else None
            for r in rs:
                if r.flagged:
                    continue
                low = typical is not None and r.sim_own < typical - self.drop
                worse = r.margin is not None and r.margin < -self.margin
                if worse or low:
                    r.flagged, r.verdict = True, "poorly-served"
                    why = "sounds more like another voice of the cluster" if worse \
                        else f"similarity {r.sim_own:.3f} is far below the cluster's typical {typical:.3f}"
                    r.proposal = {"action": "fine-tune or give the voice its own base", "why": why}

    def _try_other_bases(self, results: list[VoiceEvaluation], members, embs, cancel=None) -> None:
        """A poorly-served voice is synthesized with the other clusters' bases; if one serves it clearly better
        (by more than ``margin``) the proposal becomes a move to that cluster."""
        bases = {cid: self.serving_base(vs) for cid, vs in members.items()}
        bases = {cid: rec for cid, rec in bases.items() if rec is not None and rec.backend != "preview"}
        todo = []
        for r in results:
            if r.verdict != "poorly-served":
                continue
            voice = next(v for v in members[r.cluster_id] if v.id == r.voice_id)
            others = [(cid, rec) for cid, rec in sorted(bases.items())
                      if cid != r.cluster_id and rec.name.casefold() != r.base.casefold()]
            todo.append((r, voice, others))
            for _, rec in others:   # every trial queued at once: the scheduler groups them by base
                self.submit(voice, rec.name)
        try:
            self._judge_others(todo, embs, cancel)
        finally:
            self.cancel_pending()

    def _judge_others(self, todo, embs, cancel) -> None:
        for r, voice, others in todo:
            best, best_sim = None, r.sim_own + self.margin
            for cid, rec in others:
                sim = float(self.speech_embedding(voice, rec.name, cancel) @ embs[r.voice_id])
                if sim > best_sim:
                    best, best_sim = (cid, rec.name), sim
            if best is not None:
                r.verdict = "move"
                r.proposal = {"action": "move", "to_cluster": best[0], "why": f"base {best[1]} serves it better",
                              "similarity_there": round(best_sim, 4), "similarity_here": r.sim_own}

    def _proposals(self, results: list[VoiceEvaluation], embs) -> list[dict]:
        out = [{"voice": r.voice, "cluster": r.cluster_id, **r.proposal} for r in results if r.flagged]
        by_cluster: dict[int, list[VoiceEvaluation]] = {}
        for r in results:
            by_cluster.setdefault(r.cluster_id, []).append(r)
        for cid, rs in by_cluster.items():
            bad = [r for r in rs if r.flagged]
            good = [r for r in rs if not r.flagged]
            if len(bad) < 2 or not good:
                continue
            within = np.mean([embs[a.voice_id] @ embs[b.voice_id] for i, a in enumerate(bad) for b in bad[i + 1:]])
            across = np.mean([embs[a.voice_id] @ embs[b.voice_id] for a in bad for b in good])
            if within > across:
                out.append({"cluster": cid, "action": "split", "new_cluster": [r.voice for r in bad],
                            "keep": [r.voice for r in good], "within": round(float(within), 4), "across": round(float(across), 4)})
                for r in bad:
                    if r.verdict == "poorly-served":
                        r.verdict = "split"
        return out

    def _record(self, cluster, results: list[VoiceEvaluation], proposals: list[dict]) -> EvaluationRun:
        enc = self.engine.analysis.encoder()
        now = utc_now()
        scope = "all" if cluster is None else f"cluster {int(cluster)}"
        settings = {"sentences": self.sentences, "seed": self.seed, "drop": self.drop, "margin": self.margin, "encoder_version": enc.version,
                    "proposals": proposals}
        catalog = self.engine.library.catalog
        with catalog.transaction() as conn:
            cur = conn.execute("INSERT INTO evaluation_runs(created_at, scope, encoder_id, settings, n_voices, n_flagged)"
                               " VALUES (?,?,?,?,?,?)", (now, scope, enc.id, json.dumps(settings, ensure_ascii=False),
                                                         len(results), sum(r.flagged for r in results)))
            run_id = int(cur.lastrowid)
            for r in results:
                conn.execute(
                    "INSERT INTO evaluations(run_id, voice_id, voice_name, cluster_id, base_name, base_version_id, sim_own,"
                    " sim_others, margin, flagged, verdict, proposal, created_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
                    (run_id, r.voice_id, r.voice, r.cluster_id, r.base, r.base_version_id, r.sim_own, r.sim_others, r.margin,
                     int(r.flagged), r.verdict, json.dumps(r.proposal, ensure_ascii=False), now))
        self.engine.events.publish("consolidation.evaluated", run_id=run_id, flagged=[r.voice for r in results if r.flagged])
        return EvaluationRun(run_id, now, scope, enc.id, results, proposals)


def apply_moves(engine, run: EvaluationRun) -> list[dict[str, Any]]:
    """Carry out the run's move proposals: each voice is pinned to the proposed cluster (the user can unpin it)."""
    done = []
    for v in run.voices:
        if v.verdict == "move" and v.proposal.get("to_cluster") is not None:
            engine.analysis.pin(v.voice, int(v.proposal["to_cluster"]))
            done.append({"voice": v.voice, "from_cluster": v.cluster_id, "to_cluster": int(v.proposal["to_cluster"])})
    return done


def history(engine, voice=None, limit: int = 50) -> list[dict[str, Any]]:
    """Past evaluations (newest first), for one voice or all: similarity over time shows drift."""
    catalog = engine.library.catalog
    if voice is None:
        rows = catalog.query("SELECT * FROM evaluations ORDER BY id DESC LIMIT ?", (int(limit),))
    else:
        v = engine.library.voice(voice)
        rows = catalog.query("SELECT * FROM evaluations WHERE voice_id = ? ORDER BY id DESC LIMIT ?", (v.id, int(limit)))
    return [{"run": r["run_id"], "voice": r["voice_name"], "cluster": r["cluster_id"], "base": r["base_name"],
             "base_version_id": r["base_version_id"], "sim_own": r["sim_own"], "sim_others": r["sim_others"],
             "margin": r["margin"], "flagged": bool(r["flagged"]), "verdict": r["verdict"],
             "proposal": json.loads(r["proposal"] or "{}"), "created_at": r["created_at"]} for r in rows]


def _cluster_proposals(members, unserved: list[int], previewed: dict[int, str]) -> list[dict[str, Any]]:
    """Clusters the run could not score: no base at all, or only the preview voice."""
    out = [{"cluster": cid, "action": "assign a base", "voices": [v.name for v in members[cid]],
            "why": "the cluster has no base, so its voices cannot speak"} for cid in unserved]
    out += [{"cluster": cid, "action": "assign a real base", "voices": [v.name for v in members[cid]],
             "why": f"its voices speak through the preview voice {name}, which is not a clone: not scored"}
            for cid, name in previewed.items()]
    return out
