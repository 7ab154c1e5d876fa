"""HTML report: what the page shows is what the analysis found, offline, escaped, phone-sized."""

from __future__ import annotations

import base64
import re
import subprocess
import sys
from pathlib import Path

from urllib.parse import unquote

import pytest
from click.testing import CliRunner

from repsight.cli import main
from repsight.report import (ReportMedia, Still, evidence_view, render_report, report_context,
                             still_picks)
from result_helpers import good_clip

LEAN = {"trunk_lean_deg": [0, 0, 0, 15, 20]}


def rep(index: int, start: int, turnaround: int, end: int, **kw) -> dict:
    return {"index": index, "start": start, "turnaround": turnaround, "end": end,
            "partial": False, "completed": True, **kw}


def doc_with(reps, *, failure=None, verdicts=(), setup=()) -> dict:
    n = max((r["end"] for r in reps), default=0) + 10
    return {"source": "clips/ana squat.mp4", "exercise": "squat", "exercise_reason": "given",
            "config": {"goal": "strength"}, "timestamps_s": [1.0 + i / 25 for i in range(n)],
            "reps": list(reps), "tempo": [], "metrics": [], "verdicts": list(verdicts),
            "summary": {"reps": len(reps), "reps_detected": len(reps),
                        "first_failure_rep": failure, "first_failure_kind": "technical"
                        if failure else None, "duration_s": n / 25, "warnings": []},
            "assessment": {"metrics": {"velocity": {"setup_reps": list(setup)}}}}


def test_stills_compare_the_first_rep_with_the_first_failure_at_the_turnaround() -> None:
    reps = [rep(1, 0, 10, 20), rep(2, 20, 30, 40), rep(3, 40, 52, 60)]
    assert still_picks(doc_with(reps, failure=3)) == [(1, "first rep", 10),
                                                      (3, "first failure", 52)]
    # No failure: the last counted rep; a set-up "rep" is not the first rep.
    assert still_picks(doc_with(reps, setup=[1])) == [(2, "first rep", 30), (3, "last rep", 52)]
    # A stalled rep the segmentation left out: the last frame its verdict judged.
    stalled = {"kind": "concentric", "rep_index": 4, "reason": "r", "evidence": {"frames": [60, 75]}}
    assert still_picks(doc_with(reps, failure=4, verdicts=[stalled]))[-1] == (4, "first failure", 75)


def test_verdict_numbers_and_times_come_from_the_results() -> None:
    verdict = {"kind": "technical", "rep_index": 2, "reason": "rep 2: trunk leaning forward",
               "evidence": {"frames": [20, 40], "goal": "strength",
                            "trunk_lean": {"value": 8.7, "baseline": 0.0, "threshold": 6.0,
                                           "unit": "deg", "at_turnaround": 50.0}}}
    ctx = report_context(doc_with([rep(1, 0, 10, 20), rep(2, 20, 30, 40)], failure=2,
                                  verdicts=[verdict]))
    v = ctx["verdicts"][0]
    assert v["reason"] == "trunk leaning forward"  # the page names the rep beside it
    # Seconds from the first frame (which is at 1.0 s here), as a player shows them.
    assert v["span"] == "frames 20-40 (0.80-1.60 s)"
    assert v["measures"] == [{"name": "trunk lean", "value": "8.7", "baseline": "0",
                              "threshold": "6", "unit": "deg",
                              "extra": [("at the turnaround (deg)", "50")]}]
    assert v["other"] == [("goal", "strength")]
    # The technical evidence's own keys in words: "direction 1; source image" was jargon.
    lean = evidence_view({"trunk_lean": {"value": 8.7, "threshold": 7.0, "direction": 1,
                                         "source": "image", "floor": 6.0, "spread": 1.0}}, [0.0])
    assert lean["measures"][0]["extra"] == [("read from", "the picture (2-D landmarks)"),
                                            ("floor (deg)", "6"),
                                            ("first reps' own spread (deg)", "1")]
    # A velocity loss's baseline is a velocity: not shown under the loss's "%".
    loss = evidence_view({"velocity_loss": {"value": 21.6, "threshold": 20, "unit": "%",
                                            "velocity_mps": 0.516, "baseline": 0.658}}, [0.0])
    assert loss["measures"] == [{"name": "velocity loss", "value": "21.6", "baseline": "0.658 m/s",
                                 "threshold": "20", "unit": "%",
                                 "extra": [("velocity (m/s)", "0.516")]}]
    assert [r["start"] for r in ctx["rows"]] == ["0.00", "0.80"]
    assert [len(r["verdicts"]) for r in ctx["rows"]] == [0, 1]


def test_page_escapes_names_and_reasons() -> None:
    doc = doc_with([rep(1, 0, 10, 20)])
    doc["source"] = "<script>alert(1)</script>.mp4"
    doc["summary"]["warnings"] = ["<img src=x onerror=alert(2)>"]
    html = render_report(report_context(doc, ReportMedia(stills=(Still(1, "first rep", 10),))))
    assert "<script>alert(1)" not in html and "&lt;script&gt;alert(1)" in html
    assert "<img src=x" not in html
    # A one-rep set's one still is not headed "First rep and first rep".
    assert "First rep and" not in html and "<h2>Rep 1, at the" in html


def test_a_still_caption_without_a_velocity_has_no_stray_comma() -> None:
    # A rep with drift but no velocity read was captioned "at 0.73 s\n, lean back -0.4 deg".
    doc = doc_with([rep(1, 0, 10, 20)])
    doc["metrics"] = [{"index": 1, "mean_velocity_mps": None, "drift_deg": {"trunk": -0.4}}]
    html = render_report(report_context(doc, ReportMedia(stills=(Still(1, "first rep", 10),))))
    caption = re.search(r"<figcaption>(.*?)</figcaption>", html, re.S).group(1)
    assert re.sub(r"\s+", " ", caption).strip() == "<b>rep 1: first rep</b> at 0.40 s &middot; trunk -0.4 deg"


@pytest.fixture(scope="module")
def squat_report(tmp_path_factory) -> tuple[Path, Path]:
    """A 5-rep synthetic squat whose trunk lean grows from rep 4, reported by the CLI."""
    tmp = tmp_path_factory.mktemp("report")
    cache = tmp / "cache"
    # 240x180: at 160x120 the figure is about 100 px tall, under the size form is judged at.
    clip = good_clip(tmp / "squat.mp4", cache, "squat", 5, seed=1, faults=LEAN, size=(240, 180))
    page = tmp / "out" / "squat.html"
    result = CliRunner().invoke(main, ["analyze", str(clip), "--exercise", "squat", "-q",
                                       "--cache-dir", str(cache), "--html", str(page)])
    assert result.exit_code == 0, result.output
    return clip, page


def test_cli_html_report_is_self_contained(squat_report) -> None:
    _clip, page = squat_report
    html = page.read_text(encoding="utf-8")
    # Offline: nothing is fetched from elsewhere (the SVG namespace is a name, not a fetch).
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", html)
    assert "@import" not in html
    m = re.search(r'<video[^>]* src="data:video/mp4;base64,([^"]+)"', html)
    assert m, "the annotated video is embedded"
    assert base64.b64decode(m.group(1))[4:8] == b"ftyp"  # an MP4
    assert len(re.findall(r'<tr class="rep[ "]', html)) == 5
    assert html.count('<span class="tag fail">technical</span>') >= 2
    assert len(re.findall(r'<img src="data:image/jpeg;base64,', html)) == 2
    assert "rep 4: first failure" in html
    assert "<svg" in html and 'name="viewport"' in html


def test_large_annotated_video_is_played_from_beside_the_page(tmp_path: Path, monkeypatch) -> None:
    import repsight.report

    cache = tmp_path / "cache"
    clip = good_clip(tmp_path / "in" / "squat.mp4", cache, "squat", 3, seed=2)
    monkeypatch.setattr(repsight.report, "EMBED_MAX_BYTES", 1000)
    result = CliRunner().invoke(main, [
        "analyze", str(clip), "--exercise", "squat", "-q", "--cache-dir", str(cache),
        "--annotate", str(tmp_path / "out" / "videos" / "squat annotated.mp4"),
        "--html", str(tmp_path / "out" / "pages" / "squat.html")])
    assert result.exit_code == 0, result.output
    html = (tmp_path / "out" / "pages" / "squat.html").read_text(encoding="utf-8")
    assert 'src="../videos/squat%20annotated.mp4"' in html
    assert "data:video/mp4" not in html


def test_report_name_and_inputs_are_checked_before_any_work(tmp_path: Path) -> None:
    clip = good_clip(tmp_path / "squat.mp4", tmp_path / "cache", "squat", 3, seed=3)
    for out, words in ((tmp_path / "r.txt", "must be named .html"),
                       (clip, "it is the input")):
        result = CliRunner().invoke(main, ["analyze", str(clip), "-q", "--cache-dir",
                                           str(tmp_path / "cache"), "--html", str(out)])
        assert result.exit_code == 1 and words in result.output
        assert "Traceback" not in result.output


def test_cli_starts_without_the_templating_library() -> None:
    code = "import sys, repsight.cli; print('jinja2' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout.strip()
    assert out == "False"


def test_batch_html_writes_a_page_per_clip_and_an_index_linking_them(tmp_path: Path) -> None:
    import concurrent.futures as cf
    import html as html_lib

    from repsight.batch import BatchOptions, read_manifest, run_batch
    from repsight.config import AnalysisConfig

    cache = tmp_path / "cache"
    root = tmp_path / "clips"
    good_clip(root / "ana" / "squat_monday.mp4", cache, "squat", 5, seed=1, faults=LEAN)
    good_clip(root / "ben" / "pushup set.mp4", cache, "pushup", 3, seed=2)
    (root / "ben" / "broken.mp4").write_text("not a video")
    out = tmp_path / "results"
    options = BatchOptions(cache_dir=str(cache), html=True, plot=False)
    for round_ in ("ok", "reused"):
        with cf.ThreadPoolExecutor(max_workers=2) as pool:
            report = run_batch(root, out, AnalysisConfig(), options, executor=pool)
        assert sorted(r.status for r in report.results) == ["error", round_, round_]
        index = (out / "index.html").read_text(encoding="utf-8")
        links = [html_lib.unescape(h) for h in re.findall(r'<a href="([^"]+)"', index)]
        pages = sorted(out / unquote(h) for h in links)
        assert pages == sorted([out / "ana" / "squat_monday" / "squat_monday.html",
                                out / "ben" / "pushup set" / "pushup set.html"])
        assert all(p.is_file() for p in pages)
        assert index.count('<tr class="clip') == 3
        # The athlete is read from the folder; the failing clip's row says why.
        assert ">ana<" in index and ">ben<" in index
        assert index.count('class="clip failed"') == 1 and ">error</span>" in index
    assert "squat_monday.html" in read_manifest(out / "ana" / "squat_monday")["outputs"]
    # A folder where the index page goes (a clip folder named index.html): the clips'
    # results and summary.csv stand, the batch says the page was not written.
    (out / "index.html").unlink()
    (out / "index.html").mkdir()
    with cf.ThreadPoolExecutor(max_workers=2) as pool:
        report = run_batch(root, out, AnalysisConfig(), options, executor=pool)
    assert sorted(r.status for r in report.results) == ["error", "reused", "reused"]
    assert any("index page was not written" in w for w in report.warnings)
    (out / "index.html").rmdir()
    with cf.ThreadPoolExecutor(max_workers=2) as pool:
        run_batch(root, out, AnalysisConfig(), options, executor=pool)
    # Redone without --html for another goal: the pages are gone, and the index an earlier
    # run left is written again from this run's rows (it showed the old goal and linked
    # the deleted pages).
    plain = BatchOptions(cache_dir=str(cache), html=False, plot=False, force=True)
    with cf.ThreadPoolExecutor(max_workers=2) as pool:
        run_batch(root, out, AnalysisConfig(goal="power"), plain, executor=pool)
    index = (out / "index.html").read_text(encoding="utf-8")
    assert not (out / "ana" / "squat_monday" / "squat_monday.html").exists()
    assert re.findall(r'<a href="([^"]+)"', index) == [] and ">power<" in index
    assert index.count('<tr class="clip') == 3


def test_a_rep_partly_not_tracked_reads_as_unknown_phases_in_the_report() -> None:
    # Such a rep's phase durations are null in the JSON (Rep.unseen); the report rebuilt
    # its tempo string from them and failed on None.
    from repsight.report import _tempo_notation

    tempo = {"eccentric_s": None, "bottom_pause_s": None, "concentric_s": None, "top_pause_s": 0.28}
    assert _tempo_notation(tempo) == "?-?-?-0.3"
    assert _tempo_notation({"eccentric_s": 2.0, "bottom_pause_s": 0.0, "concentric_s": 1.0,
                            "top_pause_s": 0.5}) == "2-0-1-0.5"


def test_a_clip_split_at_camera_cuts_lists_its_sets() -> None:
    reps = [rep(1, 0, 10, 20), rep(2, 20, 30, 40)]
    doc = doc_with(reps)
    assert report_context(doc)["sets"] == []
    assert 'id="sets"' not in render_report(report_context(doc))
    doc["span"] = [0, 50]
    doc["sets"] = [
        {"span": [0, 50], "span_s": [1.0, 3.0], "summary": {"reps": 2}},
        {"span": [50, 90], "span_s": [3.0, 4.6],
         "summary": {"reps": 1, "first_failure_rep": 1, "first_failure_kind": "tempo"}}]
    ctx = report_context(doc)
    assert ctx["sets"] == [
        {"n": 1, "span": "0.0-2.0", "reps": 2, "first_failure": "none detected", "main": True},
        {"n": 2, "span": "2.0-3.6", "reps": 1, "first_failure": "rep 1 (tempo)", "main": False}]
    page = render_report(ctx)
    assert '<tr class="main"><td>1 (this page)</td><td>0.0-2.0</td><td>2</td>' in page
    # The header's length is the clip's (its shots'), not the main set's alone.
    doc["summary"] = {**doc.get("summary", {}), "duration_s": 2.0}
    doc["shots"] = {"shots": [{"duration_s": 2.0}, {"duration_s": 1.6}]}
    assert report_context(doc)["duration"] == "3.6"


def test_a_value_rounding_to_zero_is_never_shown_as_minus_zero() -> None:
    from repsight.table import format_number

    assert [format_number(x, f) for x, f in ((-0.3, ".0f"), (-0.001, ".2f"), (-0.004, ".0%"),
                                            (-0.6, ".0f"), (0.0, ".1f"), (float("nan"), ".1f"))] \
        == ["0", "0.00", "0%", "-1", "0.0", "-"]


def test_a_rep_cut_by_lost_tracking_is_not_said_to_be_cut_by_the_clip() -> None:
    from repsight.table import edge_flags

    # A set on frames 0..99: rep edges at the clip's ends, and inside it (tracking).
    assert edge_flags(0, 40, True, False, None, 100) == ["began before the clip"]
    assert edge_flags(60, 99, False, True, (0, 100), 100) == ["cut by the clip's end"]
    assert edge_flags(30, 60, True, True, None, 100) == ["under way when tracking began",
                                                         "tracking lost before its end"]
    assert edge_flags(30, 60, False, False, None, 100) == []
    # A set split off at a camera cut: its edges are the shot's.
    assert edge_flags(60, 99, False, True, (0, 100), 160) == ["cut by the shot's end"]
    # The pose lost a frame or two before a card: the shot's edge, not the tracking.
    assert edge_flags(60, 97, False, True, (0, 100), 160) == ["cut by the shot's end"]
    assert edge_flags(60, 90, False, True, (0, 100), 160) == ["tracking lost before its end"]


def test_the_reports_rows_name_the_velocity_baseline_as_the_table_does() -> None:
    doc = doc_with([rep(1, 0, 10, 20), rep(2, 20, 30, 40), rep(3, 40, 52, 60)])
    doc["assessment"]["metrics"]["velocity"]["baseline_reps"] = [1, 2]
    assert [r["flags"] for r in report_context(doc)["rows"]] == \
        [["velocity baseline"], ["velocity baseline"], []]


def test_drift_of_a_lift_with_no_judged_fault_is_said_to_be_shown_only() -> None:
    """A pull-up's angle drift has no threshold: the legend must not promise red cells
    past a threshold (pullup_rear's shoulder read +99 from a tracking slip, uncoloured)."""
    from repsight.report import form_columns

    plain = {"metrics": [{"drift_deg": {"shoulder": 1.0}}, {"drift_deg": {"shoulder": 99.0}}]}
    cols, heading = form_columns(plain)
    assert [c["threshold"] for c in cols] == [None] and "red" not in heading
    assert "shown only, no form fault is judged here" in heading
    judged = {"assessment": {"metrics": {"drift": {"faults": {"trunk_lean": {
        "measure": "trunk_lean", "direction": 1, "words": "trunk leaning further forward",
        "threshold_deg": 6.0, "toward_deg": [0.0, 8.0], "stricter_deg": [0.0, 0.0]}}}}}}
    cols, heading = form_columns(judged)
    assert cols[0]["threshold"] == 6.0 and "red: past its threshold on a rep called" in heading


def test_a_form_reading_past_its_threshold_is_red_only_on_a_rep_called_failure() -> None:
    # A knee cave of +3.6 past a 3.4 threshold showed red beside "No failure detected":
    # without a call (the fault did not last) it is amber, and the legend says why.
    faults = {"knee_cave": {"measure": "knee_cave", "direction": 1, "words": "knees caving in",
                            "threshold_deg": 3.4, "toward_deg": [0.0, 0.5, 3.6, 0.2, 5.0, 6.0],
                            "stricter_deg": [0.0] * 6}}
    call = {"kind": "technical", "rep_index": 5, "reason": "rep 5: knees caving in",
            "evidence": {}}
    doc = doc_with([rep(k, 40 * k, 40 * k + 20, 40 * k + 40) for k in range(1, 7)], failure=5,
                   verdicts=[call, dict(call, rep_index=6, reason="rep 6: knees caving in")])
    doc["assessment"]["metrics"]["drift"] = {"faults": faults}
    rows = report_context(doc)["rows"]
    assert [r["form"][0]["past"] for r in rows] == ["", "", "once", "", "past", "past"]
    html = render_report(report_context(doc))
    assert '<td class="once">+3.6</td>' in html and "amber: past it with no technical call on that rep" in html


def test_the_index_has_a_row_a_set_for_a_clip_split_at_a_camera_cut() -> None:
    """A curl set then pull-ups in one clip: summary.csv has a row a set, and so does the
    index (it showed one row, the curls, and the pull-ups nowhere)."""
    import dataclasses

    from repsight.batch import ClipResult, SetRow
    from repsight.report import index_context

    sets = (SetRow(1, 0.0, 11.6, "biceps_curl", 5, None, "", 0.48, 6.0),
            SetRow(2, 11.6, 23.8, "pullup", 4, 4, "tempo", 0.55, 33.0))
    clip = ClipResult(clip="cara/mixed.mp4", status="ok", exercise="biceps_curl", reps=5,
                      mean_velocity_mps=0.48, velocity_loss_pct=6.0, sets=sets,
                      outputs=("mixed.html",), results="cara/mixed")
    single = ClipResult(clip="ben/squat.mp4", status="ok", exercise="squat", reps=3, goal="power")
    ctx = index_context([clip, single])
    rows = ctx["rows"]
    assert [(r["clip"], r["exercise"], r["reps"], r["first_failure"]) for r in rows] == [
        ("cara/mixed.mp4 (set 1, 0.0-11.6 s)", "biceps_curl", 5, "none"),
        ("cara/mixed.mp4 (set 2, 11.6-23.8 s)", "pullup", 4, "4 tempo"),
        ("ben/squat.mp4", "squat", 3, "none")]
    assert rows[0]["href"] == rows[1]["href"] == "cara/mixed/mixed.html" and ctx["n_clips"] == 2
    assert rows[2]["goal"] == "power"  # the limit each row was judged against
    # A failure called in the second set is a clip with a failure called.
    assert ctx["n_failure"] == 1
    # A set whose verdicts were withheld reads "withheld", not "none", whatever the clip's.
    odd = dataclasses.replace(clip, sets=(sets[0], dataclasses.replace(
        sets[1], first_failure_rep=None, first_failure_kind="",
        verdicts_withheld="the movement does not look like a pullup")))
    assert [r["first_failure"] for r in index_context([odd])["rows"]] == ["none", "withheld"]
    # One rep has nothing to be compared with: not "none" as if judged and clean.
    one = dataclasses.replace(single, reps=1)
    assert [r["first_failure"] for r in index_context([one])["rows"]] == ["one rep"]
    # Nor no rep at all (nothing judged), as history says.
    none = dataclasses.replace(single, reps=0)
    assert [r["first_failure"] for r in index_context([none])["rows"]] == ["no reps"]


def test_a_number_not_measured_is_shown_without_its_unit() -> None:
    # The header read "velocity loss - %" for a set with no loss to read.
    doc = doc_with([rep(1, 10, 30, 50)])
    html = render_report(report_context(doc))
    assert "- %" not in html and "- m/s" not in html
    doc["summary"].update(mean_velocity_mps=0.41, velocity_loss_pct=12.0)
    html = render_report(report_context(doc))
    assert "0.41 m/s" in html and "12 %" in html and "at rep" not in html
    # The set's loss is one rep's (its last comparable one): the card names it, so it is
    # not read against a failed rep's own loss in the callout below.
    doc.setdefault("verdict_summary", {})["loss_rep"] = 3
    assert '12 %</b>\n<span class="muted">at rep 3</span>' in render_report(report_context(doc))


def test_a_slow_motion_clips_rows_seek_the_video_at_its_own_times() -> None:
    # Timed as lifted, a slow-motion clip's rep 2 starts 0.8 s in; the file (and the page's
    # video) shows it 3.2 s in, where a tap on its row must seek.
    doc = doc_with([rep(1, 0, 10, 20), rep(2, 20, 30, 40)])
    assert [r["seek_s"] for r in report_context(doc)["rows"]] == pytest.approx([0.0, 0.8])
    doc["slow_motion"] = 4.0
    rows = report_context(doc)["rows"]
    assert [r["start"] for r in rows] == ["0.00", "0.80"]
    assert [r["seek_s"] for r in rows] == pytest.approx([0.0, 3.2])
    assert 'data-t="3.200"' in render_report(report_context(doc))


def test_the_rpe_card_shows_the_rpe_the_results_give() -> None:
    doc = doc_with([rep(1, 10, 30, 50), rep(2, 50, 70, 90)])
    assert '<b id="rpe">-</b>' in render_report(report_context(doc))
    doc["verdict_summary"] = {"rir_estimate": 2.2, "rpe_estimate": 8.0, "loss_rep": 2}
    html = render_report(report_context(doc))
    assert '<b id="rpe">~8</b>' in html and "reps-in-reserve scale" in html
    doc["verdict_summary"]["rpe_estimate"] = 5.0
    assert '<b id="rpe">5 or less</b>' in render_report(report_context(doc))


def test_a_set_stopped_intact_says_how_close_it_came_to_each_limit() -> None:
    doc = doc_with([rep(1, 10, 30, 50), rep(2, 50, 70, 90), rep(3, 90, 110, 130)])
    doc["verdict_summary"] = {"ending": "tolerance", "ending_evidence": {
        "frames": [10, 130],
        "velocity_loss": {"value": 18.2, "threshold": 30.0, "unit": "%", "rep": 3},
        "trunk_lean": {"value": 3.1, "threshold": 6.0, "unit": "deg beyond the first reps, towards the fault",
                       "fault": "trunk leaning further forward", "rep": 2}}}
    html = render_report(report_context(doc))
    assert ("Closest to a limit: velocity loss 18 % at rep 3, limit 30 %; trunk leaning further "
            "forward 3.1 deg at rep 2, limit 6 deg.") in html
    doc["verdict_summary"] = {"ending": ""}
    assert "Closest to a limit" not in render_report(report_context(doc))
    # A fault past its limit on one rep that did not last is said to be so, not listed as
    # if under its limit beside "technique intact".
    doc["verdict_summary"] = {"ending": "tolerance", "ending_evidence": {
        "knee_cave": {"value": 4.8, "threshold": 3.34, "unit": "deg beyond the first reps, towards the fault",
                      "fault": "knees caving in", "rep": 7}}}
    assert ("knees caving in 4.8 deg at rep 7, past its limit of 3.34 deg but not for long enough "
            "to be called.") in render_report(report_context(doc))


def test_a_last_rep_too_close_to_call_is_said_so_not_intact() -> None:
    # The verdict stage's borderline reading (verdict_summary.borderline) is shown beside
    # "No failure detected", and the set is not said to end with tempo intact.
    doc = doc_with([rep(1, 0, 10, 20), rep(2, 20, 30, 40), rep(3, 40, 50, 60)])
    doc["verdict_summary"] = {"ending": "", "borderline": [
        {"rep_index": 3, "kind": "tempo", "measure": "velocity_loss", "value": 31.0,
         "threshold": 30.0, "clear_at": 32.0, "unit": "%", "words": "velocity loss"}]}
    html = re.sub(r"\s+", " ", render_report(report_context(doc)))
    assert "No failure detected. Rep 3 too close to call (velocity loss 31 %, limit 30 %)." in html
    assert "intact" not in html and "One rep" not in html
    one = doc_with([rep(1, 0, 10, 20)])
    assert "No failure detected. One rep: nothing to compare it with" in render_report(report_context(one))
    assert report_context(one)["first_failure"] == "one rep"  # as the index and history say
    assert report_context(doc_with([]))["first_failure"] == "no reps"


def test_a_set_with_no_form_fault_judged_is_not_said_to_keep_its_technique() -> None:
    # A head-on floor press or a pull-up judges no form fault: stopping intact means the
    # range and tempo held. Results written before schema 1.22 carry no such flag.
    doc = doc_with([rep(1, 10, 30, 50), rep(2, 50, 70, 90), rep(3, 90, 110, 130)])
    doc["verdict_summary"] = {"ending": "tolerance", "form_faults_judged": False}
    html = re.sub(r"\s+", " ", render_report(report_context(doc)))
    assert ("stopped with range of motion and tempo intact (no form fault is judged for this "
            "lift here)") in html and "technique" not in html.split("No failure detected")[1][:200]
    # Results written before 1.22: technique only where a fault measure was read.
    doc["verdict_summary"] = {"ending": "tolerance"}
    assert "stopped with range of motion and tempo intact" in render_report(report_context(doc))
    doc.setdefault("assessment", {}).setdefault("metrics", {})["drift"] = {
        "faults": {"hip_sag": {"measure": "hip_sag", "direction": 1, "words": "hips sagging",
                               "threshold_deg": 4.0, "toward_deg": [0.0, 1.2, None],
                               "stricter_deg": [0.0, 0.0, None]}}}
    assert "stopped with technique and tempo intact" in render_report(report_context(doc))


def test_a_reading_that_rounds_to_zero_shows_no_sign() -> None:
    from repsight.report import fmt

    assert fmt(-0.04, ".1f") == "0.0" and fmt(-0.05, ".1f") == "-0.1" and fmt(0.0) == "0.00"
    assert fmt(-3.0, ".0f") == "-3" and fmt(float("nan")) == "-"
    assert fmt(0.04, "+.1f") == fmt(-0.04, "+.1f") == "+0.0" and fmt(-1234.0, ",.0f") == "-1,234"


def test_a_clip_split_at_long_rests_says_so_and_gives_its_whole_length() -> None:
    # The page said "Camera cuts split the clip" of two sets filmed in one take, and gave
    # the main set's part as the clip's length (44.4 s of an 81.5 s clip).
    from repsight.analysis import analyse_pose
    from repsight.config import AnalysisConfig
    from repsight.export import analysis_to_dict
    from repsight.synthetic import synthesize

    seq, _ = synthesize("squat", 8, seed=3, noise_px=0.5, rests={4: 70.0})
    doc = analysis_to_dict(analyse_pose(seq, AnalysisConfig(exercise="squat")))
    ctx = report_context(doc)
    assert len(ctx["sets"]) == 2 and ctx["sets_split_by"] == "Long rests split"
    assert ctx["duration"] == f"{seq.duration_s:.1f}" and float(ctx["duration"]) > 90
    assert "Long rests split the clip into 2 sets" in render_report(ctx)
