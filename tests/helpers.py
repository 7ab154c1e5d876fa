"""Test helpers: paths to the team's shared clips and small generated videos."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
SHARED_VIDEOS = SHARED / "videos"


def shared_video(name: str) -> Path:
    """Path of a clip in ../shared/videos, skipping the test when it is not there."""
    path = SHARED_VIDEOS / name
    if not path.is_file():
        pytest.skip(f"needs ../shared/videos/{name} (shared data not present)")
    return path


def write_test_video(path: Path, *, n: int = 30, size: tuple[int, int] = (160, 96),
                     fps: float = 30.0, times: list[float] | None = None) -> Path:
    """A small H.264 clip of a moving bright square; times gives per-frame timestamps."""
    from repsight.video import VideoWriter

    w, h = size
    with VideoWriter(path, width=w, height=h, fps=fps) as out:
        for i in range(n):
            frame = np.full((h, w, 3), 40, dtype=np.uint8)
            x = int((w - 20) * i / max(n - 1, 1))
            frame[10:30, x:x + 20] = (250, 200, 30)
            frame[h - 12:h - 4, 4:12] = (255, 0, 0)  # marks the bottom-left corner
            out.write(frame, times[i] if times is not None else i / fps)
    return path




def ffmpeg_or_skip() -> str:
    exe = shutil.which("ffmpeg")
    if exe is None:
        pytest.skip("needs the ffmpeg command (installed by scripts/setup.sh)")
    return exe


def run_ffmpeg(*args: str) -> None:
    """Run the ffmpeg command to build a test input; fail on its errors.

    Debian's ffmpeg 5.1 once died of SIGSEGV on a plain stream copy in a full test run
    (not reproduced in 200 tries alone): a crash of the tool that builds an input is tried
    once more, an error exit is not."""
    cmd = [ffmpeg_or_skip(), "-v", "error", "-y", *args]
    done = subprocess.run(cmd)
    if done.returncode < 0:  # killed by a signal
        done = subprocess.run(cmd)
    if done.returncode != 0:
        raise subprocess.CalledProcessError(done.returncode, cmd)


def pose_lost(seq, first: int, stop: int):
    """seq with no person found on frames first..stop-1 (the tracker losing the lifter)."""
    import dataclasses

    image = seq.image.copy()
    image[first:stop] = np.nan
    return dataclasses.replace(seq, image=image)


def pose_held(seq, frames: int):
    """seq with its last frame's pose repeated for `frames` more frames (the lifter still)."""
    import dataclasses

    times = seq.timestamps_s[-1] + np.arange(1, frames + 1) / seq.fps
    return dataclasses.replace(seq, image=np.concatenate([seq.image, np.repeat(seq.image[-1:], frames, 0)]),
                               world=np.concatenate([seq.world, np.repeat(seq.world[-1:], frames, 0)]),
                               timestamps_s=np.concatenate([seq.timestamps_s, times]))


def zooming_camera(seq, zoom: np.ndarray):
    """seq as a camera zooming by zoom (float[T], about the picture's centre) films it."""
    import dataclasses

    image = seq.image.copy()
    image[:, :, :2] = 0.5 + (image[:, :, :2] - 0.5) * zoom[:, None, None]
    return dataclasses.replace(seq, image=image)


def swaying_camera(seq, path: np.ndarray, *, person_shift: float = 3.0):
    """seq as a swaying camera would film it (camera.py's input): every landmark moved by
    path (normalised x, y per frame), and meta tiles whose background shows the camera's
    steps while the tiles the lifter's box covers show the lifter's own motion
    (person_shift thumbnail px a frame down)."""
    import dataclasses

    from repsight.shots import pack_tiles
    from repsight.video import MOTION_GRID, MOTION_THUMB

    rows, cols = MOTION_GRID
    image = seq.image.copy()
    image[:, :, 0] += path[:, 0][:, None]
    image[:, :, 1] += path[:, 1][:, None]
    steps = np.vstack([[0.0, 0.0], np.diff(path, axis=0)]) * np.array(MOTION_THUMB, dtype=float)
    tiles = np.zeros((seq.n_frames, rows * cols, 3))
    tiles[:, :, :2] = steps[:, None, :]
    tiles[:, :, 2] = 0.9
    r, c = np.divmod(np.arange(rows * cols), cols)
    for t in range(seq.n_frames):
        xy = image[t, :, :2]
        if np.isnan(xy).all():
            continue
        x0, y0 = np.nanmin(xy, axis=0)
        x1, y1 = np.nanmax(xy, axis=0)
        over = (c / cols < x1) & ((c + 1) / cols > x0) & (r / rows < y1) & ((r + 1) / rows > y0)
        tiles[t, over, :2] = (0.0, person_shift)
    tiles[0] = np.nan
    meta = {**seq.meta, "scene": {"times_s": seq.timestamps_s.tolist(),
                                  "colour": [0.0] * seq.n_frames, "pixels": [0.0] * seq.n_frames,
                                  "people": [], "camera": {"thumb": list(MOTION_THUMB),
                                                           "grid": list(MOTION_GRID),
                                                           **pack_tiles(tiles)}}}
    return dataclasses.replace(seq, image=image, meta=meta)
