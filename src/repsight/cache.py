"""PoseSequence <-> .npz, and the cache that spares re-running the pose model."""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import json
import os
import zipfile
import zlib
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Iterator

import numpy as np

from .errors import CacheError, OutputError, RepsightError
from .export import atomic_path
from .pose import DEFAULT_MODEL, EXTRACTOR_VERSION, Crop, ProgressFn, extract_pose
from .types import PoseSequence
from .video import DEFAULT_MAX_LONG_SIDE, file_hash

if TYPE_CHECKING:
    from .barpath import BarTrack

# 2: the meta records a SHA-256 of the arrays, checked on every load. Format 1 files
# (no digest) are still read, with their shapes checked.
CACHE_FORMAT = 2
READABLE_FORMATS = (1, 2)
# What a damaged .npz can raise while being read: zip and zlib damage, short reads, bad
# headers, wrong JSON or fields. One list, so no bare except is needed.
_DECODE_ERRORS = (OSError, EOFError, ValueError, KeyError, TypeError, AttributeError,
                  zipfile.BadZipFile, zlib.error, json.JSONDecodeError, RepsightError)


def arrays_digest(image: np.ndarray, world: np.ndarray, timestamps_s: np.ndarray) -> str:
    """SHA-256 of the three pose arrays (dtype, shape and bytes), stored in the .npz meta."""
    h = hashlib.sha256()
    for a in (image, world, timestamps_s):
        a = np.ascontiguousarray(a)
        h.update(f"{a.dtype.str}{a.shape}".encode("ascii"))
        h.update(a.tobytes())
    return h.hexdigest()


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
        "digest": arrays_digest(seq.image, seq.world, seq.timestamps_s),
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
    """Read a PoseSequence written by save_pose; CacheError when it is missing or damaged.

    Checked: the format, the arrays' dtypes and shapes, and (format 2) their SHA-256, so a
    truncated or bit-flipped file is refused rather than analysed.
    """
    path = Path(path)
    with _read_errors("pose file", path), np.load(path, allow_pickle=False) as data:
        meta = json.loads(str(data["meta"]))
        if not isinstance(meta, dict) or meta.get("format") not in READABLE_FORMATS:
            fmt = meta.get("format") if isinstance(meta, dict) else None
            raise CacheError(f"pose file {path} has format {fmt!r}, "
                             f"expected {CACHE_FORMAT}")
        image, world, times = data["image"], data["world"], data["timestamps_s"]
        for name, a, dtype, tail in (("image", image, np.float32, (33, 5)),
                                     ("world", world, np.float32, (33, 3)),
                                     ("timestamps_s", times, np.float64, ())):
            if a.dtype != dtype or a.shape[1:] != tail or len(a) != len(times):
                raise CacheError(f"pose file {path}: {name} has shape {a.shape} "
                                 f"({a.dtype}), not what save_pose writes")
        if meta["format"] >= 2 and meta.get("digest") != arrays_digest(image, world, times):
            raise CacheError(f"pose file {path} is damaged (its checksum does not match)")
        return PoseSequence(
            image=image, world=world, timestamps_s=times,
            fps=float(meta["fps"]), width=int(meta["width"]), height=int(meta["height"]),
            source=str(meta["source"]), content_hash=str(meta["content_hash"]),
            model=str(meta["model"]), rotation=int(meta["rotation"]),
            meta=dict(meta.get("meta") or {}),
        )


@contextlib.contextmanager
def _read_errors(what: str, path: Path) -> Iterator[None]:
    """Map a missing or undecodable cache file to one CacheError naming `what` and `path`."""
    try:
        yield
    except FileNotFoundError:
        raise CacheError(f"{what} not found: {path}") from None
    except CacheError:
        raise
    except _DECODE_ERRORS as exc:
        raise CacheError(f"unreadable {what} {path}: "
                         f"{type(exc).__name__}: {str(exc)[:200]}") from None


def cache_path(content_hash: str, model: str, max_long_side: int | None,
               cache_dir: Path, turn: int = 0, crop: Crop | None = None) -> Path:
    """Where the cached extraction of this content with this model (and picture turn, and
    the part of the picture the model was shown) lives."""
    key = f"{content_hash[:24]}_{model}_s{max_long_side or 0}_v{EXTRACTOR_VERSION}"
    # Unturned, uncropped keys stay as they were: every cache made before either existed
    # is valid.
    if turn:
        key += f"_r{turn}"
    if crop is not None:
        key += "_c" + "-".join(str(int(round(c * 10000))) for c in crop)
    return cache_dir / f"{key}.npz"


class _Stale(Exception):
    """A cache entry that is sound but no longer what extraction makes of the file."""


def _stale_turn(video: str | os.PathLike, seq: PoseSequence) -> bool:
    """Whether the entry's poses were read with another turn of the picture than the file's
    display matrix now gives (a mirrored matrix was once read as a half turn)."""
    from .container import display_turn_of
    from .types import picture_turn

    turn = display_turn_of(video)
    return turn is not None and (turn + picture_turn(seq)) % 360 != seq.rotation


def extract_cached(video: str | os.PathLike, *, model: str = DEFAULT_MODEL,
                   cache_dir: str | os.PathLike | None = None, use_cache: bool = True,
                   progress: ProgressFn | None = None,
                   max_long_side: int | None = DEFAULT_MAX_LONG_SIDE,
                   workers: int = 1, turn: int = 0, pick_lifter: str = "still") -> PoseSequence:
    """extract_pose, reusing an earlier extraction of the same bytes with the same model
    (and the same picture turn, see extract_pose).

    The key leaves out `workers`: a chunked extraction gives the same reps, phases and
    verdicts as a sequential one (landmarks differ by about a pixel after each seam; see
    benchmarks/README.md), so either may serve the other.

    pick_lifter ("any", "still" or "": profiles.lifter_pick): when the people scan finds
    that the pose model followed a body that moves less than another one beside it
    (shots.count_people: a spotter or bystander taken for the lifter), with "still" only
    when the followed body stays still through the clip (shots.body_still: a curler
    beside a squatter is left followed), and a part of the picture holds the moving one
    alone (PeopleCount.lifter_box), the model is run again on that part, and its poses
    are kept when it then follows that body, with a warning that says so. This costs a
    second pass over the clip on such clips only, and is cached as any extraction.
    """
    seq = _extract_cached(video, model=model, cache_dir=cache_dir, use_cache=use_cache,
                          progress=progress, max_long_side=max_long_side, workers=workers,
                          turn=turn)
    if pick_lifter not in ("any", "still"):
        return seq
    from .shots import body_still, count_people

    people = count_people(seq)
    box = people.lifter_box if people is not None and people.tracked_is_lifter is False else None
    if box is None or (pick_lifter == "still" and not body_still(seq)):
        return seq
    lifted = _extract_cached(video, model=model, cache_dir=cache_dir, use_cache=use_cache,
                             progress=progress, max_long_side=max_long_side, workers=workers,
                             turn=turn, crop=box)
    again = count_people(lifted)
    if again is None or again.tracked_is_lifter is not True or not lifted.detected.any():
        return seq  # the crop did not isolate the lifter: the scan's doubt is said as before
    note = (f"the pose model had followed one body while {people.evidence}; that one, taken for "
            f"the lifter, was followed instead on the part of the picture around it "
            f"(x {box[0]:.0%}-{box[2]:.0%}, y {box[1]:.0%}-{box[3]:.0%})")
    return dataclasses.replace(lifted, meta={**lifted.meta,
                                             "warnings": [*lifted.meta.get("warnings", []), note]})


def _extract_cached(video: str | os.PathLike, *, model: str, cache_dir: str | os.PathLike | None,
                    use_cache: bool, progress: ProgressFn | None, max_long_side: int | None,
                    workers: int, turn: int, crop: Crop | None = None) -> PoseSequence:
    """One cached extraction (extract_cached without the lifter's pick)."""
    digest = file_hash(video) if Path(video).is_file() else ""
    directory = Path(cache_dir) if cache_dir else default_cache_dir()
    target = cache_path(digest, model, max_long_side, directory, turn, crop) if digest else None
    damaged = None
    if use_cache and target is not None and target.is_file():
        try:
            seq = load_pose(target)
            if _stale_turn(video, seq):
                raise _Stale
            if "slow_motion" not in seq.meta:
                # Extracted before slow motion was timed as lifted: the file's tag is read
                # now (its header only), so such a clip is not read 2-8x slow from the cache.
                from .container import capture_fps_of
                from .pose import retimed

                seq = retimed(seq, capture_fps_of(video), seq.fps)
            # The cache is keyed by content; report the path the user gave this time.
            return PoseSequence(**{**seq.__dict__, "source": str(video)})
        except _Stale:
            pass  # extracted again below, and written over the entry
        except CacheError as exc:
            # A damaged entry is discarded and rebuilt below, and the user is told.
            damaged = str(exc)
            with contextlib.suppress(OSError):
                target.unlink()
    seq = extract_pose(video, model=model, progress=progress, max_long_side=max_long_side,
                       content_hash=digest or None, workers=workers, turn=turn, crop=crop)
    if use_cache and target is not None:
        try:
            save_pose(seq, target)
        except OutputError:
            seq.meta.setdefault("warnings", []).append(
                f"could not write pose cache in {directory}")
    if damaged:  # after saving: the rebuilt entry itself is sound
        seq.meta.setdefault("warnings", []).append(
            f"discarded a damaged pose-cache entry and rebuilt it ({damaged})")
    return seq


# ---------------------------------------------------------------- the bar track

# 1: arrays xy_px, radius_px, source; meta with the key, the scalar fields and a digest.
BAR_CACHE_FORMAT = 1


def bar_cache_key(seq: PoseSequence, anchor: str, **settings) -> dict:
    """What a bar track depends on: the video's bytes, the poses, the tracker and its settings.

    settings: track_bar's keyword arguments (its defaults fill the rest), so a changed
    plate diameter, body scale or tracker setting, or a new BAR_TRACKER_VERSION, is
    another key. The poses count too: the pass looks for the bar where they put the hands.
    """
    import inspect

    from .barpath import BAR_TRACKER_VERSION, track_bar

    bound = inspect.signature(track_bar).bind(seq.source, seq, anchor, **settings)
    bound.apply_defaults()
    args = {k: v.item() if isinstance(v, np.generic) else v  # numpy scalars as JSON numbers
            # the view is read from the poses, which the key holds already
            for k, v in bound.arguments.items() if k not in ("video", "seq", "progress", "view")}
    return {"video": seq.content_hash, "poses": arrays_digest(seq.image, seq.world, seq.timestamps_s),
            "tracker": BAR_TRACKER_VERSION, **args}


def bar_cache_path(key: dict, cache_dir: Path) -> Path:
    """Where the bar track of this key lives: beside the poses of the same video."""
    name = hashlib.sha256(json.dumps(key, sort_keys=True).encode("utf-8")).hexdigest()[:20]
    return cache_dir / f"bar_{key['video'][:24]}_{name}.npz"


def save_bar_track(track: BarTrack, key: dict, path: str | os.PathLike) -> Path:
    """Write a BarTrack and the key it was made for to .npz atomically."""
    path = Path(path)
    arrays = {"xy_px": np.asarray(track.xy_px, dtype=np.float64),
              "radius_px": np.asarray(track.radius_px, dtype=np.float64),
              "source": np.asarray(track.source, dtype=np.int8)}
    meta = {"format": BAR_CACHE_FORMAT, "key": key, "anchor": track.anchor,
            "dropped_by_pose": track.dropped_by_pose, "seconds": track.seconds,
            "frames_read": track.frames_read, "work_scale": track.work_scale,
            "notes": list(track.notes), "digest": _bar_digest(arrays)}
    with atomic_path(path) as tmp:
        try:
            with open(tmp, "wb") as fh:
                np.savez_compressed(fh, **arrays, meta=np.array(json.dumps(meta)))
        except OSError as exc:
            raise OutputError(f"cannot write bar track {path}: {exc.strerror or exc}") from None
    return path


def load_bar_track(path: str | os.PathLike, key: dict) -> BarTrack:
    """The BarTrack save_bar_track wrote for `key`; CacheError when missing, damaged or another key's."""
    from .barpath import BarTrack

    path = Path(path)
    with _read_errors("bar track", path), np.load(path, allow_pickle=False) as data:
        meta = json.loads(str(data["meta"]))
        if not isinstance(meta, dict) or meta.get("format") != BAR_CACHE_FORMAT:
            raise CacheError(f"bar track {path} has another format")
        # JSON round trip: the stored key compares equal only to the same settings.
        if meta.get("key") != json.loads(json.dumps(key)):
            raise CacheError(f"bar track {path} was made for other settings")
        arrays = {name: data[name] for name in ("xy_px", "radius_px", "source")}
        if meta.get("digest") != _bar_digest(arrays):
            raise CacheError(f"bar track {path} is damaged (its checksum does not match)")
        return BarTrack(arrays["xy_px"], arrays["radius_px"], arrays["source"],
                        str(meta["anchor"]), dropped_by_pose=int(meta["dropped_by_pose"]),
                        seconds=float(meta["seconds"]), frames_read=int(meta["frames_read"]),
                        work_scale=float(meta["work_scale"]),
                        notes=tuple(str(n) for n in meta["notes"]))


def _bar_digest(arrays: dict[str, np.ndarray]) -> str:
    """SHA-256 of a bar track's arrays (dtype, shape and bytes)."""
    h = hashlib.sha256()
    for name in sorted(arrays):
        a = np.ascontiguousarray(arrays[name])
        h.update(f"{name}{a.dtype.str}{a.shape}".encode("ascii"))
        h.update(a.tobytes())
    return h.hexdigest()


def track_bar_cached(video: str | os.PathLike, seq: PoseSequence, anchor: str, *,
                     cache_dir: str | os.PathLike | None = None, use_cache: bool = True,
                     progress: Callable[[int, int], None] | None = None,
                     **settings) -> BarTrack:
    """barpath.track_bar, reusing the track an earlier pass made with the same key.

    The key (bar_cache_key) names the video by the poses' content_hash, which
    extract_cached sets from the file's bytes; poses without one are never cached. A
    damaged or unreadable entry is tracked again and replaced, silently: the result is
    the same as a first pass. settings: track_bar's keyword arguments (px_per_m,
    plate_diameter_m, ...).
    """
    from . import barpath

    if not use_cache or not seq.content_hash:
        return barpath.track_bar(video, seq, anchor, progress=progress, **settings)
    key = bar_cache_key(seq, anchor, **settings)
    target = bar_cache_path(key, Path(cache_dir) if cache_dir else default_cache_dir())
    if target.is_file():
        try:
            return load_bar_track(target, key)
        except CacheError:
            with contextlib.suppress(OSError):
                target.unlink()
    track = barpath.track_bar(video, seq, anchor, progress=progress, **settings)
    # A cache that cannot be written costs the next run a pass, nothing else.
    with contextlib.suppress(OutputError):
        save_bar_track(track, key, target)
    return track
