"""Rep detection and phase boundaries on a conditioned 1-D driving signal (frame indices).

The signal is first turned into an *excursion* r: zero-ish at the rest position between
reps and rising towards the turnaround (r = -hip height for a squat, + hip height for a
deadlift, - elbow angle for a curl). Every rep is then one prominent peak of r: the
moving phase that rises to it, the pause around it, the moving phase that falls from it.

Moving phases are found on the frame-to-frame difference d[t] = r[t+1] - r[t]: the run
of frames around the phase's fastest frame where d keeps above `pause_velocity_share` of
that peak speed, extended outwards while the speed is still falling towards rest (so a
smooth start is timed where it begins, not where it gets fast). The concentric's ends
are then placed at movement onset and arrival from its speed flanks, whose shape (how
the speed leaves and returns to rest) is read per end and shared by the set's reps, and
seen through the same low-pass as the signal (see _flank_ends, segment_reps).
A phase spanning frames a..b means the point is at rest on frame a and arrives on frame b.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from functools import lru_cache

import numpy as np
from scipy.special import betainc

from .smoothing import fill_gaps, lowpass, nan_free_runs
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
    # the flank exponents read at its onset and arrival (see _flank_ends), NaN if none
    p_start: float = float("nan")
    p_end: float = float("nan")
    # how well each exponent of FLANK_P_GRID fits the onset's and the arrival's crossings
    # (least-squares residual, frames squared; None if not read): the set's exponent is
    # the one that fits all its reps together (_set_exponent)
    fit_start: np.ndarray | None = field(default=None, compare=False)
    fit_end: np.ndarray | None = field(default=None, compare=False)


@dataclass(frozen=True)
class _Onsets:
    """How a phase's ends are placed at movement onset and arrival (see _flank_ends)."""

    cutoff_per_fps: float | None  # the low-pass the signal went through, Hz per fps
    p_start: float | None = None  # the onset's flank exponent, None: read it on the rep
    p_end: float | None = None  # the arrival's

    def backwards(self) -> "_Onsets":
        """The same for the phase run backwards in time (its arrival is the onset)."""
        return replace(self, p_start=self.p_end, p_end=self.p_start)


Flank = "_Onsets | None"


def _rise(y: np.ndarray, share: float, floor: float, flank: Flank = None, *,
          hold: "_Hold | None" = None
          ) -> tuple[int, int, float, float, float, np.ndarray | None, np.ndarray | None] | None:
    """(start, end, peak speed, onset exponent, arrival exponent, and each end's fit over
    the exponents, see _Phase) of the rise that ends at the last frame of y (None if flat).

    The core of the rise is taken by position (from the last frame within 10 % of the
    travel above the low point to the first frame within 10 % of the top), so a stall
    half-way (a sticking point) stays inside the phase. The core is then extended
    outwards frame by frame while the point still moves faster than `floor` and is still
    slowing down towards rest (or moves faster than `share` of the peak speed), so a
    smooth start is timed from where it begins, not from where it gets fast. flank: None
    places the ends by the half-cosine extrapolation (_extrapolate_ends); otherwise at
    movement onset and arrival from the speed flanks (_flank_ends), with the flank exponent
    of each end given (a float) or read from this rise (None). hold: a still hold at the
    rep's rest position, low in the rise, after which it starts (_held_before); None: none.
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
    if hold is not None:
        held = _held_before(y, d, low, rom, share * peak, hold)
        if held > a:
            # What moved before the hold is not this rise: its speed sets no levels.
            a = held
            peak = float(np.max(d[a:max(b, a + 1)]))
    stop = max(floor, 0.02 * peak)
    fast = max(share * peak, stop)
    i = a
    while i - 1 >= 0 and d[i - 1] > stop and (d[i - 1] <= d[i] or d[i - 1] > fast):
        i -= 1
    j = b
    while j < len(d) and d[j] > stop and (d[j] <= d[j - 1] or d[j] > fast):
        j += 1
    ci, cj = _extrapolate_ends(y, i, j, stop / peak)
    ps = pe = float("nan")
    fs = fe = None
    if flank is not None:
        (fi, ps, fs), (fj, pe, fe) = _flank_ends(d, i, j, peak, stop, flank)
        ci = ci if fi is None else fi
        cj = cj if fj is None else fj
    else:
        # The half-cosine moves the onset out to where a smooth start would have begun;
        # where the signal shows the point still at that height for frames after it (a
        # squat that drops into the hole, leaving rest at speed), it began on the last of
        # them. This is a rep's start (eccentric first) or its end (the eccentric's arrival
        # run backwards); the concentric's flank fit keeps its own ends.
        ci = _last_still(y, ci, i, REST_BAND_SHARE * stop)
    return ci, cj, peak, ps, pe, fs, fe


# How far (a share of the speed threshold, a change per frame) the point may move and
# still count as at rest at its onset or arrival height (see _last_still).
REST_BAND_SHARE = 0.1


def _last_still(y: np.ndarray, s: int, i: int, band: float) -> int:
    """The last frame k in s..i with y[s..k] all within band of y[s]: where a movement that
    the signal shows moving by frame i began, if it was placed at s."""
    if s >= i:
        return s
    moved = np.flatnonzero(np.abs(y[s:i + 1] - y[s]) > band)
    return s + (int(moved[0]) - 1 if moved.size else i - s)


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


@dataclass(frozen=True)
class _Hold:
    """A pause at a rep's rest position that a concentric-first rep's rise starts after
    (see _held_before): at least `frames` still frames within `band` of `rest` (the
    signal's units)."""

    frames: int
    rest: float
    band: float


def _held_before(y: np.ndarray, d: np.ndarray, low: float, rom: float, still: float,
                 hold: _Hold) -> int:
    """The last frame of the last run of hold.frames or more still frames (a step under
    `still`; sinking counts as still) that ends at the rep's rest position, between the
    rise's low point and half its travel; 0 if none.

    What moved before such a hold was getting into position, not the lift: a pull-up
    begun by jumping to the bar dips below the hang and creeps back up to it, holds, and
    only then pulls (read from the dip, rep 1 of a real set took 1.2 s against 0.533 s
    timed frame by frame). A grind that slows or stops on its way up is further from rest
    than the band, and stays in the rise.
    """
    k0 = int(np.argmin(y))
    above = np.flatnonzero(y[k0:] >= low + 0.5 * rom)
    mid = k0 + (int(above[0]) if above.size else len(y) - 1 - k0)
    end, run = 0, 0
    for k in range(k0, mid - 1):
        run = run + 1 if d[k] < still else 0
        if run >= hold.frames and abs(float(y[k + 1]) - hold.rest) <= hold.band:
            end = k + 1
    return end


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


# Speed levels (shares of the phase's peak speed) at which each flank is read: the low
# one, the high one and their geometric mean. A phase whose noise floor reaches the low
# level keeps the half-cosine extrapolation (_extrapolate_ends).
FLANK_LOW_SHARE = 0.05
FLANK_HIGH_SHARE = 0.45


def _flank_crossings(d: np.ndarray, start: int, stop: int, step: int,
                     levels: np.ndarray) -> np.ndarray | None:
    """Fractional times at which the speed d, walking from frame `start` towards `stop`
    (exclusive) in direction step, first climbs through each of the increasing levels
    (None if one is never reached). d[k] = y[k+1] - y[k] is the speed at time k + 0.5."""
    out = []
    k = start
    for level in levels:
        while k != stop and d[k] < level:
            k += step
        if k == stop:
            return None
        near = k - step  # d[near] < level <= d[k], unless the walk began above the level
        if k == start or d[near] >= level:
            t = float(k)
        else:
            t = near + step * float((level - d[near]) / (d[k] - d[near]))
        out.append(t + 0.5)
    return np.array(out)


# The flank exponents p (see _flank_table) a fit can return: 1 follows a half-cosine
# (speed grows linearly from rest), 2 is minimum jerk, 3.5 a slower, softer start (a
# tracked point whose height changes little near lockout, seen through the tracker).
FLANK_P_GRID = tuple(float(p) for p in np.arange(1.0, 3.5 + 1e-9, 0.125))
# Flank durations (whole movement, frames) the table covers.
_FLANK_DURATIONS = np.geomspace(3.0, 400.0, 160)


@lru_cache(maxsize=8)
def _flank_table(shares: tuple[float, ...], cutoff_per_fps: float | None) -> np.ndarray:
    """Where a movement crosses each speed share of its peak, in frames after its onset:
    float64[len(FLANK_P_GRID), len(_FLANK_DURATIONS), len(shares)].

    The movement model: speed / peak = (4 u (1 - u))^p for u = (t - onset) / duration in
    0..1, so the position is the regularised incomplete beta function I_u(p + 1, p + 1).
    p = 2 is a minimum-jerk movement (Flash & Hogan 1985: zero speed and acceleration at
    both ends, its speed growing like the square of the time since onset); p ~ 1.1
    follows a half-cosine ramp (speed sin(pi u), growing linearly) to within 0.2 % of its
    duration. Each model movement is sampled at whole frames and, with cutoff_per_fps,
    passed through the same zero-phase low-pass as the driving signal (cut-off in Hz per
    frame rate): the filter rounds a flank's foot and starts it before the movement does,
    which read without the filter would look like a softer start.
    """
    pgrid = np.asarray(FLANK_P_GRID)
    cols = np.arange(len(pgrid))
    table = np.full((len(pgrid), len(_FLANK_DURATIONS), len(shares)), np.nan)
    for n, dur in enumerate(_FLANK_DURATIONS):
        pad = 40 + int(dur) // 4
        t = np.arange(int(np.ceil(dur)) + 2 * pad, dtype=np.float64)
        u = np.clip((t - pad) / dur, 0.0, 1.0)
        # I_0 = 0 and I_1 = 1 exactly: only the movement itself needs the beta function.
        y = np.repeat((u >= 1.0).astype(np.float64)[:, None], len(pgrid), axis=1)  # [T, P]
        inside = (u > 0.0) & (u < 1.0)
        y[inside] = betainc(pgrid[None, :] + 1.0, pgrid[None, :] + 1.0, u[inside, None])
        if cutoff_per_fps is not None:
            y = lowpass(y, 1.0, cutoff_hz=cutoff_per_fps)
        d = np.diff(y, axis=0)
        # _flank_crossings from the start to the peak, for every exponent at once (the
        # same first frames and the same interpolation; one walk per column was most of
        # the table's cost, paid on each analysis process's first clip).
        k = np.argmax(d, axis=0)
        peak = d[k, cols]
        rising = np.arange(len(d))[:, None] <= k[None, :]
        for q, share in enumerate(shares):
            level = share * peak
            first = np.argmax((d >= level[None, :]) & rising, axis=0)
            near = np.maximum(first - 1, 0)
            dn, dk = d[near, cols], d[first, cols]
            step = np.where(first > 0, dk - dn, 1.0)
            cross = np.where(first > 0, near + (level - dn) / step, first)
            table[:, n, q] = cross + 0.5 - pad
    # Crossing times change smoothly with the duration: read them between the simulated
    # durations too (linear in log duration, 8 steps per interval).
    fine = np.linspace(0, len(_FLANK_DURATIONS) - 1, 8 * (len(_FLANK_DURATIONS) - 1) + 1)
    whole = np.arange(len(_FLANK_DURATIONS))
    return np.stack([np.stack([np.interp(fine, whole, table[m, :, q])
                               for q in range(len(shares))], axis=-1)
                     for m in range(len(FLANK_P_GRID))])


def _fit_flank(times: np.ndarray, shares: tuple[float, ...], cutoff_per_fps: float | None,
               p: float | None = None) -> tuple[float, float, float, np.ndarray] | None:
    """(onset, frames from the onset to the first crossing, exponent p, and each
    exponent's least misfit over the durations, NaN where not fitted) of a speed flank
    that crosses the increasing speed `shares` of its peak at `times` (frames, growing
    away from the onset); None if the crossings are not in order.

    The model movement (_flank_table) whose crossings, shifted by one onset, best match
    the three measured ones (least squares) gives the onset: the spacing of the crossings
    says how soft the start is (p) and how long the movement, their place where it began.
    With p given (the set's, see segment_reps) only the duration is fitted.
    """
    if not (times[1] > times[0] and times[2] > times[1]):
        return None
    table = _flank_table(shares, cutoff_per_fps)
    rows = np.arange(len(FLANK_P_GRID))
    if p is not None:
        rows = rows[[int(np.argmin(np.abs(np.asarray(FLANK_P_GRID) - p)))]]
    offs = times[None, None, :] - table[rows]
    onset = offs.mean(axis=2)
    resid = np.sum((offs - onset[..., None]) ** 2, axis=2)
    if not np.any(np.isfinite(resid)):
        return None
    m, n = np.unravel_index(int(np.nanargmin(resid)), resid.shape)
    # Each exponent's best residual over the durations (rows of the grid fitted): the set
    # adds its reps' up to choose one exponent for all of them.
    with np.errstate(all="ignore"):
        curve = np.full(len(FLANK_P_GRID), np.nan)
        curve[rows] = np.nanmin(np.where(np.isfinite(resid), resid, np.inf), axis=1)
        curve[~np.isfinite(curve)] = np.nan
    return float(onset[m, n]), float(table[rows[m], n, 0]), FLANK_P_GRID[rows[m]], curve


def _flank_ends(d: np.ndarray, i: int, j: int, peak: float, stop: float, flank: _Onsets
                ) -> tuple[tuple[int | None, float], tuple[int | None, float]]:
    """(onset, exponent) and (arrival, exponent) of the phase i..j from each end's own
    speed flank (None and NaN for an end whose flank cannot be read); flank: the exponent
    of each end if known (from the whole set, see segment_reps), else None to read it
    here, and the low-pass the signal went through.

    A speed threshold fires once the point is under way and stops firing before it
    arrives, by an amount that depends on how the speed leaves and returns to rest: a
    half-cosine's speed grows linearly (the lag at 2 % of peak is 0.6 % of the phase), a
    minimum-jerk movement's like the square of the time (4 %), and a tracked point's two
    ends differ (the wrist in a press is fast off the bottom, slow into lockout). Each
    flank is read where it crosses three speed levels, from the phase's ends inwards (a
    sticking point in the middle does not matter), and a flank of the shape those
    crossings show (_fit_flank) gives where the speed was zero. Ends only move outwards,
    and by no more than the fitted flank's own lag to the lowest level plus a frame.
    """
    none = (None, float("nan"), None)
    if j - i < 4 or not peak > 0:
        return none, none
    lo = FLANK_LOW_SHARE * peak
    hi = FLANK_HIGH_SHARE * peak
    if not stop < lo:
        return none, none  # the low flank is lost in landmark noise
    levels = np.array([lo, np.sqrt(lo * hi), hi])
    shares = (FLANK_LOW_SHARE, float(np.sqrt(FLANK_LOW_SHARE * FLANK_HIGH_SHARE)),
              FLANK_HIGH_SHARE)
    new_i = new_j = None
    p_i = p_j = float("nan")
    f_i = f_j = None
    # Each walk starts a frame outside the phase, so a flank already above the low level
    # on the phase's first frame is still read between two frames.
    t = _flank_crossings(d, max(i - 1, 0), j, 1, levels)
    if t is not None:
        fit = _fit_flank(t - i, shares, flank.cutoff_per_fps, flank.p_start)
        if fit is not None:
            onset, lag, p_i, f_i = fit
            new_i = max(int(round(i + onset)), i - int(np.ceil(lag)) - 1, 0)
    t = _flank_crossings(d, min(j, len(d) - 1), i - 1, -1, levels)
    if t is not None:
        # distances back from frame j (the arrival end), growing towards the peak
        fit = _fit_flank(j - t, shares, flank.cutoff_per_fps, flank.p_end)
        if fit is not None:
            onset, lag, p_j, f_j = fit
            new_j = min(int(round(j - onset)), j + int(np.ceil(lag)) + 1, len(d))
    return ((None if new_i is None else min(i, new_i), p_i, f_i),
            (None if new_j is None else max(j, new_j), p_j, f_j))


def _moving_phase(x: np.ndarray, lo: int, hi: int, rising: bool, share: float,
                  floor: float, flank: Flank = None, hold: _Hold | None = None
                  ) -> _Phase | None:
    """The phase rising to x[hi] from lo (rising) or falling from x[lo] to hi (not rising);
    flank: None, or ends at movement onset and arrival with these exponents (the
    concentric, see _rise and _flank_ends), in forward time; hold: a rising phase starts
    after a still hold at the rep's rest position low in its travel (_held_before)."""
    if hi <= lo:
        return None
    if rising:
        found = _rise(x[lo:hi + 1], share, floor, flank, hold=hold)
        if found is None:
            return None
        a, b, peak, ps, pe, fs, fe = found
        return _Phase(lo + a, lo + b, peak, ps, pe, fs, fe)
    # A fall forwards in time is a rise backwards in time.
    # A fall's onset is the backwards rise's arrival.
    found = _rise(x[lo:hi + 1][::-1], share, floor, None if flank is None else flank.backwards())
    if found is None:
        return None
    a, b, peak, ps, pe, fs, fe = found
    return _Phase(hi - b, hi - a, peak, pe, ps, fe, fs)


@dataclass(frozen=True)
class _Candidate:
    peak: int
    first: _Phase
    second: _Phase
    rom: float  # the larger of the two phases' travel
    returned: bool  # reached lockout (the concentric finished)
    run_end: int
    run_start: int
    start_level: float  # r where the rep starts (its rest position)
    end_level: float  # r where its second phase arrives
    # An eccentric-first rep whose way back stopped, held still, and sank back to the
    # bottom more than half its range short of its start (_stalled_low): a failed rep.
    sank: bool = False


def segment_reps(values: np.ndarray, fps: float, *, concentric_increases: bool,
                 eccentric_first: bool, min_rom: float, min_rep_duration_s: float = 0.6,
                 max_rep_duration_s: float = 15.0, min_rom_share: float = 0.5,
                 partial_rom_share: float = 0.8, pause_velocity_share: float = 0.1,
                 max_pause_s: float = 2.0, new_range_rest_s: float = 10.0,
                 diff_noise: float = 0.0,
                 smoothing_cutoff_hz: float | None = 4.0,
                 max_unseen_s: float = 1.0) -> tuple[Rep, ...]:
    """Reps in a conditioned driving signal (float64[T], NaN where unknown).

    min_rom: smallest excursion that can be a rep, in the signal's units (> 0).
    min_rep_duration_s: 0.1..10, shorter moving cycles are jitter.
    max_rep_duration_s: 1..120, slower excursions are posture changes, not reps.
    min_rom_share: 0..1 of the set's typical ROM below which a cycle is not a rep.
    partial_rom_share: 0..1 of the full ROM below which a rep is flagged partial (the full
    ROM of its run of reps between rests, see _run_typical_roms, else the set's typical).
    pause_velocity_share: 0..0.9 of a phase's peak speed under which the point is paused.
    max_pause_s: >= 0, a still gap up to this long before the next rep is this rep's
    trailing pause; longer is rest between reps and is not part of either.
    new_range_rest_s: > 0, a rest at least this long starts a run of reps that sets its
    own full range for the partial test (_run_typical_roms).
    diff_noise: >= 0, std of frame-to-frame changes caused by landmark noise (see
    kinematics.Signal.diff_noise); speeds within 3 of it are not movement.
    smoothing_cutoff_hz: the zero-phase low-pass (smoothing.lowpass) the signal went
    through, Hz (the analysis default, config.smoothing_cutoff_hz), or None if it was not
    smoothed: the concentric's onset and arrival are fitted through the same filter.
    max_unseen_s: >= 0, a gap in the signal up to this long (the pose lost at the bottom of
    a squat, behind the plates) is bridged to find the reps: the rep around it is counted
    as one, with the gap's frames in `Rep.unseen`; a longer gap ends the reps before it.
    """
    if not np.isfinite(fps) or fps <= 0:
        raise ValueError(f"fps must be positive, got {fps!r}")
    if not min_rom > 0:
        raise ValueError(f"min_rom must be > 0, got {min_rom!r}")
    seen = excursion(values, concentric_increases=concentric_increases, eccentric_first=eccentric_first)
    # Bridged for finding the reps only: the straight line across a gap says a rep went on
    # through it, not when its phases turned (Rep.unseen, and the stages that time them).
    r = fill_gaps(seen, max_gap=int(round(max(max_unseen_s, 0.0) * fps)))
    unseen = np.isnan(seen) & ~np.isnan(r)

    def turn_unseen(c: _Candidate) -> bool:
        # The turnaround fell in a gap: the line across it cuts the rep's far end off, so
        # its range is only a lower bound (not a partial rep, not too small to be one).
        return bool(unseen[max(c.first.end - 1, 0):c.second.start + 2].any())

    def arrival_unseen(c: _Candidate, speed: float) -> bool:
        # The way back ends on a gap, or on either side of one, and was still moving fast
        # (against `speed`, the set's typical way back) when the gap began: where it
        # arrived is not known (the line across a lockout lost between two touch-and-go
        # reps stays low). A stall is slow, and slows further before it is lost.
        near = np.flatnonzero(unseen[max(c.second.end - 1, 0):c.second.end + 2])
        if near.size == 0:
            return False
        g = max(c.second.end - 1, 0) + int(near[0])
        while g > c.second.start and unseen[g - 1]:
            g -= 1
        # Its speed towards rest over the last SETTLE_S before the gap (one frame's step
        # is landmark noise as much as movement).
        k = min(settle, g - 1 - c.second.start)
        if k < 1:
            return True
        return bool((r[g - 1 - k] - r[g - 1]) / k > ARRIVAL_LOST_SPEED_SHARE * speed)

    def reps_found(flank: _Onsets, hold_band: float | None = None
                   ) -> tuple[list[_Candidate], float]:
        cands: list[_Candidate] = []
        for a, b in nan_free_runs(r):
            cands.extend(_candidates_in_run(r, a, b, min_rom=min_rom, settle=settle,
                                            stall_hold=stall_hold, stall_pause=stall_pause,
                                            pulse_frames=pulse_frames,
                                            hold_band=hold_band,
                                            share=pause_velocity_share,
                                            eccentric_first=eccentric_first,
                                            floor=3.0 * diff_noise, flank=flank))
        min_len = min_rep_duration_s * fps
        max_len = max_rep_duration_s * fps
        cands = [c for c in cands if min_len <= c.second.end - c.first.start <= max_len]
        if not cands:
            return [], float("nan")
        typical = _typical_rom([c.rom for c in cands])
        kept = [c for c in cands
                if (c.rom >= min_rom_share * typical or turn_unseen(c)) and c.rom >= min_rom]
        if not kept:
            return [], float("nan")
        # Every rep of a set starts from the same rest position (standing, arms locked
        # out, hanging); an excursion that starts far from it is getting into position
        # (picking up the dumbbells, stepping under the bar), not a rep.
        rest = float(np.median([c.start_level for c in kept]))
        kept = [c for c in kept if abs(c.start_level - rest) <= 0.5 * typical]
        if eccentric_first and kept:
            speed = float(np.median([c.second.peak_speed for c in kept]))
            kept = _failed_reps(kept, rest, lambda c: arrival_unseen(c, speed))
        if not kept:
            return [], float("nan")
        return kept, _typical_rom([c.rom for c in kept])

    cutoff = smoothing_cutoff_hz / fps if smoothing_cutoff_hz else None
    settle = max(2, int(round(SETTLE_S * fps)))
    stall_hold = max(2, int(round(STALL_HOLD_S * fps)))
    stall_pause = int(round(STALL_PAUSE_S * fps))
    pulse_frames = int(round(PULSE_MAX_S * fps))
    kept, typical = reps_found(_Onsets(cutoff))
    # The reps of a set are lifted alike, so each end has one flank exponent for the set,
    # the one that fits all its reps' crossings together (one rep's three crossings are at
    # the mercy of landmark noise; _set_exponent); the concentrics are then timed again
    # with it.
    con = [c.second if eccentric_first else c.first for c in kept]
    # A concentric bridged across a tracking gap has a straight line for a flank there: it
    # does not shape the set's exponent (it moved the other reps' onsets by up to 5 frames).
    con = [ph for ph in con if not unseen[max(ph.start - 1, 0):ph.end + 2].any()]
    pooled = tuple(_set_exponent([getattr(ph, k) for ph in con], [getattr(ph, f) for ph in con])
                   for k, f in (("p_start", "fit_start"), ("p_end", "fit_end")))
    # A pause as long as a way back's settling, at the rep's rest position (where its way
    # back arrives), low in a concentric-first rep's rise: the rise starts after it
    # (_held_before). The band round the rest is a share of the first pass's typical range.
    hold_band = CUT_REST_SHARE * typical if kept and not eccentric_first else None
    if kept and (pooled != (None, None) or hold_band is not None):
        kept, typical = reps_found(_Onsets(cutoff, *pooled), hold_band)
    if not kept:
        return ()
    reps: list[Rep] = []
    max_pause = max_pause_s * fps
    full = _run_typical_roms(kept, typical, new_range_rest_s * fps)
    # Rest, for telling a rep cut by the clip's edges: where reps start inside the signal;
    # failing that (a one-rep clip begun mid-rep), where they arrive back inside it.
    starts = [c.start_level for c in kept if c.first.start > c.run_start]
    ends = [c.end_level for c in kept if c.second.end < c.run_end]
    rest = float(np.median(starts or ends or [c.start_level for c in kept]))
    for n, c in enumerate(kept):
        end = c.second.end
        nxt = kept[n + 1] if n + 1 < len(kept) else None
        if nxt is not None and nxt.first.start <= c.run_end and 0 <= nxt.first.start - end <= max_pause:
            end = nxt.first.start
        first = (c.first.start, c.first.end)
        second = (c.second.start, c.second.end)
        ecc, con = (first, second) if eccentric_first else (second, first)
        share = c.rom / full[n] if full[n] > 0 else float("nan")
        # The movement only: a gap in the trailing pause (still, between two rest levels)
        # leaves the rep's phases and form readable.
        lost = np.flatnonzero(unseen[c.first.start:c.second.end + 1]) + c.first.start
        # Begun on the signal's first frame (of the clip, or after a gap too long to
        # bridge) already away from rest, or already moving there on its way:
        # the start of its first phase came before it. The set's rest is a median over
        # reps a tilting camera moves apart (a pull-up clip cut 0.2 s into a pull began
        # 17 % of the range above the next hang, under the median rest), so the speed
        # is asked too, as a cut end's is.
        cut = c.first.start <= c.run_start and (
            c.start_level - rest > CUT_REST_SHARE * typical
            or _moving_at_start(r, c.first, c.run_start, pause_velocity_share))
        # Its way back runs into the signal's last frame short of rest, or still moving
        # there (faster than a pause): the end came after, so it was not seen. A lift that
        # starts with the concentric and never gets back near rest before the last frame
        # was held at the top until the clip ended: its lowering was not seen either (a
        # curl held until an end card has a "way back" of a degree or two of landmark
        # noise, which stops frames before the picture goes). One whose way back came
        # more than half-way down and stopped there before the last frame was seen to end,
        # a little above the set's rest (a rendered press ending 11 % short of its earlier
        # bottoms, still for 0.5 s, was read as cut and its lowering went untimed). An
        # eccentric-first rep that stays short of rest has stalled, which the concentric
        # verdict judges.
        far = CUT_REST_SHARE * typical
        last_in_run = nxt is None or nxt.run_start != c.run_start
        came_down = c.end_level - rest <= 0.5 * c.rom
        cut_end = c.end_level - rest > far and (
            c.second.end >= c.run_end
            or (not eccentric_first and last_in_run and not came_down
                and float(np.nanmin(r[c.second.end:c.run_end + 1])) - rest > far)) or (
            c.second.end >= c.run_end and _moving_at_end(r, c.second, c.run_end,
                                                          pause_velocity_share)
            # still on the rep's side of rest: a way back that passed the rest level and
            # goes on beyond it (a fade at the clip's end dragging the shoulders below
            # where the deadlift began) was seen to arrive
            and r[c.run_end] > rest)
        if cut_end:
            # Not seen to end: the rep runs to the signal's last frame (a hold at the top
            # that outlasts the noise's "way back" is part of it, not after it), and so
            # does its last phase, which is then neither timed nor judged: the noise's
            # 0.13 s "lowering" of a curl held at the top read as eccentric failure.
            end = max(end, c.run_end)
            second = (second[0], end)
            ecc, con = (first, second) if eccentric_first else (second, first)
        # Cut off before lockout (a lift that starts with the concentric, cut during it):
        # not completed. A rep the clip cut before its lockout is not a partial rep either
        # (its range was cut short by the clip, not by the lifter); one cut after its
        # lockout was seen is judged for range like any other.
        # A rise the clip cut at its top has reached lockout when it came within
        # CUT_REST_SHARE of the range the set's other reps lifted through (a curl ending on
        # the frame of its top, at 105 % of the set's range, read "stalled part-way" and
        # went uncounted). Against its own range (a clip of one cut rise) it always would.
        others = [k.rom for m, k in enumerate(kept) if m != n]
        topped = bool(others) and c.rom >= (1.0 - CUT_REST_SHARE) * _typical_rom(others)
        completed = c.returned and not (cut_end and not eccentric_first and c.first.end >= c.run_end - 1
                                        and not topped)
        reps.append(Rep(index=len(reps) + 1, start=c.first.start, end=end,
                        turnaround=(c.first.end + c.second.start) // 2, eccentric=ecc,
                        concentric=con, eccentric_first=eccentric_first, rom=c.rom,
                        rom_share=share,
                        partial=(share < partial_rom_share and not turn_unseen(c)
                                 and not (cut_end and not completed)),
                        completed=completed,
                        unseen=(int(lost[0]), int(lost[-1])) if lost.size else None,
                        cut_start=bool(cut), cut_end=bool(cut_end)))
    return tuple(reps)


# The most a lockout may add to a concentric, as a share of the concentric read on the
# driving signal: a minimum-jerk lift covers its last 1 % of travel in about the last
# tenth of its time, and a wrist read early misses about that much; a joint "arriving"
# much later than this is a landmark drifting through the hold, not the lift finishing.
LOCKOUT_MAX_SHARE = 0.25


def lockout_arrivals(reps: tuple[Rep, ...], angle: np.ndarray, fps: float, *, share: float,
                     floor: float, smoothing_cutoff_hz: float | None) -> tuple[Rep, ...]:
    """The reps with each concentric running on until a joint's angle has arrived too.

    angle: float[T] the joint's angle, opening as the concentric completes (the elbow in a
    press), conditioned as the driving signal is (NaN where a gap was too long to bridge).
    A press's wrist height changes with the cosine of the forearm's tilt, so it hardly
    moves through the last degrees of the elbow's extension, and on rendered presses its
    arrival read early (20-80 ms, the median by view). The elbow's angle turns at first
    order there, and its arrival is read from its own speed flank (_rise with the
    flank fit). Each concentric ends at the later of the two arrivals, by no more than
    LOCKOUT_MAX_SHARE of its length and never after the next phase starts.

    Velocity loss compares a set's reps with each other, so the reps are timed one way:
    only when the angle's flank was read on every completed rep seen whole (a rep not
    completed, cut by the clip or with unseen frames is left as it is); otherwise the set
    keeps its ends. A rep whose angle arrives first keeps its own. share, floor: as for
    segment_reps' phases (a share of the peak speed, degrees a frame).
    """
    cutoff = smoothing_cutoff_hz / fps if smoothing_cutoff_hz else None
    ends: dict[int, int] = {}
    for n, r in enumerate(reps):
        a, b = r.concentric
        hi = r.end if r.eccentric_first else r.eccentric[0]
        if not r.completed or not r.seen_whole:
            continue
        seg = np.asarray(angle[a:hi + 1], dtype=np.float64)
        if hi <= b or not np.isfinite(seg).all():
            return tuple(reps)
        k = int(np.argmax(seg))
        if a + k <= b:
            continue  # the joint was at its most open before the driver arrived: b stands
        found = _rise(seg[:k + 1], share, floor, _Onsets(cutoff))
        if found is None or not np.isfinite(found[4]):
            return tuple(reps)  # the arrival's flank lost in noise: no reading of it
        cap = b + int(np.floor(LOCKOUT_MAX_SHARE * (b - a)))
        ends[n] = int(min(max(b, a + found[1]), hi, cap))
    out = list(reps)
    for n, end in ends.items():
        r = reps[n]
        turn = r.turnaround if r.eccentric_first else (end + r.eccentric[0]) // 2
        out[n] = replace(r, concentric=(r.concentric[0], end), turnaround=turn)
    return tuple(out)


# The most a rep's start may move back along the driving point's path, as a share of its
# first phase read on the driving signal: the ramp the height misses is the first few
# frames of an easing-in (a tenth to a fifth of the phase); a longer "ramp" is something
# else moving before the rep (a shift of the feet, a hand leaving the hips).
PATH_ONSET_MAX_SHARE = 0.35


def path_onsets(reps: tuple[Rep, ...], speed: np.ndarray, *, floor: float,
                cutoff_per_fps: float | None = None) -> tuple[Rep, ...]:
    """The reps with each start, and the lowering of a lift that raises first, moved back
    to where the driving point left rest along its 2-D path in the picture, when that was
    before its height began to change.

    speed: float[T] the point's speed along its path (per frame, in the driving signal's
    units; NaN where unknown), conditioned as the driving signal is; cutoff_per_fps: that
    conditioning's low-pass (Hz per frame rate), None if none. A hip leaving a standing
    squat, shoulders leaving a push-up's top, or a press's wrists leaving lockout, turn on
    a joint that is straight at rest: the point's height changes with the cosine of the
    turn (second order), its path with the turn itself, so the height's onset reads late
    (about 0.2 s on rendered side-view squats and on the lowering of rendered presses and
    deadlifts, whose exact phases the renderer gives, and on a hand-labelled 45-degree
    squat). Each onset is read on the path by _path_onset. A rep's start never reaches
    into the previous rep's movement, and the previous rep's trailing pause ends at the
    new start; a lowering never starts before its lift arrived. A rep begun before the
    clip, or with unseen frames, keeps its start.
    """
    speed = np.asarray(speed, dtype=np.float64)
    out = list(reps)
    for n, r in enumerate(reps):
        if r.unseen is not None:
            continue
        if not r.eccentric_first and r.completed:
            # The lowering after the lift's hold at lockout.
            c1, (e0, e1) = r.concentric[1], r.eccentric
            i = _path_onset(speed, e0, e1, c1 + 1, floor, cutoff_per_fps, flank=True)
            if i < e0:
                r = replace(r, eccentric=(i, e1), turnaround=(c1 + i) // 2)
                out[n] = r
        if r.cut_start:
            continue
        a, b = r.eccentric if r.eccentric_first else r.concentric
        after = 0
        if n > 0:
            prev = out[n - 1]
            after = max(prev.eccentric[1], prev.concentric[1]) + 1
        i = _path_onset(speed, a, b, after, floor, cutoff_per_fps, flank=r.eccentric_first)
        if i >= a:
            continue
        if r.eccentric_first:
            out[n] = replace(r, start=i, eccentric=(i, r.eccentric[1]))
        else:
            out[n] = replace(r, start=i, concentric=(i, r.concentric[1]))
        if n > 0 and out[n - 1].end > i:
            out[n - 1] = replace(out[n - 1], end=i)
    return tuple(out)


# Speed levels (shares of a phase's peak path speed) at which _path_onset reads the
# path's flank: above the landmark noise that the low level of a height's flank
# (FLANK_LOW_SHARE) sits in on the path, whose speed is never below the noise.
PATH_FLANK_SHARES = (0.1, float(np.sqrt(0.1 * FLANK_HIGH_SHARE)), FLANK_HIGH_SHARE)


def _path_onset(speed: np.ndarray, a: int, b: int, after: int, floor: float,
                cutoff_per_fps: float | None, *, flank: bool) -> int:
    """Where the phase a..b (read on the height) left rest along the path: a, or earlier.

    From a, the onset moves back frame by frame while the path still slows towards rest
    and moves faster than both its median speed while waiting for the phase plus `floor`
    (landmark noise) and 2 % of the phase's peak path speed (as segment_reps' ends).
    A threshold fires once the point is under way; with `flank` (a lowering: segment_reps
    reads a lift's onset on the height's flank, not a lowering's), the path's speed flank,
    read where it crosses PATH_FLANK_SHARES of its peak, then gives where the speed was
    zero (_fit_flank), by no more than the fitted flank's own lag plus a frame, and never
    before a frame where the path moved no faster than while waiting. In all, by at most
    PATH_ONSET_MAX_SHARE of the phase, and not before `after`.
    """
    # The phase's own steps: speed[k] is the step from frame k to k + 1 (and NaN after
    # the clip's last frame, where a lift's last lowering may end).
    if b <= a + 1 or b >= len(speed) or not np.isfinite(speed[a:b]).all():
        return a
    seg = speed[a:b]
    k = a + int(np.argmax(seg))
    peak = float(speed[k])
    # A lifter who is never quite still between reps (swaying, breathing, shifting
    # the feet) moves the path while waiting: the phase has begun only where the path
    # moves faster than that (its median speed over the wait before it, up to one
    # phase's length) by more than landmark noise. Read on the wait's level alone, a
    # chunked extraction's sub-pixel differences moved such a start 2 frames.
    wait = speed[max(after, a - (b - a), 0):a]
    wait = wait[np.isfinite(wait)]
    rest = float(np.median(wait)) if wait.size >= 3 else 0.0
    stop = max(floor + rest, 0.02 * peak)
    lo = max(a - int(PATH_ONSET_MAX_SHARE * (b - a)), after, 0)
    i = a
    while i - 1 >= lo and np.isfinite(speed[i - 1]) and stop < speed[i - 1] <= speed[i]:
        i -= 1
    if not flank or not stop < PATH_FLANK_SHARES[0] * peak or k <= i:
        return i
    t = _flank_crossings(speed, max(i - 1, 0), k + 1, 1, peak * np.asarray(PATH_FLANK_SHARES))
    fit = None if t is None else _fit_flank(t - i, PATH_FLANK_SHARES, cutoff_per_fps)
    if fit is None:
        return i
    onset, lag = fit[0], fit[1]
    # A path that creeps out of rest before it speeds up gives a flank that extrapolates
    # far back (fitted to a rendered press's lift, 5 frames before it began); the point
    # was still wherever the path moved no faster than while waiting.
    still = np.flatnonzero(~(speed[lo:i] > rest))
    bound = lo + int(still[-1]) + 1 if still.size else lo
    return min(i, max(int(round(i + onset)), i - int(np.ceil(lag)) - 1, bound))


def _moving_at_start(r: np.ndarray, phase: _Phase, first: int, share: float) -> bool:
    """Whether the phase is already under way on frame `first` (its run's first): every
    step from there to half its travel moves its way faster than `share` of its peak
    speed. A phase under way speeds up towards its middle; a settling that dies out on the
    first frames (a noisy rendered press's first poses, a cropped squat's filter edge:
    from the peak speed to still in eight frames, then the lift much later) stops first."""
    way = np.sign(r[phase.end] - r[phase.start])
    half = r[first] + 0.5 * (r[phase.end] - r[first])
    reached = np.flatnonzero(way * (r[first:phase.end + 1] - half) >= 0)
    if not way or reached.size == 0 or reached[0] < 1:
        return False
    head = way * np.diff(r[first:first + int(reached[0]) + 1])
    return bool(np.all(head > share * phase.peak_speed))


def _moving_at_end(r: np.ndarray, phase: _Phase, last: int, share: float) -> bool:
    """Whether the phase still moves on frame `last` (its run's last) faster than `share`
    of its peak speed: the mean step over its last two frames."""
    tail = np.abs(np.diff(r[max(last - 2, phase.start):last + 1]))
    return bool(tail.size) and float(np.mean(tail)) > share * phase.peak_speed


def begun_past_half(values: np.ndarray, reps: Sequence[Rep], *, concentric_increases: bool,
                    eccentric_first: bool, max_still: int) -> float | None:
    """How far into a rep the signal is where the first rep's stretch of signal begins, as
    a share of the reps' typical range (or, when under half of that, of the stretch's own
    depth), when past half of either (of its own depth only from BEGUN_MIN_SHARE of the
    typical range on) and leaving that level within max_still frames (a rise, not a lifter
    lying on the floor before the first plank): the clip (or the tracking) began inside a
    lowering too far in to be found (a squat filmed from its bottom), and the rise that
    follows was seen whole. None otherwise, and for a lift that starts with its concentric
    (there a first frame far from rest is as likely a lifter standing before the deadlift's
    set-up as a rep whose rise went unseen). values: the driving signal (its units, as
    Rep.rom's)."""
    if not eccentric_first or not reps:
        return None
    r = excursion(values, concentric_increases=concentric_increases, eccentric_first=True)
    k0 = reps[0].start
    if not np.isfinite(r[k0]):
        return None
    while k0 > 0 and np.isfinite(r[k0 - 1]):
        k0 -= 1
    starts = [r[x.start] for x in reps if np.isfinite(r[x.start])]
    roms = [x.rom for x in reps if x.counted and np.isfinite(x.rom)]
    if k0 >= reps[0].start or not starts or not roms or not np.median(roms) > 0:
        return None
    typical = float(np.median(roms))
    rest = float(np.median(starts))
    into = (float(r[k0]) - rest) / typical
    # Segmentation drops such a stretch when it begins past half of its own depth, which a
    # shallower first rep reaches before half the typical range: a clip begun 44 % of the
    # way down (56 % of that rep's depth) was neither counted nor said.
    stretch = r[k0:reps[0].start + 1]
    depth = float(np.nanmax(stretch)) - rest
    # Only a stretch that goes on down from its first frame (the clip began in a lowering):
    # one that begins rising is at its own deepest there, and read "100 %" at 39 % down.
    lowering = depth > 1.05 * (float(r[k0]) - rest)
    own = (float(r[k0]) - rest) / depth if depth > 0 and lowering else 0.0
    left = np.flatnonzero(np.abs(stretch - r[k0]) > CUT_REST_SHARE * typical)
    if (into <= 0.5 and not (own > 0.5 and into > BEGUN_MIN_SHARE)) or left.size == 0 \
            or left[0] > max_still:
        return None
    return into if into > 0.5 else own


# A stretch the clip begins inside is said (begun_past_half) past half its own depth only
# when that is at least this share of the reps' typical range: not a lifter standing up
# under the bar to unrack it (0.18-0.28 on the rear-view back squat and its copies).
BEGUN_MIN_SHARE = 0.35


# A stretch without frames is a hole (time_holes) only when longer than this many of the
# clip's frame intervals, as well as the bridged landmark gap.
HOLE_MIN_STEPS = 3


def time_holes(timestamps_s: np.ndarray, max_gap_s: float, *,
               min_steps: float = HOLE_MIN_STEPS) -> np.ndarray:
    """Frames k after which the file has no frame for longer than max_gap_s (t[k+1] - t[k],
    the landmark gaps the signal bridges) and than min_steps frame intervals (their
    median): a second the recording dropped, or an edit cut out with its times kept. A
    slow frame rate's every step, or --max-gap 0, is no hole. (shots.py's gaps, where a
    clip is split, are the same reading with longer bounds.)"""
    dt = np.diff(np.asarray(timestamps_s, dtype=np.float64))
    if dt.size == 0:
        return np.zeros(0, dtype=np.intp)
    return np.flatnonzero(dt > max(max_gap_s, min_steps * float(np.median(dt))))


def mark_time_holes(reps: Sequence[Rep], holes: np.ndarray) -> tuple[Rep, ...]:
    """The reps with each time hole inside them (holes: time_holes' frames) added to their
    unseen frames: the signal runs straight across it, so a phase through it is timed and
    measured on time nobody saw (a squat whose rise lost 0.8 s of frames read 42 % velocity
    loss)."""
    holes = np.asarray(holes, dtype=np.intp)
    out = []
    for r in reps:
        # The movement only, as a landmark gap's: a hole in the trailing pause leaves the
        # rep's phases and form readable.
        moved = max(r.eccentric[1], r.concentric[1])
        inside = holes[(holes >= r.start) & (holes + 1 <= moved)]
        if inside.size:
            lo, hi = int(inside[0]), int(inside[-1]) + 1
            if r.unseen is not None:
                lo, hi = min(lo, r.unseen[0]), max(hi, r.unseen[1])
            r = replace(r, unseen=(lo, hi))
        out.append(r)
    return tuple(out)


def joint_ranges(reps: Sequence[Rep], angle: np.ndarray) -> np.ndarray:
    """Each rep's range of a joint's angle (angle: float[T], degrees, NaN where unknown)
    from its first frame to its last; NaN where under half its frames read it (a joint
    lost for most of a rep shows a few degrees of it, not that it stayed still)."""
    out = np.full(len(reps), np.nan)
    for n, r in enumerate(reps):
        seg = np.asarray(angle[r.start:r.end + 1], dtype=np.float64)
        read = seg[np.isfinite(seg)]
        if read.size > 1 and 2 * read.size >= seg.size:
            out[n] = float(read.max() - read.min())
    return out


def joint_still(ranges: np.ndarray, rom_shares: Sequence[float], share: float) -> tuple[int, ...]:
    """Positions of the reps whose working joint barely moved (ranges: joint_ranges's):
    its range under `share` of the reps' median, and under half the rep's own share of
    the set's range (rom_shares, Rep.rom_share: a half-depth squat bends the knees about
    half as far, and is a partial rep, not a dip of another kind). Nothing with fewer
    than three reps, or when the median range is under JOINT_MIN_RANGE_DEG: an angle
    that hardly moves in any rep (a knee seen head-on) cannot tell."""
    ranges = np.asarray(ranges, dtype=np.float64)
    if share <= 0 or ranges.size < 3 or not np.isfinite(ranges).any():
        return ()
    typical = float(np.nanmedian(ranges))
    if not typical >= JOINT_MIN_RANGE_DEG:
        return ()
    return tuple(n for n, (x, rs) in enumerate(zip(ranges, rom_shares))
                 if x < share * typical and (not np.isfinite(rs) or x < 0.5 * rs * typical))


def out_of_range(rep: Rep, share: float) -> bool:
    """Whether a rep's range is over `share` (> 1, AnalysisConfig.rom_outlier_share) times
    its run's full range: not the set's movement (the camera moved, or the lifter left the
    position in it: pullup_front_long's last rep, dropped off the bar as the camera tilts,
    reads 1.97; the other reps of the 22 dev clips at most 1.33, a rendered set's first rep
    before a shortened range 1.47). Counted as found, but nothing is judged on it."""
    return bool(np.isfinite(rep.rom_share) and rep.rom_share > share)


# A working joint whose median range over a set's reps is under this many degrees cannot
# tell a rep from another dip (joint_still): the 22 dev clips' medians read 50-148.
JOINT_MIN_RANGE_DEG = 40.0
# A run of reps between rests needs this many reps to set its own full range.
MIN_RUN_REPS = 3
# A rep whose first phase starts on its signal's first frame more than this share of the
# set's range away from rest was already under way when the clip (or the track) began;
# one whose way back reaches the last frame as far from rest was cut off by its end (and
# a clip whose last frame is that far from rest did not show the lifter stop: analysis).
CUT_REST_SHARE = 0.1
# A rep's way back ends once the point, back within 10 % of its start, has moved less than
# SETTLE_SHARE of the way back's fastest frame for SETTLE_S (still, not merely creeping
# into lockout, which the arrival's flank fit reads), or has stayed within
# SETTLE_RANGE_SHARE of the way back's travel over those frames (still under jitter).
SETTLE_S = 0.15
SETTLE_SHARE = 0.03
SETTLE_RANGE_SHARE = 0.02
# A concentric-first rep whose rise began more than half its way back below where that way
# back arrives (the jump to a pull-up bar) rises from where it last left a band of this
# share of the way back's travel round that rest, when it stayed in the band for SETTLE_S
# running, moving under HANG_SPEED_SHARE of the rise's fastest step (the real quick
# pull-up's swinging hang: 0.02 of the travel a frame against 0.07 in the pull).
HANG_BAND_SHARE = 0.15
HANG_SPEED_SHARE = 0.5
# An eccentric-first rep stopped short when it arrives further than this share of its
# range from the set's rest position, on the way back (a failed squat that stalls half-way
# and sinks back arrives 0.4-0.5 of it away; a rep coming up a little short, under 0.15).
LOCKOUT_MISS_SHARE = 0.25
# A way back that runs into a tracking gap is not known to have stalled when it was still
# moving towards rest at over this share of the set's typical way-back peak speed over the
# SETTLE_S before the gap (segment_reps' arrival_unseen): a rise lost at speed, not a
# stall, which is slow.
ARRIVAL_LOST_SPEED_SHARE = 0.3
# A failed rep's sink back starts within this share of its range of where the stalled
# rise stopped (see _failed_reps).
FAILURE_RETURN_SHARE = 0.25
# A way back that stops more than half its range short of rest has stalled (not turned
# on purpose, as a one-and-a-quarter squat's pulse does) when it holds still this long
# where it stopped (_stalled_low).
STALL_HOLD_S = 0.25
# ... and when it left the bottom within this long: a lifter who lies on the floor after
# the last push-up, or sits on a box after the last squat, and then half rises is moving
# about, not attempting a rep (a failed paused squat held longer in the hole goes unread).
STALL_PAUSE_S = 1.5
# Two one-way shifts back to back are one rep (a one-and-a-quarter squat, or a turnaround
# the landmarks split in two) when the lift left the bottom for good within this long of
# first reaching it; further apart they are two moves (walking out, then a squat 7 s
# later, with the pose lost behind a rack between them).
PULSE_MAX_S = 3.0


def _failed_reps(kept: list[_Candidate], rest: float,
                 arrival_unseen: Callable[[_Candidate], bool]) -> list[_Candidate]:
    """Eccentric-first candidates with the reps that stalled on the way up marked not
    completed, and the sink back after each taken out.

    A lifter who stalls half-way up a squat and sinks back to the bottom makes a second
    excursion that starts where the stalled rise stopped: it is the end of the failed
    rep, not a rep of its own (counted as one, it made the failed rep look completed and
    put the concentric failure on a rep that never was). rest: the set's rest level in the
    excursion (see excursion: it rises towards the turnaround). arrival_unseen: whether a
    candidate's way back ran into a gap in the track, so where it arrived is not known: it
    is not called stalled (the pose lost from one squat's rise into the next one's descent
    read as a stall, and the next squat as its sink back).
    """
    out: list[_Candidate] = []
    stalled: _Candidate | None = None
    for c in kept:
        if stalled is not None and abs(c.start_level - stalled.end_level) <= FAILURE_RETURN_SHARE * stalled.rom:
            stalled = None
            continue
        stalled = None
        if c.sank:
            stalled = c  # stalled below half-way (_stalled_low): already not completed
        elif c.returned and c.end_level - rest > LOCKOUT_MISS_SHARE * c.rom and not arrival_unseen(c):
            c = replace(c, returned=False)
            stalled = c
        out.append(c)
    return out


def _run_typical_roms(kept: list[_Candidate], typical: float, rest: float) -> list[float]:
    """The full range each rep is judged against: its run's (reps with no rest of `rest`
    frames or more between them), or the set's when the run has under MIN_RUN_REPS reps.

    A lifter who rests long enough to pick up a load (bodyweight squats, then goblet squats
    deeper or shallower) starts a run with a range of its own; its reps are not partials
    of the other run's. Reps that shorten after a breather shorter than that (a few
    seconds to reset at the top) are still one run, read as partials of its full ones.
    """
    runs: list[list[int]] = []
    for n, c in enumerate(kept):
        if runs and c.first.start - kept[n - 1].second.end < rest:
            runs[-1].append(n)
        else:
            runs.append([n])
    full = [typical] * len(kept)
    for run in runs:
        if len(run) >= MIN_RUN_REPS and len(run) < len(kept):
            own = _typical_rom([kept[n].rom for n in run])
            for n in run:
                full[n] = own
    return full


def _set_exponent(values: list[float], fits: list[np.ndarray | None]) -> float | None:
    """The set's flank exponent: the one whose misfit summed over its reps' crossings is
    least (joint least squares, each rep with its own onset and duration); the median of
    the reps' own exponents where no fit curve is whole; None if no rep had one.

    One rep's three crossings fit its three unknowns exactly, so its own best exponent
    swings across the grid with a pixel of noise: a squat clip and the same clip trimmed
    by 2 s read 1.0 / 2.6 / 1.0 and 3.5 / 3.25 / 1.0, and their medians (1.0 and 3.25)
    put the same lockouts up to 10 frames apart. Summed, the reps agree (1.0 and 1.125).
    """
    curves = [f for f in fits if f is not None and np.isfinite(f).any()]
    if curves:
        stacked = np.stack(curves)
        whole = np.isfinite(stacked).all(axis=0)
        if whole.any():
            total = np.where(whole, np.nansum(stacked, axis=0), np.inf)
            return FLANK_P_GRID[int(np.argmin(total))]
    arr = np.asarray(values, dtype=np.float64)
    arr = arr[np.isfinite(arr)]
    return float(np.median(arr)) if arr.size else None


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


def _settled(x: np.ndarray, p: int, hi: int, level: float, band: float, share: float,
             hold: int) -> int:
    """Where the way back from the peak at p (falling towards `level`) comes to rest: the
    last frame of its first `hold` still frames once within `band` of level (still: moving
    less than `share` of the way back's fastest frame, or staying within SETTLE_RANGE_SHARE
    of the way back's travel over those frames); hi if it never rests there."""
    back = np.flatnonzero(x[p:hi + 1] <= level + band)
    if back.size == 0:
        return hi
    q = p + int(back[0])
    fastest = float(np.max(np.abs(np.diff(x[p:q + 1])))) if q > p else 0.0
    # The landmarks of a small or low-resolution lifter jitter by more than 3 % of the
    # fastest step while standing: a step test alone never saw the last squat of a
    # 320x180 copy come to rest, and the rep ran on into the lifter walking to the camera.
    # Staying within a band of the travel over the held frames is rest as well.
    span = SETTLE_RANGE_SHARE * (x[p] - level)
    run = 0
    for k, step in enumerate(np.abs(np.diff(x[q:hi + 1]))):
        run = run + 1 if step <= share * fastest else 0
        held = x[q + k + 1 - hold:q + k + 2] if k + 1 >= hold else None
        if run >= hold or (held is not None and float(np.ptp(held)) <= span):
            return min(hi, q + k + 1)
    return hi


def _stayed_near(seg: np.ndarray, level: float, band: float, hold: int) -> int | None:
    """The last index of seg within `band` of `level`, when seg stayed there before for
    `hold` frames running while moving slowly (under HANG_SPEED_SHARE of seg's fastest
    step); None when it never did (it only passed the level on its way)."""
    near = np.abs(seg - level) <= band
    step = np.abs(np.diff(seg, prepend=seg[0]))
    calm = near & (step <= HANG_SPEED_SHARE * float(np.max(step)))
    run, stayed = 0, False
    for ok in calm:
        run = run + 1 if ok else 0
        stayed = stayed or run >= hold
    return int(np.flatnonzero(near)[-1]) if stayed else None


def _candidates_in_run(r: np.ndarray, a: int, b: int, *, min_rom: float, share: float,
                       eccentric_first: bool, floor: float,
                       flank: _Onsets, settle: int, stall_hold: int, stall_pause: int,
                       pulse_frames: int, hold_band: float | None = None) -> list[_Candidate]:
    """Peaks of r in one NaN-free run [a, b) with their two moving phases; flank: the
    concentric's onset and arrival exponents (None: read on each rep); settle: frames the
    point must stay still, back at its start, to end a rep's way back (see _settled);
    stall_hold: frames a way back must stay still where it stopped to have stalled there
    (_stalled_low); stall_pause: the longest rest at the turnaround before such a way back
    (frames); pulse_frames: the longest stretch from a rep's first arrival at the bottom to
    its last departure for two one-way shifts to be one rep; hold_band: how far from a
    concentric-first rep's rest (where its way back arrives) a pause of `settle` frames
    starts its rise (see _held_before; None: no such pause)."""
    x = r[a:b]
    n = len(x)
    if n < 3:
        return []
    # A rep cut off by the end of the clip (or of the tracking) has no fall after its
    # peak; the run's lowest value appended at the end lets it still show as a peak.
    from scipy.signal import find_peaks  # imported when needed: see smoothing.lowpass

    peaks, _ = find_peaks(np.append(x, x.min()), prominence=min_rom)
    peaks = _merge_close_peaks(x, peaks[peaks < n], min_rom)
    out = []
    # The last peak's excursion when it was a one-way shift: (its peak, first phase, start
    # level and top), for a turnaround the landmarks split in two (see below).
    shift: tuple[int, _Phase, float, float] | None = None
    # Each peak owns the stretch between the deepest points towards its neighbours.
    bounds = [0]
    for p, q in zip(peaks[:-1], peaks[1:]):
        bounds.append(p + int(np.argmin(x[p:q + 1])))
    bounds.append(n - 1)
    for k, p in enumerate(peaks):
        lo, hi = bounds[k], bounds[k + 1]
        # The concentric's ends are placed at movement onset and arrival (_flank_ends).
        # The eccentric keeps the threshold ends: on the real clips its start (the first
        # visible sink of a squat) and end (settling into a pull-up's hang) are slow drifts
        # that an onset fit placed 0.1-0.4 s away from the hand labels.
        first = _moving_phase(x, lo, p, True, share, floor, flank=None if eccentric_first else flank)
        if first is None:
            continue
        at_end = hi >= n - 1  # no later peak in this run: the way back may be cut off
        # The way back ends where the point came back to its start and stayed there: what
        # follows (walking out after the last squat, racking, putting the weights down,
        # standing taller between reps) is not part of the rep.
        hi = _settled(x, p, hi, x[first.start], 0.1 * (x[p] - x[first.start]), SETTLE_SHARE, settle)
        second = (_moving_phase(x, p, hi, False, share, floor, flank=flank if eccentric_first else None)
                  if hi > p else None)
        if second is None:
            if not at_end:
                continue
            second = _Phase(n - 1, n - 1, 0.0)  # the run ended before the way back began
        if hold_band is not None and not eccentric_first and second.end < n - 1:
            # The rep's rest is where its way back arrives (a mini-set, or a tilting camera,
            # can put one rep's rest away from the set's): a hold there starts the rise.
            held = _moving_phase(x, lo, p, True, share, floor, flank=flank,
                                 hold=_Hold(settle, float(x[second.end]), hold_band))
            first = held if held is not None else first
        top = x[first.end:second.start + 1].max() if second.start >= first.end else x[p]
        start_level, end_level = x[first.start], x[second.end]
        rom_second = top - end_level
        if not eccentric_first and not at_end and end_level - start_level > 0.5 * rom_second:
            # The rise began well below the rest its way back arrives at: the lifter got
            # into position (jumped to the bar) and went on into the rep with no still
            # hang between (a quick set: 0.8 s of swinging at the bar). When the point
            # stayed at that rest for a while first (_stayed_near), the rep rises from
            # where it last left it; otherwise it is a one-way move, dropped below or by
            # the start-level test (a slow step up that passes the hang on its way).
            seg = x[first.start:p + 1]
            left = _stayed_near(seg, end_level, HANG_BAND_SHARE * rom_second, settle)
            # The rise is looked for from 2 x SETTLE_S before the point last left that
            # rest: the lowest point of a swing there can lie half a second before the
            # pull, with the shoulders creeping up all the while.
            again = (None if left is None else
                     _moving_phase(x, max(first.start, first.start + left - 2 * settle), p,
                                   True, share, floor, flank=flank))
            if again is not None:
                first = again
                start_level = x[first.start]
        rom_first = top - start_level
        returned = abs(end_level - start_level) <= 0.5 * max(rom_first, rom_second)
        # Its way back stopped more than half its range short of where it started.
        stopped_short = eccentric_first and not returned and not at_end and end_level > start_level
        sank = (stopped_short and second.start - first.end <= stall_pause
                and _stalled_low(x, second, x[peaks[k + 1]:], float(x[p]),
                                 start_level, rom_first, share, floor, stall_hold))
        if not returned and not sank and shift is not None and shift[0] == k - 1:
            # Two one-way shifts back to back, the first from rest and the second back to
            # it, are one rep that went back down once on its way up (a one-and-a-quarter
            # squat): its first phase is the first shift's, its way back the second's.
            # Only where the turnaround is the bottom: at the top of a curl the elbow angle
            # can jump 15 degrees back where the forearm hides the elbow, and a rep merged
            # across that jump was judged on it (a rendered clean rep called elbows
            # travelling forward).
            _, first_m, start_m, top_m = shift
            top2 = max(top, top_m)
            ends = (top2 - start_m, top2 - end_level)
            if (abs(end_level - start_m) <= 0.5 * max(ends) and min(ends) >= 0.5 * min_rom
                    and second.start - first_m.end <= pulse_frames):
                first, start_level, top = first_m, start_m, top2
                rom_first, rom_second = ends
                returned = True
                p = int(first.end) if top_m >= x[p] else p
        shift = None
        if not returned and not sank and (not at_end or start_level > end_level):
            if stopped_short:
                shift = (k, first, float(start_level), float(top))
            continue  # a one-way shift (walking in, standing up, re-gripping), not a rep
        if returned and min(rom_first, rom_second) < 0.5 * min_rom:
            continue
        # Lockout is the end of the concentric: the second phase of an eccentric-first
        # rep, the first phase of a concentric-first one (see also _failed_reps).
        completed = returned if eccentric_first else True
        out.append(_Candidate(peak=a + int(p),
                              first=replace(first, start=a + first.start, end=a + first.end),
                              second=replace(second, start=a + second.start, end=a + second.end),
                              rom=float(max(rom_first, rom_second)), returned=completed,
                              run_end=b - 1, run_start=a, start_level=float(start_level),
                              end_level=float(end_level), sank=bool(sank)))
    return out


def _stalled_low(x: np.ndarray, back: _Phase, after: np.ndarray, depth: float, start: float,
                 rom: float, share: float, floor: float, hold: int) -> bool:
    """Whether an eccentric-first rep's way back (`back`, in the excursion x, which rises
    towards the turnaround), stopped more than half its range (rom) short of its start
    level, stalled there and sank back: it held still (moving under `share` of the way
    back's peak speed, or under the noise `floor`) for `hold` frames running, from where
    it stopped or up to `hold` frames later (under noise the way back's end is placed a
    few frames early); the next turnaround, after[0], is back within FAILURE_RETURN_SHARE
    of its range of this one's (depth); and from there to the run's end (`after`) the
    point never gets back even half-way to the start.

    Without this, a squat or push-up that fails below half-way read as a one-way shift
    and was dropped, and its sink back could be taken for the rep. A lifter who goes on to
    stand up (pulses or pauses held in the hole, a one-and-a-quarter squat, a failed rep
    helped up from) did not fail there; a last one is judged by trailing_stall in
    verdicts.py.
    """
    next_depth = float(after[0])
    if next_depth < depth - FAILURE_RETURN_SHARE * rom or float(np.min(after)) < start + 0.5 * rom:
        return False
    step = np.abs(np.diff(x[back.end:back.end + 2 * hold + 1]))
    calm = step <= max(share * back.peak_speed, floor)
    run = 0
    for i, ok in enumerate(calm):
        run = run + 1 if ok else 0
        if run >= hold:
            return True
        if not ok and i >= hold:
            return False  # moving again (sinking back) before it held still long enough
    return False
