"""Tempo per rep and rhythm of the set, in seconds from the sequence's float timestamps.

Tempo notation (RepTempo.notation) is the coaching convention eccentric - pause in the
stretched (bottom) position - concentric - pause at lockout (top), in seconds, whichever
phase the lift starts with: a 3-1-1-0 squat lowers for 3 s, holds 1 s at the bottom,
stands up in 1 s and goes straight into the next rep.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .types import Rep, RepTempo


def _span(t: np.ndarray, ab: tuple[int, int]) -> float:
    """Seconds between two frame indices."""
    return float(t[ab[1]] - t[ab[0]])


def rep_tempo(rep: Rep, timestamps_s: np.ndarray) -> RepTempo:
    """Phase durations of one rep in seconds (frame indices -> container timestamps); NaN
    for a phase that touches the rep's unseen frames (Rep.unseen)."""
    t = np.asarray(timestamps_s, dtype=np.float64)
    if rep.end >= len(t):
        raise ValueError(f"rep {rep.index} ends at frame {rep.end}, beyond {len(t)} timestamps")

    def span(ab: tuple[int, int]) -> float:
        return _span(t, ab) if rep.sees(ab) else float("nan")

    return RepTempo(eccentric_s=span(rep.eccentric), bottom_pause_s=span(rep.bottom_pause),
                    concentric_s=span(rep.concentric), top_pause_s=span(rep.top_pause))


def set_tempo(reps: tuple[Rep, ...], timestamps_s: np.ndarray) -> tuple[RepTempo, ...]:
    """RepTempo of every rep, in order."""
    return tuple(rep_tempo(r, timestamps_s) for r in reps)


@dataclass(frozen=True)
class SetRhythm:
    """Rep-to-rep rhythm of a set (seconds; NaN when there are too few reps).

    interval_s: start-to-start time of consecutive reps lifted without a rest between them
    (a rep the clip began inside has no start of its own). interval_cv: their coefficient of
    variation (0 = metronome-steady). concentric_trend_s_per_rep: least-squares slope of
    the concentric duration over reps (positive = slowing down, the usual sign of fatigue).
    concentric_slowdown_pct: last rep's concentric vs the fastest of the first two.
    """

    interval_s: tuple[float, ...]
    mean_interval_s: float
    interval_cv: float
    mean_time_under_tension_s: float
    concentric_trend_s_per_rep: float
    concentric_slowdown_pct: float


def set_rhythm(reps: tuple[Rep, ...], tempos: tuple[RepTempo, ...],
               timestamps_s: np.ndarray) -> SetRhythm:
    """Rhythm of the set from its reps and their tempos."""
    t = np.asarray(timestamps_s, dtype=np.float64)
    # Start to start of reps lifted one after the other: not across a rest (a 20 s rest
    # between clusters read "a rep every 6.82 s, variation 112 %"), nor from a rep the clip
    # began inside (its start is the clip's first frame, not the lifter's).
    intervals = tuple(float(t[n.start] - t[r.start]) for r, n in zip(reps, reps[1:])
                      if not r.rested_before(n) and not r.cut_start)
    nan = float("nan")
    mean_iv = float(np.mean(intervals)) if intervals else nan
    cv = float(np.std(intervals) / mean_iv) if intervals and mean_iv > 0 else nan
    # Reps whose phases were not all seen (Rep.unseen) are left out of the means and trend.
    tuts = [x.time_under_tension_s for x in tempos if np.isfinite(x.time_under_tension_s)]
    tut = float(np.mean(tuts)) if tuts else nan
    con = np.array([x.concentric_s for x in tempos])
    timed = np.flatnonzero(np.isfinite(con))
    trend = float(np.polyfit(timed, con[timed], 1)[0]) if len(timed) >= 3 else nan
    if len(timed) >= 3 and con[timed[:2]].min() > 0:
        slow = float(100.0 * (con[timed[-1]] / con[timed[:2]].min() - 1.0))
    else:
        slow = nan
    return SetRhythm(interval_s=intervals, mean_interval_s=mean_iv, interval_cv=cv,
                     mean_time_under_tension_s=tut, concentric_trend_s_per_rep=trend,
                     concentric_slowdown_pct=slow)


@dataclass(frozen=True)
class TempoStep:
    """A lasting change of pace of every phase from one rep on (see tempo_step)."""

    rep: int  # the first rep of the changed pace (Rep.index)
    factor: float  # how many times as long its phases take (< 1: shorter)

    def warning(self) -> str:
        """What the change means for the set's readings, in words."""
        if self.factor >= 1:
            what, how = "a slow-motion section", f"{self.factor:.1f}x as long as"
        else:
            what, how = "a sped-up section", f"{1 / self.factor:.1f}x shorter than"
        return (f"from rep {self.rep} on, the lowering and the lift both took {how} in the "
                f"reps before (fatigue slows the lift far more than the lowering): {what}, "
                "or a change of tempo? those reps are not judged for tempo or eccentric "
                "speed, and their velocities are not comparable with the first reps'")


# How far apart (a ratio) a last rep's two stretches may be for it to read as a change of
# film speed (tempo_step): a 0.4x replay of a real pull-up read 2.27x and 2.10x.
LONE_STEP_ALIKE = 1.25


def tempo_step(reps: tuple[Rep, ...], tempos: tuple[RepTempo, ...],
               step: float) -> TempoStep | None:
    """The first counted rep from which the eccentric and the concentric both take at least
    `step` (> 1, AnalysisConfig.tempo_step_ratio) times as long, or at most 1/step as long,
    as in the up to three timed reps before it (their median), in it and in the next rep
    (the last rep alone: a rep replayed in slow motion after the set); None when none
    does.

    A slow-motion (or sped-up) section stretches every phase alike, while fatigue slows
    the lift far more than the lowering: two reps' lowering and lift against the reps
    before them changed together by at most 1.22x on the 22 dev clips and 1.31x on the
    140 rendered dev9/dev10 sets; copies of dev clips with a section slowed 2x read 2.0,
    with the last reps sped up 2x 0.54-0.64."""
    timed = [(r, tp) for r, tp in zip(reps, tempos)
             if r.counted and np.isfinite(tp.eccentric_s) and np.isfinite(tp.concentric_s)
             and tp.eccentric_s > 0 and tp.concentric_s > 0]
    for k in range(2, len(timed)):
        before, after = timed[max(0, k - 3):k], timed[k:k + 2]
        # Each rep from rep k on must have changed: the mean of a pair would put a slow
        # last rep's step on the ordinary rep before it.
        ecc = (np.array([tp.eccentric_s for _, tp in after])
               / np.median([tp.eccentric_s for _, tp in before]))
        con = (np.array([tp.concentric_s for _, tp in after])
               / np.median([tp.concentric_s for _, tp in before]))
        # A last rep alone has nothing after it to show the pace stayed changed: its two
        # phases must also have stretched alike, as film speed stretches them (a grind
        # slowed 2.5x and lowered 1.7x slower is a rep that failed, not slow motion).
        alike = len(after) > 1 or max(ecc[0], con[0]) / min(ecc[0], con[0]) <= LONE_STEP_ALIKE
        if alike and (min(ecc.min(), con.min()) >= step or max(ecc.max(), con.max()) <= 1.0 / step):
            return TempoStep(timed[k][0].index, float(np.sqrt(np.median(ecc) * np.median(con))))
    return None
