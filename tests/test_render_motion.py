"""Pure-numpy parts of repsight.render: spec, timing, skeleton, truth maths.

These need no torch / anny / pyrender; they check the numbers the truth files promise.
"""

from __future__ import annotations

import json
from fractions import Fraction

import numpy as np
import pytest

from repsight.render.camera import Camera, look_at, place_camera
from repsight.render.motion import exact_fps, min_jerk, plan_set, pose, tracked_height
from repsight.render.skeleton import RestSkeleton, forward_kinematics, min_rotation, pitch
from repsight.render.spec import (CameraSpec, FaultSpec, RenderSpec, TempoSpec)
from repsight.render.truth import angles, build_truth, joint_angle

REST = RestSkeleton.default()


def _truth(spec: RenderSpec, frames: bool = True) -> dict:
    plan = plan_set(spec)
    cam = Camera(look_at(np.array([0.3, 3.0, 1.0]), np.array([0.3, 0.0, 0.8])), 45.0,
                 spec.width, spec.height)
    return build_truth(plan, REST, cam, include_frames=frames)


def test_spec_validates_and_round_trips(tmp_path):
    with pytest.raises(ValueError, match="exercise"):
        RenderSpec(exercise="bench")
    with pytest.raises(ValueError, match="not modelled"):
        RenderSpec(exercise="curl", fault=FaultSpec("knee_cave", 2))
    with pytest.raises(ValueError, match="even"):
        RenderSpec(width=321)
    spec = RenderSpec(exercise="press", tempo=TempoSpec(concentric_s=(0.8, 0.9, 1.0), fatigue=0.1),
                      reps=3, fault=FaultSpec("elbow_drift", 2, 5, 5), seed=7)
    path = tmp_path / "s.json"
    path.write_text(json.dumps(spec.to_dict()))
    assert RenderSpec.from_file(path) == spec
    toml = tmp_path / "s.toml"
    toml.write_text('exercise = "curl"\nreps = 4\n[camera]\nview = "front"\n[tempo]\nconcentric_s = 0.7\n')
    s2 = RenderSpec.from_file(toml)
    assert (s2.exercise, s2.reps, s2.camera.view, s2.tempo.concentric_s) == ("curl", 4, "front", 0.7)
    with pytest.raises(ValueError, match="unknown"):
        RenderSpec.from_dict({"exercise": "squat", "colour": 1})


def test_ntsc_rates_are_exact():
    assert exact_fps(29.97) == Fraction(30000, 1001)
    assert exact_fps(23.976) == Fraction(24000, 1001)
    assert exact_fps(25) == 25 and exact_fps(60.0) == 60
    plan = plan_set(RenderSpec(fps=29.97, reps=2))
    t = plan.frame_times()
    assert t[1] == pytest.approx(1001 / 30000)
    assert t[-1] <= plan.duration_s + 1e-9


def test_phase_times_follow_tempo_fatigue_and_order():
    spec = RenderSpec(reps=4, tempo=TempoSpec(1.2, 0.3, 0.8, 0.5, fatigue=0.25), lead_in_s=0.5)
    plan = plan_set(spec)
    r1, r4 = plan.reps[0], plan.reps[3]
    assert [p.name for p in r1.phases] == ["eccentric", "pause_bottom", "concentric", "pause_top"]
    assert r1.start == pytest.approx(0.5)
    assert r1.phase("eccentric").duration == pytest.approx(1.2)
    assert r1.phase("pause_bottom").duration == pytest.approx(0.3)
    assert r4.phase("concentric").duration == pytest.approx(0.8 * 1.25 ** 3)
    # reps follow each other without gaps: rep 2 starts when rep 1's top pause ends
    assert plan.reps[1].start == pytest.approx(r1.phases[-1].end)
    # concentric-first exercises: the curl goes up first
    curl = plan_set(RenderSpec(exercise="curl", reps=2))
    assert [p.name for p in curl.reps[0].phases][:3] == ["concentric", "pause_top", "eccentric"]


def test_q_is_continuous_and_hits_turnarounds():
    plan = plan_set(RenderSpec(reps=3, fault=FaultSpec("short_rom", 2, 0.3, 0.1)))
    t = np.linspace(0, plan.duration_s, 5000)
    q = plan.q(t)
    assert np.max(np.abs(np.diff(q))) < 0.01
    for r in plan.reps:
        bottom = r.phase("eccentric").end
        assert plan.q(np.array([bottom]))[0] == pytest.approx(r.turnaround_q)
    assert [round(r.turnaround_q, 3) for r in plan.reps] == [1.0, 0.7, 0.6]
    assert min_jerk(np.array([0.0, 0.5, 1.0])).tolist() == [0.0, 0.5, 1.0]


def test_jitter_is_seeded():
    a = plan_set(RenderSpec(tempo=TempoSpec(jitter=0.1), seed=3))
    b = plan_set(RenderSpec(tempo=TempoSpec(jitter=0.1), seed=3))
    c = plan_set(RenderSpec(tempo=TempoSpec(jitter=0.1), seed=4))
    ends = lambda p: [r.end for r in p.reps]  # noqa: E731
    assert ends(a) == ends(b) and ends(a) != ends(c)


def test_failed_last_rep_stalls_and_returns():
    plan = plan_set(RenderSpec(reps=3, failed_last_rep=True, fail_fraction=0.4))
    last = plan.reps[-1]
    assert not last.completed and all(r.completed for r in plan.reps[:-1])
    con = last.phase("concentric")
    q_end = plan.q(np.array([con.end]))[0]
    assert q_end == pytest.approx(0.6)  # rose 40 % of the way from the bottom
    assert plan.q(np.array([plan.duration_s]))[0] == pytest.approx(1.0)  # sank back


def test_forward_kinematics_keeps_segment_lengths():
    for ex in ("squat", "deadlift", "curl", "press", "pushup"):
        q = np.linspace(0, 1, 11)
        kp = pose(ex, REST, q, "none", np.zeros(11)).keypoints
        for a, b in (("LEFT_HIP", "LEFT_KNEE"), ("LEFT_KNEE", "LEFT_ANKLE"),
                     ("LEFT_SHOULDER", "LEFT_ELBOW"), ("RIGHT_ELBOW", "RIGHT_WRIST")):
            d = np.linalg.norm(kp[a] - kp[b], axis=-1)
            assert np.allclose(d, REST.length(a, b), atol=1e-9), (ex, a, b)


def test_squat_feet_planted_knee_bends_and_hips_drop():
    q = np.linspace(0, 1, 21)
    kp = pose("squat", REST, q, "none", np.zeros(21)).keypoints
    assert np.allclose(kp["LEFT_ANKLE"], REST.points["LEFT_ANKLE"], atol=1e-9)
    knee = joint_angle(kp["LEFT_HIP"], kp["LEFT_KNEE"], kp["LEFT_ANKLE"])
    assert knee[0] > 165 and 45 < knee[-1] < 75
    assert np.all(np.diff(knee) < 0)
    hip = tracked_height("squat", kp)
    assert hip[0] - hip[-1] > 0.35


def test_faults_change_the_right_angle_only_after_onset():
    q = np.full(3, 1.0)
    clean = angles(pose("squat", REST, q, "none", np.zeros(3)).keypoints)
    lean = angles(pose("squat", REST, q, "trunk_lean", np.array([0.0, 10.0, 20.0])).keypoints)
    assert lean["torso_lean"] - clean["torso_lean"] == pytest.approx([0, 10, 20], abs=0.5)
    cave = pose("squat", REST, q, "knee_cave", np.array([0.0, 10.0, 20.0])).keypoints
    # knees move towards the midline (left knee to -Y, right knee to +Y), ankles stay
    assert cave["LEFT_KNEE"][1, 1] < cave["LEFT_KNEE"][0, 1] - 0.03
    assert cave["RIGHT_KNEE"][1, 1] > cave["RIGHT_KNEE"][0, 1] + 0.03
    assert np.allclose(cave["LEFT_ANKLE"], cave["LEFT_ANKLE"][0], atol=1e-9)
    drift = pose("curl", REST, np.full(2, 1.0), "elbow_drift", np.array([0.0, 15.0])).keypoints
    ua = drift["LEFT_ELBOW"] - drift["LEFT_SHOULDER"]
    assert ua[1, 0] > ua[0, 0] + 0.05  # elbow moved forward (+X)


def test_pushup_hands_fixed_and_shoulders_move():
    q = np.linspace(0, 1, 11)
    kp = pose("pushup", REST, q, "none", np.zeros(11)).keypoints
    assert np.allclose(kp["LEFT_WRIST"], kp["LEFT_WRIST"][0], atol=1e-6)
    elbow = joint_angle(kp["LEFT_SHOULDER"], kp["LEFT_ELBOW"], kp["LEFT_WRIST"])
    assert elbow[0] > 140 and elbow[-1] < 90
    sh = tracked_height("pushup", kp)
    assert sh[0] - sh[-1] > 0.15


def test_truth_velocity_matches_displacement_over_time_and_fatigue_loss():
    spec = RenderSpec(reps=4, tempo=TempoSpec(1.0, 0.2, 0.8, 0.4, fatigue=0.2))
    truth = _truth(spec, frames=False)
    reps = truth["reps"]
    for r in reps:
        v = r["velocity"]
        assert v["concentric_mean_mps"] == pytest.approx(
            abs(v["concentric_displacement_m"]) / r["concentric_s"])
        # min-jerk: the peak is 15/8 of the mean for a linear path; q -> hip height bends it
        assert 1.6 < v["concentric_peak_mps"] / v["concentric_mean_mps"] < 2.6
    # same displacement, concentric 1.2x longer per rep -> mean velocity / 1.2 per rep
    m = [r["velocity"]["concentric_mean_mps"] for r in reps]
    assert m[1] / m[0] == pytest.approx(1 / 1.2, rel=1e-3)
    assert reps[3]["velocity_loss_vs_first_pct"] == pytest.approx(100 * (1 - 1 / 1.2 ** 3), rel=1e-3)


def test_truth_schema_and_projection():
    spec = RenderSpec(reps=2, fault=FaultSpec("trunk_lean", 2, 10, 0), width=320, height=240)
    truth = _truth(spec)
    assert truth["schema_version"] == "1.0"
    assert truth["fault"] == {"kind": "trunk_lean", "onset_rep": 2, "units": "degrees",
                              "per_rep_magnitude": [0.0, 10.0]}
    assert len(truth["frames"]) == truth["n_frames"]
    f = truth["frames"][10]
    assert set(f) >= {"frame", "t", "rep", "angles", "joints2d", "joints3d"}
    assert "LEFT_HIP" in f["joints3d"] and "knee_L" in f["angles"]
    r = truth["reps"][0]
    assert r["eccentric_start"] < r["eccentric_end"] <= r["pause_bottom_end"] <= r["concentric_start"]
    assert r["concentric_end"] == r["end"]
    json.dumps(truth)  # serialisable
    # projection: a point on the optical axis lands on the image centre
    cam = Camera(look_at(np.array([0.0, 3.0, 1.0]), np.array([0.0, 0.0, 1.0])), 45.0, 320, 240)
    assert cam.project(np.array([0.0, 0.0, 1.0])) == pytest.approx([160, 120])
    # side view: the lifter's forward (+X) appears to the image left
    assert cam.project(np.array([0.5, 0.0, 1.0]))[0] < 160
    assert cam.project(np.array([0.0, 0.0, 1.5]))[1] < 120


def test_place_camera_keeps_body_in_frame():
    kp = pose("press", REST, np.linspace(0, 1, 5), "none", np.zeros(5)).keypoints
    pts = np.concatenate(list(kp.values()))
    for view in ("side", "front", "oblique"):
        cam = place_camera(CameraSpec(view=view, distance_m=1.0), 320, 240, pts)
        px = cam.project(pts)
        assert px[:, 0].min() >= 0 and px[:, 0].max() <= 320
        assert px[:, 1].min() >= 0 and px[:, 1].max() <= 240


def test_min_rotation_and_pitch():
    R = min_rotation(np.array([0.0, 0.0, -1.0]), np.array([1.0, 0.0, 0.0]))
    assert R @ np.array([0.0, 0.0, -1.0]) == pytest.approx([1.0, 0.0, 0.0])
    assert pitch(90.0) @ np.array([0.0, 0.0, 1.0]) == pytest.approx([1.0, 0.0, 0.0])
    R = min_rotation(np.array([0.0, 0.0, 1.0]), np.array([0.0, 0.0, -1.0]))  # opposite
    assert R @ np.array([0.0, 0.0, 1.0]) == pytest.approx([0.0, 0.0, -1.0])
    kp = forward_kinematics(REST, {}, np.array([REST.points["HIP_ROOT"]]))
    for k, p in REST.points.items():
        assert kp[k][0] == pytest.approx(p)


def test_cli_builds_the_issue_spec(tmp_path):
    from repsight.render.cli import build_parser, spec_from_args

    a = build_parser().parse_args(["--exercise", "squat", "--view", "side", "--reps", "5",
                                   "--fault", "trunk_lean", "--fault-onset", "4", "-o", "o.mp4"])
    spec = spec_from_args(a)
    assert (spec.exercise, spec.camera.view, spec.reps) == ("squat", "side", 5)
    assert (spec.fault.kind, spec.fault.onset_rep) == ("trunk_lean", 4)
    assert [spec.fault.magnitude(k) for k in range(1, 6)] == [0, 0, 0, 8.0, 14.0]
    # a spec file, with command-line options on top
    f = tmp_path / "s.json"
    f.write_text(json.dumps({"exercise": "curl", "fps": 29.97, "tempo": {"fatigue": 0.1}}))
    spec = spec_from_args(build_parser().parse_args(["--spec", str(f), "--reps", "3", "-o", "x.mp4"]))
    assert (spec.exercise, spec.fps, spec.reps, spec.tempo.fatigue) == ("curl", 29.97, 3, 0.1)


def test_barbell_is_opt_in_and_leaves_specs_without_it_unchanged():
    from repsight.render.spec import BarbellSpec

    plain = RenderSpec(exercise="deadlift", reps=2, seed=4)
    assert "barbell" not in plain.to_dict()  # cached clips keep matching their spec
    loaded = plain.with_(barbell=BarbellSpec(enabled=True, plate_rgb=(200, 30, 30)))
    d = loaded.to_dict()
    assert d["barbell"]["enabled"] and d["barbell"]["plate_rgb"] == [200, 30, 30]
    assert RenderSpec.from_dict(d) == loaded
    with pytest.raises(ValueError, match="barbell"):
        RenderSpec(exercise="pushup", barbell=BarbellSpec(enabled=True))
    # without a bar, pose() is the barbell-free pose; the truth has no bar block
    q = np.linspace(0, 1, 7)
    a = pose("squat", REST, q, "none", np.zeros(7))
    b = pose("squat", REST, q, "none", np.zeros(7), barbell=False)
    assert a.bar is None and all(np.array_equal(a.keypoints[k], b.keypoints[k]) for k in a.keypoints)
    assert "barbell" not in _truth(plain, frames=False)


@pytest.mark.parametrize("exercise", ["deadlift", "press", "curl", "squat"])
def test_rendered_bar_rides_with_the_hands_or_the_upper_back(exercise):
    """The truth's bar path: level, at the grip of both hands (or fixed on the trunk for
    the back squat), the near plate at its place along the bar, and projected."""
    from repsight.render.barbell import hand_grip
    from repsight.render.spec import BarbellSpec

    spec = RenderSpec(exercise=exercise, reps=2, barbell=BarbellSpec(enabled=True),
                      fault=FaultSpec("trunk_lean", 2, 10, 0), width=320, height=240)
    truth = _truth(spec, frames=True)
    bar = truth["barbell"]
    n = truth["n_frames"]
    centre, axis = np.array(bar["centre3d"]), np.array(bar["axis"])
    near = np.array(bar["near_plate_centre3d"])
    assert centre.shape == axis.shape == near.shape == (n, 3)
    assert np.abs(axis[:, 2]).max() < 1e-4  # the bar stays level
    # the camera of _truth stands on the lifter's left: the left plate is the near one
    assert bar["near_plate"] == "left"
    along = np.sum((near - centre) * axis, axis=1)
    assert along == pytest.approx(spec.barbell.plate_offset_m, abs=1e-4)
    assert np.linalg.norm(near - centre - along[:, None] * axis, axis=1).max() < 1e-4
    kp = {k: np.array([f["joints3d"][k] for f in truth["frames"]])
          for k in truth["frames"][0]["joints3d"]}
    if exercise == "squat":
        # on the upper back: at a fixed place behind the shoulders and a little above
        # them along the trunk, whatever the trunk's lean
        sh = 0.5 * (kp["LEFT_SHOULDER"] + kp["RIGHT_SHOULDER"])
        up = sh - 0.5 * (kp["LEFT_HIP"] + kp["RIGHT_HIP"])
        up /= np.linalg.norm(up, axis=1, keepdims=True)
        forward = np.cross([0.0, 1.0, 0.0], up)
        behind, above = np.sum((centre - sh) * forward, 1), np.sum((centre - sh) * up, 1)
        assert np.ptp(behind) < 2e-3 and np.ptp(above) < 2e-3
        assert -0.12 < behind.mean() < -0.05 and 0.0 < above.mean() < 0.08
    else:
        for side in ("LEFT", "RIGHT"):
            g = hand_grip(kp, side) - centre
            off = g - np.sum(g * axis, axis=1)[:, None] * axis
            assert np.linalg.norm(off, axis=1).max() < 2e-3  # on the bar (rounding only)
    # vertical travel: the bar goes down and up by the lift's range
    assert np.ptp(centre[:, 2]) > {"deadlift": 0.45, "press": 0.3, "curl": 0.3, "squat": 0.4}[exercise]
    cam = Camera(np.array(truth["camera_pose"]), truth["yfov_deg"], 320, 240)
    assert np.array(bar["near_plate_centre2d"]) == pytest.approx(cam.project(near), abs=0.01)
    for r in truth["reps"]:
        v = r["bar_velocity"]
        assert v["concentric_mean_mps"] == pytest.approx(
            abs(v["concentric_displacement_m"]) / r["concentric_s"])
        assert v["vertical_travel_m"] >= abs(v["concentric_displacement_m"]) - 1e-9


def test_visible_fault_is_the_turn_of_the_direction_a_camera_sees() -> None:
    from repsight.render.truth import fault_visible_deg

    def visible(exercise: str, kind: str) -> tuple[list, list]:
        spec = RenderSpec(exercise=exercise, reps=4, fault=FaultSpec(kind, 2, 12, 6), seed=3)
        plan = plan_set(spec)
        return [r.fault_magnitude for r in plan.reps], fault_visible_deg(plan, REST)

    # a curl's elbow drift swings the upper arm forward in the side view: all of it shows
    mags, seen = visible("curl", "elbow_drift")
    assert seen[0] == 0.0 and mags[0] == 0.0
    assert seen[1:] == pytest.approx(mags[1:], abs=1.0)
    # a trunk lean is the trunk's own turn
    mags, seen = visible("squat", "trunk_lean")
    assert seen[1:] == pytest.approx(mags[1:], abs=1.0)
    # a press's elbow drift turns the plane of an arm that ends almost vertical: a camera
    # sees a third of it or less
    mags, seen = visible("press", "elbow_drift")
    assert all(0 < s < m / 2.5 for s, m in zip(seen[1:], mags[1:]))
    # a clean set and a shortened range have no such direction
    assert fault_visible_deg(plan_set(RenderSpec(exercise="squat", reps=3, seed=3)), REST) == [None] * 3
    spec = RenderSpec(exercise="squat", reps=3, fault=FaultSpec("short_rom", 2, 0.2, 0.1), seed=3)
    truth = _truth(spec, frames=False)
    assert [r["fault_visible_deg"] for r in truth["reps"]] == [None] * 3
