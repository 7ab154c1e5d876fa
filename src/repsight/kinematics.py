"""Signals from a PoseSequence: joint angles, heights, trunk inclination, side choice, scale.

All functions are pure: they read arrays out of a PoseSequence and return new arrays.
Image coordinates are converted to pixels first so that angles and lengths are not
distorted by the frame's aspect ratio; heights are positive upwards.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from .landmarks import JOINT_TRIPLETS, LM, VISIBILITY, side_landmark
from .profiles import SignalSpec
from .smoothing import condition, seen_mean
from .types import PoseSequence

SIDES = ("LEFT", "RIGHT")
BOTH = "BOTH"

# Left/right landmark pairs that the swap guard exchanges together.
_PAIRS: tuple[tuple[LM, LM], ...] = tuple(
    (LM[f"LEFT_{n}"], LM[f"RIGHT_{n}"]) for n in (
        "EYE_INNER", "EYE", "EYE_OUTER", "EAR", "SHOULDER", "ELBOW", "WRIST", "PINKY",
        "INDEX", "THUMB", "HIP", "KNEE", "ANKLE", "HEEL", "FOOT_INDEX"))
_PAIRS = _PAIRS + ((LM.MOUTH_LEFT, LM.MOUTH_RIGHT),)
# The limb landmarks whose motion decides whether a frame's labels were swapped.
_TRACKED = tuple(p for p in _PAIRS if p[0].name.split("_", 1)[1] in (
    "SHOULDER", "ELBOW", "WRIST", "HIP", "KNEE", "ANKLE"))


@dataclass(frozen=True, eq=False)
class Signal:
    """A 1-D per-frame signal and how it was made (what the annotator draws).

    values: smoothed, NaN where the pose is missing or not visible enough; raw: before
    smoothing and gap filling. unit: "body" (heights in body-size units: torso lengths) or
    "deg". landmarks: the landmark indices whose mean is the tracked point (heights) or
    the joint triplet (angles) on the chosen side(s).
    """

    name: str
    kind: str
    unit: str
    side: str
    values: np.ndarray
    raw: np.ndarray
    landmarks: tuple[int, ...]
    scale_px: float = float("nan")  # pixels per body-size unit (heights only)
    diff_noise: float = 0.0  # std of frame-to-frame changes of `values` due to landmark noise

    def __post_init__(self) -> None:
        if self.values.shape != self.raw.shape or self.values.ndim != 1:
            raise ValueError(f"signal {self.name}: values {self.values.shape} vs raw {self.raw.shape}")
        if self.side not in (*SIDES, BOTH):
            raise ValueError(f"signal {self.name}: bad side {self.side!r}")


def pixels(image: np.ndarray, width: int, height: int, lm: int) -> np.ndarray:
    """float64[T,2] pixel coordinates of one landmark from an image-landmark array."""
    return image[:, lm, :2].astype(np.float64) * np.array([width, height], dtype=np.float64)


def _lateral_spread(xy: np.ndarray) -> np.ndarray:
    """float[T]: signed left-minus-right image x of shoulders and hips, in torso lengths."""
    sh_l, sh_r = xy[:, LM.LEFT_SHOULDER], xy[:, LM.RIGHT_SHOULDER]
    hp_l, hp_r = xy[:, LM.LEFT_HIP], xy[:, LM.RIGHT_HIP]
    torso = np.linalg.norm((sh_l + sh_r) / 2 - (hp_l + hp_r) / 2, axis=1)
    dx = ((sh_l[:, 0] - sh_r[:, 0]) + (hp_l[:, 0] - hp_r[:, 0])) / 2
    with np.errstate(invalid="ignore", divide="ignore"):
        return dx / np.where(torso > 0, torso, np.nan)


# A clip whose median lateral spread (left minus right shoulder and hip x, in torso
# lengths) is at least this far from 0 has a usual left/right order (the real clips: 45
# degrees 0.14-0.19, "side" views filmed a little off square up to 0.26, square side
# views -0.06..+0.04, front and rear views 0.27-1.5); a frame at least IN_ORDER_SPREAD
# into that order is taken as labelled right (see swapped_frames).
ORDERED_SPREAD = 0.12
IN_ORDER_SPREAD = 0.1


def swapped_frames(image: np.ndarray, *, min_ratio: float = 0.5, wide: float = 0.3) -> np.ndarray:
    """bool[T]: frames of image landmarks [T,33,5] whose left/right labels the model flipped.

    Two cases. Where the body is seen broad (shoulders and hips more than `wide` torso
    lengths apart in x: front, rear and most oblique views), the model's labels can flip
    for whole reps without any jump between frames, so those frames are put back on the
    set's usual left/right order (the majority over the clip). Where the body is seen
    narrow (side views, left and right limbs overlapping), each frame is compared with
    the last good one: when exchanging left and right makes the limbs move much less
    (cost below `min_ratio` (0..1) of keeping them), the labels were swapped and are
    swapped back, so a side stays the same limb. In a clip with a usual order (a 45-degree
    view: the near shoulder and hip sit on one side of the far ones on most frames), a
    frame clearly out of that order is put back in it, and a frame in it is never swapped
    out of it: after a glitch that swapped some labels but not all (a barbell press, the
    plates across the shoulders), the comparison with the glitched frame would otherwise
    call the next good frame swapped, and every frame after it, up to the next glitch.
    """
    if not 0 < min_ratio <= 1:
        raise ValueError(f"min_ratio must be in (0, 1], got {min_ratio}")
    out = np.array(image, copy=True)
    flipped = np.zeros(len(out), dtype=bool)
    if not len(out):
        return flipped
    left = [a for a, _ in _TRACKED]
    right = [b for _, b in _TRACKED]

    def swap(t: int) -> None:
        flipped[t] = not flipped[t]
        for a, b in _PAIRS:
            out[t, [a, b]] = out[t, [b, a]]

    spread = _lateral_spread(out[:, :, :2].astype(np.float64))
    broad = np.isfinite(spread) & (np.abs(spread) > wide)
    if broad.any():
        usual = np.sign(np.median(spread[broad]))
        for t in np.flatnonzero(broad & (np.sign(spread) == -usual)):
            swap(int(t))
    # Narrow frames clearly to one side, in a clip with a usual order: put on its side and
    # held there (the frame-to-frame check below leaves them alone).
    order = float(np.nanmedian(spread)) if np.isfinite(spread).any() else 0.0
    settled = np.zeros(len(out), dtype=bool)
    if abs(order) >= ORDERED_SPREAD:
        settled = ~broad & np.isfinite(spread) & (np.abs(spread) >= IN_ORDER_SPREAD)
        for t in np.flatnonzero(settled & (np.sign(spread) == -np.sign(order))):
            swap(int(t))
    prev: np.ndarray | None = None
    for t in range(len(out)):
        cur = out[t, :, :2].astype(np.float64)
        if np.isnan(cur).any():
            continue
        if prev is not None and not broad[t]:
            keep = (np.linalg.norm(cur[left] - prev[left], axis=1).sum()
                    + np.linalg.norm(cur[right] - prev[right], axis=1).sum())
            cost = (np.linalg.norm(cur[left] - prev[right], axis=1).sum()
                    + np.linalg.norm(cur[right] - prev[left], axis=1).sum())
            if cost < min_ratio * keep and not settled[t]:
                swap(t)
                cur = out[t, :, :2].astype(np.float64)
        prev = cur
    return flipped


def apply_swaps(landmarks: np.ndarray, flipped: np.ndarray) -> np.ndarray:
    """Copy of per-frame landmarks [T,33,k] (image or world) with left/right exchanged on
    the frames `flipped` (bool[T], from swapped_frames)."""
    out = np.array(landmarks, copy=True)
    for a, b in _PAIRS:
        out[flipped, a], out[flipped, b] = landmarks[flipped, b], landmarks[flipped, a]
    return out


def unswap_sides(image: np.ndarray, *, min_ratio: float = 0.5, wide: float = 0.3) -> np.ndarray:
    """Copy of image landmarks [T,33,5] with frames whose left/right labels flipped restored
    (swapped_frames explains how they are found)."""
    return apply_swaps(image, swapped_frames(image, min_ratio=min_ratio, wide=wide))


def side_visibility(seq: PoseSequence, names: tuple[str, ...]) -> dict[str, float]:
    """Mean visibility (0..1) of the landmarks `names` (e.g. "HIP", "KNEE") on each side."""
    det = seq.detected
    scores = {}
    for side in SIDES:
        idx = [LM[f"{side}_{n}"] for n in names]
        vis = seq.image[det][:, idx, VISIBILITY]
        vis = vis[np.isfinite(vis)]
        scores[side] = float(np.mean(vis)) if vis.size else 0.0
    return scores


def choose_side(seq: PoseSequence, names: tuple[str, ...], *, margin: float = 0.1) -> str:
    """The near side in a side view ("LEFT"/"RIGHT"), or "BOTH" when neither is clearly better.

    margin: how much higher (0..1) one side's mean visibility must be to be chosen alone.
    """
    scores = side_visibility(seq, names)
    if scores["LEFT"] - scores["RIGHT"] > margin:
        return "LEFT"
    if scores["RIGHT"] - scores["LEFT"] > margin:
        return "RIGHT"
    return BOTH


def metric_side(seq: PoseSequence, names: tuple[str, ...], *, min_visibility: float = 0.5) -> str:
    """The side(s) a metric displacement is read from: "BOTH" when both are seen well enough.

    The pixel-to-metre scale holds at the body's mid-plane; seen from the side, the near
    limb is closer to the camera and its pixels cover fewer metres (the far one more), so
    the mean of the two sides is the unbiased track. One side only when the other is
    mostly hidden (mean visibility below min_visibility, 0..1).
    """
    scores = side_visibility(seq, names)
    good = [s for s in SIDES if scores[s] >= min_visibility]
    if len(good) == 2:
        return BOTH
    return good[0] if good else max(scores, key=scores.get)


def _names_of(spec_points: tuple[str, ...]) -> tuple[str, ...]:
    """Landmark base names behind a signal's points (angles expand to their triplet)."""
    names: list[str] = []
    for p in spec_points:
        if p in JOINT_TRIPLETS:
            names.extend(t.split("_", 1)[1] for t in JOINT_TRIPLETS[p])
        else:
            names.append(p)
    return tuple(dict.fromkeys(names))


# Points further than this share of the frame outside the picture are the pose model's
# guesses for a body part out of frame.
OUTSIDE_MARGIN = 0.05
# A fault is read only off joints this share of the frame inside its edge (form.fault_signal):
# where the frame cuts a limb, the model puts its guess for the joint on the edge or just
# past it (a push-up zoomed 1.3 times: the ankles at 0.985-1.01 of the width, presence
# 0.74-0.78, read 7 degrees of hip sag), while a joint the picture shows stands clear of
# it (no shoulder, elbow, wrist, hip, knee or ankle came within 0.02 of an edge on 420
# rendered clips).
FAULT_EDGE_MARGIN = 0.01


def in_picture(xy: np.ndarray, margin: float = OUTSIDE_MARGIN) -> np.ndarray:
    """bool[...]: normalised image positions xy (float[..., 2]) within the picture, give
    or take `margin` (negative: that far inside its edges; NaN: False)."""
    return np.all((xy > -margin) & (xy < 1.0 + margin), axis=-1)


# MediaPipe's presence (0..1): how likely the landmark is in the picture at all. Under
# this, a position inside the picture is the model's guess for a body part the frame cut
# off (a push-up framed tight: the ankles at presence 0.10-0.21, placed inside the edge);
# on 630 rendered clips no shoulder, elbow, hip, knee or ankle falls under it.
MIN_PRESENCE = 0.5


def present_only(image: np.ndarray) -> np.ndarray:
    """A copy of normalised image landmarks (float[T, 33, 5]: x, y, z, visibility,
    presence) without a position where the model says the landmark is not in the picture
    (presence under MIN_PRESENCE); an array without the presence channel is copied as is."""
    out = image.copy()
    if out.shape[-1] >= 5:
        out[out[..., 4] < MIN_PRESENCE, :2] = np.nan
    return out


def shown_only(image: np.ndarray, margin: float = OUTSIDE_MARGIN) -> np.ndarray:
    """A copy of normalised image landmarks (float[T, 33, >=2]) without a position where
    the picture did not show the landmark (outside it, give or take `margin`: in_picture),
    so a measure never reads the model's guess for a body part out of frame."""
    out = image.copy()
    out[~in_picture(image[..., :2], margin), :2] = np.nan
    return out


# A joint placed further than this outside the picture was not shown: the pose model
# guessed it (a joint the picture shows stands clear of the edges, see FAULT_EDGE_MARGIN).
GUESSED_MARGIN = 0.02


def outside_picture(seq: PoseSequence, landmarks: Sequence[int]) -> np.ndarray:
    """bool[T, len(landmarks)]: where each landmark (an index) is placed outside the
    picture (past GUESSED_MARGIN). The pose model places a joint the picture does not show
    where the rest of the body suggests: a guess, not a reading."""
    xy = seq.image[:, [int(i) for i in landmarks], :2]
    return ~in_picture(xy, GUESSED_MARGIN) & np.isfinite(xy).all(axis=-1)


def _point_xy(seq: PoseSequence, image: np.ndarray, names: tuple[str, ...], side: str,
              min_visibility: float) -> np.ndarray:
    """float64[T,2] pixel mean of the named landmarks on `side` ("BOTH": per-frame mean of
    the sides visible enough); NaN where no side passes the visibility gate."""
    sides = SIDES if side == BOTH else (side,)
    per_side, per_vis = [], []
    for s in sides:
        idx = [LM[f"{s}_{n}"] for n in names]
        per_side.append(np.stack([pixels(image, seq.width, seq.height, i) for i in idx]).mean(axis=0))
        per_vis.append(image[:, idx, VISIBILITY].astype(np.float64).min(axis=1))
    stack, vis = np.stack(per_side), np.stack(per_vis)  # [S,T,2], [S,T]
    size = np.array([seq.width, seq.height])
    inside = in_picture(stack / size)
    good = (vis >= min_visibility) & inside
    # Where no side passes the gate but the person is there, a side-view far limb or a
    # low-confidence frame is still a better guess than a hole that splits a rep in two:
    # fall back to every in-frame side, and only blank what is out of the picture.
    use = np.where(good.any(axis=0), good, inside)
    stack = np.where(use[:, :, None], stack, np.nan)
    return seen_mean(stack, axis=0)  # an all-NaN frame is simply "not seen"


def body_scale_px(seq: PoseSequence, image: np.ndarray | None = None) -> float:
    """Torso length in pixels (shoulder midpoint to hip midpoint), robust over the clip.

    The 90th percentile is used because foreshortening (bending, lying towards the
    camera) only ever shortens the torso in the image. NaN when no torso is ever seen.
    """
    image = seq.image if image is None else image
    sh = (pixels(image, seq.width, seq.height, LM.LEFT_SHOULDER)
          + pixels(image, seq.width, seq.height, LM.RIGHT_SHOULDER)) / 2
    hp = (pixels(image, seq.width, seq.height, LM.LEFT_HIP)
          + pixels(image, seq.width, seq.height, LM.RIGHT_HIP)) / 2
    length = np.linalg.norm(sh - hp, axis=1)
    length = length[np.isfinite(length) & (length > 0)]
    return float(np.percentile(length, 90)) if length.size else float("nan")


# Segments whose image length tracks the person's size; together at least one of them is
# seen near full length in any pose (a bent torso is short from the front, the shins are not).
_SIZE_SEGMENTS: tuple[tuple[LM, LM], ...] = (
    (LM.LEFT_SHOULDER, LM.LEFT_HIP), (LM.RIGHT_SHOULDER, LM.RIGHT_HIP),
    (LM.LEFT_HIP, LM.LEFT_KNEE), (LM.RIGHT_HIP, LM.RIGHT_KNEE),
    (LM.LEFT_KNEE, LM.LEFT_ANKLE), (LM.RIGHT_KNEE, LM.RIGHT_ANKLE),
    (LM.LEFT_SHOULDER, LM.RIGHT_SHOULDER), (LM.LEFT_HIP, LM.RIGHT_HIP),
    (LM.LEFT_SHOULDER, LM.LEFT_ELBOW), (LM.RIGHT_SHOULDER, LM.RIGHT_ELBOW),
)


def segment_lengths(seq: PoseSequence, image: np.ndarray | None = None) -> np.ndarray:
    """float64[T, S] the image length in pixels of each body segment whose length tracks
    the person's size (_SIZE_SEGMENTS: torso sides, thighs, shins, shoulder and hip
    widths, upper arms); NaN where a landmark is missing."""
    image = seq.image if image is None else image
    return np.column_stack([
        np.linalg.norm(pixels(image, seq.width, seq.height, a)
                       - pixels(image, seq.width, seq.height, b), axis=1)
        for a, b in _SIZE_SEGMENTS])


def body_size_ratio(seq: PoseSequence, image: np.ndarray | None = None) -> np.ndarray:
    """float64[T]: how big the tracked person looks on each frame vs the clip (1 = usual).

    Per frame, the largest ratio of a body segment's image length to that segment's 90th
    percentile over the clip. Foreshortening shortens some segments but never all at once,
    so a value far below 1 means the tracker is on someone else (a camera cut, a person
    in the background) or on a half-detected body while the lifter gets into place.
    """
    ratios = []
    for length in segment_lengths(seq, image).T:
        ok = np.isfinite(length) & (length > 0)
        ref = np.percentile(length[ok], 90) if ok.any() else np.nan
        ratios.append(length / ref if ref > 0 else np.full(len(length), np.nan))
    stack = np.array(ratios)
    out = np.full(stack.shape[1], np.nan)
    seen = np.isfinite(stack).any(axis=0)
    out[seen] = np.nanmax(stack[:, seen], axis=0)
    return out


def angle_between(a: np.ndarray, b: np.ndarray, c: np.ndarray) -> np.ndarray:
    """Continuous angle at b (degrees, 0..360) of the 2-D point tracks a-b-c, [T,2] each.

    The signed angle is read on one side of the joint for the whole clip, so a limb
    straightening past 180 degrees reads 185, not 175, and there is no jump at 180
    (where straight limbs live). The side is the one that puts the clip's median at or
    below 180, which makes the angle independent of the direction the person faces.
    The only discontinuity left is at 0/360, a limb folded flat onto itself.
    """
    ba = a - b
    bc = c - b
    cross = ba[:, 0] * bc[:, 1] - ba[:, 1] * bc[:, 0]
    dot = (ba * bc).sum(axis=1)
    return _continuous(np.degrees(np.arctan2(cross, dot)))


def _continuous(ang: np.ndarray) -> np.ndarray:
    """Signed degrees -> continuous degrees on the side of the joint whose clip median is <= 180.

    Unwrapping along time instead would let a few frames where a limb points at the
    camera (direction undefined in the image) add whole turns that never come back. The
    0/360 seam is then moved into the widest empty arc of the clip's angles, so a limb
    whose 2-D projection folds just past itself (a fully bent elbow seen from the front)
    reads -5, not 355: values stay in 0..360 unless the clip's own angles cross the seam.
    """
    ang = np.asarray(ang, dtype=np.float64)
    out = np.mod(ang, 360.0)
    valid = np.isfinite(out)
    if not valid.any():
        return out
    if np.median(out[valid]) > 180.0:
        out = np.mod(-ang, 360.0)
    vals = np.sort(out[valid])
    gaps = np.diff(np.concatenate([vals, [vals[0] + 360.0]]))
    widest = int(np.argmax(gaps))
    if widest < len(vals) - 1:  # the widest empty arc is not the one around 0/360
        cut = vals[widest] + gaps[widest] / 2.0
        out = np.where(out > cut, out - 360.0, out)
    return out


def joint_angle(seq: PoseSequence, name: str, side: str, *, image: np.ndarray | None = None,
                min_visibility: float = 0.0) -> np.ndarray:
    """float64[T] continuous angle (degrees) of joint `name` (a JOINT_TRIPLETS key).

    side: "LEFT", "RIGHT" or "BOTH" (the mean of the two sides' angles where both are
    seen, else the one seen: averaging the landmarks themselves would put a front view's
    "elbow" on the body's midline).
    min_visibility: 0..1; frames where a landmark falls below it are NaN (with "BOTH", a
    side whose landmarks all fail the gate falls back as in the heights).
    """
    if name not in JOINT_TRIPLETS:
        raise ValueError(f"unknown joint {name!r}; known: {', '.join(JOINT_TRIPLETS)}")
    image = seq.image if image is None else image
    if side == BOTH:
        per_side = np.stack([joint_angle(seq, name, s, image=image, min_visibility=min_visibility)
                             for s in SIDES])
        return seen_mean(per_side)  # all-NaN frame -> NaN
    pts = [_point_xy(seq, image, (t.split("_", 1)[1],), side, min_visibility)
           for t in JOINT_TRIPLETS[name]]
    return angle_between(*pts)


def facing_sign(seq: PoseSequence, side: str, *, image: np.ndarray | None = None) -> float:
    """+1 if the lifter faces image right in a side view, -1 if left (0: cannot tell).

    From the feet (toes ahead of heels) and the head (nose ahead of the ears), median
    over frames; needed so that leaning back is not read as leaning forward.
    """
    image = seq.image if image is None else image
    px = functools.partial(pixels, image, seq.width, seq.height)
    votes = []
    for s in (SIDES if side == BOTH else (side,)):
        votes.append(px(LM[f"{s}_FOOT_INDEX"])[:, 0] - px(LM[f"{s}_HEEL"])[:, 0])
        votes.append(px(LM.NOSE)[:, 0] - px(LM[f"{s}_EAR"])[:, 0])
    v = np.sign(np.concatenate(votes))
    v = v[np.isfinite(v)]
    return float(np.sign(np.sum(v))) if v.size else 0.0


def trunk_inclination(seq: PoseSequence, *, side: str = BOTH, signed: bool = False,
                      image: np.ndarray | None = None, min_visibility: float = 0.0) -> np.ndarray:
    """float64[T] angle (degrees) of the hip->shoulder line from image vertical.

    Unsigned (0 upright .. 180) unless `signed`: then forward lean is positive and leaning
    back negative, by the direction the lifter faces (facing_sign, on the side given or
    both), so a press lean-back is not folded onto forward lean; NaN throughout when the
    direction the lifter faces cannot be told (folded, a lean back read as forward lean,
    and a press's lean-back fault as stricter form).
    """
    image = seq.image if image is None else image
    sh = _point_xy(seq, image, ("SHOULDER",), side, min_visibility)
    hp = _point_xy(seq, image, ("HIP",), side, min_visibility)
    d = sh - hp
    facing = facing_sign(seq, side, image=image) if signed else 0.0
    if signed and not facing:
        return np.full(len(d), np.nan)
    dx = d[:, 0] * facing if facing else np.abs(d[:, 0])
    # Image y points down; upright is (0, -1).
    return np.degrees(np.arctan2(dx, -d[:, 1]))


def tracked_point_px(seq: PoseSequence, names: tuple[str, ...], side: str, *,
                     image: np.ndarray | None = None, min_visibility: float = 0.0) -> np.ndarray:
    """float64[T,2] pixel track of the mean of landmarks `names` (the "bar") on `side`.

    The side is fixed for the set (metric_side), so the track never jumps between limbs;
    min_visibility 0 keeps every in-frame landmark, which is what velocity needs (a hole
    in a concentric loses the rep's velocity, a slightly uncertain landmark does not).
    """
    image = seq.image if image is None else image
    return _point_xy(seq, image, names, side, min_visibility)


def point_height(seq: PoseSequence, names: tuple[str, ...], side: str, *,
                 image: np.ndarray | None = None, min_visibility: float = 0.0,
                 scale_px: float | None = None) -> np.ndarray:
    """float64[T] height (positive up) of the mean of landmarks `names` in body-size units."""
    image = seq.image if image is None else image
    scale = body_scale_px(seq, image) if scale_px is None else scale_px
    xy = _point_xy(seq, image, names, side, min_visibility)
    return -xy[:, 1] / scale


def path_speed(seq: PoseSequence, names: tuple[str, ...], side: str, *, image: np.ndarray,
               min_visibility: float, cutoff_hz: float, max_gap_s: float,
               min_body_size: float) -> tuple[np.ndarray, float]:
    """(float64[T] speed along the picture of the mean of landmarks `names` on `side`, in
    body-size units a frame; the speed landmark noise alone gives when still) with its two
    coordinates read and conditioned as a height driving signal is (signal_from_spec), so
    the two speak of the same frames. segmentation.path_onsets reads rep starts off it."""
    scale = body_scale_px(seq, image)
    xy = _point_xy(seq, image, names, side, min_visibility) / scale
    if seq.n_frames and min_body_size > 0:
        xy[body_size_ratio(seq, image) < min_body_size] = np.nan
    x, nx = condition(xy[:, 0], seq.fps, cutoff_hz=cutoff_hz, max_gap_s=max_gap_s, t=seq.timestamps_s)
    y, ny = condition(xy[:, 1], seq.fps, cutoff_hz=cutoff_hz, max_gap_s=max_gap_s, t=seq.timestamps_s)
    speed = np.r_[np.hypot(np.diff(x), np.diff(y)), np.nan] if len(x) else x
    return speed, float(np.hypot(nx, ny))


def signal_from_spec(seq: PoseSequence, spec: SignalSpec, *, side: str = "auto",
                     min_visibility: float = 0.5, cutoff_hz: float = 4.0,
                     max_gap_s: float = 0.25, guard_swaps: bool = True,
                     image: np.ndarray | None = None,
                     min_body_size: float = 0.6) -> Signal:
    """The driving signal described by `spec`, conditioned (gaps filled, low-passed).

    side: "auto" (near side by visibility, else both), "LEFT", "RIGHT" or "BOTH".
    min_visibility: landmark visibility gate, 0..1. cutoff_hz: low-pass cut-off, 0.5..15 Hz.
    max_gap_s: longest dropout to interpolate, 0..2 s. guard_swaps: undo left/right label
    flips before reading one side (image: landmarks already unswapped, to share that
    work between the signals of one set). min_body_size: 0..1, frames where the person looks
    smaller than this share of their usual size (body_size_ratio) are not the lifter.
    """
    if image is None:
        image = unswap_sides(seq.image) if guard_swaps and seq.n_frames else seq.image
    names = _names_of(spec.points)
    if side == "auto":
        side = choose_side(seq, names)
    if spec.kind == "height":
        scale = body_scale_px(seq, image)
        raw = point_height(seq, spec.points, side, image=image, min_visibility=min_visibility,
                           scale_px=scale)
        unit = "body"
        landmarks = tuple(int(LM[f"{s}_{n}"]) for s in (SIDES if side == BOTH else (side,))
                          for n in spec.points)
        name = "+".join(p.lower() for p in spec.points) + " height"
    else:
        scale = float("nan")
        raw = joint_angle(seq, spec.points[0], side, image=image, min_visibility=min_visibility)
        unit = "deg"
        first = side if side != BOTH else "LEFT"
        landmarks = tuple(int(side_landmark(t, first)) for t in JOINT_TRIPLETS[spec.points[0]])
        name = f"{spec.points[0]} angle"
    if seq.n_frames and min_body_size > 0:
        raw = np.where(body_size_ratio(seq, image) >= min_body_size, raw, np.nan)
    values, dnoise = condition(raw, seq.fps, cutoff_hz=cutoff_hz, max_gap_s=max_gap_s,
                              t=seq.timestamps_s)
    return Signal(name=name, kind=spec.kind, unit=unit, side=side, values=values, raw=raw,
                  landmarks=landmarks, scale_px=scale, diff_noise=dnoise)
