"""The set plot draws what the analysis decided: series and thresholds read from the result."""

from __future__ import annotations

import numpy as np
import pytest

from repsight.analysis import analyse_pose
from repsight.config import AnalysisConfig
from repsight.plots import make_figure, plot_set, set_plot_data
from repsight.synthetic import make_squat_set


@pytest.fixture(scope="module")
def leaning_set():
    """A side-view squat set whose trunk lean grows from rep 6 (a technical failure)."""
    truth = make_squat_set(n_reps=8, trunk_lean_deg=[0] * 5 + [14, 16, 18], seed=3)
    return analyse_pose(truth.seq, AnalysisConfig(exercise="squat", goal="hypertrophy",
                                                  lifter_height_m=truth.height_m))


def test_plotted_threshold_is_the_one_the_verdicts_applied(leaning_set):
    an = leaning_set
    lean = an.assessment.metrics.drift.faults["trunk_lean"]
    data = set_plot_data(an)
    faults = an.assessment.metrics.drift.faults
    assert set(data.drift_threshold_deg) == {f.words for f in faults.values()}
    for f in faults.values():
        assert data.drift_threshold_deg[f.words] == pytest.approx(f.threshold_deg)
    thr = data.drift_threshold_deg[lean.words]
    assert thr == pytest.approx(lean.threshold_deg)
    assert thr == pytest.approx(lean.floor_deg + lean.spread_deg)
    # The technical verdict's numbers are the same ones, on the reps the plot shows past it.
    tech = [v for v in an.verdicts if v.kind == "technical"]
    assert tech and lean.words in tech[0].reason
    assert f"threshold {lean.threshold_deg:.1f} deg" in tech[0].reason
    series = data.drift_deg[lean.words]
    assert {v.rep_index for v in tech} == {int(r) for r, x in zip(data.reps, series) if x > thr}


def test_figure_draws_each_threshold(leaning_set):
    data = set_plot_data(leaning_set)
    fig = make_figure(data)
    drift_ax = fig.axes[2]
    levels = {round(float(line.get_ydata()[0]), 6) for line in drift_ax.lines
              if len(set(np.atleast_1d(line.get_ydata()))) == 1}
    for thr in data.drift_threshold_deg.values():
        assert round(thr, 6) in levels


def test_series_follow_the_result(leaning_set, tmp_path):
    an = leaning_set
    data = set_plot_data(an)
    assert list(data.reps) == [r.index for r in an.reps]
    np.testing.assert_allclose(data.velocity_mps, [m.mean_velocity_mps for m in an.metrics])
    np.testing.assert_allclose(data.phases_s[:, 2], [t.concentric_s for t in an.tempo])
    failing = {v.rep_index for v in an.verdicts}
    assert set(data.failures) == failing
    base = an.assessment.metrics.baseline_velocity_mps
    assert data.velocity_threshold_mps == pytest.approx(base * (1 - an.config.effective_velocity_loss_pct / 100))
    out = plot_set(an, tmp_path / "set.png")
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_a_rep_under_the_limit_without_a_verdict_is_amber_not_red_nor_plain(leaning_set):
    # A coach read bars under the dashed line, left blue, as failures the tool missed.
    import dataclasses

    from repsight.plots import FAILURE_COLOUR, UNCONFIRMED_COLOUR

    data = set_plot_data(leaning_set)
    v = np.array(data.velocity_mps, dtype=float)
    thr = float(np.nanmax(v) * 0.99)  # every rep but the fastest under the line
    data = dataclasses.replace(data, velocity_threshold_mps=thr)
    fig = make_figure(data)
    bars = list(fig.axes[0].containers[0])  # the velocity bars, one a rep
    colours = [tuple(round(c, 3) for c in b.get_facecolor()[:3]) for b in bars]
    from matplotlib.colors import to_rgb

    want = [to_rgb(FAILURE_COLOUR) if int(r) in data.failures else
            to_rgb(UNCONFIRMED_COLOUR) if x < thr else to_rgb("#4e79a7")
            for r, x in zip(data.reps, v)]
    assert colours == [tuple(round(c, 3) for c in w) for w in want]
    assert to_rgb(UNCONFIRMED_COLOUR) in want and to_rgb("#4e79a7") in want
    labels = fig.axes[0].get_legend_handles_labels()[1]
    assert "slower than the limit line, not called (did not last, or not judged)" in labels


def test_the_plot_is_written_in_the_format_its_name_says(leaning_set, tmp_path):
    # "--plot out.pdf" wrote PNG bytes a PDF viewer would not open.
    from repsight.errors import OutputError

    assert plot_set(leaning_set, tmp_path / "p.pdf").read_bytes().startswith(b"%PDF")
    assert b"<svg" in plot_set(leaning_set, tmp_path / "p.svg").read_bytes()[:400]
    assert plot_set(leaning_set, tmp_path / "p.PNG").read_bytes().startswith(b"\x89PNG")
    with pytest.raises(OutputError, match=r"plot must be named .png, .pdf or .svg, got 'p.jpg'"):
        plot_set(leaning_set, tmp_path / "p.jpg")
    assert not (tmp_path / "p.jpg").exists()


def test_a_name_the_font_cannot_draw_warns_nobody(tmp_path):
    # "my set 🏋.mp4" printed matplotlib's "Glyph 127947 missing from font(s)" warning on
    # the user's terminal: run as a user's process would (pytest manages warnings itself).
    import subprocess
    import sys

    code = ("import numpy as np\n"
            "from repsight.plots import SetPlotData, make_figure, save_figure\n"
            "d = SetPlotData(title='my set \\U0001F3CB squat', reps=np.arange(1, 4),\n"
            "    velocity_mps=np.array([0.5, 0.45, 0.4]), velocity_threshold_mps=0.35,\n"
            "    phases_s=np.ones((3, 4)), drift_deg={})\n"
            f"save_figure(make_figure(d), {str(tmp_path / 'p.png')!r})\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "p.png").is_file() and done.stderr == ""


def test_a_name_with_dollar_signs_is_drawn_as_written(tmp_path):
    # "squat_$1_$2.mp4": matplotlib read "$1_$" as maths and the plot (and a batch clip's
    # every output) failed with a ParseSyntaxException; "$100 vs $200" drew in italics.
    from repsight.plots import SetPlotData, save_figure

    for name in ("squat_$1_$2.mp4 - squat", "squat $100 vs $200.mp4 - squat"):
        d = SetPlotData(title=name, reps=np.arange(1, 4), velocity_mps=np.array([0.5, 0.45, 0.4]),
                        velocity_threshold_mps=0.35, phases_s=np.ones((3, 4)), drift_deg={})
        fig = make_figure(d)
        save_figure(fig, tmp_path / "p.png")
        assert fig._suptitle.get_text() == name


def test_a_rep_cut_by_the_clip_is_not_called_untracked_on_the_plot():
    from repsight.plots import SetPlotData

    phases = np.ones((3, 4))
    phases[0, :2] = np.nan
    phases[2, 2:] = np.nan
    d = SetPlotData(title="t", reps=np.arange(1, 4), velocity_mps=np.array([np.nan, 0.45, 0.4]),
                    velocity_threshold_mps=None, phases_s=phases, drift_deg={},
                    phase_gaps={1: "began\nbefore clip"})
    ax_p = make_figure(d).axes[1]
    labels = [t.get_text() for t in ax_p.texts]
    assert labels == ["began\nbefore clip", "not\ntracked"]


def test_the_plot_shows_each_reps_fault_reading_as_the_table_and_report_do(leaning_set):
    # The chart drew only the move towards the fault: a rep read 2.6 deg stricter showed
    # "hip sag -2.6" in the table and +1.5 on the chart.
    from repsight.drift import shown_drift

    assert shown_drift(2.0, 5.0) == -5.0 and shown_drift(5.0, 2.0) == 5.0
    assert shown_drift(None, 3.0) == -3.0 and np.isnan(shown_drift(None, None))
    data = set_plot_data(leaning_set)
    for f in leaning_set.assessment.metrics.drift.faults.values():
        want = [shown_drift(t, s) for t, s in zip(f.toward_deg, f.stricter_deg)]
        np.testing.assert_allclose(data.drift_deg[f.words], want)


def test_a_run_of_reps_failing_alike_is_labelled_once(leaning_set):
    import dataclasses

    data = dataclasses.replace(set_plot_data(leaning_set),
                               failures={3: "tempo", 4: "tempo", 5: "tempo", 7: "technical", 8: "tempo"})
    texts = [t.get_text() for t in make_figure(data).axes[0].texts]
    assert texts == ["tempo", "technical", "tempo"]


def test_no_velocity_loss_limit_is_drawn_where_no_loss_was_measured():
    # Squats lifted over 6 s each (about 0.07 m/s): too slow for velocity loss to be read
    # (velocity.MIN_BASELINE_MPS), so the plot has no limit to draw, and none is shown.
    truth = make_squat_set(n_reps=4, concentric_s=6.0, seed=2)
    an = analyse_pose(truth.seq, AnalysisConfig(exercise="squat", lifter_height_m=truth.height_m))
    assert an.rep_count == 4 and an.assessment.metrics.velocity.too_slow
    assert set_plot_data(an).velocity_threshold_mps is None
    judged = analyse_pose(truth.seq, AnalysisConfig(exercise="squat", lifter_height_m=truth.height_m,
                                                    min_baseline_velocity_mps=0.0))
    assert set_plot_data(judged).velocity_threshold_mps is not None


def test_a_one_rep_set_draws_no_limit_and_the_title_counts_as_the_terminal_does():
    # A one-rep set's plot drew "velocity-loss limit 0.25 m/s" beside a result that reads
    # no loss; and the title counted a partial rep the other outputs leave out.
    import dataclasses

    truth = make_squat_set(n_reps=1, seed=2)
    one = analyse_pose(truth.seq, AnalysisConfig(exercise="squat", lifter_height_m=truth.height_m))
    assert one.rep_count == 1 and one.verdict_summary.loss_rep is None
    assert set_plot_data(one).velocity_threshold_mps is None
    truth = make_squat_set(n_reps=4, rom_share=[1, 1, 1, 0.6], seed=2)
    an = analyse_pose(truth.seq, AnalysisConfig(exercise="squat", lifter_height_m=truth.height_m))
    partial = [r.index for r in an.reps if r.partial]
    assert partial and set_plot_data(an).title.endswith(
        f"{an.rep_count} rep(s) (+{len(partial)} partial)")
    whole = dataclasses.replace(an, reps=tuple(r for r in an.reps if not r.partial))
    assert set_plot_data(whole).title.endswith(f"{an.rep_count} rep(s)")


def test_a_set_too_slow_for_velocity_loss_names_no_velocity_baseline():
    # The first reps set no reference when no loss can be read on them: the table, the
    # summary and the page say why there is no loss, not "velocity baseline".
    from rich.console import Console

    from repsight.export import analysis_to_dict
    from repsight.report import render_report, report_context
    from repsight.table import rep_table, summary_block

    truth = make_squat_set(n_reps=4, concentric_s=6.0, seed=2)
    slow = analyse_pose(truth.seq, AnalysisConfig(exercise="squat", lifter_height_m=truth.height_m))
    judged = analyse_pose(truth.seq, AnalysisConfig(exercise="squat", lifter_height_m=truth.height_m,
                                                    min_baseline_velocity_mps=0.0))

    def shown(an) -> tuple[str, str, str]:
        console = Console(width=200, record=True)
        console.print(rep_table(an))
        return (console.export_text(), summary_block(an),
                render_report(report_context(analysis_to_dict(an))))

    table, block, page = shown(slow)
    assert "velocity baseline" not in table and "velocity baseline" not in block
    assert "too slow to read a velocity loss" in block
    assert "so no loss was read" in page and "loss against the best" not in page
    table, block, page = shown(judged)
    assert "velocity baseline" in table and "velocity baseline" in block
    assert "loss against the best" in page
