"""The coach's clip manifest (manifest.csv): parsing, matching clips, and batch using it."""

from __future__ import annotations

import concurrent.futures as cf
import csv
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from repsight.batch import BatchOptions, run_batch
from repsight.cli import main
from repsight.config import AnalysisConfig
from repsight.export import SCHEMA_VERSION
from repsight.sessions import (
    ManifestError,
    Session,
    clip_athlete,
    match_clips,
    parse_manifest,
    session_from_path,
)
from repsight.synthetic import plan_set
from result_helpers import good_clip

HEADER = "clip,athlete,date,exercise,load_kg,height_m,goal,notes\n"


def test_manifest_rows_are_parsed_and_typed() -> None:
    m = parse_manifest(HEADER + "ana/squat.mp4, Ana ,2026-11-30,Squat,100,1.68,POWER,\"felt slow, tired\"\n"
                       "\n"  # blank lines are skipped
                       "ben.mp4,Ben,,,,,,\n")
    a, b = m.rows
    assert (a.clip, a.line, a.exercise, a.height_m, a.goal) == ("ana/squat.mp4", 2, "squat", 1.68, "power")
    assert a.session == Session(athlete="Ana", date="2026-11-30", load_kg=100.0,
                                notes="felt slow, tired")
    assert (b.line, b.exercise, b.height_m, b.goal, b.session.load_kg) == (4, None, None, None, None)
    cfg = a.apply(AnalysisConfig(goal="strength", lifter_height_m=1.9))
    assert (cfg.exercise, cfg.goal, cfg.lifter_height_m) == ("squat", "power", 1.68)
    assert b.apply(AnalysisConfig(goal="hypertrophy")).goal == "hypertrophy"  # nothing given: kept
    # an exercise cell as a folder would name it: plural, words, dashes
    m = parse_manifest(HEADER + "a.mp4,,,Squats,,,,\nb.mp4,,,Chin-Ups,,,,\nc.mp4,,,bench press,,,,\n")
    assert [r.exercise for r in m.rows] == ["squat", "pullup", "bench_press"]


def test_a_manifest_row_finds_a_folder_named_on_a_mac() -> None:
    """A spreadsheet spells "Zoë" with one character, a folder made on macOS with e and a
    combining mark: the same name, matched (its date and load were lost, with two
    warnings printing the same path)."""
    import unicodedata

    folder_name = unicodedata.normalize("NFD", "Zoë Müller/week 2/pullup.mp4")
    m = parse_manifest(HEADER + "Zoë Müller/week 2/pullup.mp4,Zoë Müller,2026-12-01,,10,,,\n"
                       "Pullup2.MP4,,2026-12-02,,,,,\n")
    matched, warnings = match_clips(m, [folder_name, unicodedata.normalize("NFD", "ana/pullup2.mp4")])
    assert warnings == ()
    assert matched[folder_name].session.load_kg == 10.0
    assert matched[unicodedata.normalize("NFD", "ana/pullup2.mp4")].session.date == "2026-12-02"


def test_a_manifest_row_turns_its_own_clip() -> None:
    """rotate in a manifest row turns that clip only (the turned-picture warning says so):
    --rotate for the batch would turn every clip."""
    m = parse_manifest("clip,rotate\nside.mp4,270\nup.mp4,\n")
    side, up = m.rows
    assert side.apply(AnalysisConfig()).rotate == 270 and up.apply(AnalysisConfig()).rotate == 0
    with pytest.raises(ManifestError, match="row 2, column rotate: '45' is not a turn"):
        parse_manifest("clip,rotate\nside.mp4,45\n")


def test_a_sheet_saved_with_semicolons_and_decimal_commas_is_read() -> None:
    """Spreadsheets where the comma is the decimal mark save CSV with ';' between cells:
    read, with 142,5 as 142.5 (refused in a comma-separated file, where it is ambiguous)."""
    semi = HEADER.replace(",", ";")
    m = parse_manifest(semi + "ana/squat.mp4;Ana;30.11.2026;squat;142,5;1,68;power;\"felt slow; tired\"\n")
    (a,) = m.rows
    assert (a.clip, a.session.load_kg, a.height_m, a.goal) == ("ana/squat.mp4", 142.5, 1.68, "power")
    # such a sheet saves its dates day first, with dots
    assert a.session.date == "2026-11-30"
    assert a.session.notes == "felt slow; tired"
    with pytest.raises(ManifestError, match="'142,5' is not a number"):
        parse_manifest(HEADER + "a.mp4,,,,\"142,5\",,,\n")


@pytest.mark.parametrize("row, message", [
    ("a.mp4,,,,heavy,,,", "manifest.csv row 2, column load_kg: 'heavy' is not a number"),
    ("a.mp4,,,,-5,,,", "manifest.csv row 2, column load_kg: -5 kg is outside"),
    ("a.mp4,,,,nan,,,", "manifest.csv row 2, column load_kg: 'nan' is not a finite number"),
    ("a.mp4,,30/11/2026,,,,,", "manifest.csv row 2, column date: '30/11/2026' is not a date"),
    ("a.mp4,,2026-02-30,,,,,", "manifest.csv row 2, column date: '2026-02-30' is no day of the calendar"),
    ("a.mp4,,30.02.2026,,,,,", "manifest.csv row 2, column date: '30.02.2026' is no day of the calendar"),
    ("a.mp4,,,,,3.5,,", "manifest.csv row 2, column height_m: lifter_height_m must be between"),
    ("a.mp4,,,,,,speed,", "manifest.csv row 2, column goal: unknown goal 'speed'"),
    ("a.mp4,,,zumba,,,,", "manifest.csv row 2, column exercise:"),
    (",Ana,,,,,,", "manifest.csv row 2, column clip: empty"),
    ("a.mp4,,,,,,,note,extra", "manifest.csv row 2: 9 cells but 8 columns"),
])
def test_a_bad_cell_is_one_line_naming_row_and_column(row: str, message: str) -> None:
    with pytest.raises(ManifestError) as err:
        parse_manifest(HEADER + row + "\n")
    assert message in str(err.value) and "\n" not in str(err.value)


def test_manifest_header_problems() -> None:
    with pytest.raises(ManifestError, match="no 'clip' column"):
        parse_manifest("video,athlete\na.mp4,Ana\n")
    with pytest.raises(ManifestError, match="is empty"):
        parse_manifest("")
    with pytest.raises(ManifestError, match="row 3, column clip: 'A.mp4' is listed again"):
        parse_manifest("clip\na.mp4\nA.mp4\n")
    m = parse_manifest("\ufeffClip, Athlete ,load\na.mp4,Ana,100\n")  # Excel's BOM, a typo
    assert m.rows[0].session.athlete == "Ana" and m.rows[0].session.load_kg is None
    assert m.warnings and "ignored column(s) 'load'" in m.warnings[0]


def test_rows_match_clips_by_path_or_unique_file_name() -> None:
    names = ["ana/mon.mp4", "ana/tue.mp4", "ben/mon.mp4"]
    rows, warnings = match_clips(parse_manifest("clip\nana/MON.mp4\ntue.mp4\nzoe.mp4\n"), names)
    assert {k: r.line for k, r in rows.items()} == {"ana/mon.mp4": 2, "ana/tue.mp4": 3}
    assert warnings == ("manifest.csv: 1 row(s) name no video in the folder: 'zoe.mp4'",
                        "manifest.csv: 1 video(s) in the folder have no row (athlete, date and "
                        "load only as their path gives them): 'ben/mon.mp4'")
    with pytest.raises(ManifestError, match="row 2, column clip: 'mon.mp4' names 2 clips"):
        match_clips(parse_manifest("clip\nmon.mp4\n"), names)


def test_session_from_the_path_without_a_manifest() -> None:
    assert session_from_path("athletes/ana/2026-11-30_squat.mp4") == Session(
        athlete="ana", date="2026-11-30", source="path")
    assert session_from_path("ana/2026-12-07/squat.mp4") == Session(
        athlete="ana", date="2026-12-07", source="path")
    assert session_from_path("squat_2026-13-40.mp4") is None  # not a date
    assert session_from_path("squat.mp4") is None
    # A phone's file name, a European date and a load in the name (pounds turned into kg):
    # a coach's "anna/2026-11-02_squat_80kg.mp4" had its load ignored.
    assert session_from_path("ben/VID_20261124_153012.mp4") == Session(
        athlete="ben", date="2026-11-24", source="path")
    assert session_from_path("Back Squat 24.11.2026 100kg.mp4") == Session(
        date="2026-11-24", load_kg=100.0, source="path")
    assert session_from_path("anna/2026-11-02_squat_80kg.mp4").load_kg == 80.0
    assert session_from_path("ben/bench 225lbs.mov").load_kg == 102.1
    assert session_from_path("curl 12,5 kg.mp4").load_kg == 12.5
    assert session_from_path("ana/30.11.2026/set1.mp4") == Session(
        athlete="ana", date="2026-11-30", source="path")
    assert session_from_path("IMG_1234.MOV") is None and session_from_path("v1.2.2026.mp4") is None
    # The athlete is the nearest folder that is not a week, session, number or exercise: a
    # coach's ana/week1 and ben/week1 were one athlete, "week1".
    for name, athlete in (("ana/week1/squat_100kg.mp4", "ana"), ("ben/Week 2/raise.mp4", "ben"),
                          ("ana/squat/set1.mp4", "ana"), ("athletes/ana/S3/x.mp4", "ana"),
                          ("week1/ben/x.mp4", "ben"), ("sam/12/x.mp4", "sam"),
                          ("week1/x.mp4", ""), ("dean/x.mp4", "dean"),
                          # exercise folders read as batch reads them: plurals, words, dashes
                          ("ana/squats/set1.mp4", "ana"), ("ben/Back Squat/x.mp4", "ben"),
                          ("cy/Pull-ups/week 3/x.mp4", "cy"), ("dee/dips/x.mp4", "dee"),
                          # an exercise with a number or "day" in the folder's name
                          ("ana/Squat 2/x.mp4", "ana"), ("ana/squats_week1/x.mp4", "ana"),
                          ("ana/Bench Day 3/x.mp4", "ana"), ("ana/Barbell Rows/x.mp4", "ana"),
                          # ... but not a name with a number, or one that starts like "day"
                          ("Sam 2/x.mp4", "Sam 2"), ("Dayna/x.mp4", "Dayna"),
                          # where a phone or a coach stores clips, a training day:
                          # "Ana/phone/VID_..." made an athlete "phone"
                          ("Ana/phone/VID_20261214_101500.mp4", "Ana"), ("ben/Videos/x.mp4", "ben"),
                          ("ana/Leg Day/x.mp4", "ana"), ("cy/Day B/x.mp4", "cy"),
                          ("uploads/dee/x.mp4", "dee"), ("Phoneix/x.mp4", "Phoneix"),
                          # ... but athletes whose names hold a day stay athletes
                          ("Sunday Adebayo/x.mp4", "Sunday Adebayo"), ("Doris Day/x.mp4", "Doris Day"),
                          ("Friday Okoro/week1/x.mp4", "Friday Okoro")):
        assert clip_athlete(name) == athlete, name
    assert session_from_path("ana/week1/squat_100kg.mp4") == Session(
        athlete="ana", load_kg=100.0, source="path")
    # A Mac spells "ë" as "e" and a combining mark: the same athlete as one typed.
    assert clip_athlete("Zoe\u0308 Mu\u0308ller/x.mp4") == "Zo\u00eb M\u00fcller"
    assert session_from_path("ana/squat 30.11.2026.mp4").date == "2026-11-30"
    assert session_from_path("squat_30.11.2026.mov").date == "2026-11-30"


# ---------------------------------------------------------------- batch with a manifest


def _threads() -> cf.Executor:
    return cf.ThreadPoolExecutor(max_workers=2)


def _summary(out: Path) -> dict[str, dict[str, str]]:
    with open(out / "summary.csv", newline="") as fh:
        return {r["clip"]: r for r in csv.DictReader(fh)}


def _clip_json(out: Path, rel: str) -> dict:
    p = out / Path(rel).with_suffix("") / (Path(rel).stem + ".json")
    return json.loads(p.read_text())


@pytest.fixture
def coach_folder(tmp_path: Path) -> tuple[Path, Path]:
    """Two athletes, the same fatiguing squat set (velocity loss ~23 %, concentric < 1.2 s)."""
    root, cache = tmp_path / "clips", tmp_path / "cache"
    for who in ("ana", "ben"):
        good_clip(root / who / "set1.mp4", cache, "squat", plan_set(5, fatigue=0.07), seed=1)
    return root, cache


def test_manifest_goals_change_each_athletes_verdicts_and_travel_with_the_results(
        coach_folder: tuple[Path, Path], tmp_path: Path) -> None:
    root, cache = coach_folder
    (root / "manifest.csv").write_text(
        HEADER + "ana/set1.mp4,Ana P,2026-11-30,squat,100,1.68,power,top set\n"
                 "ben/set1.mp4,Ben Q,2026-11-30,squat,140,,strength,\n"
                 "carl/set1.mp4,Carl,2026-11-30,,,,,\n")
    out = tmp_path / "out"
    # --goal hypertrophy for the batch: each row's goal wins for its clip.
    report = run_batch(root, out, AnalysisConfig(goal="hypertrophy"),
                       BatchOptions(cache_dir=str(cache), plot=False, html=True),
                       executor=_threads())
    assert report.ok
    assert report.warnings == ("manifest.csv: 1 row(s) name no video in the folder: 'carl/set1.mp4'",)
    # ... said as soon as the manifest is read, before any clip is analysed (a coach saw it
    # only after minutes of analysis, by which time the clips had been judged without it).
    said: list[str] = []
    again = run_batch(root, tmp_path / "out2", AnalysisConfig(goal="hypertrophy"),
                      BatchOptions(cache_dir=str(cache), plot=False), executor=_threads(),
                      on_warning=lambda w: said.append(f"warning {w}"),
                      on_result=lambda r, done, total: said.append(f"clip {r.clip}"))
    assert said[0].startswith("warning manifest.csv: 1 row(s) name no video") and len(said) == 3
    assert again.warnings == report.warnings
    rows = _summary(out)
    ana, ben = rows["ana/set1.mp4"], rows["ben/set1.mp4"]
    assert (ana["athlete"], ana["date"], ana["load_kg"], ana["notes"]) == (
        "Ana P", "2026-11-30", "100.0", "top set")
    assert (ben["athlete"], ben["load_kg"]) == ("Ben Q", "140.0")
    # The goal each clip was judged for is in its row: the limit differs between them.
    assert (ana["goal"], ben["goal"]) == ("power", "strength")
    # Power's 20 % velocity-loss limit is passed by rep 4; strength's 30 % never is.
    assert (ana["first_failure_rep"], ana["first_failure_kind"]) == ("4", "tempo")
    assert ben["first_failure_rep"] == ""
    a_json, b_json = _clip_json(out, "ana/set1.mp4"), _clip_json(out, "ben/set1.mp4")
    assert a_json["schema_version"] == SCHEMA_VERSION  # 1.5 added `session`
    assert a_json["session"] == {"athlete": "Ana P", "date": "2026-11-30", "load_kg": 100.0,
                                 "notes": "top set", "source": "manifest"}
    assert (a_json["config"]["goal"], a_json["config"]["lifter_height_m"]) == ("power", 1.68)
    assert (b_json["config"]["goal"], b_json["config"]["lifter_height_m"]) == ("strength", None)
    index = (out / "index.html").read_text()
    assert ">Ana P<" in index and ">Ben Q<" in index and ">ana<" not in index
    page = (out / "ana" / "set1" / "set1.html").read_text()
    assert "Ana P · 2026-11-30 · 100 kg · top set" in page

    # A corrected load re-writes that clip's results (same config: no --force needed).
    (root / "manifest.csv").write_text(
        HEADER + "ana/set1.mp4,Ana P,2026-11-30,squat,102.5,1.68,power,top set\n"
                 "ben/set1.mp4,Ben Q,2026-11-30,squat,140,,strength,\n")
    again = run_batch(root, out, AnalysisConfig(goal="hypertrophy"),
                      BatchOptions(cache_dir=str(cache), plot=False, html=True),
                      executor=_threads())
    assert {r.clip: r.status for r in again.results} == {"ana/set1.mp4": "ok",
                                                         "ben/set1.mp4": "reused"}
    assert _clip_json(out, "ana/set1.mp4")["session"]["load_kg"] == 102.5
    assert _summary(out)["ben/set1.mp4"]["athlete"] == "Ben Q"
    assert _summary(out)["ben/set1.mp4"]["goal"] == "strength"  # reused: still its own goal

    # Other settings and a changed load at once: the results on disk are kept, not redone,
    # and their row keeps the load they were made with (as their JSON and history do).
    (root / "manifest.csv").write_text(
        HEADER + "ana/set1.mp4,Ana P,2026-11-30,squat,110,1.68,power,top set\n"
                 "ben/set1.mp4,Ben Q,2026-11-30,squat,140,,strength,\n")
    kept = run_batch(root, out, AnalysisConfig(goal="hypertrophy", lone_loss_margin_pct=3.0),
                     BatchOptions(cache_dir=str(cache), plot=False, html=True),
                     executor=_threads())
    assert {r.status for r in kept.results} == {"kept"}
    assert _summary(out)["ana/set1.mp4"]["load_kg"] == "102.5"
    assert _clip_json(out, "ana/set1.mp4")["session"]["load_kg"] == 102.5


def test_without_a_manifest_the_folder_names_the_athlete(coach_folder: tuple[Path, Path],
                                                         tmp_path: Path) -> None:
    root, cache = coach_folder
    out = tmp_path / "out"
    run_batch(root, out, AnalysisConfig(), BatchOptions(cache_dir=str(cache), plot=False),
              executor=_threads())
    assert _summary(out)["ben/set1.mp4"]["athlete"] == "ben"
    assert _clip_json(out, "ben/set1.mp4")["session"] == {
        "athlete": "ben", "date": "", "load_kg": None, "notes": "", "source": "path"}


def test_a_manifest_row_that_leaves_cells_empty_keeps_what_the_path_says(
        coach_folder: tuple[Path, Path], tmp_path: Path) -> None:
    # A coach filling in only notes (or only loads): the athlete, date and load the path
    # tells stay, as for a clip with no row. The row's athlete had been "" and the set
    # left the athlete's history.
    root, cache = coach_folder
    (root / "ana" / "set1.mp4").rename(root / "ana" / "2026-11-30 squat 80kg.mp4")
    (root / "manifest.csv").write_text("clip,notes,load_kg\n"
                                       "ana/2026-11-30 squat 80kg.mp4,felt heavy,\n"
                                       "ben/set1.mp4,,140\n")
    out = tmp_path / "out"
    run_batch(root, out, AnalysisConfig(), BatchOptions(cache_dir=str(cache), plot=False),
              executor=_threads())
    rows = _summary(out)
    ana, ben = rows["ana/2026-11-30 squat 80kg.mp4"], rows["ben/set1.mp4"]
    assert (ana["athlete"], ana["date"], ana["load_kg"], ana["notes"]) == (
        "ana", "2026-11-30", "80.0", "felt heavy")
    assert (ben["athlete"], ben["load_kg"]) == ("ben", "140.0")
    assert _clip_json(out, "ben/set1.mp4")["session"] == {
        "athlete": "ben", "date": "", "load_kg": 140.0, "notes": "", "source": "manifest"}


def test_a_bad_manifest_stops_the_batch_before_any_video_is_read(
        coach_folder: tuple[Path, Path], tmp_path: Path) -> None:
    root, cache = coach_folder
    sheet = tmp_path / "week1.csv"  # given with --manifest, kept outside the clips
    sheet.write_text(HEADER + "ana/set1.mp4,Ana,2026-11-30,squat,100 kg,,,\n")
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["batch", str(root), "-o", str(out), "-q", "--manifest",
                                       str(sheet), "--cache-dir", str(cache)])
    assert result.exit_code == 1
    assert result.output.strip() == ("Error: week1.csv row 2, column load_kg: '100 kg' is not "
                                     "a number (kilograms, e.g. 102.5)")
    assert not out.exists()
    result = CliRunner().invoke(main, ["batch", str(root), "-o", str(out), "-q", "--manifest",
                                       str(tmp_path / "missing.csv")])
    assert result.exit_code == 1 and "manifest not found" in result.output


def test_the_schema_doc_lists_exactly_the_session_fields() -> None:
    from test_export import _documented_fields

    doc = (Path(__file__).resolve().parents[1] / "docs" / "output_schema.md").read_text()
    assert _documented_fields(doc, "session") == set(Session().to_dict())
    assert "`session`" in doc.split("### `summary`")[0]  # in the top-level table
