"""Per-rep bar figures, the plate scale and the velocity-of-record decision on a synthetic set."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from repsight.analysis import analyse_pose
from repsight.bar_metrics import bar_concentrics, bar_path
from repsight.barpath import CIRCLE, NONE, BarTrack
from repsight.types import Rep
from repsight.config import AnalysisConfig
from repsight.kinematics import BOTH, tracked_point_px
from repsight.scale import scale_from_plate
from repsight.synthetic import make_squat_set

PX_PER_M = 250.0
NEAR = 1.2  # the near plate is closer to the camera than the lifter: 20 % larger in the image


@pytest.fixture(scope="module")
def squat():
    truth = make_squat_set(n_reps=5, px_per_m=PX_PER_M, seed=4)
    analysis = analyse_pose(truth.seq, AnalysisConfig(exercise="squat"))
    return truth, analysis


def _track(truth, *, bulge_rep: int | None = None, bulge_m: float = 0.0, lose_from: int | None = None):
    """A plate riding with the hips, seen 20 % larger (nearer the camera)."""
    hip = tracked_point_px(truth.seq, ("HIP",), BOTH)
    xy = (hip - hip[0]) * NEAR + np.array([640.0, 300.0])
    if bulge_rep is not None:
        r = truth.reps[bulge_rep - 1]
        a, b = r.concentric
        xy[a:b + 1, 0] += bulge_m * PX_PER_M * NEAR * np.sin(np.linspace(0, np.pi, b - a + 1))
    n = len(xy)
    radius = np.full(n, 0.225 * PX_PER_M * NEAR) + np.random.default_rng(1).normal(0, 0.5, n)
    source = np.full(n, CIRCLE, dtype=np.int8)
    if lose_from is not None:
        start = truth.reps[lose_from - 1].start
        xy[start:], radius[start:], source[start:] = np.nan, np.nan, NONE
    return BarTrack(xy, radius, source, "shoulders")


def _bar(truth, analysis, track):
    body = analysis.assessment
    return bar_path(track, truth.seq, analysis.reps, body.metrics.velocity.reps, body.scale,
                    analysis.signal, family="squat", baseline_reps=body.metrics.baseline_reps)


def test_plate_scale_from_radii():
    s = scale_from_plate(np.full(50, 45.0), 0.45)
    assert s.method == "plate" and s.px_per_m == pytest.approx(200.0)
    assert 0.04 < s.rel_uncertainty < 0.07
    assert not scale_from_plate(np.full(5, 45.0), 0.45).valid
    with pytest.raises(ValueError):
        scale_from_plate(np.full(50, 45.0), 0.9)


def test_bar_velocity_of_record_matches_truth(squat):
    truth, analysis = squat
    bar = _bar(truth, analysis, _track(truth))
    assert bar.scale.method == "plate"
    assert bar.scale.px_per_m == pytest.approx(PX_PER_M * NEAR, rel=0.01)
    assert bar.of_record, bar.reason
    means = np.array([r.mean_mps for r in bar.reps])
    assert len(means) == len(truth.mean_velocity_mps)
    # Read over the bar's own rise, which on this noise-free half-cosine ramp starts up to
    # two frames early (bar_concentrics): 10-12 % low, alike on every rep.
    assert np.all(np.abs(means / truth.mean_velocity_mps - 1) < 0.15)
    assert np.ptp(means) < 0.02
    assert np.all(np.abs(np.array([r.vertical_m for r in bar.reps]) - truth.rom_m) < 0.03)
    # same motion as the hips here; the two differ only by the bar's earlier start above
    assert bar.agreement_mps < 0.08
    assert all(abs(r.drift_m) < 0.01 for r in bar.reps)


def test_bar_velocity_is_timed_on_the_bars_own_rise(squat):
    # The body's concentrics read 6 frames late at the start and 3 early at the end (a
    # press's wrists leaving the rack after the plate does): the bar's velocity is its
    # travel over its own rise, not over the body's window.
    truth, analysis = squat
    late = tuple(dataclasses.replace(r, concentric=(r.concentric[0] + 6, r.concentric[1] - 3))
                 for r in analysis.reps)
    body = analysis.assessment
    bar = bar_path(_track(truth), truth.seq, late, body.metrics.velocity.reps, body.scale,
                   analysis.signal, family="squat", baseline_reps=body.metrics.baseline_reps)
    for br, true in zip(bar.reps, truth.reps):
        # This stick figure's speed rises linearly from rest (a half-cosine ramp) with no
        # noise to stop the onset search: the bar's own start reads up to two frames early
        # (bar_concentrics), its end on the frame.
        assert -2 <= br.concentric[0] - true.concentric[0] <= 0
        assert abs(br.concentric[1] - true.concentric[1]) <= 1
    means = np.array([r.mean_mps for r in bar.reps])
    assert np.all(np.abs(means / truth.mean_velocity_mps - 1) < 0.15)
    # read over the body's window the same track is far off (the premise)
    t = np.asarray(truth.seq.timestamps_s)
    y = bar.y_m
    over_body = np.array([(y[b] - y[a]) / (t[b] - t[a]) for a, b in (r.concentric for r in late)])
    assert np.all(over_body / truth.mean_velocity_mps - 1 > 0.3)
    # with no rise of its own to be found (a bar that never moves), the body's window stands
    flat = bar_concentrics(np.zeros(truth.seq.n_frames), truth.seq.fps, late)
    assert flat == tuple(r.concentric for r in late)


def test_drift_of_one_rep_is_found_and_signed_forward(squat):
    truth, analysis = squat
    bar = _bar(truth, analysis, _track(truth, bulge_rep=4, bulge_m=0.06))
    drift = [r.drift_m for r in bar.reps]
    assert abs(drift[3]) == pytest.approx(0.06, abs=0.015)
    assert np.sign(drift[3]) == (bar.forward or 1)
    assert all(abs(d) < 0.01 for k, d in enumerate(drift) if k != 3)


def test_a_track_lost_halfway_is_not_of_record(squat):
    truth, analysis = squat
    bar = _bar(truth, analysis, _track(truth, lose_from=3))
    assert not bar.of_record
    assert "2 of 5" in bar.reason
    assert np.isnan(bar.reps[4].mean_mps)


def test_a_track_on_something_still_is_not_of_record(squat):
    truth, analysis = squat
    track = _track(truth)
    still = dataclasses.replace(track, xy_px=np.tile(track.xy_px[:1], (track.n_frames, 1))
                                + np.random.default_rng(0).normal(0, 1, track.xy_px.shape))
    bar = _bar(truth, analysis, still)
    assert not bar.of_record
    # nothing it followed moved like the lift, so the overlay and plots leave it out
    assert bar.track.found.any() and not bar.shown
    # a track lost halfway still followed two reps: drawn, though not of record
    assert _bar(truth, analysis, _track(truth, lose_from=3)).shown


def test_plot_shows_the_bar_path_and_the_other_velocity(squat):
    from repsight.plots import make_figure, set_plot_data

    truth, analysis = squat
    bar = _bar(truth, analysis, _track(truth))
    data = set_plot_data(dataclasses.replace(analysis, bar=bar))
    assert len(data.bar_paths) == len(analysis.reps)
    first = data.bar_paths[0]
    # each rep goes down and back up by its depth, starting at the origin
    assert np.nanmin(first[:, 1]) == pytest.approx(-truth.rom_m[0], abs=0.03)
    assert data.other_velocity_label.startswith("body point")
    assert np.allclose(data.other_velocity_mps, [r.body_mean_mps for r in bar.reps], equal_nan=True)
    assert len(make_figure(data).axes) == 4
    assert len(make_figure(set_plot_data(analysis)).axes) == 3  # no bar: the plot as before


def _hidden_at_the_bottom(truth, share: float = 0.45):
    """The squat's poses with every frame in the lower `share` of the hips' travel emptied:
    a plate seen from the side hides the lifter there and MediaPipe finds no one."""
    hip = tracked_point_px(truth.seq, ("HIP",), BOTH)[:, 1]  # image y, down positive
    top, bottom = np.nanmin(hip), np.nanmax(hip)
    hidden = hip > bottom - share * (bottom - top)
    image, world = truth.seq.image.copy(), truth.seq.world.copy()
    image[hidden] = np.nan
    world[hidden] = np.nan
    return dataclasses.replace(truth.seq, image=image, world=world), hidden


def _bar_pass(monkeypatch, seq, track, **settings):
    """analyse_bar on `seq` with the bar pass answering `track` (no video to decode)."""
    from repsight import cache
    from repsight.analysis import analyse_bar

    monkeypatch.setattr(cache, "track_bar_cached", lambda *a, **k: track)
    cfg = AnalysisConfig(exercise="squat", bar_path="on", **settings)
    return analyse_bar("squat.mp4", seq, analyse_pose(seq, cfg))


def test_reps_the_plate_hid_from_the_pose_are_found_on_the_bar(monkeypatch):
    truth = make_squat_set(n_reps=4, px_per_m=PX_PER_M, seed=5)
    seq, hidden = _hidden_at_the_bottom(truth)
    body = analyse_pose(seq, AnalysisConfig(exercise="squat"))
    # the premise: on the hips alone the reps are counted across the lost bottoms, but not
    # timed there (Rep.unseen); with the gaps not bridged they break off there
    assert hidden.mean() > 0.1 and all(r.unseen is not None for r in body.reps)
    unbridged = analyse_pose(seq, AnalysisConfig(exercise="squat", max_unseen_s=0))
    assert not all(r.completed for r in unbridged.reps)
    a = _bar_pass(monkeypatch, seq, _track(truth))
    assert a.signal_name == "bar height"
    assert len(a.reps) == 4 and all(r.completed and not r.partial for r in a.reps)
    for r, true in zip(a.reps, truth.reps):
        assert abs(r.turnaround - true.turnaround) <= 6  # frames, at 30 fps
    assert any("lost mid-rep on 4 of 4 reps where the bar was followed: reps are timed "
               "from the bar's height" in w for w in a.warnings)
    assert not any("not brought back" in w or "was lost at" in w for w in a.warnings)
    assert a.bar.of_record and len(a.metrics) == 4
    assert all(np.isfinite(m.mean_velocity_mps) for m in a.metrics)
    assert all(r.unseen is None for r in a.reps)
    # With the gaps not bridged the reps break off, and the bar takes over for that.
    b = _bar_pass(monkeypatch, seq, _track(truth), max_unseen_s=0)
    assert len(b.reps) == 4 and b.bar.of_record
    assert any("readable on only" in w and "timed from the bar's height" in w for w in b.warnings)


def test_the_bar_does_not_take_over_reps_the_pose_found_whole(monkeypatch):
    truth = make_squat_set(n_reps=4, px_per_m=PX_PER_M, seed=5)
    a = _bar_pass(monkeypatch, truth.seq, _track(truth))
    assert a.signal_name == "hip height" and len(a.reps) == 4
    assert not any("timed from the bar" in w for w in a.warnings)
    # the velocity of record is the bar's, read over its own rise as in bar.reps
    assert a.bar.of_record
    assert [m.mean_velocity_mps for m in a.metrics] == pytest.approx(
        [r.mean_mps for r in a.bar.reps], abs=1e-9)
    assert any(r.concentric != rep.concentric for r, rep in zip(a.bar.reps, a.reps))
    # The video shows the live speed by the point it is of: the plate, not the hips.
    from repsight.annotate import build_plan
    from repsight.summary import velocity_source

    plan = build_plan(a, truth.seq)
    seen = np.isfinite(plan.point_track[:, 0])
    assert seen.any() and np.allclose(plan.point_track[seen], plan.bar_track[seen])
    assert velocity_source(a.exercise, a.bar.of_record) == "the bar (its near plate's centre)"
    # Each set of a cut clip carries its own bar figures in the JSON (they were left out,
    # though the set's velocities were the bar's), without the per-frame arrays.
    from repsight.export import set_entry

    entry = set_entry(a)["bar"]
    assert entry["of_record"] and len(entry["reps"]) == 4 and "xy_px" not in entry


def test_reps_are_found_on_the_bar_when_the_body_signal_does_not_move_with_it(monkeypatch):
    # The plate hides the hands of a barbell curl seen from the side and the landmarks it
    # covers wander: here the hips bob at their own pace, unrelated to the lift.
    truth = make_squat_set(n_reps=4, px_per_m=PX_PER_M, seed=6)
    seq = truth.seq
    image = seq.image.copy()
    t = np.asarray(seq.timestamps_s)
    y = np.nanmedian(image[:, 23:25, 1]) + 0.04 * np.sin(2 * np.pi * t / 1.1)
    image[:, 23:25, 1] = y[:, None]
    seq = dataclasses.replace(seq, image=image)
    a = _bar_pass(monkeypatch, seq, _track(truth))
    assert a.signal_name == "bar height"
    assert any("did not move with the bar" in w for w in a.warnings)
    assert len(a.reps) == 4 and all(r.completed for r in a.reps)
    for r, true in zip(a.reps, truth.reps):
        assert abs(r.turnaround - true.turnaround) <= 6


def test_form_is_not_judged_where_the_plate_hid_the_body(monkeypatch):
    # A trunk that leans further on reps 3-4 is a technical failure when the body is seen
    # whole; where the plate hid it and the reps were timed from the bar, the landmarks
    # left cannot tell a fault from the occlusion: no technical verdict, and no claim that
    # the set ended with its technique intact.
    truth = make_squat_set(n_reps=4, px_per_m=PX_PER_M, seed=5, trunk_lean_deg=[0, 0, 18, 24])
    whole = _bar_pass(monkeypatch, truth.seq, _track(truth))
    assert whole.signal_name == "hip height"
    assert any(v.kind == "technical" for v in whole.verdicts)  # the premise: it is seen
    seq, _ = _hidden_at_the_bottom(truth)
    a = _bar_pass(monkeypatch, seq, _track(truth))
    assert a.signal_name == "bar height" and a.bar.of_record
    assert not any(v.kind == "technical" for v in a.verdicts)
    assert any(w.startswith("form not judged") for w in a.verdict_summary.warnings)
    assert a.verdict_summary.ending != "tolerance"


def test_reps_timed_from_the_bar_are_measured_on_the_bar_even_where_it_was_lost(monkeypatch):
    # Lost for a moment in two reps' concentrics (the hands' cover over the plate): too
    # little coverage for the of-record rule, yet the body point there is what the plate
    # hid, so the bar (its short gaps bridged) is still the point measured.
    truth = make_squat_set(n_reps=4, px_per_m=PX_PER_M, seed=5)
    seq, _ = _hidden_at_the_bottom(truth)
    track = _track(truth)
    xy, radius, source = track.xy_px.copy(), track.radius_px.copy(), track.source.copy()
    for k in (1, 2):
        a_, b_ = truth.reps[k].concentric
        mid = (a_ + b_) // 2
        xy[mid - 2:mid + 2], radius[mid - 2:mid + 2], source[mid - 2:mid + 2] = np.nan, np.nan, NONE
    a = _bar_pass(monkeypatch, seq, BarTrack(xy, radius, source, "shoulders"))
    assert a.signal_name == "bar height" and len(a.reps) == 4
    assert a.bar.of_record and a.bar.reason.startswith("reps timed from the bar")
    v = np.array([m.mean_velocity_mps for m in a.metrics])
    assert np.isfinite(v).all()
    assert np.abs(v / np.median(v) - 1).max() < 0.15  # same tempo every rep


def test_one_rep_lost_at_the_bottom_keeps_the_body_s_reps_and_their_form(monkeypatch):
    # Retiming the set on the bar for one lost bottom would leave every rep's form unjudged
    # (the lean on reps 3-4 went uncalled). That rep's velocity is read on the bar's own
    # rise, which the plate did not hide; it does not count towards the bar's standing.
    truth = make_squat_set(n_reps=4, px_per_m=PX_PER_M, seed=5, trunk_lean_deg=[0, 0, 18, 24])
    c = truth.reps[1].turnaround
    image, world = truth.seq.image.copy(), truth.seq.world.copy()
    image[c - 6:c + 6] = np.nan
    world[c - 6:c + 6] = np.nan
    seq = dataclasses.replace(truth.seq, image=image, world=world)
    a = _bar_pass(monkeypatch, seq, _track(truth))
    assert a.signal_name == "hip height" and a.reps[1].unseen is not None
    assert [(v.kind, v.rep_index) for v in a.verdicts] == [("technical", 3), ("technical", 4)]
    assert np.isfinite(a.bar.reps[1].mean_mps) and not a.bar.reps[1].good
    assert np.isfinite(a.bar.reps[2].mean_mps) and a.bar.reps[2].good
    assert np.isfinite(a.metrics[1].mean_velocity_mps)


def test_the_bars_own_rise_of_minimum_jerk_reps_is_found_on_the_frame():
    # Rendered lifts move in minimum-jerk phases: there the bar's own rise, read through the
    # low-pass bar_path applies, starts and ends within a frame of the truth though the
    # body's windows given are 4 frames late and 3 early.
    from test_velocity_drift import _min_jerk_set

    from repsight.smoothing import smooth

    h, t, reps = _min_jerk_set([0.6, 0.7, 0.8, 0.9])
    y = smooth(h + np.random.default_rng(3).normal(0, 0.001, h.shape), 30.0, cutoff_hz=4.0,
               max_gap_s=0.25)
    late = tuple(dataclasses.replace(r, concentric=(r.concentric[0] + 4, r.concentric[1] - 3))
                 for r in reps)
    own = bar_concentrics(y, 30.0, late)
    for (a, b), r in zip(own, reps):
        assert abs(a - r.concentric[0]) <= 1 and abs(b - r.concentric[1]) <= 1


def test_a_swaying_camera_holds_the_plate_still_too(monkeypatch):
    """A hand-held camera moves the plate in the picture as it moves the body: the bar's
    velocities are read with the same sway taken out, and `bar.track` stays where the
    plate is in the picture (the overlay draws it on the swaying frames)."""
    from helpers import swaying_camera

    truth = make_squat_set(n_reps=4, px_per_m=PX_PER_M, seed=5)
    still = _bar_pass(monkeypatch, truth.seq, _track(truth))
    t = np.asarray(truth.seq.timestamps_s)
    path = np.column_stack([0.03 * np.sin(2 * np.pi * 0.9 * t), 0.03 * np.sin(2 * np.pi * 1.3 * t + 1)])
    seq = swaying_camera(truth.seq, path)
    track = _track(truth)
    filmed = dataclasses.replace(track, xy_px=track.xy_px + path * [seq.width, seq.height])
    held = _bar_pass(monkeypatch, seq, filmed)
    left = _bar_pass(monkeypatch, seq, filmed, camera_sway_limit=1.0)
    assert held.camera_steadied and held.bar.of_record and len(held.reps) == 4
    np.testing.assert_array_equal(held.bar.track.xy_px, filmed.xy_px)
    speeds = [m.mean_velocity_mps for m in held.metrics]
    np.testing.assert_allclose(speeds, [m.mean_velocity_mps for m in still.metrics], rtol=0.05)
    assert not left.camera_steadied
    lost = [m.mean_velocity_mps for m in left.metrics]
    assert len(lost) != len(speeds) or np.nanmax(np.abs(np.array(lost) / speeds - 1)) > 0.1


def test_a_zooming_camera_scales_the_plate_back_too(monkeypatch):
    """A zoom enlarges the plate's path and its rim as it enlarges the body: the bar's
    velocities (and the plate's own scale) are read at the set's usual framing."""
    truth = make_squat_set(n_reps=5, px_per_m=PX_PER_M, seed=5)
    still = _bar_pass(monkeypatch, truth.seq, _track(truth))
    from helpers import zooming_camera

    zoom = np.where(np.arange(truth.seq.n_frames) >= still.reps[2].start, 1.3, 1.0)
    seq = zooming_camera(truth.seq, zoom)
    track = _track(truth)
    size = np.array([seq.width, seq.height], dtype=np.float64)
    filmed = dataclasses.replace(track, xy_px=(0.5 + (track.xy_px / size - 0.5) * zoom[:, None]) * size,
                                 radius_px=track.radius_px * zoom)
    held = _bar_pass(monkeypatch, seq, filmed)
    left = _bar_pass(monkeypatch, seq, filmed, camera_zoom_limit=10)
    assert held.camera_zoomed and held.bar.of_record and len(held.reps) == 5
    np.testing.assert_array_equal(held.bar.track.xy_px, filmed.xy_px)
    speeds = np.array([m.mean_velocity_mps for m in held.metrics])
    np.testing.assert_allclose(speeds, [m.mean_velocity_mps for m in still.metrics], rtol=0.05)
    assert not left.camera_zoomed
    lost = np.array([m.mean_velocity_mps for m in left.metrics])
    assert len(lost) != len(speeds) or np.nanmax(np.abs(lost / speeds - 1)) > 0.1


def test_the_bars_own_rises_are_found_with_the_analysis_segmentation_settings():
    # Quick reps (each up and down in under half a second) are found on the bar only when
    # the bar pass is given the user's shorter minimum rep duration; with segment_reps'
    # own default (0.6 s) it fell back to the body's late concentrics.
    from repsight.bar_metrics import bar_concentrics

    fps = 30.0
    one = np.concatenate([np.zeros(6), 0.5 - 0.5 * np.cos(np.linspace(0, np.pi, 7)), np.ones(2),
                          0.5 + 0.5 * np.cos(np.linspace(0, np.pi, 7))[1:]])
    y = 0.4 * np.concatenate([np.zeros(10), *[one] * 6, np.zeros(10)])
    reps = tuple(Rep(index=k + 1, start=18 + 21 * k, end=30 + 21 * k, turnaround=24 + 21 * k,
                     concentric=(18 + 21 * k, 24 + 21 * k), eccentric=(25 + 21 * k, 30 + 21 * k),
                     eccentric_first=False) for k in range(6))
    body = tuple(r.concentric for r in reps)
    assert bar_concentrics(y, fps, reps, cutoff_hz=None) == body
    own = bar_concentrics(y, fps, reps, cutoff_hz=None, segment={"min_rep_duration_s": 0.3})
    assert own == tuple((a - 2, b - 2) for a, b in body)  # the bar's rise starts 2 frames earlier


def test_bar_on_for_a_lift_without_a_barbell_says_so():
    # `--bar on` on push-ups did nothing and said nothing (`bar: null` in the JSON).
    from repsight.analysis import analyse_bar
    from repsight.synthetic import synthesize

    seq, _ = synthesize("pushup", 3, seed=2, noise_px=0.5)
    for setting, said in (("on", True), ("auto", False)):
        an = analyse_pose(seq, AnalysisConfig(exercise="pushup", bar_path=setting))
        out = analyse_bar("no-video-needed.mp4", seq, an)
        assert out.bar is None
        assert any(w.startswith("--bar on: a pushup has no barbell") for w in out.all_warnings) == said
