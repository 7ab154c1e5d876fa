"""What the bar did in each rep: displacement, concentric velocity, path drift; and whether
its velocity can stand as the set's velocity of record.

Pure functions of a BarTrack (barpath.py), the poses, the reps and the body's velocities.
The bar's velocities are computed by the same functions as the body point's
(velocity.concentric_velocity, shared_shape_velocities), on the bar's height in metres
from the plate's own scale when a plate was fitted (the plate sits at the bar's depth),
else from the body's.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Mapping

import numpy as np

from .barpath import BarTrack
from .kinematics import BOTH, Signal, body_scale_px, tracked_point_px
from .scale import Scale, scale_from_plate
from .segmentation import segment_reps
from .smoothing import condition, seen_correlation, smooth_timed
from .types import PoseSequence, Rep
from .velocity import (PROPULSIVE_FAMILIES, RepVelocity, concentric_velocity, retimed,
                       shared_shape_velocities)

# The bar is the velocity of record when, on most counted reps (MIN_GOOD_REP_SHARE), it
# was followed through the concentric (MIN_CONCENTRIC_COVERAGE of its frames) and moved
# like the lift the pose saw: its height over the rep correlates with the signal the
# reps were segmented on by at least MIN_DRIVER_CORRELATION (a track on something else,
# or one lost halfway, does not). Not the body point's range: a deadlift's hips travel a
# fraction of the bar's, which is why the bar is measured at all.
MIN_CONCENTRIC_COVERAGE = 0.9
MIN_GOOD_REP_SHARE = 0.8
MIN_DRIVER_CORRELATION = 0.8
# The bar's height drives the reps instead of the body's signal when the bar was followed,
# with a plate scale, on at least BAR_DRIVES_FOUND of the frames and the body's signal
# failed in one of two ways. It was readable on BAR_DRIVES_MARGIN fewer of the frames and
# the reps found on it broke off: seen from the side, the near plate hides a squatter's
# torso and head at the bottom of each rep, MediaPipe loses the body there, and the reps
# found on the hips' height stop half-way. Or it did not move with the bar over the set
# (Pearson r under BAR_DRIVES_MIN_CORRELATION): seen from the side, the plate hides the
# hands of a barbell curl and the elbow angle turns to noise. On the rendered barbell
# lifts of both dev ranges every set whose body signal held correlated with the bar at
# 0.96 or more, and every broken one at 0.82 or less.
BAR_DRIVES_FOUND = 0.8
BAR_DRIVES_MARGIN = 0.1
BAR_DRIVES_MIN_CORRELATION = 0.9
# Or its reps were counted across gaps (Rep.unseen) that reach the concentric on at least
# this share of them.
BAR_DRIVES_LOST_SHARE = 0.5
# The bar's own rises (bar_concentrics) are those the segmenter finds on its height that
# travel at least this share of the bar's typical rise over the body's concentrics.
MIN_OWN_RISE_SHARE = 0.5
# The path is compared between these shares of each concentric's rise (its ends are slow
# and noisy), on this many points.
PATH_SHARES = np.linspace(0.1, 0.9, 17)


@dataclass(frozen=True)
class BarRep:
    """One rep of the bar. Metres and m/s; NaN where the bar was not followed enough.

    concentric: the frames of the bar's own rise, which its velocities and drift are read
    over (bar_concentrics). vertical_m / horizontal_m: the bar's travel over the whole rep
    (max - min); drift_m: the largest horizontal departure of the concentric path from the
    baseline reps' path at the same share of the rise, signed, positive towards the
    lifter's toes.
    """

    index: int
    coverage: float  # share of the concentric's frames with the bar
    concentric: tuple[int, int]  # the bar's own rise, frames (bar_concentrics)
    vertical_m: float
    horizontal_m: float
    mean_mps: float
    peak_mps: float
    drift_m: float
    body_mean_mps: float
    good: bool  # followed through the concentric and moving like the lift


@dataclass(frozen=True, eq=False)
class BarPath:
    """The bar of one set: its track, scale, reps, and its standing against the body point.

    x_m, y_m: float[T] smoothed horizontal (image right) and vertical (up) position in
    metres (NaN where not followed); agreement_mps: median |bar - body| mean concentric
    velocity over the good reps; ratio: median bar / body. of_record: the bar's
    velocities are the set's (velocity loss and verdicts use them); reason says why or
    why not.
    """

    track: BarTrack
    scale: Scale
    reps: tuple[BarRep, ...]
    x_m: np.ndarray
    y_m: np.ndarray
    agreement_mps: float
    ratio: float
    of_record: bool
    reason: str
    forward: int  # +1: the lifter faces image right, -1: left, 0: unknown

    @property
    def shown(self) -> bool:
        """Whether the track is drawn (annotated video, plots): only when it followed at
        least one rep through its concentric moving like the lift. A bodyweight squat's
        head, taken for a plate on some frames, stays out of the overlay; the JSON keeps
        the raw track either way."""
        return bool(self.track.found.any()) and any(r.good for r in self.reps)

    @property
    def coverage(self) -> float:
        """Share of the clip's frames with the bar."""
        return self.track.coverage

    def describe(self) -> str:
        """One line for reports."""
        if not self.track.found.any():
            return "bar not found: " + (self.track.notes[0] if self.track.notes else "no plate")
        role = "velocity of record" if self.of_record else "shown beside the body point"
        return (f"bar followed on {self.coverage:.0%} of frames ({self.scale.describe()}); "
                f"{role}: {self.reason}")


def forward_sign(seq: PoseSequence) -> int:
    """+1 when the toes point to image right (heel to toe), -1 to the left, 0 unknown."""
    toe = tracked_point_px(seq, ("FOOT_INDEX",), BOTH)[:, 0]
    heel = tracked_point_px(seq, ("HEEL",), BOTH)[:, 0]
    d = toe - heel
    d = d[np.isfinite(d)]
    if d.size < 5 or abs(float(np.median(d))) < 2.0:
        return 0
    return 1 if np.median(d) > 0 else -1


def bar_concentrics(y: np.ndarray, fps: float, reps: tuple[Rep, ...], *,
                    segment: Mapping[str, float] | None = None,
                    cutoff_hz: float | None = 4.0) -> tuple[tuple[int, int], ...]:
    """Each rep's concentric frames timed on the bar's own height: the rise the segmenter
    finds on y (float[T] metres, up positive, NaN where not followed) that overlaps the
    rep's concentric most; the rep's own concentric where no rise does.

    The reps' phases come from the body's signal, whose onset and arrival lag or lead the
    bar's: a press's wrists read as leaving the rack 0.1-0.3 s after the plate does on
    rendered lifts, and a squat's hips settle into lockout before the bar on the back
    does. The bar's velocity is its travel over its own rise, timed by the same onset and
    arrival fits the body's concentric gets (segmentation.segment_reps).
    The segmenter is given no noise term (segment_reps' diff_noise), so only its relative
    speed floor (2 % of a rise's peak speed) applies, unlike the body's. A fitted
    plate centre jitters by 2-3 % of the peak speed a frame on rendered lifts, and three
    times that put the floor above the onset fit's lowest level (5 % of the peak): the fit
    was skipped and the rises came out short (bar velocity 0.051 m/s off at the median on
    dev2, reading high). The cost: on a noise-free ramp whose speed grows linearly from
    rest (the unit tests' stick figure) the start reads up to two frames early.
    cutoff_hz: the low-pass y went through (the fits model it), None if unsmoothed.
    segment: the analysis's segmentation thresholds (analysis.segment_settings), so the bar's
    rises are found as the body's reps are; segment_reps' defaults when None.
    """
    body = tuple(r.concentric for r in reps)
    y = np.asarray(y, dtype=np.float64)
    rises = [y[b] - y[a] for a, b in body if b > a and np.isfinite(y[[a, b]]).all()]
    rises = [d for d in rises if d > 0]
    if not rises or not np.isfinite(fps) or fps <= 0:
        return body
    settings = {**(segment or {}), "smoothing_cutoff_hz": cutoff_hz}
    own = segment_reps(y, fps, concentric_increases=True, eccentric_first=reps[0].eccentric_first,
                       min_rom=MIN_OWN_RISE_SHARE * float(np.median(rises)), **settings)
    # Only a rise followed on every frame (its velocity reads over all of them).
    windows = [(c, d) for c, d in (r.concentric for r in own)
               if d > c and np.isfinite(y[c:d + 1]).all()]
    out = []
    for a, b in body:
        overlap = [(min(b, d) - max(a, c), (c, d)) for c, d in windows]
        best = max(overlap, default=(0, None), key=lambda x: x[0])
        out.append(best[1] if best[0] > 0 else (a, b))
    return tuple(out)


def _path_curve(x: np.ndarray, h: np.ndarray, a: int, b: int) -> np.ndarray | None:
    """x (relative to the start) at PATH_SHARES of the rise over frames a..b, or None."""
    hs, xs = h[a:b + 1], x[a:b + 1]
    if len(hs) < 4 or not (np.all(np.isfinite(hs)) and np.all(np.isfinite(xs))):
        return None
    rise = hs[-1] - hs[0]
    if not rise > 0:
        return None
    u = np.maximum.accumulate((hs - hs[0]) / rise)  # monotone for interpolation
    keep = np.concatenate([[True], np.diff(u) > 0])
    return np.interp(PATH_SHARES, u[keep], xs[keep] - xs[0])


def bar_path(track: BarTrack, seq: PoseSequence, reps: tuple[Rep, ...],
             body: tuple[RepVelocity, ...], body_scale: Scale, driver: np.ndarray, *,
             family: str,
             baseline_reps: tuple[int, ...] = (), plate_diameter_m: float = 0.45,
             cutoff_hz: float = 4.0, max_gap_s: float = 0.25,
             segment: Mapping[str, float] | None = None) -> BarPath:
    """Per-rep bar figures and the velocity-of-record decision (pure).

    body: the body point's RepVelocity per rep (aligned with reps); body_scale: the
    body's Scale, used when no plate was fitted; driver: float[T] the signal the reps
    were segmented on, oriented to rise in the concentric; baseline_reps: rep indices (1-based)
    whose path is the reference for drift (the first good reps when empty); segment: the
    segmentation thresholds the bar's own rises are found with (bar_concentrics).
    """
    t = np.asarray(seq.timestamps_s, dtype=np.float64)
    plate = scale_from_plate(track.radius_px, plate_diameter_m)
    scale = plate if plate.valid else body_scale
    n = seq.n_frames
    if scale.valid and track.found.any() and n >= 2:
        k = scale.m_per_px
        # Velocities come from real timestamps: smoothed in time, not by frame count.
        y = smooth_timed(-track.xy_px[:, 1] * k, t, seq.fps, cutoff_hz=cutoff_hz, max_gap_s=max_gap_s)
        x = smooth_timed(track.xy_px[:, 0] * k, t, seq.fps, cutoff_hz=cutoff_hz, max_gap_s=max_gap_s)
    else:
        y = x = np.full(n, np.nan)
    propulsive = family in PROPULSIVE_FAMILIES
    own = bar_concentrics(y, seq.fps, reps, cutoff_hz=cutoff_hz, segment=segment) if reps else ()
    timed = retimed(reps, own)
    vel = [concentric_velocity(y, t, r, propulsive=propulsive) for r in timed]
    # A concentric the body's signal lost (Rep.unseen) is read on the bar's own rise when
    # it has one, but is left out of the velocity-of-record decision (not counted).
    counted = [i for i, r in enumerate(reps) if r.counted and r.sees(r.concentric)]
    vel = shared_shape_velocities(y, t, timed, vel, counted)
    found = track.found
    fwd = forward_sign(seq)
    rows = []
    for i, r in enumerate(reps):
        a, b = r.concentric
        cov = float(found[a:b + 1].mean()) if b >= a else 0.0
        span_y, span_x = y[r.start:r.end + 1], x[r.start:r.end + 1]
        vert = float(np.nanmax(span_y) - np.nanmin(span_y)) if np.isfinite(span_y).any() else float("nan")
        horiz = float(np.nanmax(span_x) - np.nanmin(span_x)) if np.isfinite(span_x).any() else float("nan")
        corr = seen_correlation(y[r.start:r.end + 1], driver[r.start:r.end + 1])
        good = (i in counted and cov >= MIN_CONCENTRIC_COVERAGE and np.isfinite(vel[i].mean_mps)
                and corr >= MIN_DRIVER_CORRELATION)
        mean = vel[i].mean_mps if cov >= MIN_CONCENTRIC_COVERAGE else float("nan")
        peak = vel[i].peak_mps if cov >= MIN_CONCENTRIC_COVERAGE else float("nan")
        rows.append(BarRep(index=r.index, coverage=cov, concentric=own[i], vertical_m=vert,
                           horizontal_m=horiz, mean_mps=mean, peak_mps=peak, drift_m=float("nan"),
                           body_mean_mps=body[i].mean_mps if i < len(body) else float("nan"),
                           good=bool(good)))
    # Drift: each good rep's concentric path against the baseline reps' mean path.
    curves = {i: _path_curve(x, y, *own[i]) for i in range(len(reps)) if rows[i].good}
    base_idx = [i for i, r in enumerate(reps) if r.index in baseline_reps and curves.get(i) is not None]
    if not base_idx:
        base_idx = [i for i in counted if curves.get(i) is not None][:2]
    if base_idx:
        ref = np.mean([curves[i] for i in base_idx], axis=0)
        for i, c in curves.items():
            if c is not None:
                d = (c - ref) * (fwd or 1)
                rows[i] = replace(rows[i], drift_m=float(d[np.argmax(np.abs(d))]))
    bar_reps = tuple(rows)
    good = [br for br in bar_reps if br.good]
    pairs = [(br.mean_mps, br.body_mean_mps) for br in good
             if np.isfinite(br.body_mean_mps) and br.body_mean_mps > 0]
    agreement = float(np.median([abs(a - b) for a, b in pairs])) if pairs else float("nan")
    ratio = float(np.median([a / b for a, b in pairs])) if pairs else float("nan")
    n_counted = len(counted)
    if not found.any():
        of_record, reason = False, (track.notes[0] if track.notes else "bar not found")
    elif not plate.valid:
        of_record, reason = False, f"no plate scale ({plate.note})"
    elif n_counted == 0:
        of_record, reason = False, "no counted reps"
    elif len(good) < MIN_GOOD_REP_SHARE * n_counted:
        of_record, reason = False, (f"bar followed through {len(good)} of {n_counted} counted "
                                    f"concentrics (needs {MIN_GOOD_REP_SHARE:.0%}, each "
                                    f"{MIN_CONCENTRIC_COVERAGE:.0%} covered and moving like the lift)")
    else:
        of_record, reason = True, (f"bar followed through {len(good)} of {n_counted} counted "
                                   "concentrics with a plate scale")
    return BarPath(track=track, scale=scale, reps=bar_reps, x_m=x, y_m=y,
                   agreement_mps=agreement, ratio=ratio, of_record=of_record, reason=reason,
                   forward=fwd)


def bar_drives(track: BarTrack, body_signal: np.ndarray, body_signal_name: str,
               reps: tuple[Rep, ...], *, plate_diameter_m: float = 0.45) -> str:
    """Why the bar's height should drive the reps instead of the body's signal (float[T],
    rising in the concentric, NaN where unreadable) and the reps found on it, or "" when
    they stand (see BAR_DRIVES_FOUND)."""
    n = len(body_signal)
    if n == 0 or track.n_frames != n:
        return ""
    found = track.coverage
    if found < BAR_DRIVES_FOUND or not scale_from_plate(track.radius_px, plate_diameter_m).valid:
        return ""
    seen = float(np.isfinite(body_signal).mean())
    broke_off = not reps or not all(r.completed for r in reps)
    if broke_off and seen <= found - BAR_DRIVES_MARGIN:
        return (f"the {body_signal_name} was readable on only {seen:.0%} of frames and the bar "
                f"on {found:.0%}: reps are timed from the bar's height")
    # Reps counted across a short gap in the body's signal (Rep.unseen) that reaches their
    # concentric have no velocity. When that is most of the set (the plate hiding every
    # bottom) and the bar was followed through those gaps, the bar times the set; a few
    # such reps stand, since retiming would leave the whole set's form unjudged
    # (BAR_HID_FORM), and the bar's own figures skip them (bar_path).
    lost = [r for r in reps if r.completed and r.unseen is not None and not r.sees(r.concentric)]
    if (lost and len(lost) >= BAR_DRIVES_LOST_SHARE * len(reps)
            and all(track.found[r.unseen[0]:r.unseen[1] + 1].mean() >= MIN_CONCENTRIC_COVERAGE
                    for r in lost)):
        return (f"the {body_signal_name} was lost mid-rep on {len(lost)} of {len(reps)} reps "
                "where the bar was followed: reps are timed from the bar's height")
    r = seen_correlation(body_signal, -track.xy_px[:, 1])
    if np.isfinite(r) and r < BAR_DRIVES_MIN_CORRELATION:
        return (f"the {body_signal_name} did not move with the bar (r = {r:.2f} over the set; "
                f"the bar followed on {found:.0%} of frames): reps are timed from the bar's height")
    return ""


def bar_height_signal(track: BarTrack, seq: PoseSequence, side: str, *, cutoff_hz: float = 4.0,
                      max_gap_s: float = 0.25) -> Signal:
    """The bar's height as a driving signal, in the body-size units of the pose's heights
    (kinematics.point_height), conditioned as they are; side: the set's (for display)."""
    scale = body_scale_px(seq)
    raw = -np.asarray(track.xy_px[:, 1], dtype=np.float64) / scale
    values, dnoise = condition(raw, seq.fps, cutoff_hz=cutoff_hz, max_gap_s=max_gap_s,
                              t=seq.timestamps_s)
    return Signal(name="bar height", kind="height", unit="body", side=side, values=values,
                  raw=raw, landmarks=(), scale_px=scale, diff_noise=dnoise)
