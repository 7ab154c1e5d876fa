"""PoseSequence <-> .npz, and the cache that spares re-running the pose model."""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np

from .errors import CacheError, OutputError
from .export import atomic_path
from .pose import DEFAULT_MODEL, EXTRACTOR_VERSION, ProgressFn, extract_pose
from .types import PoseSequence
from .video import DEFAULT_MAX_LONG_SIDE, file_hash

CACHE_FORMAT = 1


def default_cache_dir() -> Path:
    """$REPSIGHT_CACHE_DIR, else $XDG_CACHE_HOME/repsight/poses, else ~/.cache/repsight/poses."""
    env = os.environ.get("REPSIGHT_CACHE_DIR")
    if env:
        return Path(env)
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "repsight" / "poses"


def save_pose(seq: PoseSequence, path: str | os.PathLike) -> Path:
    """Write a PoseSequence to .npz atomically (a kill never leaves half a file)."""
    path = Path(path)
    meta = {
        "format": CACHE_FORMAT, "fps": seq.fps, "width": seq.width, "height": seq.height,
        "source": seq.source, "content_hash": seq.content_hash, "model": seq.model,
        "rotation": seq.rotation, "meta": seq.meta,
    }
    # The same temp-file-and-rename as every other output (export.atomic_path).
    with atomic_path(path) as tmp:
        try:
            with open(tmp, "wb") as fh:
                np.savez_compressed(fh, image=seq.image, world=seq.world,
                                    timestamps_s=seq.timestamps_s,
                                    meta=np.array(json.dumps(meta)))
        except OSError as exc:
            raise OutputError(f"cannot write pose file {path}: {exc.strerror or exc}") from None
    return path


def load_pose(path: str | os.PathLike) -> PoseSequence:
    """Read a PoseSequence written by save_pose."""
    path = Path(path)
    try:
        with np.load(path, allow_pickle=False) as data:
            meta = json.loads(str(data["meta"]))
            if meta.get("format") != CACHE_FORMAT:
                raise CacheError(f"pose file {path} has format {meta.get('format')}, "
                                 f"expected {CACHE_FORMAT}")
            return PoseSequence(
                image=data["image"], world=data["world"], timestamps_s=data["timestamps_s"],
                fps=float(meta["fps"]), width=int(meta["width"]), height=int(meta["height"]),
                source=meta["source"], content_hash=meta["content_hash"], model=meta["model"],
                rotation=int(meta["rotation"]), meta=meta.get("meta", {}),
            )
    except FileNotFoundError:
        raise CacheError(f"pose file not found: {path}") from None
    except (OSError, ValueError, KeyError, json.JSONDecodeError) as exc:
        raise CacheError(f"unreadable pose file {path}: {exc}") from None


def cache_path(content_hash: str, model: str, max_long_side: int | None,
               cache_dir: Path) -> Path:
    """Where the cached extraction of this content with this model lives."""
    key = f"{content_hash[:24]}_{model}_s{max_long_side or 0}_v{EXTRACTOR_VERSION}"
    return cache_dir / f"{key}.npz"


def extract_cached(video: str | os.PathLike, *, model: str = DEFAULT_MODEL,
                   cache_dir: str | os.PathLike | None = None, use_cache: bool = True,
                   progress: ProgressFn | None = None,
                   max_long_side: int | None = DEFAULT_MAX_LONG_SIDE,
                   workers: int = 1) -> PoseSequence:
    """extract_pose, reusing an earlier extraction of the same bytes with the same model.

    The key leaves out `workers`: a chunked extraction gives the same reps, phases and
    verdicts as a sequential one (landmarks differ by about a pixel after each seam; see
    benchmarks/README.md), so either may serve the other.
    """
    digest = file_hash(video) if Path(video).is_file() else ""
    directory = Path(cache_dir) if cache_dir else default_cache_dir()
    target = cache_path(digest, model, max_long_side, directory) if digest else None
    if use_cache and target is not None and target.is_file():
        try:
            seq = load_pose(target)
            # The cache is keyed by content; report the path the user gave this time.
            return PoseSequence(**{**seq.__dict__, "source": str(video)})
        except CacheError:
            pass  # a damaged cache entry is simply rebuilt
    seq = extract_pose(video, model=model, progress=progress, max_long_side=max_long_side,
                       content_hash=digest or None, workers=workers)
    if use_cache and target is not None:
        try:
            save_pose(seq, target)
        except OutputError:
            seq.meta.setdefault("warnings", []).append(
                f"could not write pose cache in {directory}")
    return seq
