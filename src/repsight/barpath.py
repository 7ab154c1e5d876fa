"""The bar of a barbell lift: found near the hands or shoulders, followed through the set.

A full-size plate seen from the side or at an angle is a circle (an ellipse close to one)
whose centre is the bar's end: `follow_plate` finds it with OpenCV's Hough circle
transform in a window the pose proposes (around the hands, or the shoulders for a back
squat), follows it frame to frame in a small window around where it should be, bridges
frames where the circle is hidden (a hand, an arm, motion blur) with Lucas-Kanade optical
flow of the plate's own texture for up to `max_bridge_s`, and re-acquires it near the
pose when it is lost. The pose keeps the track honest: the bar rides with the hands (or
the shoulders), so frames where the plate centre strays from its usual offset to them are
dropped, and stretches too short to be a lift are discarded.

`track_bar` is the video pass (its own decode of the clip at a reduced size, because the
pose pass and its cache know nothing of pixels); everything after it is a pure function
of the track, the poses and the reps (`bar_metrics.py`).
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field, replace
from typing import Callable, Iterable, Iterator

import numpy as np

from .kinematics import BOTH, body_scale_px, tracked_point_px
from .scale import SEGMENT_SHARE_OF_HEIGHT
from .smoothing import true_runs
from .types import PoseSequence

# Bump whenever a change to this module could move a track: cached tracks (cache.py,
# keyed on it) are then found again instead of reused.
BAR_TRACKER_VERSION = 6
# Where a frame's bar position came from.
NONE, CIRCLE, FLOW = 0, 1, 2
SOURCE_NAMES = {NONE: "none", CIRCLE: "plate circle", FLOW: "optical flow"}
# Landmarks whose mean is where the bar rides, by the profile's BarSpec.anchor.
ANCHOR_POINTS: dict[str, tuple[str, ...]] = {
    "hands": ("WRIST", "INDEX"),
    "shoulders": ("SHOULDER",),
}
# Torso (shoulder-mid to hip-mid) as a share of stature (scale.py's table), for a
# plate-size guess when the pose gives no metric scale.
_TORSO_SHARE = SEGMENT_SHARE_OF_HEIGHT["trunk"]
_TYPICAL_STATURE_M = 1.75
# Consecutive frames a plate must be found on before it is followed.
CONFIRM_FRAMES = 3
# While a plate is followed, every this many frames a larger one is looked for near the
# pose (LARGER times its radius at least).
RECHECK_EVERY = 3
LARGER = 1.15
# ... and it must sit within this many radii of the followed plate's height: the bar is
# level, and perspective puts the far plate's centre up to about a radius above or below
# the near one's when the camera is close; the head under a pressed bar is two below.
LEVEL_RADII = 1.25
# The plates sit at the bar's ends, about 0.7 m either side of the hands along a level
# bar: seen at an angle the near plate's centre lies two to three radii beside the hands,
# so the window it is looked for in is this much wider than it is tall.
WIDE = 1.5
# A track on the shoulders centred further above them than this many of its radii is a
# head (see rides_above).
ABOVE_SHOULDERS_RADII = 0.9
# Fastest a bar moves, in plate radii per second: about 2.5 m/s over a 0.225 m radius.
# A followed position that steps further in one frame jumped to something else.
MAX_BAR_SPEED_RADII_S = 11.0
# How whole a rim must be to count as a plate (HoughCircles' param2 of HOUGH_GRADIENT_ALT).
WHOLE_RIM = 0.7
# A plate being followed whose rim is only partly seen (its lower half against a dark
# floor or its own shadow, a hand across it) is taken at this rim completeness
# (HoughCircles' param2) when it is where, and as large as, the plate followed.
PARTIAL_RIM = 0.5
# A plate seen at up to ~50 degrees off its axis is an ellipse whose short axis is this
# share of its diameter or more: circles down to this share of the smallest radius
# sought are fitted inside it (find_circles joins them into the plate).
INSCRIBED = 0.6


@dataclass(frozen=True, eq=False)
class BarTrack:
    """Per-frame bar end (plate centre) found by the bar pass, in the poses' pixels.

    xy_px: float64[T,2] plate centre, NaN where not found or dropped; radius_px:
    float64[T] fitted plate radius (NaN where the position came from flow or nothing);
    source: int8[T] NONE / CIRCLE / FLOW; anchor: where the bar was looked for (hands,
    shoulders); seconds: wall time of the pass; work_scale: frames were searched at
    this share of the poses' size.
    """

    xy_px: np.ndarray
    radius_px: np.ndarray
    source: np.ndarray
    anchor: str
    dropped_by_pose: int = 0  # frames found but too far from where the pose says the bar is
    seconds: float = 0.0
    frames_read: int = 0
    work_scale: float = 1.0
    notes: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        t = len(self.source)
        if self.xy_px.shape != (t, 2) or self.radius_px.shape != (t,):
            raise ValueError(f"bar track arrays disagree: xy {self.xy_px.shape}, "
                             f"radius {self.radius_px.shape}, source ({t},)")

    @property
    def n_frames(self) -> int:
        """Frames covered (those of the pose sequence)."""
        return len(self.source)

    @property
    def found(self) -> np.ndarray:
        """bool[T]: the bar's position is known on that frame."""
        return np.isfinite(self.xy_px[:, 0])

    @property
    def coverage(self) -> float:
        """Share of frames with a bar position (0 for an empty track)."""
        return float(self.found.mean()) if self.n_frames else 0.0

    @property
    def plate_radius_px(self) -> float:
        """Median fitted plate radius (NaN when no circle was fitted)."""
        r = self.radius_px[np.isfinite(self.radius_px)]
        return float(np.median(r)) if r.size else float("nan")

    @property
    def ms_per_frame(self) -> float:
        """Wall time of the pass per decoded frame, in milliseconds."""
        return 1000.0 * self.seconds / self.frames_read if self.frames_read else float("nan")

    def counts(self) -> dict[str, int]:
        """Frames per source name (plate circle, optical flow, none)."""
        return {name: int((self.source == k).sum()) for k, name in SOURCE_NAMES.items()}


def bar_wanted(profile, setting: str) -> bool:
    """Whether to run the bar pass: "on" for any barbell profile, "auto" for those whose
    BarSpec says so, "off" never."""
    bar = getattr(profile, "bar", None)
    if bar is None or setting == "off":
        return False
    return setting == "on" or bar.auto


def expected_plate_radius_px(seq: PoseSequence, px_per_m: float | None,
                             plate_diameter_m: float) -> float:
    """A full-size plate's radius in the poses' pixels: from the body's scale, else its torso."""
    if px_per_m is not None and np.isfinite(px_per_m) and px_per_m > 0:
        return 0.5 * plate_diameter_m * px_per_m
    torso = body_scale_px(seq)
    if not np.isfinite(torso):
        return float("nan")
    return 0.5 * plate_diameter_m * torso / (_TORSO_SHARE * _TYPICAL_STATURE_M)


def anchor_px(seq: PoseSequence, anchor: str) -> np.ndarray:
    """float64[T,2] where the bar rides by the pose (mean of both sides' landmarks)."""
    if anchor not in ANCHOR_POINTS:
        raise ValueError(f"bar anchor must be one of {', '.join(ANCHOR_POINTS)}, got {anchor!r}")
    return tracked_point_px(seq, ANCHOR_POINTS[anchor], BOTH)


# ---------------------------------------------------------------- finding circles


def find_circles(grey: np.ndarray, centre: tuple[float, float], half: float,
                 r_min: float, r_max: float, *, wide: float = 1.0,
                 completeness: float = WHOLE_RIM) -> np.ndarray:
    """float[N,3] (x, y, r) circles in a window of grey, in the frame's pixels.

    grey: uint8 [H,W], or [H,W,C] views of one frame (see frame_channels): the circles
    of every view are pooled. The window reaches `half` pixels above and below centre
    and `wide` (1..3) times that to either side. completeness (0.3..1): how whole a rim
    must be (HoughCircles' param2 of HOUGH_GRADIENT_ALT). The circles of one plate (its
    hub and collar, or those inscribed in it when it is seen at an angle) become one, with
    the plate's full radius, kept when in [r_min, r_max]. Empty when the window leaves
    the frame entirely.
    """
    # OpenCV is imported where pixels are read: a cached track (cache.load_bar_track) and
    # its figures need none of it, and it costs ~60 ms of a cached analysis's start-up.
    import cv2

    h, w = grey.shape[:2]
    cx, cy = centre
    x0, y0 = max(0, int(cx - wide * half)), max(0, int(cy - half))
    x1, y1 = min(w, int(cx + wide * half) + 1), min(h, int(cy + half) + 1)
    if x1 - x0 < 2 * r_min or y1 - y0 < 2 * r_min:
        return np.zeros((0, 3))
    views = grey[..., None] if grey.ndim == 2 else grey
    pooled = []
    for k in range(views.shape[2]):
        roi = cv2.GaussianBlur(np.ascontiguousarray(views[y0:y1, x0:x1, k]), (5, 5), 1.2)
        # the sizes sought, then those of circles inscribed in a plate seen at an angle (one
        # pass over both ranges finds fewer of the first)
        for lo, hi in ((r_min, r_max), (INSCRIBED * r_min, r_min)):
            # HOUGH_GRADIENT_ALT scores how complete a circle's edge is (param2, 0..1), which
            # rejects the arcs of a cluttered gym better than the vote count of the classic
            # method.
            found = cv2.HoughCircles(roi, cv2.HOUGH_GRADIENT_ALT, dp=1.5,
                                     minDist=max(2.0, 0.25 * lo), param1=200,
                                     param2=completeness, minRadius=max(3, int(lo)),
                                     maxRadius=max(4, int(np.ceil(hi))))
            if found is not None:
                pooled.append(found.reshape(-1, 3))
    if not pooled:
        return np.zeros((0, 3))
    c = np.concatenate(pooled).astype(np.float64)
    c[:, 0] += x0
    c[:, 1] += y0
    # One plate, many circles: its hub and collar share its centre, and a plate seen at an
    # angle (an ellipse, narrower than tall: the plates of a level bar stand upright)
    # gives circles inscribed in it at several heights. Each circle joins the largest one
    # whose disc holds its centre, or that stands above or below it (within 1.6 of its
    # radii, half a radius aside); a group whose circles stand at several heights is an
    # ellipse fitted to the rim's edges (_fit_rim), any other the largest of its circles.
    c = c[np.argsort(-c[:, 2])]
    groups: list[list[np.ndarray]] = []
    for circle in c:
        for g in groups:
            dx, dy = np.abs(circle[:2] - g[0][:2])
            if np.hypot(dx, dy) < g[0][2] or (dx < 0.5 * g[0][2] and dy < 1.6 * g[0][2]):
                g.append(circle)
                break
        else:
            groups.append([circle])
    out = []
    for g in groups:
        a = np.array(g)
        centre, radius = a[0, :2], float(a[0, 2])  # the largest, unless an ellipse fits
        big = a[a[:, 2] >= 0.6 * a[0, 2]]
        if len(big) > 1 and np.ptp(big[:, 1]) > 0.15 * a[0, 2]:
            # circles of a size at several heights: an ellipse, not a rim and its hub.
            # Its long axis is at least the largest circle in it; a fit outside
            # [r_min, r_max] or too far beyond that circle is some other outline.
            fit = _fit_rim(views, np.median(big[:, :2], axis=0), radius)
            if fit is not None and r_min <= fit[2] <= r_max and radius <= fit[2] <= 1.8 * radius:
                centre, radius = fit[:2], fit[2]
        if r_min <= radius <= r_max:
            out.append([*centre, radius])
    return np.array(out).reshape(-1, 3)


def _fit_rim(views: np.ndarray, centre: np.ndarray, radius: float) -> np.ndarray | None:
    """(x, y, semi-major axis) of the ellipse the rim's edge points draw around a plate's
    rough centre, or None when too few of them agree on one.

    Edge points (Canny on every view) within 0.5..1.9 radii of the centre whose gradient
    points to or from it (a rim's edge runs across the radius; the sleeve's and an arm's
    run along it) are fitted by random samples of five: the ellipse most points lie on
    (within 8 % of its size), upright or nearly round, wins, and is fitted again on them.
    The long axis is the plate's diameter (a level bar's plates stand upright).
    """
    import cv2  # see find_circles

    h, w = views.shape[:2]
    reach = 2.0 * radius
    x0, y0 = max(0, int(centre[0] - reach)), max(0, int(centre[1] - reach))
    x1, y1 = min(w, int(centre[0] + reach) + 1), min(h, int(centre[1] + reach) + 1)
    if x1 - x0 < 8 or y1 - y0 < 8:
        return None
    found = []
    for k in range(views.shape[2]):
        roi = cv2.GaussianBlur(np.ascontiguousarray(views[y0:y1, x0:x1, k]), (5, 5), 1.2)
        ys, xs = np.nonzero(cv2.Canny(roi, 100, 200))
        gx = cv2.Sobel(roi, cv2.CV_32F, 1, 0)[ys, xs]
        gy = cv2.Sobel(roi, cv2.CV_32F, 0, 1)[ys, xs]
        p = np.stack([xs + x0, ys + y0], axis=1).astype(np.float64)
        u = p - centre
        d = np.hypot(*u.T)
        cos = np.abs(u[:, 0] * gx + u[:, 1] * gy) / np.maximum(d * np.hypot(gx, gy), 1e-9)
        found.append(p[(d > 0.5 * radius) & (d < 1.9 * radius) & (cos > 0.7)])
    pts = np.concatenate(found)
    if len(pts) < 20:
        return None
    rng = np.random.default_rng(len(pts))  # seeded: the same frame gives the same fit

    def residual(e) -> np.ndarray:
        (ex, ey), (ax1, ax2), ang = e
        t = np.radians(ang)
        u = pts - (ex, ey)
        rx = (u[:, 0] * np.cos(t) + u[:, 1] * np.sin(t)) / (0.5 * ax1)
        ry = (-u[:, 0] * np.sin(t) + u[:, 1] * np.cos(t)) / (0.5 * ax2)
        return np.abs(np.hypot(rx, ry) - 1.0)

    def plausible(e) -> bool:
        (ex, ey), (ax1, ax2), ang = e
        if not (np.isfinite(ax1) and np.isfinite(ax2)) or min(ax1, ax2) <= 0:
            return False
        major, minor = 0.5 * max(ax1, ax2), 0.5 * min(ax1, ax2)
        # the long axis stands within 30 degrees of upright unless nearly round
        tilt = (ang if ax2 >= ax1 else ang + 90.0) % 180.0
        upright = min(tilt, 180.0 - tilt) <= 30.0 or minor > 0.9 * major
        return (minor >= 0.55 * major and upright and 0.6 * radius < major < 2.0 * radius
                and np.hypot(ex - centre[0], ey - centre[1]) < 0.8 * radius)

    best, best_n = None, 0
    for _ in range(80):
        e = cv2.fitEllipse(pts[rng.choice(len(pts), 5, replace=False)].astype(np.float32))
        if not plausible(e):
            continue
        n = int((residual(e) < 0.08).sum())
        if n > best_n:
            best, best_n = e, n
    if best is None or best_n < 20:
        return None
    inliers = pts[residual(best) < 0.08]
    e = cv2.fitEllipse(inliers.astype(np.float32))
    if not plausible(e):
        e = best
    # most of the rim must be there: inliers cover a good share of its circumference
    (ex, ey), (ax1, ax2), _ = e
    if best_n < 0.4 * np.pi * 0.5 * (ax1 + ax2):
        return None
    return np.array([ex, ey, 0.5 * max(ax1, ax2)])


def frame_channels(rgb: np.ndarray) -> np.ndarray:
    """uint8 [H,W,2] views of an RGB frame the plate is looked for in: grey, and chroma
    (max - min of the channels). A coloured bumper plate (red, blue, green) on a grey
    floor can be the floor's own grey; its colour still sets it apart. A black plate has
    no chroma, and grey finds it."""
    import cv2  # see find_circles

    grey = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)
    chroma = rgb.max(axis=2) - rgb.min(axis=2)
    return np.dstack([grey, chroma])


def _flow_shift(prev: np.ndarray, cur: np.ndarray, centre: np.ndarray, radius: float
                ) -> np.ndarray | None:
    """Median Lucas-Kanade shift of the plate's texture between two frames, or None."""
    import cv2  # see find_circles

    mask = np.zeros_like(prev)
    cv2.circle(mask, (int(round(centre[0])), int(round(centre[1]))), max(3, int(radius)), 255, -1)
    pts = cv2.goodFeaturesToTrack(prev, maxCorners=40, qualityLevel=0.01,
                                  minDistance=max(2, int(radius / 8)), mask=mask)
    if pts is None or len(pts) < 5:
        return None
    win = (15, 15)
    nxt, ok, _ = cv2.calcOpticalFlowPyrLK(prev, cur, pts, None, winSize=win, maxLevel=2)
    back, ok2, _ = cv2.calcOpticalFlowPyrLK(cur, prev, nxt, None, winSize=win, maxLevel=2)
    # Forward-backward check: a point that does not come back to itself was lost.
    good = (ok[:, 0] == 1) & (ok2[:, 0] == 1) & (np.linalg.norm((back - pts)[:, 0], axis=1) < 1.0)
    if good.sum() < 5:
        return None
    return np.median((nxt - pts)[good, 0], axis=0).astype(np.float64)


# ---------------------------------------------------------------- following the plate


@dataclass
class _State:
    centre: np.ndarray | None = None
    velocity: np.ndarray = field(default_factory=lambda: np.zeros(2))
    radius: float = float("nan")
    radii: list = field(default_factory=list)
    bridged: int = 0


def follow_plate(frames: Iterable[np.ndarray], anchors: np.ndarray, plate_radius_px: float, *,
                 fps: float, max_bridge_s: float = 0.5, search_radii: float = 3.0,
                 radius_range: tuple[float, float] = (0.65, 1.7),
                 probe_frames: int | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Plate centre, radius and source on every frame of `frames` (grey uint8 images, or
    [H,W,C] views of each whose first is grey: frame_channels).

    anchors: float[T,2] where the pose says the bar rides, in the frames' pixels (NaN
    where no pose). plate_radius_px: expected radius in the frames' pixels. A plate is
    acquired within search_radii (1..6) expected radii above or below the anchor and WIDE
    times that to either side (the plates sit along a level bar), with a radius in
    radius_range (shares of the expected one; the near plate is closer to the camera than
    the lifter, so larger; from 0.65, because a head is an upright ellipse about half a
    plate's size, and circles inscribed in ellipses are now joined into one); then followed with the radius it was found at (+/- 25 %; a
    rim only partly seen is taken at +/- 10 % right where it should be), bridged by
    optical flow for up to max_bridge_s (0..2 s). Returns (xy float[T,2],
    radius float[T], source int8[T]) before the pose gate (see gate_by_pose).
    probe_frames: stop reading frames when no plate was found in this many frames with a
    pose (None: read them all).
    """
    n = len(anchors)
    xy = np.full((n, 2), np.nan)
    rad = np.full(n, np.nan)
    src = np.zeros(n, dtype=np.int8)
    max_bridge = int(round(max_bridge_s * fps))
    r0 = float(plate_radius_px)
    st = _State()
    prev = None
    posed = 0
    ever = False
    pending: list[list[tuple[int, np.ndarray]]] = []
    for i, grey in enumerate(frames):
        if i >= n:
            break
        a = anchors[i]
        posed += bool(np.all(np.isfinite(a)))
        if probe_frames is not None and not ever and posed > probe_frames:
            break
        got = None
        if st.centre is not None:
            predicted = st.centre + st.velocity
            r = st.radius
            # (radius range, rim completeness, how far from the prediction) of each try: a
            # whole rim near where the plate should be; else, with part of the rim hidden or
            # against something as dark, a less complete one right there, at its size
            for lo, hi, whole, near in ((0.75, 1.25, WHOLE_RIM, 0.5),
                                        (0.9, 1.1, PARTIAL_RIM, 0.25)):
                circles = find_circles(grey, tuple(predicted), 1.2 * r + np.hypot(*st.velocity),
                                       lo * r, hi * r, completeness=whole)
                if len(circles):
                    d = np.hypot(*(circles[:, :2] - predicted).T)
                    k = int(np.argmin(d))
                    if d[k] < near * r:
                        got = circles[k]
                        break
            shift = None
            if got is None and prev is not None and st.bridged < max_bridge:
                shift = _flow_shift(_grey(prev), _grey(grey), st.centre, 0.9 * r)
            if shift is not None:
                st.velocity = 0.5 * st.velocity + 0.5 * shift
                st.centre = st.centre + shift
                st.bridged += 1
                xy[i], src[i] = st.centre, FLOW
            elif got is None:
                st = _State()  # lost: look again near the pose
                pending.clear()
        if (st.centre is not None and i % RECHECK_EVERY == 0 and np.all(np.isfinite(a))
                and st.radius * LARGER < radius_range[1] * r0):
            # A larger plate near the pose than the one followed: the near plate, where
            # the far one (or a round thing on the lifter) was taken first.
            bigger = find_circles(grey, tuple(a), search_radii * r0, LARGER * st.radius,
                                  radius_range[1] * r0, wide=WIDE)
            # The two plates sit at the ends of a level bar, so the near one is at about
            # the height of the one followed; a larger round thing well above or below it
            # (the head under a pressed bar) is not a plate.
            if len(bigger):
                bigger = bigger[np.abs(bigger[:, 1] - st.centre[1]) <= LEVEL_RADII * st.radius]
            confirmed = _confirm(pending, bigger, i, max_step=RECHECK_EVERY)
            if confirmed is not None:
                pending.clear()
                st = _State(radii=[float(c[2]) for _, c in confirmed])
                got = confirmed[-1][1]
        if got is None and st.centre is None and np.all(np.isfinite(a)):
            circles = find_circles(grey, tuple(a), search_radii * r0,
                                   radius_range[0] * r0, radius_range[1] * r0, wide=WIDE)
            # inside the window's ellipse: search_radii above and below, WIDE times it aside
            d = (np.hypot((circles[:, 0] - a[0]) / WIDE, circles[:, 1] - a[1]) if len(circles)
                 else np.zeros(0))
            confirmed = _confirm(pending, circles[d <= search_radii * r0], i)
            if confirmed is not None:
                # Back-fill the frames that confirmed it, then follow it from here.
                for k, c in confirmed:
                    xy[k], rad[k], src[k] = c[:2], c[2], CIRCLE
                    st.radii.append(float(c[2]))
                pending.clear()
                got = confirmed[-1][1]
        elif st.centre is None:
            pending.clear()
        if got is not None:
            centre = got[:2].copy()
            if st.centre is not None:
                st.velocity = 0.5 * st.velocity + 0.5 * (centre - st.centre)
            st.centre = centre
            st.radii.append(float(got[2]))
            st.radius = float(np.median(st.radii[-15:]))
            st.bridged = 0
            xy[i], rad[i], src[i] = centre, got[2], CIRCLE
            ever = True
        prev = grey
    return xy, rad, src


def _grey(frame: np.ndarray) -> np.ndarray:
    """The grey view of a frame (itself when it is one)."""
    return frame if frame.ndim == 2 else np.ascontiguousarray(frame[..., 0])


def _confirm(pending: list[list[tuple[int, np.ndarray]]], circles: np.ndarray, frame: int,
             need: int = CONFIRM_FRAMES, max_step: int = 1
             ) -> list[tuple[int, np.ndarray]] | None:
    """Grow the runs of candidate plates with this frame's circles; a run of `need` wins.

    A plate is acquired only when it is found on `need` consecutive looks (max_step
    frames apart at most), moving less than a third of its radius a frame and keeping its
    size within 20 %: the arc of a shoulder or a mirror frame seldom holds still that well. Among runs completed on the
    same frame the largest circle wins (the near plate, not the far one).
    """
    grown: list[list[tuple[int, np.ndarray]]] = []
    used = np.zeros(len(circles), dtype=bool)
    for run in pending:
        k, last = run[-1]
        if frame - k > max_step or not len(circles):
            continue
        d = np.hypot(*(circles[:, :2] - last[:2]).T)
        size = np.abs(circles[:, 2] / last[2] - 1.0)
        # A bar moves up to ~2 m/s: a third of a plate's radius a frame at 30 fps.
        fits = np.flatnonzero((d < last[2] * min(1.0, (frame - k) / 3)) & (size < 0.2) & ~used)
        if fits.size:
            j = int(fits[np.argmin(d[fits])])
            used[j] = True
            grown.append([*run, (frame, circles[j])])
    grown.extend([(frame, c)] for c, u in zip(circles, used) if not u)
    pending[:] = grown
    done = [run for run in grown if len(run) >= need]
    if not done:
        return None
    return max(done, key=lambda run: run[-1][1][2])


def rides_above(xy: np.ndarray, anchors: np.ndarray, plate_radius_px: float) -> bool:
    """Whether a track on the shoulders sits more than ABOVE_SHOULDERS_RADII of its radius
    above them (median over frames): the head, not a bar on the back.

    A bar on the back or the front of the shoulders rests at the shoulders' height: the
    rendered squats' plates sit -0.43..+0.28 radii from it, side-on and at 45 degrees,
    the real back squat at 45 degrees -0.35. A bodyweight squat's head, once taken for a
    plate and carried by optical flow through two reps, sat 1.25 of its radii above.
    """
    dy = (np.asarray(xy, dtype=np.float64)[:, 1] - anchors[:, 1])
    dy = dy[np.isfinite(dy)]
    if not dy.size or not np.isfinite(plate_radius_px) or plate_radius_px <= 0:
        return False
    return bool(np.median(dy) < -ABOVE_SHOULDERS_RADII * plate_radius_px)


def _lagging_pose(xy: np.ndarray, stray: np.ndarray, plate_radius_px: float, fps: float,
                  max_lag_s: float) -> np.ndarray:
    """bool[T]: stray frames where the pose lagged the plate, not the plate the pose.

    MediaPipe's wrists trail a curl's forearm while it swings up in front of the plate
    (on the rendered side-view curls the hands sat 1.0-1.4 plate radii below the plate
    in mid-lift and back on it at the top), so mid-concentric frames failed the offset
    test with the plate in plain sight. A stray run is the plate when it is bounded by
    kept frames, no longer than max_lag_s, followed on every frame, and never steps
    further in one frame than a bar moves (MAX_BAR_SPEED_RADII_S): something else round
    enters or leaves with a jump.
    """
    out = np.zeros(len(xy), dtype=bool)
    found = np.isfinite(xy[:, 0])
    max_step = MAX_BAR_SPEED_RADII_S * plate_radius_px / max(fps, 1e-6)
    for k, j in true_runs(stray):
        if k == 0 or j >= len(xy) or j - k > max_lag_s * fps:
            continue
        if not (found[k - 1] and found[j] and not stray[k - 1] and not stray[j]):
            continue
        path = xy[k - 1:j + 1]
        if np.isfinite(path).all() and np.hypot(*np.diff(path, axis=0).T).max() <= max_step:
            out[k:j] = True
    return out


def gate_by_pose(xy: np.ndarray, anchors: np.ndarray, plate_radius_px: float, fps: float, *,
                 max_offset_radii: float = 1.0, min_run_s: float = 0.3, max_lag_s: float = 1.0
                 ) -> tuple[np.ndarray, np.ndarray]:
    """Keep only what rides with the pose: (xy with strays set to NaN, bool[T] dropped).

    The bar keeps a steady offset to the hands (or shoulders) through a lift: frames whose
    offset differs from the track's median offset by more than max_offset_radii plate
    radii (0.5..5) are dropped, and runs of found frames shorter than min_run_s (0..2 s)
    are too short to be a lift followed (a round thing passing by). A stray run of up to
    max_lag_s (0..2 s) between kept frames is kept when the plate moved through it
    without a jump (see _lagging_pose).
    """
    xy = np.array(xy, dtype=np.float64)
    found = np.isfinite(xy[:, 0])
    offset = xy - anchors
    ok = found & np.isfinite(offset[:, 0])
    dropped = np.zeros(len(xy), dtype=bool)
    if ok.sum() >= 3:
        med = np.median(offset[ok], axis=0)
        stray = ok & (np.hypot(*(offset - med).T) > max_offset_radii * plate_radius_px)
        stray &= ~_lagging_pose(xy, stray, plate_radius_px, fps, max_lag_s)
        dropped |= stray
    # Frames without a pose cannot be checked; they keep the plate if it is tracked.
    xy[dropped] = np.nan
    found = np.isfinite(xy[:, 0])
    min_run = max(1, int(round(min_run_s * fps)))
    for k, j in true_runs(found):
        if j - k < min_run:
            xy[k:j] = np.nan
            dropped[k:j] = True
    return xy, dropped


# ---------------------------------------------------------------- the video pass


def _aligned_frames(video: str | os.PathLike, seq: PoseSequence, work_long_side: int,
                    indices: list[int],
                    progress: Callable[[int, int], None] | None = None) -> Iterator[np.ndarray]:
    """Frames as frame_channels views, one per pose frame in order (appending each one's
    index to indices).

    Decoded frames are matched to the poses by time; a pose frame the decoder did not give
    again (a damaged stream) gets the frame before it.
    """
    from .types import picture_turn, slow_motion
    from .video import VideoReader

    reader = VideoReader(video, max_long_side=work_long_side, turn=picture_turn(seq))
    # The file's own times (a slow-motion clip's poses are timed as lifted).
    t = np.asarray(seq.timestamps_s, dtype=np.float64) * slow_motion(seq)
    half = 0.5 * slow_motion(seq) / seq.fps
    last = -1
    for frame in reader:
        k = int(np.searchsorted(t, frame.time_s - half))
        if k >= len(t):
            break
        if abs(t[k] - frame.time_s) > half:
            continue  # a frame the pose pass did not keep
        views = frame_channels(frame.rgb)
        if progress is not None and k % 16 == 0:
            progress(k, len(t))
        while last < k:
            last += 1
            indices.append(last)
            yield views


def track_bar(video: str | os.PathLike, seq: PoseSequence, anchor: str, *,
              px_per_m: float | None = None, plate_diameter_m: float = 0.45,
              probe_s: float = 3.0, work_radius_px: float = 40.0,
              max_bridge_s: float = 0.5, view: str | None = None,
              progress: Callable[[int, int], None] | None = None) -> BarTrack:
    """Find and follow the bar's near plate through a clip, aligned with its poses.

    anchor: "hands" or "shoulders" (profiles.BarSpec). px_per_m: the body's scale, which
    predicts the plate's size (else a typical torso does). probe_s: when no plate is found
    in this many seconds of frames with a person (0.5..60), the pass stops early (a lift
    without full-size plates, or a front view) and says so. work_radius_px: frames are
    decoded at the size where the expected plate radius is this many pixels (20..120),
    which bounds the cost per frame. view: the camera view the set was read in
    (form.detect_view's; detected here when None).
    """
    from .video import scaled_size

    started = time.perf_counter()
    n = seq.n_frames
    empty = BarTrack(np.full((n, 2), np.nan), np.full(n, np.nan), np.zeros(n, dtype=np.int8),
                     anchor)
    anchors = anchor_px(seq, anchor)
    r_full = expected_plate_radius_px(seq, px_per_m, plate_diameter_m)
    if not np.isfinite(r_full) or not np.isfinite(anchors).any():
        return replace(empty, seconds=time.perf_counter() - started,
                       notes=("no pose to say where the bar is",))
    if view is None:
        from .form import detect_view

        view = detect_view(seq)
    if view == "front":
        # Seen from the front (or from the feet) the plates are edge-on: no circle to
        # find, and every round thing left near the hands (an elbow, a shoulder) is wrong.
        return replace(empty, seconds=time.perf_counter() - started, notes=(
            "front view: the plates are seen edge-on; the bar is followed only from the "
            "side or at an angle",))
    long_side = max(seq.width, seq.height)
    work_long = int(np.clip(round(long_side * work_radius_px / r_full), 160, long_side))
    # The reader fits the decoded size itself (even numbers): convert with its ratios.
    ww, wh = scaled_size(seq.width, seq.height, work_long)
    fx, fy = ww / seq.width, wh / seq.height
    indices: list[int] = []
    frames = _aligned_frames(video, seq, work_long, indices, progress)
    xy_w, rad_w, src = follow_plate(frames, anchors * np.array([fx, fy]), r_full * fx,
                                    fps=seq.fps, max_bridge_s=max_bridge_s,
                                    probe_frames=max(1, int(round(probe_s * seq.fps))))
    frames.close()
    m = len(indices)
    xy = xy_w / np.array([fx, fy])
    rad = rad_w / fx
    seconds = time.perf_counter() - started
    if not (src == CIRCLE).any():
        return replace(empty, seconds=seconds, frames_read=m, work_scale=fx, notes=(
            f"no full-size plate found near the {anchor} in the first {probe_s:g} s with a "
            "person (a lift without plates, plates seen edge-on from the front, or hidden)",))
    radius = float(np.nanmedian(rad))
    gated, dropped = gate_by_pose(xy, anchors, radius, seq.fps)
    if anchor == "shoulders" and rides_above(gated, anchors, radius):
        return replace(empty, seconds=time.perf_counter() - started, frames_read=m, work_scale=fx,
                       notes=("the round thing followed rides above the shoulders: a head, "
                              "not a plate on the back",))
    source = np.where(np.isfinite(gated[:, 0]), src, NONE).astype(np.int8)
    rad = np.where(source == CIRCLE, rad, np.nan)
    return BarTrack(gated, rad, source, anchor, dropped_by_pose=int(dropped.sum()),
                    seconds=time.perf_counter() - started, frames_read=m, work_scale=fx)
