"""Pixel-to-metre scale from stature and from MediaPipe's metric limbs."""

from __future__ import annotations

import json

import numpy as np
import pytest

from helpers import SHARED
from repsight.synthetic import make_squat_set
from repsight.scale import Scale, estimate_scale, scale_from_height, scale_from_world


@pytest.mark.parametrize("view", ["side", "front"])
@pytest.mark.parametrize("px_per_m", [140.0, 260.0, 420.0])
def test_limb_scale_recovers_known_px_per_m(view, px_per_m):
    truth = make_squat_set(view=view, px_per_m=px_per_m, seed=3)
    s = scale_from_world(truth.seq)
    assert s.method == "limbs"
    assert s.px_per_m == pytest.approx(px_per_m, rel=0.03)
    assert 0 < s.rel_uncertainty < 0.15


@pytest.mark.parametrize("seed", range(4))
def test_height_scale_within_table_variation(seed):
    # Bodies whose proportions differ from the table by up to 4 % per segment.
    truth = make_squat_set(px_per_m=300.0, height_m=1.65, proportions_jitter=0.04, seed=seed)
    s = scale_from_height(truth.seq, 1.65)
    assert s.method == "height"
    assert s.px_per_m == pytest.approx(300.0, rel=0.06)


def test_wrong_height_scales_proportionally():
    truth = make_squat_set(px_per_m=300.0, height_m=1.80, seed=1)
    right = scale_from_height(truth.seq, 1.80).px_per_m
    short = scale_from_height(truth.seq, 1.50).px_per_m
    assert short / right == pytest.approx(1.80 / 1.50, rel=1e-6)


def test_estimate_prefers_height_and_falls_back_to_limbs():
    truth = make_squat_set(seed=2)
    assert estimate_scale(truth.seq, 1.78).method == "height"
    assert estimate_scale(truth.seq, None).method == "limbs"


def test_no_visible_segments_gives_no_scale():
    truth = make_squat_set(seed=0)
    seq = truth.seq
    img = seq.image.copy()
    img[:, :, 3] = 0.1  # nothing visible
    blind = type(seq)(**{**seq.__dict__, "image": img})
    s = estimate_scale(blind)
    assert not s.valid and s.method == "none" and np.isnan(s.m_per_px)
    assert "none" in s.describe()


def test_scale_validates():
    with pytest.raises(ValueError):
        Scale(-3.0, "limbs", 0.1)
    with pytest.raises(ValueError):
        Scale(200.0, "guess", 0.1)
    with pytest.raises(ValueError):
        scale_from_height(make_squat_set(seed=0).seq, 3.5)


@pytest.mark.slow
def test_limb_scale_on_rendered_lifter():
    """MediaPipe on a rendered body of known size: auto scale within 8 % of the camera truth."""
    video = SHARED / "synthetic" / "squat_side_A.mp4"
    if not video.is_file():
        pytest.skip("needs ../shared/synthetic/squat_side_A.mp4")
    from repsight.pose import extract_pose

    seq = extract_pose(video)
    truth = json.loads(video.with_suffix(".json").read_text())
    pose = np.array(truth["camera_pose"])
    f = (truth["size"][1] / 2) / np.tan(np.radians(truth["yfov_deg"]) / 2)
    hips = np.array([(np.array(fr["joints3d"]["left_hip"]) + fr["joints3d"]["right_hip"]) / 2
                     for fr in truth["frames"]])
    depth = -((hips - pose[:3, 3]) @ pose[:3, 2])  # the camera looks down its -z axis
    true_px_per_m = float(np.median(f / depth))
    s = scale_from_world(seq)
    assert s.px_per_m == pytest.approx(true_px_per_m, rel=0.08)


def test_upright_segments_set_the_scale_when_the_body_lies_across_the_view():
    from repsight.synthetic import plan_set, synthesize

    # A push-up seen at an angle: the trunk and legs lie across the view and are shortened
    # in the image (here: image x squeezed to 75 %) while the world landmarks still call
    # them in-plane, as MediaPipe's do; the arms stand upright and keep their length.
    seq, truth = synthesize("pushup", plan_set(3), seed=0)
    image = seq.image.copy()
    image[:, :, 0] = 0.5 + (image[:, :, 0] - 0.5) * 0.75
    squeezed = type(seq)(**{**seq.__dict__, "image": image})
    s = scale_from_world(squeezed)
    assert s.px_per_m == pytest.approx(truth.px_per_m, rel=0.03)
    assert "upright" in s.note and set(s.segments) <= {"left_upper_arm", "left_forearm",
                                                       "right_upper_arm", "right_forearm"}
