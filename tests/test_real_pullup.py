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


@pytest.mark.slow
def test_analyze_command_prints_velocity_verdicts_and_summary():
    from click.testing import CliRunner

    from repsight.cli import main

    if "analyze" not in main.commands:
        pytest.skip("the analyze command is not there yet")
    clip = shared_video("pullup_front_long.mp4")
    res = CliRunner().invoke(main, ["analyze", str(clip), "--exercise", "pullup", "--goal", "power",
                                    "--height", "1.80", "-q"])
    assert res.exit_code == 0, res.output
    assert "velocity and form (power goal)" in res.output and "v m/s" in res.output
    assert "set: first failure: rep" in res.output and "scale height:" in res.output
    assert "RIR is an estimate" in res.output
