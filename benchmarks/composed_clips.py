"""Real footage as people film it, composed from the team's clips in a temp folder (issue 13).

A camera cut in the middle of a set, a montage of several scenes, two people side by side,
a fast set (a real set played at twice its speed), a set filmed by a swaying hand and one
by a camera that zooms in, each a few seconds long, built
from ../shared/videos with PyAV and OpenCV. Nothing here is ever committed: the clips are
made where the caller says (a pytest tmp_path, the bad-inputs corpus folder) and thrown
away with it.

    python benchmarks/composed_clips.py OUT_DIR     # write the clips, print their truth
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
SHARED_VIDEOS = ROOT.parent / "shared" / "videos"
FPS = 30.0


class MissingClip(Exception):
    """A shared clip the composition needs is not here."""


@dataclass(frozen=True)
class Composed:
    """A composed clip and what it holds: cut times (s) and the reps in each part."""

    path: Path
    cuts_s: tuple[float, ...]
    reps: tuple[int, ...]  # complete reps per shot (labels), or per person side by side
    note: str


def _clip(name: str) -> Path:
    path = SHARED_VIDEOS / name
    if not path.is_file():
        raise MissingClip(f"needs ../shared/videos/{name}")
    return path


def _frames(name: str, start: int, n: int) -> Iterator[np.ndarray]:
    """n upright RGB frames of a shared clip from frame `start` (at most 640 px long side)."""
    from repsight.video import VideoReader

    for frame in VideoReader(_clip(name), max_long_side=640):
        if frame.index >= start + n:
            return
        if frame.index >= start:
            yield frame.rgb


def _fit(rgb: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """rgb letterboxed into size (w, h) on black, aspect kept."""
    import cv2

    w, h = size
    s = min(w / rgb.shape[1], h / rgb.shape[0])
    small = cv2.resize(rgb, (max(2, int(rgb.shape[1] * s)), max(2, int(rgb.shape[0] * s))),
                       interpolation=cv2.INTER_AREA)
    out = np.zeros((h, w, 3), dtype=np.uint8)
    y, x = (h - small.shape[0]) // 2, (w - small.shape[1]) // 2
    out[y:y + small.shape[0], x:x + small.shape[1]] = small
    return out


def _zoom(rgb: np.ndarray, factor: float, light: float) -> np.ndarray:
    """The centre of the frame enlarged by factor (same size), brightness scaled by light."""
    import cv2

    h, w = rgb.shape[:2]
    ch, cw = int(h / factor), int(w / factor)
    y, x = (h - ch) // 2, (w - cw) // 2
    crop = cv2.resize(rgb[y:y + ch, x:x + cw], (w, h), interpolation=cv2.INTER_LINEAR)
    return np.clip(crop.astype(np.float32) * light, 0, 255).astype(np.uint8)


def _write(path: Path, frames: Iterator[np.ndarray], fps: float = FPS) -> Path:
    from repsight.video import VideoWriter

    writer = None
    try:
        for k, rgb in enumerate(frames):
            if writer is None:
                writer = VideoWriter(path, width=rgb.shape[1], height=rgb.shape[0], fps=fps)
            writer.write(rgb, k / fps)
    finally:
        if writer is not None:
            writer.close()
    return path


def _cut_at(folder: Path, name: str, out: str, frames_n: int, cut: int, zoom: float,
            light: float, reps: tuple[int, int]) -> Composed:
    """The first frames_n frames of a shared clip, zoomed in and darkened from frame cut on."""
    def frames():
        for k, rgb in enumerate(_frames(name, 0, frames_n)):
            yield rgb if k < cut else _zoom(rgb, zoom, light)

    path = _write(folder / out, frames())
    note = f"zoom x{zoom:g} and {(1 - light) * 100:.0f} % darker from {cut / FPS:.3g} s"
    return Composed(path, (cut / FPS,), reps, note)


def camera_cut(folder: Path) -> Composed:
    """A push-up set whose camera zooms in and darkens between rep 3 and rep 4 (9 s).

    pushup_ghd_side.mp4 (30 fps), its labelled cycle ends at frames 45, 91, 134, 179, 225,
    267: the cut is at frame 134, three reps either side.
    """
    return _cut_at(folder, "pushup_ghd_side.mp4", "cut_mid_set.mp4", 268, 134, 1.3, 0.75, (3, 3))


def barbell_cut(folder: Path) -> Composed:
    """A deadlift set whose camera zooms in a little and darkens between rep 2 and rep 3 (25 s).

    deadlift_side_overlay.mp4 (29.97 fps, a plate in view), its labelled cycle ends at
    6.9, 12.5, 18.1 and 24.7 s with the next pull at about 13.5 s: the cut is at frame
    387 (12.9 s), two reps either side. Each shot has its own plate size.
    """
    return _cut_at(folder, "deadlift_side_overlay.mp4", "deadlift_cut_mid_set.mp4", 759, 387,
                   1.05, 0.8, (2, 2))


# Montage shots: (clip, first frame), 3.2 s each, letterboxed into one 640x360 frame.
MONTAGE = (("squat_bodyweight_side_plain.mp4", 0), ("curl_dumbbell_side.mp4", 30),
           ("deadlift_front.mp4", 0), ("pullup_side_short.mp4", 0))
MONTAGE_SHOT_FRAMES = 96


def montage(folder: Path) -> Composed:
    """Four scenes, four people, hard cuts every 3.2 s (12.8 s)."""
    def frames():
        for name, start in MONTAGE:
            for rgb in _frames(name, start, MONTAGE_SHOT_FRAMES):
                yield _fit(rgb, (640, 360))

    path = _write(folder / "montage.mp4", frames())
    cuts = tuple(k * MONTAGE_SHOT_FRAMES / FPS for k in range(1, len(MONTAGE)))
    return Composed(path, cuts, (), "squat, curl, deadlift, pull-up; 3.2 s each")


def two_people(folder: Path) -> Composed:
    """A squatter (left) and a curler (right) side by side, 6 s.

    squat_bodyweight_side_plain.mp4 has rep ends near 2.3, 4.4 and 6.7 s (two complete
    squats in the first 6 s); curl_dumbbell_side.mp4 curls all along.
    """
    def frames():
        left = _frames("squat_bodyweight_side_plain.mp4", 0, 180)
        right = _frames("curl_dumbbell_side.mp4", 0, 180)
        for a, b in zip(left, right):
            yield np.hstack([_fit(a, (480, 360)), _fit(b, (480, 360))])

    path = _write(folder / "two_people.mp4", frames())
    return Composed(path, (), (), "squat left, curl right")


def still_spotter(folder: Path) -> Composed:
    """Three squats with a still bystander pasted beside the lifter, 10.7 s: the pose model
    follows the bystander, who stands on every frame, unless shown the lifter alone.

    The bystander is deadlift_front.mp4's lifter standing at 1 s (his body, cut out with
    the wall behind him), about as tall as the squatter; squat_bodyweight_side_plain.mp4
    squats three times (rep starts 1.27, 4.43 and 7.43 s) to the right of him.
    """
    import cv2

    person = next(_frames("deadlift_front.mp4", 30, 1))[20:290, 295:445]
    person = cv2.resize(person, (int(round(person.shape[1] * 327 / person.shape[0])), 327),
                        interpolation=cv2.INTER_AREA)
    h, w = person.shape[:2]

    def frames():
        for rgb in _frames("squat_bodyweight_side_plain.mp4", 0, 321):
            out = rgb.copy()
            out[27:27 + h, 40:40 + w] = person
            yield out

    path = _write(folder / "still_spotter.mp4", frames())
    return Composed(path, (), (3,), "three squats, a still bystander at the left")


# Dissolve: squat_bodyweight_side_plain's three squats (rep starts 1.27, 4.43, 7.43 s; the
# lifter walks out at 10 s) cross-fade over DISSOLVE_FRAMES into squat_air_45deg_white
# from its frame DISSOLVE_AIR_FROM on (1.67 s: rep 2 starts at 1.96 s, inside the
# dissolve; reps 3-8 follow, played at 30 fps, 1.25 times their speed). Another lifter
# against a white wall: the reviewer's case of two sets read as one.
DISSOLVE_AT = 285
DISSOLVE_FRAMES = 15
DISSOLVE_AIR_FROM = 40


def dissolve(folder: Path) -> Composed:
    """Three squats, a 0.5 s cross-fade (an editor's dissolve), another lifter's squats (19 s)."""
    def frames():
        first = _frames("squat_bodyweight_side_plain.mp4", 0, DISSOLVE_AT + DISSOLVE_FRAMES)
        second = _frames("squat_air_45deg_white.mp4", DISSOLVE_AIR_FROM, 347 - DISSOLVE_AIR_FROM)
        for k, rgb in enumerate(first):
            a = _fit(rgb, (640, 360))
            if k < DISSOLVE_AT:
                yield a
                continue
            w = (k - DISSOLVE_AT + 1) / (DISSOLVE_FRAMES + 1)
            b = _fit(next(second), (640, 360))
            yield (a * (1 - w) + b * w).round().astype(np.uint8)
        for rgb in second:
            yield _fit(rgb, (640, 360))

    path = _write(folder / "dissolve.mp4", frames())
    mid = (DISSOLVE_AT + DISSOLVE_FRAMES / 2) / FPS
    return Composed(path, (mid,), (3, 6), "squats, a 0.5 s dissolve, another lifter's squats "
                    "(reps 3-8 of the second set whole; its rep 2 starts inside the dissolve)")


def fast_set(folder: Path) -> Composed:
    """Eight air squats at twice their speed, a rep every 0.85 s (7.2 s).

    Every other frame of squat_air_45deg_white.mp4 (8 labelled reps, one every 1.6-1.8 s)
    written at the clip's own 23.976 fps, so the lifter moves twice as fast: each squat
    down and up in about half a second, faster than a set at one rep a second.
    """
    from repsight.video import probe

    name = "squat_air_45deg_white.mp4"
    fps = probe(_clip(name)).fps

    def frames():
        for k, rgb in enumerate(_frames(name, 0, 10**6)):
            if k % 2 == 0:
                yield rgb

    path = _write(folder / "fast_set.mp4", frames(), fps=fps)
    return Composed(path, (), (8,), "squat_air_45deg_white at 2x: a rep every 0.85 s")


# A swaying hand: a SWAY_CROP share of the frame whose place swings over the margin as
# 1 + the sum of these sines (share of half the margin, Hz, phase), across and up and down.
# The one definition of the shake: _swayed here, variants.py's ffmpeg filter (sway_filter).
SWAY_CROP = 0.88
SWAY_X = ((0.6, 0.7, 0.0), (0.4, 1.9, 1.0))
SWAY_Y = ((0.6, 0.5, 2.0), (0.4, 1.3, 0.0))


def _swing(t: float, waves: tuple[tuple[float, float, float], ...]) -> float:
    return 1 + sum(a * np.sin(2 * np.pi * f * t + p) for a, f, p in waves)


def _swayed(rgb: np.ndarray, t: float) -> np.ndarray:
    """The frame as a swaying hand-held camera at time t would frame it: a SWAY_CROP share
    of it, its place swinging over the whole margin (up to 6 % of the frame), scaled back up."""
    import cv2

    h, w = rgb.shape[:2]
    ch, cw = int(h * SWAY_CROP), int(w * SWAY_CROP)
    x = int(round((w - cw) / 2 * _swing(t, SWAY_X)))
    y = int(round((h - ch) / 2 * _swing(t, SWAY_Y)))
    return cv2.resize(rgb[y:y + ch, x:x + cw], (w, h), interpolation=cv2.INTER_LINEAR)


def sway_filter() -> str:
    """The same shake as an ffmpeg filter (crop whose place moves with t, scaled back)."""
    def swing(waves):
        return "+".join(f"{a:g}*sin(2*PI*{f:g}*t{f'+{p:g}' if p else ''})" for a, f, p in waves)

    return (f"crop=w=trunc(iw*{SWAY_CROP / 2:g})*2:h=trunc(ih*{SWAY_CROP / 2:g})*2"
            f":x=(iw-ow)/2*(1+{swing(SWAY_X)}):y=(ih-oh)/2*(1+{swing(SWAY_Y)}),"
            f"scale=trunc(iw/{SWAY_CROP:g}/2)*2:trunc(ih/{SWAY_CROP:g}/2)*2")


def hand_held(folder: Path) -> Composed:
    """Five dumbbell curls filmed by a swaying hand (11.6 s).

    curl_dumbbell_side.mp4 (5 labelled reps, a still camera) with every frame framed as by
    _swayed: two sways across (0.7 and 1.9 Hz) and two up and down (0.5 and 1.3 Hz).
    """
    from repsight.video import probe

    name = "curl_dumbbell_side.mp4"
    fps = probe(_clip(name)).fps

    def frames():
        for k, rgb in enumerate(_frames(name, 0, 10**6)):
            yield _swayed(rgb, k / fps)

    path = _write(folder / "hand_held.mp4", frames(), fps=fps)
    return Composed(path, (), (5,), "curl_dumbbell_side swaying by up to 6 % of the frame")


# A zoom during the set: the picture enlarged about its centre from 1 to ZOOM_TO between
# ZOOM_SPAN (shares of the clip's length), as a phone's pinch or a zoom ring gives.
ZOOM_TO = 1.3
ZOOM_SPAN = (0.3, 0.7)


def zoom_at(t: float, duration_s: float) -> float:
    """The zoom factor at time t of a clip duration_s long."""
    a, b = (duration_s * f for f in ZOOM_SPAN)
    return 1.0 + (ZOOM_TO - 1.0) * float(np.clip((t - a) / (b - a), 0.0, 1.0))


def _zoomed(rgb: np.ndarray, factor: float) -> np.ndarray:
    """The frame enlarged by factor about its centre (sub-pixel, same size)."""
    import cv2

    h, w = rgb.shape[:2]
    m = np.array([[factor, 0.0, (1 - factor) * w / 2], [0.0, factor, (1 - factor) * h / 2]])
    return cv2.warpAffine(rgb, m, (w, h), flags=cv2.INTER_LINEAR)


def zoomed_copy(source: Path, out: Path) -> Path:
    """source (any clip) as a camera zooming in during it (zoom_at) would film it."""
    from repsight.video import VideoReader, probe

    info = probe(source)
    length = info.duration_s if info.duration_s > 0 else info.frame_count / info.fps

    def frames():
        for frame in VideoReader(source, max_long_side=None):  # the source's own size
            yield _zoomed(frame.rgb, zoom_at(frame.index / info.fps, length))

    return _write(out, frames(), fps=info.fps)


def zooming(folder: Path) -> Composed:
    """Five dumbbell curls filmed by a camera that zooms in 1.3 times during the set
    (curl_dumbbell_side.mp4, still, 5 labelled reps; 11.6 s)."""
    path = zoomed_copy(_clip("curl_dumbbell_side.mp4"), folder / "zooming.mp4")
    return Composed(path, (), (5,), f"curl_dumbbell_side zooming in {ZOOM_TO:g} times mid-set")


def sideways(folder: Path) -> Composed:
    """Three bodyweight squats exported turned a quarter clockwise, with no orientation
    flag to turn them back (squat_bodyweight_side_plain.mp4, 3 labelled reps; 10.7 s)."""
    from repsight.video import VideoReader

    source = _clip("squat_bodyweight_side_plain.mp4")
    frames = (np.ascontiguousarray(np.rot90(f.rgb, k=-1))
              for f in VideoReader(source, max_long_side=640))
    path = _write(folder / "sideways.mp4", frames)
    return Composed(path, (), (3,), "squat_bodyweight_side_plain turned a quarter clockwise")


def sideways_deadlift(folder: Path) -> Composed:
    """Three deadlifts filmed head-on, exported turned a quarter clockwise with no
    orientation flag (deadlift_front.mp4, 3 labelled reps; the lifter stands by the bar
    for 3 s first; 15.2 s)."""
    from repsight.video import VideoReader

    source = _clip("deadlift_front.mp4")
    frames = (np.ascontiguousarray(np.rot90(f.rgb, k=-1))
              for f in VideoReader(source, max_long_side=640))
    path = _write(folder / "sideways_deadlift.mp4", frames)
    return Composed(path, (), (3,), "deadlift_front turned a quarter clockwise")


BUILDERS = {"cut": camera_cut, "barbell_cut": barbell_cut, "montage": montage, "two_people": two_people,
            "dissolve": dissolve, "still_spotter": still_spotter,
            "fast": fast_set, "hand_held": hand_held, "zooming": zooming,
            "sideways": sideways, "sideways_deadlift": sideways_deadlift}


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        print(__doc__.strip().splitlines()[-1])
        return 2
    out = Path(args[0])
    out.mkdir(parents=True, exist_ok=True)
    for key, build in BUILDERS.items():
        try:
            c = build(out)
        except MissingClip as exc:
            print(f"{key}: skipped ({exc})")
            continue
        print(f"{key}: {c.path} cuts at {', '.join(f'{t:.2f}' for t in c.cuts_s) or '-'} s; {c.note}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
