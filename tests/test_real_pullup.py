"""The real 20-rep pull-up clip that slows with fatigue: velocity loss and a late tempo failure."""

from __future__ import annotations

import numpy as np
import pytest

from helpers import shared_video


@pytest.mark.slow
def test_pullup_clip_slows_and_fails_tempo_late():
    from repsight.analysis import analyse_pose
    from repsight.cache import extract_cached
    from repsight.config import AnalysisConfig

    seq = extract_cached(shared_video("pullup_front_long.mp4"), model="full")
    an = analyse_pose(seq, AnalysisConfig(exercise="pullup", goal="power"))
    assert len(an.reps) >= 18
    v = np.array([m.mean_velocity_mps for m in an.metrics])
    # Checked by eye: concentrics take ~0.5-0.7 s early, ~1 s at rep 19, ~1.5 s at rep 20.
    assert np.mean(v[-4:]) < 0.85 * np.median(v[1:8])
    tempo = [x.rep_index for x in an.verdicts if x.kind == "tempo"]
    assert tempo and min(tempo) >= len(an.reps) - 5
    assert all(x.rep_index >= len(an.reps) - 5 for x in an.verdicts)
    assert an.verdict_summary.first_failure_rep >= len(an.reps) - 5
    assert an.scale.method == "limbs" and an.assessment.metrics.view == "front"
