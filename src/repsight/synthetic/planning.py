"""Rep planning shared by both synthetic generators: what each rep does, then when.

`plan_set` gives one `RepPlan` per rep (phase durations and depth); `schedule` lays the
plans end to end on the clip's clock, in seconds. The stick figure rounds those times to
frames, the squat lifter samples them at its frame times; both move along `ease`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping, Sequence, Union

import numpy as np

PerRep = Union[float, Sequence[float], np.ndarray]  # one value for every rep, or one per rep


@dataclass(frozen=True)
class RepPlan:
    """Timing of one planned rep (seconds) and its depth as a share of a full rep (0..1]."""

    eccentric_s: float = 1.2
    bottom_pause_s: float = 0.2
    concentric_s: float = 0.8
    top_pause_s: float = 0.5
    rom_share: float = 1.0

    def __post_init__(self) -> None:
        if self.eccentric_s <= 0 or self.concentric_s <= 0:
            raise ValueError("moving phases must last > 0 s")
        if self.bottom_pause_s < 0 or self.top_pause_s < 0:
            raise ValueError("pauses must be >= 0 s")
        if not 0 < self.rom_share <= 1:
            raise ValueError(f"rom_share must be in (0, 1], got {self.rom_share}")


@dataclass(frozen=True)
class RepTiming:
    """When one scheduled rep's phases begin and end, in seconds on the clip's clock."""

    start: float  # the first move begins
    first_end: float  # the first move ends: the turnaround pause begins
    second_start: float  # the pause ends: the second move begins
    second_end: float  # the second move ends: the trailing pause begins
    next_start: float  # the trailing pause and any rest end: the next rep may begin
    plan: RepPlan


def per_rep(value: PerRep, n: int, name: str) -> np.ndarray:
    """float64[n] from one value or a sequence of n values; `name` labels a wrong length."""
    arr = np.asarray(value, dtype=np.float64)
    if arr.ndim == 0:
        return np.full(n, float(arr))
    if arr.shape != (n,):
        raise ValueError(f"{name} takes one value or {n} (one per rep), got shape {arr.shape}")
    return arr


def plan_set(n_reps: int, *, eccentric_s: PerRep = 1.2, bottom_pause_s: float = 0.2,
             concentric_s: PerRep = 0.8, top_pause_s: float = 0.5, fatigue: float = 0.0,
             rom_share: PerRep = 1.0, partial: Mapping[int, float] | None = None
             ) -> tuple[RepPlan, ...]:
    """n_reps plans; eccentric_s, concentric_s and rom_share take one value or one per rep.

    fatigue (0..1): on top of its own value, rep k's concentric (0-based) is slower by
    (1 + fatigue) ** k. partial: 1-based rep index -> rom_share (0..1] for reps cut short;
    it overrides rom_share for those reps.
    """
    if n_reps < 0:
        raise ValueError(f"n_reps must be >= 0, got {n_reps}")
    ecc = per_rep(eccentric_s, n_reps, "eccentric_s")
    con = per_rep(concentric_s, n_reps, "concentric_s")
    share = per_rep(rom_share, n_reps, "rom_share")
    partial = dict(partial or {})
    return tuple(
        RepPlan(float(ecc[k]), bottom_pause_s, float(con[k] * (1.0 + fatigue) ** k), top_pause_s,
                partial.get(k + 1, float(share[k])))
        for k in range(n_reps))


def schedule(plans: Sequence[RepPlan], *, start_s: float, eccentric_first: bool,
             rests: Mapping[int, float] | None = None) -> tuple[RepTiming, ...]:
    """Lay the plans end to end from start_s (seconds); rests: 1-based rep -> extra seconds after it.

    eccentric_first: the rep lowers first (squat: eccentric, bottom pause, concentric,
    top pause); otherwise it lifts first (deadlift: concentric, top pause, eccentric,
    bottom pause). Times accumulate in one running sum, so every phase lasts exactly as
    planned and a rounding to frames cannot drift over a long set.
    """
    rests = dict(rests or {})
    t = start_s
    out = []
    for k, p in enumerate(plans):
        first, mid, second, trail = ((p.eccentric_s, p.bottom_pause_s, p.concentric_s, p.top_pause_s)
                                     if eccentric_first else
                                     (p.concentric_s, p.top_pause_s, p.eccentric_s, p.bottom_pause_s))
        a1 = t
        t += first
        b1 = t
        t += mid
        a2 = t
        t += second
        b2 = t
        t += trail + rests.get(k + 1, 0.0)
        out.append(RepTiming(a1, b1, a2, b2, t, p))
    return tuple(out)


def ease(elapsed: np.ndarray, duration: float = 1.0) -> np.ndarray:
    """Progress (0..1) of a move `elapsed` into its `duration` (same units, elapsed in 0..duration).

    A half-cosine: zero velocity at both ends, like a real lift; the peak is pi/2 times
    the mean.
    """
    return (1 - np.cos(np.pi * elapsed / duration)) / 2
