"""Golden end-to-end test: every sample_videos/ clip with a truth file, through the product.

Each clip is a rendered lifter with exact truth (sample_videos/README.md). The analysis
runs once per clip (module-scoped fixture; pose extraction is cached in
~/.cache/repsight/poses, so a warm run analyses each clip in a fraction of a second).

Rep counts and phase boundaries are checked against the truth. Verdict expectations are
derived from the truth (injected fault magnitude vs the drift tolerance in force, true
velocity loss vs the goal's limit, failed reps), not from what the analyser says today;
where the analyser disagrees, that case is a strict xfail naming why, so a fix flips it
to XPASS (a failure) and the xfail can be removed.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from repsight.config import build_config
from repsight.profiles import get_profile

SAMPLES = Path(__file__).resolve().parents[1] / "sample_videos"
CLIPS = sorted(p.stem for p in SAMPLES.glob("*.json") if p.with_suffix(".mp4").is_file())

# Boundary tolerances (seconds), measured on the four clips and chosen with margin.
# The renderer moves each phase on a minimum-jerk profile, which starts and ends at zero
# velocity; the segmenter calls a phase moving once |v| passes 10 % of the peak
# (pause_velocity_share), which a minimum-jerk phase reaches after ~8.6 % of its duration
# (0.07-0.09 s for the 0.8-1.0 s phases here), plus the low-pass filter's spread. So a
# detected phase START reads late, never early: measured +0.03..+0.17 s on completed reps
# and +0.22 s on the press's failed rep (a 1.95 s grinding concentric: 8.6 % is 0.17 s).
# We allow 1 frame early (rounding) to 0.30 s late: still under half of the shortest
# phase (0.8 s), so a boundary cannot sit in the wrong phase.
START_EARLY_S = 0.05
START_LATE_S = 0.30
# A detected phase END is where |v| falls back under the threshold: early by the same
# ramp, late by the filter. Measured -0.08..+0.09 s; allowed +/- 0.15 s.
END_S = 0.15
# Phase durations (tempo) lose both ramps, so they read short in proportion to the
# phase (~17 % by the threshold alone): measured -0.20..0.00 s on completed reps (0.8-1.0 s
# phases) and -0.25 s on the failed press rep's 1.95 s concentric. Allowed: up to
# 0.10 s + 20 % of the true duration short, up to 0.10 s long.
DURATION_SHORT_S, DURATION_SHORT_SHARE, DURATION_LONG_S = 0.10, 0.20, 0.10
# Which angle the verdict should name for each injected fault kind.
FAULT_ANGLES = {"trunk_lean": ("trunk",), "elbow_drift": ("shoulder", "elbow")}


def load_truth(name):
    return json.loads((SAMPLES / f"{name}.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def analysed():
    """name -> (truth, SetAnalysis with the truth's exercise and default settings)."""
    from repsight.analysis import analyse_video

    out = {}
    for name in CLIPS:
        truth = load_truth(name)
        out[name] = truth, analyse_video(SAMPLES / f"{name}.mp4", build_config(exercise=truth["exercise"]))
    return out


# A form fault of 8 deg or more is one a coach sees on video; issue 12 asks for faults
# from "subtle (8-10 deg) to gross" to be called on the rep where they start.
COACH_VISIBLE_DEG = 8.0


def expected_verdicts(truth, cfg):
    """rep -> set of verdict kinds a coach would give from the truth alone.

    concentric: a rep that was started but not completed. technical: the injected fault's
    magnitude at the turnaround is at least COACH_VISIBLE_DEG (or past the drift tolerance
    the config sets) and larger than rep 1's. tempo: a completed rep whose true mean
    concentric velocity lost more than the goal's limit against the best of the baseline
    reps (a failed rep is a concentric failure, not also a slow one). Eccentric and tempo-by-time
    never apply here (every eccentric lasts 1.0 s; no time limit outside power mode).
    """
    reps = truth["reps"]
    v = [r["velocity"]["concentric_mean_mps"] for r in reps]
    best = max(v[:cfg.baseline_reps])
    out = {}
    for r, vk in zip(reps, v):
        kinds = set()
        if not r["completed"]:
            kinds.add("concentric")
        mag = r["fault_magnitude"]
        visible = mag > cfg.drift_tolerance_deg if cfg.drift_tolerance_deg else mag >= COACH_VISIBLE_DEG
        if visible and mag > reps[0]["fault_magnitude"]:
            kinds.add("technical")
        if r["completed"] and 100 * (1 - vk / best) > cfg.effective_velocity_loss_pct:
            kinds.add("tempo")
        if kinds:
            out[r["rep"]] = kinds
    return out


def expected_first_failure(truth, cfg):
    """(rep, kind) of the first failure, or (None, None); a missed rep is the headline."""
    exp = expected_verdicts(truth, cfg)
    if not exp:
        return None, None
    rep = min(exp)
    for kind in ("concentric", "technical", "tempo"):
        if kind in exp[rep]:
            return rep, kind


def truth_phases(rep):
    """Moving phases of a truth rep: name -> (start, end) s; a failed rep's return counts as
    its eccentric (the lowering after the stall)."""
    out = {}
    for p in rep["phases"]:
        name = {"failure_return": "eccentric"}.get(p["name"], p["name"])
        if name in ("eccentric", "concentric"):
            out[name] = (p["start"], p["end"])
    return out


def test_there_are_golden_clips():
    assert len(CLIPS) >= 4, CLIPS


# ------------------------------------------------------------------------ reps

@pytest.mark.parametrize("name", CLIPS)
def test_rep_count(analysed, name):
    """Completed reps exact; a failed rep is found as a rep but not counted."""
    truth, an = analysed[name]
    assert an.exercise == get_profile(truth["exercise"]).name
    assert not an.exercise_auto
    assert an.n_frames == truth["n_frames"]
    assert an.fps == pytest.approx(truth["fps_fraction"][0] / truth["fps_fraction"][1])
    assert an.rep_count == truth["n_completed_reps"]
    assert len(an.reps) == truth["n_reps"]


@pytest.mark.parametrize("name", CLIPS)
def test_rep_boundaries(analysed, name):
    """Each rep's moving phases start late by at most START_LATE_S and end within END_S."""
    truth, an = analysed[name]
    t = an.timestamps_s
    # The truth's frame time rule is t = frame / fps: the clip's timestamps must agree.
    assert t[:truth["n_frames"]] == pytest.approx(np.arange(truth["n_frames"]) / an.fps, abs=1e-6)
    errors = []
    for rep, tr in zip(an.reps, truth["reps"]):
        assert rep.eccentric_first == (truth["rep_starts_with"] == "eccentric")
        found = {"eccentric": rep.eccentric, "concentric": rep.concentric}
        for phase, (a, b) in truth_phases(tr).items():
            da = t[found[phase][0]] - a
            db = t[found[phase][1]] - b
            errors.append((rep.index, phase, round(da, 3), round(db, 3)))
            assert -START_EARLY_S <= da <= START_LATE_S, (rep.index, phase, "start", da)
            assert abs(db) <= END_S, (rep.index, phase, "end", db)
        assert -START_EARLY_S <= t[rep.start] - tr["start"] <= START_LATE_S, (rep.index, "rep start")
    assert errors  # every clip has reps with phases to compare


@pytest.mark.parametrize("name", CLIPS)
def test_tempo_from_timestamps(analysed, name):
    """Phase durations (eccentric, concentric) within the duration tolerance of the truth's,
    at 25, 30 and 29.97 fps, with the tempo's eccentric being the lowering phase also for
    concentric-first lifts (press, curl)."""
    truth, an = analysed[name]
    for tempo, tr in zip(an.tempo, truth["reps"]):
        ph = truth_phases(tr)
        for phase, attr in (("eccentric", "eccentric_s"), ("concentric", "concentric_s")):
            if phase in ph:
                a, b = ph[phase]
                err = getattr(tempo, attr) - (b - a)
                short = DURATION_SHORT_S + DURATION_SHORT_SHARE * (b - a)
                assert -short <= err <= DURATION_LONG_S, (tr["rep"], phase, err)


@pytest.mark.parametrize("name", CLIPS)
def test_fatigue_shows_as_slower_concentrics(analysed, name):
    """Rendered fatigue (squat 8 %/rep, press 15 %/rep: true trends +0.07 and +0.33 s/rep)
    shows as a positive concentric trend; sets without it (push-up, curl: every concentric
    0.8 s) measure flat (measured -0.02..+0.01 s/rep)."""
    truth, an = analysed[name]
    trend = an.rhythm.concentric_trend_s_per_rep
    if truth["spec"]["tempo"]["fatigue"] > 0:
        assert trend > 0.03, trend
    else:
        assert abs(trend) < 0.05, trend


# ------------------------------------------------------------------------ verdicts

@pytest.mark.parametrize("name", CLIPS)
def test_first_failure_rep_and_kind(analysed, name):
    """The set summary's first failure is the one the truth implies (none for a clean set)."""
    truth, an = analysed[name]
    rep, kind = expected_first_failure(truth, an.config)
    s = an.verdict_summary
    assert (s.first_failure_rep, s.kind) == (rep, kind), s.line()
    if rep is not None:
        assert s.reps_before == sum(1 for r in truth["reps"][:rep - 1] if r["completed"])


@pytest.mark.parametrize("name", CLIPS)
def test_no_verdict_before_the_first_failure(analysed, name):
    """Reps before the truth's first failure are clean: no verdict of any kind."""
    truth, an = analysed[name]
    rep, _ = expected_first_failure(truth, an.config)
    first = rep if rep is not None else len(truth["reps"]) + 1
    early = [v for v in an.verdicts if v.rep_index < first]
    assert early == [], early


@pytest.mark.parametrize("name", CLIPS)
def test_technical_verdict_names_the_faulty_angle(analysed, name):
    """Where the truth injects a fault past tolerance, the technical verdict names its angle."""
    truth, an = analysed[name]
    fault = truth["fault"]["kind"]
    exp = expected_verdicts(truth, an.config)
    reps = [r for r, kinds in exp.items() if "technical" in kinds]
    if fault == "none" or not reps:
        pytest.skip(f"{name}: no injected fault past the drift tolerance")
    words = FAULT_ANGLES[fault]
    for r in reps:
        reasons = [v.reason for v in an.verdicts if v.kind == "technical" and v.rep_index == r]
        assert reasons and any(w in reasons[0] for w in words), (r, reasons)
    # A call on a reading under (or at) its threshold (the start of a fault that lasts)
    # says so.
    for v in an.verdicts:
        for f in an.assessment.metrics.drift.faults.values():
            if v.kind == "technical" and f.words in v.reason:
                value = f.toward_deg[v.rep_index - 1]
                said = "under its threshold" in v.reason or "at its threshold" in v.reason
                assert (value <= f.threshold_deg) == said, v.reason


# Whole verdict sets (rep, kind) against the truth. Measured mismatches are strict xfails.
# Clips whose verdicts are known to differ from the truth, with why (none today: the
# trunk-lean squat's extra tempo call on rep 5, a measured 31 % against a true 26.5 %, went
# when mean velocities came to be read from each rep's mid-travel time).
VERDICT_XFAIL: dict[str, str] = {}


@pytest.mark.parametrize("name", [
    pytest.param(n, marks=pytest.mark.xfail(strict=True, reason=VERDICT_XFAIL[n]))
    if n in VERDICT_XFAIL else n for n in CLIPS])
def test_all_verdicts_follow_the_truth(analysed, name):
    """Every (rep, kind) verdict the truth implies, and no other."""
    truth, an = analysed[name]
    exp = {(r, k) for r, kinds in expected_verdicts(truth, an.config).items() for k in kinds}
    got = {(v.rep_index, v.kind) for v in an.verdicts}
    assert got == exp, [v.reason for v in an.verdicts]
