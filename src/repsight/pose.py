"""Pose extraction with MediaPipe Pose Landmarker; the only module that imports mediapipe."""

from __future__ import annotations

import contextlib
import dataclasses
import math
import os
import queue
import signal
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, Self

import numpy as np

from .config import DEFAULT_MODEL, MODEL_NAMES, NATIVE_LOGS_ENV
from .errors import ModelNotFoundError, RepsightError
from .landmarks import NUM_LANDMARKS
from .shots import pack_tiles
from .types import NO_PERSON_SEEN, PoseSequence, slow_motion_ratio
from .video import DEFAULT_MAX_LONG_SIDE, FrameChanges, Frame, SceneScan, VideoReader, file_hash
from .workers import sigint_held, watch_parent

# Bumped when extraction changes in a way that invalidates cached results (3: the scene
# statistics and people count in meta, which shot detection reads; frame counts without
# edit-list pre-roll; 4: each frame's background tile shifts, which camera.py reads).
EXTRACTOR_VERSION = 4

ProgressFn = Callable[[int, int], None]

# Seconds of video a chunk (all but the first) decodes and feeds to its own landmarker
# before the frames it keeps, so that the tracker has found the person and its landmark
# filters have settled by the seam (benchmarks/README.md gives the differences left).
CHUNK_WARMUP_S = 1.0
# A chunk shorter than this saves less than its worker costs to start (a process that
# imports MediaPipe and loads the model: about 1.5-2 s on one core).
MIN_CHUNK_S = 6.0


def model_dirs() -> tuple[Path, ...]:
    """Folders searched for .task bundles, in order: $REPSIGHT_MODELS_DIR when set, then
    the package's own (bundled_model_dirs)."""
    env = os.environ.get("REPSIGHT_MODELS_DIR")
    # The variable adds a folder (a heavy bundle built apart): it replaced the search, and
    # the wheel's own full model was then "missing".
    return ((Path(env),) if env else ()) + bundled_model_dirs()


def bundled_model_dirs() -> tuple[Path, ...]:
    """The package's models/ (a wheel carries lite and full there) and, in a checkout or
    editable install, the source tree's models/ (the source of truth, heavy included)."""
    here = Path(__file__).resolve().parent
    tree = here.parents[1]
    return (here / "models",) + ((tree / "models",) if (tree / "pyproject.toml").is_file() else ())


def _bundle(model: str) -> Path | None:
    """The first of model_dirs() holding the model's .task bundle, or None."""
    return next((d / f"pose_landmarker_{model}.task" for d in model_dirs()
                 if (d / f"pose_landmarker_{model}.task").is_file()), None)


def model_path(model: str) -> Path:
    """Path of the bundle for a model variant; a clear error when it is missing."""
    if model not in MODEL_NAMES:
        raise ModelNotFoundError(f"unknown pose model {model!r}; choose one of {MODEL_NAMES}")
    name = f"pose_landmarker_{model}.task"
    found = _bundle(model)
    if found is not None:
        return found
    where = " or ".join(str(d) for d in model_dirs())
    # A wheel has no models/build_models.py: it comes with repsight's source.
    hint = (f"build it in repsight's source with: python models/build_models.py {model}, "
            "then set REPSIGHT_MODELS_DIR to that models folder")
    raise ModelNotFoundError(f"pose model bundle missing: {name} in {where} ({hint})")


def native_logs_shown() -> bool:
    """Whether MediaPipe/TFLite's own log lines reach stderr (hidden unless -v asked for them)."""
    return os.environ.get(NATIVE_LOGS_ENV) == "1"


_quiet_lock = threading.Lock()
_quiet_depth = 0
_quiet_saved: int | None = None


@contextlib.contextmanager
def _quiet_native_stderr():
    """Silence what the native graph writes to fd 2 (TFLite/glog start-up chatter, LiteRT
    notes). fd 2 is the process's: threads extracting at once share one redirection, made
    by the first to enter and undone by the last to leave."""
    global _quiet_depth, _quiet_saved
    if native_logs_shown():
        yield
        return
    with _quiet_lock:
        if _quiet_depth == 0:
            try:
                sys.stderr.flush()
                saved = os.dup(2)
            except (OSError, ValueError):  # no real fd 2 (e.g. some notebook kernels)
                saved = None
            if saved is not None:
                with open(os.devnull, "wb") as devnull:
                    os.dup2(devnull.fileno(), 2)
            _quiet_saved = saved
        _quiet_depth += 1
    try:
        yield
    finally:
        with _quiet_lock:
            _quiet_depth -= 1
            if _quiet_depth == 0 and _quiet_saved is not None:
                os.dup2(_quiet_saved, 2)
                os.close(_quiet_saved)
                _quiet_saved = None


class _NativeGraph:
    """A MediaPipe landmarker released on close() or at the end of a with block."""

    _landmarker: Any = None

    def close(self) -> None:
        """Release the native graph."""
        if self._landmarker is not None:
            # Tearing the graph down logs "DestroyAccelerator" lines on fd 2, which would turn
            # a one-line result or error into three.
            with _quiet_native_stderr():
                self._landmarker.close()
            self._landmarker = None

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


# (x0, y0, x1, y1): a part of the upright frame, in shares of its width and height.
Crop = tuple[float, float, float, float]


class PoseEstimator(_NativeGraph):
    """A PoseLandmarker in VIDEO mode: feed frames in time order, get landmark arrays."""

    def __init__(self, model: str = DEFAULT_MODEL, *, min_detection_confidence: float = 0.5,
                 min_tracking_confidence: float = 0.5, crop: Crop | None = None) -> None:
        """crop: (x0, y0, x1, y1) shares of the frame the model sees (the rest is not
        shown to it); landmarks come back in the whole frame's coordinates."""
        from mediapipe.tasks.python import BaseOptions, vision

        self.model = model
        self.crop = crop
        options = vision.PoseLandmarkerOptions(
            base_options=BaseOptions(model_asset_path=str(model_path(model))),
            running_mode=vision.RunningMode.VIDEO,
            num_poses=1,
            min_pose_detection_confidence=min_detection_confidence,
            min_pose_presence_confidence=min_detection_confidence,
            min_tracking_confidence=min_tracking_confidence,
            output_segmentation_masks=False,
        )
        try:
            with _quiet_native_stderr():
                self._landmarker = vision.PoseLandmarker.create_from_options(options)
                # The first inference prints its own start-up notes; run it here, quietly.
                import mediapipe as mp

                blank = np.zeros((64, 64, 3), dtype=np.uint8)
                self._landmarker.detect_for_video(
                    mp.Image(image_format=mp.ImageFormat.SRGB, data=blank), 0)
        except (RuntimeError, ValueError) as exc:
            raise ModelNotFoundError(f"cannot load pose model {model!r}: {exc}") from None
        self._last_ms = 0

    def detect(self, rgb: np.ndarray, time_s: float) -> tuple[np.ndarray, np.ndarray]:
        """Landmarks of one frame: (float32[33,5] image, float32[33,3] world); NaN if none."""
        import mediapipe as mp

        # VIDEO mode needs strictly increasing integer milliseconds; 240 fps clips are
        # ~4 ms apart, so rounding alone could collide.
        ts = max(int(round(time_s * 1000.0)), self._last_ms + 1)
        self._last_ms = ts
        h, w = rgb.shape[:2]
        x0 = y0 = 0
        if self.crop is not None:
            x0, y0, x1, y1 = crop_pixels(self.crop, w, h)
            rgb = rgb[y0:y1, x0:x1]
        sh, sw = rgb.shape[:2]
        # mp.Image reads the buffer as tightly packed rows; a strided view is garbage to it.
        image = mp.Image(image_format=mp.ImageFormat.SRGB, data=np.ascontiguousarray(rgb))
        # Quiet on every frame, not only the first: the graph logs a one-off warning on its
        # first tracked person, and LiteRT now and then one about the input's alignment
        # ("Reallocating memory and copying data") on any frame (about 20 ms a frame
        # against a few microseconds for the two descriptor swaps).
        with _quiet_native_stderr():
            result = self._landmarker.detect_for_video(image, ts)
        img = np.full((NUM_LANDMARKS, 5), np.nan, dtype=np.float32)
        world = np.full((NUM_LANDMARKS, 3), np.nan, dtype=np.float32)
        if result.pose_landmarks:
            img[:] = [(p.x, p.y, p.z, p.visibility or 0.0, p.presence or 0.0)
                      for p in result.pose_landmarks[0]]
            world[:] = [(p.x, p.y, p.z) for p in result.pose_world_landmarks[0]]
            if (sw, sh) != (w, h):
                # Back to the whole frame: x and depth are shares of the width, y of the height.
                img[:, 0] = (x0 + img[:, 0] * sw) / w
                img[:, 1] = (y0 + img[:, 1] * sh) / h
                img[:, 2] *= sw / w
        return img, world


def crop_pixels(crop: Crop, width: int, height: int) -> tuple[int, int, int, int]:
    """(x0, y0, x1, y1) pixels of a crop given in shares of a width x height frame (at
    least 2 pixels each way, inside the frame)."""
    x0 = int(np.clip(np.floor(crop[0] * width), 0, width - 2))
    y0 = int(np.clip(np.floor(crop[1] * height), 0, height - 2))
    x1 = int(np.clip(np.ceil(crop[2] * width), x0 + 2, width))
    y1 = int(np.clip(np.ceil(crop[3] * height), y0 + 2, height))
    return x0, y0, x1, y1


def prefetch(frames: Iterable[Frame], depth: int = 8) -> Iterator[Frame]:
    """Decode in a background thread so decoding overlaps pose inference."""
    q: queue.Queue = queue.Queue(maxsize=depth)
    done = object()
    stop = threading.Event()

    def worker() -> None:
        try:
            for f in frames:
                while not stop.is_set():
                    try:
                        q.put(f, timeout=0.1)
                        break
                    except queue.Full:
                        continue
                if stop.is_set():
                    return
            q.put(done)
        except BaseException as exc:  # handed to the consumer, which re-raises it
            q.put(exc)

    thread = threading.Thread(target=worker, name="repsight-decode", daemon=True)
    thread.start()
    try:
        while True:
            item = q.get()
            if item is done:
                return
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop.set()
        thread.join(timeout=5)


class _LandmarkBuffer:
    """Growable float32 arrays for per-frame landmarks: no per-frame objects, no final copy."""

    def __init__(self, capacity: int) -> None:
        self.n = 0
        self.image = np.empty((max(capacity, 16), NUM_LANDMARKS, 5), dtype=np.float32)
        self.world = np.empty((max(capacity, 16), NUM_LANDMARKS, 3), dtype=np.float32)
        self.times = np.empty(max(capacity, 16), dtype=np.float64)

    def append(self, img: np.ndarray, world: np.ndarray, time_s: float) -> None:
        if self.n == len(self.times):
            grow = len(self.times) // 2 + 16
            self.image = np.concatenate([self.image, np.empty_like(self.image[:grow])])
            self.world = np.concatenate([self.world, np.empty_like(self.world[:grow])])
            self.times = np.concatenate([self.times, np.empty_like(self.times[:grow])])
        self.image[self.n] = img
        self.world[self.n] = world
        self.times[self.n] = time_s
        self.n += 1

    def arrays(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        # Views when the estimate was right (the usual case), copies only when shrinking a lot.
        n = self.n
        if n < 0.9 * len(self.times):
            return self.image[:n].copy(), self.world[:n].copy(), self.times[:n].copy()
        return self.image[:n], self.world[:n], self.times[:n]


def _gap_warning(detected: np.ndarray, times: np.ndarray, *, min_gap_s: float = 0.5) -> str | None:
    """A note on the longest stretch without a person between two stretches with one."""
    idx = np.flatnonzero(detected)
    if len(idx) < 2:
        return None
    jumps = np.flatnonzero(np.diff(idx) > 1)
    if not len(jumps):
        return None
    # Gap k runs from frame idx[j]+1 to idx[j+1]-1; measure it between the detections.
    starts, ends = idx[jumps], idx[jumps + 1]
    lengths = times[ends] - times[starts]
    long = lengths >= min_gap_s
    if not long.any():
        return None
    k = int(np.argmax(lengths))
    more = int(long.sum()) - 1
    return (f"the person left the frame or was lost for {lengths[k]:.1f} s "
            f"({times[starts[k]] - times[0]:.1f}-{times[ends[k]] - times[0]:.1f} s)"
            + (f" and {more} more time{'s' if more > 1 else ''}" if more > 0 else ""))


@dataclass(frozen=True)
class Chunk:
    """A time range of a clip extracted by one worker: frames with start_s <= t < stop_s
    are kept; decoding and tracking start at warmup_from_s (<= start_s)."""

    index: int
    start_s: float
    stop_s: float
    warmup_from_s: float


def plan_chunks(first_s: float, duration_s: float, workers: int, *,
                warmup_s: float = CHUNK_WARMUP_S,
                min_chunk_s: float = MIN_CHUNK_S) -> tuple[Chunk, ...]:
    """Split a clip into at most `workers` chunks of equal work (kept + warm-up seconds).

    first_s: time of the first frame; duration_s > 0; workers >= 1; warmup_s >= 0 s;
    min_chunk_s > 0 s: no chunk keeps less (one chunk when the clip is shorter than two).
    The first chunk starts at -inf and the last stops at +inf, so no frame falls outside.
    """
    if workers < 1:
        raise ValueError(f"workers must be at least 1, got {workers}")
    n = max(1, min(workers, int(duration_s // min_chunk_s)))
    if n == 1:
        return (Chunk(0, -math.inf, math.inf, -math.inf),)
    # Later chunks also decode their warm-up: give them that much less to keep.
    work = (duration_s + (n - 1) * warmup_s) / n
    bounds = [first_s + work + k * (work - warmup_s) for k in range(n - 1)]
    starts = [-math.inf] + bounds
    stops = bounds + [math.inf]
    return tuple(Chunk(k, starts[k], stops[k], starts[k] - warmup_s if k else -math.inf)
                 for k in range(n))


def _run_chunk(reader: VideoReader, chunk: Chunk, model: str,
               progress: ProgressFn | None, total: int, crop: Crop | None = None) -> _LandmarkBuffer:
    """The landmarks of the frames one chunk keeps (warm-up frames are tracked, not kept)."""
    frames = iter(reader) if math.isinf(chunk.warmup_from_s) \
        else reader.frames_from(chunk.warmup_from_s)
    info = reader.info
    # Sized from the container's count (capped: a damaged header may announce anything).
    span = max(info.frame_count, reader.frames_announced)
    if not (math.isinf(chunk.start_s) and math.isinf(chunk.stop_s)):
        kept_s = min(chunk.stop_s, info.duration_s) - max(chunk.start_s, 0.0)
        span = min(span, int(kept_s * info.fps) + 2)
    buf = _LandmarkBuffer(min(span + 2, 1 << 15))
    with PoseEstimator(model, crop=crop) as estimator:
        for frame in prefetch(frames):
            if frame.time_s >= chunk.stop_s:
                break
            img, world = estimator.detect(frame.rgb, frame.time_s)
            if frame.time_s >= chunk.start_s:
                buf.append(img, world, frame.time_s)
                if progress is not None:
                    progress(buf.n, max(total, buf.n))
    return buf


def extract_pose(video: str | os.PathLike, *, model: str = DEFAULT_MODEL,
                 progress: ProgressFn | None = None,
                 max_long_side: int | None = DEFAULT_MAX_LONG_SIDE,
                 content_hash: str | None = None, workers: int = 1,
                 warmup_s: float = CHUNK_WARMUP_S,
                 min_chunk_s: float = MIN_CHUNK_S, turn: int = 0,
                 crop: Crop | None = None) -> PoseSequence:
    """Run the pose model over every frame of a video and return its PoseSequence.

    Decoding runs in a background thread (see prefetch) so that it overlaps inference;
    memory stays flat in video length: frames are dropped once the model has seen them
    and only the landmark arrays (about 1 kB a frame) grow.

    workers >= 1: with more than one, a clip of at least 2 * min_chunk_s seconds is cut
    into time chunks (plan_chunks), each run by its own landmarker in its own process
    and stitched back in order; each later chunk first tracks warmup_s (0..5 s) of the
    frames before it. Any damage a chunk meets (bad packets, frames out of order, a dead
    worker) makes the whole clip run in this process instead, so damaged files give the
    same result and warnings as with workers=1.

    turn: degrees (0, 90, 180, 270) the picture is turned clockwise beyond the file's
    rotation flag before the model sees it (a clip exported sideways); kept in the
    sequence's meta (types.picture_turn) for every later read of the video.

    crop: (x0, y0, x1, y1) shares of the upright picture the pose model is shown (the
    lifter's part of a picture with another person in it: cache.extract_cached); the
    landmarks are in the whole picture's coordinates all the same, and the shot
    statistics and people counts come from the whole picture. Kept in meta["crop"].
    """
    if not isinstance(workers, int) or isinstance(workers, bool) or workers < 1:
        raise RepsightError(f"workers must be a whole number of at least 1, got {workers!r}")
    reader = VideoReader(video, max_long_side=max_long_side, turn=turn)
    info = reader.info
    total = info.frame_count
    chunks = plan_chunks(0.0, info.duration_s, workers, warmup_s=warmup_s,
                         min_chunk_s=min_chunk_s)
    extra: dict[str, Any] = {}
    # The shot statistics and the frames people are counted on come from the decode the
    # pose model reads (SceneScan), in every process: the clip is decoded once.
    sample_times = sample_times_s(info.duration_s)
    arrays = None
    if len(chunks) > 1:
        # The people are counted here as the chunks send their sampled frames: this
        # process would only wait meanwhile.
        with _PeopleTally() as people:
            arrays, notes, changes = _extract_parallel(
                video, chunks, model=model, max_long_side=max_long_side, progress=progress,
                total=total, frame_size=reader.size, sample_times=sample_times,
                on_sample=people.add, turn=turn, crop=crop)
            expected = max(total, reader.frames_announced)
            if arrays is not None and len(arrays[2]) < 0.95 * expected - 1:
                # A short read: the one-process path says how short, in its warnings.
                arrays, notes = None, {"parallel_fallback":
                                       f"chunks decoded {len(arrays[2])} of {expected} frames"}
            extra.update(notes)
            if arrays is not None:
                extra["scene"] = _scene_meta(changes, people.counted())  # shots, people
    if arrays is None:
        reader.scan = scan = SceneScan(info, sample_times_s=sample_times)
        buf = _run_chunk(reader, plan_chunks(0.0, 1.0, 1)[0], model, progress, total, crop)
        if buf.n == 0:
            raise RepsightError(f"no frames decoded from {video}")
        arrays = buf.arrays()
        # Counted after the pose pass, here: the model's stderr is this thread's.
        with _PeopleTally() as people:
            for t, rgb in scan.samples:
                people.add(t, rgb)
            extra["scene"] = _scene_meta(scan.changes(), people.counted())  # shots, people
    image, world, seq_times = arrays
    warnings = list(reader.warnings)
    if not reader.info.timestamped:
        warnings.append(f"the file carries no timestamps: times assume {reader.info.fps:g} fps")
    if reader.info.video_streams > 1:
        warnings.append(f"the file holds {reader.info.video_streams} video streams; only the "
                        "first was analysed")
    if reader.info.display_note:
        warnings.append(reader.info.display_note)
    detected = ~np.isnan(image[:, 0, 0])
    found = float(detected.mean())
    if found == 0.0:
        warnings.append(NO_PERSON_SEEN)
    elif found < 0.5:  # worded as summary.quality_warnings words it, so one line is shown
        warnings.append(f"person found on only {found:.0%} of frames")
    # Said in the times the result is read in: a slow-motion clip's are the lifted ones
    # (retimed, below), and "lost at 20.2-21.0 s" beside reps ending at 10.7 s misled.
    slowed = slow_motion_ratio(info.capture_fps, info.fps) or 1.0
    gap = _gap_warning(detected, np.asarray(seq_times) / slowed) if found > 0 else None
    if gap:
        warnings.append(gap)
    if info.variable_frame_rate:
        warnings.append("variable frame rate: per-frame container timestamps are used")
    if info.fps > 100 and info.capture_fps is None:
        # A file that states its capture rate says whether it plays in real time.
        warnings.append(f"high frame rate ({info.fps:.0f} fps): timings use container "
                        "timestamps; slow-motion clips re-timed by the phone will read slow")
    seq = PoseSequence(
        image=image, world=world, timestamps_s=seq_times,
        fps=float(info.fps), width=reader.size[0], height=reader.size[1], source=str(video),
        content_hash=content_hash or file_hash(video), model=model, rotation=info.rotation,
        meta={"warnings": warnings, "frame_count_container": info.frame_count,
              "extractor_version": EXTRACTOR_VERSION, "max_long_side": max_long_side or 0,
              "source_width": info.width, "source_height": info.height,
              **({"turn": turn} if turn else {}),
              **({"crop": [round(float(c), 4) for c in crop]} if crop is not None else {}), **extra},
    )
    return retimed(seq, info.capture_fps, info.fps)


def retimed(seq: PoseSequence, capture_fps: float | None, playback_fps: float) -> PoseSequence:
    """The sequence timed at the speed it was lifted when its file is slow motion (filmed at
    capture_fps, stored to play at playback_fps, as a phone's slow-motion clip says in its
    capture-rate tag), with a warning; else as it is.

    Every time kept with the poses turns alike (timestamps, fps, the frame statistics' and
    people counts' times); meta["slow_motion"] says by how much (recorded as 1.0 for real
    time too: a cached sequence without it predates the retiming, see cache.extract_cached),
    and a later read of the file matches its frames through types.slow_motion. Else every
    rep of such a clip read 2-8x too slow, a tempo failure on each.
    """
    slowed = slow_motion_ratio(capture_fps, playback_fps)
    if not slowed:
        return dataclasses.replace(seq, meta={**seq.meta, "slow_motion": 1.0})
    meta = dict(seq.meta)
    scene = meta.get("scene")
    if isinstance(scene, dict):
        scene = dict(scene)
        scene["times_s"] = [round(t / slowed, 6) for t in scene.get("times_s", [])]
        scene["people"] = [{**p, "t": round(p["t"] / slowed, 4)} for p in scene.get("people", [])]
        meta["scene"] = scene
    meta["slow_motion"] = slowed
    meta["warnings"] = [*meta.get("warnings", []),
                        f"slow-motion clip: filmed at {capture_fps:.0f} fps and stored to play at "
                        f"{playback_fps:.0f} fps (the file's capture-rate tag); timed at the speed "
                        f"it was lifted, {slowed:.3g}x faster than it plays"]
    return dataclasses.replace(seq, timestamps_s=np.asarray(seq.timestamps_s) / slowed,
                               fps=float(seq.fps) * slowed, meta=meta)


# ------------------------------------------------------------------ chunks in processes

# A seam is accepted when the two trackers agree there: on the last SEAM_AGREE_FRAMES
# warm-up frames the later chunk's landmarks lie within SEAM_TOLERANCE (share of the
# frame's long side, median over the landmarks both see) of the earlier chunk's. Where
# they do not (the later tracker found another reading of the pose: a lying press seen
# head-on, a cropped curl), the earlier chunk's tracker carries on past its end, as a
# one-process run would, until the two agree for SEAM_AGREE_FRAMES frames in a row.
SEAM_TOLERANCE = 0.01
SEAM_AGREE_FRAMES = 5
_EXTEND_BATCH = 15  # frames a carrying-on worker sends at a time


def same_pose(a: np.ndarray, b: np.ndarray, frame_size: tuple[int, int], *,
              tolerance: float = SEAM_TOLERANCE) -> np.ndarray:
    """bool[T]: frames on which two landmark arrays (float32[T,33,5]) read the same pose.

    The same: no person in either, or the median distance of the landmarks both see
    (visibility > 0.5; all of them when they share none) within tolerance x the long
    side (0..1). A person in one and not the other is not the same.
    """
    w, h = frame_size
    px = np.linalg.norm((a[..., :2].astype(np.float64) - b[..., :2]) * (w, h), axis=-1)
    found_a, found_b = ~np.isnan(a[:, 0, 0]), ~np.isnan(b[:, 0, 0])
    seen = (a[..., 3] > 0.5) & (b[..., 3] > 0.5)
    seen[~seen.any(axis=1)] = True
    with np.errstate(invalid="ignore"):
        dist = np.array([np.nanmedian(px[t][seen[t]]) if found_a[t] and found_b[t] else np.nan
                         for t in range(len(px))])
    same = dist <= tolerance * max(w, h)
    return np.where(found_a | found_b, same, True)


def _extract_parallel(video: str | os.PathLike, chunks: tuple[Chunk, ...], *, model: str,
                      max_long_side: int | None, progress: ProgressFn | None, total: int,
                      frame_size: tuple[int, int], sample_times: np.ndarray | None = None,
                      on_sample: Callable[[float, np.ndarray], None] | None = None,
                      turn: int = 0, crop: Crop | None = None
                      ) -> tuple[tuple[np.ndarray, np.ndarray, np.ndarray] | None, dict,
                                 FrameChanges | None]:
    """Run each chunk in its own process and stitch them (see SEAM_TOLERANCE).

    Returns (image, world, times), notes for the sequence's meta and the clip's shot
    statistics (each worker's SceneScan of its own frames, joined; None if one failed),
    or None, {"parallel_fallback": why}, None. The frame after each of sample_times is
    handed to on_sample(time_s, rgb) here as the workers send it. Spawned, not forked:
    MediaPipe's graph and the decode threads are not fork-safe. Every worker is ended
    before this returns, whatever happens (an error, Ctrl-C).
    """
    import multiprocessing

    ctx = multiprocessing.get_context("spawn")
    messages = ctx.Queue()
    orders = [ctx.Queue() for _ in chunks]
    procs = [ctx.Process(target=_chunk_worker, name=f"repsight-pose-{c.index}",
                         args=(str(video), c, model, max_long_side, messages, orders[c.index],
                               os.getpid(), c.index == len(chunks) - 1, sample_times, turn, crop),
                         daemon=True)
             for c in chunks]
    done = [0] * len(chunks)
    kept: dict[int, tuple] = {}
    warm: dict[int, tuple] = {}
    scans: dict[int, FrameChanges | None] = {}
    queues = [messages, *orders]
    try:
        with sigint_held():  # a Ctrl-C while a worker imports: see sigint_held
            for proc in procs:
                proc.start()

        def receive(wanted: str, k: int | None = None):
            """The next message of a kind (progress handled on the way); raises on trouble."""
            strikes = 0
            while True:
                try:
                    msg = messages.get(timeout=0.5)
                except queue.Empty:
                    live = [p for i, p in enumerate(procs) if i not in kept or i == k]
                    dead = [p for p in live if not p.is_alive()]
                    # Twice: a worker's last message may land just after a timeout.
                    strikes = strikes + 1 if dead else 0
                    if strikes >= 2:
                        raise _ChunkFailed(f"pose worker {dead[0].name} exited "
                                           f"({dead[0].exitcode})")
                    continue
                kind, i, payload = msg
                if kind == "progress":
                    done[i] = payload
                    if progress is not None:
                        progress(sum(done), max(total, sum(done)))
                elif kind == "error":
                    raise _ChunkFailed(str(payload))
                elif kind == "sample":
                    if on_sample is not None:
                        on_sample(*payload)
                elif kind == wanted and (k is None or i == k):
                    return i, payload

        while len(kept) < len(chunks):
            i, (k_arrays, w_arrays, warnings, scans[i]) = receive("done")
            if warnings:
                raise _ChunkFailed("; ".join(warnings))
            kept[i], warm[i] = k_arrays, w_arrays
            done[i] = len(k_arrays[2])

        def extend(owner: int, n: int) -> tuple[tuple, bool]:
            orders[owner].put(("extend", n))
            return receive("extended", owner)[1]

        parts, notes = _stitch(chunks, kept, warm, extend, frame_size)
        for order in orders:
            order.put(("quit", 0))
    except _ChunkFailed as exc:
        return None, {"parallel_fallback": str(exc)}, None
    finally:
        _stop_workers(procs)
        for q in queues:
            q.close()
            q.join_thread()
    image = np.concatenate([p[0] for p in parts])
    world = np.concatenate([p[1] for p in parts])
    times = np.concatenate([p[2] for p in parts])
    if len(times) == 0 or not np.all(np.diff(times) > 0):
        return None, {"parallel_fallback": "chunks do not join into increasing timestamps"}, None
    # Each chunk's statistics cover the frames it keeps, whoever's landmarks were stitched in.
    parts_scanned = [scans[c.index] for c in chunks]
    changes = None if any(p is None for p in parts_scanned) else FrameChanges(
        *(np.concatenate([getattr(p, f) for p in parts_scanned]) for f in FrameChanges.FIELDS),
        grid=parts_scanned[0].grid, thumb=parts_scanned[0].thumb)
    return (image, world, times), {"chunks": len(chunks), **notes}, changes


class _ChunkFailed(Exception):
    """A chunk could not be used; the clip runs in one process instead."""


def _stitch(chunks: tuple[Chunk, ...], kept: dict, warm: dict,
            extend: Callable[[int, int], tuple[tuple, bool]],
            frame_size: tuple[int, int]) -> tuple[list[tuple], dict]:
    """Join the chunks in order, checking each seam (see SEAM_TOLERANCE).

    extend(owner, n): the next n frames from the owner chunk's worker, which tracks on
    from where it stopped; returns ((image, world, times), ended).
    """
    parts = [kept[0]]
    owner = 0  # whose tracker the frames at the current end of `parts` come from
    seams: list[float] = []
    carried = 0
    for k in range(1, len(chunks)):
        w_img, _, w_times = warm[k]
        n = min(SEAM_AGREE_FRAMES, len(w_times))
        tail_img = np.concatenate([p[0] for p in parts])[-n:] if n else np.zeros((0, 33, 5))
        tail_times = np.concatenate([p[2] for p in parts])[-n:] if n else np.zeros(0)
        if n == 0 or (np.array_equal(tail_times, w_times[-n:])
                      and same_pose(tail_img, w_img[-n:], frame_size).all()):
            parts.append(kept[k])
            seams.append(float(kept[k][2][0]) if len(kept[k][2]) else chunks[k].start_s)
            owner = k
            continue
        # The trackers read the seam differently: the owner carries on until they agree.
        k_img, k_world, k_times = kept[k]
        ext_img, ext_world, ext_times = [], [], []
        run, switch, j = 0, None, 0
        while j < len(k_times) and switch is None:
            (e_img, e_world, e_times), ended = extend(owner, min(_EXTEND_BATCH, len(k_times) - j))
            ok = same_pose(e_img, k_img[j:j + len(e_times)], frame_size)
            if not np.array_equal(e_times, k_times[j:j + len(e_times)]):
                raise _ChunkFailed("chunks disagree on frame times")
            for m in range(len(e_times)):
                run = run + 1 if ok[m] else 0
                if run >= SEAM_AGREE_FRAMES and switch is None:
                    switch = j + m + 1
            ext_img.append(e_img), ext_world.append(e_world), ext_times.append(e_times)
            j += len(e_times)
            if ended:
                break
        got = np.concatenate(ext_times) if ext_times else np.zeros(0)
        cut = switch if switch is not None else len(got)
        carried += cut
        parts.append((np.concatenate(ext_img)[:cut], np.concatenate(ext_world)[:cut], got[:cut]))
        if switch is not None:
            parts.append((k_img[cut:], k_world[cut:], k_times[cut:]))
            seams.append(float(k_times[cut]) if cut < len(k_times) else chunks[k].stop_s)
            owner = k
        elif cut < len(k_times):
            raise _ChunkFailed("a carrying-on worker ended early")
    return parts, {"seams_s": seams, "seam_frames_carried": carried}


def _stop_workers(procs: list) -> None:
    """End every worker: those still running (an error or Ctrl-C here) are terminated."""
    for proc in procs:
        if proc.pid is not None:
            proc.join(timeout=0.5)
    for proc in procs:
        if proc.is_alive():
            proc.terminate()
    for proc in procs:
        if proc.pid is None:
            continue  # never started
        proc.join(timeout=5)
        if proc.is_alive():
            proc.kill()
            proc.join(timeout=5)


def _tracked(reader: VideoReader, chunk: Chunk, model: str, crop: Crop | None = None
             ) -> Iterator[tuple[float, np.ndarray, np.ndarray]]:
    """(time, image landmarks, world landmarks) of every frame from the chunk's warm-up on."""
    frames = iter(reader) if math.isinf(chunk.warmup_from_s) \
        else reader.frames_from(chunk.warmup_from_s)
    with PoseEstimator(model, crop=crop) as estimator:
        for frame in prefetch(frames):
            img, world = estimator.detect(frame.rgb, frame.time_s)
            yield frame.time_s, img, world


def _chunk_worker(video: str, chunk: Chunk, model: str, max_long_side: int | None,
                  messages: Any, orders: Any, parent_pid: int, last: bool,
                  sample_times: np.ndarray | None = None, turn: int = 0,
                  crop: Crop | None = None) -> None:
    """Entry point of a chunk process: extract one chunk, report progress, sampled frames
    and the result (with the shot statistics of its frames), then (all but the last)
    track on past the chunk's end while the parent asks for it."""
    # Quiet for good: MediaPipe, TFLite and absl log to fd 2 from native code, and the
    # user's terminal must show repsight's lines only. Errors travel back as messages.
    if not native_logs_shown():
        try:
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, 2)
            os.close(devnull)
        except OSError:
            pass
    # Ctrl-C reaches the whole process group: the parent alone decides, and ends us.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    watch_parent(parent_pid)
    try:
        reader = VideoReader(video, max_long_side=max_long_side, turn=turn)
        # Sent at once: the parent counts people on them while the chunks run.
        reader.scan = scan = SceneScan(
            reader.info, sample_times_s=sample_times, keep=(chunk.start_s, chunk.stop_s),
            on_sample=lambda t, rgb: messages.put(("sample", chunk.index, (t, rgb))))
        fps = reader.info.fps
        span = reader.info.duration_s if last else chunk.stop_s - max(chunk.start_s, 0.0)
        kept = _LandmarkBuffer(min(int(span * fps) + 16, 1 << 15))
        warm = _LandmarkBuffer(int((chunk.start_s - chunk.warmup_from_s) * fps) + 16
                               if chunk.index else 16)
        tracked = _tracked(reader, chunk, model, crop)
        pending = None
        last_report = 0.0
        for t, img, world in tracked:
            if t >= chunk.stop_s:
                pending = (t, img, world)
                break
            if t < chunk.start_s:
                warm.append(img, world, t)
                continue
            kept.append(img, world, t)
            now = time.monotonic()
            if now - last_report >= 0.2:
                last_report = now
                messages.put(("progress", chunk.index, kept.n))
        messages.put(("done", chunk.index, (_copies(kept), _copies(warm),
                                            list(reader.warnings), scan.changes())))
        while not last:
            kind, n = orders.get()
            if kind == "quit":
                break
            batch = _LandmarkBuffer(n)
            ended = False
            while batch.n < n:
                if pending is None:
                    pending = next(tracked, None)
                    if pending is None:
                        ended = True
                        break
                t, img, world = pending
                pending = None
                batch.append(img, world, t)
            messages.put(("extended", chunk.index, (_copies(batch), ended)))
        tracked.close()
    except BaseException as exc:  # noqa: BLE001 - reported to the parent, which falls back
        messages.put(("error", chunk.index, f"{type(exc).__name__}: {exc}"))


def _copies(buf: _LandmarkBuffer) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    image, world, times = buf.arrays()
    return image.copy(), world.copy(), times.copy()


# ------------------------------------------------------------------ scene scan (issue 13)

# Frames the people counter looks at, spread evenly over the clip: bounded cost whatever
# the clip's length (about 3 x 50 ms each, plus loading the model once).
PEOPLE_SAMPLES = 10
MAX_PEOPLE = 4
MIN_BODY_VISIBILITY = 0.6  # mean visibility of shoulders and hips for a body to count
# The counter uses the smallest bundle present: it only needs where bodies are.
_COUNTER_MODELS = ("lite", "full", "heavy")


class PeopleCounter(_NativeGraph):
    """A PoseLandmarker in IMAGE mode finding up to MAX_PEOPLE bodies on single frames."""

    def __init__(self, *, max_people: int = MAX_PEOPLE, min_confidence: float = 0.5) -> None:
        from mediapipe.tasks.python import BaseOptions, vision

        model = next((m for m in _COUNTER_MODELS if _bundle(m) is not None), DEFAULT_MODEL)
        options = vision.PoseLandmarkerOptions(
            base_options=BaseOptions(model_asset_path=str(model_path(model))),
            running_mode=vision.RunningMode.IMAGE, num_poses=max_people,
            min_pose_detection_confidence=min_confidence,
            min_pose_presence_confidence=min_confidence,
            output_segmentation_masks=False)
        try:
            with _quiet_native_stderr():
                self._landmarker = vision.PoseLandmarker.create_from_options(options)
        except (RuntimeError, ValueError) as exc:
            raise ModelNotFoundError(f"cannot load pose model {model!r}: {exc}") from None

    def bodies(self, rgb: np.ndarray) -> list[list[float]]:
        """[x, y, size] a body found: centre of shoulders and hips (0..1 of width/height) and
        the longest of torso and shoulder width (share of the frame height).

        The whole frame and its two overlapping halves along the long side are searched:
        the detector sees a 224 px square, in which two people side by side in a wide
        frame are often too small to be found at all (measured: none on the whole frame,
        one in each half). A body found twice is kept once.
        """
        import mediapipe as mp

        full_h, full_w = rgb.shape[:2]
        # The picture inside any black bars (a phone clip shown in a wide frame): the
        # halves are of the picture, not of mostly black (measured: with side bars the
        # halves each held the whole narrow picture, and found half the people).
        y0, y1, x0, x1 = picture_box(rgb)
        rgb = rgb[y0:y1, x0:x1]
        h, w = rgb.shape[:2]
        if min(h, w) < MIN_COUNT_SIDE_PX:
            return []  # nobody to count, and an empty tile would put the graph in error
        long_side = w if w >= h else h
        tiles = [(0, long_side), (0, int(0.6 * long_side)), (int(0.4 * long_side), long_side)]
        found: list[list[float]] = []
        boxes: list[np.ndarray] = []  # [x0, y0, x1, y1] of every body kept, all landmarks
        for a, b in tiles:
            tile = rgb[:, a:b] if w >= h else rgb[a:b]
            image = mp.Image(image_format=mp.ImageFormat.SRGB, data=np.ascontiguousarray(tile))
            result = self._landmarker.detect(image)  # callers silence native logs (_PeopleTally)
            th, tw = tile.shape[:2]
            shift = np.array((x0 + a, y0) if w >= h else (x0, y0 + a), dtype=np.float64)
            for pose in result.pose_landmarks or ():
                # A torso the model itself doubts is furniture or a fragment.
                if np.mean([pose[i].visibility or 0.0 for i in (11, 12, 23, 24)]) < MIN_BODY_VISIBILITY:
                    continue
                allpts = np.array([(p.x * tw, p.y * th) for p in pose]) + shift
                pts = allpts[[11, 12, 23, 24]]
                centre = pts.mean(axis=0)
                # A body inside one already found is that body again, or a fragment of it
                # that a tile's edge cut off (measured: the feet of a push-up read as a
                # person of their own in the half without the head).
                if any(box[0] <= centre[0] <= box[2] and box[1] <= centre[1] <= box[3] for box in boxes):
                    continue
                torso = np.linalg.norm(pts[:2].mean(axis=0) - pts[2:].mean(axis=0))
                size = max(torso, np.linalg.norm(pts[0] - pts[1]), 1.0)
                boxes.append(np.concatenate([allpts.min(axis=0), allpts.max(axis=0)]))
                found.append([round(float(centre[0] / full_w), 4), round(float(centre[1] / full_h), 4),
                              round(float(size / full_h), 4)])
        return found


# The brightest a row or column of black bars gets (8-bit; video black is 16, and an
# encoder's ringing along the picture's edge adds a few levels).
BAR_LEVEL = 32


def picture_box(rgb: np.ndarray) -> tuple[int, int, int, int]:
    """(y0, y1, x0, x1) of the picture inside black bars around it (the whole frame when
    there are none): the rows and columns with any pixel brighter than BAR_LEVEL."""
    h, w = rgb.shape[:2]
    bright = rgb.max(axis=2) > BAR_LEVEL if rgb.ndim == 3 else rgb > BAR_LEVEL
    rows, cols = np.flatnonzero(bright.any(axis=1)), np.flatnonzero(bright.any(axis=0))
    if not rows.size or not cols.size:
        return 0, h, 0, w
    return int(rows[0]), int(rows[-1]) + 1, int(cols[0]), int(cols[-1]) + 1


# Frames smaller than this (a side, px) are not searched for people.
MIN_COUNT_SIDE_PX = 32


def sample_times_s(duration_s: float, samples: int = PEOPLE_SAMPLES) -> np.ndarray:
    """Times people are counted at: `samples` spread evenly over the clip (mid-intervals)."""
    n = max(0, int(samples))
    return duration_s * (np.arange(n) + 0.5) / n if n else np.zeros(0)


class _PeopleTally:
    """Bodies counted on sampled frames as they come (the counter loads on the first one).

    Any failure of the counter leaves no count at all (counted() -> []): the count is an
    extra, never a reason to lose an extraction. Native logs are silenced around it.
    """

    def __init__(self) -> None:
        self._people: list[dict[str, Any]] = []
        self._counter: PeopleCounter | None = None
        self._failed = False

    def add(self, t: float, rgb: np.ndarray) -> None:
        """Count the bodies on one sampled frame at time t."""
        if self._failed:
            return
        try:
            with _quiet_native_stderr():
                if self._counter is None:
                    self._counter = PeopleCounter()
                self._people.append({"t": round(t, 4), "bodies": self._counter.bodies(rgb)})
        except (RepsightError, RuntimeError, ValueError):
            self._failed = True

    def counted(self) -> list[dict[str, Any]]:
        """The counts in time order (chunks send their samples interleaved)."""
        return [] if self._failed else sorted(self._people, key=lambda p: p["t"])

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc) -> None:
        if self._counter is not None:
            self._counter.close()
            self._counter = None


def _scene_meta(changes: FrameChanges | None, people: list[dict[str, Any]]
                ) -> dict[str, Any] | None:
    """JSON-ready meta["scene"] (shots.py and camera.py read it): statistics rounded, people counted;
    None when the scan failed (shot detection then relies on pose continuity alone)."""
    if changes is None:
        return None

    def rounded(a: np.ndarray) -> list:
        return [None if not np.isfinite(x) else round(float(x), 4) for x in a]

    return {"times_s": [round(float(t), 6) for t in changes.times_s],
            "colour": rounded(changes.colour), "pixels": rounded(changes.pixels),
            "people": people,
            "camera": {"thumb": list(changes.thumb), "grid": list(changes.grid),
                       **pack_tiles(changes.tiles)}}

