"""Pixels -> metres: from the lifter's height, or from MediaPipe's metric limb lengths.

MediaPipe's world landmarks are hip-centred, so they carry limb lengths in metres but no
global motion; displacement and velocity must come from image coordinates scaled here.
Both methods measure body segments in the image (pixels) and divide by the same segments'
length in metres, because a segment's 2D length is unchanged by bending the joints next to
it (a squatting thigh is as long as a standing one in a side view); only foreshortening
(a segment turned towards the camera) shortens it, which the high percentile over frames
and the median across segments guard against.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .landmarks import LM, VISIBILITY
from .types import PoseSequence

# Segment lengths as a share of stature, from Drillis & Contini (1966) as tabulated in
# Winter, "Biomechanics and Motor Control of Human Movement" (4th ed., 2009, fig. 4.1):
# shoulder 0.818 H, hip (greater trochanter) 0.530 H, knee 0.285 H, ankle 0.039 H,
# upper arm 0.186 H, forearm 0.146 H. MediaPipe's landmark centres are not the table's
# joint centres, so these carry a few per cent of bias; see HEIGHT_RATIO_UNCERTAINTY.
SEGMENT_SHARE_OF_HEIGHT: dict[str, float] = {
    "trunk": 0.818 - 0.530,  # shoulder to hip
    "thigh": 0.530 - 0.285,  # hip to knee
    "shank": 0.285 - 0.039,  # knee to ankle
    "upper_arm": 0.186,
    "forearm": 0.146,
}
# Trunk and leg segments are long (less relative pixel noise) and MediaPipe's metric arms
# read ~15 % short on rendered bodies of known size, so arms only stand in when fewer than
# two trunk/leg segments are usable (e.g. a close-up curl).
PRIMARY_SEGMENTS = ("trunk", "thigh", "shank")
SEGMENTS: dict[str, tuple[str, str]] = {
    "trunk": ("SHOULDER", "HIP"),
    "thigh": ("HIP", "KNEE"),
    "shank": ("KNEE", "ANKLE"),
    "upper_arm": ("SHOULDER", "ELBOW"),
    "forearm": ("ELBOW", "WRIST"),
}
# People differ from the table's average proportions by roughly this much (1 sigma).
HEIGHT_RATIO_UNCERTAINTY = 0.04
# MediaPipe's metric limbs come from a body model fitted to the image, and shrink or
# grow towards an average adult; on five rendered bodies of known size the estimate was
# within 4 % of the truth (trunk and legs), so 8 % (1 sigma) is a cautious allowance.
WORLD_LIMB_UNCERTAINTY = 0.08
# Full-size plates are 450 mm across (bumper and competition plates; old iron ones 440-450),
# and a rim seen at an angle is an ellipse whose fitted circle lies between its axes:
# 3 % for the plate, 4 % for the fit (1 sigma), before the spread over frames.
PLATE_UNCERTAINTY = 0.05


@dataclass(frozen=True)
class Scale:
    """Pixels per metre at the lifter, how it was found and how sure it is.

    method: "height" (from the given stature), "limbs" (MediaPipe world limb lengths),
    "plate" (a barbell plate of known diameter, at the bar's depth: barpath.py), or
    "none" (no usable segments: velocities are NaN). rel_uncertainty is a 1-sigma
    relative error combining the spread across segments with the method's own bias.
    """

    px_per_m: float
    method: str
    rel_uncertainty: float
    segments: dict = field(default_factory=dict)  # segment name -> px/m it alone gives
    n_frames: int = 0  # frames that contributed
    note: str = ""

    def __post_init__(self) -> None:
        if self.method not in ("height", "limbs", "plate", "none"):
            raise ValueError(f"unknown scale method {self.method!r}")
        if self.method != "none" and not (np.isfinite(self.px_per_m) and self.px_per_m > 0):
            raise ValueError(f"bad scale {self.px_per_m!r} px/m")

    @property
    def valid(self) -> bool:
        """A usable scale was found."""
        return self.method != "none"

    @property
    def m_per_px(self) -> float:
        """Metres per pixel (NaN without a scale)."""
        return 1.0 / self.px_per_m if self.valid else float("nan")

    def describe(self) -> str:
        """One line for reports, e.g. 'limbs: 412 px/m +/- 8 %'."""
        if not self.valid:
            return f"none ({self.note})" if self.note else "none"
        return f"{self.method}: {self.px_per_m:.0f} px/m +/- {100 * self.rel_uncertainty:.0f} %"


def _segment_px(seq: PoseSequence, a: str, b: str, side: str,
                min_visibility: float) -> np.ndarray:
    """float[T,2] one segment in the image (a minus b, pixels); NaN where an end is not
    visible."""
    ia, ib = LM[f"{side}_{a}"], LM[f"{side}_{b}"]
    d = seq.pixels(ia) - seq.pixels(ib)
    vis = np.minimum(seq.image[:, ia, VISIBILITY], seq.image[:, ib, VISIBILITY])
    d[~(vis >= min_visibility)] = np.nan
    return d


def _segment_lengths_px(seq: PoseSequence, a: str, b: str, side: str,
                        min_visibility: float) -> np.ndarray:
    """float[T] image length of one segment in pixels; NaN where an end is not visible."""
    d = _segment_px(seq, a, b, side, min_visibility)
    return np.hypot(d[:, 0], d[:, 1])


def _robust_length(values: np.ndarray, percentile: float, min_frames: int) -> float:
    """High percentile of the finite values (foreshortening only shortens), NaN if too few."""
    v = values[np.isfinite(values)]
    if v.size < min_frames:
        return float("nan")
    return float(np.percentile(v, percentile))


def _combine(per_segment: dict[str, float], method: str, bias: float, n_frames: int,
             note: str) -> Scale:
    """Median across segments; uncertainty = robust spread across them (+) the method's bias."""
    usable = {k: v for k, v in per_segment.items() if np.isfinite(v) and v > 0}
    primary = {k: v for k, v in usable.items() if k.split("_", 1)[1] in PRIMARY_SEGMENTS}
    if len(primary) >= 2:
        usable = primary
    vals = np.array(list(usable.values()))
    if vals.size == 0:
        return Scale(float("nan"), "none", float("nan"), {}, 0,
                     "no trunk, leg or arm segment visible on enough frames")
    med = float(np.median(vals))
    if vals.size >= 3:
        # 1.4826 * MAD estimates sigma; divided by sqrt(n) for the median's own error.
        spread = 1.4826 * float(np.median(np.abs(vals - med))) / med / np.sqrt(vals.size)
    else:
        spread = bias  # two segments or fewer cannot tell us their own spread
    return Scale(med, method, float(np.hypot(spread, bias)),
                 {k: round(v, 2) for k, v in usable.items()},
                 n_frames, note)


def scale_from_height(seq: PoseSequence, height_m: float, *, min_visibility: float = 0.5,
                      percentile: float = 90.0, min_frames: int = 5) -> Scale:
    """Pixels per metre from the lifter's stature and image segment lengths.

    height_m: stature in metres, 0.8..2.6. min_visibility: landmark visibility gate, 0..1.
    percentile: per-segment percentile of image length over frames, 50..100 (high, because
    foreshortening only shortens). min_frames: frames a segment needs to count, >= 1.
    """
    if not 0.8 <= height_m <= 2.6:
        raise ValueError(f"height_m must be 0.8..2.6 m, got {height_m!r}")
    per_segment: dict[str, float] = {}
    used = np.zeros(seq.n_frames, dtype=bool)
    for name, (a, b) in SEGMENTS.items():
        metres = SEGMENT_SHARE_OF_HEIGHT[name] * height_m
        for side in ("LEFT", "RIGHT"):
            px = _segment_lengths_px(seq, a, b, side, min_visibility)
            used |= np.isfinite(px)
            per_segment[f"{side.lower()}_{name}"] = _robust_length(px, percentile, min_frames) / metres
    return _combine(per_segment, "height", HEIGHT_RATIO_UNCERTAINTY, int(used.sum()),
                    f"stature {height_m:.2f} m, segment shares from Drillis & Contini")


def scale_from_world(seq: PoseSequence, *, min_visibility: float = 0.5,
                     min_in_plane: float = 0.85, min_upright: float = 0.9,
                     percentile: float = 75.0, min_frames: int = 5) -> Scale:
    """Pixels per metre from MediaPipe's metric limb lengths against the same limbs in pixels.

    Per frame and segment, px/m = image length / world length projected on the image plane
    (world x, y; MediaPipe's world axes follow the camera's), kept only where the segment
    lies nearly parallel to the image (in-plane share of its world length >= min_in_plane,
    0..1), so depth errors matter little. Segments upright in the image (the vertical
    share of their image length >= min_upright, 0..1) are used when two or more were
    upright on enough frames: a camera turned about the vertical (an oblique view) does
    not shorten them, while a segment lying across the view (a push-up's trunk and legs
    at 45 degrees) is shortened in the image by more than MediaPipe's world depth shows
    (on rendered oblique push-ups the trunk and legs gave 74-91 % of the true scale, the
    upright arms 88-117 %). percentile: over frames, 50..100; min_frames >= 1.
    """
    per_segment: dict[str, float] = {}
    upright: dict[str, float] = {}
    used = np.zeros(seq.n_frames, dtype=bool)
    used_upright = np.zeros(seq.n_frames, dtype=bool)
    for name, (a, b) in SEGMENTS.items():
        for side in ("LEFT", "RIGHT"):
            d = _segment_px(seq, a, b, side, min_visibility)
            px = np.hypot(d[:, 0], d[:, 1])
            dw = (seq.world[:, LM[f"{side}_{a}"]] - seq.world[:, LM[f"{side}_{b}"]]).astype(np.float64)
            full = np.linalg.norm(dw, axis=1)
            in_plane = np.hypot(dw[:, 0], dw[:, 1])
            with np.errstate(invalid="ignore", divide="ignore"):
                ratio = px / in_plane
                ok = (in_plane / full >= min_in_plane) & (full > 0.05)
                up = np.abs(d[:, 1]) / px >= min_upright
            ratio[~ok] = np.nan
            used |= np.isfinite(ratio)
            used_upright |= np.isfinite(ratio) & up
            key = f"{side.lower()}_{name}"
            per_segment[key] = _robust_length(ratio, percentile, min_frames)
            upright[key] = _robust_length(np.where(up, ratio, np.nan), percentile, min_frames)
    if sum(1 for v in upright.values() if np.isfinite(v)) >= 2:
        return _combine(upright, "limbs", WORLD_LIMB_UNCERTAINTY, int(used_upright.sum()),
                        "MediaPipe world limb lengths vs image limbs (upright segments)")
    return _combine(per_segment, "limbs", WORLD_LIMB_UNCERTAINTY, int(used.sum()),
                    "MediaPipe world limb lengths vs image limbs")


def estimate_scale(seq: PoseSequence, height_m: float | None = None, *,
                   min_visibility: float = 0.5) -> Scale:
    """The scale to use: from the height when given, else from world limb lengths."""
    if height_m is not None:
        s = scale_from_height(seq, height_m, min_visibility=min_visibility)
        if s.valid:
            return s
    return scale_from_world(seq, min_visibility=min_visibility)


def scale_from_plate(radii_px: np.ndarray, diameter_m: float, *, min_frames: int = 10,
                     frames_per_sample: int = 10) -> Scale:
    """Pixels per metre at the bar from fitted plate radii (px) and the plate's diameter.

    The plate is at the bar's end, nearer the camera (side view) than the lifter's middle,
    so this scale belongs to the plate's own motion, not to the body's. diameter_m:
    0.2..0.6 m; min_frames: fitted frames needed (>= 1); frames_per_sample: neighbouring
    frames share their error, so the spread's sample count is frames / this (>= 1).
    """
    if not 0.2 <= diameter_m <= 0.6:
        raise ValueError(f"plate diameter must be 0.2..0.6 m, got {diameter_m!r}")
    r = np.asarray(radii_px, dtype=np.float64)
    r = r[np.isfinite(r) & (r > 0)]
    if r.size < min_frames:
        return Scale(float("nan"), "none", float("nan"), {}, int(r.size),
                     f"a plate was fitted on {r.size} frames, fewer than {min_frames}")
    med = float(np.median(r))
    n_eff = max(1.0, r.size / frames_per_sample)
    spread = 1.4826 * float(np.median(np.abs(r - med))) / med / np.sqrt(n_eff)
    return Scale(2.0 * med / diameter_m, "plate", float(np.hypot(spread, PLATE_UNCERTAINTY)),
                 {"plate_radius_px": round(med, 2)}, int(r.size),
                 f"plate {1000 * diameter_m:.0f} mm across, fitted on {r.size} frames")
