"""The scoring rules of benchmarks/eval_verdicts_real.py on hand-made labels (no video)."""

from __future__ import annotations

import math
import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))

import eval_verdicts_real as ev  # noqa: E402


def form(n, breakdown=(), unclear=(), run=(), low=(), rep1_faulty=False):
    reps = [{"rep": k, "breakdown": None if k in unclear else (k in breakdown),
             "confidence": "low" if k in low else "high", "concentric_s": 0.5}
            for k in range(1, n + 1)]
    return {"reps": reps, "technical_failure_reps": list(run), "rep1_faulty": rep1_faulty}


def test_calls_on_breakdown_reps_and_the_failure_run_are_true():
    f = form(8, breakdown=(5, 7), run=(5, 7))  # rep 6 lies inside the run 5..7
    s = ev.score_technical(f, [ev.Call(5), ev.Call(6), ev.Call(7)])
    assert (s.tp, s.fp, s.positives, s.found) == (3, 0, 3, 3)
    assert s.precision == 1.0 and s.recall == 1.0


def test_calls_outside_the_run_and_on_unmatched_reps_are_false():
    f = form(6, breakdown=(5, 6), run=(5, 6), low=(2,))
    s = ev.score_technical(f, [ev.Call(2), ev.Call(4), ev.Call(None, analyser_rep=7), ev.Call(6)])
    assert (s.tp, s.fp) == (1, 3)
    assert s.false_calls == [2, 4, "a7"]
    assert s.fp_not_low == 2  # the call on rep 2 sits on a low-confidence label
    assert s.precision == 0.25
    assert s.found == 1 and s.recall == 0.5  # rep 5 was missed


def test_unclear_reps_are_neutral_and_duplicates_count_once():
    f = form(5, breakdown=(3, 4), unclear=(5,), run=(3, 4))
    s = ev.score_technical(f, [ev.Call(5), ev.Call(3), ev.Call(3), ev.Call(1)])
    assert (s.tp, s.fp, s.neutral) == (1, 1, 1)


def test_clean_set_no_calls_gives_undefined_precision_and_recall():
    s = ev.score_technical(form(4), [])
    assert (s.tp, s.fp, s.positives) == (0, 0, 0)
    assert math.isnan(s.precision) and math.isnan(s.recall)


def test_from_rep1_calls_follow_the_rep1_label():
    assert ev.score_technical(form(3, rep1_faulty=True), [ev.Call(1, from_rep1=True)]).tp == 1
    s = ev.score_technical(form(3), [ev.Call(1, from_rep1=True)])
    assert (s.tp, s.fp) == (0, 1)


def test_match_reps_is_nearest_one_to_one_within_the_window():
    m = ev.match_reps(np.array([1.0, 2.0, 9.0]), np.array([1.1, 1.3, 2.05, 5.0]))
    assert m == {0: 0, 1: 2}  # 9.0 has nothing within 1 s; 1.3 and 5.0 stay unmatched


def test_implied_loss_is_read_against_the_faster_of_the_first_reps():
    row = ev.Row(clip="x.mp4", exercise="pullup", labelled=7)
    # rep 2 is the faster baseline rep (0.5 s); rep 5 takes 0.8 s: 37.5 % slower at the same travel
    row.loss = [[1, 0.0, 0.55], [2, -9.0, 0.5], [3, 5.0, 0.5], [4, 12.0, 0.6], [5, 40.0, 0.8],
                [6, 20.0, 0.625], [7, 30.0, 0.7]]
    got = {n: (a, b) for n, a, b in ev.implied_loss(row)}
    assert sorted(got) == [2, 3, 4, 5, 6, 7]
    assert got[5] == (40.0, 37.5) and got[6][1] == pytest.approx(20.0) and got[2][1] == 0.0
    # without both baseline reps, or with under five more, nothing is compared
    row.loss = [r for r in row.loss if r[0] != 1]
    assert ev.implied_loss(row) == []
    row.loss = [[1, 0.0, 0.5], [2, 1.0, 0.5], [3, 2.0, 0.6]]
    assert ev.implied_loss(row) == []
