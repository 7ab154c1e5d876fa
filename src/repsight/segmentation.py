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


def _rise(y: np.ndarray, share: float, floor: float) -> tuple[int, int, float] | None:
    """(start, end, peak speed) of the rise that ends at the last frame of y (None if flat).

    The core of the rise is taken by position (from the last frame within 10 % of the
    travel above the low point to the first frame within 10 % of the top), so a stall
    half-way (a sticking point) stays inside the phase. The core is then extended
    outwards frame by frame while the point still moves faster than `floor` and is still
    slowing down towards rest (or moves faster than `share` of the peak speed), so a
    smooth start is timed from where it begins, not from where it gets fast.
    """
    k = len(y) - 1  # the stretch ends at the peak by construction
    if k == 0:
        return None
    low = float(np.min(y[:k + 1]))
    rom = float(y[k]) - low
    if not rom > 0:
        return None
    a = int(np.flatnonzero(y[:k + 1] <= low + 0.1 * rom)[-1])
    b = a + int(np.flatnonzero(y[a:k + 1] >= y[k] - 0.1 * rom)[0])
    d = np.diff(y)
    peak = float(np.max(d[a:max(b, a + 1)]))
    if not peak > 0:
        return None
    stop = max(floor, 0.02 * peak)
    fast = max(share * peak, stop)
    i = a
    while i - 1 >= 0 and d[i - 1] > stop and (d[i - 1] <= d[i] or d[i - 1] > fast):
        i -= 1
    j = b
    while j < len(d) and d[j] > stop and (d[j] <= d[j - 1] or d[j] > fast):
        j += 1
    i, j = _extrapolate_ends(y, i, j, stop / peak)
    return i, j, peak


# Where a half-cosine ramp (zero speed at both ends) crosses 20 % and 80 % of its travel,
# as shares of its duration: acos(1 - 2 * 0.2) / pi and its mirror.
_U20 = float(np.arccos(0.6) / np.pi)
_U80 = 1.0 - _U20


def _extrapolate_ends(y: np.ndarray, i: int, j: int, stop_share: float) -> tuple[int, int]:
    """Move a phase's ends out to where its steady middle says the motion began and ended.

    Under landmark noise the speed threshold only fires once the point is well under way,
    so both ends come out late. The 20 % and 80 % crossings of the travel are robust to
    noise; a smooth ramp through them (a half-cosine, which starts and stops at zero
    speed like a lift) gives the onset and arrival. Ends only ever move outwards, and by
    no more than a ramp's own lag at the detection threshold, so a sharp start is not
    pushed earlier than the threshold allows.
    """
    n = j - i
    if n < 4:
        return i, j
    lo_level = float(np.median(y[max(0, i - 5):i + 1]))
    hi_level = float(np.median(y[j:min(len(y), j + 6)]))
    travel = hi_level - lo_level
    if not travel > 0:
        return i, j
    seg = y[i:j + 1]
    t20 = _crossing(seg, lo_level + 0.2 * travel)
    t80 = _crossing(seg, lo_level + 0.8 * travel)
    if t20 is None or t80 is None or t80 <= t20:
        return i, j
    duration = (t80 - t20) / (_U80 - _U20)
    onset = i + t20 - _U20 * duration
    arrival = onset + duration
    lag = int(np.ceil(duration * np.arcsin(min(1.0, stop_share)) / np.pi)) + 1
    new_i = max(int(round(onset)), i - lag, 0)
    new_j = min(int(round(arrival)), j + lag, len(y) - 1)
    return min(i, new_i), max(j, new_j)


def _crossing(seg: np.ndarray, level: float) -> float | None:
    """First fractional index where seg rises through level (linear between frames)."""
    above = np.flatnonzero(seg >= level)
    if above.size == 0:
        return None
    k = int(above[0])
    if k == 0:
        return 0.0
    a, b = seg[k - 1], seg[k]
    return k - 1 + float((level - a) / (b - a)) if b != a else float(k)


def _moving_phase(x: np.ndarray, lo: int, hi: int, rising: bool, share: float,
                  floor: float) -> _Phase | None:
    """The phase rising to x[hi] from lo (rising) or falling from x[lo] to hi (not rising)."""
    if hi <= lo:
        return None
    if rising:
        found = _rise(x[lo:hi + 1], share, floor)
        if found is None:
            return None
        a, b, peak = found
        return _Phase(lo + a, lo + b, peak)
    # A fall forwards in time is a rise backwards in time.
    found = _rise(x[lo:hi + 1][::-1], share, floor)
    if found is None:
        return None
    a, b, peak = found
    return _Phase(hi - b, hi - a, peak)


@dataclass(frozen=True)
class _Candidate:
    peak: int
    first: _Phase
    second: _Phase
    rom: float  # the larger of the two phases' travel
    returned: bool  # reached lockout (the concentric finished)
    run_end: int
    start_level: float  # r where the rep starts (its rest position)


def segment_reps(values: np.ndarray, fps: float, *, concentric_increases: bool,
                 eccentric_first: bool, min_rom: float, min_rep_duration_s: float = 0.6,
                 max_rep_duration_s: float = 15.0, min_rom_share: float = 0.5,
                 partial_rom_share: float = 0.8, pause_velocity_share: float = 0.1,
                 max_pause_s: float = 2.0, diff_noise: float = 0.0) -> tuple[Rep, ...]:
    """Reps in a conditioned driving signal (float64[T], NaN where unknown).

    min_rom: smallest excursion that can be a rep, in the signal's units (> 0).
    min_rep_duration_s: 0.1..10, shorter moving cycles are jitter.
    max_rep_duration_s: 1..120, slower excursions are posture changes, not reps.
    min_rom_share: 0..1 of the set's typical ROM below which a cycle is not a rep.
    partial_rom_share: 0..1 of typical ROM below which a rep is flagged partial.
    pause_velocity_share: 0..0.9 of a phase's peak speed under which the point is paused.
    max_pause_s: >= 0, a still gap up to this long before the next rep is this rep's
    trailing pause; longer is rest between reps and is not part of either.
    diff_noise: >= 0, std of frame-to-frame changes caused by landmark noise (see
    kinematics.Signal.diff_noise); speeds within 3 of it are not movement.
    """
    if not np.isfinite(fps) or fps <= 0:
        raise ValueError(f"fps must be positive, got {fps!r}")
    if not min_rom > 0:
        raise ValueError(f"min_rom must be > 0, got {min_rom!r}")
    r = excursion(values, concentric_increases=concentric_increases, eccentric_first=eccentric_first)
    cands: list[_Candidate] = []
    for a, b in nan_free_runs(r):
        cands.extend(_candidates_in_run(r, a, b, min_rom=min_rom,
                                        share=pause_velocity_share, eccentric_first=eccentric_first,
                                        floor=3.0 * diff_noise))
    min_len = min_rep_duration_s * fps
    max_len = max_rep_duration_s * fps
    cands = [c for c in cands if min_len <= c.second.end - c.first.start <= max_len]
    if not cands:
        return ()
    typical = _typical_rom([c.rom for c in cands])
    kept = [c for c in cands if c.rom >= min_rom_share * typical and c.rom >= min_rom]
    if not kept:
        return ()
    # Every rep of a set starts from the same rest position (standing, arms locked out,
    # hanging); an excursion that starts far from it is getting into position (picking
    # up the dumbbells, stepping under the bar), not a rep.
    rest = float(np.median([c.start_level for c in kept]))
    kept = [c for c in kept if abs(c.start_level - rest) <= 0.5 * typical]
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


def _merge_close_peaks(x: np.ndarray, peaks: np.ndarray, min_rom: float) -> list[int]:
    """Peaks with no valley of at least min_rom between them are one turnaround (ripple
    on a pause), represented by the higher of them."""
    merged: list[int] = []
    for p in (int(q) for q in peaks):
        if merged:
            prev = merged[-1]
            dip = min(x[prev], x[p]) - float(np.min(x[prev:p + 1]))
            if dip < min_rom:
                if x[p] > x[prev]:
                    merged[-1] = p
                continue
        merged.append(p)
    return merged


def _candidates_in_run(r: np.ndarray, a: int, b: int, *, min_rom: float, share: float,
                       eccentric_first: bool, floor: float) -> list[_Candidate]:
    """Peaks of r in one NaN-free run [a, b) with their two moving phases."""
    x = r[a:b]
    n = len(x)
    if n < 3:
        return []
    # A rep cut off by the end of the clip (or of the tracking) has no fall after its
    # peak; the run's lowest value appended at the end lets it still show as a peak.
    peaks, _ = sps.find_peaks(np.append(x, x.min()), prominence=min_rom)
    peaks = _merge_close_peaks(x, peaks[peaks < n], min_rom)
    out = []
    # Each peak owns the stretch between the deepest points towards its neighbours.
    bounds = [0]
    for p, q in zip(peaks[:-1], peaks[1:]):
        bounds.append(p + int(np.argmin(x[p:q + 1])))
    bounds.append(n - 1)
    for k, p in enumerate(peaks):
        lo, hi = bounds[k], bounds[k + 1]
        first = _moving_phase(x, lo, p, True, share, floor)
        if first is None:
            continue
        second = _moving_phase(x, p, hi, False, share, floor) if hi > p else None
        at_end = hi >= n - 1  # no later peak in this run: the way back may be cut off
        if second is None:
            if not at_end:
                continue
            second = _Phase(n - 1, n - 1, 0.0)  # the run ended before the way back began
        top = x[first.end:second.start + 1].max() if second.start >= first.end else x[p]
        start_level, end_level = x[first.start], x[second.end]
        rom_first, rom_second = top - start_level, top - end_level
        returned = abs(end_level - start_level) <= 0.5 * max(rom_first, rom_second)
        if not returned and (not at_end or start_level > end_level):
            continue  # a one-way shift (walking in, standing up, re-gripping), not a rep
        if returned and min(rom_first, rom_second) < 0.5 * min_rom:
            continue
        # Lockout is the end of the concentric: the second phase of an eccentric-first
        # rep, the first phase of a concentric-first one.
        completed = returned if eccentric_first else True
        out.append(_Candidate(peak=a + int(p),
                              first=_Phase(a + first.start, a + first.end, first.peak_speed),
                              second=_Phase(a + second.start, a + second.end, second.peak_speed),
                              rom=float(max(rom_first, rom_second)), returned=completed,
                              run_end=b - 1, start_level=float(start_level)))
    return out
