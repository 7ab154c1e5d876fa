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
