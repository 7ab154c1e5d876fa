"""benchmarks/tempo_noise.py: the tempo rule replayed on true velocities with noise."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))

import tempo_noise as tn  # noqa: E402

DONE4 = [True] * 4


def test_first_call_is_the_first_confirmed_loss_past_the_limit() -> None:
    # losses 0, 2, 40, 50 %: reps 3 and 4 confirm each other
    assert tn.first_call([1.0, 0.98, 0.6, 0.5], DONE4, [], 30.0, 2.0, 2) == 3


def test_a_lone_mid_set_flag_is_not_a_call() -> None:
    v = [1.0, 1.0, 0.6, 0.95, 0.96]
    assert tn.first_call(v, [True] * 5, [], 30.0, 2.0, 2) is None


def test_a_lone_last_rep_must_clear_the_margin() -> None:
    v = [1.0, 1.0, 0.95, 0.69]  # last rep at 31 %
    assert tn.first_call(v, DONE4, [], 30.0, 2.0, 2) is None
    assert tn.first_call(v, DONE4, [], 30.0, 0.0, 2) == 4


def test_a_failed_rep_counts_as_called() -> None:
    v = [1.0, 1.0, 0.9, None]
    assert tn.first_call(v, [True, True, True, False], [4], 30.0, 2.0, 2) == 4


def _row(true_v, true_first, margin=0.0, exercise="squat", view="side", read_v=None):
    return {"exercise": exercise, "view": view, "true_tempo_failure": true_first,
            "tempo_inputs": {"true_v": true_v, "read_v": read_v or true_v,
                             "completed": [True] * len(true_v), "failed": [],
                             "loss_limit": 30.0, "lone_margin": margin, "baseline_reps": 2}}


def test_noise_free_replay_scores_the_rule_on_the_truth() -> None:
    rows = {"a": _row([1.0, 1.0, 0.69], 3), "b": _row([1.0, 0.98, 0.6, 0.5], 3)}
    errors = {("squat", "side"): np.array([-0.05, 0.05])}
    assert tn.expected_scores(rows, errors, 0.0, None, draws=3) == pytest.approx((2.0, 1.0, 1.0))


def test_two_point_noise_gives_the_closed_form_rate() -> None:
    # Each velocity read 5 % high or low at even odds. The baseline (best of reps 1-2) is
    # 1.05 with probability 3/4; rep 3 (true 31 % loss) is then past 30 % either way, and
    # with a 0.95 baseline only when it read low: called on 7 draws in 8.
    rows = {"a": _row([1.0, 1.0, 0.69], 3)}
    errors = {("squat", "side"): np.array([-0.05, 0.05])}
    n, exact, within = tn.expected_scores(rows, errors, 1.0, None, draws=4000)
    assert n == pytest.approx(1.0)
    assert exact == pytest.approx(7 / 8, abs=0.03)
    assert within == pytest.approx(exact)


def test_relative_errors_take_out_the_sets_common_factor(tmp_path) -> None:
    row = _row([1.0, 1.0, 1.0], None, read_v=[1.32, 1.2, 1.08])  # 1.2x overall, +-10 %
    path = tmp_path / "rows.json"
    path.write_text(json.dumps({"clip": row, "no_inputs": {"exercise": "squat"}}))
    rows = tn.read_rows([path])
    assert list(rows) == ["rows/clip"]
    errs = tn.relative_errors(rows)[("squat", "side")]
    assert sorted(errs) == pytest.approx([-0.1, 0.0, 0.1])
