"""benchmarks/visible_motion.py: the renderer's concentric ends a camera cannot see.

numpy only (the default rest skeleton stands in for the body model).
"""

from __future__ import annotations

import sys
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))

import synthetic_eval as se  # noqa: E402
import visible_motion as vm  # noqa: E402
from repsight.render.skeleton import RestSkeleton  # noqa: E402


def test_travel_crossings_of_a_half_cosine_ramp_match_its_closed_form() -> None:
    t = np.linspace(0.0, 2.0, 2001)
    z = 5.0 - 0.3 * (1.0 - np.cos(np.pi * t / 2.0)) / 2.0  # falls 0.3 over 2 s
    shares = (0.01, 0.5, 0.99)
    got = vm.travel_crossings(t, z, shares)
    want = [2.0 * np.arccos(1.0 - 2.0 * s) / np.pi for s in shares]
    assert got == pytest.approx(want, abs=1e-3)


def test_travel_crossings_nan_where_never_reached_and_for_no_travel() -> None:
    t = np.arange(5.0)
    # an overshoot past the end is a crossing like any other (linear between samples)
    assert vm.travel_crossings(t, np.array([0.0, 0.5, 1.2, 0.9, 1.0]), (0.5, 1.1)) == pytest.approx(
        [1.0, 1.0 + 0.6 / 0.7])
    assert np.isnan(vm.travel_crossings(t, np.array([0.0, 0.5, 0.9, 0.95, 1.0]), (1.5,))[0])
    assert all(np.isnan(vm.travel_crossings(t, np.ones(5), (0.1, 0.9))))


def test_eased_concentric_hides_its_ends_from_the_tracked_point() -> None:
    # A clean squat of the dev5 range: its concentric is eased with a minimum-jerk
    # profile in joint space, so the hips rise 1 % of the way only after a tenth of it
    # or so, and a reader of the visible 1-99 % span would read the velocity high.
    name, spec = next((n, s) for n, s in se.select("dev5") if s.exercise == "squat")
    ends = vm.true_ends(spec, SimpleNamespace(rest=RestSkeleton.default()))
    assert ends, name
    for e in ends:
        assert e["leaves_1"] > 0 and e["before_99"] > 0
        assert e["leaves_3"] > e["leaves_1"] and e["before_97"] > e["before_99"]
        assert 0.5 < e["visible"] < 0.9
        assert e["ideal_v"] > 1.1
