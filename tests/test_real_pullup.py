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
    # Read frame by frame (benchmarks/labels): concentrics take 0.53 s on rep 1, 0.57-0.73 s
    # on reps 2-13, 0.70-0.87 s on reps 14-19. At the travel the labeller measured (constant
    # over reps 4-13), the loss those times imply stays at or under 16 % over reps 2-8 and
    # is 36-39 % on reps 17-19; the power goal's 20 % falls between.
    assert np.mean(v[-4:]) < 0.85 * np.median(v[1:8])
    tempo = [x.rep_index for x in an.verdicts if x.kind == "tempo"]
    assert {17, 18, 19} <= set(tempo)
    assert all(x.rep_index > 8 for x in an.verdicts)
    assert an.verdict_summary.first_failure_rep > 8
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
