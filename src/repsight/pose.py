"""Pose extraction with MediaPipe Pose Landmarker; the only module that imports mediapipe."""

from __future__ import annotations

import contextlib
import math
import os
import queue
import signal
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator

import numpy as np

from .config import DEFAULT_MODEL, MODEL_NAMES
from .errors import ModelNotFoundError, RepsightError
from .landmarks import NUM_LANDMARKS
from .types import PoseSequence
from .video import DEFAULT_MAX_LONG_SIDE, Frame, VideoReader, file_hash

# Bumped when extraction changes in a way that invalidates cached results.
EXTRACTOR_VERSION = 2

ProgressFn = Callable[[int, int], None]

# Seconds of video a chunk (all but the first) decodes and feeds to its own landmarker
# before the frames it keeps, so that the tracker has found the person and its landmark
# filters have settled by the seam (benchmarks/README.md gives the differences left).
CHUNK_WARMUP_S = 1.0
# A chunk shorter than this saves less than its worker costs to start (a process that
# imports MediaPipe and loads the model: about 1.5-2 s on one core).
MIN_CHUNK_S = 6.0


def models_dir() -> Path:
    """Folder holding the .task bundles: $REPSIGHT_MODELS_DIR or the repo's models/."""
    env = os.environ.get("REPSIGHT_MODELS_DIR")
    if env:
        return Path(env)
    return Path(__file__).resolve().parents[2] / "models"


def model_path(model: str) -> Path:
    """Path of the bundle for a model variant; a clear error when it is missing."""
    if model not in MODEL_NAMES:
        raise ModelNotFoundError(f"unknown pose model {model!r}; choose one of {MODEL_NAMES}")
    path = models_dir() / f"pose_landmarker_{model}.task"
    if not path.is_file():
        hint = "python models/build_models.py " + model
        raise ModelNotFoundError(f"pose model bundle missing: {path} (build it with: {hint})")
    return path


@contextlib.contextmanager
def _quiet_native_stderr():
    """Silence the TFLite/glog start-up chatter that the native graph writes to fd 2."""
    try:
        sys.stderr.flush()
        saved = os.dup(2)
    except (OSError, ValueError):  # no real fd 2 (e.g. some notebook kernels)
        yield
        return
    try:
        with open(os.devnull, "wb") as devnull:
            os.dup2(devnull.fileno(), 2)
            yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)


class PoseEstimator:
    """A PoseLandmarker in VIDEO mode: feed frames in time order, get landmark arrays."""

    def __init__(self, model: str = DEFAULT_MODEL, *, min_detection_confidence: float = 0.5,
                 min_tracking_confidence: float = 0.5) -> None:
        from mediapipe.tasks.python import BaseOptions, vision

        self.model = model
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
        self._seen_person = False

    def detect(self, rgb: np.ndarray, time_s: float) -> tuple[np.ndarray, np.ndarray]:
        """Landmarks of one frame: (float32[33,5] image, float32[33,3] world); NaN if none."""
        import mediapipe as mp

        # VIDEO mode needs strictly increasing integer milliseconds; 240 fps clips are
        # ~4 ms apart, so rounding alone could collide.
        ts = max(int(round(time_s * 1000.0)), self._last_ms + 1)
        self._last_ms = ts
        # mp.Image reads the buffer as tightly packed rows; a strided view is garbage to it.
        image = mp.Image(image_format=mp.ImageFormat.SRGB, data=np.ascontiguousarray(rgb))
        if self._seen_person:
            result = self._landmarker.detect_for_video(image, ts)
        else:
            # The graph logs a one-off native warning on its first tracked person.
            with _quiet_native_stderr():
                result = self._landmarker.detect_for_video(image, ts)
            self._seen_person = bool(result.pose_landmarks)
        img = np.full((NUM_LANDMARKS, 5), np.nan, dtype=np.float32)
        world = np.full((NUM_LANDMARKS, 3), np.nan, dtype=np.float32)
        if result.pose_landmarks:
            img[:] = [(p.x, p.y, p.z, p.visibility or 0.0, p.presence or 0.0)
                      for p in result.pose_landmarks[0]]
            world[:] = [(p.x, p.y, p.z) for p in result.pose_world_landmarks[0]]
        return img, world

    def close(self) -> None:
        """Release the native graph."""
        if self._landmarker is not None:
            # Tearing the graph down logs "DestroyAccelerator" lines on fd 2, which would turn
            # a one-line result or error into three.
            with _quiet_native_stderr():
                self._landmarker.close()
            self._landmarker = None

    def __enter__(self) -> "PoseEstimator":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


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
            f"({times[starts[k]]:.1f}-{times[ends[k]]:.1f} s)"
            + (f" and {more} more time{'s' if more > 1 else ''}" if more > 0 else ""))


def default_workers() -> int:
    """One worker per core this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


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
               progress: ProgressFn | None, total: int) -> _LandmarkBuffer:
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
    with PoseEstimator(model) as estimator:
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
                 min_chunk_s: float = MIN_CHUNK_S) -> PoseSequence:
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
    """
    if not isinstance(workers, int) or isinstance(workers, bool) or workers < 1:
        raise RepsightError(f"workers must be a whole number of at least 1, got {workers!r}")
    reader = VideoReader(video, max_long_side=max_long_side)
    info = reader.info
    total = info.frame_count
    chunks = plan_chunks(0.0, info.duration_s, workers, warmup_s=warmup_s,
                         min_chunk_s=min_chunk_s)
    extra: dict[str, Any] = {}
    arrays = None
    if len(chunks) > 1:
        arrays, why = _extract_parallel(video, chunks, model=model, max_long_side=max_long_side,
                                        progress=progress, total=total)
        expected = max(total, reader.frames_announced)
        if arrays is not None and len(arrays[2]) < 0.95 * expected - 1:
            # A short read: the one-process path says how short, in its warnings.
            arrays, why = None, f"chunks decoded {len(arrays[2])} of {expected} frames"
        if arrays is None:
            extra["parallel_fallback"] = why
        else:
            extra["chunks"] = len(chunks)
            extra["seams_s"] = [c.start_s for c in chunks[1:]]
    if arrays is None:
        buf = _run_chunk(reader, plan_chunks(0.0, 1.0, 1)[0], model, progress, total)
        if buf.n == 0:
            raise RepsightError(f"no frames decoded from {video}")
        arrays = buf.arrays()
    image, world, seq_times = arrays
    warnings = list(reader.warnings)
    detected = ~np.isnan(image[:, 0, 0])
    found = float(detected.mean())
    if found == 0.0:
        warnings.append("no person was found in any frame")
    elif found < 0.5:
        warnings.append(f"a person was found on only {found:.0%} of frames")
    gap = _gap_warning(detected, seq_times) if found > 0 else None
    if gap:
        warnings.append(gap)
    if info.variable_frame_rate:
        warnings.append("variable frame rate: per-frame container timestamps are used")
    if info.fps > 100:
        warnings.append(f"high frame rate ({info.fps:.0f} fps): timings use container "
                        "timestamps; slow-motion clips re-timed by the phone will read slow")
    return PoseSequence(
        image=image, world=world, timestamps_s=seq_times,
        fps=float(info.fps), width=reader.size[0], height=reader.size[1], source=str(video),
        content_hash=content_hash or file_hash(video), model=model, rotation=info.rotation,
        meta={"warnings": warnings, "frame_count_container": info.frame_count,
              "extractor_version": EXTRACTOR_VERSION, "max_long_side": max_long_side or 0,
              "source_width": info.width, "source_height": info.height, **extra},
    )


# ------------------------------------------------------------------ chunks in processes

def _extract_parallel(video: str | os.PathLike, chunks: tuple[Chunk, ...], *, model: str,
                      max_long_side: int | None, progress: ProgressFn | None, total: int
                      ) -> tuple[tuple[np.ndarray, np.ndarray, np.ndarray] | None, str]:
    """Run each chunk in its own process; (image, world, times) stitched, or None and why.

    Spawned, not forked: MediaPipe's graph and the decode threads are not fork-safe.
    Every worker is ended before this returns, whatever happens (error, Ctrl-C).
    """
    import multiprocessing

    ctx = multiprocessing.get_context("spawn")
    messages = ctx.Queue()
    procs = [ctx.Process(target=_chunk_worker, name=f"repsight-pose-{c.index}",
                         args=(str(video), c, model, max_long_side, messages, os.getpid()),
                         daemon=True)
             for c in chunks]
    done = [0] * len(chunks)
    results: dict[int, tuple] = {}
    try:
        for proc in procs:
            proc.start()
        while len(results) < len(chunks):
            try:
                msg = messages.get(timeout=0.5)
            except queue.Empty:
                dead = [p for k, p in enumerate(procs) if k not in results and not p.is_alive()]
                if dead:
                    return None, f"pose worker {dead[0].name} exited ({dead[0].exitcode})"
                continue
            kind, k, payload = msg
            if kind == "progress":
                done[k] = payload
                if progress is not None:
                    progress(sum(done), max(total, sum(done)))
            elif kind == "done":
                image, world, times, warnings = payload
                if warnings:
                    return None, "; ".join(warnings)
                results[k] = (image, world, times)
                done[k] = len(times)
            else:
                return None, str(payload)
    finally:
        _stop_workers(procs)
        messages.close()
        messages.join_thread()
    parts = [results[k] for k in range(len(chunks))]
    times = np.concatenate([p[2] for p in parts])
    if len(times) == 0 or not np.all(np.diff(times) > 0):
        return None, "chunks do not join into increasing timestamps"
    return (np.concatenate([p[0] for p in parts]), np.concatenate([p[1] for p in parts]),
            times), ""


def _stop_workers(procs: list) -> None:
    """End every worker: those still running (an error or Ctrl-C here) are terminated."""
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


def _watch_parent(parent_pid: int) -> None:
    """End this worker when the process that started it is gone (killed, not just exited)."""
    def watch() -> None:
        while True:
            time.sleep(0.5)
            if os.getppid() != parent_pid:
                os._exit(1)

    threading.Thread(target=watch, name="repsight-parent-watch", daemon=True).start()


def _chunk_worker(video: str, chunk: Chunk, model: str, max_long_side: int | None,
                  messages: Any, parent_pid: int) -> None:
    """Entry point of a chunk process: extract one chunk, report progress and the result."""
    # Quiet for good: MediaPipe, TFLite and absl log to fd 2 from native code, and the
    # user's terminal must show repsight's lines only. Errors travel back as messages.
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, 2)
        os.close(devnull)
    except OSError:
        pass
    # Ctrl-C reaches the whole process group: the parent alone decides, and ends us.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _watch_parent(parent_pid)
    try:
        reader = VideoReader(video, max_long_side=max_long_side)
        last = [0.0]

        def report(n: int, _total: int) -> None:
            now = time.monotonic()
            if now - last[0] >= 0.2:
                last[0] = now
                messages.put(("progress", chunk.index, n))

        buf = _run_chunk(reader, chunk, model, report, 0)
        image, world, times = buf.arrays()
        messages.put(("done", chunk.index,
                      (image.copy(), world.copy(), times.copy(), list(reader.warnings))))
    except BaseException as exc:  # noqa: BLE001 - reported to the parent, which falls back
        messages.put(("error", chunk.index, f"{type(exc).__name__}: {exc}"))
