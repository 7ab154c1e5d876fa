"""summary.quality_warnings: the caveats a coach reads beside the verdicts."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from types import SimpleNamespace

import cv2
import pytest

from repsight.scale import Scale
from repsight.summary import SMALL_LIFTER_PX, TYPICAL_STATURE_M, quality_warnings

SAMPLES = Path(__file__).resolve().parents[1] / "sample_videos"


def _metrics(scale: Scale) -> SimpleNamespace:
    drift = SimpleNamespace(spread_deg={}, faults={})
    return SimpleNamespace(warnings=(), view="side", not_measurable={}, drift=drift, scale=scale)


def _small(warnings: list[str]) -> list[str]:
    return [w for w in warnings if w.startswith("lifter small in the frame")]


def test_a_small_lifter_is_named_with_its_size() -> None:
    px_per_m = 90.0  # a 320x240 rendered clip: about 158 px tall
    got = _small(quality_warnings(_metrics(Scale(px_per_m, "limbs", 0.05)), n_reps=4))
    assert got == [f"lifter small in the frame (about 90 px a metre: "
                   f"{px_per_m * TYPICAL_STATURE_M:.0f} px for a {TYPICAL_STATURE_M:g} m person "
                   f"standing): form and tempo readings are less precise; film closer or at a "
                   f"higher resolution ({SMALL_LIFTER_PX:.0f} px or more)"]
    just_big = SMALL_LIFTER_PX / TYPICAL_STATURE_M + 0.1
    assert _small(quality_warnings(_metrics(Scale(just_big, "limbs", 0.05)), n_reps=4)) == []
    # No scale, no size: nothing is claimed.
    assert _small(quality_warnings(_metrics(Scale(float("nan"), "none", 1.0)), n_reps=4)) == []


def test_form_is_not_judged_on_a_lifter_under_the_smallest_size_measured() -> None:
    from repsight.summary import MIN_FORM_PX, too_small_for_form

    under = (MIN_FORM_PX - 1) / TYPICAL_STATURE_M
    assert too_small_for_form(Scale(under, "limbs", 0.05)) == (
        f"the lifter is about {MIN_FORM_PX - 1:.0f} px tall in the picture, under the "
        f"{MIN_FORM_PX:.0f} px at which joint angles can be told from landmark noise")
    assert too_small_for_form(Scale((MIN_FORM_PX + 1) / TYPICAL_STATURE_M, "limbs", 0.05)) == ""
    assert too_small_for_form(Scale(float("nan"), "none", 1.0)) == ""  # no scale, no claim


def test_a_set_with_a_tiny_lifter_gets_no_technical_verdict() -> None:
    # The same trunk-lean fault the verdict tests call on reps 6-8, read at a scale that
    # puts the lifter under MIN_FORM_PX: form is not judged, and the set says why.
    from repsight.analysis import assess_set
    from repsight.config import AnalysisConfig
    from repsight.profiles import get_profile
    from repsight.summary import MIN_FORM_PX
    from repsight.synthetic import make_squat_set

    truth = make_squat_set(trunk_lean_deg=[0] * 5 + [16, 18, 20], seed=9)
    cfg = AnalysisConfig(goal="hypertrophy", lifter_height_m=truth.height_m)
    squat = get_profile("squat")
    seen = assess_set(truth.seq, truth.reps, squat, cfg)
    assert [v.rep_index for v in seen.verdicts if v.kind == "technical"] == [6, 7, 8]
    tiny = Scale(0.9 * MIN_FORM_PX / TYPICAL_STATURE_M, "height", 0.02)
    small = assess_set(truth.seq, truth.reps, squat, cfg, scale=tiny)
    assert not [v for v in small.verdicts if v.kind == "technical"]
    assert any(w.startswith("form not judged: the lifter is about") for w in small.summary.warnings)


@pytest.mark.slow
def test_the_same_clip_at_half_size_warns_and_at_full_size_does_not(tmp_path: Path) -> None:
    from repsight.analysis import analyse_video
    from repsight.config import AnalysisConfig

    clip = SAMPLES / "pushup_side_clean.mp4"  # 640x480, the lifter about 380 px tall
    src = cv2.VideoCapture(str(clip))
    fps = src.get(cv2.CAP_PROP_FPS)
    half = tmp_path / "half.mp4"
    out = cv2.VideoWriter(str(half), cv2.VideoWriter_fourcc(*"mp4v"), fps, (320, 240))
    while True:
        ok, frame = src.read()
        if not ok:
            break
        out.write(cv2.resize(frame, (320, 240), interpolation=cv2.INTER_AREA))
    src.release()
    out.release()
    cfg = AnalysisConfig(exercise="pushup")
    full = analyse_video(clip, cfg)  # the default pose cache, shared with the golden tests
    small = analyse_video(half, cfg, cache_dir=tmp_path / "cache")
    assert _small(list(full.verdict_summary.warnings)) == []
    (warning,) = _small(list(small.verdict_summary.warnings))
    tall = int(warning.split("px a metre: ")[1].split(" px")[0])
    assert 120 <= tall < SMALL_LIFTER_PX


def test_the_set_line_counts_the_reps_the_rep_table_counts() -> None:
    """Two squats, the second cut off by the clip's end: "no failure detected in 1 rep(s)",
    as the table's "1 rep(s) (+1 incomplete)", not in 2."""
    from repsight.summary import summarise
    from repsight.types import Rep

    done = Rep(index=1, start=0, end=40, turnaround=20, eccentric=(0, 20), concentric=(20, 40),
               eccentric_first=True)
    cut = Rep(index=2, start=50, end=70, turnaround=70, eccentric=(50, 70), concentric=(70, 70),
              eccentric_first=True, completed=False, cut_end=True)
    # One rep counted: nothing to compare it with, said so beside "no failure".
    assert summarise([done, cut], []).line() == (
        "no failure detected in 1 rep(s); one rep: nothing to compare it with, so fatigue "
        "and form drift are not judged")
    partial = Rep(index=3, start=80, end=100, turnaround=90, eccentric=(80, 90),
                  concentric=(90, 100), eccentric_first=True, partial=True)
    third = dataclasses.replace(done, index=4, start=110, end=150, turnaround=130,
                                eccentric=(110, 130), concentric=(130, 150))
    assert summarise([done, partial, third], []).line().startswith("no failure detected in 2 rep(s)")
    # A partial rep before the first failure is not one of the good reps before it.
    from repsight.types import Verdict

    fourth = dataclasses.replace(third, index=5, start=160, end=200, turnaround=180,
                                 eccentric=(160, 180), concentric=(180, 200))
    late = Verdict("tempo", 5, "rep 5: velocity loss 35 %", {})
    summary = summarise([done, partial, third, fourth], [late])
    assert summary.reps_before == 2 and "2 good rep(s) before it" in summary.line()
    # Nothing counted: said so, not "no failure detected in 0 rep(s)" beside
    # "0 rep(s): too few to compare".
    assert summarise([cut], []).line() == "no full rep counted: nothing to judge"
    from repsight.summary import quality_warnings
    from repsight.synthetic import synthesize
    from repsight.analysis import analyse_pose
    from repsight.config import AnalysisConfig

    seq, _ = synthesize("squat", 1, seed=3)
    one = analyse_pose(seq, AnalysisConfig(exercise="squat"))
    assert "1 rep: no velocity loss to read (it needs a second rep to compare with)" in one.verdict_summary.warnings
    seq, _ = synthesize("squat", 2, seed=3)
    two = analyse_pose(seq, AnalysisConfig(exercise="squat"))
    assert ("2 reps, no more than the 2-rep velocity baseline: velocity loss is read against "
            "the baseline's fastest rep, with no later rep to confirm it") in two.verdict_summary.warnings
    assert not any(w.startswith("0 rep(s)") for w in quality_warnings(
        one.assessment.metrics, n_reps=0, counted=0, baseline_reps=2))


def _two_curls(first_cut: bool):
    """Two curls, the second cut off by the clip's end during its lowering (counted, but it
    sets no baseline), and the first begun before the clip when first_cut."""
    from repsight.analysis import analyse_pose
    from repsight.config import AnalysisConfig
    from repsight.synthetic import plan_set, synthesize

    seq, truth = synthesize("biceps_curl", plan_set(2, eccentric_s=1.2, bottom_pause_s=0.3,
                                                    concentric_s=[0.9, 0.75], top_pause_s=0.4),
                            seed=4)
    c0, c1 = truth.reps[0].concentric
    e0, e1 = truth.reps[1].eccentric
    start = c0 + (c1 - c0) * 2 // 5 if first_cut else 0
    return analyse_pose(seq.slice(start, e0 + (e1 - e0) // 2), AnalysisConfig(exercise="biceps_curl"))


def test_the_few_reps_caveat_names_a_short_baseline() -> None:
    """Rep 2 sets no baseline, so it is read against rep 1 alone: faster, a negative loss.
    The caveat said "read against the baseline's fastest rep" of a "2-rep baseline" beside
    "only 1 clean rep(s)" (press_overhead_dumbbell_side: -9 %)."""
    an = _two_curls(first_cut=False)
    assert [r.counted for r in an.reps] == [True, True] and an.reps[1].cut_end
    assert an.assessment.metrics.baseline_reps == (1,)
    s = an.verdict_summary
    assert s.loss_rep == 2 and s.velocity_loss_pct < 0
    assert "only 1 clean rep(s) for a baseline of 2" in s.warnings
    assert ("2 reps: velocity loss is read on rep 2 against rep 1 alone, with no later rep to "
            "confirm it") in s.warnings
    assert not any("baseline's fastest rep" in w for w in s.warnings)


def test_the_few_reps_caveat_is_not_said_when_no_loss_is_measured() -> None:
    """Rep 1 begun before the clip too: no clean rep, no loss. The caveat still said loss
    "is read against the baseline's fastest rep" beside "velocity loss is not measured"
    (curl_barbell_45deg_cropped)."""
    an = _two_curls(first_cut=True)
    assert an.rep_count == 2 and an.reps[0].cut_start
    s = an.verdict_summary
    assert s.loss_rep is None and an.assessment.metrics.baseline_reps == ()
    assert "no clean rep for a baseline of 2: velocity loss is not measured" in s.warnings
    assert not any("velocity loss is read" in w for w in s.warnings)


def test_a_lift_with_no_form_fault_judged_keeps_its_range_not_its_technique():
    # A pull-up or a bench press judges no form fault (its profile has none): a set that
    # ends without failure kept its range of motion and tempo, and the reps before a
    # failure are not called good form (a coach read "16 good reps" on a pull-up set whose
    # form nobody checked).
    from repsight.analysis import analyse_pose
    from repsight.config import AnalysisConfig
    from repsight.synthetic import synthesize

    seq, _ = synthesize("pullup", 5, seed=4)
    summary = analyse_pose(seq, AnalysisConfig(exercise="pullup")).verdict_summary
    assert not summary.form_faults_judged and summary.ending == "tolerance"
    assert "stopped with range of motion and tempo intact (no form fault is judged" in summary.line()
    assert "technique" not in summary.line()
    seq, _ = synthesize("squat", 5, seed=4)
    summary = analyse_pose(seq, AnalysisConfig(exercise="squat")).verdict_summary
    assert summary.form_faults_judged and "stopped with technique and tempo intact" in summary.line()
    # Seen from the side, a squat's knee cave is not judged: the ending says so (a
    # head-on curl whose elbow travel could not be measured read "technique intact").
    assert summary.faults_not_judged == ("knee_cave",)
    assert ("stopped with technique and tempo intact as far as read (knee cave not judged "
            "here): tolerance failure") in summary.line()


def test_reps_before_a_failure_are_good_only_where_form_was_judged():
    import dataclasses

    from repsight.summary import summarise
    from repsight.types import Rep, Verdict

    one = Rep(index=1, start=0, end=40, turnaround=20, eccentric=(0, 20), concentric=(20, 40),
              eccentric_first=True)
    reps = [dataclasses.replace(one, index=k + 1, start=50 * k, end=50 * k + 40,
                                turnaround=50 * k + 20, eccentric=(50 * k, 50 * k + 20),
                                concentric=(50 * k + 20, 50 * k + 40)) for k in range(4)]
    late = [Verdict("tempo", 4, "rep 4: velocity loss 35 %", {})]
    assert "3 good rep(s) before it" in summarise(reps, late).line()
    line = summarise(reps, late, form_faults_judged=False).line()
    assert "3 rep(s) before it (no form fault is judged for this lift here)" in line


def test_every_output_says_what_the_velocity_is_of() -> None:
    # The terminal said "scale plate" only, the page "the tracked point", and the video
    # put the bar's speed by the hips: a coach read 0.31 m/s as the hips' (0.21).
    from repsight.analysis import analyse_pose
    from repsight.config import AnalysisConfig
    from repsight.export import analysis_to_dict
    from repsight.report import report_context
    from repsight.summary import velocity_source
    from repsight.synthetic import make_squat_set
    from repsight.table import summary_block

    assert velocity_source("squat", False) == "the hips"
    assert velocity_source("pushup", False) == "the shoulders"
    assert velocity_source("deadlift", True) == "the bar (its near plate's centre)"
    truth = make_squat_set(n_reps=3, seed=1)
    an = analyse_pose(truth.seq, AnalysisConfig(exercise="squat", lifter_height_m=truth.height_m))
    assert "velocity of the hips; scale" in summary_block(an)
    assert report_context(analysis_to_dict(an))["velocity_source"] == "the hips"


def test_a_rep_the_clip_began_inside_does_not_make_the_set_longer_than_its_baseline():
    # A clip trimmed a third of the way into rep 1's lowering: rep 1 is counted (begun
    # before the clip) but is no baseline rep and is not judged for fatigue. With two reps
    # after it, the set read "stopped with technique and tempo intact"; the same two reps
    # without the fragment read no ending.
    from repsight.analysis import analyse_pose
    from repsight.config import AnalysisConfig
    from repsight.synthetic import plan_set, synthesize

    seq, truth = synthesize("squat", plan_set(3), seed=4, noise_px=0.5)
    down = truth.reps[0].eccentric
    trimmed = seq.slice(down[0] + (down[1] - down[0]) // 3, seq.n_frames)
    an = analyse_pose(trimmed, AnalysisConfig(exercise="squat"))
    assert an.rep_count == 3 and an.reps[0].cut_start and not any(r.cut_start for r in an.reps[1:])
    assert an.verdict_summary.ending == "" and "intact" not in an.verdict_summary.line()
    # Four whole reps after it still make a set longer than its baseline.
    seq, truth = synthesize("squat", plan_set(5), seed=4, noise_px=0.5)
    down = truth.reps[0].eccentric
    an = analyse_pose(seq.slice(down[0] + (down[1] - down[0]) // 3, seq.n_frames),
                      AnalysisConfig(exercise="squat"))
    assert an.reps[0].cut_start and an.verdict_summary.ending == "tolerance"
