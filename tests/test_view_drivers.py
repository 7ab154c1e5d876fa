"""Profiles whose driving signal cannot be read in one view use another there (curls head-on)."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from repsight.analysis import analyse_pose
from repsight.config import build_config
from repsight.landmarks import LM
from repsight.profiles import SignalSpec, ViewDriver, get_profile
from repsight.render.camera import Camera, look_at
from repsight.render.motion import plan_set
from repsight.render.skeleton import RestSkeleton
from repsight.render.spec import CameraSpec, FaultSpec, RenderSpec, TempoSpec
from repsight.render.truth import build_truth
from repsight.types import PoseSequence


def test_driver_for_a_view():
    curl = get_profile("curl")
    assert curl.driver_for("side") == (curl.driver, False, "")
    spec, rises, why = curl.driver_for("front")
    assert spec == SignalSpec("height", ("WRIST",)) and rises and "head-on" in why
    squat = get_profile("squat")
    assert squat.driver_for("front")[:2] == (squat.driver, True)
    with pytest.raises(ValueError, match="height"):
        dataclasses.replace(curl, view_drivers={"front": ViewDriver(SignalSpec("angle", ("elbow",)), "x")})


def _front_curl(fault: FaultSpec = FaultSpec()) -> tuple[PoseSequence, dict]:
    """A curl set seen head-on, its pose the truth's own joints (no rendering, no model)."""
    spec = RenderSpec(exercise="curl", reps=4, width=320, height=240, fps=30.0,
                      tempo=TempoSpec(eccentric_s=1.0, concentric_s=0.7, bottom_pause_s=0.3,
                                      top_pause_s=0.3, jitter=0.0),
                      camera=CameraSpec(view="front"), fault=fault, lead_in_s=0.4,
                      lead_out_s=0.4, seed=3)
    cam = Camera(look_at(np.array([3.2, 0.0, 1.2]), np.array([0.0, 0.0, 1.0])), 45.0, 320, 240)
    truth = build_truth(plan_set(spec), RestSkeleton.default(), cam)
    n = truth["n_frames"]
    image = np.full((n, 33, 5), np.nan, np.float32)
    for i, f in enumerate(truth["frames"]):
        for name, (x, y) in f["joints2d"].items():
            if name in LM.__members__:
                image[i, LM[name]] = (x / 320, y / 240, 0.0, 1.0, 1.0)
    seq = PoseSequence(image=image, world=np.full((n, 33, 3), np.nan, np.float32),
                       timestamps_s=np.array([f["t"] for f in truth["frames"]]), fps=30.0,
                       width=320, height=240)
    return seq, truth


def test_a_curl_filmed_head_on_is_timed_from_the_wrist():
    seq, truth = _front_curl()
    a = analyse_pose(seq, build_config(exercise="curl"))
    assert a.signal_name == "wrist height" and a.concentric_increases
    assert any("head-on" in w for w in a.warnings)
    assert a.rep_count == 4 and not a.verdicts
    t = seq.timestamps_s
    for rep, true in zip(a.reps, truth["reps"]):
        assert abs(t[rep.start] - true["start"]) < 0.35
        assert abs((t[rep.concentric[1]] - t[rep.concentric[0]]) - true["concentric_s"]) < 0.35


def test_the_elbow_angle_head_on_loses_short_curls():
    # Why the wrist drives head-on: a curl cut short never flips the 2-D elbow angle, so
    # with the angle driver the short reps vanish; the wrist's height counts them.
    seq, _ = _front_curl(FaultSpec("short_rom", 3, 0.35, 0.0))
    assert len(analyse_pose(seq, build_config(exercise="curl")).reps) == 4
    curl = get_profile("curl")
    angle_only = dataclasses.replace(curl, view_drivers={})
    from repsight import profiles
    profiles.PROFILES["biceps_curl"] = angle_only
    try:
        a = analyse_pose(seq, build_config(exercise="curl"))
    finally:
        profiles.PROFILES["biceps_curl"] = curl
    assert len(a.reps) < 4
