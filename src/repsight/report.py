"""HTML reports a coach opens in a browser: one page per clip, and an index for a batch.

A page is built in two steps. `report_context(doc, media)` turns export's JSON dict of a
SetAnalysis (`export.analysis_to_dict`) into plain values for the template: it only
reads and formats results, it measures nothing. The Jinja2 templates shipped in
`repsight/templates` render those values. `write_report` is the I/O edge: it gathers the
media (the annotated video, the chart, a still of the first rep and of the failure rep
at the same phase) and writes the page atomically.

Self-contained and offline: no CDN, font or script from elsewhere; the video, chart and
stills live inside the page (base64 data URIs, inline SVG). The one exception is an
annotated video the user asked for as well (`--annotate`) that is larger than
EMBED_MAX_BYTES: the page then plays it from its path relative to the page (keep the two
files together), so a page never grows past what a phone opens comfortably. Without
`--annotate` the page carries its own annotated video, rendered at REPORT_VIDEO_MAX_SIZE.

jinja2 and the drawing code are imported only when a page is written: the CLI starts
without them.
"""

from __future__ import annotations

import base64
import dataclasses
import functools
import math
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Mapping, Sequence
from urllib.parse import quote

from .errors import OutputError
from .profiles import fault_short
from .sessions import clip_athlete
from .summary import closest_to_limits, velocity_source
from .types import FAULT_SOURCE_WORDS, Borderline

ProgressFn = Callable[[int, int], None]

# An annotated video up to this size is embedded in the page; a larger one (only ever a
# file the user asked for with --annotate) is played from beside the page.
EMBED_MAX_BYTES = 16 << 20
# Long side (px) of the video a page renders for itself: sharp on a phone or a laptop
# window, about 1 MB for 15 s.
REPORT_VIDEO_MAX_SIZE = 720
# Long side (px) of the still frames compared side by side.
STILL_MAX_SIZE = 540
STILL_JPEG_QUALITY = 85
REPORT_SUFFIXES = (".html", ".htm")
INDEX_NAME = "index.html"
TEMPLATE_DIR = "templates"

# ---------------------------------------------------------------- media


@dataclass(frozen=True)
class Still:
    """One frame shown in the side-by-side comparison."""

    rep: int
    role: str  # "first rep", "first failure", "last rep"
    frame: int
    image: str = ""  # data URI of a JPEG; "" when the frame could not be read


@dataclass(frozen=True)
class ReportMedia:
    """What a page shows besides numbers; every field optional (a page without media works)."""

    video: str = ""  # data URI, or a path relative to the page; "" for none
    video_embedded: bool = True
    video_bytes: int = 0
    chart_svg: str = ""  # an inline <svg> element
    stills: tuple[Still, ...] = ()


def check_report_output(path: str | os.PathLike) -> None:
    """Refuse a report name that would hide what it is: reports are .html files."""
    if Path(path).suffix.lower() not in REPORT_SUFFIXES:
        raise OutputError(f"HTML report must be named .html, got {Path(path).name!r}")


def data_uri(data: bytes, mime: str) -> str:
    """A base64 data URI of data."""
    return f"data:{mime};base64,{base64.b64encode(data).decode('ascii')}"


def still_picks(doc: Mapping[str, Any]) -> list[tuple[int, str, int]]:
    """(rep, role, frame) of the stills to compare: the first judged rep and the first
    failure (or, with none, the last counted rep), each at its turnaround frame."""
    reps = {r["index"]: r for r in doc.get("reps", [])}
    velocity = _get(doc, "assessment", "metrics", "velocity") or {}
    setup = set(velocity.get("setup_reps") or ())
    judged = [r for r in doc.get("reps", []) if r["index"] not in setup]
    if not judged:
        return []
    first = judged[0]
    picks = [(first["index"], "first rep", first["turnaround"])]
    failure = (doc.get("summary") or {}).get("first_failure_rep")
    if failure is not None and failure != first["index"]:
        if failure in reps:
            picks.append((failure, "first failure", reps[failure]["turnaround"]))
        else:  # a stalled rep the segmentation left out: the last frame its verdict judged
            frames = [v["evidence"]["frames"] for v in doc.get("verdicts", [])
                      if v["rep_index"] == failure and (v.get("evidence") or {}).get("frames")]
            if frames:
                picks.append((failure, "first failure", int(frames[0][-1])))
    elif failure is None:
        counted = [r for r in judged if r["completed"] and not r["partial"]]
        if counted and counted[-1]["index"] != first["index"]:
            picks.append((counted[-1]["index"], "last rep", counted[-1]["turnaround"]))
    return picks


def read_stills(video: str | os.PathLike, analysis: Any, seq: Any,
                picks: Sequence[tuple[int, str, int]], *,
                max_size: int = STILL_MAX_SIZE) -> tuple[Still, ...]:
    """The picked frames of the source video with the skeleton and tracked point drawn."""
    import cv2

    from .annotate import build_plan, draw_skeleton
    from .types import picture_turn, slow_motion
    from .video import VideoReader

    plan = build_plan(analysis, seq)
    t = seq.timestamps_s
    out = []
    for rep, role, frame in picks:
        image = ""
        if 0 <= frame < len(t):
            reader = VideoReader(video, max_long_side=max_size, turn=picture_turn(seq))
            # Half a frame early: the first frame at or after that time is this one (in
            # the file's own time: a slow-motion clip's poses are timed as lifted).
            want = (float(t[frame]) - 0.5 / seq.fps) * slow_motion(seq)
            for f in reader.frames_from(want):
                rgb = f.rgb.copy()
                draw_skeleton(rgb, seq, frame, plan)
                ok, jpeg = cv2.imencode(".jpg", cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR),
                                        [cv2.IMWRITE_JPEG_QUALITY, STILL_JPEG_QUALITY])
                if ok:
                    image = data_uri(jpeg.tobytes(), "image/jpeg")
                break
        out.append(Still(rep=rep, role=role, frame=frame, image=image))
    return tuple(out)


def chart_svg(analysis: Any) -> str:
    """The set's plot (plots.py: velocity, phases, drift per rep) as an inline <svg> element."""
    import io

    from .plots import make_figure, set_plot_data

    fig = make_figure(set_plot_data(analysis))
    buf = io.StringIO()
    fig.savefig(buf, format="svg")
    text = buf.getvalue()
    # Inline SVG needs the element alone, without the XML declaration and DOCTYPE.
    return text[text.find("<svg"):]


def report_video(video: str | os.PathLike, analysis: Any, seq: Any, page: Path, *,
                 annotated: str | os.PathLike | None = None, max_size: int | None = None,
                 progress: ProgressFn | None = None) -> tuple[str, bool, int]:
    """(src, embedded, bytes) of the page's video: the annotated file the user asked for
    (embedded up to EMBED_MAX_BYTES, else referenced relative to the page), or one
    rendered for the page (embedded)."""
    if annotated is not None and Path(annotated).is_file():
        size = Path(annotated).stat().st_size
        if size <= EMBED_MAX_BYTES:
            return data_uri(Path(annotated).read_bytes(), "video/mp4"), True, size
        rel = os.path.relpath(Path(annotated).resolve(), page.resolve().parent)
        return quote(Path(rel).as_posix()), False, size
    from .annotate import render_video

    with tempfile.TemporaryDirectory(prefix="repsight-report-") as tmp:
        out = render_video(video, analysis, seq, Path(tmp) / "report.mp4",
                           max_size=max_size or REPORT_VIDEO_MAX_SIZE, progress=progress)
        data = out.read_bytes()
    return data_uri(data, "video/mp4"), True, len(data)


def report_media(video: str | os.PathLike, analysis: Any, seq: Any, page: Path,
                 doc: Mapping[str, Any], *, annotated: str | os.PathLike | None = None,
                 max_size: int | None = None, progress: ProgressFn | None = None
                 ) -> ReportMedia:
    """Everything a clip's page shows besides its numbers (doc: the analysis's JSON dict)."""
    src, embedded, size = report_video(video, analysis, seq, page, annotated=annotated,
                                       max_size=max_size, progress=progress)
    stills = read_stills(video, analysis, seq, still_picks(doc))
    return ReportMedia(video=src, video_embedded=embedded, video_bytes=size,
                       chart_svg=chart_svg(analysis), stills=stills)


# ---------------------------------------------------------------- the page's values


def _get(doc: Any, *keys: str) -> Any:
    for k in keys:
        if not isinstance(doc, Mapping):
            return None
        doc = doc.get(k)
    return doc


def fmt(x: Any, spec: str = ".2f", missing: str = "-") -> str:
    """A number for display, or `missing` for None / NaN."""
    if x is None or isinstance(x, bool) or not math.isfinite(float(x)):
        return missing
    out = format(float(x), spec)
    # -0.04 rounds to "-0.0": a coach reads a sign as a direction, and a reading that
    # rounds to zero shows as zero does ("+0.0" under a "+" format, else "0.0")
    try:
        zero = float(out.replace(",", "")) == 0
    except ValueError:  # a format that is no plain number ("5%")
        zero = False
    return format(0.0, spec) if zero else out


def _tempo_notation(tempo: Mapping[str, Any] | None) -> str:
    if not tempo:
        return "-"
    from .types import RepTempo

    # A phase not seen (Rep.unseen) is null in the JSON.
    phases = (tempo[k] for k in ("eccentric_s", "bottom_pause_s", "concentric_s", "top_pause_s"))
    return RepTempo(*(float("nan") if p is None else p for p in phases)).notation()


# A technical verdict's evidence keys (verdicts.technical_verdicts) as a coach reads them;
# its "direction" (+1/-1 of the signed measure) is in the fault's words already.
EVIDENCE_WORDS = {"source": "read from", "floor": "floor (deg)",
                  "spread": "first reps' own spread (deg)",
                  "at_turnaround": "at the turnaround (deg)"}
EVIDENCE_HIDDEN = ("direction",)


def evidence_view(evidence: Mapping[str, Any], times: Sequence[float]) -> dict[str, Any]:
    """A verdict's evidence for display: the frames judged (with seconds from the first
    frame) and one line per measure (value, baseline, threshold, unit, the rest)."""
    t0 = times[0] if len(times) else 0.0
    frames = evidence.get("frames")
    span = ""
    if frames and len(frames) == 2 and all(0 <= int(f) < len(times) for f in frames):
        a, b = (int(f) for f in frames)
        span = f"frames {a}-{b} ({times[a] - t0:.2f}-{times[b] - t0:.2f} s)"
    measures, other = [], []
    for key, val in evidence.items():
        if key in ("frames", "frames_s"):  # shown as the span above
            continue
        if isinstance(val, Mapping):
            extra = [(EVIDENCE_WORDS.get(k, _words(k)),
                      FAULT_SOURCE_WORDS.get(v, str(v)) if k == "source" else _plain(v))
                     for k, v in val.items()
                     if k not in ("value", "baseline", "threshold", "unit", *EVIDENCE_HIDDEN)]
            baseline = _plain(val.get("baseline"))
            if "velocity_mps" in val and baseline != "-":
                # A loss's baseline is the first reps' velocity, not a percentage.
                baseline += " m/s"
            measures.append({"name": _words(key), "value": _plain(val.get("value")),
                             "baseline": baseline,
                             "threshold": _plain(val.get("threshold")),
                             "unit": str(val.get("unit") or ""), "extra": extra})
        else:
            other.append((_words(key), _plain(val)))
    return {"span": span, "measures": measures, "other": other}


def _words(key: str) -> str:
    """An evidence key as a coach reads it ("velocity_mps" -> "velocity (m/s)")."""
    for suffix, unit in (("_mps", "m/s"), ("_deg", "deg"), ("_pct", "%"), ("_s", "s")):
        if key.endswith(suffix):
            return f"{key[:-len(suffix)].replace('_', ' ')} ({unit})"
    return key.replace("_", " ")


def _plain(v: Any) -> str:
    if v is None:
        return "-"
    if isinstance(v, float):
        return f"{v:.3g}" if abs(v) < 1000 else f"{v:.0f}"
    if isinstance(v, (list, tuple)):
        return ", ".join(_plain(x) for x in v)
    return str(v)


def form_columns(doc: Mapping[str, Any]) -> tuple[list[dict[str, Any]], str]:
    """The table's form columns and their heading: each fault measure's drift towards the
    fault per rep (negative: stricter), with its threshold; without fault measures, each
    angle's signed drift against the first reps."""
    from .drift import shown_drift

    faults = _get(doc, "assessment", "metrics", "drift", "faults") or {}
    cols = []
    for f in faults.values():
        values = []
        for toward, stricter in zip(f.get("toward_deg") or [], f.get("stricter_deg") or []):
            values.append(shown_drift(toward, stricter))
        cols.append({"name": fault_short(f["measure"], f["direction"]),
                     "title": f"{f['words']} (threshold {fmt(f['threshold_deg'], '.1f')} deg)",
                     "threshold": f["threshold_deg"], "values": values})
    if cols:
        return cols, ("form vs first reps, deg (towards the fault; negative: stricter); "
                      "red: past its threshold on a rep called technical failure; amber: past "
                      "it with no technical call on that rep (a fault must last, and is not "
                      "called on baseline reps, nor where verdicts are withheld)")
    metrics = doc.get("metrics") or []
    angles: list[str] = []
    for m in metrics:
        angles += [a for a, v in (m.get("drift_deg") or {}).items() if a not in angles]
    for a in angles:
        cols.append({"name": a, "title": f"{a} angle drift against the first reps",
                     "threshold": None,
                     "values": [(m.get("drift_deg") or {}).get(a) for m in metrics]})
    # No fault of this lift is judged: the drift is shown, never called, so nothing is red.
    return cols, ("angle drift vs first reps, deg: shown only, no form fault is judged here "
                  "(a large value is more often a tracking slip than form)")


def _form_faults_judged(doc: Mapping[str, Any], summary_view: Mapping[str, Any]) -> bool:
    """The results' assessment.summary.form_faults_judged; for results written before
    schema 1.22, whether some fault measure was read on some rep."""
    judged = summary_view.get("form_faults_judged")
    if judged is not None:
        return bool(judged)
    faults = _get(doc, "assessment", "metrics", "drift", "faults") or {}
    return any(x is not None for f in faults.values() for x in (f.get("toward_deg") or ()))


def _past(col: Mapping[str, Any], k: int, technical: bool) -> str:
    """A form cell's mark: "past" (its threshold, on a rep called technical failure),
    "once" (past it with no technical call on the rep), or ""."""
    v = col["values"][k] if k < len(col["values"]) else None
    if col["threshold"] is None or v is None or not v > col["threshold"]:
        return ""
    return "past" if technical else "once"


def _shots(doc: Mapping[str, Any]) -> list:
    """The clip's shots (its JSON's shots.shots) when camera cuts split it, else []."""
    shots = _get(doc, "shots", "shots")
    return shots if isinstance(shots, list) else []


def _clip_duration(doc: Mapping[str, Any], summary: Mapping[str, Any]) -> float | None:
    """The clip's length: its shots' together when camera cuts split it into sets, the
    whole clip's when long rests did (the summary's duration is the main set's), else the
    summary's."""
    shots = _shots(doc)
    if doc.get("sets") and shots:
        lengths = [s.get("duration_s") for s in shots if isinstance(s, Mapping)]
        if lengths and all(isinstance(x, (int, float)) for x in lengths):
            return float(sum(lengths))
    times, fps = doc.get("timestamps_s"), doc.get("fps")
    if doc.get("sets") and isinstance(times, list) and times and isinstance(fps, (int, float)) and fps > 0:
        return float(times[-1] - times[0] + 1.0 / fps)
    return summary.get("duration_s")


def _borderline(entries: Any) -> list[str]:
    """The last rep's readings too close to call (assessment.summary.borderline), as the
    summary line words them."""
    fields = {f.name for f in dataclasses.fields(Borderline)}
    return [Borderline(**{k: e[k] for k in fields}).short() for e in entries or []
            if isinstance(e, Mapping) and fields <= e.keys()]


def report_context(doc: Mapping[str, Any], media: ReportMedia = ReportMedia()) -> dict[str, Any]:
    """The values a clip's page shows, from export's JSON dict (formatting only)."""
    times = doc.get("timestamps_s") or [0.0]
    t0 = times[0]
    summary = doc.get("summary") or {}
    metrics = {m["index"]: m for m in doc.get("metrics") or []}
    tempos = dict(zip((r["index"] for r in doc.get("reps", [])), doc.get("tempo") or []))
    velocity = _get(doc, "assessment", "metrics", "velocity") or {}
    setup = set(velocity.get("setup_reps") or ())
    # A baseline too slow to read a loss on sets no reference (as in the CLI's table).
    base = set(velocity.get("baseline_reps") or ()) if not velocity.get("too_slow") else set()
    from .table import edge_flags  # (rich, numpy: only when a page is made)
    from .velocity import rir_note, rir_text, rpe_text
    from .summary import intact_words

    verdicts_of: dict[int, list[dict[str, Any]]] = {}
    verdicts = []
    for v in doc.get("verdicts") or []:
        # The page names the rep beside the reason: "rep 4: " would say it twice.
        reason = str(v["reason"]).removeprefix(f"rep {v['rep_index']}: ")
        view = {"kind": v["kind"], "rep": v["rep_index"], "reason": reason,
                **evidence_view(v.get("evidence") or {}, times)}
        verdicts.append(view)
        verdicts_of.setdefault(v["rep_index"], []).append(view)
    cols, form_heading = form_columns(doc)
    top = max([m.get("mean_velocity_mps") or 0.0 for m in metrics.values()
               if m.get("mean_velocity_mps") is not None] or [0.0])
    rows = []
    for k, r in enumerate(doc.get("reps", [])):
        m = metrics.get(r["index"], {})
        tp = tempos.get(r["index"])
        v = m.get("mean_velocity_mps")
        flags = [w for w, on in (("partial", r["partial"]), ("incomplete", not r["completed"]),
                                 ("not tracked throughout", r.get("unseen") is not None)) if on]
        flags += edge_flags(r["start"], r["end"], bool(r.get("cut_start")),
                            bool(r.get("cut_end")), doc.get("span"), len(times))
        # The baseline's reps are measured against each other (as in the CLI's table).
        flags += ["velocity baseline"] if r["index"] in base and len(base) > 1 else []
        flags += ["set-up, not judged"] if r["index"] in setup else []
        technical = any(v["kind"] == "technical" for v in verdicts_of.get(r["index"], []))
        rows.append({
            "index": r["index"], "flags": flags,
            "start_s": times[r["start"]] - t0, "end_s": times[r["end"]] - t0,
            # where the page's video seeks to: the file's own time (a slow-motion clip's
            # results are timed as lifted)
            "seek_s": (times[r["start"]] - t0) * float(doc.get("slow_motion") or 1.0),
            "start": fmt(times[r["start"]] - t0), "end": fmt(times[r["end"]] - t0),
            "tempo": _tempo_notation(tp),
            "phases": [fmt((tp or {}).get(p)) for p in ("eccentric_s", "bottom_pause_s",
                                                          "concentric_s", "top_pause_s")],
            "velocity": fmt(v), "peak": fmt(m.get("peak_velocity_mps")),
            "bar_pct": round(100 * v / top) if v is not None and top > 0 else 0,
            "loss": fmt(m.get("velocity_loss_pct"), ".0f"), "rir": rir_text(m.get("rir_estimate")),
            "rom": fmt(m.get("rom_m")),
            "form": [{"text": fmt(c["values"][k] if k < len(c["values"]) else None, "+.1f"),
                      "past": _past(c, k, technical)} for c in cols],
            "verdicts": verdicts_of.get(r["index"], []),
        })
    # Verdicts on a rep the segmentation left out (a stalled last rep) still get a row.
    known = {r["index"] for r in doc.get("reps", [])}
    stalled = sorted(set(verdicts_of) - known)
    first = summary.get("first_failure_rep")
    summary_view = _get(doc, "verdict_summary") or {}
    still_rows = {row["index"]: row for row in rows}
    stills = [{"rep": s.rep, "role": s.role, "image": s.image,
               "time": fmt(times[s.frame] - t0) if 0 <= s.frame < len(times) else "-",
               "row": still_rows.get(s.rep)} for s in media.stills]
    eccentric_first = bool(doc.get("eccentric_first", True))
    # A clip split at camera cuts: every set in one line; the page's tables are the main one.
    sets = []
    for k, one in enumerate(doc.get("sets") or [], 1):
        a, b = one.get("span_s") or [t0, t0]
        sm = one.get("summary") or {}
        fr = sm.get("first_failure_rep")
        sets.append({"n": k, "span": f"{a - t0:.1f}-{b - t0:.1f}", "reps": sm.get("reps", 0),
                     "first_failure": (f"rep {fr} ({sm.get('first_failure_kind')})" if fr is not None
                                       else "withheld" if sm.get("verdicts_withheld")
                                       else "none detected"),
                     "main": list(one.get("span") or []) == list(doc.get("span") or [])})
    return {
        "title": Path(str(doc.get("source") or "set")).name or "set",
        "source": str(doc.get("source") or ""),
        "exercise": doc.get("exercise", ""),
        "exercise_reason": doc.get("exercise_reason", ""),
        "goal": _get(doc, "config", "goal") or "",
        "reps": summary.get("reps", 0), "reps_detected": summary.get("reps_detected", 0),
        "first_failure": (f"rep {first} ({summary.get('first_failure_kind')})"
                          if first is not None else
                          "withheld" if summary.get("verdicts_withheld") else
                          "no reps" if summary.get("reps") == 0 else
                          "one rep" if summary.get("reps") == 1 else "none detected"),
        "withheld": summary.get("verdicts_withheld") or "",
        "failed": first is not None,
        "failure_reason": summary.get("first_failure_reason") or "",
        "ending": summary_view.get("ending") or "",
        "intact": intact_words(_form_faults_judged(doc, summary_view),
                               summary_view.get("faults_not_judged") or ()),
        "rir": rir_text(summary_view.get("rir_estimate")),
        "rpe": rpe_text(summary_view.get("rpe_estimate")),
        "closest": closest_to_limits(summary_view.get("ending_evidence")),
        "borderline": _borderline(summary_view.get("borderline")),
        "one_rep": summary.get("reps") == 1,
        "mean_velocity": fmt(summary.get("mean_velocity_mps")),
        "velocity_loss": fmt(summary.get("velocity_loss_pct"), ".0f"),
        # the rep the set's loss and RIR are read on (its last comparable one)
        "loss_rep": summary_view.get("loss_rep"),
        "baseline_velocity": fmt(velocity.get("baseline_mps")),
        "too_slow": bool(velocity.get("too_slow")),
        "velocity_source": velocity_source(str(doc.get("exercise") or ""),
                                           bool((doc.get("bar") or {}).get("of_record"))),
        "rir_note": rir_note(),
        "baseline_reps": ", ".join(str(x) for x in velocity.get("baseline_reps") or []) or "-",
        "duration": fmt(_clip_duration(doc, summary), ".1f"),
        "warnings": list(summary.get("warnings") or []),
        "sets": sets,
        "sets_split_by": "Camera cuts split" if _shots(doc) else "Long rests split",
        "rows": rows, "stalled": [{"index": i, "verdicts": verdicts_of[i]} for i in stalled],
        "form_cols": cols, "form_heading": form_heading,
        "verdicts": verdicts,
        "stills": stills,
        "still_phase": "bottom (turnaround)" if eccentric_first else "top (turnaround)",
        "video": media.video, "video_embedded": media.video_embedded,
        "video_mb": fmt(media.video_bytes / 1e6, ".1f"),
        "chart_svg": media.chart_svg,
        "schema_version": doc.get("schema_version", ""),
        "repsight_version": doc.get("repsight_version", ""),
        "session": session_line(doc.get("session")),
    }


def session_line(session: Any) -> str:
    """The clip's session (schema 1.5) in one line: athlete, date, load, notes; "" if none."""
    if not isinstance(session, Mapping):
        return ""
    parts = [str(session.get(k) or "") for k in ("athlete", "date")]
    if session.get("load_kg") is not None:
        parts.append(f"{fmt(session['load_kg'], 'g')} kg")
    parts.append(str(session.get("notes") or ""))
    return " \u00b7 ".join(p for p in parts if p)


# ---------------------------------------------------------------- rendering and writing


@functools.lru_cache(maxsize=1)
def _environment():
    import jinja2

    # autoescape everywhere: clip names and reasons are data, never markup. StrictUndefined:
    # a misspelt name in a template is an error in the tests, not a blank on the page.
    return jinja2.Environment(loader=jinja2.PackageLoader("repsight", TEMPLATE_DIR),
                              autoescape=True, undefined=jinja2.StrictUndefined,
                              trim_blocks=True, lstrip_blocks=True)


def render_report(context: Mapping[str, Any]) -> str:
    """The clip page's HTML from report_context's values."""
    import markupsafe

    ctx = dict(context)
    # Our own matplotlib output (text escaped by its SVG writer), inserted as markup.
    ctx["chart_svg"] = markupsafe.Markup(ctx.get("chart_svg") or "")
    return _environment().get_template("report.html.j2").render(**ctx)


def write_report(analysis: Any, seq: Any, video: str | os.PathLike, path: str | os.PathLike,
                 *, annotated: str | os.PathLike | None = None, max_size: int | None = None,
                 progress: ProgressFn | None = None, session: Any = None) -> Path:
    """Write the clip's self-contained HTML page atomically; returns its path.

    annotated: an annotated MP4 already written for this clip (reused, not rendered again).
    """
    from .export import analysis_to_dict, atomic_write

    path = Path(path)
    check_report_output(path)
    doc = analysis_to_dict(analysis, session=session)
    media = report_media(video, analysis, seq, path, doc, annotated=annotated,
                         max_size=max_size, progress=progress)
    return atomic_write(path, render_report(report_context(doc, media)))


# ---------------------------------------------------------------- the batch index


def index_context(results: Sequence[Any], *, title: str = "repsight results") -> dict[str, Any]:
    """The index page's values: one row a clip (batch ClipResult rows), linking to its page."""
    rows = []
    for r in results:
        page = next((o for o in r.outputs if o.endswith(REPORT_SUFFIXES)), None)
        href = quote(f"{r.results}/{page}" if r.results else page) if page else ""
        # The athlete: the clip manifest's when batch has one, else the one its path names
        # (athletes/ana/week1/squat.mp4 -> ana), as batch reads it.
        athlete = getattr(r, "athlete", "") or clip_athlete(r.clip)
        load = getattr(r, "load_kg", float("nan"))
        # A clip split at camera cuts has a row a set, as in summary.csv (its second set may
        # be another lift): the set's own figures beside the clip's columns.
        for one in getattr(r, "sets", ()) or (r,):
            label = (f"{r.clip} (set {one.index}, {one.start_s:.1f}-{one.end_s:.1f} s)"
                     if one is not r else r.clip)
            first = (f"{one.first_failure_rep} {one.first_failure_kind}".strip()
                     if one.first_failure_rep is not None else "")
            velocity = one.mean_velocity_mps
            loss = one.velocity_loss_pct
            rows.append({
                "clip": label, "href": href, "athlete": athlete, "exercise": one.exercise,
                "date": getattr(r, "date", ""), "goal": getattr(r, "goal", ""),
                "load": fmt(load, "g", ""),
                "load_sort": fmt(load, ".4f", "-1"), "notes": getattr(r, "session_notes", ""),
                "reps": "" if one.reps is None else one.reps,
                # A montage was not judged: "withheld", never "none" (no failure found); nor
                # is one rep, which has nothing to be compared with.
                "first_failure": first or ("withheld" if getattr(one, "verdicts_withheld", "") else
                                           "no reps" if one.reps == 0 else
                                           "one rep" if one.reps == 1 else
                                           "none" if r.status in ("ok", "reused", "kept") else ""),
                "first_failure_sort": (one.first_failure_rep if one.first_failure_rep is not None
                                       else 999),
                "velocity": fmt(velocity), "velocity_sort": fmt(velocity, ".4f", "-1"),
                "loss": fmt(loss, ".0f"), "loss_sort": fmt(loss, ".4f", "-1"),
                "status": r.status, "error": r.error,
                "warnings": list(one.warnings),
            })
    return {"title": title, "rows": rows,
            "n_clips": len(results), "n_failed": sum(r.status == "error" for r in results),
            # Clips with a failure called in any of their sets.
            "n_failure": sum(any(one.first_failure_rep is not None
                                 for one in (getattr(r, "sets", ()) or (r,))) for r in results)}


def render_template(name: str, context: Mapping[str, Any]) -> str:
    """Any of the package's templates (autoescaped, strict) rendered with context."""
    return _environment().get_template(name).render(**context)


def render_index(context: Mapping[str, Any]) -> str:
    """The batch index page's HTML from index_context's values."""
    return _environment().get_template("index.html.j2").render(**context)


def write_index(results: Sequence[Any], out: str | os.PathLike) -> Path:
    """Write out/index.html (one sortable row a clip, linking to each clip's page)."""
    from .export import atomic_write

    out = Path(out)
    return atomic_write(out / INDEX_NAME,
                        render_index(index_context(results, title=f"repsight: {out.name}")))
