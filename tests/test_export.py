"""Exports: atomic writes, JSON without NaN, CSV cells."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest

from repsight.errors import OutputError
from repsight.export import atomic_path, atomic_write, csv_text, jsonable, pose_summary
from repsight.types import PoseSequence, Rep, RepMetrics


def test_atomic_write_replaces_whole_file_and_leaves_no_temp(tmp_path: Path) -> None:
    target = tmp_path / "sub" / "r.json"
    atomic_write(target, '{"a": 1}')
    atomic_write(target, '{"a": 2}')
    assert json.loads(target.read_text()) == {"a": 2}
    assert [p.name for p in target.parent.iterdir()] == ["r.json"]


def test_failed_write_keeps_the_old_file(tmp_path: Path) -> None:
    target = tmp_path / "r.csv"
    target.write_text("old\n")
    with pytest.raises(RuntimeError):
        with atomic_path(target) as tmp:
            tmp.write_text("half a fi")
            raise RuntimeError("killed mid-write")
    assert target.read_text() == "old\n"
    assert [p.name for p in tmp_path.iterdir()] == ["r.csv"]


def test_atomic_write_into_a_file_path_is_an_output_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(OutputError, match="cannot write"):
        atomic_write(blocker / "r.json", "{}")


def test_jsonable_turns_nan_into_null_and_dataclasses_into_dicts() -> None:
    m = RepMetrics(index=2, mean_velocity_mps=0.5, drift_deg={"knee": np.float32(3.5)})
    d = jsonable({"m": m, "arr": np.array([1.0, np.nan]), "n": np.int64(3), "t": (1, 2)})
    text = json.dumps(d, allow_nan=False)
    back = json.loads(text)
    assert back["m"]["index"] == 2 and back["m"]["peak_velocity_mps"] is None
    assert back["m"]["drift_deg"] == {"knee": 3.5}
    assert back["arr"] == [1.0, None] and back["n"] == 3 and back["t"] == [1, 2]
    rep = jsonable(Rep(1, 0, 10, 5, (0, 5), (6, 10), True))
    assert rep["eccentric"] == [0, 5] and math.isnan(Rep(1, 0, 1, 0, (0, 0), (0, 1), True).rom)
    assert rep["rom"] is None


def test_pose_sequence_is_summarised_not_dumped() -> None:
    n = 5
    seq = PoseSequence(image=np.zeros((n, 33, 5), np.float32), world=np.zeros((n, 33, 3), np.float32),
                       timestamps_s=np.arange(n) / 25.0, fps=25.0, width=64, height=48,
                       source="x.mp4", content_hash="abc", model="full")
    d = jsonable({"pose": seq})["pose"]
    assert d == pose_summary(seq)
    assert d["n_frames"] == 5 and d["fps"] == 25.0 and "image" not in d


def test_csv_cells_blank_for_missing_values() -> None:
    text = csv_text(["a", "b", "c", "d"], [{"a": 1.234567, "b": float("nan"), "c": None,
                                            "d": ("x", "y")}])
    assert text.splitlines() == ["a,b,c,d", "1.2346,,,x | y"]


def _analysis(reps: int = 4, **synth):
    from repsight.analysis import analyse_pose
    from repsight.config import AnalysisConfig
    from repsight.synthetic import synthesize

    seq, truth = synthesize("squat", reps, seed=3, **synth)
    return analyse_pose(seq, AnalysisConfig(exercise="squat")), truth


def test_json_round_trips_the_analysis_with_a_schema_version(tmp_path: Path) -> None:
    from repsight.export import SCHEMA_VERSION, write_json

    analysis, _ = _analysis()
    path = write_json(analysis, tmp_path / "set.json")
    data = json.loads(path.read_text())
    assert data["schema_version"] == SCHEMA_VERSION
    assert data["exercise"] == "squat" and data["config"]["exercise"] == "squat"
    assert len(data["reps"]) == len(analysis.reps) == 4
    first = analysis.reps[0]
    assert data["reps"][0]["start"] == first.start and data["reps"][0]["end"] == first.end
    assert data["tempo"][0]["concentric_s"] == pytest.approx(analysis.tempo[0].concentric_s)
    assert len(data["timestamps_s"]) == analysis.n_frames
    assert data["summary"]["reps"] == analysis.rep_count
    # Every key the schema document promises is there.
    doc = (Path(__file__).resolve().parents[1] / "docs" / "output_schema.md").read_text()
    for key in ("schema_version", "summary", "reps", "tempo", "metrics", "verdicts", "warnings"):
        assert key in data and f"`{key}`" in doc


def test_csv_has_one_row_a_rep_with_times_in_seconds(tmp_path: Path) -> None:
    import csv as _csv

    from repsight.export import write_csv

    analysis, _ = _analysis(fps=25.0)
    path = write_csv(analysis, tmp_path / "set.csv")
    with open(path, newline="") as fh:
        rows = list(_csv.DictReader(fh))
    assert [int(r["rep"]) for r in rows] == [r.index for r in analysis.reps]
    t = analysis.timestamps_s
    for row, rep, tempo in zip(rows, analysis.reps, analysis.tempo):
        assert float(row["start_s"]) == pytest.approx(t[rep.start] - t[0], abs=1e-4)
        assert float(row["concentric_s"]) == pytest.approx(tempo.concentric_s, abs=1e-4)
        assert row["tempo"] == tempo.notation()
        assert row["fully_tracked"] == "true"


def test_csv_says_which_reps_were_not_tracked_throughout(tmp_path: Path) -> None:
    # Their blank phases are not measured, not zero.
    import csv as _csv

    from helpers import pose_lost
    from repsight.analysis import analyse_pose
    from repsight.config import AnalysisConfig
    from repsight.export import write_csv
    from repsight.synthetic import plan_set, synthesize

    seq, truth = synthesize("squat", plan_set(4, eccentric_s=1.5, bottom_pause_s=0.2,
                                             concentric_s=1.0, top_pause_s=0.5))
    c = truth.reps[1].turnaround
    analysis = analyse_pose(pose_lost(seq, c - 7, c + 8), AnalysisConfig(exercise="squat"))
    with open(write_csv(analysis, tmp_path / "set.csv"), newline="") as fh:
        rows = list(_csv.DictReader(fh))
    assert [r["fully_tracked"] for r in rows] == ["true", "false", "true", "true"]
    assert rows[1]["concentric_s"] == "" and rows[1]["tempo"].startswith("?-?-?-")


def test_summary_copies_the_verdict_stages_speed_and_first_failure() -> None:
    import dataclasses

    from repsight.export import set_summary
    from repsight.types import RepMetrics, Verdict

    analysis, _ = _analysis()
    s, official = set_summary(analysis), analysis.verdict_summary
    by_rep = {m.index: m for m in analysis.metrics}
    # The verdict stage's figures, which are the rep rows': the mean of the counted reps'
    # velocities, the last rep's loss, and the RIR read off that same rep.
    assert s["mean_velocity_mps"] == official.mean_velocity_mps == pytest.approx(
        np.mean([m.mean_velocity_mps for m in analysis.metrics]))
    assert official.loss_rep == 4 and s["velocity_loss_pct"] == by_rep[4].velocity_loss_pct
    assert official.rir_estimate == by_rep[4].rir_estimate
    metrics = tuple(RepMetrics(index=r.index, mean_velocity_mps=v, velocity_loss_pct=l)
                    for r, v, l in zip(analysis.reps, (0.6, 0.5, 0.45, 0.3), (0, 16.7, 25, 50)))
    verdicts = (Verdict("tempo", 4, "slow"), Verdict("technical", 3, "lean"),
                Verdict("concentric", 4, "stuck"))
    # Without the verdict stage's own summary the first failure is the earliest rep, the
    # most decisive kind on it; no speed is claimed that no stage computed.
    s = set_summary(dataclasses.replace(analysis, metrics=metrics, verdicts=verdicts,
                                        verdict_summary=None))
    assert (s["first_failure_rep"], s["first_failure_kind"]) == (3, "technical")
    assert math.isnan(s["mean_velocity_mps"]) and math.isnan(s["velocity_loss_pct"])


def test_a_set_up_rep_is_counted_but_its_speed_is_not_the_sets() -> None:
    from repsight.analysis import analyse_pose
    from repsight.config import AnalysisConfig
    from repsight.export import set_summary
    from repsight.synthetic import plan_set, synthesize

    # Rep 1 includes settling into position: far slower than the reps after it.
    seq, _ = synthesize("squat", plan_set(6, concentric_s=[1.6] + [0.6] * 5), seed=15)
    one = analyse_pose(seq, AnalysisConfig(exercise="squat"))
    assert one.assessment.metrics.setup_reps == (1,)
    s, official = set_summary(one), one.verdict_summary
    # One count everywhere: the rep table's header, the summary line and the JSON row.
    assert s["reps"] == one.rep_count == official.n_reps == 6
    assert official.line().startswith(f"no failure detected in {one.rep_count} rep(s)")
    lifted = [m.mean_velocity_mps for m in one.metrics if m.index != 1]
    assert s["mean_velocity_mps"] == pytest.approx(np.mean(lifted))


@pytest.mark.parametrize("reps, measured", [(1, False), (2, True), (4, True)])
def test_a_lone_rep_has_no_set_velocity_loss(reps: int, measured: bool) -> None:
    # A lone rep's 0 is no loss. Two reps against a two-rep baseline: rep 2 against the
    # better of reps 1-2 is the set's loss, as its rep row, RIR and a tempo verdict read it
    # (summary.csv had it blank beside a 12 % rep row, an RIR and a tempo failure).
    from repsight.analysis import analyse_pose
    from repsight.config import AnalysisConfig
    from repsight.export import set_summary
    from repsight.synthetic import synthesize

    seq, _ = synthesize("squat", reps, seed=4, noise_px=0.5)
    s = set_summary(analyse_pose(seq, AnalysisConfig(exercise="squat")))
    assert s["reps"] == reps and math.isfinite(s["velocity_loss_pct"]) == measured


def test_the_set_velocity_loss_skips_a_rep_far_past_the_usual_range() -> None:
    """pullup_front_long's last rep (dropped off the bar as the camera tilts) reads 197 % of
    the range and 45 % loss; it is not judged, so the set's loss is the last judged rep's
    (39 %), not a loss past the hypertrophy limit beside "no failure detected"; its RIR is
    read off the same rep."""
    import dataclasses

    from repsight.analysis import analyse_pose, assess_set
    from repsight.config import AnalysisConfig
    from repsight.export import set_summary
    from repsight.profiles import get_profile
    from repsight.synthetic import synthesize

    seq, _ = synthesize("squat", 6, seed=4, noise_px=0.5)
    cfg = AnalysisConfig(exercise="squat")
    one = analyse_pose(seq, cfg)
    by_rep = {m.index: m for m in one.metrics}
    assert set_summary(one)["velocity_loss_pct"] == pytest.approx(by_rep[6].velocity_loss_pct)
    odd = (*one.reps[:-1], dataclasses.replace(one.reps[-1], rom_share=1.97))
    summary = assess_set(seq, odd, get_profile("squat"), cfg, one.tempo).summary
    assert summary.loss_rep == 5
    assert summary.velocity_loss_pct == pytest.approx(by_rep[5].velocity_loss_pct)
    assert summary.rir_estimate == by_rep[5].rir_estimate


def test_atomic_write_gives_ordinary_file_permissions(tmp_path: Path) -> None:
    import os
    import stat

    old = os.umask(0o022)
    try:
        from repsight import export

        export._umask.cache_clear()
        path = atomic_write(tmp_path / "r.csv", "a\n")
    finally:
        os.umask(old)
        export._umask.cache_clear()
    assert stat.S_IMODE(path.stat().st_mode) == 0o644  # not mkstemp's private 0600


def test_cli_analyze_writes_every_requested_output(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from repsight.cli import main
    from repsight.video import probe
    from result_helpers import good_clip

    cache = tmp_path / "cache"
    clip = good_clip(tmp_path / "set.mp4", cache, "squat", 3)
    out = tmp_path / "out"
    args = ["analyze", str(clip), "--exercise", "squat", "--cache-dir", str(cache), "-q",
            "--json", str(out / "a.json"), "--csv", str(out / "a.csv"),
            "--plot", str(out / "a.png"), "--annotate", str(out / "a.mp4"), "--max-size", "80"]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    assert json.loads((out / "a.json").read_text())["summary"]["reps"] == 3
    assert len((out / "a.csv").read_text().splitlines()) == 4
    assert (out / "a.png").read_bytes()[:4] == b"\x89PNG"
    info = probe(out / "a.mp4")
    assert (info.codec, max(info.width, info.height)) == ("h264", 80)


def test_cli_analyze_bad_output_path_fails_before_the_work(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from repsight.cli import main

    blocker = tmp_path / "file"
    blocker.write_text("x")
    missing_video = tmp_path / "never_read.mp4"  # would fail later with "not found"
    result = CliRunner().invoke(main, ["analyze", str(missing_video), "-q",
                                       "--json", str(blocker / "a.json")])
    assert result.exit_code == 1
    assert "is a file, not a folder" in result.output and "Traceback" not in result.output


def test_summary_carries_the_verdict_stages_caveats() -> None:
    import dataclasses

    from repsight.export import set_summary
    from repsight.summary import SetSummary

    analysis, _ = _analysis()
    caveat = "joint angles are noisy here"
    official = SetSummary(n_reps=4, first_failure_rep=None, kind=None, reason="",
                          reps_before=4, warnings=(caveat,))
    s = set_summary(dataclasses.replace(analysis, warnings=("a partial rep", caveat),
                                        verdict_summary=official))
    assert s["warnings"] == ["a partial rep", caveat]


def test_the_top_level_warnings_hold_every_caveat_the_summary_holds() -> None:
    """The JSON's top-level `warnings` ("caveats a coach should read") left out the verdict
    stage's (the baseline, noisy angles, too few reps) that `summary.warnings` held: a
    coach reading the top-level list missed them. Both are now the same list, and so are a
    split clip's `sets[*].warnings` and their summaries'."""
    import dataclasses

    from repsight.export import analysis_to_dict

    analysis, _ = _analysis(reps=2)
    stage = analysis.verdict_summary.warnings
    assert any(w.startswith("2 reps, no more than the 2-rep velocity baseline") for w in stage)
    data = json.loads(json.dumps(analysis_to_dict(analysis)))
    assert set(stage) <= set(data["warnings"]) and set(analysis.warnings) <= set(data["warnings"])
    assert data["warnings"] == data["summary"]["warnings"] == list(analysis.all_warnings)
    # The clip's and reps' caveats first, then the verdict stage's, each once.
    caveat = "joint angles are noisy here"
    official = dataclasses.replace(analysis.verdict_summary, warnings=(caveat, "a partial rep"))
    one = dataclasses.replace(analysis, warnings=("a partial rep",), verdict_summary=official)
    assert one.all_warnings == ("a partial rep", caveat)
    split = dataclasses.replace(one, sets=(one, dataclasses.replace(one, warnings=())))
    for entry in analysis_to_dict(split)["sets"]:
        assert entry["warnings"] == entry["summary"]["warnings"]
        assert caveat in entry["warnings"]


def _documented_fields(doc: str, heading: str) -> set[str]:
    """Field names in the first column of the table under a `### heading` of the schema doc."""
    section = doc.split(f"### `{heading}`", 1)[1].split("\n#", 1)[0]
    names: set[str] = set()
    for line in section.splitlines():
        if line.startswith("| `"):
            first = line.split("|")[1]
            names.update(n.strip().strip("`") for n in first.split(","))
    return names


def test_every_rep_has_seconds_and_the_schema_doc_lists_exactly_the_rep_fields() -> None:
    from repsight.export import analysis_to_dict

    analysis, _ = _analysis(faults={"trunk_lean_deg": [0, 0, 0, 20]})
    data = analysis_to_dict(analysis)
    t = analysis.timestamps_s
    assert data["verdicts"], "the lean on rep 4 is called, so its evidence has times"
    for entry, r in zip(data["reps"], analysis.reps):
        assert (entry["start_s"], entry["turnaround_s"], entry["end_s"]) == (
            t[r.start], t[r.turnaround], t[r.end])
        phases = entry["phases_s"]
        assert phases["eccentric"] == [t[r.eccentric[0]], t[r.eccentric[1]]]
        assert phases["concentric"] == [t[r.concentric[0]], t[r.concentric[1]]]
        # In the order they happen: each phase starts where the one before it ended.
        order = (["eccentric", "bottom_pause", "concentric", "top_pause"] if r.eccentric_first
                 else ["concentric", "top_pause", "eccentric", "bottom_pause"])
        bounds = [x for name in order for x in phases[name]]
        assert bounds == sorted(bounds) and bounds[0] == entry["start_s"]
    doc = (Path(__file__).resolve().parents[1] / "docs" / "output_schema.md").read_text()
    assert set(data["reps"][0]) == _documented_fields(doc, "reps[*]")
    assert set(data["summary"]) == _documented_fields(doc, "summary")
    for v in data["verdicts"]:
        a, b = v["evidence"]["frames"]
        assert v["evidence"]["frames_s"] == [t[a], t[b]]


def test_a_failed_output_names_the_files_already_written(tmp_path, monkeypatch) -> None:
    # A disk filling up at the annotated video printed only the error: the JSON and the
    # plot already written (whole: each is written atomically) went unmentioned.
    from repsight import annotate
    from repsight.analysis import analyse_pose
    from repsight.config import AnalysisConfig
    from repsight.errors import OutputError
    from repsight.outputs import OutputRequest, write_outputs
    from repsight.synthetic import synthesize

    seq, _ = synthesize("squat", 3, seed=4, noise_px=0.5)
    analysis = analyse_pose(seq, AnalysisConfig(exercise="squat"))

    def full(*args, **kwargs):
        raise OutputError("cannot write v.mp4: No space left on device")

    monkeypatch.setattr(annotate, "render_video", full)
    request = OutputRequest(json=tmp_path / "a.json", plot=tmp_path / "a.png",
                            annotate=tmp_path / "v.mp4", csv=tmp_path / "a.csv")
    with pytest.raises(OutputError) as err:
        write_outputs(request, "clip.mp4", analysis, seq)
    # The files after the one that failed are written too (the page and the CSV were lost
    # to a full disk at the video).
    assert str(err.value) == (f"cannot write v.mp4: No space left on device (written: "
                              f"{tmp_path / 'a.json'}, {tmp_path / 'a.csv'}, {tmp_path / 'a.png'})")
    assert all((tmp_path / f"a.{e}").is_file() for e in ("json", "csv", "png"))


def test_an_interrupt_while_writing_names_the_files_this_run_wrote(tmp_path, monkeypatch) -> None:
    # Ctrl-C while the annotated video was drawn left this run's JSON and plot beside an
    # earlier run's video and page, with only "interrupted" said.
    import click
    from click.testing import CliRunner

    from repsight import annotate
    from repsight.analysis import analyse_pose
    from repsight.cli import _friendly_errors
    from repsight.config import AnalysisConfig
    from repsight.outputs import OutputRequest, write_outputs
    from repsight.synthetic import synthesize

    seq, _ = synthesize("squat", 3, seed=4, noise_px=0.5)
    analysis = analyse_pose(seq, AnalysisConfig(exercise="squat"))

    def stopped(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(annotate, "render_video", stopped)
    request = OutputRequest(json=tmp_path / "a.json", annotate=tmp_path / "v.mp4",
                            html=tmp_path / "a.html")

    @click.command()
    @_friendly_errors
    def run() -> None:
        write_outputs(request, "clip.mp4", analysis, seq)

    result = CliRunner().invoke(run, [])
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert result.output.strip().splitlines() == [
        f"Error: interrupted; written before it: {tmp_path / 'a.json'}; the other outputs were not"]
    assert not (tmp_path / "a.html").exists()
    # Stopped before any file was whole, it is the plain interrupt.
    with pytest.raises(KeyboardInterrupt) as err:
        write_outputs(OutputRequest(annotate=tmp_path / "v.mp4"), "clip.mp4", analysis, seq)
    assert str(err.value) == ""


def test_the_csv_carries_the_fault_readings_the_verdicts_were_called_on(tmp_path: Path) -> None:
    import csv as _csv

    from repsight.drift import shown_drift
    from repsight.export import write_csv

    analysis, _ = _analysis(faults={"trunk_lean_deg": [0, 0, 12, 18]})
    with open(write_csv(analysis, tmp_path / "set.csv"), newline="") as fh:
        rows = list(_csv.DictReader(fh))
    lean = analysis.assessment.metrics.drift.faults["trunk_lean"]
    for k, row in enumerate(rows):
        assert float(row["form_trunk_lean_deg"]) == pytest.approx(
            shown_drift(lean.toward_deg[k], lean.stricter_deg[k]), abs=1e-3)
        assert float(row["form_trunk_lean_threshold_deg"]) == pytest.approx(lean.threshold_deg, abs=1e-3)
    called = [row["rep"] for row in rows if "technical" in row["failure"]]
    # (a lasting fault may be called from the rep it begins on, under the threshold)
    assert called and max(float(rows[int(k) - 1]["form_trunk_lean_deg"]) for k in called) > lean.threshold_deg


def test_an_output_in_a_missing_subfolder_of_an_unwritable_folder_is_refused_up_front(
        tmp_path: Path, monkeypatch) -> None:
    # `--plot ro/sub/p.png` passed the check (only an existing parent was looked at) and
    # failed after the whole analysis.
    import os

    from repsight.errors import OutputError
    from repsight.outputs import check_output_file

    ro = tmp_path / "ro"
    ro.mkdir()
    real = os.access
    monkeypatch.setattr(os, "access", lambda p, mode, **kw: False if Path(p) == ro else real(p, mode, **kw))
    for out in (ro / "p.png", ro / "sub" / "deeper" / "p.png"):
        with pytest.raises(OutputError, match=f"cannot write {out}: {ro} cannot be written in"):
            check_output_file(out)
    check_output_file(tmp_path / "sub" / "p.png")  # a writable folder's missing subfolder
