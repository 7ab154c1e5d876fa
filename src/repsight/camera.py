"""How the camera moved during a clip, read from the background, and positions held still against it.

A hand-held phone sways: every landmark then moves with the picture, and a squat's hip
height or a press's wrist height carries the camera's motion. Extraction keeps, for each
frame, the shift of each tile of a small grey thumbnail since the frame before
(video.SceneScan, meta["scene"]["camera"]). Here the tiles the lifter and what its hands
hold cover are left out, the median of the rest is the camera's step, and the steps add
up to its path. When the path sways more than a still camera's reading does over a set's
reps (AnalysisConfig.camera_sway_limit), the analysis reads positions against the
background (`sway_offset`, `steadied`) and says so.

Only the sway is taken out (the path high-passed at STEADY_HIGHPASS_HZ): a slow drift of
the path is as likely a tile's small bias added up over hundreds of frames as a pan.

A zoom (a phone's pinch, a zoom ring) or a lifter who moves nearer or further during the
set makes every length on the picture, and so every speed, grow or shrink. It is read
from the lifter's own size rep by rep (`framing_zoom`; the background's tiles read it
too, but added up over a set their small biases made still cameras look zoomed by up to
a fifth), and above AnalysisConfig.camera_zoom_limit the landmarks are scaled back to
the set's usual framing (`held_still`). A camera that turns is not modelled. Pure
functions over a PoseSequence.
"""

from __future__ import annotations

import dataclasses
import warnings
from dataclasses import dataclass
from typing import Sequence

import numpy as np
from scipy.signal import butter, sosfiltfilt

from .kinematics import (BOTH, FAULT_EDGE_MARGIN, in_picture, segment_lengths, shown_only,
                         tracked_point_px, trunk_inclination)
from .landmarks import LM, PRESENCE, SKELETON_EDGES
from .shots import body_size, scene_rows, unpack_tiles
from .smoothing import seen_correlation
from .profiles import ExerciseProfile
from .types import PoseSequence, Rep, picture_turn

# A tile counts when this share of its points moved together (video.tile_shifts): one
# surface, not an edge of the lifter or a flicker.
MIN_AGREE = 0.5
# The camera's step on a frame is read from at least this many background tiles.
MIN_TILES = 2
# Frames without enough background between read ones get the steps interpolated across a
# gap up to this long (the lifter passing in front of the last textured tiles).
MAX_BRIDGE_S = 0.5
# The lifter covers the tiles within this reach of its skeleton (each limb, the torso's
# outline and diagonals, the head): BODY_REACH of the body's size (its longest segment on
# the frame, shots.body_size) plus MIN_REACH of the frame's long side for landmark noise.
BODY_REACH = 0.15
MIN_REACH = 0.02
# What the hands hold (a plate, a dumbbell, a kettlebell) moves with the lift: tiles
# within HELD_REACH of the body's size of a wrist are the lifter's too (a 45 cm plate's
# rim is about 0.45 of a thigh-to-torso body size from the hand).
HELD_REACH = 0.45
_HANDS = (int(LM.LEFT_WRIST), int(LM.RIGHT_WRIST))
_COVER_EDGES = (*SKELETON_EDGES, (LM.LEFT_SHOULDER, LM.RIGHT_HIP),
                (LM.RIGHT_SHOULDER, LM.LEFT_HIP))
_ALONG = np.linspace(0.0, 1.0, 9)
# Sway: the path band-passed to SWAY_BAND_HZ (a hand's sway and shake; a lifter's reps
# are slower than the upper edge but the lifter is masked out), RMS over the set's frames,
# as a share of the frame's long side.
# Above AnalysisConfig.camera_sway_limit the set is read against the background.
SWAY_BAND_HZ = (0.3, 3.0)
STEADY_HIGHPASS_HZ = 0.2
# The lifter's size on a rep: each body segment's length near its longest on the rep
# (ZOOM_PERCENTILE of its frames: a squat's thighs at the top, not at depth, so a slow
# rep's longer time bent does not read as a smaller lifter), against that segment's
# usual over the set, and the median over the segments (a zoom scales all of them; a
# pose foreshortens a few). One rep's reading (the jump to a pull-up bar, a drop from
# it) is outvoted by its neighbours: the median of ZOOM_REPS reps. Only reps that reach
# lockout are read (a failed rep never stands up to full size).
ZOOM_PERCENTILE = 90
ZOOM_REPS = 3
MIN_ZOOM_REPS = 3


@dataclass(frozen=True)
class CameraPath:
    """path: float64[T, 2] where the background has moved since frame 0, in normalised image
    units (x: share of the width, y: of the height); read: bool[T] frames whose step was
    read from enough background tiles (the others add no step)."""

    path: np.ndarray
    read: np.ndarray


def _tiles(seq: PoseSequence) -> tuple[np.ndarray, tuple[int, int], tuple[int, int]] | None:
    """(float64[T, n, 3] tile shifts aligned to the sequence's frames, grid, thumb) or None."""
    scene = seq.meta.get("scene") if isinstance(seq.meta, dict) else None
    cam = scene.get("camera") if isinstance(scene, dict) else None
    if not isinstance(cam, dict) or not scene.get("times_s") or seq.n_frames == 0:
        return None
    try:
        times = np.asarray(scene["times_s"], dtype=np.float64)
        rows, cols = (int(v) for v in cam["grid"])
        thumb = (int(cam["thumb"][0]), int(cam["thumb"][1]))
        tiles = unpack_tiles(cam)
    except (KeyError, TypeError, ValueError, IndexError):  # binascii.Error is a ValueError
        return None
    if len(tiles) != len(times) or tiles.shape[1] != rows * cols or min(thumb) < 1:
        return None
    idx, close = scene_rows(times, seq)
    return np.where(close[:, None, None], tiles[idx], np.nan), (rows, cols), thumb


def _covered(seq: PoseSequence, rows: int, cols: int, *, held: bool = True,
             block: int = 1024) -> np.ndarray:
    """bool[T, rows * cols]: the tiles the lifter's skeleton (grown by its reach) or, when
    held, what its hands hold touches."""
    size = np.array([seq.width, seq.height], dtype=np.float64)
    body = body_size(seq)
    noise = MIN_REACH * float(size.max())
    tw, th = size[0] / cols, size[1] / rows
    r, c = np.divmod(np.arange(rows * cols), cols)
    first = [int(e[0]) for e in _COVER_EDGES]
    second = [int(e[1]) for e in _COVER_EDGES]

    def near(pts: np.ndarray, reach: np.ndarray) -> np.ndarray:
        """bool[t, tiles]: a point (t, P, 1, 2) within reach (t, 1, 1) of each tile."""
        return ((pts[..., 0] > c * tw - reach) & (pts[..., 0] < (c + 1) * tw + reach)
                & (pts[..., 1] > r * th - reach) & (pts[..., 1] < (r + 1) * th + reach)
                ).any(axis=1)  # NaN points (no person) compare False

    out = np.zeros((seq.n_frames, rows * cols), dtype=bool)
    for lo in range(0, seq.n_frames, block):  # bounded memory on long clips
        hi = min(lo + block, seq.n_frames)
        a = seq.image[lo:hi, first, :2].astype(np.float64) * size
        b = seq.image[lo:hi, second, :2].astype(np.float64) * size
        limbs = (a[:, :, None, :] + (b - a)[:, :, None, :] * _ALONG[None, None, :, None])
        hands = seq.image[lo:hi, _HANDS, :2].astype(np.float64) * size
        out[lo:hi] = (near(limbs.reshape(hi - lo, -1, 1, 2),
                           (BODY_REACH * body[lo:hi] + noise)[:, None, None])
                      | near(hands[:, :, None, :],
                             ((HELD_REACH if held else BODY_REACH) * body[lo:hi] + noise)[:, None, None]))
    return out


def camera_path(seq: PoseSequence, span: tuple[int, int] | None = None, *,
                held: bool = True) -> CameraPath | None:
    """The background's path over the frames [start, stop) of span (all when None; no
    steps outside it, so a camera cut or another shot does not enter it); held: the hands
    may hold a load that moves with the lift (ExerciseProfile.hands_planted); None when
    extraction kept no tile shifts (an older pose file, a synthetic sequence)."""
    got = _tiles(seq)
    if got is None:
        return None
    tiles, (rows, cols), thumb = got
    covered = _covered(seq, rows, cols, held=held)
    # Off the lifter on this frame and the one before: the shift is the background's.
    # (Frames without the lifter found are read too: requiring a person on both frames
    # broke the path wherever detection flickered, 0.08 -> 0.12 of the sway left on the
    # swayed dev clips.)
    off = ~covered
    off[1:] &= ~covered[:-1]
    ok = np.isfinite(tiles[:, :, 2]) & (tiles[:, :, 2] >= MIN_AGREE) & off
    read = ok.sum(axis=1) >= MIN_TILES
    lo, hi = span if span is not None else (0, seq.n_frames)
    read[:lo + 1] = False
    read[hi:] = False
    steps = np.zeros((seq.n_frames, 2))
    if read.any():
        shifts = np.where(ok[read][:, :, None], tiles[read][:, :, :2], np.nan)
        steps[read] = np.nanmedian(shifts, axis=1) / np.asarray(thumb, dtype=np.float64)
    _bridge(steps, read, seq.timestamps_s)
    return CameraPath(path=np.cumsum(steps, axis=0), read=read)


def _bridge(steps: np.ndarray, read: np.ndarray, times_s: np.ndarray) -> None:
    """Fill, in place, the steps of unread frames in gaps up to MAX_BRIDGE_S between read
    ones with the steps interpolated between them (a sway keeps going while the lifter
    hides the background); longer gaps stay without steps."""
    idx = np.flatnonzero(read)
    gaps = np.flatnonzero(np.diff(idx) > 1)  # read frames followed by unread ones
    for a, b in zip(idx[gaps], idx[gaps + 1]):
        if times_s[b] - times_s[a] <= MAX_BRIDGE_S:
            w = (times_s[a + 1:b] - times_s[a]) / (times_s[b] - times_s[a])
            steps[a + 1:b] = steps[a] + w[:, None] * (steps[b] - steps[a])


def _filtered(path: np.ndarray, fps: float, band: tuple[float, float] | float,
              kind: str) -> np.ndarray | None:
    """The path through a second-order Butterworth (band or high pass); None when the clip
    is too short or its frame rate too low for the band."""
    nyquist = fps / 2.0
    edges = np.atleast_1d(np.asarray(band, dtype=np.float64))
    if edges[0] >= nyquist * 0.9:
        return None
    if kind == "bandpass":
        edges = np.array([edges[0], min(edges[1], nyquist * 0.9)])
    sos = butter(2, edges if kind == "bandpass" else edges[0], btype=kind, fs=fps, output="sos")
    if len(path) <= 3 * (2 * len(sos) + 1):
        return None
    return sosfiltfilt(sos, path, axis=0)


def sway(cam: CameraPath, seq: PoseSequence, start: int, stop: int) -> float | None:
    """RMS of the camera's sway (SWAY_BAND_HZ) over frames [start, stop), as a share of the
    frame's long side; None when the span is too short to tell."""
    band = _filtered(cam.path, seq.fps, SWAY_BAND_HZ, "bandpass")
    if band is None or stop - start < 2:
        return None
    long_side = max(seq.width, seq.height)
    scaled = band[start:stop] * np.array([seq.width, seq.height]) / long_side
    return float(np.sqrt((scaled ** 2).sum(axis=1).mean()))


# The camera moved during a set's reps, for reading its speed against the background
# (moved_with), when the background's path spans this share of the tracked point's range
# and a point held still in the world follows the path this closely (correlation). On
# the team's real clips: a hand-held 20-rep pull-up set, 63 % and 0.91-0.92 (the hands on the
# bar); the still-camera pull-ups 0.0-0.2 px; a push-up set whose background path drifted
# 27 px (the lifter's own movement in the tiles) with hands that did not follow, -0.01.
MOVED_SHARE = 0.05
MOVED_CORRELATION = 0.8


def moved_with(path_y: np.ndarray, witness_y: np.ndarray, rng: float, *, min_frames: int = 5
               ) -> bool:
    """Whether the camera tilted (moved up or down) over these frames: the background's
    vertical path (float[T], pixels) spans at least MOVED_SHARE of `rng` (the tracked
    point's range, pixels; 5th-95th percentile) and the witness (float[T], pixels: a point
    that holds still in the world, such as a pull-up's hands) moved with it, read on at
    least min_frames frames (and 5) where both are known."""
    ok = np.isfinite(path_y) & np.isfinite(witness_y)
    if not ok.any() or not rng > 0:
        return False
    p = path_y[ok]
    if np.percentile(p, 95) - np.percentile(p, 5) < MOVED_SHARE * rng:
        return False
    return bool(seen_correlation(path_y, witness_y, min_frames) >= MOVED_CORRELATION)


def held_correction(seq: PoseSequence) -> tuple[np.ndarray | None, np.ndarray | None]:
    """(offset, zoom) that `steadied` took out of this sequence's image landmarks (each
    None where it took none out, both for a sequence as filmed)."""
    held = seq.meta.get("camera_held")
    if not isinstance(held, dict):
        return None, None
    return held.get("offset"), held.get("zoom")


def unsteadied_path(seq: PoseSequence, cam: CameraPath) -> np.ndarray:
    """float64[T, 2] the camera's movement still in the sequence's image landmarks, pixels:
    its whole path, less what `steadied` took out of a steadied sequence (the sway it
    subtracted, then the zoom it undid)."""
    path = cam.path
    offset, zoom = held_correction(seq)
    if offset is not None:
        path = path - np.asarray(offset, dtype=np.float64)
    if zoom is not None:
        path = path / np.asarray(zoom, dtype=np.float64)[:, None]
    return path * np.array([seq.width, seq.height], dtype=np.float64)


def sway_offset(cam: CameraPath, fps: float) -> np.ndarray | None:
    """float64[T, 2] the camera's sway (its path high-passed at STEADY_HIGHPASS_HZ) in
    normalised image units: what `steadied` takes out; None when the clip is too short."""
    return _filtered(cam.path, fps, STEADY_HIGHPASS_HZ, "highpass")


def framing_zoom(seq: PoseSequence, reps: list[tuple[int, int]]) -> np.ndarray | None:
    """float64[T] how much larger than usual the lifter looks on each frame, read rep by
    rep (reps: [start, end] frames, in order), held over each rep and joined straight
    across the frames between reps (flat beyond the first and last); 1 where the set
    keeps its framing. None without MIN_ZOOM_REPS reps to read (two readings cannot tell
    a zoom from one odd rep)."""
    if len(reps) < MIN_ZOOM_REPS:
        return None
    lengths = segment_lengths(seq)
    with warnings.catch_warnings():  # a segment never seen on a rep: NaN, outvoted below
        warnings.simplefilter("ignore", RuntimeWarning)
        each = np.array([np.nanpercentile(lengths[a:b + 1], ZOOM_PERCENTILE, axis=0)
                         for a, b in reps])
        each /= np.nanmedian(each, axis=0)
        per = np.nanmedian(each, axis=1)
    bounds = np.array(reps, dtype=np.float64)
    ok = np.isfinite(per)
    if ok.sum() < MIN_ZOOM_REPS:
        return None
    per, bounds = per[ok], bounds[ok]
    # Each rep's window of ZOOM_REPS, shifted inwards at the set's ends, so a first or
    # last rep is read with two neighbours too. In a set of under 2 * ZOOM_REPS - 1 reps
    # most windows would be off-centre and carry a zoom across to the rep beside it, so
    # each rep is read alone.
    width = ZOOM_REPS if len(per) >= 2 * ZOOM_REPS - 1 else 1
    first = np.clip(np.arange(len(per)) - width // 2, 0, len(per) - width)
    smooth = np.array([np.median(per[k:k + width]) for k in first])
    smooth /= np.median(smooth)
    # A quarter frame inside each rep's ends, so reps that share a frame stay in order.
    xs = np.column_stack([bounds[:, 0] + 0.25, bounds[:, 1] - 0.25]).ravel()
    return np.interp(np.arange(seq.n_frames, dtype=np.float64), xs, np.repeat(smooth, 2))


def zoom_change(zoom: np.ndarray) -> float:
    """How much the framing's scale changed: the largest zoom over the smallest, minus 1."""
    return float(zoom.max() / zoom.min() - 1.0)


def held_still(xy: np.ndarray, offset: np.ndarray | None, zoom: np.ndarray | None = None
               ) -> np.ndarray:
    """Normalised image positions xy (float[T, ..., 2]) as a camera held still would have
    seen them: offset (sway_offset's, float[T, 2]) taken out, then zoom (float[T], e.g.
    framing_zoom's) undone about the picture's centre, where a camera zooms."""
    extra = (slice(None),) + (None,) * (xy.ndim - 2)
    out = xy if offset is None else xy - offset[extra]
    if zoom is not None:
        out = 0.5 + (out - 0.5) / zoom[extra + (None,)]
    return out


# A picture turned on its side (a clip exported sideways, or filmed so with the phone's
# orientation lost) shows the lifter lying where they stand, and moving across the
# picture where they move up and down. A standing lift's lifter (ExerciseProfile.upright)
# is upright at lockout (a squat's rep ends, a deadlift's or a curl's top): the trunk's
# median angle from the image's vertical there is at most UPRIGHT_DEG. On the 22 dev
# clips it is at most 33 deg (a pull-up filmed from the side, leaning back at the top);
# their standing lifts turned a quarter read 53 deg or more. Only counted reps reach
# lockout (a stalled or cut rep does not); with none, the most upright UPRIGHT_SHARE of
# the frames stand in for them (dev clips: 13 deg at most). A lying lift's point (a push-up's shoulders, a bench's wrists)
# moves up and down: its travel over a rep is at most SIDEWAYS_TRAVEL times wider than
# tall (dev clips 0.06-0.53; turned copies 2.0-4.0).
UPRIGHT_DEG = 45.0
UPRIGHT_SHARE = 0.05
SIDEWAYS_TRAVEL = 1.5


def _turn_hint(turn: int | None, applied: int = 0) -> str:
    """How to read the clip upright: the --rotate that does it (on top of the turn it was
    read with), both ways when unknown."""
    if turn:
        how = f"--rotate {(applied + turn) % 360}"
        if turn == 180:
            return (f"; if the video plays upside down, analyse it again with {how} (in a "
                    "batch, a manifest row's rotate column turns that clip only)")
    else:
        how = f"--rotate {(applied + 90) % 360} (or {(applied + 270) % 360}, the other way)"
    return (f"; if the video plays sideways, analyse it again with {how} (in a batch, a "
            "manifest row's rotate column turns that clip only)")


def sideways_hint(seq: PoseSequence) -> str:
    """The --rotate that would stand the picture up either way (for a lifter read lying
    who may be standing in a picture turned on its side), as _turn_hint words it."""
    return _turn_hint(None, picture_turn(seq))


def _trunk_ends(seq: PoseSequence) -> tuple[np.ndarray, np.ndarray]:
    """(shoulders, hips): float64[T,2] pixel midpoints of each pair, NaN where either
    landmark is missing (how the picture's orientation is read)."""
    shoulders = (seq.pixels(LM.LEFT_SHOULDER) + seq.pixels(LM.RIGHT_SHOULDER)) / 2
    hips = (seq.pixels(LM.LEFT_HIP) + seq.pixels(LM.RIGHT_HIP)) / 2
    return shoulders, hips


def _upright_turn(seq: PoseSequence) -> int | None:
    """The clockwise turn that stands a lifter lying across the picture up: 270 when the
    head (the shoulders' side of the hips) points right, 90 when left; None unseen."""
    shoulders, hips = _trunk_ends(seq)
    dx = (shoulders - hips)[:, 0]
    dx = dx[np.isfinite(dx)]
    if not dx.size or np.median(dx) == 0:
        return None
    return 270 if np.median(dx) > 0 else 90


def _lockout_lean(seq: PoseSequence, reps: Sequence[Rep]) -> float | None:
    """The trunk's angle from the image's vertical at lockout (degrees), or None unseen."""
    lean = trunk_inclination(seq, min_visibility=0.5)
    at = [k for r in reps if r.counted
          for k in ((r.start, r.end) if r.eccentric_first else (r.turnaround,))]
    seen = [float(lean[k]) for k in at if np.isfinite(lean[k])]
    if seen:
        return float(np.median(seen))
    if any(r.counted for r in reps):
        return None  # lockouts where the trunk was not seen: nothing to tell
    lean = lean[np.isfinite(lean)]
    if len(lean) < seq.fps:  # under a second of trunk seen: nothing to tell
        return None
    return float(np.percentile(lean, 100 * UPRIGHT_SHARE))


# A picture upside down (a phone's rotation flag added to a clip already upright, or a
# --rotate the wrong way) shows the shoulders below the hips. On the 22 dev clips the
# shoulders sit at most 0.39 trunk lengths below the hips in the median frame (a decline
# push-up on a GHD); a standing press read upside down, 1.00 (the trunk head-down).
UPSIDE_DOWN_DROP = 0.7


def upside_down_picture(seq: PoseSequence) -> str | None:
    """Why the picture looks upside down (the shoulders below the hips by more than
    UPSIDE_DOWN_DROP trunk lengths in the median frame: the trunk within 45 deg of
    head-down), with the --rotate that turns it back; None otherwise."""
    shoulders, hips = _trunk_ends(seq)
    trunk = np.linalg.norm(shoulders - hips, axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        drop = (shoulders[:, 1] - hips[:, 1]) / trunk
    drop = drop[np.isfinite(drop)]
    if len(drop) < seq.fps or not float(np.median(drop)) > UPSIDE_DOWN_DROP:
        return None
    # A lifter lying with the feet towards the camera (a floor press filmed from the feet,
    # blurred or dark) can be read head-down too: a picture that plays upright is that.
    return (f"the lifter's shoulders are below the hips (the trunk head-down, median frame): "
            f"the picture looks upside down, or the pose model turned round a lifter lying "
            f"with the feet towards the camera{_turn_hint(180, picture_turn(seq))}")


def turned_picture(seq: PoseSequence, profile: ExerciseProfile, reps: Sequence[Rep]
                   ) -> str | None:
    """Why the picture looks turned on its side for this exercise (or the exercise looks
    wrong for the picture), or None when it looks the right way up."""
    a_name = profile.a_words
    if profile.upright:
        lean = _lockout_lean(seq, reps)
        # A trunk head-down is a picture upside down, not on its side (upside_down_picture).
        if lean is None or lean <= UPRIGHT_DEG or lean >= 180.0 - UPRIGHT_DEG:
            return None
        return (f"the lifter is not upright at lockout (the trunk {lean:.0f} deg from "
                f"vertical), as in {a_name}: the picture looks turned on its side, or this "
                f"is not {a_name}{_turn_hint(_upright_turn(seq), picture_turn(seq))}")
    xy = tracked_point_px(seq, profile.velocity_point, BOTH)
    ratios = []
    for r in reps:
        seg = xy[r.start:r.end + 1]
        seg = seg[np.isfinite(seg).all(axis=1)]
        if len(seg) >= 3:  # partial reps too: a turned clip's reps often read partial
            wide, tall = np.ptp(seg, axis=0)
            ratios.append(wide / max(tall, 1e-9))
    if not ratios or not float(np.median(ratios)) > SIDEWAYS_TRAVEL:
        return None
    point = " and ".join(p.lower() + "s" for p in profile.velocity_point)
    return (f"the {point} move across the picture, not up and down as in {a_name} (each "
            f"rep's travel {float(np.median(ratios)):.1f}x wider than tall): the picture looks "
            f"turned on its side, or this is not {a_name}{sideways_hint(seq)}")


def steadied(seq: PoseSequence, offset: np.ndarray | None, zoom: np.ndarray | None = None
             ) -> PoseSequence:
    """The sequence with held_still's correction (offset, zoom) applied to its image
    landmarks (x, y); world landmarks (hip-centred, metric) and everything else as they were.

    A landmark the picture did not show (outside it: the model's guess for feet cut off
    by a zoom) is left without a position: moved into the picture's bounds by the
    correction, it would otherwise pass for a seen one. One on the picture's edge as
    filmed keeps its position for tracking and gets presence 0, so no fault is read off it
    (kinematics.FAULT_EDGE_MARGIN: in the corrected frame it no longer shows as on the edge).
    """
    image = shown_only(seq.image)
    if image.shape[-1] > PRESENCE:
        filmed = seq.image[..., :2]
        image[in_picture(filmed) & ~in_picture(filmed, -FAULT_EDGE_MARGIN), PRESENCE] = 0.0
    image[:, :, :2] = held_still(image[:, :, :2].astype(np.float64), offset, zoom
                                 ).astype(image.dtype)
    # What was taken out, for the camera movement still left in (unsteadied_path).
    meta = {**seq.meta, "camera_held": {"offset": offset, "zoom": zoom}}
    return dataclasses.replace(seq, image=image, meta=meta)
