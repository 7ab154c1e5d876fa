"""repsight history: progress over sessions from batch results folders of synthetic sets."""

from __future__ import annotations

import csv
import dataclasses
import io
import json
import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from repsight.analysis import analyse_pose
from repsight.cli import main
from repsight.config import AnalysisConfig
from repsight.export import analysis_to_dict
from repsight.history import (
    MIN_DISTINCT_LOADS,
    group_sets,
    linear_fit,
    load_results,
    profile_text,
    set_records,
)
from repsight.sessions import Session
from repsight.synthetic import make_squat_set


def squat_doc(concentric_s: float | list[float], *, failed_rep: int | None = None, n_reps: int = 5,
              session: Session | None = None, seed: int = 0) -> dict:
    """The clip JSON of a synthetic side-view squat set, as batch writes it."""
    truth = make_squat_set(n_reps=n_reps, seed=seed, concentric_s=concentric_s,
                           failed_rep=failed_rep, size=(320, 180), px_per_m=60)
    analysis = analyse_pose(truth.seq, AnalysisConfig(exercise="squat"))
    # Through JSON text, as history reads it from disk.
    return json.loads(json.dumps(analysis_to_dict(analysis, session=session)))


def put(results: Path, clip: str, doc: dict) -> None:
    """A clip folder of a batch results folder: <clip>/<stem>.json and its manifest.json."""
    folder = results / clip
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{Path(clip).name}.json").write_text(json.dumps(doc))
    (folder / "manifest.json").write_text('{"format": 1, "complete": true}')


def written_at(results: Path, when: float) -> None:
    """Every clip JSON under a results folder as written at `when` (seconds since 1970)."""
    for path in results.rglob("*.json"):
        os.utime(path, (when, when))


@pytest.fixture(scope="module")
def docs() -> dict[str, dict]:
    """Ana: three weekly sets at rising loads (slower concentrics); week 3 reaches failure."""
    ana = {"w1": (1, "2026-11-02", 80.0, 0.55, None), "w2": (2, "2026-11-09", 90.0, 0.70, None),
           "w3": (3, "2026-11-16", 100.0, 0.90, 5)}
    out = {k: squat_doc(con, failed_rep=fail, session=Session(athlete="Ana", date=date,
                                                               load_kg=load), seed=seed)
           for k, (seed, date, load, con, fail) in ana.items()}
    out["ben"] = squat_doc(0.6, session=Session(athlete="Ben", date="2026-11-09", load_kg=120.0))
    return out


def test_sets_are_grouped_per_athlete_in_date_order_across_results_folders(
        docs: dict[str, dict], tmp_path: Path) -> None:
    # Week 3's folder is given first: the order of the sets comes from their dates.
    put(tmp_path / "week3", "ana/squat", docs["w3"])
    put(tmp_path / "week1", "ana/squat", docs["w1"])
    put(tmp_path / "week1", "ben/squat", docs["ben"])
    put(tmp_path / "week2", "ana/squat", docs["w2"])
    records, warnings = load_results([tmp_path / "week3", tmp_path / "week1", tmp_path / "week2"])
    assert warnings == ()
    ana, ben = group_sets(records)
    assert (ana.athlete, ana.exercise, ben.athlete) == ("Ana", "squat", "Ben")
    assert [s.date for s in ana.sets] == ["2026-11-02", "2026-11-09", "2026-11-16"]
    assert [s.load_kg for s in ana.sets] == [80.0, 90.0, 100.0]
    for s, key in zip(ana.sets, ("w1", "w2", "w3")):
        summary = docs[key]["summary"]
        assert s.reps == summary["reps"]
        assert s.mean_velocity_mps == pytest.approx(summary["mean_velocity_mps"])
        assert s.best_velocity_mps == max(m["mean_velocity_mps"] for m in docs[key]["metrics"])
        assert s.rpe_estimate == summary["rpe_estimate"] and s.row()["rpe_estimate"] == s.rpe_estimate
    # Week 3's rep 5 stalled: rep 4 had no rep in reserve, RPE 10.
    assert ana.sets[2].rpe_estimate == 10.0
    # Slower concentrics at heavier loads: the best rep slows week by week.
    best = [s.best_velocity_mps for s in ana.sets]
    assert best[0] > best[1] > best[2]
    assert ana.sets[2].concentric_failure_rep == 5 and ana.sets[2].reps == 4
    assert ana.sets[0].concentric_failure_rep is None
    # Three loads: Ana's own load-velocity line falls, fits well, and says on how much.
    fit = ana.profile.fit
    assert fit is not None and fit.n == 3 and ana.profile.distinct_loads == 3
    assert fit.slope < 0 and fit.r2 > 0.9
    assert fit.at(90.0) == pytest.approx(best[1], abs=0.05)
    # One load for Ben: refused, with the reason.
    assert ben.profile.fit is None
    assert ben.profile.refused == (f"needs sets at {MIN_DISTINCT_LOADS}+ distinct loads with a "
                                   "velocity; has 1 (120 kg)")
    # One set to failure is not enough to calibrate Ana's velocity at failure.
    assert ana.calibration.velocity_at_failure_mps is None
    assert ana.calibration.refused.startswith("1 set(s) ended in concentric failure")


def test_velocity_at_failure_and_rir_are_calibrated_from_three_sets_to_failure() -> None:
    sets = []
    for k, con in enumerate((0.6, 0.65, 0.7)):
        # Each rep's concentric 12 % slower than the one before, the sixth stalls.
        doc = squat_doc([con * 1.12 ** r for r in range(6)], failed_rep=6, n_reps=6, seed=k,
                        session=Session(athlete="Cy", date=f"2026-12-0{k + 1}", load_kg=100.0))
        sets += set_records(doc, label="w", clip=f"cy/s{k}")
    (cy,) = group_sets(sets)
    cal = cy.calibration
    last = sorted(s.rep_velocities[-1] for s in cy.sets)
    assert cal.sets == 3 and cal.velocity_at_failure_mps == last[1]  # the median
    assert cal.velocity_range_mps == (last[0], last[2])
    # Faster reps have more in reserve; the last completed rep of each set has none.
    assert cal.rir_fit is not None and cal.rir_fit.slope > 0 and cal.rir_fit.n == 15
    assert cal.rir_fit.at(cal.velocity_at_failure_mps) == pytest.approx(0, abs=1.0)
    assert cal.rir_fit.r2 > 0.5
    # Loads all equal: no load-velocity line, so no 1RM either.
    assert cy.profile.fit is None and cy.profile.one_rm_kg is None


def test_one_rm_is_read_at_the_stated_threshold_only_from_a_falling_line() -> None:
    from repsight.history import SetRecord, load_velocity_profile

    def rec(load: float, v: float) -> SetRecord:
        return SetRecord("A", "squat", "d", "", load, 5, v, v, 10.0, None, "", None, (v,), "c", "r")

    lv = load_velocity_profile([rec(60, 0.9), rec(80, 0.7), rec(100, 0.5)], mvt_mps=0.3)
    assert lv.fit.slope == pytest.approx(-0.01) and lv.fit.r2 == pytest.approx(1.0)
    assert lv.one_rm_kg == pytest.approx(120.0) and lv.mvt_source == "given"
    # A set whose verdicts were withheld (a picture on its side, read on the wrong axis)
    # is not a point of the line.
    sideways = dataclasses.replace(rec(80, 0.32), verdicts_withheld="the picture looks turned")
    kept = load_velocity_profile([rec(60, 0.9), rec(80, 0.7), sideways, rec(100, 0.5)], mvt_mps=0.3)
    assert kept.points == lv.points and kept.one_rm_kg == pytest.approx(120.0)
    rising = load_velocity_profile([rec(60, 0.5), rec(80, 0.7), rec(100, 0.9)], mvt_mps=0.3)
    assert rising.fit is None and "does not fall" in rising.refused
    assert linear_fit([1.0, 1.0], [2.0, 3.0]) is None
    # A weak line (load explains little of the velocity) gives no 1RM, and says why.
    weak = load_velocity_profile([rec(60, 0.9), rec(60, 0.5), rec(80, 0.8), rec(100, 0.6)],
                                 mvt_mps=0.3)
    assert weak.fit is not None and weak.weak and weak.one_rm_kg is None
    assert profile_text(weak).endswith("no 1RM from a weak line (needs r² >= 0.8)")
    # A threshold the athlete's line crosses below a load already lifted gives no 1RM.
    low = load_velocity_profile([rec(60, 0.9), rec(80, 0.7), rec(100, 0.5)], mvt_mps=0.75)
    assert low.fit is not None and low.one_rm_kg is None
    assert profile_text(low).endswith("no 1RM: the line gives 75 kg at 0.75 m/s, below the "
                                      "100 kg already lifted (a threshold too high for this "
                                      "athlete, or velocities off)")
    # No set has a load (no manifest): the reason says where loads come from, not "none kg".
    unloaded = SetRecord("A", "squat", "d", "", None, 5, 0.8, 0.8, 10.0, None, "", None, (0.8,),
                         "c", "r")
    assert load_velocity_profile([unloaded]).refused.endswith(
        "has none: give load_kg per clip in the batch's manifest.csv")


def test_an_athlete_spelt_in_another_case_is_the_same_athlete() -> None:
    from repsight.history import SetRecord, group_sets

    def rec(who: str, date: str) -> SetRecord:
        return SetRecord(who, "squat", date, date, 80.0, 5, 0.6, 0.5, 10.0, None, "", None,
                         (0.6,), f"{date}.mp4", "r")

    (one,) = group_sets([rec("ben", "2026-11-01"), rec("Ben ", "2026-11-08"),
                         rec("Ben", "2026-11-15")])
    assert one.athlete == "Ben" and [s.date for s in one.sets] == \
        ["2026-11-01", "2026-11-08", "2026-11-15"]
    assert group_sets([rec("ben", "2026-11-01")], athlete="  BEN")[0].athlete == "ben"
    # A Mac's folder spells "ë" as "e" and a combining mark; typed, it is one character.
    zoe = group_sets([rec("Zoe\u0308", "2026-12-07"), rec("Zo\u00eb", "2026-12-14")],
                     athlete="Zo\u00eb")
    assert len(zoe) == 1 and len(zoe[0].sets) == 2 and zoe[0].athlete == "Zo\u00eb"
    # The CSV names the athlete as the group does, so a spreadsheet filter finds all three.
    from repsight.history import history_csv

    rows = list(csv.DictReader(io.StringIO(history_csv([one]))))
    assert [r["athlete"] for r in rows] == ["Ben", "Ben", "Ben"]
    # One spelling across the athlete's exercises too: "Ben · deadlift" was shown beside
    # "ben · squat" when the deadlifts came from a manifest and the squats from folders.
    def lift(who: str, date: str) -> SetRecord:
        return dataclasses.replace(rec(who, date), exercise="deadlift")

    groups = group_sets([rec("ben", "2026-11-01"), rec("ben", "2026-11-08"),
                         lift("Ben", "2026-11-02"), lift("Ben", "2026-11-09"),
                         lift("Ben", "2026-11-16")])
    assert [(h.athlete, h.exercise) for h in groups] == [("Ben", "deadlift"), ("Ben", "squat")]
    assert group_sets([rec("ben", "2026-11-01"), lift("Ben", "2026-11-02"), lift("Ben", "2026-11-09")],
                      exercise="squat")[0].athlete == "Ben"


def test_results_without_a_session_block_take_the_athlete_from_the_path(
        docs: dict[str, dict], tmp_path: Path) -> None:
    old = dict(docs["ben"], schema_version="1.4")
    del old["session"]
    put(tmp_path / "r", "zoe/2026-10-01_squat", old)
    (tmp_path / "r" / "notes.json").write_text('{"not": "ours"}')
    records, warnings = load_results([tmp_path / "r"])
    (rec,) = records
    assert (rec.athlete, rec.date, rec.session, rec.load_kg) == ("zoe", "2026-10-01", "2026-10-01", None)
    assert warnings == (f"skipped notes.json in {tmp_path / 'r'}: not a repsight clip result (schema 1.x)",)


def test_a_results_folder_given_twice_counts_each_set_once(docs: dict[str, dict],
                                                          tmp_path: Path) -> None:
    put(tmp_path / "all" / "week1", "ana/squat", docs["w1"])
    put(tmp_path / "all" / "week2", "ana/squat", docs["w2"])
    once, none = load_results([tmp_path / "all"])
    assert len(once) == 2 and none == ()
    twice, warnings = load_results([tmp_path / "all", tmp_path / "all" / "week1", tmp_path / "all"])
    assert [(r.date, r.load_kg) for r in twice] == [(r.date, r.load_kg) for r in once]
    assert warnings == (
        f"1 clip result(s) in {tmp_path / 'all' / 'week1'} were already read from another folder "
        "given (the same folder twice, or one inside another): each is counted once",
        f"2 clip result(s) in {tmp_path / 'all'} were already read from another folder given "
        "(the same folder twice, or one inside another): each is counted once")
    # A folder's own warning, the folder given twice: said once.
    (tmp_path / "empty").mkdir()
    _, warnings = load_results([tmp_path / "empty", tmp_path / "empty"])
    assert len(warnings) == 1 and warnings[0].startswith(f"no clip results in {tmp_path / 'empty'}")


def test_the_same_video_under_another_name_counts_once(docs: dict[str, dict],
                                                        tmp_path: Path) -> None:
    """A clip renamed between two batches leaves its old results folder behind, and a copied
    results folder holds every clip again: the video's hash makes each one set."""
    put(tmp_path / "w4", "eve/front_raise", dict(docs["w1"], content_hash="c0ffee"))
    put(tmp_path / "w4", "eve/raise", dict(docs["w1"], content_hash="c0ffee"))
    put(tmp_path / "w4", "eve/squat", dict(docs["w2"], content_hash="beef"))
    put(tmp_path / "backup", "eve/squat", dict(docs["w2"], content_hash="beef"))
    for results in ("w4", "backup"):  # the copies alike in every way: the first read counts
        written_at(tmp_path / results, 1_700_000_000)
    records, warnings = load_results([tmp_path / "w4", tmp_path / "backup"])
    assert len(records) == 2
    first = "they were read first (neither holds more session details or is newer)"
    assert warnings == (
        f"1 clip result(s) in {tmp_path / 'w4'} are of the same video as results under another "
        f"name in the same folder, which are counted instead as {first}: eve/raise (the video "
        "of eve/front_raise)",
        f"1 clip result(s) in {tmp_path / 'backup'} are of the same video as results of the "
        f"same name in {tmp_path / 'w4'}, which are counted instead as {first}: eve/squat")
    # The clips the batch's summary lists are the ones kept: a result it does not list was
    # left behind by a rename, or by a clip deleted since, whatever the names' order.
    (tmp_path / "w4" / "summary.csv").write_text(
        "clip,status,results\neve/raise.mp4,ok,eve/raise\neve/squat.mp4,ok,eve/squat\n")
    records, warnings = load_results([tmp_path / "w4"])
    assert len(records) == 2
    assert warnings == (f"1 clip result(s) in {tmp_path / 'w4'} are not in its summary.csv "
                        "(their clips were deleted or renamed before the last batch) and are "
                        "not shown: eve/front_raise",)
    (tmp_path / "w4" / "summary.csv").write_text("clip,status,results\neve/raise.mp4,ok,eve/raise\n")
    assert [r.clip for r in load_results([tmp_path / "w4"])[0]] == ["eve/raise"]
    # Results written before the hash was kept are read as they are.
    put(tmp_path / "old", "eve/a", docs["w1"])
    put(tmp_path / "old", "eve/b", docs["w1"])
    assert len(load_results([tmp_path / "old"])[0]) == 2


@pytest.mark.parametrize("order", ["plain first", "manifest first"])
def test_a_week_batched_again_with_a_manifest_counts_its_athlete_and_loads(
        order: str, docs: dict[str, dict], tmp_path: Path) -> None:
    """A coach re-runs a week with a manifest and keeps the first results folder: the same
    clips, same names, once without a session and once with the athlete, date and loads.
    The manifest's copies count whichever folder is given first, even when the plain ones
    were written later, and the warning says which were dropped and why."""
    dan = {"week1/deadlift_1": (docs["w1"], 100.0, "d1"), "week1/deadlift_2": (docs["w2"], 120.0, "d2")}
    for clip, (doc, load, digest) in dan.items():
        put(tmp_path / "res_w1", clip, dict(doc, content_hash=digest, session=Session(
            athlete="Dan", date="2026-11-02", load_kg=load).to_dict()))
        put(tmp_path / "res1", clip, dict(doc, content_hash=digest, session=None))
    written_at(tmp_path / "res_w1", 1_700_000_000)
    written_at(tmp_path / "res1", 1_700_000_100)
    folders = [tmp_path / "res1", tmp_path / "res_w1"]
    records, warnings = load_results(folders if order == "plain first" else folders[::-1])
    assert sorted((r.athlete, r.load_kg, r.date, r.results) for r in records) == [
        ("Dan", 100.0, "2026-11-02", str(tmp_path / "res_w1")),
        ("Dan", 120.0, "2026-11-02", str(tmp_path / "res_w1"))]
    assert warnings == (
        f"2 clip result(s) in {tmp_path / 'res1'} are of the same videos as results of the same "
        f"name in {tmp_path / 'res_w1'}, which are counted instead as they hold more of the "
        "coach's session details (athlete, date, load): week1/deadlift_1, week1/deadlift_2",)


def test_of_equally_detailed_results_of_one_video_the_manifests_then_the_newer_counts(
        docs: dict[str, dict], tmp_path: Path) -> None:
    """Results of one video that hold as many session details: a manifest's over the path's,
    then the one made by a newer repsight, then the one written later (a load corrected in
    the manifest and the week batched again into another folder)."""
    ana = Session(athlete="Ana", date="2026-11-02", load_kg=80.0)
    put(tmp_path / "path", "ana/2026-11-02_squat_80kg", dict(
        docs["w1"], content_hash="a1", session=dataclasses.replace(ana, source="path").to_dict()))
    put(tmp_path / "sheet", "ana/squat", dict(docs["w1"], content_hash="a1", session=ana.to_dict()))
    put(tmp_path / "old", "ana/squat", dict(docs["w2"], content_hash="a2", session=ana.to_dict()))
    put(tmp_path / "new", "ana/squat", dict(docs["w2"], content_hash="a2", schema_version="1.18",
                                            session=dataclasses.replace(ana, load_kg=85.0).to_dict()))
    put(tmp_path / "fixed", "ana/squat", dict(docs["w2"], content_hash="a2", schema_version="1.18",
                                              session=dataclasses.replace(ana, load_kg=90.0).to_dict()))
    for k, results in enumerate(("sheet", "path", "fixed", "new", "old")):
        written_at(tmp_path / results, 1_700_000_000 - 100 * k)
    records, warnings = load_results([tmp_path / f for f in ("path", "sheet", "new", "fixed")])
    assert sorted((r.results, r.load_kg) for r in records) == [
        (str(tmp_path / "fixed"), 90.0), (str(tmp_path / "sheet"), 80.0)]
    assert warnings == (
        f"1 clip result(s) in {tmp_path / 'path'} are of the same video as results under another "
        f"name in {tmp_path / 'sheet'}, which are counted instead as their session details are "
        "a manifest's, not read off the clip's path: ana/2026-11-02_squat_80kg (the video of "
        "ana/squat)",
        f"1 clip result(s) in {tmp_path / 'new'} are of the same video as results of the same "
        f"name in {tmp_path / 'fixed'}, which are counted instead as they were written later: "
        "ana/squat")
    records, warnings = load_results([tmp_path / "fixed", tmp_path / "old"])
    assert [r.load_kg for r in records] == [80.0]
    assert warnings == (
        f"1 clip result(s) in {tmp_path / 'fixed'} are of the same video as results of the same "
        f"name in {tmp_path / 'old'}, which are counted instead as they were made by a newer "
        "repsight: ana/squat",)


def test_history_command_prints_trends_and_writes_csv_and_html(
        docs: dict[str, dict], tmp_path: Path) -> None:
    put(tmp_path / "week1", "ana/squat", docs["w1"])
    put(tmp_path / "week1", "ben/squat", docs["ben"])
    put(tmp_path / "week2", "ana/squat", docs["w2"])
    put(tmp_path / "week3", "ana/squat", docs["w3"])
    weeks = [str(tmp_path / w) for w in ("week1", "week2", "week3")]
    page, table = tmp_path / "history.html", tmp_path / "history.csv"
    result = CliRunner().invoke(main, ["history", *weeks, "--html", str(page), "--csv", str(table)],
                                terminal_width=160)
    assert result.exit_code == 0, result.output
    out = result.output
    assert "Ana: squat" in out and "Ben: squat" in out
    assert out.index("2026-11-02") < out.index("2026-11-09") < out.index("2026-11-16")
    assert "load-velocity profile: v = " in out and "3 sets at 3 loads" in out
    assert "not fitted: needs sets at 3+ distinct loads" in out  # Ben
    assert "┃ goal " in out  # the goal each set was judged for (the page and the CSV have it)
    rows = list(csv.DictReader(io.StringIO(table.read_text())))
    assert [(r["athlete"], r["date"], r["load_kg"]) for r in rows] == [
        ("Ana", "2026-11-02", "80.0"), ("Ana", "2026-11-09", "90.0"), ("Ana", "2026-11-16", "100.0"),
        ("Ben", "2026-11-09", "120.0")]
    assert rows[2]["concentric_failure_rep"] == "5"
    html = page.read_text()
    assert html.count('<section class="athlete">') == 2 and html.count('<tr class="set') == 4
    assert "<polyline" in html and 'stroke="#c0392b"' in html  # trend, and Ana's fitted line

    only = CliRunner().invoke(main, ["history", *weeks, "--athlete", "ben"])
    assert only.exit_code == 0 and "Ana" not in only.output and "Ben: squat" in only.output
    # An exercise alias, as the manifest and --exercise take it, finds its profile's sets.
    alias = CliRunner().invoke(main, ["history", *weeks, "--athlete", "ben", "--exercise", "back_squat"])
    assert alias.exit_code == 0 and "Ben: squat" in alias.output, alias.output
    with_mvt = CliRunner().invoke(main, ["history", *weeks, "--athlete", "ana", "--mvt", "0.2"],
                                  terminal_width=200)
    assert "estimated 1RM" in with_mvt.output and "at 0.20 m/s (given)" in with_mvt.output
    # A name the results do not hold: the ones they do are named.
    nobody = CliRunner().invoke(main, ["history", *weeks, "--athlete", "Zed"], terminal_width=200)
    assert nobody.exit_code == 1 and "no sets found for athlete 'Zed'" in nobody.output
    assert "there: athletes Ana, Ben; exercises squat" in nobody.output


def test_history_bad_inputs_are_one_line(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["history", str(tmp_path / "nowhere")])
    assert result.exit_code == 1 and result.output.startswith("Error: not a results folder")
    (tmp_path / "empty").mkdir()
    result = CliRunner().invoke(main, ["history", str(tmp_path / "empty")])
    assert result.exit_code == 1 and "no sets found" in result.output
    assert "Traceback" not in result.output
    assert f"run `repsight batch CLIPS -o {tmp_path / 'empty'}` first" in result.output
    # A folder of videos given by mistake: not "batch ... -o <the clips folder>".
    (tmp_path / "clips" / "ana").mkdir(parents=True)
    (tmp_path / "clips" / "ana" / "squat.mp4").write_bytes(b"")
    result = CliRunner().invoke(main, ["history", str(tmp_path / "clips")])
    assert f"it holds videos: run `repsight batch {tmp_path / 'clips'} -o RESULTS`" in result.output


def test_rir_line_is_refused_when_velocity_does_not_fall_towards_failure() -> None:
    from repsight.history import SetRecord, failure_calibration

    flat = [SetRecord("A", "squat", "d", "", 100.0, 4, 0.5, 0.5, 0.0, 5, "concentric", 5,
                      (0.5, 0.52, 0.5, 0.52), f"c{k}", "r") for k in range(3)]
    cal = failure_calibration(flat)
    assert cal.velocity_at_failure_mps == 0.52 and cal.rir_fit is None
    assert cal.refused == "RIR line not fitted: velocity does not fall as failure nears"


def test_history_never_writes_into_the_results_it_reads(docs: dict[str, dict], tmp_path: Path) -> None:
    put(tmp_path / "week1", "ana/squat", docs["w1"])
    clip_json = next((tmp_path / "week1").rglob("*.json"))
    before = clip_json.read_bytes()
    for args in (["--csv", str(clip_json)], ["--html", str(tmp_path / "week1" / "index.html")],
                 ["--html", str(tmp_path / "h.x"), "--csv", str(tmp_path / "h.x")]):
        result = CliRunner().invoke(main, ["history", str(tmp_path / "week1"), *args])
        assert result.exit_code == 1 and "Traceback" not in result.output, result.output
    assert clip_json.read_bytes() == before
    assert not (tmp_path / "week1" / "index.html").exists()


def test_a_malformed_clip_result_is_skipped_with_a_warning(docs: dict[str, dict], tmp_path: Path) -> None:
    put(tmp_path / "week1", "ana/squat", docs["w1"])
    bad = tmp_path / "week1" / "odd" / "odd.json"
    bad.parent.mkdir(parents=True)
    bad.write_text(json.dumps({"schema_version": "1.5", "summary": {}, "reps": 5}))
    result = CliRunner().invoke(main, ["history", str(tmp_path / "week1")])
    assert result.exit_code == 0 and "Traceback" not in result.output, result.output
    assert "skipped odd/odd.json" in result.output and "Ana: squat" in result.output


def test_clips_that_failed_in_the_batch_are_named_not_silently_left_out(
        docs: dict[str, dict], tmp_path: Path) -> None:
    put(tmp_path / "week1", "ana/squat", docs["w1"])
    (tmp_path / "week1" / "summary.csv").write_text(
        "clip,status,error,results\nana/squat.mp4,error,partial results written,ana/squat\n"
        "ben/broken.mp4,error,corrupt or truncated video,ben/broken\n")
    _, warnings = load_results([tmp_path / "week1"])
    # The truncated clip's partial results are shown, and said to be partial.
    assert warnings == (f"1 clip(s) in {tmp_path / 'week1'} are marked errors in its "
                        "summary.csv (a truncated or damaged file, or a refused re-run) but "
                        "hold results, shown as they are (ana/squat.mp4)",
                        f"1 clip(s) in {tmp_path / 'week1'} failed in the batch and are not "
                        "shown (ben/broken.mp4; see its summary.csv)")


def test_each_set_carries_its_goal_and_warnings_and_charts_start_at_zero(docs: dict[str, dict]) -> None:
    """A coach judging a trend needs the goal a set was judged for (a power set's tempo
    failure is no strength set's) and what made its numbers rough; a load-velocity chart
    whose line ran below 0 m/s had its axis start at -0.06."""
    from repsight.history import SetRecord, history_csv, load_velocity_profile, profile_chart, set_records

    doc = dict(docs["ben"], config={**docs["ben"].get("config", {}), "goal": "power"})
    doc["summary"] = {**doc["summary"], "warnings": ["oblique camera view: drift approximate"]}
    (rec,) = set_records(doc, label="week1", clip="ben/squat")
    assert rec.goal == "power" and rec.warnings == ("oblique camera view: drift approximate",)
    (row,) = csv.DictReader(io.StringIO(history_csv(group_sets([rec]))))
    assert row["goal"] == "power" and row["warnings"] == "oblique camera view: drift approximate"

    def at(load: float, v: float) -> SetRecord:
        return SetRecord("A", "squat", "d", "", load, 5, v, v, 10.0, None, "", None, (v,), "c", "r")

    lv = load_velocity_profile([at(60, 0.5), at(100, 0.25), at(140, 0.02)], mvt_mps=0.3)
    chart = profile_chart(lv)
    assert float(chart["yticks"][0]["text"]) == 0.0
    assert chart["line"]["y2"] <= chart["h"] - chart["pad"] + 1e-6


def test_a_session_read_off_the_path_is_read_again_by_todays_rule(docs: dict[str, dict],
                                                                   tmp_path: Path) -> None:
    """Results written when an "ana/squats/" folder was read as the athlete "squats" join
    Ana's; a manifest's session is kept as written."""
    by_path = dict(docs["ben"], session={"athlete": "squats", "date": "2026-10-01",
                                         "source": "path"})
    by_manifest = dict(docs["ben"], session={"athlete": "Coach's pick", "date": "2026-10-08",
                                             "source": "manifest"})
    put(tmp_path / "r", "ana/squats/2026-10-01_set1", by_path)
    put(tmp_path / "r", "ana/Squat 2/2026-10-02_set1",
        dict(docs["ben"], session={"athlete": "Squat 2", "date": "2026-10-02", "source": "path"}))
    put(tmp_path / "r", "ana/squats/2026-10-08_set1", by_manifest)
    records, _ = load_results([tmp_path / "r"])
    assert sorted((r.athlete, r.date) for r in records) == [("Coach's pick", "2026-10-08"),
                                                             ("ana", "2026-10-01"),
                                                             ("ana", "2026-10-02")]


def test_a_path_session_named_for_an_athlete_is_kept_whatever_folder_history_reads(
        docs: dict[str, dict], tmp_path: Path) -> None:
    """Only the old exercise-folder athlete is read again: a results sub-folder given to
    history (no athlete folder above the clip any more) keeps the stored athlete."""
    kept = dict(docs["ben"], session={"athlete": "ana", "date": "2026-10-01", "source": "path"})
    put(tmp_path / "r", "squats/2026-10-01_set1", kept)
    (rec,) = load_results([tmp_path / "r"])[0]
    assert (rec.athlete, rec.date) == ("ana", "2026-10-01")


def test_a_withheld_set_a_one_rep_set_and_a_week_folder_read_as_such(tmp_path):
    # History said "none" (no failure found) for a set nobody judged, and named undated
    # week1 and week2 sessions after the results folder ("results", twice).
    from repsight.history import set_records

    def doc(reps, withheld=None):
        return {"schema_version": "1.21", "exercise": "pushup",
                "summary": {"reps": reps, "first_failure_rep": None, "first_failure_kind": None,
                            "verdicts_withheld": withheld, "warnings": []}}

    (judged,) = set_records(doc(6), label="results", clip="ben/week1/pushups")
    (odd,) = set_records(doc(6, "the movement does not look like a squat"), label="results",
                         clip="ben/week2/pushups")
    (one,) = set_records(doc(1), label="results", clip="ben/pushups")
    (none,) = set_records(doc(0), label="results", clip="ben/cut")
    assert [r.failure_text() for r in (judged, odd, one, none)] == ["none", "withheld", "one rep",
                                                                    "no reps"]
    assert (judged.session, odd.session, one.session) == ("week1", "week2", "results")
    assert odd.row()["verdicts_withheld"] == "the movement does not look like a squat"


def test_undated_sessions_and_clips_count_their_numbers(docs: dict[str, dict]) -> None:
    """A coach's tenth week comes after the ninth: numbered session and clip names are
    ordered as numbers, on the table, the CSV and the chart (as strings, week10 stood
    between week1 and week9)."""
    doc = {k: v for k, v in docs["ben"].items() if k != "session"}
    sets = [rec for label in ("week10", "week9", "week1", "week2")
            for rec in set_records(doc, label=label, clip=f"ben/{label}/squat")]
    sets += set_records(doc, label="week9", clip="ben/week9/squat_10")
    sets += set_records(doc, label="week9", clip="ben/week9/squat_2")
    (ben,) = group_sets(sets)
    assert [(s.session, s.clip.rsplit("/", 1)[-1]) for s in ben.sets] == [
        ("week1", "squat"), ("week2", "squat"), ("week9", "squat"), ("week9", "squat_2"),
        ("week9", "squat_10"), ("week10", "squat")]


def test_history_of_one_athletes_folder_names_sessions_by_their_own_folders(docs: dict[str, dict]) -> None:
    """`history results/all/ben` (one athlete's folder of a results folder): undated sets
    are named by their week folders, as from results/all, not all after the athlete."""
    doc = {**docs["ben"], "session": {**docs["ben"]["session"], "date": "", "athlete": "ben"}}
    (one,) = set_records(doc, label="ben", clip="week1/deadlift_80kg")
    (two,) = set_records(doc, label="all", clip="ben/week2/deadlift_100kg")
    assert (one.session, two.session) == ("week1", "week2")
    (same,) = set_records(doc, label="all", clip="ben/deadlift")
    assert same.session == "all"
    # One folder that is the athlete's under another spelling (a manifest's "Ana Silva"
    # beside the folder "ana") is no session: the results folder still names it.
    named = {**doc, "session": {**doc["session"], "athlete": "Ana Silva", "source": "manifest"}}
    assert [r.session for r in set_records(named, label="week1", clip="ana/squat")] == ["week1"]


def test_one_video_filed_under_two_athletes_is_named_as_a_mistake(docs: dict[str, dict],
                                                                  tmp_path: Path) -> None:
    """Zoë's set dropped by mistake into Ana's folder of another week: counted once, and
    the warning says the copies disagree on who lifted (it only said which was left out)."""
    put(tmp_path / "all", "zoe/week1/pushup", dict(docs["w1"], content_hash="z1", session=Session(
        athlete="Zoë", source="path").to_dict()))
    put(tmp_path / "w48", "ana/extra_pushup", dict(docs["w1"], content_hash="z1", session=Session(
        athlete="ana", source="path").to_dict()))
    written_at(tmp_path / "all", 1_700_000_000)
    written_at(tmp_path / "w48", 1_700_000_100)
    records, warnings = load_results([tmp_path / "all", tmp_path / "w48"])
    assert len(records) == 1
    assert ("ana/extra_pushup and zoe/week1/pushup (" + str(tmp_path / "all") + ") are one video "
            "filed under two athletes, 'ana' (counted) and 'Zoë': one of them did not lift it; "
            "correct the folder or the manifest") in warnings
    # A copy with no athlete beside one with it is no such mistake.
    put(tmp_path / "plain", "pushup", dict(docs["w1"], content_hash="z1", session=None))
    _, warnings = load_results([tmp_path / "w48", tmp_path / "plain"])
    assert not any("two athletes" in w for w in warnings)


def test_sets_scaled_to_metres_in_different_ways_are_flagged(docs: dict[str, dict],
                                                            tmp_path: Path) -> None:
    """One week's clip given the lifter's height, the next read from limb lengths: the
    same video read 0.30 and 0.38 m/s that way, so the table says the sets were scaled
    differently (it said nothing, and fitted a load-velocity line through them)."""
    from repsight.history import scale_text

    def scaled(doc: dict, method: str) -> dict:
        out = json.loads(json.dumps(doc))
        out["assessment"]["metrics"]["scale"]["method"] = method
        return out

    put(tmp_path / "w1", "ana/squat", scaled(docs["w1"], "height"))
    put(tmp_path / "w2", "ana/squat", scaled(docs["w2"], "limbs"))
    (ana,) = group_sets(load_results([tmp_path / "w1", tmp_path / "w2"])[0])
    assert [s.scale_method for s in ana.sets] == ["height", "limbs"]
    assert scale_text(ana.sets) == (
        "velocities scaled to metres in different ways (1 from a given height, 1 from the "
        "lifter's limb lengths): compare sets scaled alike; give the lifter's height (manifest "
        "height_m or --height) for every set")
    assert scale_text(ana.sets[:1]) == ""
    out = CliRunner().invoke(main, ["history", str(tmp_path / "w1"), str(tmp_path / "w2"),
                                    "--html", str(tmp_path / "p.html")], terminal_width=200)
    assert "note: velocities scaled to metres in different ways" in out.output
    assert "velocities scaled to metres in different ways" in (tmp_path / "p.html").read_text()


def test_the_sets_of_a_clip_split_at_a_camera_cut_are_told_apart(tmp_path: Path) -> None:
    """A clip cut into two sets gave two history rows with the same clip and nothing else to
    tell them apart, in the table and the CSV: each now says which set it is."""
    def one(reps):
        return {"exercise": "squat", "summary": {"reps": reps, "warnings": []}}

    doc = {"schema_version": "1.21", "exercise": "squat", "summary": {"reps": 8, "warnings": []},
           "session": {"athlete": "Ana", "date": "2026-12-01", "source": "path"},
           "sets": [one(5), one(3)]}
    put(tmp_path / "results", "Ana/2026-12-01/squat_1", doc)
    first, second = set_records(doc, label="results", clip="Ana/2026-12-01/squat_1")
    assert (first.set, second.set, first.reps, second.reps) == (1, 2, 5, 3)
    assert second.clip_text == "Ana/2026-12-01/squat_1 (set 2)"
    (alone,) = set_records(one(4) | {"schema_version": "1.21"}, label="r", clip="ben/squat")
    assert alone.set is None and alone.clip_text == "ben/squat"
    run = CliRunner().invoke(main, ["history", str(tmp_path / "results"), "--csv",
                                    str(tmp_path / "h.csv")], terminal_width=200)
    assert run.exit_code == 0, run.output
    assert "squat_1 (set 1)" in run.output and "squat_1 (set 2)" in run.output
    with open(tmp_path / "h.csv", newline="") as fh:
        assert [(r["set"], r["reps"]) for r in csv.DictReader(fh)] == [("1", "5"), ("2", "3")]


def test_one_athletes_folder_batched_alone_names_the_athlete(tmp_path: Path) -> None:
    # `repsight batch clips/ana` read its clips' paths from inside ana/ ("week1/x.mp4"),
    # and no athlete was named; a folder that only stores clips names none still.
    from repsight.batch import BatchOptions, run_batch

    from helpers import write_test_video

    # A link named for the athlete names them, not the folder it points at.
    (tmp_path / "phone" / "100APPLE").mkdir(parents=True)
    (tmp_path / "bea").symlink_to(tmp_path / "phone" / "100APPLE")
    for folder, who in (("ana", "ana"), ("videos", ""), ("bea", "bea")):
        (tmp_path / folder / "week1").mkdir(parents=True)
        write_test_video(tmp_path / folder / "week1" / "squat.mp4", n=10)
        report = run_batch(tmp_path / folder, tmp_path / f"out_{folder}", AnalysisConfig(),
                           BatchOptions())
        rows = list(csv.DictReader(open(report.summary_path, encoding="utf-8")))
        assert [r["athlete"] for r in rows] == [who]


def test_week_folders_sort_in_number_order_whatever_their_case_or_spacing() -> None:
    # "Week10" came before "week9" (character codes), and "week10" before "week 9".
    from repsight.batch import PATH_ORDER
    from repsight.history import SetRecord

    names = ["ana/week11/s.mp4", "ana/Week10/s.mp4", "ana/week 9/s.mp4", "ana/week_2/s.mp4"]
    assert sorted(names, key=PATH_ORDER) == [
        "ana/week_2/s.mp4", "ana/week 9/s.mp4", "ana/Week10/s.mp4", "ana/week11/s.mp4"]
    # Numbers a separator keeps apart stay apart (squat_1_100kg read as squat1100kg).
    loads = ["squat_3_80kg.mp4", "squat_1_100kg.mp4", "squat_2_90kg.mp4"]
    assert sorted(loads, key=PATH_ORDER) == ["squat_1_100kg.mp4", "squat_2_90kg.mp4", "squat_3_80kg.mp4"]
    recs = [SetRecord("ana", "squat", w, "", 80.0, 5, 0.6, 0.5, 10.0, None, "", None, (0.6,),
                      f"{w}/s", "r") for w in ("week11", "Week10", "week 9")]
    (one,) = group_sets(recs)
    assert [s.session for s in one.sets] == ["week 9", "Week10", "week11"]


def test_json_files_at_a_folders_top_are_named_by_file_or_skipped_beside_a_summary(
        docs: dict[str, dict], tmp_path: Path) -> None:
    """`analyze --json` files gathered loose in one folder are sets named by their files (they
    read as clip "."), and beside a batch's summary such a file is skipped by name, not
    called a deleted clip "."."""
    loose = tmp_path / "loose"
    loose.mkdir()
    (loose / "monday.json").write_text(json.dumps(docs["w1"]))
    (loose / "friday.json").write_text(json.dumps(docs["w2"]))
    records, warnings = load_results([loose])
    assert sorted(r.clip for r in records) == ["friday", "monday"] and warnings == ()
    # One folder down they are named by folder and file (all read as "sub").
    (loose / "sub").mkdir()
    for name in ("monday", "friday"):
        (loose / name).with_suffix(".json").rename(loose / "sub" / f"{name}.json")
    assert sorted(r.clip for r in load_results([loose])[0]) == ["sub/friday", "sub/monday"]
    put(tmp_path / "w1", "ana/squat", docs["w1"])
    (tmp_path / "w1" / "summary.csv").write_text("clip,status,results\nana/squat.mp4,ok,ana/squat\n")
    (tmp_path / "w1" / "notes.json").write_text('{"coach": "deload next week"}')
    records, warnings = load_results([tmp_path / "w1"])
    assert [r.clip for r in records] == ["ana/squat"]
    assert warnings == (f"skipped notes.json in {tmp_path / 'w1'}: a file at the folder's top, not "
                        "in a clip's results folder (the batch writes each clip's JSON into its "
                        "own folder)",)


def test_the_folder_holding_the_weeks_results_reads_each_weeks_summary(
        docs: dict[str, dict], tmp_path: Path) -> None:
    # `history results/` over results/week1 and results/week2: read as one folder, no
    # week's summary.csv was read, so a clip deleted from week2 since showed in place of
    # the live one, and every undated set was named "results".
    results = tmp_path / "results"
    undated = {k: v for k, v in docs["ben"].items() if k != "session"}
    for week in ("week1", "week2", "week10"):
        put(results / week, "ben/squat", undated)
        (results / week / "summary.csv").write_text("clip,status,results\nben/squat.mp4,ok,ben/squat\n")
    put(results / "week2", "ben/old_squat", docs["w2"])  # deleted since: not in the summary
    weeks = [results / w for w in ("week1", "week2", "week10")]
    by_week = load_results(weeks)
    whole = load_results([results])
    assert [r.session for r in whole[0]] == [r.session for r in by_week[0]]
    assert sorted(r.session for r in whole[0]) == ["week1", "week10", "week2"]
    assert whole[1] == by_week[1] and any("old_squat" in w for w in whole[1])
    # A results folder given itself, or a folder of loose JSONs, reads as before.
    assert load_results([results / "week2"])[0] == load_results([weeks[1]])[0]
    # Clip JSONs gathered by hand beside the weeks (`analyze --json`) are read too.
    (results / "ben_2026-11-02_squat.json").write_text(json.dumps(docs["w1"]))
    put(results / "hand", "ben/extra", docs["w3"])
    more = load_results([results])[0]
    assert len(more) == len(whole[0]) + 2
    assert sorted(r.session for r in more)[:2] == ["2026-11-02", "2026-11-16"]


def test_undated_weeks_listed_after_dated_ones_are_said_to_be(docs: dict[str, dict],
                                                              tmp_path: Path) -> None:
    # A manifest begun in week 3: weeks 1 and 2 (undated) were listed after it, silently.
    from repsight.history import order_text, write_history

    undated = {k: v for k, v in docs["ben"].items() if k != "session"}
    sets = [*set_records(undated, label="week1", clip="ben/week1/squat"),
            *set_records(undated, label="week2", clip="ben/week2/squat"),
            *set_records(dict(undated, session={"athlete": "ben", "date": "2026-11-16"}),
                         label="week3", clip="ben/week3/squat")]
    (ben,) = group_sets(sets)
    assert [s.session for s in ben.sets][-2:] == ["week1", "week2"]
    said = order_text(ben.sets)
    assert "week1, week2" in said and "after the dated ones" in said
    assert order_text(ben.sets[:1]) == "" and order_text(ben.sets[1:]) == ""  # one kind only
    (page,) = write_history([ben], html=tmp_path / "h.html")
    assert "after the dated ones" in page.read_text()
