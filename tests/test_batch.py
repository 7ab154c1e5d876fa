"""Batch over a folder: discovery, error rows for bad clips, resume, --force, atomic results.

Good clips are small generated videos whose poses are put in a private pose cache from
synthetic sets (known reps), so no test here runs the pose model.
"""

from __future__ import annotations

import concurrent.futures as cf
import csv
import json
import threading
from pathlib import Path

import pytest
from click.testing import CliRunner
from filelock import FileLock

from helpers import run_ffmpeg, write_test_video
from repsight.batch import (
    LOCK_NAME,
    MANIFEST,
    BatchOptions,
    discover,
    plan_jobs,
    read_manifest,
    run_batch,
)
from repsight.cli import main
from repsight.config import AnalysisConfig
from repsight.errors import OutputError
from repsight.exercise_detection import exercise_from_name
from result_helpers import good_clip


def bad_clips(folder: Path, tmp: Path) -> dict[str, str]:
    """A zero-byte .mp4, a text file renamed .mp4 and two truncated clips -> expected words.

    cut.mp4 lost its index (moov at the end): nothing can be decoded. cut_fast.mp4 has its
    index first (faststart, as phones write): its first part decodes, and the batch keeps
    those partial results but still reports the clip as an error.
    """
    (folder / "empty.mp4").write_bytes(b"")
    (folder / "notes.mp4").write_text("my training log, not a video\n" * 40)
    src = write_test_video(tmp / "full_for_cut.mp4", n=60)
    data = src.read_bytes()
    (folder / "cut.mp4").write_bytes(data[: len(data) // 2])
    fast = tmp / "fast.mp4"
    run_ffmpeg("-i", str(src), "-c", "copy", "-movflags", "+faststart", str(fast))
    data = fast.read_bytes()
    (folder / "cut_fast.mp4").write_bytes(data[: int(len(data) * 0.6)])
    return {"empty.mp4": "0 bytes", "notes.mp4": "not a video", "cut.mp4": "corrupt or truncated",
            "cut_fast.mp4": "truncated"}


@pytest.fixture
def cache(tmp_path: Path) -> Path:
    return tmp_path / "cache"


@pytest.fixture
def folder(tmp_path: Path, cache: Path) -> Path:
    root = tmp_path / "clips"
    good_clip(root / "squat_monday.mp4", cache, "squat", 3, seed=1)
    good_clip(root / "week2" / "pushup_set.mp4", cache, "pushup", 4, seed=2)
    return root


def opts(cache: Path, **kw) -> BatchOptions:
    return BatchOptions(cache_dir=str(cache), **kw)


def read_summary(out: Path) -> dict[str, dict[str, str]]:
    with open(out / "summary.csv", newline="") as fh:
        return {row["clip"]: row for row in csv.DictReader(fh)}


def threads() -> cf.Executor:
    # The executor is swappable; threads keep these tests free of process start-up.
    return cf.ThreadPoolExecutor(max_workers=2)


# ---------------------------------------------------------------- discovery


def test_discover_is_recursive_sorted_and_skips_non_videos(tmp_path: Path) -> None:
    for rel in ("b.mp4", "a/c.MOV", "a/d.txt", ".hidden.mp4", ".git/e.mp4", "res/f.mp4"):
        p = tmp_path / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(b"x")
    found = [p.relative_to(tmp_path).as_posix()
             for p in discover(tmp_path, exclude=[tmp_path / "res"])]
    assert found == ["a/c.MOV", "b.mp4"]


def test_an_annotated_video_saved_beside_its_clip_is_not_a_clip(tmp_path: Path) -> None:
    # Saved back to send to the athlete, it was analysed as a second set of that session.
    from repsight.batch import scan

    for rel in ("ana/squat_1.mp4", "ana/squat_1.annotated.mp4"):
        p = tmp_path / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(b"x")
    found = scan(tmp_path)
    assert [p.relative_to(tmp_path).as_posix() for p in found.clips] == ["ana/squat_1.mp4"]
    assert ("ana/squat_1.annotated.mp4", "an annotated video repsight wrote: not a clip") in found.skipped


def test_discover_orders_numbered_folders_and_clips_as_numbers(tmp_path: Path) -> None:
    # summary.csv lists the clips in this order: a coach's week10 after week9.
    for rel in ("ben/week10/squat_1.mp4", "ben/week9/squat_10.mp4", "ben/week9/squat_2.mp4",
                "ben/week1/squat_1.mp4", "ben/week1/squat.mp4", "ben/week1/squat2.mp4"):
        p = tmp_path / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(b"x")
    found = [p.relative_to(tmp_path).as_posix() for p in discover(tmp_path)]
    # The extension is no part of the name: squat.mp4 before squat_1.mp4; and a separator
    # none of the number: squat_1 before squat2.
    assert found == ["ben/week1/squat.mp4", "ben/week1/squat_1.mp4", "ben/week1/squat2.mp4",
                     "ben/week9/squat_2.mp4", "ben/week9/squat_10.mp4", "ben/week10/squat_1.mp4"]


def test_an_earlier_batchs_results_inside_the_folder_are_not_clips(tmp_path: Path) -> None:
    # A coach's first run wrote to FOLDER/results; the next, elsewhere, read its annotated
    # videos as new clips (and an athlete named after the clip).
    from repsight.batch import scan

    for rel in ("ben/r1.mp4", f"results/{LOCK_NAME}", "results/ben/r1/r1.annotated.mp4"):
        p = tmp_path / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(b"x")
    found = scan(tmp_path, exclude=[tmp_path / "out2"])
    assert [p.relative_to(tmp_path).as_posix() for p in found.clips] == ["ben/r1.mp4"]
    assert ("results", "an earlier batch's results folder: never read as input") in found.skipped


def test_discover_missing_folder_is_a_clear_error(tmp_path: Path) -> None:
    from repsight.errors import RepsightError

    with pytest.raises(RepsightError, match="folder not found"):
        discover(tmp_path / "nope")


@pytest.mark.parametrize("name,expected", [
    ("squat_goblet_side_gym.mp4", "squat"),
    ("floor_press_dumbbell_front.mp4", "bench_press"),  # the longer alias wins over "press"
    ("press_overhead_dumbbell_side.mp4", "overhead_press"),
    ("Front-Raise 01.mov", "raise"),
    ("curl/clip3.mp4", "biceps_curl"),  # a folder named after the exercise
    ("monday_set1.mp4", None),
    ("squats.mp4", "squat"),  # plurals name the exercise too (exercise_detection)
])
def test_exercise_from_name(name: str, expected: str | None) -> None:
    assert exercise_from_name(name) == expected


def test_summary_rows_say_when_a_set_was_not_judged() -> None:
    # A set whose verdicts were withheld had empty failure cells, as a judged clean set
    # has: a coach filtering the sheet read it as "no failure".
    from repsight.batch import ClipResult, SetRow

    withheld = ClipResult(clip="a.mp4", status="ok", exercise="squat", reps=3,
                          verdicts_withheld="the picture looks turned on its side")
    assert withheld.rows()[0]["verdicts_withheld"] == "the picture looks turned on its side"
    assert ClipResult(clip="b.mp4", status="ok", reps=3).rows()[0]["verdicts_withheld"] == ""
    split = ClipResult(clip="c.mp4", status="ok", verdicts_withheld="",
                       sets=(SetRow(1, 0.0, 4.0, verdicts_withheld="montage of 4 shots"),
                             SetRow(2, 4.0, 8.0)))
    assert [r["verdicts_withheld"] for r in split.rows()] == ["montage of 4 shots", ""]


def test_results_folders_do_not_clash(tmp_path: Path) -> None:
    clips = [tmp_path / "a" / "squat.mov", tmp_path / "a" / "squat.mp4", tmp_path / "b.mp4"]
    jobs = plan_jobs(clips, tmp_path, tmp_path / "out")
    dirs = [j.out_dir.relative_to(tmp_path / "out").as_posix() for j in jobs]
    assert dirs == ["a/squat", "a/squat_mp4", "b"]


# ---------------------------------------------------------------- the batch


def test_bad_clips_get_error_rows_and_good_ones_all_their_results(
        folder: Path, cache: Path, tmp_path: Path) -> None:
    expected_errors = bad_clips(folder, tmp_path)
    out = tmp_path / "results"
    report = run_batch(folder, out, AnalysisConfig(), opts(cache), executor=threads())
    rows = read_summary(out)
    assert len(rows) == 6 and not report.ok
    for name, words in expected_errors.items():
        assert rows[name]["status"] == "error"
        assert words in rows[name]["error"], rows[name]["error"]
    squat = rows["squat_monday.mp4"]
    push = rows["week2/pushup_set.mp4"]
    assert (squat["status"], squat["exercise"], squat["reps"]) == ("ok", "squat", "3")
    assert (push["status"], push["exercise"], push["reps"]) == ("ok", "pushup", "4")
    clip_dir = out / "week2" / "pushup_set"
    names = sorted(p.name for p in clip_dir.iterdir())
    assert names == [MANIFEST, "pushup_set.csv", "pushup_set.json", "pushup_set.png"]
    data = json.loads((clip_dir / "pushup_set.json").read_text())
    assert data["schema_version"] and data["exercise"] == "pushup" and len(data["reps"]) == 4
    # The set's effort estimates reach the coach's table as the clip's JSON gives them.
    for key in ("rir_estimate", "rpe_estimate"):
        given = data["summary"][key]
        assert given == data["assessment"]["summary"][key]
        assert push[key] == ("" if given is None else str(round(given, 4))), (key, push[key])
    with open(clip_dir / "pushup_set.csv", newline="") as fh:
        assert [r["rep"] for r in csv.DictReader(fh)] == ["1", "2", "3", "4"]
    assert (clip_dir / "pushup_set.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    # The readable part of the faststart clip was analysed and kept.
    assert "partial results written" in rows["cut_fast.mp4"]["error"]
    assert (out / "cut_fast" / "cut_fast.json").is_file()
    # Nothing half-written anywhere: no temp files left behind.
    assert not [p for p in out.rglob("*") if ".part" in p.name]
    # A second run reuses the good clips and still reports every bad one.
    second = run_batch(folder, out, AnalysisConfig(), opts(cache), executor=threads())
    again = {r.clip: r.status for r in second.results}
    # A reused clip's row, read back from its manifest, keeps its numbers.
    assert read_summary(out)["week2/pushup_set.mp4"]["rpe_estimate"] == push["rpe_estimate"]
    assert again == {"cut.mp4": "error", "cut_fast.mp4": "error", "empty.mp4": "error",
                     "notes.mp4": "error", "squat_monday.mp4": "reused",
                     "week2/pushup_set.mp4": "reused"}
    # It wrote nothing this time, and says so (it said "partial results written" again).
    kept = {r.clip: r.error for r in second.results}["cut_fast.mp4"]
    assert "truncated" in kept and "partial results from an earlier run kept" in kept
    assert "partial results written" not in kept
    # The cut clip was still being copied: once the whole file is there, it is analysed
    # (its partial results replaced), with no --force.
    (folder / "cut_fast.mp4").write_bytes((folder / "squat_monday.mp4").read_bytes())
    third = {r.clip: r for r in run_batch(folder, out, AnalysisConfig(), opts(cache),
                                          executor=threads()).results}
    assert third["cut_fast.mp4"].status == "ok" and third["cut_fast.mp4"].reps == 3


def test_second_run_reuses_finished_clips_without_rewriting(folder: Path, cache: Path,
                                                            tmp_path: Path) -> None:
    out = tmp_path / "results"
    run_batch(folder, out, AnalysisConfig(), opts(cache), executor=threads())
    files = {p: p.stat().st_mtime_ns for p in out.rglob("*") if p.is_file()
             and p.name != "summary.csv"}
    report = run_batch(folder, out, AnalysisConfig(), opts(cache), executor=threads())
    assert [r.status for r in report.results] == ["reused", "reused"]
    assert report.results[0].reps == 3  # the summary row comes back from the manifest
    assert {p: p.stat().st_mtime_ns for p in files} == files


def test_clip_left_unfinished_by_a_kill_is_redone(folder: Path, cache: Path,
                                                  tmp_path: Path) -> None:
    out = tmp_path / "results"
    run_batch(folder, out, AnalysisConfig(), opts(cache), executor=threads())
    clip_dir = out / "squat_monday"
    # What a kill between the first manifest and the last leaves: results not vouched for.
    m = read_manifest(clip_dir)
    (clip_dir / MANIFEST).write_text(json.dumps({**m, "complete": False}))
    (clip_dir / "squat_monday.png").unlink()
    leftover = clip_dir / ".squat_monday.annotated.x1y2.part.mp4"  # a kill's temp file
    leftover.write_bytes(b"\x00" * 100)
    report = run_batch(folder, out, AnalysisConfig(), opts(cache), executor=threads())
    status = {r.clip: r.status for r in report.results}
    assert status == {"squat_monday.mp4": "ok", "week2/pushup_set.mp4": "reused"}
    assert read_manifest(clip_dir)["complete"] and (clip_dir / "squat_monday.png").is_file()
    assert not leftover.exists()


def test_results_from_another_config_are_kept_unless_forced(folder: Path, cache: Path,
                                                             tmp_path: Path) -> None:
    out = tmp_path / "results"
    first = run_batch(folder, out, AnalysisConfig(), opts(cache), executor=threads())
    before = (out / "squat_monday" / "squat_monday.json").read_text()
    power = AnalysisConfig(goal="power")
    report = run_batch(folder, out, power, opts(cache), executor=threads())
    # Left in place, and still reported: summary.csv keeps their numbers (not blank error
    # rows beside results that are still on disk), marked as not redone, and how to redo.
    assert all(r.status == "kept" and "--force" in r.error for r in report.results)
    # ... saying what changed, so a coach can tell a goal from an upgrade
    assert all('made with other settings (goal "strength", now "power")' in r.error
               for r in report.results), report.results[0].error
    assert [r.reps for r in report.results] == [r.reps for r in first.results]
    assert not report.ok and len(report.kept) == 2
    rows = list(csv.DictReader((out / "summary.csv").open()))
    assert [(row["status"], row["reps"]) for row in rows] == \
        [("kept", str(r.reps)) for r in first.results]
    assert (out / "squat_monday" / "squat_monday.json").read_text() == before
    forced = run_batch(folder, out, power, opts(cache, force=True), executor=threads())
    assert [r.status for r in forced.results] == ["ok", "ok"]
    after = json.loads((out / "squat_monday" / "squat_monday.json").read_text())
    assert after["config"]["goal"] == "power"
    # --force replaces what was made differently, not what is current: run again, nothing
    # is redone (a coach's --force once re-analysed, and re-rendered, every clip).
    again = run_batch(folder, out, power, opts(cache, force=True), executor=threads())
    assert [r.status for r in again.results] == ["reused", "reused"]


def test_foreign_files_in_a_results_folder_are_not_overwritten(folder: Path, cache: Path,
                                                               tmp_path: Path) -> None:
    out = tmp_path / "results"
    mine = out / "squat_monday" / "squat_monday.json"
    mine.parent.mkdir(parents=True)
    mine.write_text("the coach's own notes")
    report = run_batch(folder, out, AnalysisConfig(), opts(cache), executor=threads())
    row = {r.clip: r for r in report.results}["squat_monday.mp4"]
    assert row.status == "error" and "did not record" in row.error
    assert mine.read_text() == "the coach's own notes"


def test_annotate_later_adds_the_video_without_redoing_refusal(folder: Path, cache: Path,
                                                               tmp_path: Path) -> None:
    out = tmp_path / "results"
    run_batch(folder, out, AnalysisConfig(), opts(cache), executor=threads())
    report = run_batch(folder, out, AnalysisConfig(), opts(cache, annotate=True),
                       executor=threads())
    assert [r.status for r in report.results] == ["ok", "ok"]
    video = out / "squat_monday" / "squat_monday.annotated.mp4"
    from repsight.video import probe

    info = probe(video)
    assert (info.codec, info.width, info.height) == ("h264", 160, 120)
    assert info.frame_count == probe(folder / "squat_monday.mp4").frame_count
    again = run_batch(folder, out, AnalysisConfig(), opts(cache, annotate=True),
                      executor=threads())
    assert [r.status for r in again.results] == ["reused", "reused"]


def test_exercise_option_overrides_the_file_name(folder: Path, cache: Path,
                                                 tmp_path: Path) -> None:
    out = tmp_path / "results"
    report = run_batch(folder, out, AnalysisConfig(), opts(cache, exercise="squat"),
                       executor=threads())
    assert [r.exercise for r in report.results] == ["squat", "squat"]


def test_each_clips_exercise_reason_says_where_its_exercise_came_from(cache: Path,
                                                                     tmp_path: Path) -> None:
    """Every batch JSON said "chosen by the user" (and every page's header repeated it),
    whether the exercise came from the file name, a folder's name, the clip manifest or
    --exercise; a clip left to auto keeps what the detection saw."""
    root = tmp_path / "clips"
    good_clip(root / "Ana" / "week1" / "squat_monday_80kg.mp4", cache, "squat", 3, seed=1)
    good_clip(root / "Ben" / "squats" / "set1.mp4", cache, "squat", 4, seed=2)
    good_clip(root / "Cy" / "set1.mp4", cache, "squat", 5, seed=3)
    good_clip(root / "Dee" / "set1.mp4", cache, "squat", 6, seed=4)
    (root / "manifest.csv").write_text("clip,exercise\nDee/set1.mp4,squat\n")

    def reasons(out: Path) -> dict[str, tuple[bool, str]]:
        docs = {p.parent.relative_to(out).as_posix(): json.loads(p.read_text())
                for p in out.rglob("*.json") if p.name != MANIFEST}
        return {k: (d["exercise_auto"], d["exercise_reason"]) for k, d in docs.items()}

    out = tmp_path / "named"
    run_batch(root, out, AnalysisConfig(), opts(cache, html=True), executor=threads())
    got = reasons(out)
    assert {k: v for k, v in got.items() if k != "Cy/set1"} == {
        "Ana/week1/squat_monday_80kg": (False, "from the file name"),
        "Ben/squats/set1": (False, "from the folder name 'squats'"),
        "Dee/set1": (False, "from the clip manifest")}
    auto, why = got["Cy/set1"]
    assert auto and why.startswith("picked ")
    page = (out / "Ana" / "week1" / "squat_monday_80kg" / "squat_monday_80kg.html").read_text()
    assert "squat (from the file name)" in page and "chosen by the user" not in page
    out = tmp_path / "given"
    run_batch(root, out, AnalysisConfig(), opts(cache, exercise="squat"), executor=threads())
    assert set(reasons(out).items()) == {
        ("Ana/week1/squat_monday_80kg", (False, "chosen with --exercise")),
        ("Ben/squats/set1", (False, "chosen with --exercise")),
        ("Cy/set1", (False, "chosen with --exercise")),
        ("Dee/set1", (False, "from the clip manifest"))}


def test_clip_config_names_the_source_of_each_exercise(tmp_path: Path) -> None:
    from repsight.batch import clip_config
    from repsight.sessions import parse_manifest

    clip, plain = tmp_path / "ana" / "bench day" / "set1.mp4", tmp_path / "ana" / "set2.mp4"
    sheet = parse_manifest("clip,exercise,goal\nset1.mp4,auto,\nset2.mp4,,power\n")
    rows = {r.clip: r for r in sheet.rows}
    cases = [(AnalysisConfig(), BatchOptions(), clip, None, "bench_press",
              "from the folder name 'bench day'"),
             (AnalysisConfig(), BatchOptions(), plain, None, "auto", ""),
             (AnalysisConfig(exercise="squat"), BatchOptions(), plain, None, "squat",
              "set in the analysis configuration"),
             (AnalysisConfig(exercise="squat"), BatchOptions(exercise="curl"), clip, None,
              "biceps_curl", "chosen with --exercise"),
             (AnalysisConfig(), BatchOptions(exercise="auto"), clip, None, "auto", ""),
             (AnalysisConfig(), BatchOptions(), clip, rows["set1.mp4"], "auto", ""),
             (AnalysisConfig(), BatchOptions(exercise="dip"), plain, rows["set2.mp4"], "dip",
              "chosen with --exercise")]
    for config, options, path, row, exercise, why in cases:
        cfg, reason = clip_config(config, path, tmp_path, options, row)
        assert (cfg.exercise, reason) == (exercise, why), (path, options, row)
    cfg, _ = clip_config(AnalysisConfig(), plain, tmp_path, BatchOptions(), rows["set2.mp4"])
    assert cfg.goal == "power"  # the row's other values still apply


def test_a_crashing_job_costs_only_its_own_row(folder: Path, cache: Path, tmp_path: Path) -> None:
    class Flaky(cf.ThreadPoolExecutor):
        """Fails the job of one clip as a dead worker would."""

        def submit(self, fn, *args, **kwargs):
            if "pushup" in str(args[0][0]):
                fut: cf.Future = cf.Future()
                fut.set_exception(MemoryError("worker ran out of memory"))
                return fut
            return super().submit(fn, *args, **kwargs)

    out = tmp_path / "results"
    report = run_batch(folder, out, AnalysisConfig(), opts(cache), executor=Flaky(1))
    status = {r.clip: (r.status, r.error) for r in report.results}
    assert status["squat_monday.mp4"][0] == "ok"
    assert status["week2/pushup_set.mp4"][0] == "error"
    assert "MemoryError" in status["week2/pushup_set.mp4"][1]


# ---------------------------------------------------------------- the command


def test_cli_says_why_results_were_kept_once_not_for_every_clip(folder: Path, cache: Path,
                                                                 tmp_path: Path) -> None:
    out = tmp_path / "results"
    args = ["batch", str(folder), "-o", str(out), "--cache-dir", str(cache), "-q", "--workers", "1"]
    assert CliRunner().invoke(main, args).exit_code == 0
    kept = CliRunner().invoke(main, [*args, "--goal", "power"])
    assert kept.exit_code == 1, kept.output
    lines = [line for line in kept.output.splitlines() if line.startswith("not redone")]
    assert len(lines) == 2, kept.output
    assert sum('goal "strength", now "power"' in line for line in lines) == 1
    assert lines[1].endswith(": as above")


def test_a_clip_added_beside_one_of_the_same_name_leaves_its_folder_alone(
        cache: Path, tmp_path: Path) -> None:
    # squat.mov added beside an analysed squat.mp4 took squat/ (it sorts first), was
    # refused as "made from a different video", and the .mp4 was analysed again elsewhere.
    root = tmp_path / "clips"
    good_clip(root / "gus" / "squat.mp4", cache, "squat", 3, seed=1)
    out = tmp_path / "results"
    first = run_batch(root, out, AnalysisConfig(), opts(cache), executor=threads())
    assert [(r.clip, r.results) for r in first.results] == [("gus/squat.mp4", "gus/squat")]
    good_clip(root / "gus" / "squat.mov", cache, "squat", 4, seed=2)
    again = run_batch(root, out, AnalysisConfig(), opts(cache), executor=threads())
    assert {r.clip: (r.status, r.results) for r in again.results} == {
        "gus/squat.mov": ("ok", "gus/squat_mov"), "gus/squat.mp4": ("reused", "gus/squat")}
    assert again.ok


def test_cli_batch_with_process_pool_exit_codes(folder: Path, cache: Path, tmp_path: Path) -> None:
    out = tmp_path / "results"
    args = ["batch", str(folder), "-o", str(out), "--cache-dir", str(cache), "-q",
            "--workers", "2"]
    ok = CliRunner().invoke(main, args)
    assert ok.exit_code == 0, ok.output
    assert "2 clips: 2 analysed" in ok.output
    (folder / "broken.mp4").write_bytes(b"")
    bad = CliRunner().invoke(main, args)
    assert bad.exit_code == 1, bad.output
    assert "1 failed" in bad.output and "Traceback" not in bad.output
    assert "2 already done" in bad.output
    assert len(read_summary(out)) == 3


def test_results_inside_the_input_folder_are_not_taken_for_clips(folder: Path, cache: Path) -> None:
    out = folder / "results"
    first = run_batch(folder, out, AnalysisConfig(), opts(cache, annotate=True),
                      executor=threads())
    second = run_batch(folder, out, AnalysisConfig(), opts(cache, annotate=True),
                       executor=threads())
    assert [r.clip for r in first.results] == [r.clip for r in second.results] == [
        "squat_monday.mp4", "week2/pushup_set.mp4"]
    assert [r.status for r in second.results] == ["reused", "reused"]


# ---------------------------------------------------------------- a results folder is data


def _tamper(clip_dir: Path, **changes) -> None:
    m = read_manifest(clip_dir)
    (clip_dir / MANIFEST).write_text(json.dumps({**m, **changes}))


def test_force_never_deletes_what_a_manifest_lists_outside_its_folder(
        folder: Path, cache: Path, tmp_path: Path) -> None:
    out = tmp_path / "results"
    run_batch(folder, out, AnalysisConfig(), opts(cache), executor=threads())
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    victims = [elsewhere / "thesis.txt", out / "summary.csv", tmp_path / "keep.txt"]
    for v in victims[::2]:
        v.write_text("precious")
    clip_dir = out / "squat_monday"
    (clip_dir / "link.txt").symlink_to(victims[2])
    listed = {"../../elsewhere/thesis.txt": {"size": 8}, str(victims[0]): {"size": 8},
              "../summary.csv": {"size": 1}, "link.txt": {"size": 8}, MANIFEST: {"size": 1},
              "squat_monday.json": {"size": "big"}}
    _tamper(clip_dir, outputs=listed)
    report = run_batch(folder, out, AnalysisConfig(goal="power"), opts(cache, force=True),
                       executor=threads())
    row = {r.clip: r for r in report.results}["squat_monday.mp4"]
    assert row.status == "ok"
    assert all(v.read_text() == "precious" for v in victims[::2])
    assert (out / "summary.csv").is_file() and (clip_dir / "link.txt").is_symlink()
    assert sum("outside the clip's results folder" in n for n in row.notes) == 5
    assert any("no valid size" in n for n in row.notes)


def test_a_clip_folder_linked_outside_the_results_is_left_alone(
        folder: Path, cache: Path, tmp_path: Path) -> None:
    out = tmp_path / "results"
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    out.mkdir()
    (out / "squat_monday").symlink_to(elsewhere, target_is_directory=True)
    report = run_batch(folder, out, AnalysisConfig(), opts(cache, force=True),
                       executor=threads())
    row = {r.clip: r for r in report.results}["squat_monday.mp4"]
    assert row.status == "error" and "left untouched" in row.error
    assert list(elsewhere.iterdir()) == []


def test_a_fifo_or_garbage_manifest_neither_hangs_nor_crashes(
        folder: Path, cache: Path, tmp_path: Path) -> None:
    import os

    out = tmp_path / "results"
    run_batch(folder, out, AnalysisConfig(), opts(cache), executor=threads())
    fifo_dir = out / "squat_monday"
    (fifo_dir / MANIFEST).unlink()
    os.mkfifo(fifo_dir / MANIFEST)
    _tamper(out / "week2" / "pushup_set", result={"status": "ok", "reps": "many",
                                                   "warnings": "abc"},
            outputs=[1, 2], video=[3])
    report = run_batch(folder, out, AnalysisConfig(), opts(cache), executor=threads())
    rows = {r.clip: r for r in report.results}
    assert rows["squat_monday.mp4"].status == "error"
    assert "did not record" in rows["squat_monday.mp4"].error
    assert "choose another results folder" in rows["squat_monday.mp4"].error
    assert rows["week2/pushup_set.mp4"].status == "ok"  # re-run, not trusted, not a crash
    assert rows["week2/pushup_set.mp4"].reps == 4


def test_clip_names_that_collide_with_results_get_their_own_folders(
        cache: Path, tmp_path: Path) -> None:
    root = tmp_path / "clips"
    good_clip(root / "squat.mp4", cache, "squat", 3, seed=1)
    good_clip(root / "squat" / "a.mp4", cache, "squat", 3, seed=1)
    good_clip(root / "manifest.mp4", cache, "squat", 3, seed=1)
    out = tmp_path / "results"
    report = run_batch(root, out, AnalysisConfig(), opts(cache, exercise="squat"),
                       executor=threads())
    assert [r.status for r in report.results] == ["ok", "ok", "ok"]
    assert {r.clip: r.results for r in report.results} == {
        "manifest.mp4": "manifest", "squat.mp4": "squat_mp4", "squat/a.mp4": "squat/a"}
    assert read_manifest(out / "manifest")["complete"]
    assert (out / "manifest" / "manifest_clip.json").is_file()
    again = run_batch(root, out, AnalysisConfig(), opts(cache, exercise="squat"),
                      executor=threads())
    assert [r.status for r in again.results] == ["reused"] * 3


# ---------------------------------------------------------------- what reaches a spreadsheet


def test_clip_names_reach_summary_csv_as_text_not_formulas(cache: Path, tmp_path: Path) -> None:
    root = tmp_path / "clips"
    names = ['=HYPERLINK("https:x.example","open").mp4', "+1+2.mp4", "-2+3.mp4", "@SUM(A1).mp4",
             "\tsquat.mp4"]
    for k, n in enumerate(names):
        good_clip(root / n, cache, "squat", 3, seed=k)
    out = tmp_path / "results"
    run_batch(root, out, AnalysisConfig(), opts(cache, exercise="squat"), executor=threads())
    with open(out / "summary.csv", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert sorted(r["clip"] for r in rows) == sorted("'" + n for n in names)
    assert all(r["status"] == "ok" and r["reps"] == "3" for r in rows)


def test_csv_cells_are_neutralised_but_numbers_stay_numbers() -> None:
    from repsight.export import csv_text

    text = csv_text(["a", "b", "c", "d"], [{"a": "=1+2", "b": -0.5, "c": -3, "d": "x=1"}])
    assert text.splitlines()[1] == "'=1+2,-0.5,-3,x=1"


# ---------------------------------------------------------------- what batch reads


def test_special_files_are_skipped_and_listed_not_read(folder: Path, cache: Path,
                                                       tmp_path: Path) -> None:
    import os

    os.mkfifo(folder / "pipe.mp4")  # opening it for reading would block for ever
    (folder / "dangling.mov").symlink_to(tmp_path / "gone.mov")
    out = tmp_path / "results"
    report = run_batch(folder, out, AnalysisConfig(), opts(cache), executor=threads())
    assert [r.clip for r in report.results] == ["squat_monday.mp4", "week2/pushup_set.mp4"]
    assert dict(report.skipped) == {"dangling.mov": "a broken link",
                                    "pipe.mp4": "not a regular file (a named pipe)"}


def test_summary_rows_are_appended_as_clips_finish(folder: Path, cache: Path,
                                                   tmp_path: Path) -> None:
    out = tmp_path / "results"
    seen: list[int] = []
    run_batch(folder, out, AnalysisConfig(), opts(cache), executor=threads(),
              on_result=lambda r, done, total: seen.append(len(read_summary(out))))
    assert seen == [1, 2]  # the rows so far, no table of pending rows rewritten each time
    assert list(read_summary(out)) == ["squat_monday.mp4", "week2/pushup_set.mp4"]


def test_a_clip_with_a_very_long_name_gets_its_results(cache: Path, tmp_path: Path) -> None:
    # 240 bytes of name are legal, but left no room for "<name>.annotated.mp4" and its temp
    # file: the clip got an error row ("output name too long").
    name = "\u00fc" * 118 + ".mp4"
    good_clip(tmp_path / "clips" / "ana" / name, cache, "squat", 3, seed=4)
    out = tmp_path / "results"
    report = run_batch(tmp_path / "clips", out, AnalysisConfig(), opts(cache, html=True),
                       executor=threads())
    (row,) = read_summary(out).values()
    assert row["status"] == "ok", row["error"]
    folder = out / row["results"]
    assert len(folder.name.encode()) <= 150 and folder.name.startswith("\u00fc" * 10)
    assert report.ok and {p.suffix for p in folder.iterdir()} >= {".json", ".csv", ".html"}
    again = run_batch(tmp_path / "clips", out, AnalysisConfig(), opts(cache, html=True),
                      executor=threads())
    assert [r.status for r in again.results] == ["reused"]


def test_an_interrupted_batch_names_its_pending_clips_sessions_and_indexes_the_rest(
        folder: Path, cache: Path, tmp_path: Path) -> None:
    from repsight.errors import RepsightError

    good_clip(folder / "zoe" / "week1" / "2026-11-30 squat 80kg.mp4", cache, "squat", 3, seed=3)
    out = tmp_path / "results"

    def stop(result, done, total):
        raise KeyboardInterrupt

    with pytest.raises(RepsightError, match="interrupted: 1 of 3 clips finished"):
        run_batch(folder, out, AnalysisConfig(), opts(cache, html=True), workers=1,
                  executor=cf.ThreadPoolExecutor(max_workers=1), on_result=stop)
    rows = read_summary(out)
    pending = [r for r in rows.values() if r["status"] == "pending"]
    assert len(pending) == 2
    zoe = rows["zoe/week1/2026-11-30 squat 80kg.mp4"]  # the last in the folder's order
    assert zoe["status"] == "pending"
    assert (zoe["athlete"], zoe["date"], float(zoe["load_kg"])) == ("zoe", "2026-11-30", 80.0)
    assert (out / "index.html").is_file()  # the finished clip's page is linked
    from repsight.history import load_results

    _, warnings = load_results([out])
    assert any("2 clip(s) in" in w and "were not finished by its last batch" in w
               for w in warnings), warnings


def test_an_interrupted_forced_rerun_keeps_showing_the_results_it_did_not_reach(
        folder: Path, cache: Path, tmp_path: Path) -> None:
    # summary.csv and the index showed every clip not yet redone as a blank pending row,
    # though its complete results from the run before were still on disk.
    from repsight.errors import RepsightError

    out = tmp_path / "results"
    first = run_batch(folder, out, AnalysisConfig(), opts(cache), executor=threads())

    def stop(result, done, total):
        raise KeyboardInterrupt

    # The clip after the first waits until the interruption is read: a pool's worker
    # starts it as the first ends, before the interrupt, and under load it had begun
    # redoing that clip's folder (so its earlier results were no longer whole).
    release = threading.Event()

    class OneAtATime(cf.ThreadPoolExecutor):
        def __init__(self) -> None:
            super().__init__(max_workers=1)
            self.given = 0

        def submit(self, fn, /, *args, **kwargs):
            self.given += 1
            if self.given == 1:
                return super().submit(fn, *args, **kwargs)

            def when_released(*a, **k):
                release.wait(60)
                return fn(*a, **k)
            return super().submit(when_released, *args, **kwargs)

    pool = OneAtATime()
    try:
        with pytest.raises(RepsightError, match="interrupted: 1 of 2 clips finished"):
            run_batch(folder, out, AnalysisConfig(goal="power"), opts(cache, force=True),
                      workers=1, executor=pool, on_result=stop)
        rows = read_summary(out)
    finally:
        release.set()
        pool.shutdown(wait=True, cancel_futures=True)
    (left,) = [r for r in rows.values() if r["status"] == "pending"]
    before = {r.clip: r for r in first.results}[left["clip"]]
    assert (int(left["reps"]), left["goal"]) == (before.reps, "strength")


def test_a_clip_interrupted_while_being_redone_keeps_showing_its_earlier_results(
        folder: Path, cache: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Ctrl-C while a --force run was redoing a clip: its manifest was already the "not
    # finished" stub, so its row went blank though its earlier results were still there.
    import repsight.batch as batch
    from repsight.errors import RepsightError

    out = tmp_path / "results"
    first = run_batch(folder, out, AnalysisConfig(), opts(cache), executor=threads())
    real = batch._analyse_and_write

    def interrupted(clip, *args, **kwargs):
        if "pushup" in clip.name:
            raise KeyboardInterrupt  # after the stub is written, before any result
        return real(clip, *args, **kwargs)

    monkeypatch.setattr(batch, "_analyse_and_write", interrupted)
    with pytest.raises(RepsightError, match="interrupted"):
        run_batch(folder, out, AnalysisConfig(goal="power"), opts(cache, force=True),
                  executor=cf.ThreadPoolExecutor(max_workers=1))
    left = read_summary(out)["week2/pushup_set.mp4"]
    before = {r.clip: r for r in first.results}["week2/pushup_set.mp4"]
    assert left["status"] == "pending"
    assert (int(left["reps"]), left["goal"]) == (before.reps, "strength")
    # Stopped after its new JSON was written (while drawing its plot): the new results wait
    # in a folder of their own until all are written, so the earlier ones and their
    # figures still stand (the row went blank before, beside a JSON of the new run's).
    import repsight.plots as plots

    monkeypatch.setattr(batch, "_analyse_and_write", real)
    drawn = plots.plot_set

    def stopped(analysis, path, *a, **k):
        if "pushup" in str(path):
            raise KeyboardInterrupt
        return drawn(analysis, path, *a, **k)

    monkeypatch.setattr(plots, "plot_set", stopped)
    with pytest.raises(RepsightError, match="interrupted"):
        run_batch(folder, out, AnalysisConfig(goal="power"), opts(cache, force=True),
                  executor=cf.ThreadPoolExecutor(max_workers=1))
    halfway = read_summary(out)["week2/pushup_set.mp4"]
    assert (halfway["status"], int(halfway["reps"]), halfway["goal"]) == ("pending", before.reps,
                                                                         "strength")
    doc = json.loads((out / "week2" / "pushup_set" / "pushup_set.json").read_text())
    assert doc["config"]["goal"] == "strength"
    monkeypatch.setattr(plots, "plot_set", drawn)
    # Resumed, it is redone as the run asked.
    again = run_batch(folder, out, AnalysisConfig(goal="power"), opts(cache, force=True),
                      executor=threads())
    assert {r.clip: (r.status, r.goal) for r in again.results}["week2/pushup_set.mp4"] == ("ok", "power")


@pytest.mark.parametrize("where", ["same", "parent"])
def test_a_results_folder_that_is_or_holds_the_input_is_refused(where: str, folder: Path,
                                                               cache: Path) -> None:
    out = folder if where == "same" else folder.parent
    before = sorted(p for p in folder.parent.rglob("*"))
    args = ["batch", str(folder), "-o", str(out), "--cache-dir", str(cache), "-q"]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 1 and result.output.count("\n") == 1, result.output
    assert ("is the input folder" if where == "same" else "inside the results") in result.output
    assert sorted(p for p in folder.parent.rglob("*")) == before


def test_other_video_containers_are_read_and_unknown_ones_get_a_hint(tmp_path: Path,
                                                                     cache: Path) -> None:
    root = tmp_path / "clips"
    root.mkdir()
    run_ffmpeg("-f", "lavfi", "-i", "testsrc=s=160x120:r=25", "-frames:v", "10",
               str(root / "camcorder.m2ts"))
    run_ffmpeg("-f", "lavfi", "-i", "testsrc=s=160x120:r=25", "-frames:v", "10",
               "-c:v", "libtheora", str(root / "web.ogv"))
    assert [p.name for p in discover(root)] == ["camcorder.m2ts", "web.ogv"]
    odd = tmp_path / "odd"
    odd.mkdir()
    (odd / "a.xyz").write_bytes(b"\0" * 10)
    (odd / "b.xyz").write_bytes(b"\0" * 10)
    result = CliRunner().invoke(main, ["batch", str(odd), "-o", str(tmp_path / "r"), "-q"])
    assert result.exit_code == 0
    assert "hint: no videos found (2 .xyz file(s) there)" in result.output
    assert "repsight analyze FILE" in result.output
    empty = tmp_path / "empty"
    empty.mkdir()
    result = CliRunner().invoke(main, ["batch", str(empty), "-o", str(tmp_path / "e"), "-q"])
    assert result.exit_code == 0 and "hint: no videos found: the folder holds no files" in \
        result.output


def test_a_clip_with_nobody_in_it_is_named_and_left_out_of_history(folder: Path, cache: Path,
                                                                  tmp_path: Path) -> None:
    """A camera pointed at an empty rack: the batch reads the clip without fault but names
    it (it counted among "analysed" only), and history shows no 0-rep set for it."""
    import dataclasses

    import numpy as np

    from repsight.cache import cache_path, save_pose
    from repsight.pose import DEFAULT_MODEL
    from repsight.synthetic import synthesize
    from repsight.video import DEFAULT_MAX_LONG_SIDE, file_hash
    from helpers import write_test_video

    seq, _ = synthesize("squat", 2, seed=3, size=(160, 120))
    empty = folder / "ana" / "squat_empty_rack.mp4"
    empty.parent.mkdir(parents=True)
    # Another picture than the good clips' (another hash): its poses are all missing.
    write_test_video(empty, n=seq.n_frames, size=(160, 120), fps=seq.fps)
    nobody = dataclasses.replace(seq, image=np.full_like(seq.image, np.nan),
                                 world=np.full_like(seq.world, np.nan))
    save_pose(nobody, cache_path(file_hash(empty), DEFAULT_MODEL, DEFAULT_MAX_LONG_SIDE, cache))
    out = tmp_path / "out"
    run = CliRunner().invoke(main, ["batch", str(folder), "-o", str(out), "--cache-dir", str(cache),
                                    "-q", "--workers", "1"])
    assert run.exit_code == 0, run.output
    assert ("nobody in frame ana/squat_empty_rack.mp4: no person found in any frame, so nothing "
            "was analysed") in run.output
    assert "3 clips: 3 analysed, 0 already done, 0 failed, 1 with nobody in frame" in run.output
    hist = CliRunner().invoke(main, ["history", str(out)], terminal_width=200)
    assert hist.exit_code == 0, hist.output
    assert ("1 clip(s) in " in hist.output and "show no person (the pose model found nobody in any "
            "frame) and are not shown: ana/squat_empty_rack") in hist.output
    assert "squat_empty_rack │" not in hist.output and "ana:" not in hist.output.lower()
    assert "squat_monday │" in hist.output


# ---------------------------------------------------------------- stopping a batch


def _group(pgid: int) -> list[int]:
    """Live processes (not zombies) in a process group, from /proc."""
    pids = []
    for stat_file in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat_file.read_text()
        except OSError:
            continue
        fields = text.rsplit(")", 1)[1].split()
        if fields[0] != "Z" and int(fields[2]) == pgid:
            pids.append(int(stat_file.parent.name))
    return pids


@pytest.mark.slow
@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs Linux /proc")
@pytest.mark.parametrize("how", ["SIGINT to the group", "SIGTERM", "SIGKILL"])
def test_a_stopped_batch_leaves_no_process_behind(how: str, tmp_path: Path) -> None:
    import os
    import signal
    import subprocess
    import sys
    import time

    from helpers import write_test_video

    root = tmp_path / "clips"
    root.mkdir()
    for k in range(4):
        write_test_video(root / f"clip{k}.mp4", n=240)
    out = tmp_path / "results"
    # As from a terminal: a test runner started in the background may ignore SIGINT, and
    # children inherit that. The default is set here while the batch starts (a handler
    # set after the fork, preexec_fn, hung a CI run: Python code between fork and exec can
    # wait forever on a lock another thread held at the fork).
    before = signal.signal(signal.SIGINT, signal.SIG_DFL)
    try:
        proc = subprocess.Popen(
            [sys.executable, "-m", "repsight", "batch", str(root), "-o", str(out), "-q",
             "--workers", "2", "--model", "lite", "--no-cache"],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)
    finally:
        if before is not None:
            signal.signal(signal.SIGINT, before)
    try:
        deadline = time.monotonic() + 90
        # Wait until the workers are at work: a clip folder's first manifest exists.
        while not list(out.glob("*/manifest.json")) and time.monotonic() < deadline:
            assert proc.poll() is None, proc.communicate()
            time.sleep(0.2)
        assert len(_group(proc.pid)) >= 3  # the batch, its workers (and resource tracker)
        if how == "SIGINT to the group":
            os.killpg(proc.pid, signal.SIGINT)
        else:
            os.kill(proc.pid, getattr(signal, how))
        _stdout, stderr = proc.communicate(timeout=15)  # a hang guard, not a timing
        left = _group(proc.pid)
        for _ in range(50):  # orphans get a moment to notice
            if not left:
                break
            time.sleep(0.1)
            left = _group(proc.pid)
        assert left == [], f"left running: {left}"
        if how != "SIGKILL":
            assert "Traceback" not in stderr
            assert stderr.strip().count("\n") == 0 and "interrupted" in stderr, stderr
            assert proc.returncode == 1
        for clip_dir in out.iterdir():  # what finished is whole
            m = read_manifest(clip_dir) if clip_dir.is_dir() else None
            if m and m.get("complete"):
                assert all((clip_dir / n).stat().st_size == v["size"]
                           for n, v in m["outputs"].items())
    finally:
        with contextlib_suppress():
            os.killpg(proc.pid, signal.SIGKILL)


def contextlib_suppress():
    import contextlib

    return contextlib.suppress(ProcessLookupError, PermissionError)


def test_a_rebuilt_cache_entry_is_not_damage_to_the_clip() -> None:
    # The cache's note quotes the error of the entry it threw away ("damaged", "Truncated
    # file header"); only the video reader's notes mean the clip itself lost frames.
    import types

    from repsight.batch import input_damage

    def seq(*warnings: str):
        return types.SimpleNamespace(meta={"warnings": list(warnings)}, n_frames=10)

    assert input_damage(seq("discarded a damaged pose-cache entry and rebuilt it (unreadable "
                            "pose file x.npz: BadZipFile: Truncated file header)")) is None
    assert input_damage(seq("decoded 90 of 120 frames the container announces; the file may "
                            "be truncated")) is not None
    assert input_damage(seq("skipped 3 damaged packets; the frames around them may be missing "
                            "or smeared")) is not None


# ---------------------------------------------------------------- a clip of several sets


def test_a_clip_split_at_a_camera_cut_has_a_summary_row_a_set(tmp_path: Path, cache: Path) -> None:
    from test_shots import moved, splice

    from helpers import write_test_video
    from repsight.cache import cache_path, save_pose
    from repsight.config import DEFAULT_MODEL
    from repsight.synthetic import synthesize
    from repsight.video import DEFAULT_MAX_LONG_SIDE, file_hash

    root = tmp_path / "clips"
    good_clip(root / "squat_plain.mp4", cache, "squat", 3, seed=1)
    seq, _ = synthesize("squat", 3, seed=0, noise_px=1.0, size=(160, 120))
    cut = splice(seq, moved(seq, dx=0.15, scale=1.4), stats=True)  # three squats, a cut, three
    clip = write_test_video(root / "squat_cut.mp4", n=cut.n_frames, size=(160, 120), fps=cut.fps)
    save_pose(cut, cache_path(file_hash(clip), DEFAULT_MODEL, DEFAULT_MAX_LONG_SIDE, cache))
    out = tmp_path / "res"
    for status in ("ok", "reused"):
        run_batch(root, out, AnalysisConfig(), opts(cache), executor=threads())
        with open(out / "summary.csv", newline="") as fh:
            rows = list(csv.DictReader(fh))
        split = [r for r in rows if r["clip"] == "squat_cut.mp4"]
        assert [(r["set"], r["reps"], r["status"]) for r in split] == [("1", "3", status),
                                                                      ("2", "3", status)]
        # The clip's columns are repeated on each set's row; the times say where each set is.
        assert {r["results"] for r in split} == {"squat_cut"}
        assert [float(r["set_start_s"]) for r in split] == pytest.approx(
            [0.0, seq.n_frames / seq.fps], abs=0.01)
        assert all("camera cut at" in r["warnings"] for r in split)
        plain = [r for r in rows if r["clip"] == "squat_plain.mp4"]
        assert [(r["set"], r["reps"]) for r in plain] == [("", "3")]


def test_a_second_batch_on_a_results_folder_in_use_stops_at_once(folder: Path, cache: Path,
                                                                 tmp_path: Path) -> None:
    # Three overlapping runs on one results folder once failed a clip ("cannot write
    # ....png: No such file or directory"): one run's clean-up removed another's files.
    out = tmp_path / "results"
    run_batch(folder, out, AnalysisConfig(), opts(cache), executor=threads())
    before = {p: (p.stat().st_mtime_ns, p.read_bytes()) for p in out.rglob("*") if p.is_file()}
    args = ["batch", str(folder), "-o", str(out), "--cache-dir", str(cache), "-q", "--force"]
    with FileLock(out / LOCK_NAME, timeout=0):  # another batch holds the folder
        busy = CliRunner().invoke(main, args)
    assert busy.exit_code == 1 and busy.output.count("\n") == 1, busy.output
    assert "in use by another repsight batch" in busy.output
    assert {p: (p.stat().st_mtime_ns, p.read_bytes()) for p in before} == before
    assert {p for p in out.rglob("*") if p.is_file()} == set(before)
    # Once that batch is over, the folder is free again (no stale lock).
    again = CliRunner().invoke(main, args)
    assert again.exit_code == 0 and "2 clips: 0 analysed, 2 already done" in again.output, again.output


def test_a_lock_file_that_is_not_a_plain_file_is_refused_and_left_alone(
        folder: Path, cache: Path, tmp_path: Path) -> None:
    out = tmp_path / "results"
    out.mkdir()
    target = tmp_path / "training_log.txt"
    target.write_text("week 48\n")
    (out / LOCK_NAME).symlink_to(target)
    with pytest.raises(OutputError, match="is a link, not repsight's lock file"):
        run_batch(folder, out, AnalysisConfig(), opts(cache), executor=threads())
    assert target.read_text() == "week 48\n"
    assert sorted(p.name for p in out.iterdir()) == [LOCK_NAME]


def test_a_results_folder_on_a_filesystem_without_locks_runs_unguarded_and_says_so(
        folder: Path, cache: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import errno

    def no_locks(self, *args, **kwargs):
        raise OSError(errno.ENOSYS, "Function not implemented", str(self.lock_file))

    monkeypatch.setattr(FileLock, "acquire", no_locks)
    out = tmp_path / "results"
    report = run_batch(folder, out, AnalysisConfig(), opts(cache), executor=threads())
    assert [r.status for r in report.results] == ["ok", "ok"]
    assert any("cannot be locked" in w and "two batches" in w for w in report.warnings)


def test_a_slowing_sets_rir_and_rpe_reach_the_summary_row(cache: Path, tmp_path: Path) -> None:
    from repsight.synthetic.planning import plan_set
    from repsight.velocity import rpe_from_rir

    plans = plan_set(7, concentric_s=[0.7, 0.7, 0.75, 0.8, 0.85, 0.95, 1.05])
    good_clip(tmp_path / "clips" / "squat_slowing.mp4", cache, "squat", plans, seed=4)
    out = tmp_path / "results"
    run_batch(tmp_path / "clips", out, AnalysisConfig(), opts(cache), executor=threads())
    row = read_summary(out)["squat_slowing.mp4"]
    rir, rpe = float(row["rir_estimate"]), float(row["rpe_estimate"])
    assert 1.0 <= rir <= 4.0 and rpe == rpe_from_rir(rir) == 10.0 - round(rir)


# ---------------------------------------------------------------- one athlete's folder


def _athletes(tmp_path: Path, cache: Path) -> Path:
    root = tmp_path / "athletes"
    good_clip(root / "ana" / "week1" / "squat.mp4", cache, "squat", 3, seed=1)
    good_clip(root / "ben" / "week1" / "pushup.mp4", cache, "pushup", 4, seed=2)
    return root


@pytest.mark.parametrize("recorded", [True, False])
def test_a_batch_of_one_athletes_folder_adds_to_the_shared_results(tmp_path: Path, cache: Path,
                                                                   recorded: bool) -> None:
    """A coach batches the team's folder, then only Ben's new week into the same results:
    Ben's clips keep his name and weeks, his earlier clip is not redone, and Ana stays in
    summary.csv, the index and history. Before, the summary listed week1/pushup.mp4 and
    week2/pushup.mp4 with no athlete, and history dropped Ana as "deleted or renamed".
    Without the results folder's record (a folder written before it), the earlier
    summary's names tell the same."""
    from repsight.batch import RECORD_NAME

    root = _athletes(tmp_path, cache)
    out = tmp_path / "results"
    run_batch(root, out, AnalysisConfig(), opts(cache, html=True), executor=threads())
    if not recorded:
        (out / RECORD_NAME).unlink()
    good_clip(root / "ben" / "week2" / "pushup.mp4", cache, "pushup", 5, seed=4)
    report = run_batch(root / "ben", out, AnalysisConfig(), opts(cache), executor=threads())
    assert [(r.clip, r.status, r.athlete) for r in report.results] == [
        ("ben/week1/pushup.mp4", "reused", "ben"), ("ben/week2/pushup.mp4", "ok", "ben")]
    assert any("summary.csv keeps the rows of its 1 clip(s) outside ben/" in w for w in report.warnings)
    with open(out / "summary.csv", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert [(r["clip"], r["athlete"], r["reps"]) for r in rows] == [
        ("ana/week1/squat.mp4", "ana", "3"), ("ben/week1/pushup.mp4", "ben", "4"),
        ("ben/week2/pushup.mp4", "ben", "5")]
    assert not (out / "week2").exists()
    index = (out / "index.html").read_text()
    assert "ana/week1/squat.mp4" in index and "ben/week2/pushup.mp4" in index
    hist = CliRunner().invoke(main, ["history", str(out), "--csv", str(tmp_path / "h.csv")])
    assert hist.exit_code == 0, hist.output
    assert "not in its summary.csv" not in hist.output
    with open(tmp_path / "h.csv", newline="") as fh:
        sets = {(r["athlete"], r["session"]) for r in csv.DictReader(fh)}
    assert sets == {("ana", "week1"), ("ben", "week1"), ("ben", "week2")}


def test_a_new_athletes_folder_batched_into_the_shared_results_is_named_from_the_team_folder(
        tmp_path: Path, cache: Path) -> None:
    """Cara's first clips, batched on their own into the team's results folder: named
    cara/..., beside the others (the results folder records the team's folder)."""
    root = _athletes(tmp_path, cache)
    out = tmp_path / "results"
    run_batch(root, out, AnalysisConfig(), opts(cache), executor=threads())
    good_clip(root / "cara" / "2026-12-01" / "squat.mp4", cache, "squat", 4, seed=5)
    report = run_batch(root / "cara", out, AnalysisConfig(), opts(cache), executor=threads())
    assert [(r.clip, r.athlete, r.date) for r in report.results] == [
        ("cara/2026-12-01/squat.mp4", "cara", "2026-12-01")]
    assert list(read_summary(out)) == ["ana/week1/squat.mp4", "ben/week1/pushup.mp4",
                                       "cara/2026-12-01/squat.mp4"]


@pytest.mark.parametrize("recorded", [True, False])
def test_another_folder_batched_into_a_results_folder_is_refused_unless_forced(
        tmp_path: Path, cache: Path, recorded: bool) -> None:
    """A folder outside the one the results folder's clips come from: its summary would
    list only the new clips, and history would hide the others as deleted, so the batch
    stops before any clip (a one-line error); --force goes on and says what it dropped."""
    from repsight.batch import RECORD_NAME

    root = _athletes(tmp_path, cache)
    out = tmp_path / "results"
    run_batch(root, out, AnalysisConfig(), opts(cache), executor=threads())
    if not recorded:
        (out / RECORD_NAME).unlink()
    other = tmp_path / "elsewhere"
    good_clip(other / "squat.mp4", cache, "squat", 3, seed=6)
    before = (out / "summary.csv").read_bytes()
    with pytest.raises(OutputError, match="holds the results of 2 clip"):
        run_batch(other, out, AnalysisConfig(), opts(cache), executor=threads())
    assert (out / "summary.csv").read_bytes() == before and not (out / "squat").exists()
    report = run_batch(other, out, AnalysisConfig(), opts(cache, force=True), executor=threads())
    assert list(read_summary(out)) == ["squat.mp4"]
    assert any("listed 2 clip(s) from" in w and "it now lists only this batch's clips" in w
               for w in report.warnings)


def test_a_new_athletes_folder_finds_the_team_folder_without_the_record(
        tmp_path: Path, cache: Path) -> None:
    """A results folder written before the record (or whose team folder was renamed):
    a new athlete's folder beside those the summary's clips are still found in is named
    from there, and the team's rows stay."""
    import shutil

    from repsight.batch import RECORD_NAME

    root = _athletes(tmp_path, cache)
    out = tmp_path / "results"
    run_batch(root, out, AnalysisConfig(), opts(cache), executor=threads())
    moved = tmp_path / "team renamed"
    shutil.move(root, moved)
    for case in ("renamed", "no record"):
        if case == "no record":
            (out / RECORD_NAME).unlink()
        athlete = f"cara{len(case)}"
        good_clip(moved / athlete / "week1" / "squat.mp4", cache, "squat", 4, seed=7)
        report = run_batch(moved / athlete, out, AnalysisConfig(), opts(cache), executor=threads())
        assert [(r.clip, r.athlete) for r in report.results] == [
            (f"{athlete}/week1/squat.mp4", athlete)]
    assert list(read_summary(out)) == ["ana/week1/squat.mp4", "ben/week1/pushup.mp4",
                                       "cara7/week1/squat.mp4", "cara9/week1/squat.mp4"]


def test_one_athletes_batch_reads_the_team_manifest_rows_below_its_folder(
        tmp_path: Path, cache: Path) -> None:
    """The team's manifest.csv names Ana's and Ben's clips: a batch of Ben's folder takes
    his rows (load, date) and does not call Ana's rows ones that name no video."""
    root = _athletes(tmp_path, cache)
    (root / "manifest.csv").write_text(
        "clip,athlete,date,load_kg\nana/week1/squat.mp4,Ana,2026-11-30,60\n"
        "ben/week1/pushup.mp4,Ben,2026-11-30,20\n")
    out = tmp_path / "results"
    run_batch(root, out, AnalysisConfig(), opts(cache), executor=threads())
    report = run_batch(root / "ben", out, AnalysisConfig(), opts(cache), executor=threads())
    assert not any("name no video" in w for w in report.warnings)
    assert [(r.clip, r.athlete, r.load_kg) for r in report.results] == [
        ("ben/week1/pushup.mp4", "Ben", 20.0)]
    assert read_summary(out)["ana/week1/squat.mp4"]["load_kg"] == "60.0"


# ---------------------------------------------------------------- a redo that fails


def _plot_fails_for(word: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Drawing the plot of a clip whose path holds `word` fails as on a full disk."""
    import repsight.plots as plots

    drawn = plots.plot_set

    def broken(analysis, path, *a, **k):
        if word in str(path):
            raise OSError(28, "No space left on device", str(path))
        return drawn(analysis, path, *a, **k)

    monkeypatch.setattr(plots, "plot_set", broken)


def _folder_state(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


@pytest.mark.parametrize("fails", ["drawing", "aside", "placing"])
def test_a_forced_redo_that_fails_leaves_the_earlier_results_whole_and_shown(
        folder: Path, cache: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        fails: str) -> None:
    """A --force redo failed part-way (its plot could not be drawn, or a file could not be
    moved into place: one held open by a viewer): the folder used to mix the new JSON and
    CSV with the earlier plot behind a "not finished" manifest, the row went blank, and
    history showed the half-written result. Now the folder is as it was, byte for byte,
    and the error row shows the earlier figures that history shows."""
    import os

    import repsight.batch as batch

    out = tmp_path / "results"
    first = {r.clip: r for r in run_batch(folder, out, AnalysisConfig(), opts(cache),
                                          executor=threads()).results}
    clip_dir = out / "week2" / "pushup_set"
    before = _folder_state(clip_dir)
    if fails == "drawing":
        _plot_fails_for("pushup", monkeypatch)
    else:
        real_replace = os.replace

        def busy(src, dst):
            # "aside": the earlier plot cannot be moved away; "placing": the new plot
            # cannot be moved in, after the JSON and CSV were (they go back).
            moving = (batch.BACKUP in str(dst) if fails == "aside"
                      else batch.STAGING in str(src))
            if str(dst).endswith("pushup_set.png") and moving:
                raise OSError(16, "Device or resource busy", str(dst))
            return real_replace(src, dst)

        monkeypatch.setattr(batch.os, "replace", busy)
    report = run_batch(folder, out, AnalysisConfig(goal="power"), opts(cache, force=True),
                       executor=cf.ThreadPoolExecutor(max_workers=1))
    monkeypatch.undo()
    got = {r.clip: r for r in report.results}["week2/pushup_set.mp4"]
    assert got.status == "error" and "earlier results are left as they were" in got.error
    assert (got.reps, got.goal) == (first["week2/pushup_set.mp4"].reps, "strength")
    assert _folder_state(clip_dir) == before
    row = read_summary(out)["week2/pushup_set.mp4"]
    assert (row["status"], int(row["reps"]), row["goal"]) == ("error", got.reps, "strength")
    assert {r.clip: r.status for r in report.results}["squat_monday.mp4"] == "ok"
    # The next run redoes it as asked, from a clean folder.
    again = run_batch(folder, out, AnalysisConfig(goal="power"), opts(cache, force=True),
                      executor=threads())
    assert {r.clip: (r.status, r.goal) for r in again.results}["week2/pushup_set.mp4"] == ("ok", "power")
    assert sorted(p.name for p in clip_dir.iterdir()) == sorted(
        ["manifest.json", "pushup_set.json", "pushup_set.csv", "pushup_set.png"])


def test_history_leaves_out_the_results_of_a_clip_exported_again_under_its_name(
        folder: Path, cache: Path, tmp_path: Path) -> None:
    """A clip replaced by a new export of the set under the same name: the batch refuses to
    replace its results without --force, and history used to show the old video's
    figures as the session, under a warning about damaged files. Now it names the clip
    and says how to analyse the new video."""
    out = tmp_path / "results"
    run_batch(folder, out, AnalysisConfig(), opts(cache), executor=threads())
    good_clip(folder / "week2" / "pushup_set.mp4", cache, "pushup", 5, seed=9)
    report = run_batch(folder, out, AnalysisConfig(), opts(cache), executor=threads())
    assert {r.clip: r.status for r in report.results}["week2/pushup_set.mp4"] == "error"
    hist = CliRunner().invoke(main, ["history", str(out), "--csv", str(tmp_path / "h.csv")],
                              terminal_width=200)
    assert hist.exit_code == 0, hist.output
    assert ("1 clip(s) in " in hist.output and "are now another video than their results were "
            "made from" in hist.output and "week2/pushup_set;" in hist.output)
    assert "failed in the batch" not in hist.output and "hold results" not in hist.output
    with open(tmp_path / "h.csv", newline="") as fh:
        assert [r["clip"] for r in csv.DictReader(fh)] == ["squat_monday"]


@pytest.mark.parametrize("where", ["given", "local"])
def test_one_athletes_batch_reads_a_manifest_given_or_beside_its_clips(
        tmp_path: Path, cache: Path, where: str) -> None:
    """The team's manifest given with --manifest names clips as ben/week1/...; a manifest
    in Ben's own folder names them as week1/...: either gives Ben's rows."""
    root = _athletes(tmp_path, cache)
    out = tmp_path / "results"
    run_batch(root, out, AnalysisConfig(), opts(cache), executor=threads())
    if where == "given":
        sheet = tmp_path / "team.csv"
        sheet.write_text("clip,athlete,load_kg\nana/week1/squat.mp4,Ana,60\n"
                         "ben/week1/pushup.mp4,Ben,20\n")
        o = opts(cache, manifest=str(sheet))
    else:
        (root / "ben" / "manifest.csv").write_text("clip,athlete,load_kg\nweek1/pushup.mp4,Ben,20\n")
        o = opts(cache)
    report = run_batch(root / "ben", out, AnalysisConfig(), o, executor=threads())
    assert not any("name no video" in w or "have no row" in w for w in report.warnings)
    assert [(r.clip, r.athlete, r.load_kg) for r in report.results] == [
        ("ben/week1/pushup.mp4", "Ben", 20.0)]


def test_a_team_manifest_row_by_file_name_is_matched_as_the_team_batch_would(
        tmp_path: Path, cache: Path) -> None:
    """The team's row `squat.mp4,Ana` names Ana's clip while it is the only squat.mp4; once
    Ben has one too, the team batch refuses the row as ambiguous, and Ben's own batch must
    not give his clip Ana's name and load."""
    from repsight.sessions import ManifestError

    root = _athletes(tmp_path, cache)
    (root / "manifest.csv").write_text("clip,athlete,load_kg\nsquat.mp4,Ana,60\n")
    out = tmp_path / "results"
    run_batch(root, out, AnalysisConfig(), opts(cache), executor=threads())
    good_clip(root / "ben" / "week2" / "squat.mp4", cache, "squat", 4, seed=8)
    for folder in (root, root / "ben"):
        with pytest.raises(ManifestError, match="names 2 clips"):
            run_batch(folder, out, AnalysisConfig(), opts(cache), executor=threads())


def test_kept_rows_read_back_as_written(tmp_path: Path, cache: Path) -> None:
    """A summary saved back by a spreadsheet (a byte-order mark, a Western code page), an
    athlete folder named '@jo' (written guarded as "'@jo/..."), negative numbers: kept rows
    come out as they went in, and the other athletes stay."""
    root = tmp_path / "team"
    good_clip(root / "@jo" / "squat.mp4", cache, "squat", 3, seed=1)
    good_clip(root / "bén" / "pushup.mp4", cache, "pushup", 4, seed=2)
    out = tmp_path / "results"
    run_batch(root, out, AnalysisConfig(), opts(cache), executor=threads())
    text = (out / "summary.csv").read_text(encoding="utf-8")
    assert "'@jo/squat.mp4" in text
    (out / "summary.csv").write_bytes(text.encode("cp1252"))
    before = {k: v for k, v in read_summary_bytes(out).items()}
    report = run_batch(root / "bén", out, AnalysisConfig(), opts(cache), executor=threads())
    assert [r.status for r in report.results] == ["reused"]
    after = read_summary(out)
    assert list(after) == ["'@jo/squat.mp4", "bén/pushup.mp4"]
    assert after["'@jo/squat.mp4"] == before["'@jo/squat.mp4"]
    again = run_batch(root / "@jo", out, AnalysisConfig(), opts(cache), executor=threads())
    assert [(r.clip, r.status) for r in again.results] == [("@jo/squat.mp4", "reused")]
    assert list(read_summary(out)) == ["'@jo/squat.mp4", "bén/pushup.mp4"]
    # history reads the guarded name back too: @jo's set is shown, not taken for deleted.
    hist = CliRunner().invoke(main, ["history", str(out), "--csv", str(tmp_path / "h.csv")])
    assert hist.exit_code == 0 and "not in its summary.csv" not in hist.output, hist.output
    with open(tmp_path / "h.csv", newline="", encoding="utf-8") as fh:
        assert sorted(r["clip"] for r in csv.DictReader(fh)) == ["'@jo/squat", "bén/pushup"]


def read_summary_bytes(out: Path) -> dict[str, dict[str, str]]:
    import io

    text = (out / "summary.csv").read_bytes().decode("cp1252")
    return {row["clip"]: row for row in csv.DictReader(io.StringIO(text, newline=""))}


def test_a_failed_forced_redo_of_a_clip_exported_again_is_not_shown_as_its_session(
        folder: Path, cache: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A --force run on a clip replaced by a new export fails: the folder still holds the
    old video's results, and neither its row nor history shows them as the clip's."""
    out = tmp_path / "results"
    run_batch(folder, out, AnalysisConfig(), opts(cache), executor=threads())
    good_clip(folder / "week2" / "pushup_set.mp4", cache, "pushup", 5, seed=9)
    _plot_fails_for("pushup", monkeypatch)
    report = run_batch(folder, out, AnalysisConfig(), opts(cache, force=True), executor=threads())
    got = {r.clip: r for r in report.results}["week2/pushup_set.mp4"]
    assert got.status == "error" and got.reps is None and "made from a different video" in got.error
    assert ".new-results" not in got.error
    hist = CliRunner().invoke(main, ["history", str(out)], terminal_width=200)
    assert "are now another video" in hist.output and "pushup_set │" not in hist.output


def test_a_folder_named_like_a_result_is_left_alone(folder: Path, cache: Path, tmp_path: Path) -> None:
    """A folder someone put where a result goes (squat_monday.png/): the clip gets an error
    row and the folder and what it holds stay."""
    out = tmp_path / "results"
    keep = out / "squat_monday" / "squat_monday.png"
    keep.mkdir(parents=True)
    (keep / "precious.txt").write_text("mine")
    (out / "squat_monday" / MANIFEST).write_text(json.dumps({"format": 1, "complete": False}))
    report = run_batch(folder, out, AnalysisConfig(), opts(cache), executor=threads())
    got = {r.clip: r for r in report.results}["squat_monday.mp4"]
    assert got.status == "error" and "it is a folder" in got.error
    assert (keep / "precious.txt").read_text() == "mine"


def test_a_kill_while_results_were_moved_in_is_undone_by_the_next_run(
        folder: Path, cache: Path, tmp_path: Path) -> None:
    """Killed half-way through moving a redo's results in: the new JSON in place, the earlier
    one moved aside, the manifest the "not finished" stub. The next run puts the earlier
    files back before it starts, so a row that shows the earlier figures shows them beside
    the files they came from."""
    from repsight.batch import BACKUP

    out = tmp_path / "results"
    run_batch(folder, out, AnalysisConfig(), opts(cache), executor=threads())
    clip_dir = out / "week2" / "pushup_set"
    whole = _folder_state(clip_dir)
    (clip_dir / BACKUP).mkdir()
    (clip_dir / "pushup_set.json").rename(clip_dir / BACKUP / "pushup_set.json")
    (clip_dir / "pushup_set.json").write_text('{"made": "by the killed run"}')
    m = json.loads((clip_dir / MANIFEST).read_text())
    (clip_dir / MANIFEST).write_text(json.dumps({"format": 1, "complete": False, "clip": m["clip"],
                                                 "content_hash": m["content_hash"],
                                                 "analysis_key": m["analysis_key"],
                                                 "earlier_result": m["result"]}))
    from repsight.batch import _remove_temp_files

    _remove_temp_files(clip_dir, complete=False)
    state = _folder_state(clip_dir)
    assert state["pushup_set.json"] == whole["pushup_set.json"] and BACKUP not in str(list(state))
    again = run_batch(folder, out, AnalysisConfig(), opts(cache), executor=threads())
    assert {r.clip: r.status for r in again.results}["week2/pushup_set.mp4"] == "ok"
    assert _folder_state(clip_dir)["pushup_set.json"] == whole["pushup_set.json"]


def test_the_team_folder_after_one_athletes_batch_is_refused_with_why(tmp_path: Path, cache: Path) -> None:
    """Ben's folder batched first, then the team's into the same results: the names differ
    (week1/... then ben/week1/...), so the batch says so instead of listing Ben twice."""
    root = _athletes(tmp_path, cache)
    out = tmp_path / "results"
    run_batch(root / "ben", out, AnalysisConfig(), opts(cache), executor=threads())
    with pytest.raises(OutputError, match="named from .*ben, a folder inside"):
        run_batch(root, out, AnalysisConfig(), opts(cache), executor=threads())


def test_a_copy_of_the_clips_folder_elsewhere_batches_into_the_same_results(
        tmp_path: Path, cache: Path) -> None:
    """The clips copied to another drive and batched from there: the same clips by name, so
    the results are reused, not refused as another folder's."""
    import shutil

    root = _athletes(tmp_path, cache)
    out = tmp_path / "results"
    run_batch(root, out, AnalysisConfig(), opts(cache), executor=threads())
    copy = tmp_path / "drive" / "clips"
    shutil.copytree(root, copy)
    report = run_batch(copy, out, AnalysisConfig(), opts(cache), executor=threads())
    assert [r.status for r in report.results] == ["reused", "reused"]
    assert list(read_summary(out)) == ["ana/week1/squat.mp4", "ben/week1/pushup.mp4"]


def test_a_copy_of_part_of_the_clips_folder_is_refused(tmp_path: Path, cache: Path) -> None:
    """Only Ana's folder copied to a laptop (with its parent) and batched into the shared
    results: not a copy of the team folder, so refused rather than dropping Ben."""
    import shutil

    root = _athletes(tmp_path, cache)
    out = tmp_path / "results"
    run_batch(root, out, AnalysisConfig(), opts(cache), executor=threads())
    laptop = tmp_path / "laptop" / "clips"
    shutil.copytree(root / "ana", laptop / "ana")
    with pytest.raises(OutputError, match="holds the results of 2 clip"):
        run_batch(laptop, out, AnalysisConfig(), opts(cache), executor=threads())
    assert list(read_summary(out)) == ["ana/week1/squat.mp4", "ben/week1/pushup.mp4"]


def test_a_summary_saved_back_with_semicolons_keeps_its_rows_and_an_unreadable_one_is_said(
        tmp_path: Path, cache: Path) -> None:
    root = _athletes(tmp_path, cache)
    out = tmp_path / "results"
    run_batch(root, out, AnalysisConfig(), opts(cache), executor=threads())
    with open(out / "summary.csv", newline="", encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    with open(out / "summary.csv", "w", newline="", encoding="cp1252") as fh:
        csv.writer(fh, delimiter=";").writerows(rows)
    run_batch(root / "ben", out, AnalysisConfig(), opts(cache), executor=threads())
    assert list(read_summary(out)) == ["ana/week1/squat.mp4", "ben/week1/pushup.mp4"]
    (out / "summary.csv").write_bytes(b"\x00\x01 not a table")
    with pytest.raises(OutputError, match="cannot be read as repsight's summary"):
        run_batch(root / "ben", out, AnalysisConfig(), opts(cache), executor=threads())


def test_an_interrupted_redo_of_a_clip_exported_again_still_knows_its_results_are_of_another_video(
        folder: Path, cache: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """--force on a clip exported again, stopped before any result was replaced, then a run
    that fails: the folder's results are still the old video's, and the row says so."""
    import repsight.batch as batch
    from repsight.errors import RepsightError

    out = tmp_path / "results"
    run_batch(folder, out, AnalysisConfig(), opts(cache), executor=threads())
    good_clip(folder / "week2" / "pushup_set.mp4", cache, "pushup", 5, seed=9)
    real = batch._analyse_and_write

    def stopped(clip, *args, **kwargs):
        if "pushup" in clip.name:
            raise KeyboardInterrupt
        return real(clip, *args, **kwargs)

    monkeypatch.setattr(batch, "_analyse_and_write", stopped)
    with pytest.raises(RepsightError, match="interrupted"):
        run_batch(folder, out, AnalysisConfig(), opts(cache, force=True),
                  executor=cf.ThreadPoolExecutor(max_workers=1))
    monkeypatch.undo()
    _plot_fails_for("pushup", monkeypatch)
    report = run_batch(folder, out, AnalysisConfig(), opts(cache, force=True), executor=threads())
    got = {r.clip: r for r in report.results}["week2/pushup_set.mp4"]
    assert got.status == "error" and "made from a different video" in got.error and got.reps is None


def test_a_summary_of_no_rows_is_no_reason_to_refuse_one_athletes_batch(
        tmp_path: Path, cache: Path) -> None:
    """A team batch stopped before any clip finished leaves summary.csv with its header
    only: readable, with no rows to lose, so Ben's batch goes on (it was refused as
    "cannot be read")."""
    root = _athletes(tmp_path, cache)
    out = tmp_path / "results"
    run_batch(root, out, AnalysisConfig(), opts(cache), executor=threads())
    text = (out / "summary.csv").read_text(encoding="utf-8")
    (out / "summary.csv").write_text(text.split("\n", 1)[0] + "\n", encoding="utf-8")
    report = run_batch(root / "ben", out, AnalysisConfig(), opts(cache), executor=threads())
    assert [(r.clip, r.status) for r in report.results] == [("ben/week1/pushup.mp4", "reused")]


def test_a_clip_whose_name_is_not_utf8_is_skipped_by_name_and_the_rest_go_on(tmp_path):
    # A Latin-1 "caf\xe9.mp4" (a Windows zip, a FAT stick) beside good clips crashed the
    # batch writing its summary row, and every other clip's row was lost.
    import os

    from repsight.batch import scan
    from repsight.errors import printable
    from repsight.export import atomic_write

    folder = tmp_path / "clips"
    (folder / "ana").mkdir(parents=True)
    (folder / "ana" / "good.mp4").write_bytes(b"x")
    bad = os.fsdecode(b"caf\xe9.mp4")
    (folder / "ana" / bad).write_bytes(b"x")
    found = scan(folder)
    assert [p.name for p in found.clips] == ["good.mp4"]
    assert [(p, why.split(" (")[0]) for p, why in found.skipped] == [
        ("ana/caf\\xe9.mp4", "its name is not valid UTF-8")]
    # The name printed and written by a single-clip analysis does not raise either.
    assert printable(bad) == "caf\\xe9.mp4"
    out = atomic_write(tmp_path / "o.json", json.dumps({"video": bad}, ensure_ascii=False))
    assert json.loads(out.read_text(encoding="utf-8"))["video"] == bad


def test_an_unwritable_clip_folder_on_a_redo_keeps_its_earlier_figures(tmp_path, monkeypatch):
    # The manifest could not be put back in a read-only results folder: OutputError (no
    # OSError) escaped, and the row read "analysis crashed" without the earlier figures.
    import repsight.batch as batch
    from repsight.batch import ClipResult

    def refuse(out_dir, manifest):
        raise OutputError(f"cannot write {out_dir}/manifest.json: Permission denied")

    monkeypatch.setattr(batch, "_write_manifest", refuse)
    failed = ClipResult(clip="ana/raise.mp4", status="error", results="ana/raise",
                        error="cannot write ana/raise/raise.json: Permission denied")
    out = batch._failed_redo(failed, tmp_path / "ana" / "raise", {"status": "ok"}, None,
                             other_video=False)
    assert out == failed


def test_a_summary_saved_back_with_decimal_commas_reads_its_numbers_as_numbers(tmp_path):
    # A German spreadsheet saves ";" between cells and "0,493": kept rows came out as the
    # text "0,493" beside new rows' 0.4681 in the comma-separated summary.
    from repsight.batch import _as_written, summary_table

    path = tmp_path / "summary.csv"
    path.write_bytes("\ufeffclip;athlete;load_kg;mean_velocity_mps;warnings\r\n"
                     "ana/week2/squat.mp4;ana;105,0;0,493;\"rep 2,5 s\"\r\n".encode("utf-8"))
    (row,) = summary_table(path)
    assert _as_written(row) == {"clip": "ana/week2/squat.mp4", "athlete": "ana", "load_kg": 105.0,
                                "mean_velocity_mps": 0.493, "warnings": "rep 2,5 s"}


def test_a_batch_killed_outright_leaves_no_resource_tracker_warning(tmp_path):
    # kill -9 of a batch (or the out-of-memory killer) printed Python's "There appear to be
    # 5 leaked semaphore objects" on the coach's terminal, from the pool's resource tracker.
    import subprocess
    import sys
    import time

    script = tmp_path / "killed.py"
    script.write_text(
        "import os, signal, sys, multiprocessing\n"
        "if sys.argv[1] == 'quiet':\n"
        "    from repsight.batch import _quiet_resource_tracker\n"
        "    _quiet_resource_tracker()\n"
        "lock = multiprocessing.get_context('spawn').Lock()\n"
        "os.kill(os.getpid(), signal.SIGKILL)\n")
    said, took = {}, 0.0
    for how in ("loud", "quiet"):
        err = tmp_path / f"{how}.err"
        start = time.monotonic()
        with open(err, "wb") as fh:
            subprocess.run([sys.executable, str(script), how], stderr=fh, timeout=60)
        if how == "loud":  # the tracker outlives the killed process: wait for its line
            while time.monotonic() - start < 20 and b"leaked" not in err.read_bytes():
                time.sleep(0.2)
            took = time.monotonic() - start
        else:  # as long as the loud one took, and more
            time.sleep(max(0.0, 2 * took - (time.monotonic() - start)) + 0.5)
        said[how] = err.read_bytes()
    assert b"leaked semaphore" in said["loud"]  # the case is real
    assert said["quiet"] == b""


def test_a_redo_keeps_the_earlier_report_current_and_its_video_all_recorded(
        folder: Path, cache: Path, tmp_path: Path) -> None:
    # A clip redone without --html or --annotate (its JSON went missing): the earlier run's
    # report is made again from the new analysis and its annotated video kept, both
    # recorded in the manifest; not left beside the new figures unrecorded (no later run
    # could clean them), nor deleted (a coach adding --annotate to a week lost every report).
    out = tmp_path / "results"
    run_batch(folder, out, AnalysisConfig(), opts(cache, html=True, annotate=True),
              executor=threads())
    clip_dir = out / "squat_monday"
    (report,) = clip_dir.glob("*.html")
    (video,) = clip_dir.glob("*.annotated.mp4")
    before = report.stat().st_mtime_ns
    (clip_dir / "squat_monday.json").unlink()
    again = run_batch(folder, out, AnalysisConfig(), opts(cache), executor=threads())
    row = {r.clip: r for r in again.results}["squat_monday.mp4"]
    assert row.status == "ok" and (clip_dir / "squat_monday.json").is_file()
    assert report.is_file() and report.stat().st_mtime_ns != before and video.is_file()
    listed = read_manifest(clip_dir)["outputs"]
    assert {report.name, video.name} <= set(listed) and report.name in row.outputs
    # ... so a run asking for them again finds them current: nothing is redone.
    same = run_batch(folder, out, AnalysisConfig(), opts(cache, html=True, annotate=True),
                     executor=threads())
    assert {r.status for r in same.results} == {"reused"}
    # Under --force (made differently), what the run did not make is removed.
    run_batch(folder, out, AnalysisConfig(goal="power"), opts(cache, force=True),
              executor=threads())
    assert list(clip_dir.glob("*.html")) == [] and not video.exists()
    assert not any(n.endswith((".html", ".mp4")) for n in read_manifest(clip_dir)["outputs"])
