"""The synthetic generator: seeded, truthful about its own reps, geometry in metres."""

from __future__ import annotations

import numpy as np
import pytest

from repsight.landmarks import LM
from repsight.profiles import PROFILES
from repsight.synthetic import RepPlan, plan_set, synthesize


def test_same_seed_same_sequence_and_noise_changes_with_seed() -> None:
    a, _ = synthesize("squat", 3, seed=4, noise_px=2.0)
    b, _ = synthesize("squat", 3, seed=4, noise_px=2.0)
    c, _ = synthesize("squat", 3, seed=5, noise_px=2.0)
    np.testing.assert_array_equal(a.image, b.image)
    assert not np.allclose(a.image[:, :, :2], c.image[:, :, :2], equal_nan=True)


@pytest.mark.parametrize("name", sorted(PROFILES))
def test_every_profile_has_a_poser_and_truth_matches_the_plan(name: str) -> None:
    plans = plan_set(4, eccentric_s=1.0, bottom_pause_s=0.3, concentric_s=0.6, top_pause_s=0.4)
    seq, truth = synthesize(name, plans, fps=30.0)
    assert truth.n_reps == 4
    for r, p in zip(truth.reps, plans):
        ecc = (r.eccentric[1] - r.eccentric[0]) / seq.fps
        con = (r.concentric[1] - r.concentric[0]) / seq.fps
        assert ecc == pytest.approx(p.eccentric_s, abs=1.01 / seq.fps)
        assert con == pytest.approx(p.concentric_s, abs=1.01 / seq.fps)
        # progress is 0 at the start, full at the turnaround
        assert truth.progress[r.start] == pytest.approx(0.0, abs=1e-9)
        assert truth.progress[r.turnaround] == pytest.approx(1.0, abs=1e-9)
    assert seq.detection_rate == 1.0


def test_squat_hip_goes_down_then_up_and_world_is_hip_centred() -> None:
    seq, truth = synthesize("squat", 1, lead_in_s=0.5, lead_out_s=0.5)
    r = truth.reps[0]
    hip_y = seq.image[:, LM.LEFT_HIP, 1]  # image y grows downwards
    assert hip_y[r.turnaround] > hip_y[r.start] + 0.1
    assert hip_y[r.concentric[1]] == pytest.approx(hip_y[r.start], abs=1e-4)
    np.testing.assert_allclose(seq.world[:, LM.LEFT_HIP, :2], 0.0, atol=1e-6)
    # a thigh of a 1.75 m person is about 0.43 m
    thigh = np.linalg.norm(seq.world[0, LM.LEFT_HIP] - seq.world[0, LM.LEFT_KNEE])
    assert 0.35 < thigh < 0.5


def test_fatigue_partial_rests_empty_frames_and_dropouts() -> None:
    plans = plan_set(5, concentric_s=0.6, fatigue=0.2, partial={4: 0.5})
    seq, truth = synthesize("pushup", plans, empty_s=1.0, rests={2: 4.0}, dropouts=2, seed=3)
    cons = [r.concentric[1] - r.concentric[0] for r in truth.reps]
    assert cons == sorted(cons) and cons[-1] > cons[0]
    assert truth.reps[3].rom_share == 0.5
    assert np.isnan(seq.image[:30]).all() and truth.first_frame == 30
    gap = truth.reps[2].start - truth.reps[1].concentric[1]
    assert gap / seq.fps >= 4.0
    assert truth.reps[1].end == truth.reps[1].concentric[1]  # a rest is not a trailing pause
    assert truth.reps[0].end == truth.reps[1].start  # a short pause is
    assert 0.8 < seq.detection_rate < 1.0


def test_velocity_truth_in_metres_per_second() -> None:
    plans = (RepPlan(eccentric_s=1.0, bottom_pause_s=0.0, concentric_s=0.5, top_pause_s=0.5),)
    seq, truth = synthesize("squat", plans, fps=60.0)
    v = truth.point_velocity_mps(("HIP",))
    r = truth.reps[0]
    drop = truth.point_m(("HIP",))[r.start, 1] - truth.point_m(("HIP",))[r.turnaround, 1]
    assert 0.3 < drop < 0.7
    # mean concentric velocity = distance / time
    mean_con = v[r.concentric[0]:r.concentric[1] + 1].mean()
    assert mean_con == pytest.approx(drop / 0.5, rel=0.1)


def test_faults_change_the_pose_only_on_their_reps() -> None:
    base, truth = synthesize("squat", 3)
    bad, _ = synthesize("squat", 3, faults={"trunk_lean_deg": (0, 0, 15)})
    r1, r3 = truth.reps[0], truth.reps[2]
    np.testing.assert_allclose(base.image[r1.turnaround], bad.image[r1.turnaround])
    assert not np.allclose(base.image[r3.turnaround, LM.LEFT_SHOULDER, :2],
                           bad.image[r3.turnaround, LM.LEFT_SHOULDER, :2])
    with pytest.raises(ValueError, match="unknown fault"):
        synthesize("squat", 2, faults={"wobble": (1, 2)})
