"""Clips with known poses for the output tests: a small video plus a cached synthetic set."""

from __future__ import annotations

from pathlib import Path

from helpers import write_test_video
from repsight.cache import cache_path, save_pose
from repsight.pose import DEFAULT_MODEL
from repsight.synthetic import synthesize
from repsight.video import DEFAULT_MAX_LONG_SIDE, file_hash


def good_clip(path: Path, cache: Path, exercise: str = "squat", reps: int = 3, *,
              seed: int = 0, size: tuple[int, int] = (160, 120), **synth) -> Path:
    """Write a small clip and put a synthetic set with `reps` known reps in the pose cache
    under the clip's content hash, so analysing it never runs the pose model."""
    seq, _truth = synthesize(exercise, reps, seed=seed, lead_in_s=0.5, lead_out_s=0.5,
                             size=size, **synth)
    path.parent.mkdir(parents=True, exist_ok=True)
    write_test_video(path, n=seq.n_frames, size=size, fps=seq.fps)
    save_pose(seq, cache_path(file_hash(path), DEFAULT_MODEL, DEFAULT_MAX_LONG_SIDE, cache))
    return path
