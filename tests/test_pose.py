"""Pose extraction: bundled models load offline and find a real person; cache round-trips."""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path

import numpy as np
import pytest

from repsight import cache as cache_mod
from repsight.cache import extract_cached, load_pose, save_pose
from repsight.errors import ModelNotFoundError
from repsight.landmarks import LM
from repsight.pose import PoseEstimator, extract_pose, model_path
from repsight.video import VideoReader

from helpers import shared_video


@pytest.mark.parametrize("model", ["lite", "full"])
def test_bundled_model_finds_person_in_real_frame(model: str) -> None:
    clip = shared_video("squat_bodyweight_side_plain.mp4")
    frame = next(iter(VideoReader(clip)))
    with PoseEstimator(model) as est:
        img, world = est.detect(frame.rgb, frame.time_s)
    assert not np.isnan(img).any()
    # A standing person in side view: hips above knees above ankles in the image.
    assert img[LM.LEFT_HIP, 1] < img[LM.LEFT_KNEE, 1] < img[LM.LEFT_ANKLE, 1]
    assert img[:, 3].mean() > 0.5  # visibility
    # World landmarks are metres: a thigh is 0.3-0.6 m long.
    thigh = np.linalg.norm(world[LM.LEFT_HIP] - world[LM.LEFT_KNEE])
    assert 0.25 < thigh < 0.7


def test_unknown_and_missing_models(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(ModelNotFoundError, match="unknown pose model"):
        model_path("huge")
    monkeypatch.setenv("REPSIGHT_MODELS_DIR", str(tmp_path))
    # The variable adds a folder: the bundled full model is still found (it replaced the
    # search, and a wheel user pointing it at a built heavy model lost the default one).
    assert model_path("full").parent != tmp_path and model_path("full").is_file()
    (tmp_path / "pose_landmarker_full.task").write_bytes(b"built apart")
    assert model_path("full") == tmp_path / "pose_landmarker_full.task"
    monkeypatch.setattr("repsight.pose.bundled_model_dirs", lambda: ())
    with pytest.raises(ModelNotFoundError, match=r"python models/build_models.py heavy, then set "
                       "REPSIGHT_MODELS_DIR"):
        model_path("heavy")


def test_empty_scene_gives_nan_rows_not_a_crash(small_video: Path) -> None:
    seq = extract_pose(small_video, model="lite")
    assert seq.n_frames == 30
    assert seq.detection_rate == 0.0
    assert np.isnan(seq.image).all()
    assert "no person" in " ".join(seq.meta["warnings"])


def test_cache_round_trip_and_reuse(small_video: Path, tmp_path: Path,
                                    monkeypatch: pytest.MonkeyPatch) -> None:
    first = extract_cached(small_video, model="lite", cache_dir=tmp_path / "c")
    path = tmp_path / "p.npz"
    save_pose(first, path)
    again = load_pose(path)
    np.testing.assert_array_equal(again.timestamps_s, first.timestamps_s)
    assert again.content_hash == first.content_hash and again.model == "lite"

    def boom(*a, **k):
        raise AssertionError("pose model re-run despite a cached extraction")

    monkeypatch.setattr(cache_mod, "extract_pose", boom)
    cached = extract_cached(small_video, model="lite", cache_dir=tmp_path / "c")
    assert cached.n_frames == first.n_frames
    # A different model is a different cache entry, so it must run the model.
    with pytest.raises(AssertionError, match="re-run"):
        extract_cached(small_video, model="full", cache_dir=tmp_path / "c")


@pytest.mark.slow
def test_extract_real_clip_finds_person_on_most_frames(tmp_path: Path) -> None:
    clip = shared_video("squat_bodyweight_side_plain.mp4")
    seq = extract_cached(clip, model="full", cache_dir=tmp_path)
    assert seq.n_frames == 322
    assert seq.detection_rate >= 0.9
    assert np.all(np.diff(seq.timestamps_s) > 0)
    np.testing.assert_allclose(seq.timestamps_s[:3], [0, 1 / 30, 2 / 30], atol=1e-6)


def test_extract_prints_no_native_log_lines(small_video: Path, tmp_path: Path) -> None:
    # MediaPipe's C++ graph logs "DestroyAccelerator" on fd 2 when torn down; a user must
    # see repsight's one line, not the library's.
    import subprocess
    import sys

    out = tmp_path / "poses.npz"
    run = subprocess.run([sys.executable, "-m", "repsight", "extract", str(small_video), "-o", str(out),
                          "--no-cache", "--model", "lite"], capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    assert out.exists()
    assert "INFO:" not in run.stderr and "Accelerator" not in run.stderr, run.stderr


def test_verbose_extract_shows_the_native_log_lines(small_video: Path, tmp_path: Path) -> None:
    import os
    import subprocess
    import sys

    from repsight.config import NATIVE_LOGS_ENV

    env = {k: v for k, v in os.environ.items() if k != NATIVE_LOGS_ENV}
    run = subprocess.run([sys.executable, "-m", "repsight", "extract", str(small_video), "-o",
                          str(tmp_path / "poses.npz"), "--no-cache", "--model", "lite", "-q", "-v"],
                         capture_output=True, text=True, timeout=120, env=env)
    assert run.returncode == 0, run.stderr
    assert "Accelerator" in run.stderr  # MediaPipe's own lines, which are hidden without -v
    assert "no person was found" in run.stderr.splitlines()[-1]  # repsight's lines still come


# ------------------------------------------------------------- one clip on every core

def test_plan_chunks_cover_the_clip_with_equal_work() -> None:
    from repsight.pose import plan_chunks

    assert len(plan_chunks(0.0, 11.0, 4, min_chunk_s=6.0)) == 1  # too short to split
    assert len(plan_chunks(0.0, 100.0, 1)) == 1
    chunks = plan_chunks(0.0, 40.0, 3, warmup_s=1.0, min_chunk_s=6.0)
    assert len(chunks) == 3
    assert chunks[0].start_s == -np.inf and chunks[-1].stop_s == np.inf
    for a, b in zip(chunks, chunks[1:]):
        assert a.stop_s == b.start_s  # contiguous: every frame in exactly one chunk
        assert b.warmup_from_s == pytest.approx(b.start_s - 1.0)
    # Work = kept seconds + warm-up seconds, the same for every chunk.
    kept = [chunks[0].stop_s, chunks[1].stop_s - chunks[1].start_s, 40.0 - chunks[2].start_s]
    work = [kept[0], kept[1] + 1.0, kept[2] + 1.0]
    assert max(work) - min(work) < 1e-9
    with pytest.raises(ValueError, match="workers"):
        plan_chunks(0.0, 40.0, 0)


def test_frames_from_gives_the_frames_of_a_full_read() -> None:
    clip = shared_video("squat_bodyweight_side_plain.mp4")
    full = [(f.time_s, f.rgb) for f in VideoReader(clip)]
    for start in (0.0, 3.0, 7.45):
        reader = VideoReader(clip)
        part = [(f.time_s, f.rgb) for f in reader.frames_from(start)]
        ref = [x for x in full if x[0] >= start]
        assert [t for t, _ in part] == [t for t, _ in ref]
        assert all(np.array_equal(a, b) for (_, a), (_, b) in zip(part, ref))
        assert reader.warnings == []
    assert list(VideoReader(clip).frames_from(60.0)) == []


@pytest.mark.slow
def test_chunked_extraction_matches_sequential(tmp_path: Path) -> None:
    from repsight.analysis import analyse_pose
    from repsight.config import build_config

    clip = shared_video("squat_bodyweight_side_plain.mp4")
    one = extract_pose(clip, model="full")
    two = extract_pose(clip, model="full", workers=2, min_chunk_s=3.0)
    assert two.meta["chunks"] == 2 and "parallel_fallback" not in two.meta
    np.testing.assert_array_equal(two.timestamps_s, one.timestamps_s)
    # Each worker scans the frames it decodes for shot statistics and sampled frames:
    # together they give what one process gives, people counted included.
    assert two.meta["scene"] == one.meta["scene"] and len(two.meta["scene"]["people"]) == 10
    seam = int(np.searchsorted(two.timestamps_s, two.meta["seams_s"][0]))
    assert 0.3 * two.n_frames < seam < 0.7 * two.n_frames
    # Before the seam both ran the same frames through a fresh landmarker: bit-identical.
    np.testing.assert_array_equal(two.image[:seam], one.image[:seam])
    # After it, the second chunk's tracker started elsewhere: sub-pixel to a few pixels.
    px = np.linalg.norm((two.image[seam:, :, :2] - one.image[seam:, :, :2])
                        * [two.width, two.height], axis=-1)
    assert np.nanmedian(px) < 2.0 and np.nanpercentile(px, 95) < 15.0
    assert two.detection_rate == pytest.approx(one.detection_rate, abs=0.01)
    cfg = build_config(exercise="squat")
    a, b = analyse_pose(one, cfg), analyse_pose(two, cfg)
    def events(x):
        return np.array([(r.start, r.eccentric[0], r.eccentric[1], r.turnaround, r.concentric[0],
                          r.concentric[1], r.end) for r in x.reps])

    assert len(b.reps) == len(a.reps) == 3
    assert np.abs(events(b) - events(a)).max() <= 1  # phase boundaries within one frame
    assert [(v.kind, v.rep_index) for v in b.verdicts] == [(v.kind, v.rep_index) for v in a.verdicts]


def _group_members(pgid: int) -> list[str]:
    """Command lines of the live (not zombie) processes in a process group."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:
            continue
        fields = text[text.rindex(")") + 2:].split()
        if int(fields[2]) == pgid and fields[0] != "Z":
            found.append(text[:text.rindex(")") + 1])
    return found


def _wait_gone(pgid: int, timeout: float = 10.0) -> list[str]:
    import time

    end = time.monotonic() + timeout
    while (left := _group_members(pgid)) and time.monotonic() < end:
        time.sleep(0.2)
    return left


@pytest.mark.slow
def test_cli_extract_with_workers_is_quiet_and_leaves_no_process(tmp_path: Path) -> None:
    import subprocess
    import sys

    clip = shared_video("pullup_side_short.mp4")  # 12.2 s: two chunks
    out = tmp_path / "poses.npz"
    proc = subprocess.Popen([sys.executable, "-m", "repsight", "extract", str(clip), "-o", str(out),
                             "--no-cache", "--model", "lite", "--workers", "2", "-q"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True)
    stdout, stderr = proc.communicate(timeout=300)
    assert proc.returncode == 0, stderr
    assert stderr == "", stderr  # no MediaPipe, TFLite or absl line from any worker
    assert load_pose(out).meta["chunks"] == 2
    assert _wait_gone(proc.pid) == []


@pytest.mark.slow
@pytest.mark.parametrize("settle_s", [0.0, 2.0], ids=["while-importing", "while-running"])
def test_ctrl_c_ends_the_chunk_workers(tmp_path: Path, settle_s: float) -> None:
    import signal
    import subprocess
    import sys
    import time

    clip = shared_video("pushup_side_long.mp4")  # 55 s: far from done after a few seconds
    proc = subprocess.Popen([sys.executable, "-m", "repsight", "extract", str(clip), "-o",
                             str(tmp_path / "p.npz"), "--no-cache", "--model", "lite",
                             "--workers", "2", "-q"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True)
    # Wait until the chunk workers exist, then Ctrl-C the whole group as a terminal does:
    # at once, while they still import (a worker's own SIGINT handling comes too late
    # there: its traceback reached the terminal), or once they run.
    end = time.monotonic() + 60
    while len(_group_members(proc.pid)) < 3 and time.monotonic() < end:
        time.sleep(0.02)
    assert len(_group_members(proc.pid)) >= 3, "the chunk workers never started"
    time.sleep(settle_s)
    os.killpg(proc.pid, signal.SIGINT)
    _, stderr = proc.communicate(timeout=30)
    # The CLI catches the interrupt and exits with 1. (It once ended by SIGINT in about 1
    # run in 15: CPython's note of an interrupt that ended string-compiled code, as an
    # import running beside the workers can; see cli._forget_handled_interrupt.)
    assert proc.returncode == 1, stderr
    assert stderr.strip() == "Error: interrupted", stderr
    assert _wait_gone(proc.pid) == []
    assert not (tmp_path / "p.npz").exists()


@pytest.mark.slow
def test_chunk_workers_end_when_their_parent_is_killed(tmp_path: Path) -> None:
    import signal
    import subprocess
    import sys
    import time

    clip = shared_video("pushup_side_long.mp4")
    proc = subprocess.Popen([sys.executable, "-m", "repsight", "extract", str(clip), "-o",
                             str(tmp_path / "p.npz"), "--no-cache", "--model", "lite",
                             "--workers", "2", "-q"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)
    end = time.monotonic() + 60
    while len(_group_members(proc.pid)) < 3 and time.monotonic() < end:
        time.sleep(0.2)
    assert len(_group_members(proc.pid)) >= 3, "the chunk workers never started"
    os.kill(proc.pid, signal.SIGKILL)  # no chance to clean up: the workers must notice
    proc.wait(timeout=10)
    assert _wait_gone(proc.pid, timeout=15) == []


def test_workers_from_the_config_file(tmp_path: Path) -> None:
    from repsight.cli_options import resolve_workers
    from repsight.config import build_config
    from repsight.errors import ConfigError
    good = tmp_path / "good.toml"
    good.write_text("workers = 3\ngoal = 'power'\n")
    assert resolve_workers(None, good) == 3
    assert resolve_workers(1, good) == 1  # the command line wins
    assert resolve_workers(None, None) == 1  # one process unless asked: same results anywhere
    # A run setting, not an analysis one: it never reaches AnalysisConfig or the results.
    assert build_config(good).goal == "power"
    bad = tmp_path / "bad.toml"
    bad.write_text("workers = 0\n")
    with pytest.raises(ConfigError, match="workers"):
        resolve_workers(None, bad)


def _poses(times: np.ndarray, x: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Landmark arrays of a fake body whose landmarks all sit at (x[t], 0.5), fully visible."""
    img = np.zeros((len(times), 33, 5), dtype=np.float32)
    img[..., 0] = x[:, None]
    img[..., 1] = 0.5
    img[..., 3:] = 1.0
    return img, np.zeros((len(times), 33, 3), dtype=np.float32), times


def test_a_seam_the_trackers_read_differently_is_carried_over_until_they_agree() -> None:
    from repsight.pose import SEAM_AGREE_FRAMES, Chunk, _stitch

    t = np.arange(100) / 30.0
    truth = np.linspace(0.2, 0.8, 100)  # what one tracker over the whole clip reads
    chunks = (Chunk(0, -np.inf, t[50], -np.inf), Chunk(1, t[50], np.inf, t[40]))
    kept = {0: _poses(t[:50], truth[:50])}
    warm = {1: _poses(t[40:50], truth[40:50] + 0.3)}  # chunk 1 locked onto another reading
    late = truth[50:].copy()
    late[:20] += 0.3  # ... and keeps it for 20 frames before it finds the body again
    kept[1] = _poses(t[50:], late)
    asked = []

    def extend(owner: int, n: int):
        start = 50 + sum(asked)
        asked.append(n)
        assert owner == 0
        return _poses(t[start:start + n], truth[start:start + n]), False

    parts, notes = _stitch(chunks, kept, warm, extend, (640, 360))
    x = np.concatenate([p[0] for p in parts])[:, 0, 0]
    np.testing.assert_array_equal(np.concatenate([p[2] for p in parts]), t)
    np.testing.assert_allclose(x, truth, atol=1e-6)  # the carried-over frames are chunk 0's
    assert notes["seam_frames_carried"] == 20 + SEAM_AGREE_FRAMES
    assert notes["seams_s"] == [pytest.approx(t[50 + 20 + SEAM_AGREE_FRAMES])]

    # Trackers that agree on the warm-up: chunk 1 is used from its first frame, no carrying.
    warm = {1: _poses(t[40:50], truth[40:50] + 0.001)}
    kept[1] = _poses(t[50:], truth[50:])
    parts, notes = _stitch(chunks, kept, warm, extend, (640, 360))
    assert notes == {"seams_s": [pytest.approx(t[50])], "seam_frames_carried": 0}


@pytest.mark.slow
def test_a_truncated_clip_falls_back_to_one_process(tmp_path: Path) -> None:
    # A faststart copy cut at 70 %: the index announces frames the file no longer holds.
    # Chunks never guess how a one-process read would handle that: the clip runs in one.
    import av

    whole = tmp_path / "whole.mp4"
    with av.open(str(shared_video("pullup_side_short.mp4"))) as src, \
            av.open(str(whole), "w", options={"movflags": "+faststart"}) as dst:
        stream = dst.add_stream_from_template(src.streams.video[0])
        for packet in src.demux(src.streams.video[0]):
            if packet.dts is not None:
                packet.stream = stream
                dst.mux(packet)
    clip = tmp_path / "cut.mp4"
    data = whole.read_bytes()
    clip.write_bytes(data[:int(len(data) * 0.7)])
    one = extract_pose(clip, model="lite")
    assert any("truncated" in w for w in one.meta["warnings"])
    two = extract_pose(clip, model="lite", workers=2, min_chunk_s=3.0)
    assert "parallel_fallback" in two.meta and "chunks" not in two.meta
    np.testing.assert_array_equal(two.timestamps_s, one.timestamps_s)
    np.testing.assert_array_equal(two.image, one.image)
    assert two.meta["warnings"] == one.meta["warnings"]


def test_a_phone_slow_motion_clip_is_timed_at_the_speed_it_was_lifted(tmp_path: Path) -> None:
    """Android stores slow motion to play at 30 fps and tags the rate it filmed at
    (com.android.capture.fps): before, every rep of such a clip read 2-8x slow (a tempo
    failure on each) with no warning."""
    from helpers import run_ffmpeg, write_test_video
    from repsight.container import probe

    plain = write_test_video(tmp_path / "plain.mp4", n=30, fps=30.0)
    slow = tmp_path / "slowmo.mp4"
    run_ffmpeg("-i", str(plain), "-c", "copy", "-movflags", "use_metadata_tags",
               "-metadata", "com.android.capture.fps=120.000000", str(slow))
    assert probe(plain).capture_fps is None and probe(plain).slow_motion is None
    info = probe(slow)
    assert info.capture_fps == 120.0 and info.slow_motion == 4.0
    a, b = extract_pose(plain, model="lite"), extract_pose(slow, model="lite")
    np.testing.assert_allclose(b.timestamps_s, a.timestamps_s / 4.0)
    assert b.fps == pytest.approx(120.0) and b.meta["slow_motion"] == 4.0
    # The frame statistics kept with the poses are timed alike (shots and camera motion
    # match them to the poses by time); a later read of the file scales back.
    np.testing.assert_allclose(b.meta["scene"]["times_s"],
                               np.asarray(a.meta["scene"]["times_s"]) / 4.0, atol=1e-5)
    from repsight.types import slow_motion
    assert slow_motion(b) == 4.0 and slow_motion(a) == 1.0
    # A pose cache made before slow motion was timed as lifted is retimed when read (the
    # file's tag, from its header), not served 4x slow.
    from repsight.video import file_hash

    old = dataclasses.replace(a, meta={k: v for k, v in a.meta.items() if k != "slow_motion"},
                              image=np.full_like(a.image, 0.25))  # marks the cached entry
    save_pose(old, cache_mod.cache_path(file_hash(slow), "lite", None, tmp_path / "c"))
    cached = extract_cached(slow, model="lite", cache_dir=tmp_path / "c", max_long_side=None)
    np.testing.assert_allclose(cached.timestamps_s, a.timestamps_s / 4.0)
    assert cached.meta["slow_motion"] == 4.0 and np.all(cached.image == 0.25)
    assert any(w.startswith("slow-motion clip: filmed at 120 fps and stored to play at 30 fps")
               for w in b.meta["warnings"])
    # A tag within rounding of the playback rate is a real-time file.
    same = tmp_path / "realtime.mp4"
    run_ffmpeg("-i", str(plain), "-c", "copy", "-movflags", "use_metadata_tags",
               "-metadata", "com.android.capture.fps=30.000000", str(same))
    assert probe(same).capture_fps == 30.0 and probe(same).slow_motion is None


def test_a_slow_motion_clips_lost_person_is_timed_as_lifted(tmp_path: Path, monkeypatch) -> None:
    """The note on a stretch without the lifter is in the times the result is read in: a
    tester's half-speed clip said "lost for 0.8 s (20.2-21.0 s)" beside reps ending at
    10.7 s."""
    from helpers import run_ffmpeg, write_test_video

    plain = write_test_video(tmp_path / "plain.mp4", n=120, fps=30.0)
    slow = tmp_path / "slowmo.mp4"
    run_ffmpeg("-i", str(plain), "-c", "copy", "-movflags", "use_metadata_tags",
               "-metadata", "com.android.capture.fps=120.000000", str(slow))

    def seen_but_between(self, rgb, time_s):  # a person on every frame but 1.0-3.0 s played
        img = np.full((33, 5), 0.5, dtype=np.float32)
        return (np.full_like(img, np.nan) if 1.0 <= time_s < 3.0 else img), np.zeros((33, 3), np.float32)

    monkeypatch.setattr(PoseEstimator, "detect", seen_but_between)
    seq = extract_pose(slow, model="lite")
    (lost,) = [w for w in seq.meta["warnings"] if w.startswith("the person left")]
    assert lost == "the person left the frame or was lost for 0.5 s (0.2-0.8 s)"


def test_a_cached_extraction_of_a_picture_turned_otherwise_is_made_again(
        small_video: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # An entry made when a mirrored display matrix was read as a half turn holds poses of
    # an upside-down picture: it is extracted again, not served.
    import dataclasses

    first = extract_cached(small_video, model="lite", cache_dir=tmp_path / "c")
    (entry,) = (tmp_path / "c").glob("*.npz")
    save_pose(dataclasses.replace(first, rotation=180), entry)
    calls = []
    monkeypatch.setattr(cache_mod, "extract_pose", lambda *a, **k: calls.append(1) or first)
    again = extract_cached(small_video, model="lite", cache_dir=tmp_path / "c")
    assert calls == [1] and again.rotation == 0
    assert not any("damaged" in w for w in again.meta.get("warnings", []))
    # The entry as the file reads is served.
    save_pose(first, entry)
    assert extract_cached(small_video, model="lite", cache_dir=tmp_path / "c").rotation == 0
    assert calls == [1]
