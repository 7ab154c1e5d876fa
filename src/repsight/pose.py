"""Pose extraction with MediaPipe Pose Landmarker; the only module that imports mediapipe."""

from __future__ import annotations

import contextlib
import os
import queue
import sys
import threading
from pathlib import Path
from typing import Callable, Iterable, Iterator

import numpy as np

from .errors import ModelNotFoundError, RepsightError
from .landmarks import NUM_LANDMARKS
from .types import PoseSequence
from .video import DEFAULT_MAX_LONG_SIDE, Frame, VideoReader, file_hash

MODEL_NAMES = ("lite", "full", "heavy")
DEFAULT_MODEL = "full"
# Bumped when extraction changes in a way that invalidates cached results.
EXTRACTOR_VERSION = 2

ProgressFn = Callable[[int, int], None]


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


def extract_pose(video: str | os.PathLike, *, model: str = DEFAULT_MODEL,
                 progress: ProgressFn | None = None,
                 max_long_side: int | None = DEFAULT_MAX_LONG_SIDE,
                 content_hash: str | None = None) -> PoseSequence:
    """Run the pose model over every frame of a video and return its PoseSequence.

    Decoding runs in a background thread (see prefetch) so that it overlaps inference;
    memory stays flat in video length: frames are dropped once the model has seen them
    and only the landmark arrays (about 1 kB a frame) grow.
    """
    reader = VideoReader(video, max_long_side=max_long_side)
    info = reader.info
    total = info.frame_count
    # Sized from the container's count (capped: a damaged header may announce anything).
    buf = _LandmarkBuffer(min(max(total, reader.frames_announced) + 2, 1 << 15))
    with PoseEstimator(model) as estimator:
        for frame in prefetch(reader):
            img, world = estimator.detect(frame.rgb, frame.time_s)
            buf.append(img, world, frame.time_s)
            if progress is not None:
                progress(buf.n, max(total, buf.n))
    if buf.n == 0:
        raise RepsightError(f"no frames decoded from {video}")
    image, world, seq_times = buf.arrays()
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
              "source_width": info.width, "source_height": info.height},
    )
