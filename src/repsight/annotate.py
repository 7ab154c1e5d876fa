"""Overlay drawing on video frames, fed by a finished SetAnalysis and its PoseSequence.

The work splits in three layers so that only the last one touches files:
`build_plan` turns an analysis into an `OverlayPlan` (pure), `frame_state` says what is
true at one frame (pure), `draw_frame` paints one RGB frame (pure apart from mutating the
array it is given), and `render_video` streams frames from the source through them into
an H.264 MP4, one frame in memory at a time.
"""

from __future__ import annotations

import dataclasses
import functools
import math
import os
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Mapping, Sequence

import cv2
import numpy as np

from .errors import OutputError
from .export import atomic_path
from .landmarks import LM, PRESENCE, SKELETON_EDGES, VISIBILITY
from .smoothing import seen_mean, true_runs
from .table import format_number
from .segmentation import out_of_range
from .types import VERDICT_KINDS, PoseSequence, Rep, slow_motion

ProgressFn = Callable[[int, int], None]

# Colours are RGB because frames are RGB (VideoReader/VideoWriter speak rgb24).
WHITE = (255, 255, 255)
BLACK = (0, 0, 0)
GREEN = (60, 220, 90)
YELLOW = (255, 210, 40)
ORANGE = (255, 140, 30)
RED = (235, 40, 40)
CYAN = (40, 210, 255)
GREY = (150, 150, 150)
PHASE_COLOURS = {"eccentric": ORANGE, "bottom pause": YELLOW, "concentric": GREEN,
                 "top pause": CYAN, "not tracked": GREY}
FONT = cv2.FONT_HERSHEY_SIMPLEX
# Landmarks drawn with less visibility than this are likely guessed by the model.
MIN_DRAW_VISIBILITY = 0.5
# How much of the tracked point's recent path is drawn behind it.
TRAIL_S = 1.0
MAX_BANNER_LINES = 4
# The bar path: one colour a rep (cycled), the rep under way drawn thicker.
BAR_COLOURS = ((255, 90, 200), (90, 200, 255), (255, 230, 60), (120, 255, 120), (255, 150, 60))
# How long a rep's summary banner and a failure banner stay up after the rep ends.
REP_BANNER_S = 1.5


@dataclass(frozen=True)
class RepRow:
    """One line of the per-rep table, shown from the frame the rep ends."""

    index: int
    end_frame: int
    tempo: str  # eccentric-bottom-concentric-top in seconds, "" when unknown
    concentric_s: float
    mean_velocity: float  # mean concentric velocity (m/s, or the analysis's unit)
    velocity_loss_pct: float
    note: str = ""  # "partial", "incomplete", a failure kind
    banner_until: int = -1  # last frame of this rep's summary banner
    # First frame its loss is known: it is read against the best of the baseline reps, so
    # not before the last of them has ended (rep 1's loss waits for rep 2).
    loss_from_frame: int = -1


@dataclass(frozen=True)
class FailureBanner:
    """A failure verdict, announced once its evidence is in: from the last frame it was
    judged on (a tempo failure at the end of the slow concentric, a technical one at the
    end of the rep), not while the rep is still to be lifted."""

    rep_index: int
    start_frame: int
    end_frame: int
    kind: str
    reason: str


@dataclass(frozen=True, eq=False)
class OverlayPlan:
    """Everything the overlay needs, precomputed once per clip (frame indices throughout).

    velocity: float64[T] live velocity of the tracked point, NaN where not measured, or
    None when the analysis carries no per-frame velocity.
    """

    exercise: str
    reps: tuple[Rep, ...]
    rows: tuple[RepRow, ...]
    banners: tuple[FailureBanner, ...]
    point_track: np.ndarray | None = None  # float[T,2] the tracked (velocity) point, 0..1 coords, NaN unseen
    velocity: np.ndarray | None = None
    velocity_unit: str = "m/s"
    bar_track: np.ndarray | None = None  # float[T,2] the bar's plate centre, 0..1 coords, NaN unseen
    # float[G,G] share of the tracked frames in which the lifter's box covers each cell of
    # a G x G grid over the picture (rows top to bottom); None: not known. The per-rep
    # table goes where it covers the lifter least (table_place).
    lifter_cover: np.ndarray | None = None
    # A clip cut into sets (camera cuts): each rep's (set, rep in that set), as the results
    # number them; the counter and the table number the reps through the clip. Empty for
    # a clip of one set.
    set_of: Mapping[int, tuple[int, int]] = field(default_factory=dict)

    def named(self, index: int, *, short: bool = False) -> str:
        """A rep as the overlay names it: "rep 7", or in a cut clip "rep 7 (set 2, rep 3)"
        (short: "set 2 rep 3", beside the counter that numbers reps through the clip)."""
        where = self.set_of.get(index)
        if where is None:
            return f"rep {index}"
        return (f"set {where[0]} rep {where[1]}" if short
                else f"rep {index} (set {where[0]}, rep {where[1]})")

    def set_first(self, banners: Sequence["FailureBanner"], banner: "FailureBanner") -> "FailureBanner":
        """The first of `banners` in `banner`'s set: each set of a cut clip has its own
        failure (set 2's first failure is no later verdict of set 1's)."""
        def set_no(b: FailureBanner) -> int:
            return self.set_of.get(b.rep_index, (1, 0))[0]
        return next(b for b in banners if set_no(b) == set_no(banner))

    @functools.cached_property
    def longest_short_name(self) -> str:
        """The longest of the reps' short names (the status box is sized for it, once)."""
        return max((self.named(r.index, short=True) for r in self.reps), key=len, default="rep 1")


@dataclass(frozen=True)
class FrameState:
    """What the overlay says at one frame."""

    frame: int
    reps_done: int
    rep: Rep | None
    phase: str  # eccentric | bottom pause | concentric | top pause | not tracked | "" between reps
    velocity: float
    rows: tuple[RepRow, ...]
    banners: tuple[FailureBanner, ...]


def point_track(seq: PoseSequence, landmarks: tuple[int, ...], kind: str = "height", *,
                min_visibility: float = MIN_DRAW_VISIBILITY) -> np.ndarray:
    """float[T,2] normalised position of a signal's point: the mean of `landmarks` for a
    height, the middle joint of the triplet for an angle; NaN where not seen well enough.

    Left/right label flips are undone first (as the signal itself does) so the point
    stays on the limb that was measured.
    """
    from .kinematics import unswap_sides

    t = seq.n_frames
    if not landmarks or t == 0:
        return np.full((t, 2), np.nan)
    image = unswap_sides(seq.image)
    idx = [landmarks[1]] if kind == "angle" and len(landmarks) == 3 else list(landmarks)
    # Per side, the point counts only when all its landmarks are seen; sides seen are
    # averaged (as the signal does for "both"), so the point never jumps half-way.
    groups: dict[str, list[int]] = {}
    for j in idx:
        groups.setdefault(LM(j).name.split("_", 1)[0], []).append(j)
    per_side = []
    for members in groups.values():
        xy = image[:, members, :2].astype(np.float64).mean(axis=1)
        vis = np.nan_to_num(image[:, members, VISIBILITY].astype(np.float64), nan=0.0)
        xy[vis.min(axis=1) < min_visibility] = np.nan
        per_side.append(xy)
    return seen_mean(np.stack(per_side))  # all-NaN frames stay NaN


# The lifter-cover grid's cells a side, and the margin around the landmarks' box (share of
# the picture: the landmarks sit inside the body's outline, and the head's top and the
# hands' ends lie beyond them).
COVER_GRID = 32
COVER_MARGIN = 0.04


def lifter_cover(seq: PoseSequence, *, min_visibility: float = MIN_DRAW_VISIBILITY,
                 grid: int = COVER_GRID) -> np.ndarray | None:
    """float[grid,grid] share of the frames with a pose in which the box around the seen
    landmarks (plus COVER_MARGIN) covers each cell; None when no frame has a pose."""
    image = seq.image
    if image.shape[0] == 0:
        return None
    xy = image[:, :, :2].astype(np.float64)
    vis = np.nan_to_num(image[:, :, VISIBILITY].astype(np.float64), nan=0.0)
    seen = (vis >= min_visibility) & np.isfinite(xy).all(axis=2)
    framed = seen.any(axis=1)
    if not framed.any():
        return None
    x = np.where(seen, xy[:, :, 0], np.nan)[framed]
    y = np.where(seen, xy[:, :, 1], np.nan)[framed]
    edges = [np.clip(np.floor((np.nanmin(x, axis=1) - COVER_MARGIN) * grid), 0, grid),
             np.clip(np.ceil((np.nanmax(x, axis=1) + COVER_MARGIN) * grid), 0, grid),
             np.clip(np.floor((np.nanmin(y, axis=1) - COVER_MARGIN) * grid), 0, grid),
             np.clip(np.ceil((np.nanmax(y, axis=1) + COVER_MARGIN) * grid), 0, grid)]
    # Summed as a difference array: +1 at each box's corner, cumulated over both axes.
    acc = np.zeros((grid + 1, grid + 1))
    x0, x1, y0, y1 = (e.astype(int) for e in edges)
    np.add.at(acc, (y0, x0), 1.0)
    np.add.at(acc, (y0, x1), -1.0)
    np.add.at(acc, (y1, x0), -1.0)
    np.add.at(acc, (y1, x1), 1.0)
    return acc.cumsum(axis=0).cumsum(axis=1)[:grid, :grid] / float(framed.sum())


def _covered(cover: np.ndarray, x0: float, y0: float, x1: float, y1: float) -> float:
    """Mean lifter cover over the cells whose centres lie in the rectangle (0..1 coords)."""
    g = cover.shape[0]
    centres = (np.arange(g) + 0.5) / g
    cols = (centres >= x0) & (centres <= x1)
    rows = (centres >= y0) & (centres <= y1)
    if not cols.any() or not rows.any():
        return 0.0
    return float(cover[np.ix_(rows, cols)].mean())


# A table place covering the lifter on under this share of its area (mean over its cells
# of the share of frames the lifter is there) counts as clear of them.
TABLE_CLEAR_COVER = 0.05


def table_place(cover: np.ndarray | None, *, width: float, row: float, header: float,
                max_rows: int, bottom_reserve: float, min_rows: int = 3) -> tuple[str, int]:
    """("top" or "bottom", rows) for the right-hand per-rep table: the top corner unless it
    covers the lifter and the bottom one (above `bottom_reserve`, the failure strip) covers
    them less; rows shrink down to min_rows while the place still covers them.
    Sizes are shares of the picture's width (width) and height (row, header)."""
    if cover is None:
        return "top", max_rows

    def rect(place: str, n: int) -> tuple[float, float, float, float]:
        height = header + n * row
        if place == "top":
            return 1.0 - width, 0.0, 1.0, height
        return 1.0 - width, 1.0 - bottom_reserve - height, 1.0, 1.0 - bottom_reserve

    fits = [n for n in range(max_rows, min_rows - 1, -1)
            if header + n * row <= 1.0 - bottom_reserve] or [min_rows]
    best: tuple[tuple[float, int], str] | None = None
    for place in ("top", "bottom"):
        # The most rows clear of the lifter; else the fewest rows and what they cover.
        n = next((n for n in fits if _covered(cover, *rect(place, n)) < TABLE_CLEAR_COVER), None)
        key = (0.0, -n) if n is not None else (_covered(cover, *rect(place, fits[-1])), -fits[-1])
        if best is None or key < best[0]:  # ties keep the top
            best = (key, place)
    assert best is not None
    return best[1], -best[0][1]


def phase_at(rep: Rep, i: int) -> str:
    """Name of the phase of `rep` that frame i falls in ('' outside the rep)."""
    if not rep.start <= i <= rep.end:
        return ""
    if rep.unseen is not None and rep.unseen[0] <= i <= rep.unseen[1]:
        return "not tracked"  # where the phases turned there is not known
    # A boundary frame belongs to the moving phase that starts or ends on it.
    if rep.concentric[0] <= i <= rep.concentric[1] and rep.concentric[1] > rep.concentric[0]:
        return "concentric"
    if rep.eccentric[0] <= i <= rep.eccentric[1] and rep.eccentric[1] > rep.eccentric[0]:
        return "eccentric"
    bottom = rep.bottom_pause
    if bottom[0] <= i <= bottom[1]:
        return "bottom pause"
    return "top pause"


def frame_state(plan: OverlayPlan, i: int) -> FrameState:
    """What is true at frame i: reps finished, the current rep and phase, table, banners."""
    current = next((r for r in plan.reps if r.start <= i <= r.end), None)
    # A rep counts from its lockout (the concentric's end), as a lifter counts it, and only
    # if the result counts it: a pull-up the clip cut during its lowering is one rep done
    # from the top, not only on the clip's last frame; partial reps are not counted.
    done = sum(1 for r in plan.reps if r.counted and i >= r.concentric[1])
    v = float("nan")
    if plan.velocity is not None and 0 <= i < len(plan.velocity):
        v = float(plan.velocity[i])
    rows = tuple(r for r in plan.rows if r.end_frame <= i)
    banners = tuple(b for b in plan.banners if b.start_frame <= i)
    return FrameState(i, done, current, phase_at(current, i) if current else "", v, rows, banners)


# ---------------------------------------------------------------- drawing primitives


def ascii_text(text: str) -> str:
    """Text Hershey fonts can draw: degrees spelled out, other non-ASCII folded or dropped."""
    for a, b in (("°", " deg"), ("—", "-"), ("–", "-"), ("≥", ">="), ("≤", "<="),
                 ("×", "x"), ("→", "->"), ("±", "+/-"), ("%", "%")):
        text = text.replace(a, b)
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")


def _shade(img: np.ndarray, x0: int, y0: int, x1: int, y1: int,
           colour: tuple[int, int, int] = BLACK, alpha: float = 0.65) -> None:
    """Blend a filled rectangle into img in place (only the rectangle is touched)."""
    h, w = img.shape[:2]
    x0, x1 = max(0, x0), min(w, x1)
    y0, y1 = max(0, y0), min(h, y1)
    if x1 <= x0 or y1 <= y0:
        return
    roi = img[y0:y1, x0:x1]
    roi[:] = (roi.astype(np.float32) * (1 - alpha)
              + np.asarray(colour, np.float32) * alpha).astype(np.uint8)


def _text(img: np.ndarray, text: str, org: tuple[int, int], scale: float,
          colour: tuple[int, int, int] = WHITE, thickness: int = 1) -> None:
    """Text with a dark outline so it reads on any background."""
    text = ascii_text(text)
    t = max(1, thickness)
    # A drop shadow with the same thickness: a thicker outline would advance each glyph
    # further than the text on top and drift out of line.
    d = max(1, t // 2 + 1)
    cv2.putText(img, text, (org[0] + d, org[1] + d), FONT, scale, BLACK, t, cv2.LINE_AA)
    cv2.putText(img, text, org, FONT, scale, colour, t, cv2.LINE_AA)


def _text_width(text: str, scale: float, thickness: int) -> int:
    return cv2.getTextSize(ascii_text(text), FONT, scale, max(1, thickness))[0][0]


def wrap(text: str, scale: float, thickness: int, max_width: int) -> list[str]:
    """Greedy word wrap of text into lines no wider than max_width pixels."""
    lines: list[str] = []
    line = ""
    for word in ascii_text(text).split():
        trial = f"{line} {word}".strip()
        if line and _text_width(trial, scale, thickness) > max_width:
            lines.append(line)
            line = word
        else:
            line = trial
    if line:
        lines.append(line)
    return lines


class _Layout:
    """Sizes derived from the frame so text reads the same on 426 px and 2048 px clips."""

    def __init__(self, w: int, h: int) -> None:
        self.w, self.h = w, h
        # 1.0 at 600 px on the short side; clamp so tiny clips stay legible.
        self.s = max(0.6, min(w, h) / 600.0)
        self.scale = 0.7 * self.s
        self.big = 1.1 * self.s
        self.thick = max(1, int(round(1.5 * self.s)))
        self.line = int(round(26 * self.s))
        self.pad = int(round(10 * self.s))


def draw_skeleton(img: np.ndarray, seq: PoseSequence, i: int, plan: OverlayPlan | None = None,
                  *, layout: _Layout | None = None) -> bool:
    """Draw frame i's skeleton and the tracked point; False when no pose was found there."""
    if not 0 <= i < seq.n_frames or not seq.detected[i]:
        return False
    h, w = img.shape[:2]
    lay = layout or _Layout(w, h)
    lm = seq.image[i]
    xy = lm[:, :2].astype(np.float64) * (w, h)
    vis = np.nan_to_num(np.minimum(lm[:, VISIBILITY], lm[:, PRESENCE]), nan=0.0)
    thick = max(2, int(round(3 * lay.s)))
    for a, b in SKELETON_EDGES:
        if vis[a] < MIN_DRAW_VISIBILITY or vis[b] < MIN_DRAW_VISIBILITY:
            continue
        pa, pb = tuple(np.round(xy[a]).astype(int)), tuple(np.round(xy[b]).astype(int))
        cv2.line(img, pa, pb, WHITE, thick + 2, cv2.LINE_AA)
        cv2.line(img, pa, pb, GREEN if a % 2 else CYAN, thick, cv2.LINE_AA)
    joints = {int(x) for e in SKELETON_EDGES for x in e}
    for j in joints:
        if vis[j] >= MIN_DRAW_VISIBILITY:
            cv2.circle(img, tuple(np.round(xy[j]).astype(int)), thick + 1, WHITE, -1, cv2.LINE_AA)
    if plan is not None and plan.point_track is not None:
        # The tracked point's recent path first, then the point on top of it.
        n_trail = max(2, int(round(TRAIL_S * seq.fps / slow_motion(seq))))
        pts = [point_xy(plan, k, (w, h)) for k in range(max(0, i - n_trail), i + 1)]
        pts = [p for p in pts if p is not None]
        for p, q in zip(pts, pts[1:]):
            cv2.line(img, tuple(np.round(p).astype(int)), tuple(np.round(q).astype(int)),
                     YELLOW, max(1, thick - 1), cv2.LINE_AA)
        p = point_xy(plan, i, (w, h))
        if p is not None:
            c = tuple(np.round(p).astype(int))
            r = max(6, int(round(11 * lay.s)))
            cv2.circle(img, c, r + 3, BLACK, -1, cv2.LINE_AA)
            cv2.circle(img, c, r, YELLOW, -1, cv2.LINE_AA)
            cv2.circle(img, c, r + 3, WHITE, max(1, thick // 2), cv2.LINE_AA)
    return True


def point_xy(plan: OverlayPlan, i: int, size: tuple[int, int]) -> np.ndarray | None:
    """Pixel position (in a frame of `size` w,h) of the tracked point on frame i, or None."""
    track = plan.point_track
    if track is None or not 0 <= i < len(track) or not np.all(np.isfinite(track[i])):
        return None
    return track[i] * size


def banner_title(banner: FailureBanner, first: FailureBanner,
                 named: Callable[[int], str] = lambda index: f"rep {index}") -> str:
    """The failure banner's title: the set's failure on its own rep; a later rep's verdict
    names the set's failure rep too, so a video paused on its last frame does not show
    rep 30 where every table says the failure was at rep 29. named: how the overlay names
    a rep (OverlayPlan.named: "rep 4 (set 2, rep 1)" in a cut clip)."""
    if banner is first:
        return f"FAILURE at {named(banner.rep_index)}: {banner.kind}"
    return f"{named(banner.rep_index)}: {banner.kind} too (failure at {named(first.rep_index)})"


TABLE_HEADER = ("rep", "tempo", "v", "loss")


def _table_cells(rows: tuple[RepRow, ...], frame: int | None = None
                 ) -> list[tuple[str, str, str, str]]:
    """The per-rep table's cells, a row a rep, as shown on `frame` (None: every value known)."""
    return [(str(r.index), r.tempo or "-", format_number(r.mean_velocity, ".2f"),
             "-" if not math.isfinite(r.velocity_loss_pct)
             or (frame is not None and frame < r.loss_from_frame)
             else f"{r.velocity_loss_pct:.0f}%")
            for r in rows]


def _table_widths(cells: list[tuple[str, str, str, str]], lay: "_Layout") -> list[int]:
    """Pixel width of each of the table's columns, header included."""
    return [max(_text_width(c[k], lay.scale, lay.thick) for c in [TABLE_HEADER, *cells]) + lay.pad
            for k in range(4)]


@functools.lru_cache(maxsize=8)
def _table_layout(plan: OverlayPlan, w: int, h: int) -> tuple[str, int]:
    """table_place for the whole set's table in a w x h frame: chosen once, so the table
    does not move as it grows (at most about a third of the frame), and not measured
    again on every frame of the video."""
    lay = _Layout(w, h)
    full = _table_widths(_table_cells(plan.rows), lay)
    return table_place(
        plan.lifter_cover, width=(sum(full) + lay.pad) / w, row=lay.line / h,
        header=(lay.line + lay.pad) / h,
        max_rows=min(len(plan.rows), max(3, int(h * 0.33) // lay.line - 1)),
        bottom_reserve=(lay.line + lay.pad) / h, min_rows=min(3, len(plan.rows)))


def draw_hud(img: np.ndarray, plan: OverlayPlan, state: FrameState, *, detected: bool = True,
             layout: _Layout | None = None) -> None:
    """Counter, phase, live velocity, the per-rep table and any failure banner."""
    h, w = img.shape[:2]
    lay = layout or _Layout(w, h)
    s, line, pad = lay.scale, lay.line, lay.pad

    # Top-left status box: counter large, then phase and live velocity.
    counter = f"REPS {state.reps_done}"
    # Wide enough for the longest rep line of the clip ("set 2 rep 8: bottom pause").
    box_w = max(_text_width(counter, lay.big, lay.thick + 1),
                _text_width("concentric  v 0.00 m/s", s, lay.thick),
                _text_width(f"{plan.longest_short_name}: bottom pause", s, lay.thick)) + 2 * pad
    box_h = int(line * 1.6) + 2 * line + pad
    _shade(img, 0, 0, box_w, box_h)
    _text(img, counter, (pad, int(line * 1.3)), lay.big, WHITE, lay.thick + 1)
    y = int(line * 1.3) + line
    if state.rep is not None:
        phase = state.phase or "-"
        _text(img, f"{plan.named(state.rep.index, short=True)}: {phase}", (pad, y), s,
              PHASE_COLOURS.get(state.phase, WHITE), lay.thick)
    else:
        _text(img, plan.exercise or "", (pad, y), s, GREY, lay.thick)
    y += line
    if state.phase == "concentric" and math.isfinite(state.velocity):
        _text(img, f"v {abs(state.velocity):.2f} {plan.velocity_unit}", (pad, y), s, GREEN,
              lay.thick)
    elif not detected:
        _text(img, "no pose", (pad, y), s, GREY, lay.thick)

    # Where the failure banner sits (the loud one while it is live, else the reminder
    # strip): a table at the bottom and the rep banner stay above it.
    banner, bottom = None, h
    if state.banners:
        live = [b for b in state.banners if b.start_frame <= state.frame <= b.end_frame]
        if live:
            lines = wrap(live[-1].reason, s, lay.thick, w - 2 * pad)
            if len(lines) > MAX_BANNER_LINES:
                lines = lines[:MAX_BANNER_LINES]
                lines[-1] = lines[-1].rstrip(" .,;") + " ..."
            banner = (live[-1], lines)
            bottom = h - (int(line * 1.5) + line * len(lines) + pad)
        else:
            bottom = h - line - pad
    # Per-rep table on the right, growing as reps finish, where it covers the lifter least
    # (top unless their head and hands are there: a pull-up filmed in portrait); the
    # newest rows win when it is long.
    table_top, table_left = h, w  # a table at the bottom: where the rep banner must stay above
    if state.rows:
        header = TABLE_HEADER
        place, max_rows = _table_layout(plan, w, h)
        cells = _table_cells(state.rows, state.frame)[-max_rows:]
        notes = [r.note for r in state.rows][-max_rows:]
        widths = _table_widths(cells, lay)
        tw = sum(widths) + pad
        x0 = w - tw
        th = line * (len(cells) + 1) + pad
        y0 = 0 if place == "top" else min(h - (line + pad), bottom) - th
        if place == "bottom":
            table_top, table_left = y0, x0
        _shade(img, x0, y0, w, y0 + th)
        x = x0 + pad // 2
        for k, name in enumerate(header):
            _text(img, name, (x, y0 + line - pad // 3), s, GREY, lay.thick)
            x += widths[k]
        for n, (c, note) in enumerate(zip(cells, notes), start=2):
            x = x0 + pad // 2
            colour = RED if _is_failure(note) else YELLOW if note else WHITE
            for k, val in enumerate(c):
                _text(img, val, (x, y0 + line * n - pad // 3), s, colour, lay.thick)
                x += widths[k]

    # Failure banner: loud from the failing rep's start until shortly after it ends, then
    # a reminder strip for the rest of the video (laid out before the table, see above).
    if banner is not None:
        b, lines = banner
        _shade(img, 0, bottom, w, h, RED, 0.72)
        _text(img, banner_title(b, plan.set_first(state.banners, b), plan.named),
              (pad, bottom + int(line * 1.2)),
              lay.big * 0.9, WHITE, lay.thick + 1)
        for k, text in enumerate(lines):
            _text(img, text, (pad, bottom + int(line * 1.2) + line * (k + 1)), s, WHITE,
                  lay.thick)
    elif state.banners:
        first = plan.set_first(state.banners, state.banners[-1])  # the latest set's
        _shade(img, 0, bottom, w, h, RED, 0.6)
        _text(img, f"failure declared at {plan.named(first.rep_index)} ({first.kind})", (pad, h - pad),
              s, WHITE, lay.thick)

    # Rep banner: for a moment after each rep ends, what that rep was, above any failure.
    done = [r for r in state.rows if r.end_frame <= state.frame <= r.banner_until]
    if done:
        r = done[-1]
        parts = [plan.named(r.index).upper()]
        if r.tempo:
            parts.append(f"tempo {r.tempo}")
        if math.isfinite(r.mean_velocity):
            parts.append(f"{r.mean_velocity:.2f} {plan.velocity_unit}")
        elif math.isfinite(r.concentric_s):
            parts.append(f"up {r.concentric_s:.1f} s")
        if r.note:
            parts.append(r.note)
        text = "  ".join(parts)
        scale = lay.scale * 1.2
        tw = _text_width(text, scale, lay.thick + 1)
        x0 = max(0, (w - tw) // 2 - pad)
        # Above a table at the bottom when the two would meet.
        y1 = (min(bottom, table_top) if x0 + tw + 2 * pad > table_left else bottom) - pad
        y0 = y1 - int(line * 1.5)
        # Green for a rep done and judged; grey for one counted but not judged, partial or
        # unfinished (a pull-up's drop off the bar read as a good rep in green).
        colour = RED if _is_failure(r.note) else (85, 85, 85) if r.note else (30, 130, 60)
        _shade(img, x0, y0, min(w, x0 + tw + 2 * pad), y1, colour, 0.8)
        _text(img, text, (x0 + pad, y1 - int(line * 0.45)), scale, WHITE, lay.thick + 1)


def _is_failure(note: str) -> bool:
    return any(k in VERDICT_KINDS for k in note.split(","))


def _polyline(img: np.ndarray, pts: np.ndarray, colour: tuple[int, int, int], thick: int) -> None:
    """Draw the finite runs of pts (float[N,2] pixels) as open polylines."""
    for k, j in true_runs(np.isfinite(pts[:, 0])):
        if j - k >= 2:
            cv2.polylines(img, [np.round(pts[k:j]).astype(np.int32)], False, colour, thick,
                          cv2.LINE_AA)


def draw_bar_path(img: np.ndarray, plan: OverlayPlan, i: int, *, layout: "_Layout") -> None:
    """The bar's path up to frame i: every rep so far in its colour, the current one thicker."""
    if plan.bar_track is None:
        return
    h, w = img.shape[:2]
    xy = plan.bar_track * np.array([w, h], dtype=np.float64)
    thick = max(1, layout.thick)
    for k, r in enumerate(plan.reps):
        if r.start > i:
            break
        colour = BAR_COLOURS[k % len(BAR_COLOURS)]
        current = r.start <= i <= r.end
        pts = xy[r.start:min(r.end, i) + 1]
        _polyline(img, pts, BLACK, (2 * thick if current else thick) + 2)
        _polyline(img, pts, colour, 2 * thick if current else thick)
    if np.isfinite(xy[i, 0]):
        c = tuple(np.round(xy[i]).astype(int))
        cv2.circle(img, c, 3 * thick + 2, BLACK, -1, cv2.LINE_AA)
        cv2.circle(img, c, 3 * thick, WHITE, -1, cv2.LINE_AA)


def draw_frame(rgb: np.ndarray, i: int, seq: PoseSequence, plan: OverlayPlan) -> np.ndarray:
    """Annotate one upright RGB frame (in place) with frame i's pose and the overlay."""
    h, w = rgb.shape[:2]
    lay = _Layout(w, h)
    detected = draw_skeleton(rgb, seq, i, plan, layout=lay)
    draw_bar_path(rgb, plan, i, layout=lay)
    draw_hud(rgb, plan, frame_state(plan, i), detected=detected, layout=lay)
    return rgb


# ---------------------------------------------------------------- plan from results


def _strip_rep_prefix(reason: str, index: int) -> str:
    """'rep 4: velocity loss 47 %' -> 'velocity loss 47 %' (the banner title names the rep;
    index: the rep's number as the reason counts it, in its own set)."""
    prefix = f"rep {index}: "
    return reason[len(prefix):] if reason.startswith(prefix) else reason


def make_plan(*, exercise: str, reps: tuple[Rep, ...], track: np.ndarray | None = None,
              tempos: tuple[Any, ...] = (),
              metrics: tuple[Any, ...] = (), verdicts: tuple[Any, ...] = (),
              velocity: np.ndarray | None = None, velocity_unit: str = "m/s",
              fps: float = 30.0, bar_track: np.ndarray | None = None,
              slow_motion: float = 1.0, not_judged: frozenset[int] = frozenset(),
              lifter_cover: np.ndarray | None = None,
              loss_from: dict[int, int] | None = None,
              set_of: Mapping[int, tuple[int, int]] | None = None) -> OverlayPlan:
    """OverlayPlan from the pieces of an analysis (tempos/metrics aligned with reps by index);
    fps: frames a second as lifted, slow_motion: how many times slower the file plays (the
    banners stay on screen for the file's own seconds); not_judged: reps counted but not
    judged (far past the set's range); lifter_cover: where the lifter is (lifter_cover);
    loss_from: per rep, the frame its velocity loss is known from (its own end if absent);
    set_of: per rep, its (set, rep in the set) in a clip cut into sets (OverlayPlan.set_of)."""
    tempo_of = {r.index: t for r, t in zip(reps, tempos)}
    metric_of = {getattr(m, "index", k + 1): m for k, m in enumerate(metrics)}
    kinds_of: dict[int, list[str]] = {}
    for v in verdicts:
        kinds_of.setdefault(v.rep_index, []).append(v.kind)
    rows = []
    hold = int(round(REP_BANNER_S * fps / slow_motion))
    for k, r in enumerate(reps):
        # The banner gives way once the next rep reaches its turnaround, so it never
        # names rep n while rep n+1 is the one being watched.
        until = r.end + hold
        if k + 1 < len(reps):
            until = min(until, reps[k + 1].turnaround - 1)
        t = tempo_of.get(r.index)
        m = metric_of.get(r.index)
        conc = (t.concentric_s if t is not None
                else (r.concentric[1] - r.concentric[0]) / fps)
        note = ",".join(kinds_of.get(r.index, [])) or ("partial" if r.partial else "") \
            or ("" if r.completed else "incomplete") \
            or ("not judged" if r.index in not_judged else "")
        rows.append(RepRow(
            index=r.index, end_frame=r.end, tempo=t.notation() if t is not None else "",
            concentric_s=float(conc),
            mean_velocity=float(getattr(m, "mean_velocity_mps", float("nan"))),
            velocity_loss_pct=float(getattr(m, "velocity_loss_pct", float("nan"))),
            note=note, banner_until=until,
            loss_from_frame=max(r.end, (loss_from or {}).get(r.index, r.end))))
    start_of = {r.index: r for r in reps}
    # One banner per failing rep, naming every kind called on it, most decisive first.
    by_rep: dict[int, list[Any]] = {}
    for v in verdicts:
        if v.rep_index in start_of:
            by_rep.setdefault(v.rep_index, []).append(v)
    banners = []
    for index, vs in by_rep.items():
        vs.sort(key=lambda v: VERDICT_KINDS.index(v.kind) if v.kind in VERDICT_KINDS else 99)
        rep = start_of[index]
        banners.append(FailureBanner(
            index, min(_announced_at(v, rep) for v in vs), rep.end + hold,
            " + ".join(v.kind for v in vs),
            " | ".join(_strip_rep_prefix(v.reason, (set_of or {}).get(index, (1, index))[1])
                       for v in vs)))
    banners.sort(key=lambda b: (b.start_frame, b.rep_index))
    return OverlayPlan(exercise=exercise, reps=tuple(reps), rows=tuple(rows),
                       banners=tuple(banners), point_track=track, velocity=velocity,
                       velocity_unit=velocity_unit, bar_track=bar_track,
                       lifter_cover=lifter_cover, set_of=dict(set_of or {}))


def _announced_at(verdict: Any, rep: Rep) -> int:
    """The frame a verdict's evidence is complete: the last of the frames it was judged on
    (Verdict.evidence["frames"]), else the end of the rep's concentric; within the rep."""
    frames = (getattr(verdict, "evidence", None) or {}).get("frames")
    try:
        last = int(frames[1])
    except (TypeError, ValueError, IndexError):
        last = rep.concentric[1]
    return min(max(last, rep.start), rep.end)


def live_velocity(analysis: Any, seq: PoseSequence | None = None) -> tuple[np.ndarray | None, str]:
    """Per-frame velocity of the tracked point during each concentric, and its unit.

    Read from the analysis (the velocity stage's per-frame m/s, NaN without a scale);
    None when there is no scale (the overlay then shows each rep's mean velocity from the
    table once the rep is done).
    """
    assessment = getattr(analysis, "assessment", None)
    scale = getattr(analysis, "scale", None)
    if (assessment is None or scale is None or not getattr(scale, "valid", False)
            or not analysis.reps or analysis.n_frames < 2):
        return None, "m/s"
    v = np.asarray(assessment.metrics.velocity.per_frame_mps, dtype=np.float64)
    live = np.full(analysis.n_frames, np.nan)
    # Only a rep whose speed the table gives: a rep the clip began inside, or lost the
    # lifter in, reads "velocity not measured" there, and showed a live speed here.
    measured = {m.index for m in getattr(analysis, "metrics", ())
                if m.mean_velocity_mps is not None and np.isfinite(m.mean_velocity_mps)}
    for r in analysis.reps:
        if r.index not in measured:
            continue
        a, b = r.concentric
        live[a:b + 1] = v[a:b + 1]
    return live, "m/s"


def _tracked_landmarks(analysis: Any) -> tuple[tuple[int, ...], str]:
    """(landmarks, kind) of the point drawn with the live velocity: the profile's velocity
    point (a curl's wrists, a deadlift's hips), whose speed the overlay shows; the driving
    signal's point (a curl's elbow) when the exercise has no profile."""
    from .errors import ConfigError
    from .profiles import get_profile

    try:
        names = get_profile(analysis.exercise).velocity_point
        return tuple(int(LM[f"{side}_{n}"]) for n in names for side in ("LEFT", "RIGHT")), "height"
    except (ConfigError, KeyError):  # no such profile or landmark: the signal's own point
        return tuple(analysis.signal_landmarks), analysis.signal_kind


def build_plan(analysis: Any, seq: PoseSequence) -> OverlayPlan:
    """OverlayPlan of a finished SetAnalysis over its PoseSequence."""
    if analysis.n_frames != seq.n_frames:
        from .errors import AnalysisError

        raise AnalysisError(f"analysis covers {analysis.n_frames} frames but the poses have "
                            f"{seq.n_frames}: they are not from the same clip")
    track = point_track(seq, *_tracked_landmarks(analysis),
                        min_visibility=analysis.config.min_visibility)
    bar = getattr(analysis, "bar", None)
    bar_track = None
    if bar is not None and bar.shown and bar.track.n_frames == seq.n_frames:
        bar_track = bar.track.xy_px / np.array([seq.width, seq.height], dtype=np.float64)
        if bar.of_record:
            # The speed shown is the bar's (its velocities are the set's): the point it is
            # shown by follows the plate, not the hips that moved at two thirds of it.
            track = bar_track
    # A clip that camera cuts split into sets: every set's reps, numbered through the clip
    # (as the counter a viewer follows), each with its own set's tempo, speed and verdicts.
    reps, tempos, metrics, verdicts = [], [], [], []
    loss_from: dict[int, int] = {}
    set_of: dict[int, tuple[int, int]] = {}
    velocity, unit = None, "m/s"
    several = len(analysis.numbered_sets) > 1
    for n, (one, offset) in enumerate(analysis.numbered_sets, 1):
        if several:
            set_of.update({r.index + offset: (n, r.index) for r in one.reps})
        base = set(one.assessment.metrics.baseline_reps) if one.assessment else set()
        known = max((r.end for r in one.reps if r.index in base), default=-1)
        loss_from.update({r.index + offset: known for r in one.reps})
        reps += [dataclasses.replace(r, index=r.index + offset) for r in one.reps]
        tempos += list(one.tempo)
        metrics += [dataclasses.replace(m, index=m.index + offset) for m in one.metrics]
        verdicts += [dataclasses.replace(v, rep_index=v.rep_index + offset) for v in one.verdicts]
        live, unit = live_velocity(one, seq)
        if live is not None:
            velocity = live if velocity is None else np.where(np.isnan(velocity), live, velocity)
    return make_plan(exercise=analysis.exercise, reps=tuple(reps), track=track,
                     tempos=tuple(tempos), metrics=tuple(metrics), verdicts=tuple(verdicts),
                     velocity=velocity, velocity_unit=unit, fps=analysis.fps,
                     slow_motion=getattr(analysis, "slow_motion", 1.0), bar_track=bar_track,
                     not_judged=frozenset(r.index for r in reps if out_of_range(
                         r, analysis.config.rom_outlier_share)),
                     lifter_cover=lifter_cover(seq, min_visibility=analysis.config.min_visibility),
                     loss_from=loss_from, set_of=set_of)


# ---------------------------------------------------------------- the I/O edge


VIDEO_OUTPUT_SUFFIXES = (".mp4", ".m4v", ".mov")
# H.264 needs even sides, and the overlay's text needs room: smaller videos are refused.
MIN_VIDEO_SIDE_PX = 16


def check_video_output(dst: str | os.PathLike) -> None:
    """Refuse an output name that would hide what it is: annotated videos are MP4 files."""
    suffix = Path(dst).suffix.lower()
    if suffix not in VIDEO_OUTPUT_SUFFIXES:
        raise OutputError(f"annotated video must be named .mp4 (H.264 MP4), got {Path(dst).name!r}")


def render_plan(src: str | os.PathLike, plan: OverlayPlan, seq: PoseSequence,
                dst: str | os.PathLike, *, max_size: int | None = None,
                progress: ProgressFn | None = None) -> Path:
    """Stream src's frames through the overlay into an H.264 MP4 at dst (atomic replace)."""
    from .types import picture_turn
    from .video import VideoReader, VideoWriter

    dst = Path(dst)
    check_video_output(dst)
    reader = VideoReader(src, max_long_side=max_size, turn=picture_turn(seq))
    w, h = reader.size
    if min(w, h) < MIN_VIDEO_SIDE_PX:
        raise OutputError(f"cannot draw on a {w}x{h} video: annotated videos need at least "
                          f"{MIN_VIDEO_SIDE_PX} pixels a side")
    total = max(reader.info.frame_count, seq.n_frames)
    # The muxer picks MP4 from the temp name's suffix; the rename makes the file appear
    # whole or not at all.
    with atomic_path(dst) as tmp:
        with VideoWriter(tmp, width=w, height=h, fps=reader.info.fps) as writer:
            for frame in reader:
                draw_frame(frame.rgb, frame.index, seq, plan)
                writer.write(frame.rgb, frame.time_s)
                if progress is not None:
                    progress(frame.index + 1, total)
    return dst


def render_video(src: str | os.PathLike, analysis: Any, seq: PoseSequence,
                 dst: str | os.PathLike, *, max_size: int | None = None,
                 progress: ProgressFn | None = None) -> Path:
    """Annotated H.264 MP4 of src from its finished analysis and poses (source size unless
    max_size, source frame times, upright); frames stream through, memory stays flat."""
    return render_plan(src, build_plan(analysis, seq), seq, dst, max_size=max_size,
                       progress=progress)
