"""Concentric velocity, range of motion, velocity loss and reps in reserve, per rep.

Everything here is a pure function of arrays: the tracked point's height in metres (from
its pixel track, `kinematics.tracked_point_px`, and a Scale), the set's Reps (frame
indices) and float timestamps.

Reps-in-reserve model (an estimate, shown as one): within a set, velocity loss grows
close to linearly with the share of the possible repetitions already done; Rodríguez-Rosell,
Yáñez-García, Sánchez-Medina, Mora-Custodio & González-Badillo, "Relationship between
velocity loss and repetitions in reserve in the bench press and back squat exercises",
J Strength Cond Res 34(9), 2020 (and González-Badillo et al., Int J Sports Med 38, 2017,
for the bench press). With rep 1 at 0 % loss and failure at VL_fail, rep n at loss VL_n
gives N = 1 + (n - 1) * VL_fail / VL_n possible reps and RIR = N - n. VL_fail depends on
the lift (the loss at failure is larger in the bench press than in the squat in those
studies); repsight uses the round values in VELOCITY_LOSS_AT_FAILURE_PCT. Individual
variation is large (a few reps), so RIR is None while the loss is below 5 %.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Sequence

import numpy as np

from .scale import Scale
from .segmentation import mark_time_holes, out_of_range, time_holes
from .shots import frozen_spans
from .smoothing import smooth_timed
from .types import PoseSequence, Rep

G = 9.81  # m/s^2
# Velocity loss (%) at muscular failure by exercise family, rounded from the studies in the
# module docstring (squat-like lifts lose less velocity before failing than presses).
VELOCITY_LOSS_AT_FAILURE_PCT: dict[str, float] = {
    "squat": 50.0, "hinge": 50.0, "press": 65.0, "pushup": 60.0, "pull": 60.0,
    "curl": 60.0, "raise": 60.0,
}
# Mean propulsive velocity only means something where a load is accelerated against
# gravity by the whole body (Sánchez-Medina et al. 2010); not for curls and raises.
PROPULSIVE_FAMILIES = ("squat", "hinge", "press", "pushup", "pull")
MIN_RIR_LOSS_PCT = 5.0
# A rep's mid-travel time is read between this share of its concentric travel and 1 minus
# it (see shared_shape_velocities).
MID_TRAVEL_SHARE = 0.2
# The slowest a set's first reps can read and still be the load moving (m/s): a lift's
# mean concentric velocity at its one-rep maximum is about 0.15-0.3 m/s (bench press 0.17,
# squat about 0.3: Sanchez-Medina et al., Int J Sports Med 38, 2017; deadlift 0.14, Ruf et
# al., J Strength Cond Res 32, 2018). Fresh reps read slower than that were lifted
# deliberately slowly (a demonstration, a tempo set: velocity loss assumes each rep lifted
# as fast as it can be) or the tracked point is not following the load. A real clip's
# demonstration deadlift reads 0.04-0.06 m/s at the hips, and the rep-to-rep noise of so
# small a reading made 37 % "loss" on a shaky copy; the 630 rendered dev and final sets
# read 0.23 and up, the other real dev clips 0.17 and up.
MIN_BASELINE_MPS = 0.1
# Sets in the source studies ran to at most ~30 reps; beyond 10 left the linear model
# extrapolates from a few per cent of loss and the number means only "many".
MAX_RIR = 10.0
# A first "rep" this many times faster than the next three (their median) is set-up, not
# a rep of the set: they would have lost two thirds of its speed, past the velocity loss
# at which every lift in the studies above fails (50-65 %), and gone on. A re-encoded
# copy of a real floor press read its first "rep" (the lifter lying down) at 1.41 m/s
# against 0.23, and called every later rep a tempo failure; the rendered sets' first reps
# read at most 2.5 times the next three (a curl whose rep 2 nearly failed), the real
# clips' 1.2.
FAST_FIRST_RATIO = 3.0
# Under this share of the next three reps' median speed a first "rep" is set-up (settling
# into position inside its rise: two to three times slower). Not 0.7, as it was: a set
# whose later reps cheat (elbows swinging forward in a curl, a lean-back press) lifts
# them faster, and its strict first rep read 0.64-0.69 of them on two rendered sets (true
# 0.84-0.91; two more read 0.72-0.74, just past the old limit). Taken as set-up there, it
# left a baseline that already carried the fault, which then went uncalled.
SLOW_FIRST_SHARE = 0.5
# The lowest RPE an RIR estimate is turned into (rpe_from_rir): the RIR-based scale's
# 5-6 band covers 4-6 reps in reserve; lighter effort is not read from velocity loss.
RPE_FLOOR = 5.0


@dataclass(frozen=True)
class RepVelocity:
    """One rep's concentric: mean, peak and mean propulsive velocity (m/s), ROM (m)."""

    mean_mps: float
    peak_mps: float
    mean_propulsive_mps: float
    rom_m: float


@dataclass(frozen=True, eq=False)
class SetVelocity:
    """Velocities of every rep of a set and the baseline that velocity loss is measured from.

    per_frame_mps: float[T] vertical velocity of the tracked point (NaN without a scale),
    which the annotated video shows during each concentric.
    """

    reps: tuple[RepVelocity, ...]
    loss_pct: tuple[float, ...]
    rir: tuple[float | None, ...]
    baseline_reps: tuple[int, ...]  # rep indices (1-based)
    baseline_mps: float
    setup_reps: tuple[int, ...]
    per_frame_mps: np.ndarray
    warnings: tuple[str, ...] = ()
    # The first reps read slower than the floor (MIN_BASELINE_MPS): loss_pct is all NaN.
    too_slow: bool = False


def height_m(track_px: np.ndarray, scale: Scale, fps: float, timestamps_s: np.ndarray, *,
             cutoff_hz: float = 4.0, max_gap_s: float = 0.25) -> np.ndarray:
    """float[T] smoothed height in metres (up positive) of a float[T,2] pixel track, at the
    frames' times (smoothing.smooth_timed: a clip whose frames are not evenly spaced)."""
    y = -np.asarray(track_px, dtype=np.float64)[:, 1] * scale.m_per_px  # image y grows down
    return smooth_timed(y, timestamps_s, fps, cutoff_hz=cutoff_hz, max_gap_s=max_gap_s)


def _concentric_span(rep: Rep) -> tuple[int, int]:
    """Frames of the concentric, guaranteed at least two frames apart when the rep allows."""
    a, b = rep.concentric
    if b <= a:
        b = min(a + 1, rep.end)
    return a, b


def concentric_velocity(h: np.ndarray, t: np.ndarray, rep: Rep, *, propulsive: bool = True,
                        ) -> RepVelocity:
    """Mean, peak and mean propulsive velocity and ROM of one rep's concentric.

    h: float[T] height of the tracked point in metres (up positive); t: float[T] seconds.
    Mean velocity is displacement over duration (the mean of v over the phase) on the
    segmentation's concentric frames, so it inherits how segmentation places them; the
    propulsive phase ends where the point first decelerates harder than gravity after
    peak velocity (Sánchez-Medina et al. 2010). set_velocity then reads the set's mean
    velocities from each rep's mid-travel time (shared_shape_velocities).
    """
    nan = RepVelocity(*(float("nan"),) * 4)
    a, b = _concentric_span(rep)
    if len(h) < 2 or not rep.sees((a, b)):
        return nan
    v_all = np.gradient(h, t)
    seg_h, seg_t = h[a:b + 1], t[a:b + 1]
    if len(seg_h) < 2 or not np.all(np.isfinite(seg_h)):
        return nan
    v = v_all[a:b + 1]
    mean_v = (seg_h[-1] - seg_h[0]) / (seg_t[-1] - seg_t[0])
    rom = float(np.nanmax(seg_h) - np.nanmin(seg_h))
    if not np.isfinite(v).any():
        # A concentric of a frame or two between unknown heights: its gradient is all NaN
        # (a point other than the segmented one, or no gap bridged), so only the mean reads.
        return RepVelocity(float(mean_v), float("nan"), float("nan"), rom)
    peak_v = float(np.nanmax(v))
    mpv = float("nan")
    if propulsive:
        acc = np.gradient(v_all, t)[a:b + 1]
        after_peak = int(np.nanargmax(v))
        braking = np.nonzero(acc[after_peak:] < -G)[0]
        stop = after_peak + int(braking[0]) if braking.size else len(seg_h) - 1
        stop = max(stop, 1)
        mpv = float((seg_h[stop] - seg_h[0]) / (seg_t[stop] - seg_t[0]))
    return RepVelocity(float(mean_v), peak_v, mpv, rom)


def retimed(reps: Sequence[Rep], concentrics: Sequence[tuple[int, int]]) -> tuple[Rep, ...]:
    """The reps with each concentric read over the given frames (another point's own rise:
    the bar's, bar_metrics.bar_concentrics), each rep widened to hold it. A rep keeps its
    unseen frames only where its own concentric stands: the other point was followed on
    every frame of its rise."""
    if len(concentrics) != len(reps):
        raise ValueError(f"{len(concentrics)} concentric windows for {len(reps)} reps")
    return tuple(replace(r, start=min(r.start, c), end=max(r.end, d), concentric=(c, d),
                         unseen=r.unseen if (c, d) == r.concentric else None)
                 for r, (c, d) in zip(reps, concentrics))


def mid_travel_time(h: np.ndarray, t: np.ndarray, a: int, b: int, share: float = MID_TRAVEL_SHARE
                    ) -> float:
    """Seconds the point takes from `share` to 1 - `share` of its travel over frames a..b.

    The last crossing of the low level before the first crossing of the high one, linear
    between frames; NaN when the stretch does not rise or has gaps.
    """
    seg = np.asarray(h[a:b + 1], dtype=np.float64)
    if len(seg) < 3 or not np.all(np.isfinite(seg)) or not seg[-1] - seg[0] > 0:
        return float("nan")
    u = (seg - seg[0]) / (seg[-1] - seg[0])
    tt = np.asarray(t[a:b + 1], dtype=np.float64)
    k_hi = int(np.flatnonzero(u >= 1.0 - share)[0])
    low = np.flatnonzero(u[:k_hi] <= share)
    if k_hi == 0 or low.size == 0:
        return float("nan")
    k_lo = int(low[-1])

    def when(k: int, level: float) -> float:
        # u crosses level between frames k and k + 1
        du = u[k + 1] - u[k]
        f = (level - u[k]) / du if du != 0 else 0.0
        return float(tt[k] + f * (tt[k + 1] - tt[k]))

    return when(k_hi - 1, 1.0 - share) - when(k_lo, share)


def shared_shape_velocities(h: np.ndarray, t: np.ndarray, reps: Sequence[Rep],
                            vel: Sequence[RepVelocity], good: Sequence[int],
                            held: Sequence[int] = ()) -> list[RepVelocity]:
    """Mean concentric velocities with each rep's duration read from its mid-travel time.

    A rep's ends sit where the point leaves and reaches rest, where landmark noise moves
    them by a frame or more (tens of per cent of a fast concentric); its 20-80 % travel
    time is read where the point moves fast and is several times steadier. The set's reps
    share one velocity profile shape, so duration = mid-travel time / c, with c the
    median ratio of the two over the set's complete reps: the set's mean durations are
    kept, each rep's own is read from its steady middle. Needs two such reps, else the
    displacement over the segmented duration stands. The mean propulsive velocity, read
    over part of the same segmented concentric, is rescaled alike (it keeps its ratio to
    the segmented mean: equal to the mean velocity where there is no braking phase);
    peak velocity is untouched. held: reps with a hitch in the recording inside their lift
    (shots.frozen_spans), which have no velocity: they neither set the shape nor get it.
    """
    mids: dict[int, float] = {}
    ratios = []
    for i in good:
        a, b = _concentric_span(reps[i])
        if not reps[i].sees((a, b)) or i in held:
            continue
        mid = mid_travel_time(h, t, a, b)
        if np.isfinite(mid) and mid > 0 and t[b] > t[a]:
            mids[i] = mid
            ratios.append(mid / (t[b] - t[a]))
    if len(ratios) < 2:
        return list(vel)
    c = float(np.median(ratios))
    out = list(vel)
    for i, mid in mids.items():
        a, b = _concentric_span(reps[i])
        mean = float((h[b] - h[a]) * c / mid)
        mpv = vel[i].mean_propulsive_mps
        # The propulsive window is read on the segmented time base, which the mean no
        # longer uses: left alone it read 0.38 m/s beside a mean of 0.67 on a real pull-up.
        if np.isfinite(mpv) and vel[i].mean_mps > 0:
            mpv = mpv * mean / vel[i].mean_mps
        out[i] = replace(vel[i], mean_mps=mean, mean_propulsive_mps=float(mpv))
    return out


def rir_estimate(rep_number: int, velocity_loss_pct: float, *, loss_at_failure_pct: float = 50.0
                 ) -> float | None:
    """Reps in reserve estimated from velocity loss (linear model, see module docstring).

    rep_number: the rep's number counted from the set's first baseline rep (1) over its
    counted reps (set_velocity); velocity_loss_pct: loss vs the baseline;
    loss_at_failure_pct: 20..90. None while the loss is below 5 % (too little signal);
    capped at MAX_RIR (10), which reads "10 or more".
    """
    if not np.isfinite(velocity_loss_pct) or velocity_loss_pct < MIN_RIR_LOSS_PCT or rep_number < 2:
        return None
    if velocity_loss_pct >= loss_at_failure_pct:
        return 0.0
    possible = 1.0 + (rep_number - 1) * loss_at_failure_pct / velocity_loss_pct
    return float(min(max(possible - rep_number, 0.0), MAX_RIR))


def rir_text(rir: float | None) -> str:
    """An RIR estimate as shown: "~3", "10+" at the cap, "-" when there is none."""
    if rir is None:
        return "-"
    return f"{MAX_RIR:.0f}+" if rir >= MAX_RIR else f"~{rir:.0f}"


def rpe_from_rir(rir: float | None) -> float | None:
    """The set's RPE on the reps-in-reserve-based scale from an RIR estimate; None without one.

    Zourdos et al., "Novel resistance training-specific rating of perceived exertion scale
    measuring repetitions in reserve", J Strength Cond Res 30(1), 2016: 10 is maximal
    effort (no rep left), 9 one rep left, 8 two, 7 three, and 5-6 four to six. The RIR is
    rounded as rir_text shows it, so the two never disagree (RIR ~3 is RPE 7, not 6.6):
    0-4 in reserve give 10-6, five gives 5.5, six or more the scale's 5-6 band's floor, 5
    (below it the scale speaks of light effort, which velocity loss cannot tell apart).
    """
    if rir is None or not np.isfinite(rir):
        return None
    left = int(round(max(float(rir), 0.0)))
    if left <= 4:
        return float(10 - left)
    return RPE_FLOOR + 0.5 if left == 5 else RPE_FLOOR


def rpe_text(rpe: float | None) -> str:
    """An RPE estimate as shown: "~8", "~5.5", "5 or less" at the floor, "-" without one."""
    if rpe is None:
        return "-"
    if rpe <= RPE_FLOOR:
        return f"{RPE_FLOOR:g} or less"
    return f"~{rpe:g}"


def rir_note() -> str:
    """What rir_text's marks mean, for a table's footnote."""
    # A rep before a failed one is always counted (the reps finished before the failure,
    # reserve_before_failure), the first rep too: the note says "-" only where it can be.
    return (f'"-": not estimated (under {MIN_RIR_LOSS_PCT:g} % loss, the first rep unless a '
            f'later rep failed, no velocity read, or velocity loss not measured); '
            f'"{MAX_RIR:g}+": {MAX_RIR:g} or more; before a failed rep: the reps finished '
            'before it')


def reserve_inputs(reps: Sequence[Rep], rom_outlier_share: float) -> tuple[list[bool], list[bool]]:
    """(counted, rested_after) per rep, as seen_in_reserve reads them: a rep far past the
    usual range (a dismount, the camera moving) is no rep in reserve."""
    counted = [r.counted and not out_of_range(r, rom_outlier_share) for r in reps]
    return counted, [r.rested_before(n) for r, n in zip(reps, (*reps[1:], None))]


def reserve_before_failure(rir: Sequence[float | None], reps: Sequence[Rep], failed: int,
                           rom_outlier_share: float) -> tuple[float | None, ...]:
    """Each RIR lowered to the reps the lifter finished after it before rep (or attempt)
    `failed` (1-based) did not reach lockout, unless a rest came between: rep 3 of a set
    whose rep 4 failed had none in reserve, whatever its speed said ("~4" was shown above
    the failed rep). A rep with no estimate (too little loss to say) gets the count too."""
    counted, rested = reserve_inputs(reps, rom_outlier_share)
    out = list(rir)
    run = 0
    for i in range(len(reps) - 1, -1, -1):
        if reps[i].index >= failed:
            continue
        if rested[i]:
            break  # what came after a rest bounds nothing before it
        out[i] = float(run) if out[i] is None else float(min(out[i], run))
        run += int(counted[i])
    return tuple(out)


def seen_in_reserve(rir: Sequence[float | None], counted: Sequence[bool],
                    rested_after: Sequence[bool] | None = None) -> tuple[float | None, ...]:
    """Each rep's RIR estimate raised to the reps the lifter went on to finish after it,
    before resting.

    The video shows the rest of the set: a rep 2 whose loss reads 20 % (the model's "2 in
    reserve") followed by 18 more finished reps had at least 18 in reserve. Reps done after
    a rest (rested_after[i]: the lifter rested between rep i and the next, see
    Rep.rested_before) were not in reserve at rep i: in a push-up set done as 18, then 4,
    3 and 2 between rests, the bound at the 18th rep is 0, not 9. The bound only raises
    estimates (capped at MAX_RIR, "10 or more"); the last rep's, the one a set's summary
    gives, is untouched. None (too little loss to say) stays None.
    """
    done = np.asarray(counted, dtype=int)
    rests = np.zeros(len(done), dtype=bool) if rested_after is None else np.asarray(rested_after, bool)
    after = np.zeros(len(done))
    run = 0
    for i in range(len(done) - 1, -1, -1):
        if rests[i]:
            run = 0  # what follows a rest was not in reserve here
        after[i] = run
        run += done[i]
    return tuple(None if r is None else float(min(max(r, float(a)), MAX_RIR))
                 for r, a in zip(rir, after))


def setup_rep(reps: Sequence[Rep], vel: Sequence[RepVelocity], good: Sequence[int], *,
              rom_outlier_share: float = 0.35, slow_first_share: float = SLOW_FIRST_SHARE,
              fast_first_ratio: float = FAST_FIRST_RATIO) -> str:
    """Why the first good rep (position good[0]) is set-up rather than a rep, or "".

    A first "rep" that is really set-up (jumping to the bar and settling, unracking, lying
    down) moves much more or less than the set's reps (rom_outlier_share, 0.1..1) and than
    the rep right after it, or is far slower than the next three (below slow_first_share,
    0.3..1, of their median: SLOW_FIRST_SHARE); or far faster
    (over fast_first_ratio times their median, FAST_FIRST_RATIO). It would poison the
    baseline, so it is neither baseline nor judged. Needs 4 good reps.
    """
    if len(good) < 4:
        return ""
    first = good[0]
    roms = [vel[i].rom_m for i in good if np.isfinite(vel[i].rom_m)]
    med_rom = float(np.median(roms)) if roms else float("nan")
    nxt = [vel[i].mean_mps for i in good[1:4] if np.isfinite(vel[i].mean_mps)]
    next_v = float(np.median(nxt)) if nxt else float("nan")
    first_rom, second_rom = vel[first].rom_m, vel[good[1]].rom_m
    # Unlike the set AND unlike the rep right after it: a one-off, not a set whose
    # later reps all changed (those are judged, e.g. as a shortened range of motion).
    if (np.isfinite(first_rom) and abs(first_rom - med_rom) > rom_outlier_share * med_rom
            and abs(first_rom - second_rom) > rom_outlier_share * second_rom
            and not _range_keeps_moving(vel, good, rom_outlier_share)):
        return f"moved {first_rom:.2f} m against the set's typical {med_rom:.2f} m"
    if np.isfinite(vel[first].mean_mps) and vel[first].mean_mps < slow_first_share * next_v:
        return f"rose at {vel[first].mean_mps:.2f} m/s against {next_v:.2f} m/s for the next reps"
    if np.isfinite(vel[first].mean_mps) and vel[first].mean_mps > fast_first_ratio * next_v > 0:
        return (f"rose at {vel[first].mean_mps:.2f} m/s, over {fast_first_ratio:g} times the "
                f"{next_v:.2f} m/s of the next reps")
    return ""


def _leap_rep(vel: Sequence[RepVelocity], candidates: Sequence[int], good: Sequence[int], *,
              ratio: float = FAST_FIRST_RATIO) -> tuple[int, float] | None:
    """The first of candidates (positions in vel) whose mean velocity is over `ratio` times
    the median of its neighbours among the good reps (two either side), with that median;
    None if none. Neighbours, not the whole set: a set slowing hard to failure has a
    median far under its first reps."""
    for i in candidates:
        v = vel[i].mean_mps
        p = list(good).index(i)
        near = [vel[j].mean_mps for j in (*good[max(p - 2, 0):p], *good[p + 1:p + 3])
                if np.isfinite(vel[j].mean_mps)]
        if np.isfinite(v) and len(near) >= 2:
            med = float(np.median(near))
            if v > ratio * med > 0:
                return i, med
    return None


def _range_keeps_moving(vel: Sequence[RepVelocity], good: Sequence[int], share: float) -> bool:
    """Whether the reps after rep 2 keep changing range the way rep 2 departed from rep 1:
    their median beyond rep 2's range, that way, by over half of `share` of it. A range
    that shrinks from rep 2 on (the lifter cutting depth) is the set changing, while a
    set-up movement (a jump to the bar, an unrack) is followed by reps that hold theirs
    (one short rep among them does not move the median)."""
    roms = [vel[i].rom_m for i in good]
    later = [x for x in roms[2:] if np.isfinite(x)]
    if not (np.isfinite(roms[0]) and np.isfinite(roms[1]) and later):
        return False
    step = roms[1] - roms[0]
    moved = float(np.median(later)) - roms[1]
    return bool(np.sign(moved) == np.sign(step) and abs(moved) > 0.5 * share * roms[1])


def baseline_velocity(values: Sequence[float | None], baseline: str = "best") -> float:
    """The velocity a set's loss is measured from: the best ("best", as in the velocity-loss
    literature) or the mean ("mean") of the baseline reps' mean velocities (NaN: unread,
    left out); NaN when none was read."""
    if baseline not in ("best", "mean"):
        raise ValueError(f"baseline must be 'mean' or 'best', got {baseline!r}")
    vals = [float(v) for v in values if v is not None and np.isfinite(v)]
    if not vals:
        return float("nan")
    # From video one rep reads +/- 0.05-0.07 m/s and the maximum of noisy values is
    # biased high; the mean is not, at the cost of departing from the literature.
    return max(vals) if baseline == "best" else float(np.mean(vals))


def velocity_loss_pct(velocity: float | None, baseline: float) -> float:
    """How much slower than the baseline a rep was, % (negative: faster); NaN without both."""
    if not (np.isfinite(baseline) and baseline > 0) or velocity is None:
        return float("nan")
    return 100.0 * (baseline - velocity) / baseline


def set_velocity(seq: PoseSequence, reps: Sequence[Rep], *, track_px: np.ndarray,
                 scale: Scale, family: str, baseline_reps: int = 2, baseline: str = "best",
                 cutoff_hz: float = 4.0, max_gap_s: float = 0.25,
                 concentrics: Sequence[tuple[int, int]] | None = None,
                 rom_outlier_share: float,
                 min_baseline_mps: float = MIN_BASELINE_MPS) -> SetVelocity:
    """Velocity, ROM, velocity loss and RIR of every rep, against the set's baseline.

    track_px: float[T,2] pixel track of the tracked point (kinematics.tracked_point_px).
    concentrics: the frames each rep's velocity is read over when the tracked point's own
    rise is known (the bar's: retimed); the reps' concentrics when None.
    baseline_reps: the best (baseline "best", as in the velocity-loss literature) or the
    mean ("mean") of the first N clean reps' mean velocities is the baseline, 1..10.
    rom_outlier_share: a rep past this many times its run's range (segmentation.out_of_range)
    is no rep in reserve for the reps before it. min_baseline_mps: a baseline read slower
    than this (m/s) measures no velocity loss (MIN_BASELINE_MPS).
    """
    warnings: list[str] = []
    t = seq.timestamps_s
    if scale.valid:
        h = height_m(track_px, scale, seq.fps, t, cutoff_hz=cutoff_hz, max_gap_s=max_gap_s)
    else:
        h = np.full(seq.n_frames, np.nan)
        warnings.append(f"no pixel-to-metre scale ({scale.note}): velocities not reported")
    per_frame = np.gradient(h, t) if seq.n_frames >= 2 else np.full(seq.n_frames, np.nan)
    propulsive = family in PROPULSIVE_FAMILIES
    # A stretch the file has no frames for stays unseen when the rise is read on another
    # point's: that point was not followed through it either.
    timed = (tuple(reps) if concentrics is None else
             mark_time_holes(retimed(reps, concentrics), time_holes(t, max_gap_s)))
    vel = [concentric_velocity(h, t, r, propulsive=propulsive) for r in timed]
    counted = [i for i, r in enumerate(reps) if r.counted]
    # A hitch in the recording inside a lift (the picture held, then caught up) squeezes
    # the lift's middle into one frame step, makes a spike of the catching up and moves
    # where the lift reads as starting and ending (a squat's concentric read 0.13 s short):
    # no reading of its speed stands, so it has none and sets no baseline (a 9-frame hold
    # read a curl 1.5 times as fast, and tempo failure was called on the next two reps).
    hitches = frozen_spans(seq)
    # frames held inside each counted rep's lift
    stood_in = {i: sum(last - first + 1 for first, last in hitches
                       if r.concentric[0] < first and last < r.concentric[1])
                for i, r in enumerate(timed) if r.counted}
    held = [i for i, stood in stood_in.items() if stood]
    for i in held:
        vel[i] = replace(vel[i], mean_mps=float("nan"), peak_mps=float("nan"),
                         mean_propulsive_mps=float("nan"))
        stood = stood_in[i]
        warnings.append(f"the picture stood still for {stood} frame(s) during rep {reps[i].index}'s "
                        "lift (a hitch in the recording): its velocity is not measured, and it "
                        "is no baseline")
    vel = shared_shape_velocities(h, t, timed, vel, counted, held)
    # A rep partly not tracked (Rep.unseen) sets no baseline: its form curves have holes,
    # and where the gap reaches its concentric it has no velocity either (unless read over
    # another point's own rise, followed throughout: retimed). Nor does a rep
    # the clip began or ended inside (Rep.cut_start, cut_end): a phase was seen in part.
    good = [i for i in counted if reps[i].seen_whole and i not in held]
    setup: list[int] = []
    why = setup_rep(reps, vel, good)
    if why:
        setup.append(reps[good[0]].index)
        warnings.append(f"rep {reps[good[0]].index} {why}: treated as set-up, not judged")
        good = good[1:]
    # Nor, after set-up movement (which can read far past the range too), a rep far past
    # its run's range (segmentation.out_of_range: the camera moved, the lifter left the
    # position): nothing is judged on it, so nothing is judged against it (a tilt that
    # doubled rep 2's travel read every later rep 47-68 % slower).
    good = [i for i in good if not out_of_range(reps[i], rom_outlier_share)]
    # A would-be baseline rep that rose over FAST_FIRST_RATIO times the set's other reps
    # is not a lift: a jump cut in a squat's rise read as a 0.27 s rep at 2.2 m/s (against
    # 0.41-0.47), and every later rep failed tempo against it.
    while len(good) > baseline_reps:
        leap = _leap_rep(vel, good[:baseline_reps], good)
        if leap is None:
            break
        fast, near = leap
        setup.append(reps[fast].index)
        warnings.append(f"rep {reps[fast].index} rose at {vel[fast].mean_mps:.2f} m/s, over "
                        f"{FAST_FIRST_RATIO:g} times the {near:.2f} m/s of the reps beside it: "
                        "a jump in the footage or the tracking, not a lift; not judged")
        good = [i for i in good if i != fast]
    setup.sort()
    base_idx = good[:baseline_reps]
    base_v = baseline_velocity([vel[i].mean_mps for i in base_idx], baseline)
    if len(base_idx) < baseline_reps:
        warnings.append(f"only {len(base_idx)} clean rep(s) for a baseline of {baseline_reps}"
                        if base_idx else f"no clean rep for a baseline of {baseline_reps}: "
                        "velocity loss is not measured")
    elif not np.isfinite(base_v) and scale.valid:
        warnings.append("no baseline rep's velocity could be read: velocity loss is not measured")
    vl_fail = VELOCITY_LOSS_AT_FAILURE_PCT.get(family, 60.0)
    # Set-up movement (and a leap no lift makes) has no loss to read: "-366 %" beside it
    # read as a rep far faster than the baseline.
    loss = tuple(float("nan") if r.index in setup else velocity_loss_pct(v.mean_mps, base_v)
                 for r, v in zip(reps, vel))
    too_slow = bool(np.isfinite(base_v) and base_v < min_baseline_mps)
    if too_slow:
        warnings.append(f"the first reps read {base_v:.2f} m/s, slower than any lift at its "
                        f"one-rep maximum (under {min_baseline_mps:g} m/s): lifted deliberately "
                        "slowly, or the tracked point is not following the load; velocity "
                        "loss is not measured")
        loss = tuple(float("nan") for _ in vel)
    # The model's rep number counts the set's reps from the first baseline rep (its rep 1,
    # at 0 % loss): what came before it (set-up movement, a rep the clip began inside) and
    # partial, unfinished or set-up reps and reps far past the range (as reserve_inputs
    # counts them) are no reps of the lift (a set-up "rep" in front moved the last rep's
    # estimate by a quarter of a rep, earlier ones by up to two).
    first = base_idx[0] if base_idx else 0
    counted_now, rested_after = reserve_inputs(reps, rom_outlier_share)
    number = np.cumsum([k >= first and c and r.index not in setup
                        for k, (r, c) in enumerate(zip(reps, counted_now))])
    rir = seen_in_reserve([rir_estimate(int(n), l, loss_at_failure_pct=vl_fail) if k >= first else None
                           for k, (n, l) in enumerate(zip(number, loss))], counted_now, rested_after)
    return SetVelocity(reps=tuple(vel), loss_pct=loss, rir=rir,
                       baseline_reps=tuple(reps[i].index for i in base_idx), baseline_mps=base_v,
                       setup_reps=tuple(setup), per_frame_mps=per_frame, warnings=tuple(warnings),
                       too_slow=too_slow)
