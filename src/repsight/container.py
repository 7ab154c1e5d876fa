"""What a video file's container says: checking, opening and probing a video without
decoding it all. Free of numpy, so that `repsight info` starts quickly."""

from __future__ import annotations

import math
import os
import stat
import struct
from pathlib import Path
from typing import Any

import av

from .errors import (CorruptVideoError, EmptyVideoError, NotAVideoError, RepsightError,
                     VideoNotFoundError)
from .types import VideoInfo

# Container signatures that mean "this was meant to be a video", so a failure to open
# it is corruption or truncation rather than a wrong file type.
_VIDEO_MAGIC = (b"ftyp", b"moov", b"mdat", b"free", b"wide", b"skip", b"\x1aE\xdf\xa3",
                b"AVI ")
_STILL_IMAGE_FORMATS = {"image2", "png_pipe", "jpeg_pipe", "bmp_pipe", "webp_pipe",
                        "tiff_pipe", "jpegls_pipe"}
# Formats that hold either a still or an animation: a still only when it has one frame.
_MAYBE_STILL_FORMATS = {"gif", "apng"}
VIDEO_EXTENSIONS = (".mp4", ".mov", ".m4v", ".avi", ".mkv", ".webm", ".mpg", ".mpeg",
                    ".wmv", ".flv", ".3gp", ".ts", ".mts")


def check_path(path: str | os.PathLike) -> Path:
    """The path as a Path, once it names a readable, non-empty file (else a one-line error)."""
    p = Path(path)
    if not p.exists():
        raise VideoNotFoundError(f"video not found: {p}")
    if p.is_dir():
        raise VideoNotFoundError(f"expected a video file but got a folder: {p}")
    if not os.access(p, os.R_OK):
        raise VideoNotFoundError(f"video is not readable (permission denied): {p}")
    st = p.stat()
    if not stat.S_ISREG(st.st_mode):
        raise NotAVideoError(f"not a video: {p} is not a regular file (a device, pipe or socket)")
    if st.st_size == 0:
        raise NotAVideoError(f"not a video: {p} is empty (0 bytes)")
    return p


def ffmpeg_name(p: str | os.PathLike) -> str:
    """A file name FFmpeg reads as a file: absolute, so that "10:30 squat.mp4" is not taken
    for a "10:" protocol and "pipe:0" not for standard input."""
    return os.path.abspath(os.fspath(p))


# FFmpeg reads a text file whose lines start with "[" or "{" as subtitles.
_STREAM_KINDS = {"subtitle": "text it reads as subtitles", "data": "data", "audio": "audio"}


def _config_hint(p: Path) -> str:
    """" (a config file? ...)" for a TOML file given where a video goes, else ""."""
    return (" (a config file? analyze, annotate and batch take one with --config)"
            if p.suffix.lower() == ".toml" else "")


def open_video(p: Path) -> av.container.InputContainer:
    """An open PyAV container with a video stream, or the error that says why not."""
    try:
        container = av.open(ffmpeg_name(p), mode="r")
    except av.error.EOFError:
        # A file that ends before its index is whole (an upload cut off inside the
        # header) is truncated, not empty.
        if _box_cut_short(p):
            raise CorruptVideoError(f"corrupt or truncated video: {p} (it ends inside its "
                                    "header)") from None
        raise EmptyVideoError(f"video has no frames: {p}") from None
    except av.error.FFmpegError as exc:
        if _has_video_magic(p):
            raise CorruptVideoError(
                f"corrupt or truncated video: {p} ({short_error(exc)})") from None
        raise NotAVideoError(f"not a video: {p} ({short_error(exc)}){_config_hint(p)}") from None
    if container.format.name in _STILL_IMAGE_FORMATS:
        container.close()
        raise NotAVideoError(f"not a video: {p} is a still image ({container.format.name})")
    if not container.streams.video:
        kinds = sorted({s.type for s in container.streams})
        container.close()
        if not kinds and _box_cut_short(p):
            raise CorruptVideoError(f"corrupt or truncated video: {p} (it ends inside its "
                                    "header)")
        if not kinds:
            raise EmptyVideoError(f"video has no frames: {p} (the container holds no streams)")
        if "audio" not in kinds and _has_video_magic(p):
            # A video container whose index is cut short lists only opaque data streams.
            raise CorruptVideoError(
                f"corrupt or truncated video: {p} (no readable video stream; "
                f"found {', '.join(kinds)})")
        only = ", ".join(_STREAM_KINDS.get(k, k) for k in kinds)
        raise NotAVideoError(f"not a video: {p} has no video stream, only {only}{_config_hint(p)}")
    if not moving_streams(container):
        container.close()
        raise NotAVideoError(f"not a video: {p} holds only a cover picture (an audio file's "
                             "artwork), no moving picture")
    return container


def moving_streams(container: Any) -> list[Any]:
    """The container's video streams that move: not a cover picture (attached_pic), which
    an audio file or a phone export may carry beside or instead of the video."""
    cover = int(av.stream.Disposition.attached_pic)
    return [s for s in container.streams.video if not int(s.disposition) & cover]


def video_stream(container: Any) -> Any:
    """The stream repsight reads: the first moving video stream (open_video checked there is one)."""
    return moving_streams(container)[0]


def _has_video_magic(p: Path) -> bool:
    with open(p, "rb") as fh:
        head = fh.read(16)
    return any(m in head for m in _VIDEO_MAGIC)


def _box_cut_short(p: Path) -> bool:
    """Whether an MP4/MOV file's top-level boxes run past its end: a file cut off while it
    was written or uploaded (a whole file with no frames has whole boxes)."""
    size = p.stat().st_size
    at = 0
    with open(p, "rb") as fh:
        head = fh.read(8)
        if len(head) < 8 or head[4:8] not in (b"ftyp", b"moov", b"mdat", b"free", b"wide"):
            return False
        while at < size:
            fh.seek(at)
            head = fh.read(16)
            if len(head) < 8:
                return True  # a box header itself cut off
            n = int.from_bytes(head[:4], "big")
            if n == 1:  # the size is in the next 8 bytes
                if len(head) < 16:
                    return True
                n = int.from_bytes(head[8:16], "big")
            elif n == 0:  # runs to the end of the file
                return False
            if n < 8:
                return False  # not boxes after all: no claim either way
            at += n
    return at > size


def short_error(exc: Exception) -> str:
    """A library error's text on one line, at most 160 characters, for our messages."""
    text = getattr(exc, "strerror", None) or str(exc)
    return " ".join(str(text).split())[:160]


# A display matrix's turn within this many degrees of a quarter turn is that quarter turn.
TURN_SLACK_DEG = 10.0


def _display_turn(frame: av.VideoFrame) -> tuple[int, str]:
    """(the clockwise quarter turn that shows the picture upright, as players do, and a
    note when the file's display matrix asks for something else: "" when it does not).

    Read from the frame's display matrix (3x3, 16.16 fixed point). A mirrored matrix (a
    front camera's selfie flip) is a reflection, not a half turn: the turn is read with the
    mirror taken out, and the picture is analysed as stored (mirrored, upright). A turn
    that is not a quarter turn, or a matrix that shows nothing (all zeros), is not applied.
    """
    matrix = None
    side = getattr(frame, "side_data", None)
    for entry in side or ():
        # PyAV up to 18.1.0 iterates the side data itself; 18.1.1 iterates its types, as
        # a mapping's keys (the matrix went unseen there, and a mirror read as a half turn).
        kind, data = getattr(entry, "type", None), entry
        if kind is None:
            kind = entry
            try:
                data = side[entry]
            except (KeyError, IndexError, TypeError):
                continue
        if getattr(kind, "name", "") == "DISPLAYMATRIX":
            raw = bytes(data)
            if len(raw) >= 36:
                matrix = struct.unpack("=9i", raw[:36])  # FFmpeg's side data: native order
    if matrix is None:
        # No matrix seen: PyAV's own angle (counter-clockwise), when it is a quarter turn.
        try:
            angle = float(getattr(frame, "rotation", 0) or 0)
        except (TypeError, ValueError):
            angle = 0.0
        return _quarter((-angle) % 360) or 0, ""
    a, b, c, d = (matrix[k] / 65536.0 for k in (0, 1, 3, 4))
    det = a * d - b * c
    if abs(det) < 1e-6:
        return 0, "the file's display matrix is empty (all zeros); the picture is read as stored"
    note = ""
    if det < 0:
        a, c = -a, -c  # take the horizontal mirror out
        note = ("the file asks for the picture mirrored; the mirror is not applied "
                "(mirroring does not change a lift)")
    turn = math.degrees(math.atan2(b / math.hypot(b, d), a / math.hypot(a, c))) % 360
    quarter = _quarter(turn)
    if quarter is None:
        way = f"{turn:.0f} degrees clockwise" if turn <= 180 else f"{360 - turn:.0f} degrees counter-clockwise"
        return 0, (f"the file asks for the picture turned {way}, not a quarter turn; it is "
                   "read as stored (use --rotate if it looks sideways)")
    return quarter, note


def _quarter(turn: float) -> int | None:
    """The quarter turn (0, 90, 180, 270) within TURN_SLACK_DEG of `turn` degrees, or None."""
    off = turn % 90.0
    return (int(round(turn / 90.0)) % 4) * 90 if min(off, 90.0 - off) <= TURN_SLACK_DEG else None


def is_placeholder(packet: Any) -> bool:
    """An empty packet that stands for a frame (it has a time): an AVI's dropped-frame
    entry, Theora's "repeat the last picture". Not damage, and no picture is missing; an
    empty packet without a time is the decoder's end-of-stream flush."""
    return not packet.size and (packet.pts is not None or packet.dts is not None)


def probe(path: str | os.PathLike) -> VideoInfo:
    """Read a video's size, rate, frame count, duration and rotation without decoding it all."""
    return probe_and_count(path)[0]


def probe_and_count(path: str | os.PathLike) -> tuple[VideoInfo, int]:
    """probe(), plus the frame count the container's index announces (0 if it gives none).

    frame_count in VideoInfo counts the frames actually present; an index that announces
    more means the file was cut short after its index was written (faststart files).
    """
    p = check_path(path)
    container = open_video(p)
    try:
        stream = video_stream(container)
        times: list[float] = []
        discarded = 0
        untimed = 0  # packets without a timestamp (a raw H.264 stream has none)
        # Empty packets the index counts as frames: an AVI's dropped-frame entries, a
        # Theora "repeat the last picture" packet. No frame is missing for them.
        placeholders = 0
        first_frame = None
        try:
            for packet in container.demux(stream):
                if not packet.size:
                    placeholders += is_placeholder(packet)
                    continue
                if packet.pts is None:
                    untimed += 1
                    continue
                # Pre-roll that an edit list hides (a clip cut with stream copy starts
                # at the keyframe before the cut) is decoded but never shown.
                if packet.is_discard:
                    discarded += 1
                    continue
                times.append(float(packet.pts * packet.time_base))
            try:
                container.seek(0)
            except av.error.FFmpegError:
                if not untimed:
                    raise
                # A stream without an index (raw H.264) cannot seek back: open it again.
                container.close()
                container = open_video(p)
                stream = video_stream(container)
            for frame in container.decode(stream):
                first_frame = frame
                break
        except av.error.FFmpegError as exc:
            if not times and not untimed:
                raise CorruptVideoError(
                    f"corrupt or truncated video: {p} ({short_error(exc)})") from None
        if first_frame is None and not times and stream.frames > 0:
            # The index is whole and lists frames, but the data they are in is not there.
            raise CorruptVideoError(f"corrupt or truncated video: {p} (its index lists "
                                    f"{stream.frames} frames, none of them in the file)")
        if first_frame is None and not times:
            raise EmptyVideoError(f"video has no frames: {p}")
        if first_frame is None:
            raise CorruptVideoError(
                f"corrupt or truncated video: {p} (no frame could be decoded)")
        if container.format.name in _MAYBE_STILL_FORMATS and len(times) + untimed < 2:
            raise NotAVideoError(
                f"not a video: {p} is a still image ({container.format.name}, one frame)")
        rotation, display_note = _display_turn(first_frame)
        times.sort()
        diffs = sorted(b - a for a, b in zip(times, times[1:]))
        step = _median(diffs) if diffs else float("nan")
        rate = stream.average_rate or stream.guessed_rate
        if rate and not _gapped(diffs, step, float(rate)):
            fps = float(rate)
        elif diffs and step > 0:
            fps = 1.0 / step
        else:
            fps = 30.0
        vfr = bool(len(diffs) > 2 and step > 0
                   and _percentile(diffs, 95) - _percentile(diffs, 5) > 0.25 * step)
        if times:
            duration = times[-1] - times[0] + (step if diffs else 1 / fps)
        else:
            duration = untimed / fps
        w, h = first_frame.width, first_frame.height
        if rotation in (90, 270):
            w, h = h, w
        info = VideoInfo(path=str(p), width=w, height=h, fps=fps,
                         frame_count=len(times) or untimed or (stream.frames or 0),
                         duration_s=float(duration), rotation=rotation,
                         codec=stream.codec_context.name, variable_frame_rate=vfr,
                         video_streams=len(moving_streams(container)),
                         timestamped=bool(times) or not untimed,
                         capture_fps=_capture_fps(container, stream),
                         display_note=display_note)
        announced = max(0, int(stream.frames or 0) - discarded - placeholders)
        if announced > len(times) and _spans_whole_stream(stream, times, step):
            # The frames present reach the end the stream states: the index counted entries
            # that hold no picture (an AVI's dropped frames), nothing was cut off.
            announced = len(times)
        return info, announced
    finally:
        container.close()


# A stream whose frames come at one pace except for a few long gaps (recording paused, a
# stretch cut out) has an average rate far below that pace: its rate is the pace.
GAP_REGULAR_SHARE = 0.9


def _gapped(diffs: list[float], step: float, average_fps: float) -> bool:
    """Whether the frames keep one pace (step s apart, on GAP_REGULAR_SHARE of them) that
    the average rate misses by more than a fifth: a few long gaps in a regular stream."""
    if not diffs or not step > 0:
        return False
    regular = sum(1 for d in diffs if abs(d - step) <= 0.25 * step) / len(diffs)
    return regular >= GAP_REGULAR_SHARE and abs(average_fps * step - 1.0) > 0.2


def _spans_whole_stream(stream: Any, times: list[float], step: float) -> bool:
    """Whether the packets' times (sorted) reach the end of the duration the stream states."""
    if not times or not stream.duration or not stream.time_base or not step > 0:
        return False
    end = float(((stream.start_time or 0) + stream.duration) * stream.time_base)
    return times[-1] >= end - 2.5 * step


def capture_fps_of(path: str | os.PathLike) -> float | None:
    """The frame rate the camera filmed at, as the file's tags state it, read from its
    header alone (no packet is read); None when it does not say or cannot be opened."""
    try:
        container = open_video(check_path(path))
    except (RepsightError, OSError):  # a file that cannot be opened states nothing
        return None
    try:
        return _capture_fps(container, video_stream(container))
    finally:
        container.close()


def display_turn_of(path: str | os.PathLike) -> int | None:
    """The clockwise quarter turn the file's first frame asks for (_display_turn), from
    that frame alone; None when it cannot be read."""
    try:
        container = open_video(check_path(path))
    except (RepsightError, OSError):
        return None
    try:
        for frame in container.decode(video_stream(container)):
            return _display_turn(frame)[0]
        return None
    except av.error.FFmpegError:
        return None
    finally:
        container.close()


def _capture_fps(container: Any, stream: Any) -> float | None:
    """The frame rate the camera filmed at, as the file states it (Android's
    com.android.capture.fps tag on a slow-motion clip), or None."""
    for tags in (stream.metadata, container.metadata):
        for key, value in (tags or {}).items():
            if key.lower().endswith("capture.fps"):
                try:
                    rate = float(value)
                except (TypeError, ValueError):
                    continue
                if math.isfinite(rate) and 1.0 <= rate <= 2000.0:
                    return rate
    return None


# numpy's median and linear percentile on a short sorted list, in plain Python: the
# probe is all `repsight info` runs, and importing numpy would double its time.
def _median(s: list[float]) -> float:
    n = len(s)
    return s[n // 2] if n % 2 else (s[n // 2 - 1] + s[n // 2]) / 2


def _percentile(s: list[float], q: float) -> float:
    pos = q / 100.0 * (len(s) - 1)
    lo = int(pos)
    hi = min(lo + 1, len(s) - 1)
    t = pos - lo
    a, b = s[lo], s[hi]
    # the form numpy uses, exact at both ends
    return b - (b - a) * (1 - t) if t >= 0.5 else a + (b - a) * t
