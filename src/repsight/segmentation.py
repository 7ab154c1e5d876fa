"""Rep detection and phase boundaries on a conditioned 1-D driving signal (frame indices).

The signal is first turned into an *excursion* r: zero-ish at the rest position between
reps and rising towards the turnaround (r = -hip height for a squat, + hip height for a
deadlift, - elbow angle for a curl). Every rep is then one prominent peak of r: the
moving phase that rises to it, the pause around it, the moving phase that falls from it.

Moving phases are found on the frame-to-frame difference d[t] = r[t+1] - r[t]: the run
of frames around the phase's fastest frame where d keeps above `pause_velocity_share` of
that peak speed, extended outwards while the speed is still falling towards rest (so a
smooth start is timed where it begins, not where it gets fast). A phase spanning frames
a..b means the point is at rest on frame a and arrives on frame b.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import signal as sps

from .smoothing import nan_free_runs
from .types import Rep


def excursion(values: np.ndarray, *, concentric_increases: bool, eccentric_first: bool) -> np.ndarray:
    """r: the signal oriented so that rest is low and every rep is a peak."""
    c = 1.0 if concentric_increases else -1.0
    # An eccentric-first rep first moves against the concentric direction.
    return (-c if eccentric_first else c) * np.asarray(values, dtype=np.float64)


@dataclass(frozen=True)
class _Phase:
    start: int
    end: int
    peak_speed: float


def _noise_floor(d: np.ndarray) -> float:
    """Robust std of frame-to-frame changes while still (the quietest half of the frames)."""
    a = np.abs(d[np.isfinite(d)])
    if a.size == 0:
        return 0.0
    quiet = a[a <= np.median(a)]
    return float(1.4826 * np.median(quiet)) if quiet.size else 0.0


def _moving_phase(d: np.ndarray, lo: int, hi: int, sign: float, share: float,
                  floor: float) -> _Phase | None:
    """The moving phase of direction `sign` inside differences d[lo:hi] (None if none)."""
    if hi <= lo:
        return None
    seg = sign * d[lo:hi]
    k = int(np.argmax(seg))
    peak = float(seg[k])
    if not peak > 0:
        return None
    hi_thr = max(share * peak, floor)
    low_thr = max(min(0.02 * peak, hi_thr), floor)
    i = k
    while i - 1 >= 0 and seg[i - 1] > hi_thr:
        i -= 1
    while i - 1 >= 0 and low_thr < seg[i - 1] <= seg[i]:
        i -= 1
    j = k
    while j + 1 < len(seg) and seg[j + 1] > hi_thr:
        j += 1
    while j + 1 < len(seg) and low_thr < seg[j + 1] <= seg[j]:
        j += 1
    return _Phase(lo + i, lo + j + 1, peak)


@dataclass(frozen=True)
class _Candidate:
    peak: int
    first: _Phase
    second: _Phase
    rom: float  # distance covered by the concentric phase
    returned: bool  # came back near where it started
    run_end: int


def segment_reps(values: np.ndarray, fps: float, *, concentric_increases: bool,
                 eccentric_first: bool, min_rom: float, min_rep_duration_s: float = 0.6,
                 max_rep_duration_s: float = 15.0, min_rom_share: float = 0.5,
                 partial_rom_share: float = 0.8, pause_velocity_share: float = 0.1,
                 max_pause_s: float = 2.0) -> tuple[Rep, ...]:
    """Reps in a conditioned driving signal (float64[T], NaN where unknown).

    min_rom: smallest excursion that can be a rep, in the signal's units (> 0).
    min_rep_duration_s: 0.1..10, shorter moving cycles are jitter.
    max_rep_duration_s: 1..120, slower excursions are posture changes, not reps.
    min_rom_share: 0..1 of the set's typical ROM below which a cycle is not a rep.
    partial_rom_share: 0..1 of typical ROM below which a rep is flagged partial.
    pause_velocity_share: 0..0.9 of a phase's peak speed under which the point is paused.
    max_pause_s: >= 0, a still gap up to this long before the next rep is this rep's
    trailing pause; longer is rest between reps and is not part of either.
    """
    if not np.isfinite(fps) or fps <= 0:
        raise ValueError(f"fps must be positive, got {fps!r}")
    if not min_rom > 0:
        raise ValueError(f"min_rom must be > 0, got {min_rom!r}")
    r = excursion(values, concentric_increases=concentric_increases, eccentric_first=eccentric_first)
    cands: list[_Candidate] = []
    for a, b in nan_free_runs(r):
        cands.extend(_candidates_in_run(r, a, b, min_rom=min_rom,
                                        share=pause_velocity_share, eccentric_first=eccentric_first))
    min_len = min_rep_duration_s * fps
    max_len = max_rep_duration_s * fps
    cands = [c for c in cands if min_len <= c.second.end - c.first.start <= max_len]
    if not cands:
        return ()
    typical = _typical_rom([c.rom for c in cands])
    kept = [c for c in cands if c.rom >= min_rom_share * typical and c.rom >= min_rom]
    if not kept:
        return ()
    typical = _typical_rom([c.rom for c in kept])
    reps: list[Rep] = []
    max_pause = max_pause_s * fps
    for n, c in enumerate(kept):
        end = c.second.end
        nxt = kept[n + 1] if n + 1 < len(kept) else None
        if nxt is not None and nxt.first.start <= c.run_end and 0 <= nxt.first.start - end <= max_pause:
            end = nxt.first.start
        first = (c.first.start, c.first.end)
        second = (c.second.start, c.second.end)
        ecc, con = (first, second) if eccentric_first else (second, first)
        share = c.rom / typical if typical > 0 else float("nan")
        reps.append(Rep(index=len(reps) + 1, start=c.first.start, end=end,
                        turnaround=(c.first.end + c.second.start) // 2, eccentric=ecc,
                        concentric=con, eccentric_first=eccentric_first, rom=c.rom,
                        rom_share=share, partial=share < partial_rom_share,
                        completed=c.returned))
    return tuple(reps)


def _typical_rom(roms: list[float]) -> float:
    """The ROM of a full rep in this set: median of the reps near the biggest ones.

    The top of the distribution (not the max) so one outlier excursion does not make every
    real rep look partial, and not the plain median so many partials cannot redefine full.
    """
    arr = np.sort(np.asarray(roms, dtype=np.float64))
    ref = np.percentile(arr, 75)
    return float(np.median(arr[arr >= 0.7 * ref]))


def _candidates_in_run(r: np.ndarray, a: int, b: int, *, min_rom: float, share: float,
                       eccentric_first: bool) -> list[_Candidate]:
    """Peaks of r in one NaN-free run [a, b) with their two moving phases."""
    x = r[a:b]
    if len(x) < 3:
        return []
    peaks, _ = sps.find_peaks(x, prominence=min_rom)
    if peaks.size == 0:
        return []
    d = np.diff(x)
    floor = 3.0 * _noise_floor(d)
    out = []
    # Each peak owns the stretch between the deepest points towards its neighbours.
    bounds = [0]
    for p, q in zip(peaks[:-1], peaks[1:]):
        bounds.append(p + int(np.argmin(x[p:q + 1])))
    bounds.append(len(x) - 1)
    for k, p in enumerate(peaks):
        lo, hi = bounds[k], bounds[k + 1]
        first = _moving_phase(d, lo, p, +1.0, share, floor)
        second = _moving_phase(d, p, hi, -1.0, share, floor)
        if first is None or second is None:
            continue
        top = x[first.end:second.start + 1].max() if second.start >= first.end else x[p]
        start_level, end_level = x[first.start], x[second.end]
        rom_first, rom_second = top - start_level, top - end_level
        rom = rom_second if eccentric_first else rom_first
        returned = abs(end_level - start_level) <= 0.5 * max(rom_first, rom_second)
        touches_end = second.end >= len(x) - 2
        if not returned and not touches_end:
            continue  # a one-way shift (walking in, standing up, re-gripping), not a rep
        if min(rom_first, rom_second) < 0.5 * min_rom and not touches_end:
            continue
        if not returned and start_level > end_level:
            continue  # the clip starts mid-rep: no rest before it
        out.append(_Candidate(peak=a + int(p),
                              first=_Phase(a + first.start, a + first.end, first.peak_speed),
                              second=_Phase(a + second.start, a + second.end, second.peak_speed),
                              rom=float(max(rom_first, rom_second) if not returned else rom),
                              returned=returned, run_end=b - 1))
    return out
