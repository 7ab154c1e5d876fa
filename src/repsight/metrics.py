"""Per-rep concentric velocity, range of motion, velocity loss, RIR estimate and form drift.

Everything here is a pure function of a PoseSequence, its Reps (frame indices) and a
Scale; seconds come only from the sequence's float timestamps.

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

import warnings
from dataclasses import dataclass, field
from typing import Sequence

import numpy as np

from .landmarks import JOINT_TRIPLETS, LM, VISIBILITY
from .profiles import DEFAULT_DRIFT_TOLERANCE_DEG, ExerciseProfile
from .scale import Scale
from .smoothing import fill_gaps, lowpass
from .types import PoseSequence, Rep, RepMetrics

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
CURVE_SAMPLES = 50  # samples per moving phase in time-normalised curves
# Drift is compared over each moving phase's travel except the last 5 % next to the rest
# position: there the tracked point barely moves while joints still open or close (the
# last bit of elbow extension into a dead hang), so a hair of progress is tens of degrees.
# The turnaround end stays in: faults peak there (lean at the bottom of a squat, lean-back
# at a press lockout).
REST_MARGIN = 0.05
FORM_CUTOFF_HZ = 8.0  # low-pass for angles and progress (see compute_metrics)
MIN_DRIFT_SPAN = 0.1  # share of a phase's travel a drift must span (see _drift)
SWEEP_TOLERANCE_SHARE = 0.15  # driving joints: tolerance >= this share of their sweep
MIN_RIR_LOSS_PCT = 5.0
# Sets in the source studies ran to at most ~30 reps; beyond 10 left the linear model
# extrapolates from a few per cent of loss and the number means only "many".
MAX_RIR = 10.0

# Which angles a camera view can measure. Sagittal-plane angles (flexion of knee, hip,
# trunk lean) need a side view; knee valgus and left/right asymmetry need a front (or
# rear) view. Elbow and shoulder move in the frontal plane in presses and pull-ups, so a
# front view sees them there; in curls and raises they move in the sagittal plane.
SAGITTAL = ("knee", "hip", "trunk", "ankle")
FRONTAL_ONLY = ("knee_valgus", "asymmetry")
FRONTAL_ARM_FAMILIES = ("press", "pull")


@dataclass(frozen=True)
class FormSignals:
    """Per-frame joint angles (degrees, smoothed) of one set, with the view they came from."""

    view: str  # side | front | oblique | unknown
    side: str  # LEFT | RIGHT | BOTH: which limbs the angles use
    angles: dict  # angle name -> float[T] degrees (only measurable angles)
    not_measurable: dict  # angle name -> reason


@dataclass(frozen=True)
class SetMetrics:
    """Metrics of every rep of a set, plus what they rest on."""

    reps: tuple[RepMetrics, ...]
    scale: Scale
    view: str
    side: str
    baseline_reps: tuple[int, ...]  # rep indices forming the velocity and form baseline
    baseline_velocity_mps: float
    not_measurable: dict = field(default_factory=dict)  # angle -> reason
    curves: dict = field(default_factory=dict)  # angle -> float[n_reps, 2*CURVE_SAMPLES]
    drift_frames: dict = field(default_factory=dict)  # (rep index, angle) -> frames past tolerance
    # angle -> how far the baseline reps stray from their own mean (degrees); technical
    # failure needs drift past tolerance + this.
    baseline_spread_deg: dict = field(default_factory=dict)
    setup_reps: tuple[int, ...] = ()  # a first "rep" that was set-up (unrack, jump to the bar)
    angle_sweep_deg: dict = field(default_factory=dict)  # angle -> travel within a baseline rep
    track: np.ndarray = field(default_factory=lambda: np.zeros(0))  # tracked point height, px, up
    warnings: tuple[str, ...] = ()


# --------------------------------------------------------------------------- signals

def smooth(y: np.ndarray, fs: float, *, cutoff_hz: float = 4.0, max_gap: int | None = None) -> np.ndarray:
    """The team's smoothing (smoothing.fill_gaps + lowpass) with the gap limit in frames.

    fs: sampling rate in Hz (> 0, float). cutoff_hz: 0.5..fs/2. max_gap: longest interior
    NaN run (frames) to bridge; longer gaps stay NaN (None bridges every interior gap).
    """
    y = np.asarray(y, dtype=np.float64)
    filled = fill_gaps(y, max_gap=len(y) if max_gap is None else max_gap)
    return lowpass(filled, fs, cutoff_hz=cutoff_hz)


def despike(y: np.ndarray, fps: float, *, window_s: float = 0.1) -> np.ndarray:
    """Running median over ~window_s seconds (0.05..0.5; at least 3 frames), NaN-aware.

    MediaPipe now and then throws a joint for one or two frames (an elbow "closing" to 20
    degrees as the hands pass the face); a low-pass filter only spreads such a spike into
    a bump that reads as drift, a median removes it.
    """
    k = max(3, int(round(window_s * fps)) | 1)
    y = np.asarray(y, dtype=np.float64)
    pad = k // 2
    padded = np.pad(y, pad, mode="edge")
    win = np.lib.stride_tricks.sliding_window_view(padded, k)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", category=RuntimeWarning)  # all-NaN windows stay NaN
        out = np.nanmedian(win, axis=1)
    out[~np.isfinite(y)] = np.nan
    return out


def _side_visibility(seq: PoseSequence, names: Sequence[str], side: str) -> float:
    """Median visibility of the given landmark base names on one side, over detected frames."""
    cols = [LM[f"{side}_{n}"] for n in names]
    vis = seq.image[:, cols, VISIBILITY]
    vis = vis[np.isfinite(vis).all(axis=1)]
    return float(np.median(vis)) if len(vis) else 0.0


def tracked_point_px(seq: PoseSequence, names: Sequence[str], *, min_visibility: float = 0.5) -> np.ndarray:
    """float[T,2] pixel track of the mean of the named landmarks on the visible side(s).

    Sides are chosen once per set (not per frame) so the track never jumps between limbs.
    """
    if not names:
        raise ValueError("no landmark names for the tracked point")
    sides = []
    single = [n for n in names if n in LM.__members__]
    paired = [n for n in names if n not in LM.__members__]
    vis = {s: _side_visibility(seq, paired, s) if paired else 1.0 for s in ("LEFT", "RIGHT")}
    if paired:
        sides = [s for s in ("LEFT", "RIGHT") if vis[s] >= min_visibility]
        if not sides:
            sides = [max(vis, key=vis.get)]
    pts = [seq.pixels(LM[f"{s}_{n}"]) for s in sides for n in paired]
    pts += [seq.pixels(LM[n]) for n in single]
    return np.mean(np.stack(pts), axis=0)


def height_m(seq: PoseSequence, names: Sequence[str], scale: Scale, *, cutoff_hz: float = 4.0,
             min_visibility: float = 0.5, max_gap_s: float = 0.25) -> np.ndarray:
    """float[T] smoothed height of the tracked point in metres, up positive (NaN: unknown)."""
    track = tracked_point_px(seq, names, min_visibility=min_visibility)
    y = -track[:, 1] * scale.m_per_px  # image y grows downwards
    return smooth(y, seq.fps, cutoff_hz=cutoff_hz, max_gap=int(round(max_gap_s * seq.fps)))


# --------------------------------------------------------------------------- view and angles

def detect_view(seq: PoseSequence) -> str:
    """'side', 'front' (front or rear), 'oblique' or 'unknown': the body's yaw to the camera.

    MediaPipe's world landmarks follow the camera's axes, so the hip and shoulder lines'
    angle in the horizontal (x, z) plane is the body's yaw: 0 facing the camera (or away),
    90 side-on. Median over frames of the mean of both lines; front < 25 deg <= oblique <
    60 deg <= side. On the team's clips: front and rear 2-13, the rendered 45-degree curl
    35, the real "45-degree" clips 46-65 (most are nearer side-on), side 66-88. Without
    world landmarks, the image ratio of shoulder width to trunk length stands in.
    """
    yaws = []
    for a, b in ((LM.LEFT_HIP, LM.RIGHT_HIP), (LM.LEFT_SHOULDER, LM.RIGHT_SHOULDER)):
        d = seq.world[:, a].astype(np.float64) - seq.world[:, b]
        yaws.append(np.degrees(np.arctan2(np.abs(d[:, 2]), np.abs(d[:, 0]))))
    yaw = np.mean(yaws, axis=0)
    yaw = yaw[np.isfinite(yaw)]
    if yaw.size >= 5:
        y = float(np.median(yaw))
        return "front" if y < 25 else ("oblique" if y < 60 else "side")
    ls, rs = seq.pixels(LM.LEFT_SHOULDER), seq.pixels(LM.RIGHT_SHOULDER)
    lh, rh = seq.pixels(LM.LEFT_HIP), seq.pixels(LM.RIGHT_HIP)
    width = np.linalg.norm(ls - rs, axis=1)
    trunk = np.linalg.norm((ls + rs) / 2 - (lh + rh) / 2, axis=1)
    ratio = width / np.where(trunk > 1e-6, trunk, np.nan)
    ratio = ratio[np.isfinite(ratio)]
    if ratio.size < 5:
        return "unknown"
    r = float(np.median(ratio))
    return "side" if r < 0.24 else ("front" if r >= 0.45 else "oblique")


def _angle_at(a: np.ndarray, b: np.ndarray, c: np.ndarray) -> np.ndarray:
    """float[T] angle ABC in degrees from pixel tracks (NaN where any point is missing)."""
    u, v = a - b, c - b
    nu, nv = np.linalg.norm(u, axis=1), np.linalg.norm(v, axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        cos = np.sum(u * v, axis=1) / (nu * nv)
    return np.degrees(np.arccos(np.clip(cos, -1.0, 1.0)))


def _joint_angle(seq: PoseSequence, name: str, side: str) -> np.ndarray:
    """2D joint angle from landmarks.JOINT_TRIPLETS on one side."""
    a, b, c = (seq.pixels(LM[t.format(side=side)]) for t in JOINT_TRIPLETS[name])
    return _angle_at(a, b, c)


def facing_sign(seq: PoseSequence, side: str) -> float:
    """+1 if the lifter faces image right in a side view, -1 if left (0: cannot tell).

    From the feet (toes ahead of heels) and the head (nose ahead of the ears), median
    over frames; needed so that leaning back is not read as leaning forward.
    """
    sides = ("LEFT", "RIGHT") if side == "BOTH" else (side,)
    votes = []
    for s in sides:
        votes.append(seq.pixels(LM[f"{s}_FOOT_INDEX"])[:, 0] - seq.pixels(LM[f"{s}_HEEL"])[:, 0])
        votes.append(seq.pixels(LM.NOSE)[:, 0] - seq.pixels(LM[f"{s}_EAR"])[:, 0])
    v = np.sign(np.concatenate(votes))
    v = v[np.isfinite(v)]
    return float(np.sign(np.sum(v))) if v.size else 0.0


def _trunk_inclination(seq: PoseSequence, side: str) -> np.ndarray:
    """Angle of the hip->shoulder line from vertical, degrees; forward lean positive.

    Side view: signed by the facing direction (leaning back reads negative), so a press
    lean-back is not folded onto forward lean. Otherwise unsigned (0 upright, 90 flat).
    """
    sides = ("LEFT", "RIGHT") if side == "BOTH" else (side,)
    sh = np.mean([seq.pixels(LM[f"{s}_SHOULDER"]) for s in sides], axis=0)
    hp = np.mean([seq.pixels(LM[f"{s}_HIP"]) for s in sides], axis=0)
    d = sh - hp
    facing = facing_sign(seq, side) if side != "BOTH" else 0.0
    dx = d[:, 0] * facing if facing else np.abs(d[:, 0])
    return np.degrees(np.arctan2(dx, -d[:, 1]))


def _knee_valgus(seq: PoseSequence) -> np.ndarray:
    """Knee cave proxy, degrees, knee towards the midline positive; mean of both legs.

    Per leg: the knee's sideways distance from the hip-ankle line, as an angle at the hip
    over the thigh's full image length (its 95th percentile over the set). The classic
    frontal plane projection angle (180 - hip-knee-ankle angle in the image) was tried
    first and exaggerated a 4 degree cave to 20 degrees at squat depth, because the thigh
    foreshortens as the knees come towards the camera; this measure does not.
    """
    mid_x = (seq.pixels(LM.LEFT_HIP)[:, 0] + seq.pixels(LM.RIGHT_HIP)[:, 0]) / 2
    out = []
    for s in ("LEFT", "RIGHT"):
        h, k, a = (seq.pixels(LM[f"{s}_{n}"]) for n in ("HIP", "KNEE", "ANKLE"))
        ha = a - h
        with np.errstate(invalid="ignore", divide="ignore"):
            frac = (k[:, 1] - h[:, 1]) / ha[:, 1]  # where along the hip-ankle line the knee is
        line_x = h[:, 0] + frac * ha[:, 0]
        medial = np.sign(mid_x - h[:, 0])
        thigh = np.linalg.norm(k - h, axis=1)
        full = np.nanpercentile(thigh, 95) if np.any(np.isfinite(thigh)) else np.nan
        dev = (k[:, 0] - line_x) * medial
        out.append(np.degrees(np.arcsin(np.clip(dev / full, -1.0, 1.0))))
    return np.mean(out, axis=0)


def _asymmetry(seq: PoseSequence, family: str) -> np.ndarray:
    """Tilt of the shoulder line (upper-body lifts) or hip line (legs) from horizontal, degrees.

    Positive when the lifter's left side is lower in the image: an uneven press or pull,
    or a hip shift in a squat.
    """
    base = "HIP" if family in ("squat", "hinge") else "SHOULDER"
    left, right = seq.pixels(LM[f"LEFT_{base}"]), seq.pixels(LM[f"RIGHT_{base}"])
    return np.degrees(np.arctan2(left[:, 1] - right[:, 1], np.abs(left[:, 0] - right[:, 0])))


def not_measurable_reason(angle: str, view: str, family: str) -> str | None:
    """Why this view cannot measure this angle, or None when it can."""
    if view == "unknown":
        return "view could not be determined (too few frames with a person)"
    if angle in FRONTAL_ONLY:
        if view != "front":
            return f"{angle.replace('_', ' ')} needs a front or rear view (this is {view})"
        return None
    if view == "front":
        if angle in SAGITTAL:
            what = "trunk lean" if angle == "trunk" else f"{angle} flexion"
            return f"{what} moves towards the camera in a front view"
        if angle in ("elbow", "shoulder") and family not in FRONTAL_ARM_FAMILIES:
            return f"{angle} moves in the sagittal plane in a {family}; a front view foreshortens it"
    return None


def form_signals(seq: PoseSequence, profile: ExerciseProfile, *, view: str | None = None,
                 cutoff_hz: float = 4.0, min_visibility: float = 0.5,
                 side: str | None = None, max_gap_s: float | None = None) -> FormSignals:
    """Smoothed per-frame angles the view can measure; the rest listed with a reason.

    Side view: the more visible side's limbs. Front view: both sides averaged.
    cutoff_hz: smoothing cut-off, 0.5..15 Hz. min_visibility: 0..1 (for side choice).
    side: "LEFT", "RIGHT" or "BOTH" to force the side (the user's --side), None to choose.
    max_gap_s: longest dropout bridged, 0..2 s; longer gaps stay NaN (None bridges all).
    """
    view = view or detect_view(seq)
    names = list(profile.form_angles)
    if view == "front" and "asymmetry" not in names:
        names.append("asymmetry")  # a front view adds left/right asymmetry for free
    limbs = ("SHOULDER", "ELBOW", "WRIST", "HIP", "KNEE", "ANKLE")
    vis = {s: _side_visibility(seq, limbs, s) for s in ("LEFT", "RIGHT")}
    if side is None:
        side = "BOTH" if view == "front" else max(vis, key=vis.get)
    max_gap = None if max_gap_s is None else int(round(max_gap_s * seq.fps))
    angles: dict[str, np.ndarray] = {}
    missing: dict[str, str] = {}
    for name in names:
        reason = not_measurable_reason(name, view, profile.family)
        if reason:
            missing[name] = reason
            continue
        if name == "trunk":
            raw = _trunk_inclination(seq, side)
        elif name == "knee_valgus":
            raw = _knee_valgus(seq)
        elif name == "asymmetry":
            raw = _asymmetry(seq, profile.family)
        elif name in JOINT_TRIPLETS:
            sides = ("LEFT", "RIGHT") if side == "BOTH" else (side,)
            raw = np.mean([_joint_angle(seq, name, s) for s in sides], axis=0)
        else:
            missing[name] = f"no definition for angle {name!r}"
            continue
        angles[name] = smooth(despike(raw, seq.fps), seq.fps, cutoff_hz=cutoff_hz,
                              max_gap=max_gap)
    return FormSignals(view=view, side=side, angles=angles, not_measurable=missing)


# --------------------------------------------------------------------------- velocity

def _concentric_span(rep: Rep) -> tuple[int, int]:
    """Frames of the concentric, guaranteed at least two frames apart when the rep allows."""
    a, b = rep.concentric
    if b <= a:
        b = min(a + 1, rep.end)
    return a, b


def concentric_velocity(h: np.ndarray, t: np.ndarray, rep: Rep, *, propulsive: bool = True,
                        ) -> tuple[float, float, float, float]:
    """(mean, peak, mean propulsive velocity in m/s, ROM in m) of one rep's concentric.

    h: float[T] height of the tracked point in metres (up positive); t: float[T] seconds.
    Mean velocity is displacement over duration (the mean of v over the phase) on the
    segmentation's concentric frames, so it inherits how segmentation places them; the
    propulsive phase ends where the point first decelerates harder than gravity after
    peak velocity (Sánchez-Medina et al. 2010).
    """
    if len(h) < 2:
        return (float("nan"),) * 4
    v_all = np.gradient(h, t)
    a, b = _concentric_span(rep)
    seg_h, seg_t = h[a:b + 1], t[a:b + 1]
    if len(seg_h) < 2 or not np.all(np.isfinite(seg_h)):
        return (float("nan"),) * 4
    v = v_all[a:b + 1]
    duration = seg_t[-1] - seg_t[0]
    mean_v = (seg_h[-1] - seg_h[0]) / duration
    peak_v = float(np.nanmax(v))
    rom = float(np.nanmax(seg_h) - np.nanmin(seg_h))
    mpv = float("nan")
    if propulsive:
        acc = np.gradient(np.gradient(h, t), t)[a:b + 1]
        after_peak = int(np.nanargmax(v))
        braking = np.nonzero(acc[after_peak:] < -G)[0]
        stop = after_peak + int(braking[0]) if braking.size else len(seg_h) - 1
        stop = max(stop, 1)
        mpv = float((seg_h[stop] - seg_h[0]) / (seg_t[stop] - seg_t[0]))
    return float(mean_v), peak_v, mpv, rom


def rir_estimate(rep_number: int, velocity_loss_pct: float, *, loss_at_failure_pct: float = 50.0
                 ) -> float | None:
    """Reps in reserve estimated from velocity loss (linear model, see module docstring).

    rep_number: 1-based position in the set; velocity_loss_pct: loss vs the baseline;
    loss_at_failure_pct: 20..90. None while the loss is below 5 % (too little signal);
    capped at MAX_RIR (10), which reads "10 or more".
    """
    if not np.isfinite(velocity_loss_pct) or velocity_loss_pct < MIN_RIR_LOSS_PCT or rep_number < 2:
        return None
    if velocity_loss_pct >= loss_at_failure_pct:
        return 0.0
    possible = 1.0 + (rep_number - 1) * loss_at_failure_pct / velocity_loss_pct
    return float(min(max(possible - rep_number, 0.0), MAX_RIR))


# --------------------------------------------------------------------------- form per rep

def _moving_phases(rep: Rep) -> list[tuple[int, int]]:
    """The rep's two moving phases in the order they happen."""
    return [rep.eccentric, rep.concentric] if rep.eccentric_first else [rep.concentric, rep.eccentric]


def rep_curve(signal: np.ndarray, rep: Rep, *, samples: int = CURVE_SAMPLES) -> np.ndarray:
    """float[2*samples] time-normalised curve: each moving phase resampled to `samples` points.

    Normalising phase by phase (not the whole rep) keeps a longer pause or a slower
    concentric from misaligning the curves that are compared.
    """
    parts = []
    for a, b in _moving_phases(rep):
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
    for grid, (a, b) in zip(grids, _moving_phases(rep)):
        seg, pos = signal[a:b + 1], position[a:b + 1]
        ok = np.isfinite(seg) & np.isfinite(pos)
        if ok.sum() < 2 or abs(pos[ok][-1] - pos[ok][0]) <= 0:
            parts.append(rep_curve(signal, rep, samples=samples)[len(parts) * samples:(len(parts) + 1) * samples])
            continue
        seg, pos = seg[ok], pos[ok]
        prog = (pos - pos[0]) / (pos[-1] - pos[0])
        # Noise makes progress wobble near the ends; the running maximum keeps it monotonic.
        prog = np.clip(np.maximum.accumulate(prog), 0.0, 1.0) + np.arange(len(prog)) * 1e-9
        parts.append(np.interp(grid, prog, seg))
    return np.concatenate(parts)


def sustained_drift(diff: np.ndarray, window: int) -> float:
    """Largest signed deviation held for `window` consecutive samples (window >= 1).

    A one-frame blip cannot win: within every window the smallest deviation counts.
    """
    diff = np.asarray(diff, dtype=np.float64)
    if not np.any(np.isfinite(diff)):
        return float("nan")
    window = max(1, min(window, len(diff)))
    d = np.where(np.isfinite(diff), diff, 0.0)
    win = np.lib.stride_tricks.sliding_window_view(d, window)
    up = float(win.min(axis=1).max())
    down = float(win.max(axis=1).min())
    return up if abs(up) >= abs(down) else down


def _drift(rep_curve_: np.ndarray, base_curve: np.ndarray, rep: Rep, min_frames: int,
           samples: int) -> float:
    """Sustained drift over both moving phases; the window is min_frames of the rep's own frames."""
    out = []
    for i, (a, b) in enumerate(_moving_phases(rep)):
        frames = max(b - a + 1, 1)
        # At least min_frames of the rep's own frames and MIN_DRIFT_SPAN of its travel:
        # a slow rep has more frames, so more chances for noise to hold 3 frames running.
        window = max(int(np.ceil(min_frames * samples / frames)), int(np.ceil(MIN_DRIFT_SPAN * samples)))
        seg = slice(i * samples, (i + 1) * samples)
        out.append(sustained_drift(rep_curve_[seg] - base_curve[seg], window))
    out = [x for x in out if np.isfinite(x)]
    return max(out, key=abs) if out else float("nan")


def frames_past(rep_curve_: np.ndarray, base_curve: np.ndarray, rep: Rep, tolerance: float,
                samples: int = CURVE_SAMPLES) -> int:
    """Rep frames (approximately) whose deviation from the baseline exceeds the tolerance."""
    n = 0
    for i, (a, b) in enumerate(_moving_phases(rep)):
        seg = slice(i * samples, (i + 1) * samples)
        over = np.abs(rep_curve_[seg] - base_curve[seg]) > tolerance
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


# --------------------------------------------------------------------------- the set

def _key_frames(rep: Rep) -> tuple[int, int]:
    """(bottom / stretched position, top / lockout) frames of a rep."""
    bottom = rep.turnaround if rep.eccentric_first else rep.concentric[0]
    return bottom, rep.concentric[1]


def compute_metrics(seq: PoseSequence, reps: Sequence[Rep], profile: ExerciseProfile,
                    scale: Scale, *, baseline_reps: int = 2, drift_min_frames: int = 3,
                    drift_tolerance_deg: float | None = None, cutoff_hz: float = 4.0,
                    min_visibility: float = 0.5, max_gap_s: float = 0.25,
                    rom_outlier_share: float = 0.35, slow_first_share: float = 0.7,
                    baseline: str = "best",
                    view: str | None = None, side: str | None = None) -> SetMetrics:
    """Velocity, ROM, velocity loss, RIR and form drift for every rep of one set.

    baseline_reps: best of the first N completed reps is the velocity baseline and their
    mean curve the form baseline, 1..10. drift_min_frames: frames a drift must last, 1..30.
    drift_tolerance_deg: overrides the profile's per-angle tolerance (0.5..90 degrees) when
    counting frames past tolerance. cutoff_hz: smoothing cut-off, 0.5..15 Hz.
    rom_outlier_share: a first rep whose ROM differs from the set's median by more than
    this share (0.1..1) is set-up, not a rep, and stays out of the baseline; so is a first
    rep slower than slow_first_share (0.3..1) x the median of the next three.
    baseline: "best" (default, the fastest of the baseline reps, as in the velocity-loss
    literature) or "mean" of the baseline reps' mean velocities.
    """
    if baseline not in ("mean", "best"):
        raise ValueError(f"baseline must be 'mean' or 'best', got {baseline!r}")
    t = seq.timestamps_s
    warnings: list[str] = []
    # Angles are paired with the tracked point's progress; a low cut-off bends fast reps
    # more than slow ones, which read as drift when a set slows down (6-8 degrees of knee
    # "drift" at 4 Hz on synthetic squats going from 0.8 s to 1.5 s concentrics). The
    # despiking median takes care of the single-frame outliers a higher cut-off lets in.
    form_cutoff = max(cutoff_hz, FORM_CUTOFF_HZ)
    h = (height_m(seq, profile.velocity_point, scale, cutoff_hz=cutoff_hz,
                  min_visibility=min_visibility, max_gap_s=max_gap_s)
         if scale.valid else np.full(seq.n_frames, np.nan))
    if not scale.valid:
        warnings.append(f"no pixel-to-metre scale ({scale.note}): velocities not reported")
    form = form_signals(seq, profile, view=view, cutoff_hz=form_cutoff,
                        min_visibility=min_visibility, side=side, max_gap_s=max_gap_s)
    propulsive = profile.family in PROPULSIVE_FAMILIES
    vl_fail = VELOCITY_LOSS_AT_FAILURE_PCT.get(profile.family, 60.0)

    # The tracked point at the form cut-off (pixels, up): phase edges and movement progress.
    pos = -tracked_point_px(seq, profile.velocity_point, min_visibility=min_visibility)[:, 1]
    pos = smooth(pos, seq.fps, cutoff_hz=form_cutoff, max_gap=int(round(max_gap_s * seq.fps)))
    vel = [concentric_velocity(h, t, r, propulsive=propulsive) for r in reps]
    good = [i for i, r in enumerate(reps) if r.completed and not r.partial]
    setup: list[int] = []
    if len(good) >= 4:
        # A first "rep" that is really set-up (jumping to the bar and settling, unracking)
        # moves much more or less than the set's reps, or is far slower than the reps right
        # after it (a fresh lifter's first rep is not 30 % slower); it would poison the
        # baseline, so it is neither baseline nor judged.
        first = good[0]
        roms = [vel[i][3] for i in good if np.isfinite(vel[i][3])]
        med_rom = float(np.median(roms)) if roms else float("nan")
        nxt = [vel[i][0] for i in good[1:4] if np.isfinite(vel[i][0])]
        next_v = float(np.median(nxt)) if nxt else float("nan")
        why = ""
        second_rom = vel[good[1]][3]
        # Unlike the set AND unlike the rep right after it: a one-off, not a set whose
        # later reps all changed (those are judged, e.g. as a shortened range of motion).
        if (np.isfinite(vel[first][3]) and abs(vel[first][3] - med_rom) > rom_outlier_share * med_rom
                and abs(vel[first][3] - second_rom) > rom_outlier_share * second_rom):
            why = f"moved {vel[first][3]:.2f} m against the set's typical {med_rom:.2f} m"
        elif np.isfinite(vel[first][0]) and vel[first][0] < slow_first_share * next_v:
            why = f"rose at {vel[first][0]:.2f} m/s against {next_v:.2f} m/s for the next reps"
        if why:
            setup.append(reps[first].index)
            warnings.append(f"rep {reps[first].index} {why}: treated as set-up, not judged")
            good = good[1:]
    base_idx = good[:baseline_reps]
    base_vals = [vel[i][0] for i in base_idx if np.isfinite(vel[i][0])]
    if baseline == "best":
        base_v = max(base_vals, default=float("nan"))
    else:
        # From video one rep reads +/- 0.05-0.07 m/s and the maximum of noisy values is
        # biased high; the mean is not, at the cost of departing from the literature.
        base_v = float(np.mean(base_vals)) if base_vals else float("nan")
    if len(base_idx) < baseline_reps:
        warnings.append(f"only {len(base_idx)} clean rep(s) for a baseline of {baseline_reps}")

    curves = {name: np.array([rep_curve(sig, r) for r in reps]) if reps else np.zeros((0, 2 * CURVE_SAMPLES))
              for name, sig in form.angles.items()}
    base_curves = {name: np.nanmean(c[base_idx], axis=0) if base_idx else np.full(c.shape[1:], np.nan)
                   for name, c in curves.items()}
    # Drift is judged at matched movement progress (see progress_curve) of `pos`, in
    # pixels, so it works without a metric scale too.
    pcurves = {name: np.array([progress_curve(sig, pos, r) for r in reps]) if reps else np.zeros((0, 2 * CURVE_SAMPLES))
               for name, sig in form.angles.items()}
    base_p = {name: np.nanmean(c[base_idx], axis=0) if base_idx else np.full(c.shape[1:], np.nan)
              for name, c in pcurves.items()}
    # The first reps never match each other exactly (technique varies, MediaPipe jitters
    # more on some joints and views); drift within that spread is the lifter's normal.
    spread = {}
    for name in form.angles:
        own = [abs(_drift(pcurves[name][i], base_p[name], reps[i], drift_min_frames, CURVE_SAMPLES))
               for i in base_idx]
        own = [x for x in own if np.isfinite(x)]
        spread[name] = round(float(max(own)), 1) if len(own) >= 2 else 0.0
    # How far each angle travels within a baseline rep (median), for drift_tolerance.
    sweep = {}
    for name, sig in form.angles.items():
        ranges = [np.nanmax(sig[reps[i].start:reps[i].end + 1]) - np.nanmin(sig[reps[i].start:reps[i].end + 1])
                  for i in base_idx if np.any(np.isfinite(sig[reps[i].start:reps[i].end + 1]))]
        sweep[name] = round(float(np.median(ranges)), 1) if ranges else 0.0

    out: list[RepMetrics] = []
    drift_frames: dict = {}
    for k, rep in enumerate(reps):
        mv, pv, mpv, rom = vel[k]
        loss = 100.0 * (base_v - mv) / base_v if np.isfinite(base_v) and base_v > 0 else float("nan")
        bottom, top = _key_frames(rep)
        at_bottom: dict = {n: None for n in form.not_measurable}
        at_top: dict = {n: None for n in form.not_measurable}
        drift: dict = {n: None for n in form.not_measurable}
        dist: dict = {n: None for n in form.not_measurable}
        for name, sig in form.angles.items():
            at_bottom[name] = _round(sig[bottom])
            at_top[name] = _round(sig[top])
            d = _drift(pcurves[name][k], base_p[name], rep, drift_min_frames, CURVE_SAMPLES)
            drift[name] = _round(d)
            diff = curves[name][k] - base_curves[name]
            dist[name] = _round(float(np.sqrt(np.nanmean(diff ** 2)))) if np.any(np.isfinite(diff)) else None
            tol = drift_tolerance(profile, name, drift_tolerance_deg, sweep[name])
            drift_frames[(rep.index, name)] = frames_past(pcurves[name][k], base_p[name], rep,
                                                          tol + spread[name])
        out.append(RepMetrics(
            index=rep.index, mean_velocity_mps=mv, peak_velocity_mps=pv,
            mean_propulsive_velocity_mps=mpv, rom_m=rom, velocity_loss_pct=loss,
            rir_estimate=rir_estimate(k + 1, loss, loss_at_failure_pct=vl_fail),
            angles_bottom_deg=at_bottom, angles_top_deg=at_top, drift_deg=drift,
            curve_distance_deg=dist,
        ))
    return SetMetrics(
        reps=tuple(out), scale=scale, view=form.view, side=form.side,
        baseline_reps=tuple(reps[i].index for i in base_idx), baseline_velocity_mps=base_v,
        not_measurable=dict(form.not_measurable), curves=curves, drift_frames=drift_frames,
        baseline_spread_deg=spread, setup_reps=tuple(setup), track=pos, angle_sweep_deg=sweep,
        warnings=tuple(warnings),
    )


def _round(x: float) -> float | None:
    """Degrees rounded to 0.1 for reports; None when not finite."""
    x = float(x)
    return round(x, 1) if np.isfinite(x) else None
