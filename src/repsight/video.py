"""The only module that opens or writes video files (PyAV, i.e. FFmpeg underneath)."""

from __future__ import annotations

import functools
import hashlib
import os
import queue
import threading
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Callable, Iterator

import av
import cv2
import numpy as np

from . import container as _container
from .container import (  # noqa: F401  (probe and VIDEO_EXTENSIONS: the reader's public face)
    VIDEO_EXTENSIONS,
    probe,
    probe_and_count,
    short_error,
)
from .errors import CorruptVideoError, EmptyVideoError, OutputError
from .types import VideoInfo

# Frames larger than this (long side, px) are scaled down before pose estimation: the
# pose model works on 256 px crops, and 4K frames only cost decode time and memory.
DEFAULT_MAX_LONG_SIDE = 1280


@dataclass(frozen=True)
class Frame:
    """One decoded frame, upright, RGB uint8 [H,W,3], with its container time."""

    index: int
    time_s: float
    rgb: np.ndarray


def scaled_size(width: int, height: int, max_long_side: int | None) -> tuple[int, int]:
    """Frame size after fitting the long side into max_long_side (even numbers)."""
    if not max_long_side or max(width, height) <= max_long_side:
        return width, height
    s = max_long_side / max(width, height)
    return max(2, int(round(width * s / 2)) * 2), max(2, int(round(height * s / 2)) * 2)


def encoded_size(size: tuple[int, int], rotation: int) -> tuple[int, int]:
    """The (width, height) to reformat a decoded frame to, before rotation, so that
    turning it upright (`upright`) gives `size`."""
    return size if rotation in (0, 180) else (size[1], size[0])


def upright(pixels: np.ndarray, rotation: int) -> np.ndarray:
    """A decoded frame's pixels turned by `rotation` degrees clockwise (a view, no copy)."""
    return np.rot90(pixels, k=-(rotation // 90)) if rotation else pixels


class VideoReader:
    """Iterate upright RGB frames with container timestamps; collects warnings as it goes.

    Frames whose timestamp does not increase are skipped (damaged streams); a damaged
    packet is skipped and counted while decoding goes on; a read error after the first
    frame ends iteration with a warning instead of an exception, so a truncated clip
    still yields what it holds.
    """

    # Give up on a stream whose first packets all fail to decode.
    MAX_BAD_PACKETS_BEFORE_FIRST_FRAME = 50

    def __init__(self, path: str | os.PathLike, *,
                 max_long_side: int | None = DEFAULT_MAX_LONG_SIDE, turn: int = 0) -> None:
        """turn: degrees (0, 90, 180, 270) to turn the picture clockwise beyond what the
        file's rotation flag says (a clip exported sideways; types.picture_turn gives a pose
        sequence's)."""
        info, self.frames_announced = probe_and_count(path)
        self.info = info.turned(turn)
        self.path = Path(path)
        self.max_long_side = max_long_side
        self.warnings: list[str] = []
        self.frames_read = 0
        self.size = scaled_size(self.info.width, self.info.height, max_long_side)
        # Set to a SceneScan to gather shot statistics from this read (no pass of their own).
        self.scan: SceneScan | None = None

    def _decoded(self, container: av.container.InputContainer,
                 stream: av.VideoStream) -> Iterator[av.VideoFrame]:
        """Decoded frames, packet by packet; damaged packets are skipped and counted."""
        self._bad_packets = 0
        produced = 0
        try:
            for packet in container.demux(stream):
                try:
                    frames = packet.decode()  # the final empty packet flushes the decoder
                except av.error.FFmpegError:
                    if _container.is_placeholder(packet):
                        continue  # stands for a repeated picture: not damage
                    self._bad_packets += 1
                    if not produced and \
                            self._bad_packets >= self.MAX_BAD_PACKETS_BEFORE_FIRST_FRAME:
                        raise CorruptVideoError(
                            f"corrupt or truncated video: {self.path} (the first "
                            f"{self._bad_packets} packets cannot be decoded)") from None
                    continue
                for frame in frames:
                    produced += 1
                    yield frame
        except av.error.FFmpegError as exc:
            if not produced:
                raise CorruptVideoError(
                    f"corrupt or truncated video: {self.path} ({short_error(exc)})") from None
            self.warnings.append(
                f"video stopped decoding after {produced} frames ({short_error(exc)}); "
                "the file may be truncated or damaged")

    def __iter__(self) -> Iterator[Frame]:
        return self._frames(None)

    def frames_from(self, start_s: float) -> Iterator[Frame]:
        """Frames whose time is >= start_s, decoded from the keyframe before it.

        For reading a clip in time chunks: the frames and times are those a full read
        gives (indices count from the first frame yielded). A container whose seek lands
        late is read from its start instead, so no frame is missed. The end-of-file checks
        belong to full reads; here damage (bad packets, frames out of order or without a
        timestamp) is only noted in `warnings`.
        """
        return self._frames(float(start_s))

    def _frames(self, start_s: float | None, *, seek: bool = True) -> Iterator[Frame]:
        container = _container.open_video(self.path)
        try:
            stream = _container.video_stream(container)
            stream.thread_type = "AUTO"
            partial = start_s is not None
            seeked = partial and seek and start_s > 0 and bool(stream.time_base)
            if seeked:
                container.seek(int(start_s / stream.time_base), backward=True,
                               any_frame=False, stream=stream)
            rot = self.info.rotation
            out_w, out_h = encoded_size(self.size, rot)
            fps = self.info.fps
            last_t = -np.inf
            index = 0
            skipped = 0
            overshot = False
            for frame in self._decoded(container, stream):
                if partial:
                    if frame.time is None:
                        self.warnings.append("frames without timestamps")
                        return
                    if seeked and last_t == -np.inf and index == 0 and skipped == 0 \
                            and float(frame.time) > start_s + 0.5 / fps:
                        overshot = True  # read again from the start (below)
                        break
                    if float(frame.time) < start_s:
                        last_t = max(last_t, float(frame.time))
                        if self.scan is not None:  # the frame before the first kept one
                            self.scan.add(frame, float(frame.time))
                        continue
                t = float(frame.time) if frame.time is not None else index / fps
                if t <= last_t:
                    skipped += 1
                    continue
                last_t = t
                if self.scan is not None:
                    self.scan.add(frame, t)
                if (frame.width, frame.height) != (out_w, out_h):
                    # Scale in the source's own (YUV) format, then convert: about 3x less
                    # CPU than scaling while converting to RGB (1080p -> 720p: 1.5 vs 5 ms).
                    frame = frame.reformat(width=out_w, height=out_h)
                rgb = upright(frame.to_ndarray(format="rgb24"), rot)
                # FFmpeg pads rows to aligned strides (e.g. 408 px wide -> 1248 bytes
                # a row); consumers such as mp.Image need tightly packed rows. This
                # copies only when the rows are padded or rotated.
                rgb = np.ascontiguousarray(rgb)
                yield Frame(index, t, rgb)
                index += 1
            if partial:
                if overshot:
                    container.close()
                    yield from self._frames(start_s, seek=False)
                elif self._bad_packets or skipped:
                    self.warnings.append(f"{self._bad_packets} damaged packets, {skipped} "
                                         "frames out of order")
                return
            self.frames_read = index
            if index == 0:
                raise EmptyVideoError(f"video has no decodable frames: {self.path}")
            if self._bad_packets:
                self.warnings.append(
                    f"skipped {self._bad_packets} damaged packets; the frames around them "
                    "may be missing or smeared")
            if skipped:
                self.warnings.append(f"skipped {skipped} frames with non-increasing timestamps")
            expected = max(self.info.frame_count, self.frames_announced)
            if expected and index + self._bad_packets < 0.95 * expected - 1:
                self.warnings.append(
                    f"decoded {index} of {expected} frames the container announces; "
                    "the file may be truncated")
        finally:
            container.close()


def file_hash(path: str | os.PathLike, *, chunk: int = 1 << 20) -> str:
    """SHA-256 of the file's bytes (hex), used to key the pose cache."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(chunk):
            h.update(block)
    return h.hexdigest()


class VideoWriter:
    """H.264 yuv420p MP4 writer (plays in browsers and phones), fed RGB frames.

    Colour conversion and encoding run in a background thread (threaded=True, the
    default), so they overlap whatever the caller does between frames (decoding,
    drawing); write() copies the frame first, so the caller may reuse its array at once.
    At most `queue_depth` frames wait in memory. An encoding or disk error is raised by
    the next write() or by close().

    preset "superfast" (x264) costs about 2/3 of the CPU of "veryfast" for files about
    1.8x larger (960x544: ~1.6 Mbit/s at crf 23): encoding was the largest share of an
    annotated export (benchmarks/speed.py, stage d).
    """

    def __init__(self, path: str | os.PathLike, *, width: int, height: int, fps: float,
                 crf: int = 23, preset: str = "superfast", threaded: bool = True,
                 queue_depth: int = 8) -> None:
        self.path = Path(path)
        try:
            self._container = av.open(_container.ffmpeg_name(self.path), mode="w",
                                      options={"movflags": "+faststart"})
        except (av.error.FFmpegError, OSError) as exc:
            raise OutputError(f"cannot write video {self.path}: {short_error(exc)}") from None
        rate = Fraction(fps).limit_denominator(1001)
        self._stream = self._container.add_stream("libx264", rate=rate)
        self._stream.width = width - width % 2
        self._stream.height = height - height % 2
        self._stream.pix_fmt = "yuv420p"
        self._stream.options = {"crf": str(crf), "preset": preset}
        self._stream.codec_context.time_base = Fraction(1, 90000)
        self._t0: float | None = None
        self._last_pts = -1
        self._closed = False
        self._error: BaseException | None = None
        self._queue: queue.Queue | None = None
        self._thread: threading.Thread | None = None
        if threaded:
            self._queue = queue.Queue(maxsize=max(1, queue_depth))
            self._thread = threading.Thread(target=self._encode_loop,
                                            name="repsight-encode", daemon=True)
            self._thread.start()

    def _encode(self, frame: av.VideoFrame | None) -> None:
        for packet in self._stream.encode(frame):
            self._container.mux(packet)

    def _encode_loop(self) -> None:
        assert self._queue is not None
        while True:
            frame = self._queue.get()
            if frame is _END:
                return
            if self._error is not None:
                continue  # keep draining so that write() never blocks on a dead worker
            try:
                self._encode(frame)
            except BaseException as exc:  # handed to the caller by write()/close()
                self._error = exc

    def _raise_pending(self) -> None:
        if self._error is not None:
            exc, self._error = self._error, None
            raise exc

    def write(self, rgb: np.ndarray, time_s: float | None = None) -> None:
        """Encode one RGB frame; time_s keeps the source's (possibly variable) timing."""
        if self._closed:
            raise OutputError(f"cannot write video {self.path}: the writer is closed")
        self._raise_pending()
        h, w = self._stream.height, self._stream.width
        frame = av.VideoFrame.from_ndarray(np.ascontiguousarray(rgb[:h, :w]), format="rgb24")
        if time_s is not None:
            if self._t0 is None:
                self._t0 = time_s
            pts = int(round((time_s - self._t0) * 90000))
            pts = max(pts, self._last_pts + 1)
            frame.pts = pts
            frame.time_base = Fraction(1, 90000)
            self._last_pts = pts
        if self._queue is None:
            self._encode(frame)
        else:
            self._queue.put(frame)

    def close(self) -> None:
        """Flush the encoder and finish the file (idempotent)."""
        if self._closed:
            return
        self._closed = True
        try:
            if self._thread is not None:
                self._queue.put(_END)
                self._thread.join()
            self._raise_pending()
            self._encode(None)
        finally:
            self._container.close()

    def __enter__(self) -> "VideoWriter":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


_END = object()  # tells the encoding thread to stop


# ---------------------------------------------------------------- shot statistics

# Thumbnail the shot statistics are computed on: enough to see a change of scene, light
# or framing, small enough that scaling costs a fraction of decoding.
_THUMB_SIZE = (64, 36)
_HIST_LEVELS = 4  # per colour channel: a 64-bin joint histogram
# Camera motion (camera.py reads it): an upright grey thumbnail of this size (landscape;
# a portrait clip's is turned), cut into a grid of tiles (rows, columns; 32 x 24 px). A
# lattice of points in each tile is followed into the next frame by pyramidal Lucas-Kanade
# optical flow (OpenCV); the tile's shift is its points' median. Tiles on the background
# move with the camera; the analysis leaves out those the lifter covers. On a shifted
# texture the shift is read to 0.01 px; about 1 ms a frame (benchmarks/README.md).
# Changing any MOTION_* value changes what pose files hold: bump pose.EXTRACTOR_VERSION.
MOTION_THUMB = (160, 96)
MOTION_GRID = (4, 5)
MOTION_POINTS = 3  # a 3 x 3 lattice of points per tile
# A tile this flat (grey-level standard deviation, 0..255) has no shift to read: a plain wall.
MOTION_MIN_STD = 2.0
# A point agrees with its tile when its flow lies this close (thumbnail px) to the median.
MOTION_AGREE_PX = 1.0


@dataclass(frozen=True)
class FrameChanges:
    """How much each frame differs from the one before it (NaN for the first).

    colour: float32[T] half the L1 distance between the frames' joint colour histograms
    (0 same colours .. 1 none shared): blind to motion, sees light and scene changes.
    pixels: float32[T] mean absolute grey-level difference of the thumbnails (0..1):
    sees framing changes (a zoom, a new camera angle) that keep the colours.
    tiles: float32[T, rows * cols, 3] per tile of the upright motion thumbnail (row-major
    over `grid`), its content's shift since the frame before in thumbnail pixels (dx, dy:
    right and down) and the share of its points that were followed and agree with that
    shift (0..1); NaN on the first frame and on flat tiles. thumb: the thumbnail's
    (width, height).
    """

    times_s: np.ndarray
    colour: np.ndarray
    pixels: np.ndarray
    tiles: np.ndarray
    grid: tuple[int, int] = MOTION_GRID
    thumb: tuple[int, int] = MOTION_THUMB

    FIELDS = ("times_s", "colour", "pixels", "tiles")


def _thumb_stats(rgb: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(normalised joint colour histogram, grey thumbnail in 0..1) of a small RGB frame."""
    q = (rgb.astype(np.uint16) * _HIST_LEVELS) >> 8
    codes = (q[..., 0] * _HIST_LEVELS + q[..., 1]) * _HIST_LEVELS + q[..., 2]
    hist = np.bincount(codes.ravel(), minlength=_HIST_LEVELS ** 3).astype(np.float32)
    grey = rgb.astype(np.float32) @ np.array([0.299, 0.587, 0.114], dtype=np.float32) / 255.0
    return hist / max(hist.sum(), 1.0), grey


def motion_layout(width: int, height: int) -> tuple[tuple[int, int], tuple[int, int]]:
    """((thumb width, height), (rows, cols)) of the motion thumbnail for an upright frame."""
    if width >= height:
        return MOTION_THUMB, MOTION_GRID
    return MOTION_THUMB[::-1], MOTION_GRID[::-1]


@functools.lru_cache(maxsize=8)
def _lattice(shape: tuple[int, int], grid: tuple[int, int]) -> np.ndarray:
    """float32[N, 1, 2]: MOTION_POINTS^2 points in each tile, tile by tile (row-major);
    made once per frame shape (read-only), not on every frame."""
    rows, cols = grid
    th, tw = shape[0] // rows, shape[1] // cols
    at = (np.arange(MOTION_POINTS) + 0.5) / MOTION_POINTS
    r, c, a, b = np.meshgrid(np.arange(rows), np.arange(cols), at, at, indexing="ij")
    pts = np.column_stack([(c + b).ravel() * tw, (r + a).ravel() * th]).astype(np.float32)
    pts = pts.reshape(-1, 1, 2)
    pts.flags.writeable = False
    return pts


def tile_shifts(prev: np.ndarray, grey: np.ndarray, grid: tuple[int, int]) -> np.ndarray:
    """float32[rows * cols, 3]: each tile's (dx, dy, agreement) from prev to grey (uint8
    images of one size); NaN rows for tiles too flat to read or whose points were lost."""
    rows, cols = grid
    th, tw = grey.shape[0] // rows, grey.shape[1] // cols
    pts = _lattice(grey.shape, grid)
    moved, status, _err = cv2.calcOpticalFlowPyrLK(prev, grey, pts, None, winSize=(9, 9),
                                                   maxLevel=2)
    n = rows * cols
    flow = (moved - pts).reshape(n, MOTION_POINTS ** 2, 2)
    flow[status.reshape(n, MOTION_POINTS ** 2) != 1] = np.nan
    blocks = prev[:rows * th, :cols * tw].reshape(rows, th, cols, tw).swapaxes(1, 2)
    flat = blocks.reshape(n, th * tw).std(axis=1) < MOTION_MIN_STD
    out = np.full((n, 3), np.nan, dtype=np.float32)
    seen = ~flat & np.isfinite(flow[:, :, 0]).any(axis=1)
    if seen.any():
        shift = np.nanmedian(flow[seen], axis=1)
        with np.errstate(invalid="ignore"):
            agree = np.linalg.norm(flow[seen] - shift[:, None, :], axis=2) <= MOTION_AGREE_PX
        out[seen] = np.column_stack([shift, agree.sum(axis=1) / MOTION_POINTS ** 2])
    return out


class SceneScan:
    """Shot statistics (FrameChanges) and sampled frames, gathered from a decode already running.

    A VideoReader whose `scan` is set hands it every frame it reads (add), so the
    statistics cost a thumbnail a frame and no pass of their own. keep: [start, stop)
    seconds whose frames get a row and may be sampled (a time chunk of the clip); frames
    before it (a chunk's warm-up) only serve as the previous frame of the first kept one.
    sample_times_s: increasing times; the first frame at or after each is passed, upright
    RGB at sample_long_side, to on_sample(time_s, rgb), or kept in `samples`. A frame the
    scan cannot read ends the scan (`failed`); the decode it rides on goes on.
    """

    def __init__(self, info: VideoInfo, *, sample_times_s: np.ndarray | None = None,
                 sample_long_side: int | None = 640,
                 keep: tuple[float, float] = (-np.inf, np.inf),
                 on_sample: Callable[[float, np.ndarray], None] | None = None) -> None:
        self.keep = (float(keep[0]), float(keep[1]))
        self._sample_at = np.sort(np.asarray(sample_times_s, dtype=np.float64)) \
            if sample_times_s is not None else np.zeros(0)
        size = scaled_size(info.width, info.height, sample_long_side)
        self._rotation = info.rotation
        self._sample_size = encoded_size(size, info.rotation)
        self.samples: list[tuple[float, np.ndarray]] = []
        self._on_sample = on_sample or (lambda t, rgb: self.samples.append((t, rgb)))
        self._times: list[float] = []
        self._colour: list[float] = []
        self._pixels: list[float] = []
        self._tiles: list[np.ndarray] = []
        self._prev: tuple[np.ndarray, np.ndarray] | None = None
        self._prev_grey: np.ndarray | None = None
        self.thumb, self.grid = motion_layout(info.width, info.height)
        self._grey_size = encoded_size(self.thumb, info.rotation)
        self._greys = av.video.reformatter.VideoReformatter()
        self._last_t = -np.inf
        self.failed = False
        # One scaler for every thumbnail, on one thread: frame.reformat builds a new
        # (multi-threaded) scaler each call, which cost ~1 ms a frame; the pixels are the same.
        self._thumbs = av.video.reformatter.VideoReformatter()

    def add(self, frame: av.VideoFrame, t: float) -> None:
        """Take one decoded frame (any size, before rotation) at time t; frames must come
        in the order they are read, and one whose time does not increase is left out."""
        if self.failed or t <= self._last_t:
            return
        prev_t, self._last_t = self._last_t, t
        try:
            thumb = self._thumbs.reformat(frame, width=_THUMB_SIZE[0], height=_THUMB_SIZE[1],
                                          format="rgb24", threads=1).to_ndarray()
            stats = _thumb_stats(np.ascontiguousarray(thumb))
            prev, self._prev = self._prev, stats
            grey = self._greys.reformat(frame, width=self._grey_size[0],
                                        height=self._grey_size[1], format="gray",
                                        threads=1).to_ndarray()
            grey = np.ascontiguousarray(upright(grey, self._rotation))
            prev_grey, self._prev_grey = self._prev_grey, grey
            if not self.keep[0] <= t < self.keep[1]:
                return
            if prev is None:
                self._colour.append(np.nan)
                self._pixels.append(np.nan)
            else:
                self._colour.append(0.5 * float(np.abs(stats[0] - prev[0]).sum()))
                self._pixels.append(float(np.abs(stats[1] - prev[1]).mean()))
            self._tiles.append(self._shifts(prev_grey, grey))
            self._times.append(t)
            # The first frame at or after a sample time: the time falls after the frame
            # before this one (-inf at the clip's first frame) and by this one.
            due = self._sample_at[(self._sample_at > prev_t) & (self._sample_at <= t)]
            if due.size:
                w, h = self._sample_size
                rgb = upright(frame.reformat(width=w, height=h).to_ndarray(format="rgb24"),
                              self._rotation)
                self._on_sample(t, np.ascontiguousarray(rgb))
        except (av.error.FFmpegError, ValueError):
            self.failed = True

    def _shifts(self, prev: np.ndarray | None, grey: np.ndarray) -> np.ndarray:
        """This frame's row of tile shifts; NaN on the first frame, or when optical flow
        cannot read the pair (the cut statistics go on without it)."""
        if prev is not None:
            try:
                return tile_shifts(prev, grey, self.grid)
            except cv2.error:
                pass
        return np.full((self.grid[0] * self.grid[1], 3), np.nan, dtype=np.float32)

    def changes(self) -> FrameChanges | None:
        """The statistics of the kept frames read so far; None when the scan failed."""
        if self.failed:
            return None
        n = self.grid[0] * self.grid[1]
        tiles = np.stack(self._tiles) if self._tiles else np.zeros((0, n, 3), np.float32)
        return FrameChanges(times_s=np.asarray(self._times, dtype=np.float64),
                            colour=np.asarray(self._colour, dtype=np.float32),
                            pixels=np.asarray(self._pixels, dtype=np.float32),
                            tiles=tiles, grid=self.grid, thumb=self.thumb)
