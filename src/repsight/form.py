"""Form signals on top of the signal layer: camera view, the profile's angles, knee cave,
left/right tilt, and which angles a view cannot measure.

Every angle here comes from `kinematics` (one joint angle, one trunk inclination, one
side choice) and is conditioned by `smoothing`; this module only decides which angles a
set needs, from which side, and adds the two frontal-plane measures.
"""

from __future__ import annotations

import dataclasses
import functools
from dataclasses import dataclass

import numpy as np

from .camera import held_correction
from .kinematics import (BOTH, FAULT_EDGE_MARGIN, OUTSIDE_MARGIN, SIDES, choose_side, facing_sign,
                         joint_angle, pixels, present_only, shown_only, trunk_inclination)
from .landmarks import JOINT_TRIPLETS, LM
from .profiles import ExerciseProfile
from .smoothing import despike, seen_mean, seen_reduce, smooth_frames
from .types import PoseSequence

# Which angles a camera view can measure. Sagittal-plane angles (flexion of knee, hip,
# trunk lean) need a side view; knee valgus and left/right asymmetry need a front (or
# rear) view. Elbow and shoulder move in the frontal plane in presses and pull-ups, so a
# front view sees them there; in curls and raises they move in the sagittal plane.
SAGITTAL = ("knee", "hip", "trunk", "ankle")
FRONTAL_ONLY = ("knee_valgus", "asymmetry")
FRONTAL_ARM_FAMILIES = ("press", "pull")
# The limb landmarks whose visibility decides the near side for form angles.
LIMBS = ("SHOULDER", "ELBOW", "WRIST", "HIP", "KNEE", "ANKLE")


@dataclass(frozen=True)
class FormSignals:
    """Per-frame joint angles (degrees, smoothed) of one set, with the view they came from."""

    view: str  # side | front | oblique | unknown
    side: str  # LEFT | RIGHT | BOTH: which limbs the angles use
    angles: dict  # angle name -> float[T] degrees (only measurable angles)
    not_measurable: dict  # angle name -> reason
    # The profile's fault measures (FAULT_MEASURES) -> float[T] degrees, where they come
    # from ("image" or "world" landmarks, or the torso's "foreshortening" or
    # "forward_foreshortening" head-on), and why a view cannot measure one.
    faults: dict = dataclasses.field(default_factory=dict)
    fault_source: dict = dataclasses.field(default_factory=dict)
    faults_not_measurable: dict = dataclasses.field(default_factory=dict)
    # Fault measure -> bool[T] frames whose landmarks it reads are implausibly placed.
    misplaced: dict = dataclasses.field(default_factory=dict)
    # Fault measure -> bool[T] frames it was read on before smoothing (which bridges short
    # gaps: a bridged frame is no reading).
    fault_read: dict = dataclasses.field(default_factory=dict)


# Hip-to-shoulder twist past which the shoulders' yaw is taken as misplaced (detect_view).
# Real clips read at most 13 deg (pullup_rear, squat_air_45deg_white 12); the rendered
# side-view back squats 17-40.
TWIST_DEG = 15.0


def _line_yaw(seq: PoseSequence, name: str) -> np.ndarray:
    """float[T] yaw (deg, 0 facing the camera, 90 side-on) of the left-right line of a joint pair."""
    d = seq.world[:, LM[f"LEFT_{name}"]].astype(np.float64) - seq.world[:, LM[f"RIGHT_{name}"]]
    return np.degrees(np.arctan2(np.abs(d[:, 2]), np.abs(d[:, 0])))


def detect_view(seq: PoseSequence) -> str:
    """'side', 'front' (front or rear), 'oblique' or 'unknown': the body's yaw to the camera.

    MediaPipe's world landmarks follow the camera's axes, so the hip and shoulder lines'
    angle in the horizontal (x, z) plane is the body's yaw: 0 facing the camera (or away),
    90 side-on. Median over frames of the mean of both lines; front < 25 deg <= oblique <
    60 deg <= side. On the team's clips: front and rear 2-13, the rendered 45-degree curl
    35, the real "45-degree" clips 46-65 (most are nearer side-on), side 66-88. Without
    world landmarks, the image ratio of shoulder width to trunk length stands in.

    On frames where the shoulder line is turned more than TWIST_DEG from the hip line, the
    yaw is read from the hip, knee and ankle lines instead: the lifts here do not twist
    the trunk that far, and it is what a bar on the back does to the shoulders seen from
    the side (the plate hides them; the rendered side-view back squats read their
    shoulders at 7-45 deg of yaw, and one was read as a front view).
    """
    yaw = {n: _line_yaw(seq, n) for n in ("HIP", "SHOULDER", "KNEE", "ANKLE")}
    upper = seen_mean([yaw["HIP"], yaw["SHOULDER"]])  # NaN on frames with no landmarks
    lower = seen_mean([yaw["HIP"], yaw["KNEE"], yaw["ANKLE"]])
    twisted = np.abs(yaw["HIP"] - yaw["SHOULDER"]) > TWIST_DEG
    per_frame = np.where(twisted, lower, upper)
    per_frame = per_frame[np.isfinite(per_frame)]
    if per_frame.size >= 5:
        y = float(np.median(per_frame))
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


def knee_valgus(seq: PoseSequence, *, image: np.ndarray | None = None) -> np.ndarray:
    """Knee cave proxy, degrees, knee towards the midline positive; mean of both legs.

    Per leg: the knee's sideways distance from the hip-ankle line, as an angle at the hip
    over the thigh's full image length (its 95th percentile over the set). The classic
    frontal plane projection angle (180 - hip-knee-ankle angle in the image) was tried
    first and exaggerated a 4 degree cave to 20 degrees at squat depth, because the thigh
    foreshortens as the knees come towards the camera; this measure does not.
    """
    px = functools.partial(pixels, seq.image if image is None else image, seq.width, seq.height)
    mid_x = (px(LM.LEFT_HIP)[:, 0] + px(LM.RIGHT_HIP)[:, 0]) / 2
    out = []
    for s in SIDES:
        h, k, a = (px(LM[f"{s}_{n}"]) for n in ("HIP", "KNEE", "ANKLE"))
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


def asymmetry(seq: PoseSequence, family: str, *, image: np.ndarray | None = None) -> np.ndarray:
    """Tilt of the shoulder line (upper-body lifts) or hip line (legs) from horizontal, degrees.

    Positive when the lifter's left side is lower in the image: an uneven press or pull,
    or a hip shift in a squat.
    """
    px = functools.partial(pixels, seq.image if image is None else image, seq.width, seq.height)
    base = "HIP" if family in ("squat", "hinge") else "SHOULDER"
    left, right = px(LM[f"LEFT_{base}"]), px(LM[f"RIGHT_{base}"])
    return np.degrees(np.arctan2(left[:, 1] - right[:, 1], np.abs(left[:, 0] - right[:, 0])))


# --------------------------------------------------------------------------- 3-D measures
# MediaPipe's world landmarks are metric, hip-centred and follow the camera's axes (x right,
# y down, z away from the camera). They carry what a 2-D view is blind to: trunk lean
# towards the camera in a front view, knee cave or elbows travelling forward in a side
# view. They are noisier than image landmarks (depth is inferred), so these measures are
# used where the image cannot measure the angle; benchmarks/angle_precision.py measures
# how precise each is, per view, against rendered truth.
_UP = np.array([0.0, -1.0, 0.0])


def _world(seq: PoseSequence, world: np.ndarray | None, lm: LM) -> np.ndarray:
    return (seq.world if world is None else world)[:, lm].astype(np.float64)


def body_axes(seq: PoseSequence, world: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """(forward, left) unit vectors per frame [T,3] in world coordinates, horizontal.

    left: from the right hip and shoulder towards the left ones; forward: left x up, the
    direction the lifter faces. NaN where the landmarks are missing.
    """
    w = functools.partial(_world, seq, world)
    lat = (w(LM.LEFT_HIP) - w(LM.RIGHT_HIP)) + (w(LM.LEFT_SHOULDER) - w(LM.RIGHT_SHOULDER))
    lat[:, 1] = 0.0  # horizontal: leaning must not tilt the reference
    with np.errstate(invalid="ignore", divide="ignore"):
        lat = lat / np.linalg.norm(lat, axis=1, keepdims=True)
    fwd = np.cross(lat, _UP)
    return fwd, lat


def world_trunk_lean(seq: PoseSequence, *, world: np.ndarray | None = None) -> np.ndarray:
    """float[T] trunk lean from vertical in the lifter's own sagittal plane, degrees.

    Forward lean positive, leaning back negative, whichever way the camera looks: the
    hip-mid -> shoulder-mid vector's forward and upward parts in the body's axes.
    """
    w = functools.partial(_world, seq, world)
    d = (w(LM.LEFT_SHOULDER) + w(LM.RIGHT_SHOULDER)) / 2 - (w(LM.LEFT_HIP) + w(LM.RIGHT_HIP)) / 2
    fwd, _ = body_axes(seq, world)
    return np.degrees(np.arctan2(np.sum(d * fwd, axis=1), d @ _UP))


# The torso's apparent length is compared with its most upright frames: this percentile of
# the clip's ratio (not the maximum, which one landmark glitch sets).
UPRIGHT_PERCENTILE = 95.0
# The lengths the torso is measured against (the thigh for a lean back, the shoulders'
# width for a squat's lean) are their running medians over this many seconds either side,
# not each frame's. A standing lifter's thigh keeps its length through a press or a curl,
# but MediaPipe's hip and knee wander by a pixel from rep to rep: at 320x240 a 33 px thigh
# read 0.7 px shorter on one rep than on the next three, which the arccos turned into 13
# degrees of lean on a clean set (a 2 s window let the shoulders' wander through as well).
# A median this long still follows a camera or a lifter that moves, once the move is
# more than half of the window behind (a walk-out from the rack).
REFERENCE_WINDOW_S = 10.0


def _running_percentile(x: np.ndarray, half: int, q: float = 50.0) -> np.ndarray:
    """The q-th percentile of x's seen values over [i - half, i + half] (cut at the ends) at
    each i. Read every half/10 frames and interpolated between: the window is long and
    moves slowly."""
    n = len(x)
    centres = np.unique(np.r_[np.arange(0, n, max(1, half // 10)), n - 1])
    out = np.full(len(centres), np.nan)
    for k, c in enumerate(centres):
        win = x[max(0, c - half):c + half + 1]
        if np.isfinite(win).any():
            out[k] = np.nanpercentile(win, q)
    ok = np.isfinite(out)
    if not ok.any():
        return np.full(n, np.nan)
    return np.interp(np.arange(n), centres[ok], out[ok])


def _steady(seq: PoseSequence, length: np.ndarray) -> np.ndarray:
    """float[T] a body length's running median (REFERENCE_WINDOW_S either side)."""
    return _running_percentile(length, max(1, int(round(REFERENCE_WINDOW_S * seq.fps))))


def _torso_px(seq: PoseSequence, image: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(float[T] the torso's image length, float[T, 2] the hips' midpoint), pixels."""
    px = functools.partial(pixels, image, seq.width, seq.height)
    shoulder = (px(LM.LEFT_SHOULDER) + px(LM.RIGHT_SHOULDER)) / 2
    hip = (px(LM.LEFT_HIP) + px(LM.RIGHT_HIP)) / 2
    return np.linalg.norm(shoulder - hip, axis=1), hip


def _torso_and_thigh_px(seq: PoseSequence, image: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(float[T] the torso's image length, float[T] the thigh's: hips' to knees' midpoint),
    pixels: what a lean back head-on is read from, and against."""
    torso, hip = _torso_px(seq, image)
    knee = (pixels(image, seq.width, seq.height, LM.LEFT_KNEE)
            + pixels(image, seq.width, seq.height, LM.RIGHT_KNEE)) / 2
    return torso, np.linalg.norm(hip - knee, axis=1)


def _lean_from_ratio(ratio: np.ndarray) -> np.ndarray:
    """arccos of a torso ratio against the clip's most upright frames, degrees (>= 0)."""
    seen = np.isfinite(ratio) & (ratio > 0)
    if not seen.any():
        return np.full(len(ratio), np.nan)
    upright = float(np.percentile(ratio[seen], UPRIGHT_PERCENTILE))
    return np.degrees(np.arccos(np.clip(ratio / upright, -1.0, 1.0)))


# The thighs are the lean back's yardstick head-on (foreshortened_lean) only while they keep
# their length in the picture: a standing lifter's. Rendered head-on presses and curls read
# a thigh whose 10-90th percentile spread is at most 0.06 of its median, and 0.82-0.91 of
# the torso's length; a real floor press filmed from the feet (read as an overhead press
# on a re-encoded copy) 0.62-0.67 and 0.27, its thighs pointing at the camera, and the lean
# read off them swung by 40 degrees from rep to rep (lean-back calls on repeated frames of
# baseline reps).
THIGH_STEADY_SPREAD = 0.25
THIGH_MIN_TORSO = 0.5


def thigh_yardstick_unsteady(seq: PoseSequence, *, image: np.ndarray | None = None) -> str:
    """Why the thighs cannot be the head-on lean's yardstick here, or "" when they can: their
    image length varies by more than THIGH_STEADY_SPREAD of its median over the clip, or
    reads under THIGH_MIN_TORSO of the torso's (legs foreshortened towards the camera)."""
    image = seq.image if image is None else image
    torso, thigh = _torso_and_thigh_px(seq, image)
    seen = np.isfinite(thigh) & np.isfinite(torso) & (torso > 0)
    if seen.sum() < 3:
        return ""  # nothing to tell: the reading itself will be missing
    lo, mid, hi = np.percentile(thigh[seen], [10, 50, 90])
    share = float(np.median(thigh[seen] / torso[seen]))
    if mid > 0 and ((hi - lo) / mid > THIGH_STEADY_SPREAD or share < THIGH_MIN_TORSO):
        return ("seen head-on, a lean back is read from the torso's length against the "
                "thighs', and here the thighs do not keep theirs (foreshortened towards the "
                "camera or moving: the lifter is not standing facing it)")
    return ""


def foreshortened_lean(seq: PoseSequence, *, image: np.ndarray | None = None) -> np.ndarray:
    """float[T] trunk lean seen head-on, from the torso's foreshortening, degrees (<= 0).

    Seen from the front, a trunk leaning back shortens in the image (by cos of the lean,
    and more while the camera is below the shoulders, since they move away from it) while
    the thighs of a standing lifter keep their length. The torso's length over the
    thigh's (its running median, REFERENCE_WINDOW_S), against the clip's most upright
    frames (UPRIGHT_PERCENTILE), gives -arccos(ratio): 0 upright, more negative the more
    the torso is foreshortened. A forward lean shortens it too but less (the shoulders
    come towards the camera), so the reading is meant for lifts whose cheat is leaning
    back (presses and curls filmed head-on), read against the set's first reps.
    """
    image = seq.image if image is None else image
    torso, thigh = _torso_and_thigh_px(seq, image)
    with np.errstate(invalid="ignore", divide="ignore"):
        ratio = torso / _steady(seq, thigh)
    return -_lean_from_ratio(ratio)


def foreshortened_forward_lean(seq: PoseSequence, *, image: np.ndarray | None = None) -> np.ndarray:
    """float[T] a squat's forward trunk lean seen head-on, from the torso's foreshortening,
    degrees (>= 0).

    A trunk inclined by a from vertical shows cos(a) of its upright length to a camera in
    front, and a squat's forward lean is 40 degrees or more at the bottom, where cos is
    steep: 8 degrees more there shortens the torso by 13 %. The torso's image length over
    the shoulders' width (its running median, REFERENCE_WINDOW_S: the width does not
    shorten with a forward lean, and cancels the camera's distance), against the clip's
    most upright frames (UPRIGHT_PERCENTILE), gives arccos(ratio). The shoulders coming
    towards the camera as the lifter leans make the torso look larger, so a lean reads
    short of its size (0.73 of it on rendered squats); it is read against the set's first
    reps.
    """
    image = seq.image if image is None else image
    torso, _ = _torso_px(seq, image)
    width = np.linalg.norm(pixels(image, seq.width, seq.height, LM.LEFT_SHOULDER)
                           - pixels(image, seq.width, seq.height, LM.RIGHT_SHOULDER), axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        ratio = torso / _steady(seq, width)
    return _lean_from_ratio(ratio)


def world_knee_cave(seq: PoseSequence, *, world: np.ndarray | None = None) -> np.ndarray:
    """float[T] knees towards the midline from the hip-ankle line, degrees (mean of both legs).

    Per leg, the knee's offset from the hip-ankle line along the body's left-right axis,
    as an angle at the hip over the thigh's length; towards the midline positive.
    """
    w = functools.partial(_world, seq, world)
    _, lat = body_axes(seq, world)
    out = []
    for s, medial in (("LEFT", -1.0), ("RIGHT", 1.0)):
        h, k, a = (w(LM[f"{s}_{n}"]) for n in ("HIP", "KNEE", "ANKLE"))
        ha = a - h
        with np.errstate(invalid="ignore", divide="ignore"):
            frac = np.sum((k - h) * ha, axis=1) / np.sum(ha * ha, axis=1)
        line = h + frac[:, None] * ha
        off = np.sum((k - line) * lat, axis=1) * medial
        thigh = np.linalg.norm(k - h, axis=1)
        with np.errstate(invalid="ignore", divide="ignore"):
            out.append(np.degrees(np.arcsin(np.clip(off / thigh, -1.0, 1.0))))
    return np.mean(out, axis=0)


def world_elbow_forward(seq: PoseSequence, side: str = BOTH, *,
                        world: np.ndarray | None = None) -> np.ndarray:
    """float[T] upper arm's angle ahead of straight down, in the sagittal plane, degrees.

    0: elbow straight below the shoulder; positive: elbow ahead (a curl's elbows
    travelling forward, a front raise); negative: behind. From the vertical, not the
    trunk, so trunk swing does not read as elbow travel (see elbow_forward).
    """
    w = functools.partial(_world, seq, world)
    fwd, _ = body_axes(seq, world)
    down = np.broadcast_to(-_UP, fwd.shape)
    per_side = []
    for s in (SIDES if side == BOTH else (side,)):
        arm = w(LM[f"{s}_ELBOW"]) - w(LM[f"{s}_SHOULDER"])
        per_side.append(np.degrees(np.arctan2(np.sum(arm * fwd, axis=1), np.sum(arm * down, axis=1))))
    return np.mean(per_side, axis=0)


def hip_sag(seq: PoseSequence, *, image: np.ndarray | None = None, side: str = BOTH) -> np.ndarray:
    """float[T] hips below the shoulder-ankle line of a plank, degrees at the shoulder.

    Positive: hips sagging towards the floor (image down); negative: piking up. For
    push-ups and planks seen from the side, where the body line is a straight line.
    """
    px = functools.partial(pixels, seq.image if image is None else image, seq.width, seq.height)
    per_side = []
    for s in (SIDES if side == BOTH else (side,)):
        sh, hp, an = px(LM[f"{s}_SHOULDER"]), px(LM[f"{s}_HIP"]), px(LM[f"{s}_ANKLE"])
        line = an - sh
        rel = hp - sh
        with np.errstate(invalid="ignore", divide="ignore"):
            cross = (line[:, 0] * rel[:, 1] - line[:, 1] * rel[:, 0]) / np.linalg.norm(line, axis=1)
        # Which side of the line is "down" depends on which way the body points.
        down = np.sign(line[:, 0])
        per_side.append(np.degrees(np.arctan2(cross * down, np.linalg.norm(rel, axis=1))))
    return np.mean(per_side, axis=0)


# A lifter who keeps the hips still moves them with the trunk by a few per cent of its
# length (at most 0.06 on the rendered presses and curls, faults included; 0.16 on the
# real dumbbell press). MediaPipe places a hip hidden behind a plate or the forearms up
# to 0.8 of it away (rendered barbell presses and curls seen from the side).
HIP_MOVE_SHARE = 0.25


def misplaced_hips(seq: PoseSequence, *, image: np.ndarray | None = None) -> np.ndarray:
    """bool[T]: frames whose hip height (both hips' mean, image) lies more than
    HIP_MOVE_SHARE of the trunk's median length from its median over the clip."""
    image = seq.image if image is None else image
    px = functools.partial(pixels, image, seq.width, seq.height)
    hip = seen_mean([px(LM[f"{s}_HIP"])[:, 1] for s in SIDES])  # NaN: frames with no person
    shoulder = seen_mean([px(LM[f"{s}_SHOULDER"])[:, 1] for s in SIDES])
    trunk = seen_reduce(np.nanmedian, hip - shoulder)
    if not np.isfinite(trunk) or trunk <= 0:
        return np.zeros(seq.n_frames, dtype=bool)
    # Frames with no hips compare False: not misplaced.
    return np.abs(hip - seen_reduce(np.nanmedian, hip)) > HIP_MOVE_SHARE * trunk


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


def elbow_forward(seq: PoseSequence, side: str, *, image: np.ndarray | None = None) -> np.ndarray:
    """float[T] upper arm's angle ahead of straight down, in the image, degrees.

    The signed angle from image-down to the shoulder->elbow direction, positive in the
    direction the lifter faces (kinematics.facing_sign); NaN when facing is unknown.
    Measured from the vertical, not from the trunk: a curl whose trunk swing shrinks
    would otherwise read as elbows travelling forward.
    """
    image = seq.image if image is None else image
    px = functools.partial(pixels, image, seq.width, seq.height)
    facing = facing_sign(seq, side, image=image)
    per_side = []
    for s in (SIDES if side == BOTH else (side,)):
        arm = px(LM[f"{s}_ELBOW"]) - px(LM[f"{s}_SHOULDER"])
        # Image y points down: straight down is (0, 1); forward is +x times facing.
        per_side.append(np.degrees(np.arctan2(arm[:, 0] * facing, arm[:, 1])))
    out = np.mean(per_side, axis=0)
    return out if facing else np.full(len(out), np.nan)


# The form measures faults are judged on, and where each is read from in each view: image
# landmarks where the view sees the movement in its own plane, world landmarks (3-D) where
# it does not. None: neither can (hips sagging seen head-on).
# Chosen from benchmarks/angle_precision.py (docs/velocity_and_verdicts.md, "Angle
# precision per view"): the reading with gain near 1 and the smallest rep-to-rep error.
FAULT_MEASURES = ("trunk_lean", "knee_cave", "elbow_forward", "hip_sag")
# Fault measures whose image reading is one of the form angles (the same function; the
# fault's reading leaves out landmarks outside the picture, see fault_signal): a warning
# that the angle is not measurable is covered by the fault's (summary.quality_warnings).
FAULT_ANGLE = {"trunk_lean": "trunk", "knee_cave": "knee_valgus"}
FAULT_SOURCE: dict[str, dict[str, str | None]] = {
    "trunk_lean": {"side": "image", "front": "world", "oblique": "image"},
    "knee_cave": {"side": None, "front": "image", "oblique": "image"},
    "elbow_forward": {"side": "image", "front": None, "oblique": "image"},
    "hip_sag": {"side": "image", "front": None, "oblique": "image"},
}
# Where one direction of a fault is read differently from the table above: leaning back
# seen head-on, from the torso's foreshortening (3-D landmarks show under a third of it).
FAULT_SOURCE_BY_DIRECTION: dict[tuple[str, int, str], str] = {
    ("trunk_lean", -1, "front"): "foreshortening",
}
# Where one exercise reads a fault differently again, keyed by (measure, direction, view,
# exercise): a squat's forward lean seen head-on, from the torso's foreshortening
# (rendered squats filmed head-on: change between reps 2.4 degrees RMS with gain 0.73,
# against 7.8 for 3-D landmarks, which missed two of six lean sets). Only where measured:
# a deadlift's torso seen head-on is foreshortened through the whole pull, a lunge steps
# towards the camera on every rep, a front squat stays more upright; they keep the 3-D one.
FAULT_SOURCE_BY_EXERCISE: dict[tuple[str, int, str, str], str] = {
    ("trunk_lean", 1, "front", "squat"): "forward_foreshortening",
}
# Readings of a body length against another's over seconds (the torso against the
# thigh's or the shoulders' running median), and what a set whose lifter changed size on
# the picture (a zoom, scaled back by camera.steadied) reads instead (None: not
# measurable, THROUGH_ZOOM_WHY). The scale-back reads each rep's size once, so a zoom that
# runs through a rep leaves a few per cent of it inside the rep, and a few per cent of the
# torso's length is 10-20 degrees of lean: a rendered head-on press zoomed 1.3 times read
# 31 degrees of lean back on reps 2-3 against 22 on the still clip (scaled back by the
# true zoom: 23-24). A squat's forward lean is read off the 3-D landmarks (they found 4
# of 6 rendered lean sets); a lean back, of which they show under a third, is not read.
THROUGH_ZOOM: dict[str, str | None] = {"foreshortening": None, "forward_foreshortening": "world"}
THROUGH_ZOOM_WHY = ("seen head-on while the lifter's size on the picture changed (a zoom, or "
                    "moving nearer or further), which throws off the torso's foreshortening; "
                    "film without zooming, or from the side")
# Why a view cannot judge a fault (measured on rendered truth), where neither image nor
# world landmarks read it; keyed by (measure, direction, view), direction 0 for both.
NOT_SEEN: dict[tuple[str, int, str], str] = {
    ("knee_cave", 0, "side"): ("seen from the side, 3-D landmarks do not show it; film "
                               "from the front or at 45 degrees"),
    ("elbow_forward", 0, "front"): ("seen head-on, neither 2-D nor 3-D landmarks show it "
                                    "reliably; film from the side"),
    ("hip_sag", 0, "front"): "seen head-on; film from the side",
}


def fault_signal(seq: PoseSequence, measure: str, source: str, side: str, *,
                 image: np.ndarray, world: np.ndarray) -> np.ndarray:
    """float[T] raw degrees of one fault measure from image or world landmarks (source)."""
    if source != "world":
        # A fault read off a limb the picture cuts off (feet below the frame, a zoom, or
        # beyond its side with the guess placed inside it) would be read off the model's
        # guess for it, which it puts on the picture's edge or past it. A sequence held
        # still against the camera (camera.steadied) has its joints on the edge as filmed
        # marked not present already; its corrected positions are not the picture's.
        held = any(c is not None for c in held_correction(seq))
        margin = OUTSIDE_MARGIN if held else -FAULT_EDGE_MARGIN
        image = present_only(shown_only(image, margin))
    if source == "foreshortening" and measure == "trunk_lean":
        return foreshortened_lean(seq, image=image)
    if source == "forward_foreshortening" and measure == "trunk_lean":
        return foreshortened_forward_lean(seq, image=image)
    if source == "world":
        if measure == "trunk_lean":
            return world_trunk_lean(seq, world=world)
        if measure == "knee_cave":
            return world_knee_cave(seq, world=world)
        if measure == "elbow_forward":
            return world_elbow_forward(seq, world=world)
    else:
        if measure == "trunk_lean":
            return trunk_inclination(seq, side=side, signed=True, image=image)
        if measure == "knee_cave":
            return knee_valgus(seq, image=image)
        if measure == "elbow_forward":
            return elbow_forward(seq, side, image=image)
        if measure == "hip_sag":
            return hip_sag(seq, image=image, side=side)
    raise ValueError(f"no {source} reading of {measure!r}")


def form_side(seq: PoseSequence, view: str, side: str | None = None) -> str:
    """The limbs the form angles use: the user's side, both in a front view, else the near side.

    A side view's far limb is mostly hidden and guessed by the model, so form angles read
    the more visible side even when the two differ only a little (margin 0).
    """
    if side is not None:
        return side
    return BOTH if view == "front" else choose_side(seq, LIMBS, margin=0.0)


def form_signals(seq: PoseSequence, profile: ExerciseProfile, *, view: str | None = None,
                 cutoff_hz: float = 4.0, side: str | None = None,
                 max_gap_s: float | None = None, image: np.ndarray | None = None,
                 world: np.ndarray | None = None) -> FormSignals:
    """Smoothed per-frame angles the view can measure; the rest listed with a reason.

    Side view: the more visible side's limbs. Front view: both sides averaged.
    cutoff_hz: smoothing cut-off, 0.5..15 Hz. side: "LEFT", "RIGHT" or "BOTH" to force
    the side (the user's --side), None to choose. max_gap_s: longest dropout bridged,
    0..2 s; longer gaps stay NaN (None bridges all). image, world: landmarks with
    left/right flips already undone (kinematics.apply_swaps); the raw ones when None.
    """
    view = view or detect_view(seq)
    image = seq.image if image is None else image
    world = seq.world if world is None else world
    names = list(profile.form_angles)
    if view == "front" and "asymmetry" not in names:
        names.append("asymmetry")  # a front view adds left/right asymmetry for free
    side = form_side(seq, view, side)
    angles: dict[str, np.ndarray] = {}
    missing: dict[str, str] = {}
    for name in names:
        reason = not_measurable_reason(name, view, profile.family)
        if reason:
            missing[name] = reason
            continue
        if name == "trunk":
            raw = trunk_inclination(seq, side=side, signed=True, image=image)
        elif name == "knee_valgus":
            raw = knee_valgus(seq, image=image)
        elif name == "asymmetry":
            raw = asymmetry(seq, profile.family, image=image)
        elif name in JOINT_TRIPLETS:
            raw = joint_angle(seq, name, side, image=image)
        else:
            missing[name] = f"no definition for angle {name!r}"
            continue
        angles[name] = smooth_frames(despike(raw, seq.fps), seq.timestamps_s, seq.fps,
                                     cutoff_hz=cutoff_hz, max_gap_s=max_gap_s)
    faults: dict[str, np.ndarray] = {}
    source: dict[str, str] = {}
    fault_missing: dict[str, str] = {}
    read: dict[str, np.ndarray] = {}
    # A set analysed at its usual scale after a zoom (camera.steadied) does not read the
    # torso's foreshortening: see THROUGH_ZOOM.
    zoomed = held_correction(seq)[1] is not None
    for fault in profile.faults:
        where = FAULT_SOURCE_BY_EXERCISE.get(
            (fault.measure, fault.direction, view, profile.name),
            FAULT_SOURCE_BY_DIRECTION.get((fault.measure, fault.direction, view),
                                          FAULT_SOURCE[fault.measure].get(view)))
        blind = NOT_SEEN.get((fault.measure, fault.direction, view)) or NOT_SEEN.get((fault.measure, 0, view))
        if zoomed and where in THROUGH_ZOOM:
            where = THROUGH_ZOOM[where]
            blind = blind or (THROUGH_ZOOM_WHY if where is None else None)
        if where == "foreshortening" and not blind:
            blind = thigh_yardstick_unsteady(seq, image=image) or None
        if where is None or blind:
            # The warning names the measure ("trunk lean not measurable: ..."): the reason
            # need not name it again.
            fault_missing[fault.measure] = (blind or f"a {view} view does not show it"
                                            if view != "unknown" else "view could not be determined")
            continue
        # Read again, not taken from the form angle of the same name: a fault is judged
        # only off landmarks inside the picture (fault_signal), the angles keep the model's
        # guesses for a limb the picture cuts off.
        raw = fault_signal(seq, fault.measure, where, side, image=image, world=world)
        signal = smooth_frames(despike(raw, seq.fps), seq.timestamps_s, seq.fps,
                               cutoff_hz=cutoff_hz, max_gap_s=max_gap_s)
        if not np.isfinite(signal).any():
            fault_missing[fault.measure] = "its landmarks are not seen in the picture"
            continue
        faults[fault.measure] = signal
        source[fault.measure] = where
        read[fault.measure] = np.isfinite(raw)
    misplaced = ({"trunk_lean": misplaced_hips(seq, image=image)}
                 if profile.still_hips and "trunk_lean" in faults else {})
    return FormSignals(view=view, side=side, angles=angles, not_measurable=missing,
                       faults=faults, fault_source=source, faults_not_measurable=fault_missing,
                       misplaced=misplaced, fault_read=read)
