"""Overlay drawing: per-frame state, pixels where the skeleton and HUD should be, video I/O."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest

from helpers import run_ffmpeg, write_test_video
from repsight.annotate import (
    ascii_text,
    draw_frame,
    frame_state,
    lifter_cover,
    make_plan,
    phase_at,
    point_track,
    point_xy,
    render_plan,
    table_place,
    wrap,
)
from repsight.landmarks import LM
from repsight.types import PoseSequence, Rep, RepTempo, Verdict
from repsight.video import VideoReader, probe

YELLOW = np.array((255, 210, 40))


def figure_seq(n: int, size: tuple[int, int], *, missing: tuple[int, ...] = ()) -> PoseSequence:
    """A standing stick figure whose hips bob down and up; no pose on `missing` frames."""
    w, h = size
    image = np.full((n, 33, 5), np.nan, np.float32)
    base = {
        LM.NOSE: (0.5, 0.15), LM.LEFT_EAR: (0.48, 0.14), LM.RIGHT_EAR: (0.52, 0.14),
        LM.LEFT_SHOULDER: (0.45, 0.25), LM.RIGHT_SHOULDER: (0.55, 0.25),
        LM.LEFT_ELBOW: (0.42, 0.38), LM.RIGHT_ELBOW: (0.58, 0.38),
        LM.LEFT_WRIST: (0.41, 0.5), LM.RIGHT_WRIST: (0.59, 0.5),
        LM.LEFT_HIP: (0.46, 0.55), LM.RIGHT_HIP: (0.54, 0.55),
        LM.LEFT_KNEE: (0.46, 0.72), LM.RIGHT_KNEE: (0.54, 0.72),
        LM.LEFT_ANKLE: (0.46, 0.9), LM.RIGHT_ANKLE: (0.54, 0.9),
        LM.LEFT_HEEL: (0.45, 0.92), LM.RIGHT_HEEL: (0.55, 0.92),
        LM.LEFT_FOOT_INDEX: (0.43, 0.93), LM.RIGHT_FOOT_INDEX: (0.57, 0.93),
    }
    for t in range(n):
        if t in missing:
            continue
        image[t, :, 2:] = (0.0, 0.99, 0.99)
        image[t, :, :2] = (0.5, 0.5)
        dip = 0.08 * np.sin(np.pi * t / max(n - 1, 1))
        for lm, (x, y) in base.items():
            moves = lm in (LM.LEFT_HIP, LM.RIGHT_HIP)
            image[t, lm, :2] = (x, y + (dip if moves else 0.0))
    world = np.where(np.isnan(image[..., :3]), np.nan, 0.0).astype(np.float32)
    return PoseSequence(image=image, world=world, timestamps_s=np.arange(n) / 30.0, fps=30.0,
                        width=w, height=h, source="figure")


def two_rep_plan(with_failure: bool = True, seq: PoseSequence | None = None):
    reps = (Rep(1, 2, 11, 6, (2, 6), (7, 10), True),
            Rep(2, 12, 21, 16, (12, 16), (17, 20), True))
    tempos = (RepTempo(0.13, 0.0, 0.1, 0.03), RepTempo(0.13, 0.0, 0.1, 0.03))
    verdicts = (Verdict("technical", 2, "trunk leaned 14° more than in rep 1"),) \
        if with_failure else ()
    track = point_track(seq, (LM.LEFT_HIP, LM.RIGHT_HIP)) if seq is not None else None
    return make_plan(exercise="squat", reps=reps, track=track, tempos=tempos,
                     verdicts=verdicts, fps=30.0)


def test_phase_at_follows_rep_boundaries() -> None:
    rep = Rep(1, 10, 40, 22, (10, 20), (24, 35), True)
    assert phase_at(rep, 9) == ""
    assert phase_at(rep, 12) == "eccentric"
    assert phase_at(rep, 22) == "bottom pause"
    assert phase_at(rep, 30) == "concentric"
    assert phase_at(rep, 38) == "top pause"
    # Concentric-first lifts pause at the top between lifting and lowering.
    curl = Rep(1, 0, 30, 12, (16, 26), (2, 12), False)
    assert phase_at(curl, 14) == "top pause"
    assert phase_at(curl, 28) == "bottom pause"
    # Where the pose was lost, the phase is not guessed.
    lost = Rep(1, 10, 40, 22, (10, 20), (24, 35), True, unseen=(18, 25))
    assert [phase_at(lost, i) for i in (12, 18, 22, 25, 30)] == \
        ["eccentric", "not tracked", "not tracked", "not tracked", "concentric"]


def test_frame_state_counts_reps_and_fills_the_table_as_they_finish() -> None:
    plan = two_rep_plan()
    s0, s5, s11, s14, s22 = (frame_state(plan, i) for i in (0, 5, 11, 14, 22))
    assert (s0.reps_done, s0.rep, s0.rows) == (0, None, ())
    assert s5.rep.index == 1 and s5.phase == "eccentric" and s5.rows == ()
    assert s11.reps_done == 1 and [r.index for r in s11.rows] == [1]
    # Rep 2's failure is announced once its evidence is in (the concentric's end, frame
    # 20, for a verdict without frames), not while it is still being lifted.
    assert s14.rep.index == 2 and s14.banners == ()
    assert frame_state(plan, 20).banners[0].kind == "technical"
    assert s22.reps_done == 2 and [r.index for r in s22.rows] == [1, 2]
    assert s22.rows[1].note == "technical"
    # Before rep 2 starts, no banner: the failure is announced on its own rep.
    assert frame_state(plan, 11).banners == ()
    # Rep 1's summary banner gives way before rep 2 turns around (frame 16).
    assert plan.rows[0].banner_until == 15


def test_rep_counter_counts_at_lockout_what_the_result_counts() -> None:
    # Pull-ups (concentric first): rep 2 reaches the top at frame 40 and the clip ends at
    # frame 60, during its lowering; rep 3 is a partial. The counter says 2 from frame 40,
    # as the result does, and never counts the partial.
    reps = (Rep(1, 0, 30, 10, (10, 25), (0, 10), False),
            Rep(2, 30, 60, 40, (40, 60), (30, 40), False, cut_end=True),
            Rep(3, 61, 80, 70, (70, 80), (61, 70), False, partial=True))
    plan = make_plan(exercise="pullup", reps=reps, fps=30.0)
    assert [frame_state(plan, i).reps_done for i in (5, 10, 39, 40, 55, 60, 75, 80)] == \
        [0, 1, 1, 2, 2, 2, 2, 2]


def test_signal_point_track_follows_the_measured_landmarks() -> None:
    seq = figure_seq(10, (320, 240))
    hips = point_track(seq, (LM.LEFT_HIP, LM.RIGHT_HIP))
    np.testing.assert_allclose(hips[:, 0], 0.5, atol=1e-6)
    np.testing.assert_allclose(hips[:, 1], seq.image[:, LM.LEFT_HIP, 1], atol=1e-6)
    # An angle signal is drawn at its middle joint (the elbow of shoulder-elbow-wrist).
    elbow = point_track(seq, (LM.LEFT_SHOULDER, LM.LEFT_ELBOW, LM.LEFT_WRIST), "angle")
    np.testing.assert_allclose(elbow[0], (0.42, 0.38), atol=1e-6)
    # A side the model barely sees drops out instead of dragging the point half-way.
    image = seq.image.copy()
    image[:, LM.RIGHT_HIP, 3] = 0.1
    occluded = PoseSequence(image=image, world=seq.world, timestamps_s=seq.timestamps_s,
                            fps=30.0, width=320, height=240)
    left = point_track(occluded, (LM.LEFT_HIP, LM.RIGHT_HIP))
    np.testing.assert_allclose(left[:, 0], 0.46, atol=1e-6)


def test_draw_frame_puts_the_skeleton_and_tracked_point_where_the_pose_is() -> None:
    size = (320, 240)
    seq = figure_seq(24, size)
    plan = two_rep_plan(seq=seq)
    frame = np.zeros((240, 320, 3), np.uint8)
    draw_frame(frame, 6, seq, plan)
    hip = point_xy(plan, 6, size)
    assert hip is not None
    x, y = np.round(hip).astype(int)
    # The tracked point is a filled yellow disc centred on the mean of the hips.
    assert np.abs(frame[y, x].astype(int) - YELLOW).max() < 30
    # A thigh (hip -> knee) is drawn: the pixel midway along it is lit.
    knee = seq.image[6, LM.LEFT_KNEE, :2] * size
    lhip = seq.image[6, LM.LEFT_HIP, :2] * size
    mx, my = np.round((knee + lhip) / 2).astype(int)
    assert frame[my, mx].max() > 100
    # Far from the figure and the HUD the frame is untouched.
    assert frame[200, 60].max() == 0


def test_frame_without_pose_keeps_picture_but_shows_counter() -> None:
    size = (320, 240)
    seq = figure_seq(24, size, missing=(14,))
    plan = two_rep_plan()
    frame = np.zeros((240, 320, 3), np.uint8)
    draw_frame(frame, 14, seq, plan)
    lhip = np.round(np.array((0.46, 0.6)) * size).astype(int)
    assert frame[lhip[1] - 3:lhip[1] + 3, lhip[0] - 3:lhip[0] + 3].max() == 0
    assert frame[5:30, 5:60].max() > 100  # the rep counter box is drawn


def test_failure_banner_is_drawn_at_the_bottom_on_the_failing_rep_only() -> None:
    size = (320, 240)
    seq = figure_seq(24, size)
    plan = two_rep_plan()
    before = draw_frame(np.zeros((240, 320, 3), np.uint8), 8, seq, plan)
    # Announced once the evidence is in (a verdict without frames: when the concentric
    # ends, frame 20), not from the rep's first frame while it is still to be lifted.
    lifting = draw_frame(np.zeros((240, 320, 3), np.uint8), 17, seq, plan)
    during = draw_frame(np.zeros((240, 320, 3), np.uint8), 21, seq, plan)
    strip = (slice(228, 240), slice(0, 100))  # below-left of the figure
    assert before[strip].max() == 0 and lifting[strip].max() == 0
    red = during[strip].reshape(-1, 3).mean(axis=0)
    assert red[0] > 2 * red[1] and red[0] > 100
    clean = two_rep_plan(with_failure=False)
    calm = draw_frame(np.zeros((240, 320, 3), np.uint8), 15, seq, clean)[strip]
    assert calm[..., 0].max() <= calm[..., 1].max()  # no red anywhere in the strip


def test_rep_banner_shows_after_a_rep_ends_then_goes() -> None:
    size = (320, 240)
    seq = figure_seq(80, size, missing=tuple(range(80)))  # no skeleton in the way
    plan = two_rep_plan(with_failure=False)
    centre = (slice(200, 240), slice(110, 210))

    def greenness(i: int) -> float:
        px = draw_frame(np.zeros((240, 320, 3), np.uint8), i, seq, plan)[centre]
        px = px.reshape(-1, 3).astype(float)
        return float(((px[:, 1] > 100) & (px[:, 0] < 60)).mean())

    assert greenness(8) == 0.0  # rep 1 not finished yet
    assert greenness(13) > 0.05  # just after rep 1 ends (frame 11)
    assert greenness(79) == 0.0  # long after the last rep


def test_text_helpers_fold_unicode_and_wrap() -> None:
    assert ascii_text("14° — ok") == "14 deg - ok"
    lines = wrap("one two three four five six seven eight nine ten", 0.5, 1, 120)
    assert len(lines) > 1 and " ".join(lines) == "one two three four five six seven eight nine ten"


def test_render_keeps_size_frame_count_and_timestamps(tmp_path: Path) -> None:
    times = [i / 30.0 + (0.01 if i % 3 == 0 else 0.0) for i in range(24)]
    src = write_test_video(tmp_path / "src.mp4", n=24, size=(320, 240), times=times)
    seq = figure_seq(24, (320, 240))
    out = render_plan(src, two_rep_plan(), seq, tmp_path / "out" / "ann.mp4")
    info = probe(out)
    assert (info.width, info.height, info.frame_count) == (320, 240, 24)
    assert info.codec == "h264"
    got = [f.time_s for f in VideoReader(out)]
    np.testing.assert_allclose(np.array(got) - got[0], np.array(times) - times[0], atol=1e-3)
    assert [p.name for p in out.parent.iterdir()] == ["ann.mp4"]  # no temp file left


def test_render_max_size_scales_down(tmp_path: Path) -> None:
    src = write_test_video(tmp_path / "src.mp4", n=6, size=(320, 240))
    out = render_plan(src, two_rep_plan(), figure_seq(6, (320, 240)), tmp_path / "a.mp4",
                      max_size=160)
    info = probe(out)
    assert (info.width, info.height, info.frame_count) == (160, 120, 6)


def test_render_of_rotated_phone_clip_is_upright(tmp_path: Path) -> None:
    src = write_test_video(tmp_path / "src.mp4", n=6, size=(320, 240))
    rotated = tmp_path / "rot.mp4"
    run_ffmpeg("-i", str(src), "-c", "copy", "-metadata:s:v:0", "rotate=90", str(rotated))
    out = render_plan(rotated, two_rep_plan(), figure_seq(6, (240, 320)), tmp_path / "a.mp4")
    info = probe(out)
    # Written upright with no rotation flag, so every player shows the same picture.
    assert (info.width, info.height, info.rotation) == (240, 320, 0)


def test_render_into_unwritable_place_is_a_clear_error(tmp_path: Path) -> None:
    from repsight.errors import OutputError

    src = write_test_video(tmp_path / "src.mp4", n=4, size=(160, 96))
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(OutputError, match="cannot write"):
        render_plan(src, two_rep_plan(), figure_seq(4, (160, 96)), blocker / "a.mp4")


def test_cli_annotate_writes_h264_with_source_frames(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from repsight.cli import main
    from result_helpers import good_clip

    cache = tmp_path / "cache"
    clip = good_clip(tmp_path / "squat.mp4", cache, "squat", 3, size=(240, 320))
    out = tmp_path / "squat_annotated.mp4"
    result = CliRunner().invoke(main, ["annotate", str(clip), "-o", str(out), "--exercise",
                                       "squat", "--cache-dir", str(cache), "-q"])
    assert result.exit_code == 0, result.output
    assert "squat: 3 rep(s)" in result.output
    src, got = probe(clip), probe(out)
    assert (got.codec, got.width, got.height) == ("h264", 240, 320)
    assert got.frame_count == src.frame_count


def test_cli_annotate_bad_inputs_are_one_line_errors(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from repsight.cli import main

    empty = tmp_path / "empty.mp4"
    empty.write_bytes(b"")
    for args, needle in (([str(empty), "-o", str(tmp_path / "a.mp4")], "0 bytes"),
                         ([str(empty), "-o", str(tmp_path / "a.avi")], ".mp4"),
                         ([str(empty), "-o", str(tmp_path / "a.mp4"), "--exercise", "yoga"],
                          "unknown exercise")):
        result = CliRunner().invoke(main, ["annotate", *args, "-q"])
        assert result.exit_code != 0, result.output
        assert needle in result.output and "Traceback" not in result.output


def test_several_verdicts_on_one_rep_share_one_banner() -> None:
    reps = (Rep(1, 0, 9, 4, (0, 4), (5, 8), True), Rep(2, 10, 19, 14, (10, 14), (15, 18), True))
    verdicts = (Verdict("tempo", 2, "rep 2: velocity loss 47 %"),
                Verdict("technical", 2, "rep 2: trunk lean drifted +12 deg"))
    plan = make_plan(exercise="deadlift", reps=reps, verdicts=verdicts, fps=30.0)
    assert len(plan.banners) == 1
    b = plan.banners[0]
    assert b.kind == "technical + tempo"  # the more decisive kind first
    assert b.reason == "trunk lean drifted +12 deg | velocity loss 47 %"


def test_a_later_reps_banner_names_the_sets_failure_rep() -> None:
    from repsight.annotate import banner_title

    reps = tuple(Rep(k, 10 * (k - 1), 10 * k - 1, 10 * k - 6, (10 * (k - 1), 10 * k - 6),
                     (10 * k - 5, 10 * k - 2), True) for k in (1, 2, 3))
    verdicts = (Verdict("tempo", 2, "rep 2: velocity loss 31 %"),
                Verdict("tempo", 3, "rep 3: velocity loss 38 %"))
    plan = make_plan(exercise="squat", reps=reps, verdicts=verdicts, fps=30.0)
    first, later = plan.banners
    assert banner_title(first, first) == "FAILURE at rep 2: tempo"
    assert banner_title(later, first) == "rep 3: tempo too (failure at rep 2)"


def test_a_cut_clips_banners_name_the_rep_in_its_set() -> None:
    # Set 2's rep 1 (rep 4 through the clip) failed tempo: the banner said "FAILURE at
    # rep 4: tempo" over "rep 1: concentric took 1.97 s", and set 2's failure was told as
    # a later verdict of set 1's.
    from repsight.annotate import banner_title

    reps = tuple(Rep(k, 10 * (k - 1), 10 * k - 1, 10 * k - 6, (10 * (k - 1), 10 * k - 6),
                     (10 * k - 5, 10 * k - 2), True) for k in (1, 2, 3, 4, 5))
    set_of = {1: (1, 1), 2: (1, 2), 3: (1, 3), 4: (2, 1), 5: (2, 2)}
    verdicts = (Verdict("tempo", 3, "rep 3: velocity loss 31 %"),
                Verdict("tempo", 4, "rep 1: concentric took 1.97 s"),
                Verdict("tempo", 5, "rep 2: concentric took 2.10 s"))
    plan = make_plan(exercise="squat", reps=reps, verdicts=verdicts, fps=30.0, set_of=set_of)
    one, two, three = plan.banners
    assert two.reason == "concentric took 1.97 s"
    assert banner_title(two, plan.set_first(plan.banners, two), plan.named) == \
        "FAILURE at rep 4 (set 2, rep 1): tempo"
    assert banner_title(three, plan.set_first(plan.banners, three), plan.named) == \
        "rep 5 (set 2, rep 2): tempo too (failure at rep 4 (set 2, rep 1))"
    assert plan.set_first(plan.banners, one) is one


def test_plan_from_analysis_has_live_velocity_only_in_concentrics() -> None:
    from repsight.analysis import analyse_pose
    from repsight.annotate import build_plan
    from repsight.config import AnalysisConfig
    from repsight.synthetic import synthesize

    seq, _ = synthesize("squat", 3, seed=5)
    analysis = analyse_pose(seq, AnalysisConfig(exercise="squat"))
    plan = build_plan(analysis, seq)
    assert len(plan.rows) == len(analysis.reps) == 3
    v = plan.velocity
    assert v is not None and plan.velocity_unit == "m/s"
    inside = np.zeros(seq.n_frames, bool)
    for rep, m in zip(analysis.reps, analysis.metrics):
        a, b = rep.concentric
        inside[a:b + 1] = True
        # The live readout averages to the rep's mean concentric velocity.
        assert np.nanmean(v[a:b + 1]) == pytest.approx(m.mean_velocity_mps, rel=0.15)
    assert np.isnan(v[~inside]).all()
    # The highlighted point is the hip the signal was read from.
    hip = seq.image[:, list(analysis.signal_landmarks), :2].mean(axis=1)
    ok = np.isfinite(plan.point_track).all(axis=1)
    np.testing.assert_allclose(plan.point_track[ok], hip[ok], atol=1e-6)


def test_poses_from_another_clip_are_refused() -> None:
    from repsight.analysis import analyse_pose
    from repsight.annotate import build_plan
    from repsight.config import AnalysisConfig
    from repsight.errors import AnalysisError
    from repsight.synthetic import synthesize

    seq, _ = synthesize("squat", 2, seed=1)
    other, _ = synthesize("squat", 3, seed=1)
    analysis = analyse_pose(seq, AnalysisConfig(exercise="squat"))
    with pytest.raises(AnalysisError, match="not from the same clip"):
        build_plan(analysis, other)


def test_render_of_a_one_pixel_video_is_a_clear_error(tmp_path: Path) -> None:
    # H.264 rounds a 1x1 frame down to 0x0: refused up front, not a crash in the encoder
    # (which left the command hanging).
    from repsight.errors import OutputError

    src = tmp_path / "one.mp4"
    run_ffmpeg("-f", "lavfi", "-i", "color=c=gray:s=2x2:r=30", "-frames:v", "10",
               "-vf", "scale=1:1", "-c:v", "libx264", "-pix_fmt", "yuv444p", str(src))
    with pytest.raises(OutputError, match="1x1 video"):
        render_plan(src, two_rep_plan(), figure_seq(10, (1, 1)), tmp_path / "a.mp4")
    assert not (tmp_path / "a.mp4").exists()


def test_cli_annotate_of_a_one_pixel_video_ends_with_one_line(tmp_path: Path) -> None:
    # Extraction, the people count and the refusal end cleanly: the people counter used to
    # leave a pose graph unclosed on a 1x1 frame, whose teardown at garbage collection then
    # hung the command (a timeout here is that hang, not a speed limit).
    import subprocess
    import sys

    src = tmp_path / "one.mp4"
    run_ffmpeg("-f", "lavfi", "-i", "color=c=gray:s=2x2:r=30", "-frames:v", "10",
               "-vf", "scale=1:1", "-c:v", "libx264", "-pix_fmt", "yuv444p", str(src))
    done = subprocess.run([sys.executable, "-m", "repsight", "annotate", str(src), "-o",
                           str(tmp_path / "a.mp4"), "-q", "--model", "lite", "--no-cache"],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 1
    assert done.stderr.strip().splitlines() == [
        "Error: cannot draw on a 1x1 video: annotated videos need at least 16 pixels a side"]


def test_plan_of_a_clip_cut_into_sets_follows_every_set() -> None:
    """Camera cuts split the clip: the overlay counts every set's reps through the clip,
    with each set's own speed and verdicts."""
    import dataclasses

    from repsight.analysis import analyse_pose
    from repsight.annotate import build_plan
    from repsight.config import AnalysisConfig
    from repsight.synthetic import synthesize
    from test_shots import moved, splice

    seq, _ = synthesize("squat", 3, seed=0, noise_px=1.0)
    clip = splice(seq, moved(seq, dx=0.15, scale=1.4), stats=True)
    an = analyse_pose(clip, AnalysisConfig(exercise="squat"))
    assert [one.rep_count for one in an.sets] == [3, 3]
    plan = build_plan(an, clip)
    assert [r.index for r in plan.reps] == [1, 2, 3, 4, 5, 6]
    assert [row.index for row in plan.rows] == [1, 2, 3, 4, 5, 6]
    second = an.sets[1]
    assert [r.start for r in plan.reps[3:]] == [r.start for r in second.reps]
    assert [row.mean_velocity for row in plan.rows[3:]] == pytest.approx(
        [m.mean_velocity_mps for m in second.metrics])
    assert frame_state(plan, clip.n_frames - 1).reps_done == 6
    # Rep 5 is what the results call set 2's rep 2: the overlay says both.
    assert plan.named(5) == "rep 5 (set 2, rep 2)" and plan.named(2) == "rep 2 (set 1, rep 2)"
    assert plan.named(5, short=True) == "set 2 rep 2"
    # Each set's live velocity, inside its own concentrics.
    for r in plan.reps:
        a, b = r.concentric
        assert np.isfinite(plan.velocity[a:b + 1]).any()
    # A verdict on the second set's first rep shows on rep 4.
    failing = dataclasses.replace(second, verdicts=(Verdict("tempo", 1, "rep 1: slow"),))
    plan = build_plan(dataclasses.replace(an, sets=(an.sets[0], failing)), clip)
    assert [(b.rep_index, b.kind) for b in plan.banners] == [(4, "tempo")]


def test_a_slow_motion_clips_banner_stays_up_for_the_files_own_seconds() -> None:
    # Timed as lifted at 120 fps, a 4x slow-motion file plays 30 frames a second: the rep
    # banner's REP_BANNER_S is that many seconds of the file, not four times as long.
    from repsight.annotate import REP_BANNER_S

    rep = (Rep(1, 20, 400, 200, (20, 190), (210, 390), True),)
    plain = make_plan(exercise="squat", reps=rep, fps=120.0)
    slowed = make_plan(exercise="squat", reps=rep, fps=120.0, slow_motion=4.0)
    assert plain.rows[0].banner_until - 400 == round(REP_BANNER_S * 120)
    assert slowed.rows[0].banner_until - 400 == round(REP_BANNER_S * 30)


def test_a_rep_counted_but_not_judged_is_not_shown_as_a_good_rep() -> None:
    # pullup_front_long's rep 20 (the drop off the bar, twice the set's range, counted but
    # not judged) got the green banner of a good rep.
    from repsight.analysis import analyse_pose
    from repsight.annotate import build_plan
    from repsight.config import AnalysisConfig
    from repsight.synthetic import synthesize

    seq, _ = synthesize("squat", 4, seed=3, noise_px=0.5)
    an = analyse_pose(seq, AnalysisConfig(exercise="squat"))
    big = dataclasses.replace(an, reps=an.reps[:-1] + (dataclasses.replace(an.reps[-1], rom_share=2.0),))
    rows = build_plan(big, seq).rows
    assert [r.note for r in rows] == ["", "", "", "not judged"]
    assert [r.note for r in build_plan(an, seq).rows] == ["", "", "", ""]


def test_lifter_cover_is_the_share_of_frames_the_lifter_is_in_each_cell() -> None:
    seq = figure_seq(20, (320, 240), missing=(3, 4))  # frames with no pose do not count
    cover = lifter_cover(seq, grid=20)
    assert cover is not None and cover.shape == (20, 20)
    assert cover[10, 10] == 1.0  # the figure's middle (0.5, 0.5) on every frame
    assert cover[0, 19] == 0.0 and cover[19, 0] == 0.0  # corners far from it
    # The hips dip 0.08 below their box only mid-set: a cell under the feet is covered
    # on no frame, one beside the figure's knees on all of them.
    assert cover[14, 9] == 1.0
    none = figure_seq(5, (320, 240), missing=tuple(range(5)))
    assert lifter_cover(none) is None


def test_the_table_goes_where_it_covers_the_lifter_least() -> None:
    sizes = dict(width=0.4, row=0.05, header=0.07, bottom_reserve=0.06)
    empty = np.zeros((32, 32))
    assert table_place(empty, max_rows=6, **sizes) == ("top", 6)
    assert table_place(None, max_rows=6, **sizes) == ("top", 6)
    # A pull-up in portrait: head and hands fill the top of the picture.
    top = np.zeros((32, 32))
    top[:12, :] = 1.0
    assert table_place(top, max_rows=6, **sizes) == ("bottom", 6)
    # The top's first rows are clear of the hands: fewer rows there, not over the lifter.
    low = np.zeros((32, 32))
    low[8:28, :] = 1.0
    assert table_place(low, max_rows=6, **sizes) == ("top", 3)
    # A lifter in the middle: four rows fit clear below them, none above.
    mid = np.zeros((32, 32))
    mid[6:21, :] = 1.0
    assert table_place(mid, max_rows=6, **sizes) == ("bottom", 4)
    # Covered everywhere: the fewest rows, on the top.
    full = np.ones((32, 32))
    assert table_place(full, max_rows=6, **sizes) == ("top", 3)


def test_a_lifter_at_the_top_of_a_portrait_frame_keeps_the_table_off_them() -> None:
    w, h = 180, 320
    seq = figure_seq(24, (w, h), missing=tuple(range(24)))  # no skeleton drawn
    plan = two_rep_plan(with_failure=False)
    cover = np.zeros((32, 32))
    cover[:14, 10:] = 1.0  # head and hands up by the bar
    plan = dataclasses.replace(plan, lifter_cover=cover)
    img = draw_frame(np.zeros((h, w, 3), np.uint8), 13, seq, plan)
    right = slice(w - 25, w)  # the table's right end (the counter's box fills the left)
    assert img[: h // 4, right].max() == 0  # nothing drawn over the lifter's head
    assert img[h // 2: h - 30, right].max() > 100  # the table's text sits lower down
    plain = draw_frame(np.zeros((h, w, 3), np.uint8), 13, seq, two_rep_plan(with_failure=False))
    assert plain[: h // 4, right].max() > 100  # where it goes without a lifter in the way


def test_a_table_at_the_bottom_stays_above_the_failure_banner() -> None:
    # The failing rep's row (in red) must be readable while its banner is up.
    w, h = 360, 640
    seq = figure_seq(24, (w, h), missing=tuple(range(24)))
    cover = np.zeros((32, 32))
    cover[:14, 10:] = 1.0  # head and hands up by the bar: the table goes to the bottom
    plan = dataclasses.replace(two_rep_plan(with_failure=True), lifter_cover=cover)
    img = draw_frame(np.zeros((h, w, 3), np.uint8), 21, seq, plan)  # banner live
    red_text = np.all(img == np.array((235, 40, 40), np.uint8), axis=-1)
    assert red_text[:, w // 2:].any()
    banner_rows = np.flatnonzero(img[:, 5, 0] > 100)  # the banner's red band, left edge
    assert banner_rows.size and np.flatnonzero(red_text.any(axis=1)).max() < banner_rows.min()


def test_no_live_velocity_on_a_rep_whose_speed_was_not_measured() -> None:
    # pullup_rear's rep 1 began before the clip: its table and warning say "velocity not
    # measured", and the overlay had shown a live speed through its concentric.
    import dataclasses

    from repsight.analysis import analyse_pose
    from repsight.annotate import live_velocity
    from repsight.config import AnalysisConfig
    from repsight.synthetic import synthesize

    seq, _ = synthesize("squat", 3, seed=5)
    analysis = analyse_pose(seq, AnalysisConfig(exercise="squat"))
    unmeasured = dataclasses.replace(analysis.metrics[0], mean_velocity_mps=float("nan"))
    analysis = dataclasses.replace(analysis, metrics=(unmeasured, *analysis.metrics[1:]))
    live, _ = live_velocity(analysis)
    (a, b), (c, d) = analysis.reps[0].concentric, analysis.reps[1].concentric
    assert np.isnan(live[a:b + 1]).all() and np.isfinite(live[c:d + 1]).any()


def test_the_point_drawn_with_the_live_velocity_is_the_one_it_was_read_on() -> None:
    # A curl's reps are found on the elbow angle, its speed read on the wrists: the dot
    # and trail beside "v 0.5 m/s" follow the wrists, not the elbow.
    from repsight.analysis import analyse_pose
    from repsight.annotate import build_plan
    from repsight.config import AnalysisConfig
    from repsight.synthetic import synthesize

    seq, _ = synthesize("biceps_curl", 3, seed=1)
    analysis = analyse_pose(seq, AnalysisConfig(exercise="biceps_curl"))
    assert analysis.signal_kind == "angle"
    plan = build_plan(analysis, seq)
    wrists = point_track(seq, (LM.LEFT_WRIST, LM.RIGHT_WRIST))
    ok = np.isfinite(plan.point_track).all(axis=1)
    assert ok.mean() > 0.9
    np.testing.assert_allclose(plan.point_track[ok], wrists[ok], atol=1e-6)


def test_a_reps_velocity_loss_shows_once_the_baseline_reps_are_done() -> None:
    # Rep 1's loss is read against the best of reps 1 and 2: the overlay showed "21%" on
    # rep 1's row while rep 2, the rep it was measured against, was still being lifted.
    from repsight.annotate import _table_cells
    from repsight.types import RepMetrics

    reps = (Rep(1, 2, 11, 6, (2, 6), (7, 10), True),
            Rep(2, 12, 21, 16, (12, 16), (17, 20), True),
            Rep(3, 22, 31, 26, (22, 26), (27, 30), True))
    metrics = tuple(RepMetrics(k, mean_velocity_mps=v, velocity_loss_pct=loss)
                    for k, v, loss in ((1, 0.4, 20.0), (2, 0.5, 0.0), (3, 0.3, 40.0)))
    plan = make_plan(exercise="squat", reps=reps, metrics=metrics, fps=30.0,
                     loss_from={1: 21, 2: 21, 3: 21})
    assert [r.loss_from_frame for r in plan.rows] == [21, 21, 31]
    during_rep_2 = tuple(r for r in plan.rows if r.end_frame <= 15)
    assert [c[3] for c in _table_cells(during_rep_2, 15)] == ["-"]
    after = tuple(r for r in plan.rows if r.end_frame <= 31)
    assert [c[3] for c in _table_cells(after, 31)] == ["20%", "0%", "40%"]
    # Without the baseline's frames each rep's loss shows from its own end, as before.
    plain = make_plan(exercise="squat", reps=reps, metrics=metrics, fps=30.0)
    assert [r.loss_from_frame for r in plain.rows] == [11, 21, 31]
