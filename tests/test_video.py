"""Video reading: timestamps, rotation, and a named error for each kind of bad input."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from repsight.errors import (
    CorruptVideoError,
    EmptyVideoError,
    NotAVideoError,
    VideoNotFoundError,
)
from repsight.video import VideoReader, probe, scaled_size

from helpers import run_ffmpeg, shared_video, write_test_video


def test_probe_and_read_small_clip(small_video: Path) -> None:
    info = probe(small_video)
    assert (info.width, info.height) == (160, 96)
    assert info.fps == pytest.approx(30.0)
    assert info.frame_count == 30
    assert info.rotation == 0
    frames = list(VideoReader(small_video))
    assert len(frames) == 30
    assert frames[0].rgb.shape == (96, 160, 3)
    t = np.array([f.time_s for f in frames])
    np.testing.assert_allclose(t, np.arange(30) / 30.0, atol=1e-3)


def test_frames_are_tightly_packed_for_odd_widths(tmp_path: Path) -> None:
    # 150 px RGB rows are 450 bytes, which FFmpeg pads; mp.Image needs packed rows.
    clip = write_test_video(tmp_path / "odd.mp4", size=(150, 96), n=3)
    for frame in VideoReader(clip):
        assert frame.rgb.shape == (96, 150, 3)
        assert frame.rgb.flags["C_CONTIGUOUS"]


def test_variable_frame_rate_keeps_container_times(tmp_path: Path) -> None:
    rng = np.random.default_rng(3)
    times = np.cumsum(rng.choice([1 / 30, 1 / 60, 1 / 20], size=40)) - 1 / 30
    clip = write_test_video(tmp_path / "vfr.mp4", n=40, fps=30.0, times=list(times))
    frames = list(VideoReader(clip))
    got = np.array([f.time_s for f in frames])
    assert np.all(np.diff(got) > 0)
    np.testing.assert_allclose(got, times - times[0], atol=2e-3)
    assert probe(clip).variable_frame_rate


def test_rotated_phone_clip_comes_out_upright(tmp_path: Path) -> None:
    src = write_test_video(tmp_path / "land.mp4", size=(160, 96))
    rotated = tmp_path / "rot.mp4"
    run_ffmpeg("-i", str(src), "-c", "copy", "-metadata:s:v:0", "rotate=90", str(rotated))
    info = probe(rotated)
    assert (info.width, info.height) == (96, 160)
    first = next(iter(VideoReader(rotated)))
    assert first.rgb.shape == (160, 96, 3)
    # ffmpeg's own auto-rotation is what players show: our frame must match it.
    shown = tmp_path / "shown.png"
    run_ffmpeg("-i", str(rotated), "-frames:v", "1", str(shown))
    import cv2

    expected = cv2.cvtColor(cv2.imread(str(shown)), cv2.COLOR_BGR2RGB)
    assert expected.shape == first.rgb.shape
    assert np.abs(expected.astype(int) - first.rgb.astype(int)).mean() < 2.0
    # and the picture really turned: the red corner marker is no longer bottom-left
    red = (first.rgb[..., 0] > 200) & (first.rgb[..., 1] < 60) & (first.rgb[..., 2] < 60)
    ys, xs = np.nonzero(red)
    assert not (ys.mean() > 140 and xs.mean() < 20)


@pytest.mark.parametrize("turn", [90, 180, 270])
def test_a_picture_turned_on_reading_matches_the_same_turn_by_ffmpeg(tmp_path: Path, turn: int) -> None:
    """VideoReader(turn=...) (--rotate) turns frames clockwise as ffmpeg's transpose does,
    on top of the file's own flag; its size and the red bottom-left marker follow."""
    import cv2

    src = write_test_video(tmp_path / "land.mp4", size=(160, 96))
    reader = VideoReader(src, turn=turn)
    first = next(iter(reader))
    assert reader.info.rotation == turn and first.rgb.shape[:2] == ((160, 96) if turn != 180 else (96, 160))
    assert (reader.info.width, reader.info.height) == (first.rgb.shape[1], first.rgb.shape[0])
    shown = tmp_path / "shown.png"
    vf = {90: "transpose=1", 180: "hflip,vflip", 270: "transpose=2"}[turn]
    run_ffmpeg("-i", str(src), "-vf", vf, "-frames:v", "1", str(shown))
    expected = cv2.cvtColor(cv2.imread(str(shown)), cv2.COLOR_BGR2RGB)
    assert np.abs(expected.astype(int) - first.rgb.astype(int)).mean() < 2.0
    with pytest.raises(ValueError, match="turn must be 0/90/180/270"):
        VideoReader(src, turn=45)


def test_portrait_shared_clip_is_upright() -> None:
    clip = shared_video("squat_bodyweight_side_home.mp4")
    info = probe(clip)
    assert info.height > info.width


def test_scaled_size_fits_long_side() -> None:
    assert scaled_size(3840, 2160, 1280) == (1280, 720)
    assert scaled_size(640, 360, 1280) == (640, 360)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(VideoNotFoundError, match="not found"):
        probe(tmp_path / "nope.mp4")


def test_zero_byte_file(tmp_path: Path) -> None:
    p = tmp_path / "empty.mp4"
    p.write_bytes(b"")
    with pytest.raises(NotAVideoError, match="0 bytes"):
        probe(p)


def test_text_file_renamed_mp4(tmp_path: Path) -> None:
    p = tmp_path / "notes.mp4"
    p.write_text("these are my training notes, not a video\n" * 20)
    with pytest.raises(NotAVideoError, match="not a video"):
        probe(p)


def test_truncated_clip_is_corrupt(tmp_path: Path) -> None:
    src = write_test_video(tmp_path / "ok.mp4", n=60)
    data = src.read_bytes()
    cut = tmp_path / "cut.mp4"
    # Without faststart the index (moov) sits at the end: cutting it off leaves a file
    # that announces itself as MP4 but cannot be opened.
    cut.write_bytes(data[: len(data) // 2])
    with pytest.raises(CorruptVideoError, match="corrupt or truncated"):
        probe(cut)


def test_truncated_faststart_clip_warns_and_keeps_frames(tmp_path: Path) -> None:
    src = write_test_video(tmp_path / "ok.mp4", n=90)
    fast = tmp_path / "fast.mp4"
    run_ffmpeg("-i", str(src), "-c", "copy", "-movflags", "+faststart", str(fast))
    data = fast.read_bytes()
    cut = tmp_path / "cut_fast.mp4"
    cut.write_bytes(data[: int(len(data) * 0.6)])
    reader = VideoReader(cut)
    frames = list(reader)
    assert 0 < len(frames) < 90
    assert any("truncated" in w for w in reader.warnings)
    # `repsight info` names it too (it printed the frames present as if that were all).
    from click.testing import CliRunner
    from repsight.cli import main

    out = CliRunner().invoke(main, ["info", str(cut)]).output
    assert "the index lists 90: the file looks truncated" in out
    assert "looks truncated" not in CliRunner().invoke(main, ["info", str(fast)]).output
    # Cut anywhere inside the index at the front, or just after it (an upload stopped
    # early): truncated, never "video has no frames" as some such cuts were called.
    head = tmp_path / "cut_head.mp4"
    moov = data.index(b"moov")
    end = moov - 4 + int.from_bytes(data[moov - 4:moov], "big")
    for n in [*range(moov + 4, end, 97), end + 8]:
        head.write_bytes(data[:n])
        with pytest.raises(CorruptVideoError, match="corrupt or truncated video"):
            probe(head)


def test_audio_only_file_is_not_a_video(tmp_path: Path) -> None:
    p = tmp_path / "voice.mp4"
    run_ffmpeg("-f", "lavfi", "-i", "sine=frequency=440:duration=1", str(p))
    with pytest.raises(NotAVideoError, match="no video stream"):
        probe(p)


def test_config_file_given_as_the_video_is_told_so(tmp_path: Path) -> None:
    # FFmpeg reads "[analysis]" lines as subtitles; "no video stream (subtitle)" said nothing.
    p = tmp_path / "club.toml"
    p.write_text('[analysis]\nexercise = "squat"\ngoal = "power"\n')
    with pytest.raises(NotAVideoError, match=r"only text it reads as subtitles \(a config file\? "
                       r"analyze, annotate and batch take one with --config\)"):
        probe(p)
    # One FFmpeg does not read as subtitles gets the same hint.
    p.write_text('exercise = "squat"\n')
    with pytest.raises(NotAVideoError, match=r"not a video: .*\(a config file\?"):
        probe(p)


def test_still_image_is_not_a_video(tmp_path: Path) -> None:
    import cv2

    p = tmp_path / "photo.png"
    cv2.imwrite(str(p), np.zeros((32, 32, 3), np.uint8))
    with pytest.raises(NotAVideoError, match="still image"):
        probe(p)


@pytest.mark.parametrize("ext", ["mp4", "mkv"])
def test_zero_frame_video(tmp_path: Path, ext: str) -> None:
    p = tmp_path / f"noframes.{ext}"
    run_ffmpeg("-f", "lavfi", "-i", "color=c=black:s=64x64:r=30", "-frames:v", "0",
               "-c:v", "libx264", str(p))
    with pytest.raises(EmptyVideoError, match="no frames"):
        probe(p)


def test_probe_counts_the_video_streams(tmp_path):
    # A file with a second camera angle as another stream: only the first is read, and
    # extraction says so (pose.extract_pose warns from video_streams).
    one = write_test_video(tmp_path / "one.mp4", n=6, size=(64, 48))
    two = tmp_path / "two.mp4"
    run_ffmpeg("-i", str(one), "-i", str(one), "-map", "0:v", "-map", "1:v", "-c", "copy", str(two))
    assert probe(one).video_streams == 1
    assert probe(two).video_streams == 2


def test_a_clip_cut_with_stream_copy_is_not_called_truncated(tmp_path):
    # Stream copy starts at the keyframe before the cut; an edit list hides those frames,
    # which the container still counts. They are not frames the file lost.
    sample = Path(__file__).resolve().parents[1] / "sample_videos" / "squat_side_trunk_lean.mp4"
    cut = tmp_path / "cut.mp4"
    run_ffmpeg("-ss", "1.3", "-i", str(sample), "-t", "2.0", "-c", "copy", str(cut))
    reader = VideoReader(cut)
    n = sum(1 for _ in reader)
    assert n == probe(cut).frame_count
    assert not any("truncated" in w for w in reader.warnings), reader.warnings


def test_a_raw_stream_without_timestamps_is_read_not_called_corrupt(tmp_path):
    # An elementary H.264 stream has no container timestamps and cannot seek back:
    # FFmpeg decodes it, and so must the reader (issue 17: "called corrupt").
    sample = Path(__file__).resolve().parents[1] / "sample_videos" / "squat_side_trunk_lean.mp4"
    raw = tmp_path / "raw.h264"
    run_ffmpeg("-i", str(sample), "-frames:v", "40", "-c:v", "libx264", "-an", "-f", "h264", str(raw))
    info = probe(raw)
    assert not info.timestamped and info.frame_count == 40
    assert sum(1 for _ in VideoReader(raw)) == 40


def test_probe_statistics_are_numpys() -> None:
    from repsight.container import _median, _percentile

    rng = np.random.default_rng(3)
    for n in (1, 2, 3, 4, 7, 50):
        for _ in range(20):
            s = sorted(rng.uniform(0.01, 0.1, n).tolist())
            assert _median(s) == np.median(s)
            for q in (5, 50, 95):
                assert _percentile(s, q) == np.percentile(s, q)


def _with_display_matrix(src: Path, dst: Path, a: float, b: float, c: float, d: float) -> Path:
    """src with its video track's display matrix (tkhd) set to [[a, b], [c, d]] (16.16)."""
    import struct

    data = bytearray(src.read_bytes())
    box = data.find(b"tkhd") - 4  # the box starts with its size
    assert box >= 0 and data[box + 8] == 0  # version 0: the matrix sits 48 bytes in
    fixed = [round(v * 65536) for v in (a, b)] + [0] + [round(v * 65536) for v in (c, d)] + [0, 0, 0, 1 << 30]
    data[box + 48:box + 84] = struct.pack(">9i", *fixed)
    dst.write_bytes(bytes(data))
    return dst


@pytest.mark.parametrize("matrix,note", [
    ((-1, 0, 0, 1), "mirrored"),  # a front camera's selfie flip: not a half turn
    ((0.7071, 0.7071, -0.7071, 0.7071), "not a quarter turn"),  # 45 degrees
    ((0, 0, 0, 0), "empty"),
])
def test_a_display_matrix_that_is_no_quarter_turn_is_read_as_stored(tmp_path: Path, matrix, note) -> None:
    from click.testing import CliRunner

    from repsight.cli import main

    src = write_test_video(tmp_path / "land.mp4", size=(160, 96))
    odd = _with_display_matrix(src, tmp_path / "odd.mp4", *matrix)
    info = probe(odd)
    assert (info.rotation, info.width, info.height) == (0, 160, 96)
    assert note in info.display_note
    first = next(iter(VideoReader(odd)))
    assert np.array_equal(first.rgb, next(iter(VideoReader(src))).rgb)
    result = CliRunner().invoke(main, ["info", str(odd)])
    assert result.exit_code == 0 and "Traceback" not in result.output and note in result.output
    # A real quarter turn written the same way is still applied, the way FFmpeg reads it.
    quarter = _with_display_matrix(src, tmp_path / "q.mp4", 0, 1, -1, 0)
    assert probe(quarter).rotation == 90 and probe(quarter).display_note == ""
    # Mirrored and turned: the turn is applied, the mirror is not.
    both = probe(_with_display_matrix(src, tmp_path / "qm.mp4", 0, 1, 1, 0))
    assert both.rotation == 90 and "mirror is not applied" in both.display_note


def test_a_file_named_like_a_protocol_is_read_as_a_file(tmp_path: Path, monkeypatch) -> None:
    src = write_test_video(tmp_path / "10:30 squat.mp4")
    monkeypatch.chdir(tmp_path)
    assert probe(Path("10:30 squat.mp4")).frame_count == 30
    assert len(list(VideoReader("10:30 squat.mp4"))) == 30
    write_test_video(Path("pipe:0.mp4"), n=5)
    assert probe("pipe:0.mp4").frame_count == 5
    assert src.exists()


def test_an_audio_file_with_cover_art_is_not_a_video(tmp_path: Path) -> None:
    import cv2

    still = tmp_path / "cover.png"
    cv2.imwrite(str(still), np.full((64, 64, 3), 120, np.uint8))
    song = tmp_path / "song.mp4"
    run_ffmpeg("-f", "lavfi", "-i", "sine=d=1", "-i", str(still), "-map", "0:a", "-map", "1",
               "-c:a", "aac", "-c:v", "mjpeg", "-disposition:v:0", "attached_pic", str(song))
    with pytest.raises(NotAVideoError, match="only a cover picture"):
        probe(song)
    # Cover art beside a real video: the video is read, and not counted as a second angle.
    clip = write_test_video(tmp_path / "clip.mp4")
    both = tmp_path / "both.mp4"
    run_ffmpeg("-i", str(clip), "-i", str(still), "-map", "0:v", "-map", "1", "-c:v:0", "copy",
               "-c:v:1", "mjpeg", "-disposition:v:1", "attached_pic", str(both))
    info = probe(both)
    assert info.video_streams == 1 and info.frame_count == 30


def test_intact_files_whose_index_counts_empty_entries_are_not_called_damaged(tmp_path: Path) -> None:
    # An AVI holding a variable-frame-rate clip lists its dropped frames; a Theora clip of a
    # still picture sends "repeat the last picture" as empty packets. Nothing is missing,
    # and a batch must not mark them failed for it.
    times = [i / 30 for i in range(20)] + [20 / 30 + 0.5 + i / 30 for i in range(20)]
    vfr = write_test_video(tmp_path / "vfr.mp4", n=40, times=times)
    avi = tmp_path / "drops.avi"
    run_ffmpeg("-i", str(vfr), "-c:v", "mpeg4", "-vsync", "vfr", str(avi))
    ogv = tmp_path / "still.ogv"
    run_ffmpeg("-f", "lavfi", "-i", "color=c=gray:s=160x96:d=1:r=30", "-c:v", "libtheora", str(ogv))
    for clip in (avi, ogv):
        reader = VideoReader(clip)
        assert len(list(reader)) > 0
        assert not any("truncated" in w or "damaged" in w for w in reader.warnings), reader.warnings
    # A file really cut short still says so.
    cut = tmp_path / "cut.mp4"
    whole = write_test_video(tmp_path / "whole.mp4", n=90)
    cut.write_bytes(whole.read_bytes()[: whole.stat().st_size // 2])
    reader = VideoReader(cut)
    list(reader)
    assert any("truncated" in w for w in reader.warnings)


def test_a_paused_recording_keeps_its_frame_rate(tmp_path: Path) -> None:
    # 30 fps with one 10 s pause: the average rate (about 5 fps) is not the clip's pace,
    # which every frame-based duration and the low-frame-rate warning read.
    times = [i / 30 for i in range(30)] + [10.0 + 1 + i / 30 for i in range(30)]
    clip = write_test_video(tmp_path / "paused.mp4", n=60, times=times)
    info = probe(clip)
    assert info.fps == pytest.approx(30.0, rel=0.02)
    assert info.duration_s == pytest.approx(12.0, abs=0.1)
    # A clip whose pace itself varies keeps its average rate.
    vfr = write_test_video(tmp_path / "vfr.mp4", n=60,
                           times=list(np.cumsum([1 / 30 if i % 2 else 1 / 15 for i in range(60)])))
    assert probe(vfr).fps == pytest.approx(60 / (probe(vfr).duration_s), rel=0.1)


def test_a_device_is_not_a_video() -> None:
    if not Path("/dev/zero").exists():
        pytest.skip("no /dev/zero here")
    with pytest.raises(NotAVideoError, match="not a regular file"):
        probe("/dev/zero")
