"""Form drift: each rep's angle curves against the baseline reps', and the tolerance applied.

Pure functions over the per-frame angles of `form.form_signals`, the set's Reps and the
tracked point's position. The tolerance each angle is judged with (profile value or the
user's override, widened for joints that sweep far and by the baseline's own spread) is
computed here once and stored in SetDrift, so verdicts, plots and reports read the same
number.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Collection, Sequence

import numpy as np

from .form import FAULT_ANGLE, FormSignals
from .profiles import DEFAULT_DRIFT_TOLERANCE_DEG, ExerciseProfile, Fault
from .smoothing import seen_mean, seen_reduce
from .types import FAULT_SOURCE_WORDS, Rep

CURVE_SAMPLES = 50  # samples per moving phase in time-normalised curves
# Drift is compared over each moving phase's travel except the last 5 % next to the rest
# position: there the tracked point barely moves while joints still open or close (the
# last bit of elbow extension into a dead hang), so a hair of progress is tens of degrees.
# The turnaround end stays in: faults peak there (lean at the bottom of a squat, lean-back
# at a press lockout).
REST_MARGIN = 0.05
# Angles and movement progress are read at this low-pass cut-off at least: paired with the
# tracked point's progress, a low cut-off bends fast reps more than slow ones, which reads
# as drift when a set slows down (6-8 degrees of knee "drift" at 4 Hz on synthetic squats
# going from 0.8 s to 1.5 s concentrics). The despiking median takes care of the
# single-frame outliers a higher cut-off lets in.
FORM_CUTOFF_HZ = 8.0
MIN_DRIFT_SPAN = 0.1  # share of a phase's travel a drift must span (see phase_drift)
PROGRESS_SLACK = 0.05  # share of a phase two reps may be out of step before it reads as drift
# A tracked point that runs back more than this share of a phase's travel (median over the
# reps' phases) does not measure movement progress (see progress_signal). Rendered sets
# stay under 0.13 in every phase; MediaPipe's hip in a side-view deadlift (it rides up the
# back while the lifter is bent over) ran back 0.79 of its travel.
PROGRESS_BACKTRACK_SHARE = 0.25
# A fault measure whose landmarks are misplaced (form.FormSignals.misplaced) on more than
# this share of the frames of the reps it would judge is not read in that set.
MISPLACED_SHARE = 0.05
SWEEP_TOLERANCE_SHARE = 0.15  # driving joints: tolerance >= this share of their sweep
# Smallest change of a fault measure (degrees) that is called a fault, by where it is read:
# above what a coach would let pass and above the reading's rep-to-rep noise in that view
# (benchmarks/angle_precision.py; world landmarks infer depth and are noisier). The
# baseline reps' own spread joins it per set (combined_threshold). Elbow travel is read
# where the arm is folded and the forearm hides the elbow (the top of a curl), and
# lifters' elbows vary there by several degrees from rep to rep without a coach calling
# it: 10 degrees. A squat's forward lean seen head-on (the torso's foreshortening) gets
# the side view's 6: it reads a lean at 0.73 of its size, and reps without one stay
# under 4. A lean back seen head-on (the torso's foreshortening near upright, where a
# 2-3 % change of length is 13 degrees) gets three times its rep-to-rep noise (4.2
# degrees RMS): 12.5.
FAULT_FLOOR_DEG: dict[tuple[str, str], float] = {
    ("trunk_lean", "image"): 6.0, ("trunk_lean", "world"): 10.0,
    ("trunk_lean", "foreshortening"): 12.5, ("trunk_lean", "forward_foreshortening"): 6.0,
    ("knee_cave", "image"): 4.0, ("knee_cave", "world"): 5.0,
    ("elbow_forward", "image"): 10.0, ("elbow_forward", "world"): 10.0,
    ("hip_sag", "image"): 4.0,
}
# Fault readings whose floor is three times their rep-to-rep noise, not a coach's
# tolerance (see combined_threshold).
NOISE_FLOOR_SOURCES = ("foreshortening",)
# At 45 degrees the image shortens the horizontal extent of the lifter's sagittal or
# frontal plane and keeps its vertical one, so a floor meant in the lifter's own degrees
# reads at a gain that depends on how the turning segment stands (oblique_gain): the bare
# projection gives cos(45) = 0.71 for an upright segment and 1/0.71 for a flat one. The
# landmarks, which must also guess depth, read upright segments lower still: 0.57 for
# trunk lean in presses and curls, 0.52 for the upper arm's travel in curls
# (benchmarks/angle_precision.py, the 45-degree rows per exercise). Trunk lean stands
# anywhere from upright (press, curl) to 25-50 degrees in the picture (the bottom of a
# squat or deadlift), so its gain follows the projection from the measured upright 0.57
# at the inclination of the most upright baseline rep (_inclination). The other measures
# turn a segment that stands the same way in every lift and take one gain: the upper arm
# its measured 0.52; hip sag, a bend of a body lying flat, 1.41 (measured, and the
# projection's 1/0.71); knee cave the projection's 0.71 (its measured 0.57 comes from
# two clips read with a correlation of 0.26, too loose to set a floor by).
OBLIQUE_UPRIGHT_GAIN = 0.57
OBLIQUE_PROJECTION_GAIN = 0.71
OBLIQUE_GAIN: dict[str, float] = {"elbow_forward": 0.52, "hip_sag": 1.41,
                                   "knee_cave": OBLIQUE_PROJECTION_GAIN}
# Measures whose 45-degree gain follows their segment's inclination (oblique_gain).
INCLINED_MEASURES = ("trunk_lean",)


def combined_threshold(floor: float, spread: float, source: str = "") -> float:
    """Degrees a rep must drift past: the floor and the set's own baseline spread.

    Most floors are what a coach lets pass, and the lifter's own spread adds to them. A
    floor set from the reading's noise alone (NOISE_FLOOR_SOURCES) and the spread both hold
    that noise: added in quadrature, so it is not counted twice (with the plain sum, a
    rendered head-on press whose first two reps differed by 4.9 degrees needed 17.4 of
    lean, and its gross lean of 16 and 21 degrees, read 14.2 and 17.2, went uncalled).
    """
    if source in NOISE_FLOOR_SOURCES:
        return float(np.hypot(floor, spread))
    return float(floor + spread)


def oblique_gain(inclination_deg: float) -> float:
    """Image degrees per degree of turn in the lifter's plane, at 45 degrees, of a segment
    inclined inclination_deg from vertical in the image.

    The image keeps the plane's vertical extent and shortens its horizontal one by k: a
    segment at true angle a from vertical shows at atan(k tan a), whose slope is k near
    vertical and 1/k near horizontal (written here in the image's own angle). k is the
    gain measured on upright trunks (OBLIQUE_UPRIGHT_GAIN), where the bare projection's
    0.71 reads 0.14 high. At the inclinations rendered sets show at the bottom, it gives a
    deadlift (about 49 degrees) 1.24 against the 1.15 measured, and a squat (about 26)
    0.80 against 1.13: a squat's lean at 45 degrees reads larger than the projection says,
    so its floor is the more sensitive one.
    """
    k = OBLIQUE_UPRIGHT_GAIN
    # tan^2 is symmetric about 90 degrees and infinite at it; 89 keeps a flat segment finite.
    t2 = float(np.tan(np.radians(min(abs(inclination_deg), 89.0)))) ** 2
    return (k * k + t2) / (k * (1.0 + t2))


def fault_floor(measure: str, source: str, view: str, inclination_deg: float | None = None
                ) -> float:
    """Smallest drift (degrees, as measured) called a fault for this measure, source and view.

    inclination_deg: how far from vertical the measure's segment stands in the image where
    the fault is read (the trunk at the bottom of a squat: 25-30), for an oblique view
    and an INCLINED_MEASURES measure; None when it could not be read (then the bare
    projection's gain, between the upright and the inclined ones).
    """
    floor = FAULT_FLOOR_DEG[(measure, source)]
    if source != "image" or view != "oblique":
        return floor
    if measure in INCLINED_MEASURES:
        gain = (oblique_gain(inclination_deg) if inclination_deg is not None
                and np.isfinite(inclination_deg) else OBLIQUE_PROJECTION_GAIN)
    else:
        gain = OBLIQUE_GAIN[measure]
    return floor * gain


@dataclass(frozen=True, eq=False)
class FaultDrift:
    """One fault measure over a set: per-rep drift towards the fault and towards stricter form.

    toward_deg[k]: largest deviation from the baseline curve held in the fault's direction
    (degrees; <= 0 when the rep never moved that way); stricter_deg[k]: the same the other
    way. threshold_deg = combined_threshold(floor_deg, spread_deg) is what a fault must pass.
    """

    measure: str
    direction: int
    words: str
    # "image" or "world" landmarks, or the torso's foreshortening head-on: "foreshortening"
    # (form.foreshortened_lean) or "forward_foreshortening" (form.foreshortened_forward_lean)
    source: str
    floor_deg: float
    spread_deg: float
    threshold_deg: float
    toward_deg: tuple[float, ...]
    stricter_deg: tuple[float, ...]
    frames_past: tuple[int, ...]
    at_turnaround_deg: tuple[float | None, ...]  # the measure itself at each rep's key point
    # The baseline reps' most extreme value in the fault's direction (degrees, signed as
    # the measure), and the profile's standard when that value breaks it, else None.
    baseline_extreme_deg: float | None = None
    standard_deg: float | None = None
    breaks_standard: bool = False
    # Reps (Rep.index) not judged for this fault: the measure was read on too little of
    # their moving frames (REP_FAULT_SEEN_MIN_SHARE).
    unread_reps: tuple[int, ...] = ()


@dataclass(frozen=True, eq=False)
class SetDrift:
    """Per-rep form drift of a set against its baseline reps, and what it was judged with.

    drift_deg[k][angle]: largest sustained signed deviation of rep k (position in the
    set) from the baseline curve; frames_past[k][angle]: rep frames beyond threshold.
    tolerance_deg: the profile's (or the user's) tolerance after widening by the sweep;
    spread_deg: how far the baseline reps stray from their own mean; threshold_deg:
    tolerance and spread combined (combined_threshold), what a rep's drift is counted past.
    """

    view: str
    side: str
    angles: tuple[str, ...]
    drift_deg: tuple[dict, ...]
    curve_distance_deg: tuple[dict, ...]
    angles_bottom_deg: tuple[dict, ...]
    angles_top_deg: tuple[dict, ...]
    frames_past: tuple[dict, ...]
    tolerance_deg: dict = field(default_factory=dict)
    spread_deg: dict = field(default_factory=dict)
    sweep_deg: dict = field(default_factory=dict)
    threshold_deg: dict = field(default_factory=dict)
    not_measurable: dict = field(default_factory=dict)
    curves: dict = field(default_factory=dict)  # angle -> float[n_reps, 2*CURVE_SAMPLES]
    faults: dict = field(default_factory=dict)  # fault measure -> FaultDrift
    # What movement progress was read on: "tracked point", or "driving signal" when the
    # tracked point ran backwards within the reps (progress_signal).
    progress: str = "tracked point"


def moving_phases(rep: Rep) -> list[tuple[int, int]]:
    """The rep's two moving phases in the order they happen."""
    return [rep.eccentric, rep.concentric] if rep.eccentric_first else [rep.concentric, rep.eccentric]


def rep_curve(signal: np.ndarray, rep: Rep, *, samples: int = CURVE_SAMPLES) -> np.ndarray:
    """float[2*samples] time-normalised curve: each moving phase resampled to `samples` points.

    Normalising phase by phase (not the whole rep) keeps a longer pause or a slower
    concentric from misaligning the curves that are compared.
    """
    parts = []
    for a, b in moving_phases(rep):
        seg = signal[a:b + 1]
        if len(seg) < 2:
            parts.append(np.full(samples, seg[0] if len(seg) else np.nan))
            continue
        parts.append(np.interp(np.linspace(0, len(seg) - 1, samples), np.arange(len(seg)), seg))
    return np.concatenate(parts)


def progress_curve(signal: np.ndarray, position: np.ndarray, rep: Rep, *,
                   samples: int = CURVE_SAMPLES) -> np.ndarray:
    """float[2*samples] the signal against movement progress (0..1) within each moving phase.

    position: float[T] height of the tracked point (any unit). Comparing angles at the
    same point of the lift, not the same share of time, keeps a rep that is merely slower
    at the start or end from reading as a form change; joints that drive the lift (elbow
    in a pull-up) sweep 100+ degrees in half a second, so a few frames of timing shift
    would otherwise read as 10-20 degrees of drift.
    """
    parts = []
    # The first phase runs rest -> turnaround, the second turnaround -> rest.
    grids = (np.linspace(REST_MARGIN, 1.0, samples), np.linspace(0.0, 1.0 - REST_MARGIN, samples))
    for k, (grid, (a, b)) in enumerate(zip(grids, moving_phases(rep))):
        seg, pos = signal[a:b + 1], position[a:b + 1]
        placed = np.isfinite(pos)
        ok = np.isfinite(seg) & placed
        where = pos[placed]
        if ok.sum() < 2 or abs(where[-1] - where[0]) <= 0:
            parts.append(rep_curve(signal, rep, samples=samples)[k * samples:(k + 1) * samples])
            continue
        # Progress runs over the whole phase the point was seen through, not only the
        # frames the measure was read on: a measure lost for the first half of a lowering
        # (an ankle out of the picture) is that half unseen, not its second half stretched
        # over the whole phase (a tight push-up's first rep read 20 degrees off the rest).
        prog = (where - where[0]) / (where[-1] - where[0])
        # Noise makes progress wobble near the ends; the running maximum keeps it monotonic.
        prog = np.clip(np.maximum.accumulate(prog), 0.0, 1.0) + np.arange(len(prog)) * 1e-9
        prog, seg = prog[ok[placed]], seg[ok]
        curve = np.interp(grid, prog, seg)
        curve[(grid < prog[0]) | (grid > prog[-1])] = np.nan
        parts.append(curve)
    return np.concatenate(parts)


def backtrack_share(position: np.ndarray, reps: Sequence[Rep]) -> float:
    """Median over the reps' moving phases of how far the position runs back against the
    phase's own direction, as a share of the phase's travel (0 for a monotone movement;
    NaN without a readable phase). Reps not seen whole are left out."""
    shares = []
    for rep in reps:
        if not rep.seen_whole:
            continue
        for a, b in moving_phases(rep):
            seg = np.asarray(position[a:b + 1], dtype=np.float64)
            if len(seg) < 3 or not np.isfinite(seg).all() or seg[-1] == seg[0]:
                continue
            u = (seg - seg[0]) / (seg[-1] - seg[0])
            shares.append(float(np.max(np.maximum.accumulate(u) - u)))
    return float(np.median(shares)) if shares else float("nan")


def progress_signal(position: np.ndarray, driver: np.ndarray | None,
                    reps: Sequence[Rep]) -> tuple[np.ndarray, str]:
    """The signal movement progress is read on, and its name.

    The tracked point is preferred: it does not move with the faults judged against it
    (a deadlift's shoulders drop when the trunk leans, its hips do not). When it runs back
    within the reps' phases (PROGRESS_BACKTRACK_SHARE) a landmark is misplaced, not moving
    with the lift, and progress comes from the signal the reps were segmented on, which
    runs from one end of each phase to the other by construction.
    """
    if driver is not None and len(driver) == len(position):
        share = backtrack_share(position, reps)
        if np.isfinite(share) and share > PROGRESS_BACKTRACK_SHARE:
            return np.asarray(driver, dtype=np.float64), "driving signal"
    return position, "tracked point"


def _pause_frames(rep: Rep) -> tuple[int, int]:
    """[start, stop) frames of the pause between the rep's two moving phases."""
    first, second = moving_phases(rep)
    return first[1], second[0] + 1


def turnaround_pause_value(signal: np.ndarray, rep: Rep, min_frames: int = 3) -> float:
    """Median of the signal over the pause between the rep's two moving phases (NaN if
    the pause is shorter than min_frames)."""
    first, second = moving_phases(rep)
    a, b = first[1], second[0]
    if b - a + 1 < min_frames:
        return float("nan")
    seg = np.asarray(signal[a:b + 1], dtype=np.float64)
    return float(np.nanmedian(seg)) if np.isfinite(seg).any() else float("nan")


def sustained_drift(diff: np.ndarray, window: int) -> float:
    """Largest signed deviation held for `window` consecutive samples (window >= 1).

    A one-frame blip cannot win: within every window the smallest deviation counts.
    """
    diff = np.asarray(diff, dtype=np.float64)
    up, down = held(diff, window), -held(-diff, window)
    return up if abs(up) >= abs(down) else down


def held(values: np.ndarray, window: int) -> float:
    """Largest value held for `window` consecutive samples (NaN counts as 0; window >= 1)."""
    v = np.asarray(values, dtype=np.float64)
    if not np.any(np.isfinite(v)):
        return float("nan")
    window = max(1, min(window, len(v)))
    win = np.lib.stride_tricks.sliding_window_view(np.where(np.isfinite(v), v, 0.0), window)
    return float(win.min(axis=1).max())


def _window(rep_phase: tuple[int, int], min_frames: int, samples: int) -> int:
    """Curve samples a drift must hold: min_frames of the phase's frames, MIN_DRIFT_SPAN of its travel."""
    frames = max(rep_phase[1] - rep_phase[0] + 1, 1)
    # A slow rep has more frames, so more chances for noise to hold 3 frames running.
    return max(int(np.ceil(min_frames * samples / frames)), int(np.ceil(MIN_DRIFT_SPAN * samples)))


def envelope(values: np.ndarray, half_width: int, direction: int) -> np.ndarray:
    """Running max (direction +1) or min (-1) over +/- half_width samples, NaN-aware."""
    v = np.asarray(values, dtype=np.float64)
    if half_width <= 0:
        return v
    padded = np.pad(direction * v, half_width, mode="edge")
    win = np.lib.stride_tricks.sliding_window_view(padded, 2 * half_width + 1)
    return direction * seen_reduce(np.nanmax, win, axis=1)  # all-NaN windows stay NaN


def zone_mask(zone: str, eccentric_first: bool, samples: int = CURVE_SAMPLES) -> np.ndarray:
    """bool[2*samples]: the curve samples (see progress_curve) in a fault's zone of the rep.

    Each moving phase runs rest -> turnaround or turnaround -> rest; the half nearer the
    turnaround is the bottom of an eccentric-first lift and the top of a concentric-first one.
    """
    half = samples // 2
    near_turn = np.zeros(2 * samples, dtype=bool)
    near_turn[half:samples] = True
    near_turn[samples:samples + half] = True
    if zone == "all":
        return np.ones(2 * samples, dtype=bool)
    turn_is_bottom = eccentric_first
    return near_turn if (zone == "bottom") == turn_is_bottom else ~near_turn


def phase_mask(rep: Rep, samples: int = CURVE_SAMPLES) -> np.ndarray:
    """bool[2*samples]: the curve samples (see progress_curve) of the moving phases the rep
    was seen through (Rep.form_phases)."""
    first, second = rep.form_phases
    return np.repeat(np.array([first, second]), samples)


def directed_drift(curve: np.ndarray, base_curve: np.ndarray, rep: Rep, direction: int,
                   min_frames: int, samples: int = CURVE_SAMPLES, shift: float = PROGRESS_SLACK,
                   zone: np.ndarray | None = None) -> float:
    """Largest deviation beyond the baseline held in `direction` (+1/-1) over both phases.

    The baseline is widened to its extreme within +/- shift (share of a phase) of movement
    progress: a rep whose angles merely run a little ahead of or behind the baseline's is
    not a form change, while an offset that a small shift cannot explain is.
    """
    out = []
    half = int(round(shift * samples))
    dev = np.full(2 * samples, np.nan)
    for i in range(2):
        seg = slice(i * samples, (i + 1) * samples)
        dev[seg] = direction * (curve[seg] - envelope(base_curve[seg], half, direction))
    if zone is not None:
        dev[~zone] = np.nan  # outside the fault's zone: no deviation counts
    for i, phase in enumerate(moving_phases(rep)):
        seg = slice(i * samples, (i + 1) * samples)
        if np.isfinite(dev[seg]).any():
            out.append(held(dev[seg], _window(phase, min_frames, samples)))
    out = [x for x in out if np.isfinite(x)]
    return max(out) if out else float("nan")


def phase_drift(curve: np.ndarray, base_curve: np.ndarray, rep: Rep, min_frames: int,
                samples: int = CURVE_SAMPLES) -> float:
    """Sustained drift over both moving phases; the window is min_frames of the rep's own frames."""
    out = []
    for i, phase in enumerate(moving_phases(rep)):
        seg = slice(i * samples, (i + 1) * samples)
        out.append(sustained_drift(curve[seg] - base_curve[seg], _window(phase, min_frames, samples)))
    out = [x for x in out if np.isfinite(x)]
    return max(out, key=abs) if out else float("nan")


def frames_past(curve: np.ndarray, base_curve: np.ndarray, rep: Rep, tolerance: float,
                samples: int = CURVE_SAMPLES, direction: int = 0,
                zone: np.ndarray | None = None) -> int:
    """Rep frames (approximately) whose deviation from the baseline exceeds the tolerance
    (either way, or only in `direction` +1/-1; only within `zone` when given)."""
    n = 0
    for i, (a, b) in enumerate(moving_phases(rep)):
        seg = slice(i * samples, (i + 1) * samples)
        diff = curve[seg] - base_curve[seg]
        over = (direction * diff if direction else np.abs(diff)) > tolerance
        if zone is not None:
            over &= zone[seg]
        n += int(round(over.mean() * (b - a + 1)))
    return n


def drift_tolerance(profile: ExerciseProfile, angle: str, override: float | None = None,
                    sweep_deg: float = 0.0) -> float:
    """Degrees of drift allowed before technical failure: override > profile > default.

    sweep_deg: how far the angle travels in a rep (0..180). A joint that drives the lift
    (elbow in a pull-up, knee in a squat) sweeps 90-150 degrees, and a few per cent of
    mismatch in where two reps are compared is several degrees of it; without an explicit
    override its tolerance is at least SWEEP_TOLERANCE_SHARE of its sweep.
    """
    if override is not None:
        return float(override)
    base = float(profile.drift_tolerance_deg.get(angle, DEFAULT_DRIFT_TOLERANCE_DEG))
    return max(base, SWEEP_TOLERANCE_SHARE * float(sweep_deg)) if np.isfinite(sweep_deg) else base


def key_frames(rep: Rep) -> tuple[int, int]:
    """(bottom / stretched position, top / lockout) frames of a rep."""
    bottom = rep.turnaround if rep.eccentric_first else rep.concentric[0]
    return bottom, rep.concentric[1]


def _round(x: float) -> float | None:
    """Degrees rounded to 0.1 for reports; None when not finite."""
    x = float(x)
    return round(x, 1) if np.isfinite(x) else None


def baseline_extreme(signal: np.ndarray, reps: Sequence[Rep], direction: int) -> float:
    """The reps' mean 95th-percentile value of the signal in `direction` (+1/-1), signed as
    the signal; over the moving phases and the turnaround pause. NaN without data."""
    ext = []
    for rep in reps:
        vals = np.concatenate([signal[a:b + 1] for a, b in moving_phases(rep)]
                              + [signal[slice(*_pause_frames(rep))]])
        vals = direction * vals[np.isfinite(vals)]
        if vals.size:
            ext.append(float(np.percentile(vals, 95)))
    return direction * float(np.mean(ext)) if ext else float("nan")


def _inclination(signal: np.ndarray, fault: Fault, source: str, view: str,
                 reps: Sequence[Rep], baseline: Sequence[int]) -> float | None:
    """The trunk's inclination its 45-degree floor is read at (fault_floor), or None.

    Trunk lean is its own segment's inclination: a baseline rep's extreme in the fault's
    direction (where a squat's lean peaks, at the bottom), of the most upright baseline
    rep that was seen, so a fault that starts on rep 2 cannot raise its own floor. A
    deadlift is judged over the whole rep and held to the floor of its deepest point,
    where the picture magnifies a lean most: a lean that shows only near lockout, where
    the trunk stands upright, reads at about half that gain and must be larger to count.
    """
    if fault.measure not in INCLINED_MEASURES or view != "oblique" or source != "image":
        return None
    seen = [x for x in (baseline_extreme(signal, [reps[i]], fault.direction) for i in baseline)
            if np.isfinite(x)]
    return min(seen, key=abs) if seen else None


def fault_drift(signal: np.ndarray, fault: Fault, source: str, reps: Sequence[Rep],
                position: np.ndarray, baseline: Sequence[int], *, min_frames: int = 3,
                floor_override: float | None = None, view: str = "side",
                read_frames: np.ndarray | None = None,
                unjudged: Collection[int] = ()) -> FaultDrift:
    """Drift of one fault measure towards the fault and towards stricter form, per rep.

    signal: float[T] the measure (form.fault_signal, smoothed); position: float[T] the
    tracked point's height, for movement progress; baseline: positions in `reps` of the
    baseline reps. The baseline curve is the mean of those baseline reps that do not
    already carry the fault; each rep's drift is the larger of its progress-curve drift
    (directed_drift, within the fault's zone) and its turnaround pause against the
    baseline's. The threshold is the floor (fault_floor, scaled at 45 degrees by how the
    image reads the measure there, or the user's override, degrees)
    with the baseline reps' own spread (combined_threshold). The baseline reps' extreme is
    also held against the profile's standard (side view, image landmarks only).
    read_frames: bool[T] frames the measure was read on before smoothing (its finite frames
    when None). unjudged: indices of reps no verdict is judged on (set-up movement, a rep
    far past its run's range: verdicts.unjudged_reps), which lend a one-rep norm no spread.
    """
    curves = np.array([progress_curve(signal, position, r) for r in reps]) if reps else np.zeros((0, 2 * CURVE_SAMPLES))
    # A rep read on too little of its moving frames is not judged. A baseline rep so read
    # still joins the norm (its curve is NaN where unseen, and dropping it left a baseline
    # of one rep with no spread: a shaken squat's knees then read 2.9-4.0 degrees "past"
    # a 2.8 floor); when every baseline rep is so read there is no norm and no rep is judged.
    if read_frames is None:
        read_frames = np.isfinite(signal)
    unread = tuple(r.index for r in reps if any(r.form_phases)
                   and seen_share(read_frames, r) < REP_FAULT_SEEN_MIN_SHARE)
    if baseline and all(reps[i].index in unread for i in baseline):
        unread = tuple(r.index for r in reps if any(r.form_phases))
    # The measure's own noise floor decides which first reps make the norm; a coach's
    # --drift-tolerance only sets the line the readings are held against. With the
    # tolerance deciding, a rep 2 already 8 degrees into a fault joined the norm under a
    # tolerance of 9: every reading shrank, the spread grew, and the fault went uncalled.
    measured = fault_floor(fault.measure, source, view,
                           _inclination(signal, fault, source, view, reps, baseline))
    floor = measured if floor_override is None else float(floor_override)
    # The baseline starts with the first baseline rep; a later baseline rep joins it
    # unless it and the rep after it both move towards the fault past the floor: a fault
    # that starts on rep 2 must not become part of the norm it is judged against, while a
    # one-off wobble of rep 2 is the lifter's normal spread.
    base_idx = list(baseline[:1])
    zone = zone_mask(fault.zone, reps[0].eccentric_first) if reps else None
    # Each rep is read within the fault's zone, on the moving phases it was seen through
    # (Rep.form_phases): a last pull held at lockout until the clip ends is judged on its
    # pull, a rep the clip began inside on its way back.
    zones = [None if zone is None else zone & phase_mask(r) for r in reps]

    def drift_of(k: int, ref: np.ndarray, direction: int) -> float:
        return directed_drift(curves[k], ref, reps[k], direction, min_frames, zone=zones[k])

    held_value = [turnaround_pause_value(signal, r) for r in reps]
    # Reps this measure was read on (an unread one has no reading to confirm or deny).
    read_pos = [k for k, r in enumerate(reps) if any(r.form_phases) and r.index not in unread]
    # A rep is held against the first baseline rep that was read: against an unread one
    # nothing is ever past the floor.
    anchor = next((i for i in baseline if i in read_pos), base_idx[0] if base_idx else 0)

    def past_floor(i: int) -> bool:
        at_pause = fault.direction * (held_value[i] - held_value[anchor])
        toward = float(np.nanmax([drift_of(i, curves[anchor], fault.direction),
                                  at_pause if np.isfinite(at_pause) else -np.inf]))
        # Past the floor the stricter way as well, the rep is the landmarks jumping (as
        # verdicts.two_sided reads it), not a fault starting: it stays in the baseline,
        # whose spread it then widens.
        stricter = drift_of(i, curves[anchor], -fault.direction)
        return toward > measured and not stricter > measured

    def starts_fault(i: int) -> bool:
        # Rep i past the floor towards the fault, and the next rep too: the next one read,
        # across one unread rep at most (as a lasting fault may skip one, verdicts.sustained).
        # A last rep has no next one; a rep whose next is not read near it is not confirmed.
        if not past_floor(i):
            return False
        if i + 1 >= len(reps):
            return True
        nxt = next((k for k in read_pos if k > i), None)
        return nxt is not None and nxt <= i + 2 and past_floor(nxt)

    for i in list(baseline)[1:]:
        if not starts_fault(i):
            base_idx.append(i)
    base = seen_mean(curves[base_idx])  # NaN where no baseline rep was seen (or none is left)
    # A fault can peak while the lift is still at the turnaround (a press leaning back at
    # lockout, hips sagging in a paused push-up): the pause's median joins the curves.
    turn_in_zone = zone is None or bool(zone[CURVE_SAMPLES - 1])
    base_held = [held_value[i] for i in base_idx if np.isfinite(held_value[i])]
    base_pause = float(np.mean(base_held)) if base_held and turn_in_zone else float("nan")

    # direction: +1 towards the fault, -1 towards stricter form (both the curve's and the
    # pause's reading are signed by the fault's own direction).
    def with_pause(k: int, direction: int) -> float:
        curve = drift_of(k, base, direction * fault.direction)
        extra = direction * fault.direction * (held_value[k] - base_pause)
        return float(np.nanmax([curve, extra])) if np.isfinite(extra) else curve

    # The baseline reps' spread is read as every rep is judged, pause included: first reps
    # that disagree at the turnaround (landmarks off through one rep's bottom) widen the
    # threshold, rather than shift the norm a later rep is held against unseen.
    own = [max(abs(with_pause(i, 1)), abs(with_pause(i, -1))) for i in base_idx]
    own = [x for x in own if np.isfinite(x)]
    spread = round(float(max(own)), 1) if len(own) >= 2 else 0.0
    if len(own) == 1:
        # One rep read sets the norm (--baseline-reps 1, or rep 2 unread) and shows no
        # spread: the threshold would be the bare floor, and a clean 30-rep push-up set
        # read hip sag past it on 28 reps. The next full rep read lends its distance from
        # the norm, halved (the spread two reps show about their mean), unless it starts
        # the fault itself, as a rep 2 that does is kept out of the norm.
        lender = next((k for k in read_pos if k > max(base_idx) and reps[k].counted
                       and reps[k].index not in unjudged), None)
        if lender is not None and not starts_fault(lender):
            lent = max(abs(with_pause(lender, 1)), abs(with_pause(lender, -1)))
            if np.isfinite(lent):
                spread = round(float(lent) / 2.0, 1)
    # The user's --drift-tolerance is a coach's floor, whatever the source.
    threshold = combined_threshold(floor, spread, source if floor_override is None else "")

    # A rep partly not tracked (Rep.unseen) is not read: its curve holds a straight line
    # across the gap and the smoother's extrapolation at the gap's edges; one the clip
    # began or ended inside (Rep.cut_start, cut_end) is read on its phase seen whole only.
    nan = float("nan")
    read = [any(r.form_phases) and r.index not in unread for r in reps]
    toward = tuple(with_pause(k, 1) if ok else nan for k, (r, ok) in enumerate(zip(reps, read)))
    stricter = tuple(with_pause(k, -1) if ok else nan for k, (r, ok) in enumerate(zip(reps, read)))
    # The pause's frames count too: its median is part of the rep's reading (with_pause).
    def pause_past(r: Rep) -> int:
        if not np.isfinite(base_pause):
            return 0
        seg = np.asarray(signal[slice(*_pause_frames(r))], dtype=np.float64)
        return int(np.sum(fault.direction * (seg - base_pause) > threshold))

    past = tuple(frames_past(curves[k], base, r, threshold, direction=fault.direction, zone=zones[k])
                 + pause_past(r) if ok else 0 for k, (r, ok) in enumerate(zip(reps, read)))
    at_turn = tuple(None if r.index in unread else _round(signal[r.turnaround]) for r in reps)
    # Rep 1 is a baseline, not a proof of good form: the first reps' own extreme is held
    # against the profile's standard where the view measures the angle itself (image
    # landmarks from the side; other views carry offsets of 7-20 degrees). Baseline reps
    # not read (unread) give no extreme.
    extreme = baseline_extreme(signal, [reps[i] for i in base_idx if reps[i].index not in unread],
                               fault.direction)
    breaks = bool(fault.standard_deg is not None and view == "side" and source == "image"
                  and np.isfinite(extreme) and fault.direction * extreme > fault.standard_deg)
    return FaultDrift(measure=fault.measure, direction=fault.direction, words=fault.words,
                      baseline_extreme_deg=_round(extreme), standard_deg=fault.standard_deg,
                      breaks_standard=breaks,
                      source=source, floor_deg=floor, spread_deg=spread, threshold_deg=threshold,
                      toward_deg=tuple(_round(x) for x in toward),
                      stricter_deg=tuple(_round(x) for x in stricter), frames_past=past,
                      at_turnaround_deg=at_turn, unread_reps=unread)


def read_faults(faults: dict[str, FaultDrift]) -> dict[str, FaultDrift]:
    """The fault measures read on at least one rep (a measure every rep of which was read
    on too little of its frames judges nothing, though the set lists it)."""
    return {m: f for m, f in faults.items()
            if any(x is not None and np.isfinite(x) for x in f.toward_deg)}


def shown_drift(toward: float | None, stricter: float | None) -> float:
    """One signed number for a rep's fault reading, as the table, the report and the plot
    show it: the move towards the fault (positive), or minus the move towards stricter
    form when that is the larger; NaN when neither was read."""
    t = float("nan") if toward is None else float(toward)
    st = float("nan") if stricter is None else float(stricter)
    if np.isfinite(st) and st > (max(t, 0.0) if np.isfinite(t) else 0.0):
        return -st
    return t


def misplaced_measures(form: FormSignals, reps: Sequence[Rep]) -> dict[str, str]:
    """Fault measures not read in this set because their landmarks were misplaced on more
    than MISPLACED_SHARE of the frames of the reps seen whole, with why."""
    out = {}
    for measure, bad in form.misplaced.items():
        frames = np.zeros(len(bad), dtype=bool)
        for rep in reps:
            if rep.seen_whole:
                frames[rep.start:rep.end + 1] = True
        share = float(bad[frames].mean()) if frames.any() else 0.0
        if share > MISPLACED_SHARE:
            out[measure] = (f"the hip landmarks jumped away from where the hips stay on "
                            f"{share:.0%} of the reps' frames (hidden behind a plate or the arms?)")
    return out


# A rep whose fault measure was read (before smoothing, which bridges short gaps) on fewer
# than this share of its moving frames is not judged for that fault: where the picture
# cuts off a limb the model's guesses for it also jump on the frames it does place inside
# (a push-up zoomed 1.3 times: the ankles not read on 18-56 % of reps 24-30's
# moving frames, and on others put 0.35 of the width from where they were, at presence
# 0.75-0.9, read 7-14 degrees of hip sag). Rendered and real clips filmed whole read their
# fault measures on every moving frame.
REP_FAULT_SEEN_MIN_SHARE = 0.9


def seen_share(read: np.ndarray, rep: Rep) -> float:
    """Share of the rep's moving frames, in the phases it can be judged on
    (Rep.form_phases), where a measure was read (read: bool[T]); 1.0 when it has none."""
    spans = [np.arange(a, b + 1) for (a, b), ok in zip(moving_phases(rep), rep.form_phases) if ok]
    if not spans:
        return 1.0
    return float(np.asarray(read, dtype=bool)[np.concatenate(spans)].mean())


# A fault measure read on fewer than this share of the baseline reps' moving frames is not
# judged in the set: its norm would be a sliver of each rep (a push-up framed tight, the
# ankles out of the picture on 87-94 % of the first two reps' frames, read slivers of
# different parts of later reps against it and called hip sag on nine of them).
FAULT_SEEN_MIN_SHARE = 0.5


def unseen_measures(form: FormSignals, reps: Sequence[Rep], baseline: Sequence[int]
                    ) -> dict[str, str]:
    """Fault measures not read in this set because they were read on fewer than
    FAULT_SEEN_MIN_SHARE of the baseline reps' moving frames, with why."""
    spans = [np.arange(a, b + 1) for i in baseline for a, b in moving_phases(reps[i])]
    if not spans:
        return {}
    frames = np.concatenate(spans)
    out = {}
    for measure, signal in form.faults.items():
        share = float(np.isfinite(np.asarray(signal, dtype=np.float64)[frames]).mean())
        if share < FAULT_SEEN_MIN_SHARE:
            out[measure] = (f"read on only {share:.0%} of the first reps' moving frames (a limb "
                            "it needs out of the picture or not found)")
    return out


def set_drift(form: FormSignals, reps: Sequence[Rep], position: np.ndarray,
              baseline: Sequence[int], profile: ExerciseProfile, *, min_frames: int = 3,
              tolerance_override: float | None = None,
              driver: np.ndarray | None = None, unjudged: Collection[int] = ()) -> SetDrift:
    """Drift of every rep's angles from the baseline reps' mean curves, with the tolerances.

    position: float[T] tracked point height (any unit, up), for movement progress; driver:
    float[T] the signal the reps were segmented on, read for progress instead when the
    tracked point runs backwards within the reps (progress_signal).
    baseline: positions in `reps` of the baseline reps. min_frames: frames a drift must
    last, 1..30. tolerance_override: the user's tolerance for every angle, 0.5..90 deg.
    unjudged: indices of reps no verdict is judged on (fault_drift).
    """
    base_idx = list(baseline)
    position, progress = progress_signal(position, driver, reps)
    empty = np.zeros((0, 2 * CURVE_SAMPLES))
    curves = {a: np.array([rep_curve(sig, r) for r in reps]) if reps else empty
              for a, sig in form.angles.items()}
    # Drift is judged at matched movement progress of the tracked point, in pixels, so it
    # works without a metric scale too.
    pcurves = {a: np.array([progress_curve(sig, position, r) for r in reps]) if reps else empty
               for a, sig in form.angles.items()}
    # An angle, or the tracked point, never seen in the baseline reps (or no baseline rep):
    # a NaN baseline.
    base_t = {a: seen_mean(c[base_idx]) for a, c in curves.items()}
    base_p = {a: seen_mean(c[base_idx]) for a, c in pcurves.items()}
    spread, sweep, tol, threshold = {}, {}, {}, {}
    for a, sig in form.angles.items():
        # The first reps never match each other exactly (technique varies, MediaPipe
        # jitters more on some joints and views); drift within that spread is normal.
        own = [abs(phase_drift(pcurves[a][i], base_p[a], reps[i], min_frames)) for i in base_idx]
        own = [x for x in own if np.isfinite(x)]
        spread[a] = round(float(max(own)), 1) if len(own) >= 2 else 0.0
        ranges = [np.nanmax(sig[reps[i].start:reps[i].end + 1]) - np.nanmin(sig[reps[i].start:reps[i].end + 1])
                  for i in base_idx if np.any(np.isfinite(sig[reps[i].start:reps[i].end + 1]))]
        sweep[a] = round(float(np.median(ranges)), 1) if ranges else 0.0
        tol[a] = drift_tolerance(profile, a, tolerance_override, sweep[a])
        threshold[a] = combined_threshold(tol[a], spread[a])
    missing = {a: None for a in form.not_measurable}
    drift, dist, bottom_deg, top_deg, past = [], [], [], [], []
    for k, rep in enumerate(reps):
        bottom, top = key_frames(rep)
        d, c, b, t, p = dict(missing), dict(missing), dict(missing), dict(missing), {}
        for a, sig in form.angles.items():
            b[a], t[a] = _round(sig[bottom]), _round(sig[top])
            if not rep.seen_whole:  # not read, as in fault_drift
                d[a], c[a], p[a] = None, None, 0
                continue
            d[a] = _round(phase_drift(pcurves[a][k], base_p[a], rep, min_frames))
            diff = curves[a][k] - base_t[a]
            c[a] = _round(float(np.sqrt(np.nanmean(diff ** 2)))) if np.any(np.isfinite(diff)) else None
            p[a] = frames_past(pcurves[a][k], base_p[a], rep, threshold[a])
        drift.append(d)
        dist.append(c)
        bottom_deg.append(b)
        top_deg.append(t)
        past.append(p)
    # Measures not read in this set at all (a fault's unread_reps are its reps not read).
    unread_measures = {**unseen_measures(form, reps, base_idx), **misplaced_measures(form, reps)}
    faults = {f.measure: fault_drift(form.faults[f.measure], f, form.fault_source[f.measure], reps,
                                     position, base_idx, min_frames=min_frames,
                                     floor_override=tolerance_override, view=form.view,
                                     read_frames=form.fault_read.get(f.measure), unjudged=unjudged)
              for f in profile.faults if f.measure in form.faults and f.measure not in unread_measures}
    # An angle whose fault is judged another way (knee cave from the image at 45 degrees,
    # trunk lean off the 3-D landmarks head-on) says so: "knee valgus needs a front or
    # rear view" alone, beside a knee-cave reading past its limit, left a coach unsure
    # which to believe (the warnings leave such an angle out).
    read_instead = {FAULT_ANGLE[m]: f"; the {m.replace('_', ' ')} fault is read instead, "
                    f"from {FAULT_SOURCE_WORDS.get(f.source, f.source)}"
                    for m, f in read_faults(faults).items() if m in FAULT_ANGLE}
    return SetDrift(view=form.view, side=form.side, angles=tuple(form.angles), faults=faults,
                    drift_deg=tuple(drift), curve_distance_deg=tuple(dist),
                    angles_bottom_deg=tuple(bottom_deg), angles_top_deg=tuple(top_deg),
                    frames_past=tuple(past), tolerance_deg=tol, spread_deg=spread,
                    sweep_deg=sweep, threshold_deg=threshold,
                    not_measurable={**{a: why + read_instead.get(a, "")
                                       for a, why in form.not_measurable.items()},
                                    **form.faults_not_measurable, **unread_measures},
                    curves=curves, progress=progress)
