"""SetAnalysis -> JSON (versioned schema, docs/output_schema.md) and CSV (one row a rep).

Conversion (`analysis_to_dict`, `rep_rows`) is pure; writing goes through `atomic_write`,
which writes a temp file beside the target and renames it over, so a kill never leaves
half a result file behind.
"""

from __future__ import annotations

import contextlib
import csv
import dataclasses
import functools
import io
import json
import math
import os
import re
import tempfile
from enum import Enum
from pathlib import Path
from typing import Any, Iterator, Mapping, Sequence

import numpy as np

from .drift import shown_drift
from .errors import OutputError

# Bump the major part when a field changes meaning or disappears, the minor part when
# fields are added; readers should accept any minor version of their major one.
SCHEMA_VERSION = "1.26"


# ---------------------------------------------------------------- atomic writes


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike) -> Iterator[Path]:
    """Yield a temp path beside `path`; on success it replaces `path` in one rename.

    The temp name keeps the target's suffix because some writers (video muxers,
    matplotlib) choose the format by it. On any error the temp file is removed and
    the target is left as it was.
    """
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.stem}.",
                                        suffix=f".part{path.suffix}")
        os.close(fd)
        # mkstemp creates 0600; results are meant to be shared like any file the user makes.
        os.chmod(tmp_name, 0o666 & ~_umask())
    except OSError as exc:
        raise OutputError(f"cannot write {path}: {exc.strerror or exc}") from None
    tmp = Path(tmp_name)
    try:
        yield tmp
        # Flush to disk before the rename so a power cut cannot leave an empty target.
        with open(tmp, "rb+") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except OSError as exc:
        raise OutputError(f"cannot write {path}: {exc.strerror or exc}") from None
    finally:
        with contextlib.suppress(OSError):
            tmp.unlink()


@functools.lru_cache(maxsize=1)
def _umask() -> int:
    """The process umask, read without changing it (os.umask would race other threads)."""
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    return 0o022


def atomic_write(path: str | os.PathLike, data: str | bytes) -> Path:
    """Write text (UTF-8) or bytes to path atomically; returns the path.

    A file name that is not UTF-8 (a Latin-1 "caf\\xe9.mp4" from a Windows zip) reaches
    the text as lone surrogates, which UTF-8 cannot hold: they are written as \\udcNN
    escapes (in JSON, the escape of that same character), not raised on.
    """
    path = Path(path)
    payload = data.encode("utf-8", "backslashreplace") if isinstance(data, str) else data
    with atomic_path(path) as tmp:
        tmp.write_bytes(payload)
    return path


# ---------------------------------------------------------------- JSON


def jsonable(obj: Any) -> Any:
    """Plain JSON types from dataclasses, numpy values, paths and enums; NaN/inf -> None.

    JSON has no NaN; a null reads as "not measured", which is what NaN means here.
    """
    if obj is None or isinstance(obj, (bool, str)):
        return obj
    if isinstance(obj, (int, np.integer)):
        return int(obj)
    if isinstance(obj, (float, np.floating)):
        x = float(obj)
        return x if math.isfinite(x) else None
    if isinstance(obj, np.bool_):
        return bool(obj)
    if isinstance(obj, np.ndarray):
        return jsonable(obj.tolist())
    if isinstance(obj, Enum):
        return jsonable(obj.value)
    if isinstance(obj, os.PathLike):
        return os.fspath(obj)
    if _is_pose_sequence(obj):
        return pose_summary(obj)
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return {f.name: jsonable(getattr(obj, f.name)) for f in dataclasses.fields(obj)}
    if isinstance(obj, Mapping):
        return {_key(k): jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple, set, frozenset)):
        return [jsonable(v) for v in obj]
    if hasattr(obj, "to_dict"):
        return jsonable(obj.to_dict())
    return str(obj)


def _key(k: Any) -> str:
    # Tuple keys such as (rep, angle) read better as "3/knee" than as a Python repr.
    if isinstance(k, tuple):
        return "/".join(str(x) for x in k)
    return str(k)


def _is_pose_sequence(obj: Any) -> bool:
    from .types import PoseSequence

    return isinstance(obj, PoseSequence)


def pose_summary(seq: Any) -> dict[str, Any]:
    """What a JSON reader needs to know about the poses (the arrays stay in the .npz cache)."""
    return {
        "source": seq.source, "content_hash": seq.content_hash, "model": seq.model,
        "n_frames": seq.n_frames, "fps": float(seq.fps), "width": seq.width,
        "height": seq.height, "rotation": seq.rotation,
        "detection_rate": float(seq.detection_rate),
        "duration_s": float(seq.duration_s),
    }


def analysis_to_dict(analysis: Any, *, session: Any = None) -> dict[str, Any]:
    """The whole SetAnalysis as plain JSON types, with schema_version and repsight version.

    session: the clip's sessions.Session (athlete, date, load, notes) when known; schema
    1.5 writes it as `session` (null when unknown).
    """
    from . import __version__

    body = jsonable(analysis)
    if not isinstance(body, dict):
        body = {"analysis": body}
    if "reps" in body:  # schema 1.2: seconds beside every frame index of a rep and a verdict
        body["reps"] = rep_entries(analysis)
        _add_frame_times(analysis, body.get("verdicts"))
    if "sets" in body:  # a clip split at camera cuts (schema 1.3): one compact entry a set
        body["sets"] = [set_entry(one) for one in getattr(analysis, "sets", ())]
        body["shots"] = shots_entry(getattr(analysis, "shots", None))
    if "warnings" in body:  # every caveat, the verdict stage's too (as summary.warnings)
        body["warnings"] = list(analysis.all_warnings)
    if "bar" in body:  # schema 1.4: the barbell's path, per rep and per frame
        body["bar"] = bar_entry(getattr(analysis, "bar", None))
    for key in ("camera_shift", "camera_scale"):  # float32 per frame: 5 digits, not 17
        if body.get(key) is not None:
            body[key] = jsonable(np.round(np.asarray(getattr(analysis, key), dtype=np.float64), 5))
    return {"schema_version": SCHEMA_VERSION, "repsight_version": __version__,
            "summary": jsonable(set_summary(analysis)),
            "session": session.to_dict() if session is not None else None, **body}


def _add_frame_times(analysis: Any, verdicts: Any) -> None:
    """Seconds beside each JSON verdict's evidence frames (`evidence.frames_s`), in place."""
    for v in verdicts or []:
        frames = (v.get("evidence") or {}).get("frames")
        if isinstance(frames, list) and len(frames) == 2:
            v["evidence"]["frames_s"] = [_time_at(analysis, f) for f in frames]


def bar_entry(bar: Any, *, per_frame: bool = True) -> Any:
    """The bar path for the JSON (docs/output_schema.md, `bar`): the pass, the scale, the
    verdict on the track, the reps, and (per_frame) per-frame positions (pixels of the
    poses, metres)."""
    if bar is None:
        return None
    track = bar.track

    def rounded(a: np.ndarray, digits: int) -> Any:
        return jsonable(np.round(np.asarray(a, dtype=np.float64), digits))

    entry = {
        "found": bool(track.found.any()), "notes": list(track.notes), "anchor": track.anchor,
        "coverage": jsonable(track.coverage), "frames_by_source": track.counts(),
        "dropped_by_pose": int(track.dropped_by_pose), "ms_per_frame": jsonable(track.ms_per_frame),
        "scale": jsonable(bar.scale), "of_record": bool(bar.of_record), "reason": bar.reason,
        "agreement_mps": jsonable(bar.agreement_mps), "ratio": jsonable(bar.ratio),
        "forward": int(bar.forward), "reps": jsonable(bar.reps),
    }
    if per_frame:
        entry.update({"xy_px": rounded(track.xy_px, 1), "source": jsonable(track.source),
                      "x_m": rounded(bar.x_m, 4), "y_m": rounded(bar.y_m, 4)})
    return entry


def set_entry(analysis: Any) -> dict[str, Any]:
    """One shot's set for the JSON `sets` list: where it is, its summary, reps and verdicts
    (per-frame arrays stay on the top level, which is the main set)."""
    start, stop = analysis.span if analysis.span is not None else (0, analysis.n_frames)
    t = analysis.timestamps_s
    verdicts = jsonable(getattr(analysis, "verdicts"))
    _add_frame_times(analysis, verdicts)
    return {
        "span": [int(start), int(stop)],
        "span_s": [float(t[start]), float(t[stop - 1] + 1.0 / analysis.fps)] if stop > start else [],
        "summary": jsonable(set_summary(analysis)),
        **{k: jsonable(getattr(analysis, k)) for k in (
            "exercise", "exercise_auto", "exercise_reason", "tempo", "rhythm",
            "metrics", "side", "detection_rate", "camera_sway",
            "camera_steadied", "camera_zoom", "camera_zoomed")},
        # With seconds beside the frame indices, as the top level's reps (schema 1.2).
        "reps": rep_entries(analysis),
        "warnings": list(analysis.all_warnings),
        "verdicts": verdicts,
        # (1.23) The set's own bar figures: its velocities are the bar's when of_record
        # (the per-frame positions are the top level's, over the whole clip).
        "bar": bar_entry(getattr(analysis, "bar", None), per_frame=False),
    }


def shots_entry(split: Any) -> Any:
    """How the clip was split: boundaries (frame, time, kind, evidence), shots, montage."""
    if split is None:
        return None
    other = np.flatnonzero(np.diff(np.concatenate([[0], split.other_person.astype(int), [0]])))
    return {
        "boundaries": jsonable(split.boundaries),
        "shots": [{**jsonable(s), "duration_s": float(s.duration_s)} for s in split.shots],
        "montage": bool(split.montage),
        "frame_statistics": bool(split.has_frame_stats),
        # Frame ranges [start, stop) where the tracker sat on someone other than the lifter.
        "other_person_frames": [[int(a), int(b)] for a, b in zip(other[::2], other[1::2])],
        "people": jsonable(split.people),
    }


def _time_at(analysis: Any, frame: int) -> float | None:
    """timestamps_s[frame] as a float (None outside the clip)."""
    t = analysis.timestamps_s
    return float(t[frame]) if 0 <= int(frame) < len(t) else None


def rep_entries(analysis: Any) -> list[dict[str, Any]]:
    """The reps as JSON objects: their frame indices and, beside them, the same boundaries
    in seconds (`timestamps_s` of those frames): start_s, turnaround_s, end_s, phases_s."""
    out = []
    for r in analysis.reps:
        entry = jsonable(r)
        entry.update(
            start_s=_time_at(analysis, r.start), turnaround_s=_time_at(analysis, r.turnaround),
            end_s=_time_at(analysis, r.end),
            phases_s={name: [_time_at(analysis, a), _time_at(analysis, b)]
                      for name, (a, b) in (("eccentric", r.eccentric),
                                           ("bottom_pause", r.bottom_pause),
                                           ("concentric", r.concentric),
                                           ("top_pause", r.top_pause))})
        out.append(entry)
    return out


# An array of numbers (and nulls) only: no quotes, brackets or braces inside.
_NUMBER_ARRAY = re.compile(r"\[\s*([-+0-9.eE,\snul]*?)\s*\]")


def to_json(analysis: Any, *, session: Any = None) -> str:
    """JSON text of a SetAnalysis (indented, no NaN; number arrays kept on one line each,
    so per-frame series do not turn the file into thousands of lines)."""
    text = json.dumps(analysis_to_dict(analysis, session=session), indent=2, allow_nan=False,
                      ensure_ascii=False)
    text = _NUMBER_ARRAY.sub(
        lambda m: "[" + ", ".join(x.strip() for x in m.group(1).split(",") if x.strip()) + "]",
        text)
    return text + "\n"


def write_json(analysis: Any, path: str | os.PathLike, *, session: Any = None) -> Path:
    """Write the SetAnalysis JSON atomically (with the clip's session block when known)."""
    return atomic_write(path, to_json(analysis, session=session))


# ---------------------------------------------------------------- CSV


# A list in one CSV cell (a set's warnings): " | " between items, since the items
# themselves hold "; " ("its eccentric is not timed; its form is judged ...").
CELL_LIST_SEPARATOR = " | "


def csv_text(fieldnames: Sequence[str], rows: Sequence[Mapping[str, Any]]) -> str:
    """CSV text with a header; NaN and None become empty cells, floats keep 4 decimals."""
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=list(fieldnames), extrasaction="ignore",
                            lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: _cell(row.get(k)) for k in fieldnames})
    return buf.getvalue()


def _cell(v: Any) -> Any:
    if v is None:
        return ""
    if isinstance(v, (bool, np.bool_)):
        return "true" if v else "false"
    if isinstance(v, (float, np.floating)):
        return "" if not math.isfinite(float(v)) else round(float(v), 4)
    if isinstance(v, (int, np.integer)):
        return int(v)
    if isinstance(v, (list, tuple)):
        return spreadsheet_safe(CELL_LIST_SEPARATOR.join(str(x) for x in v))
    return spreadsheet_safe(str(v))


# A spreadsheet runs a cell that starts with one of these as a formula (CSV injection):
# a clip named "=HYPERLINK(...).mp4" must reach summary.csv as text.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(text: str) -> str:
    """Text a spreadsheet shows as text: a leading = + - @ tab or CR gets a ' first (OWASP)."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text


# ---------------------------------------------------------------- set and rep tables


def set_summary(analysis: Any) -> dict[str, Any]:
    """The set in one row: exercise, reps, first failure, mean velocity, velocity loss.

    Every figure is the verdict stage's (summary.SetSummary), copied: reps counted (as the
    rep table's header), mean_velocity_mps over the counted reps (a set-up rep left out),
    velocity_loss_pct of the set's last rep read against the baseline (the rep its RIR is
    read off); NaN when the set has no verdict stage or no such rep.
    """
    reps = tuple(analysis.reps)
    counted = [r for r in reps if r.counted]
    official = getattr(analysis, "verdict_summary", None)
    mean_v = official.mean_velocity_mps if official is not None else float("nan")
    loss = official.velocity_loss_pct if official is not None else float("nan")
    verdicts = sorted(getattr(analysis, "verdicts", ()), key=_verdict_order)
    first = verdicts[0] if verdicts else None
    first_rep, first_kind, first_reason = ((first.rep_index, first.kind, first.reason)
                                           if first else (None, None, None))
    if official is not None:  # the verdict stage's own choice of the first failure
        first_rep, first_kind = official.first_failure_rep, official.kind
        first_reason = official.reason or None
    return {
        "exercise": analysis.exercise,
        "exercise_auto": bool(getattr(analysis, "exercise_auto", False)),
        "reps": official.n_reps if official is not None else len(counted),
        "reps_detected": len(reps),
        "first_failure_rep": first_rep,
        "first_failure_kind": first_kind,
        "first_failure_reason": first_reason,
        "mean_velocity_mps": float(mean_v),
        "velocity_loss_pct": float(loss),
        # The set's effort, estimated from that loss (summary.SetSummary; NaN without one).
        "rir_estimate": _estimate(official, "rir_estimate"),
        "rpe_estimate": _estimate(official, "rpe_estimate"),
        "duration_s": float(getattr(analysis, "duration_s", float("nan"))),
        # Why no verdict was looked for (a montage), else None: then no failure is claimed.
        "verdicts_withheld": (getattr(official, "withheld", "") or None),
        "warnings": list(analysis.all_warnings),
    }


def _estimate(official: Any, name: str) -> float:
    """A SetSummary estimate as a number (NaN when there is none or no verdict stage)."""
    v = getattr(official, name, None) if official is not None else None
    return float("nan") if v is None else float(v)


def _verdict_order(v: Any) -> tuple[int, int]:
    # The earliest rep first; on one rep, the most decisive kind (as the verdict stage ranks).
    from .types import VERDICT_KINDS

    rank = VERDICT_KINDS.index(v.kind) if v.kind in VERDICT_KINDS else 99
    return v.rep_index, rank


REP_FIELDS_HEAD = ("rep", "counted", "partial", "completed", "fully_tracked", "start_s",
                   "turnaround_s", "end_s",
                   "eccentric_s", "bottom_pause_s", "concentric_s", "top_pause_s", "tempo",
                   "time_under_tension_s", "rom", "rom_unit", "rom_share",
                   "mean_velocity_mps", "peak_velocity_mps", "mean_propulsive_velocity_mps",
                   "rom_m", "velocity_loss_pct", "rir_estimate")
REP_FIELDS_TAIL = ("failure", "failure_reason")


def rep_rows(analysis: Any) -> tuple[list[str], list[dict[str, Any]]]:
    """(column names, one dict a rep) for the per-rep CSV; drift columns per form angle."""
    t = np.asarray(analysis.timestamps_s, dtype=np.float64)
    t0 = float(t[0]) if len(t) else 0.0
    tempo = dict(zip((r.index for r in analysis.reps), analysis.tempo))
    metrics = {m.index: m for m in getattr(analysis, "metrics", ())}
    by_rep: dict[int, list[Any]] = {}
    for v in sorted(getattr(analysis, "verdicts", ()), key=_verdict_order):
        by_rep.setdefault(v.rep_index, []).append(v)
    angles: list[str] = []
    for m in metrics.values():
        for name in (*m.drift_deg, *m.angles_bottom_deg):
            if name not in angles:
                angles.append(name)
    angle_cols = [c for a in angles for c in (f"drift_{a}_deg", f"{a}_bottom_deg", f"{a}_top_deg")]
    # The fault readings technical failure is judged on (the table's, report's and plot's
    # form column): towards the fault positive, stricter negative, and each one's threshold.
    assessment = getattr(analysis, "assessment", None)
    faults = assessment.metrics.drift.faults if assessment is not None else {}
    position = {r.index: k for k, r in enumerate(analysis.reps)}
    fault_cols = [c for name in faults for c in (f"form_{name}_deg", f"form_{name}_threshold_deg")]
    rows = []
    for r in analysis.reps:
        tp = tempo.get(r.index)
        m = metrics.get(r.index)
        vs = by_rep.get(r.index, [])
        row: dict[str, Any] = {
            "rep": r.index, "counted": r.counted, "partial": r.partial,
            "completed": r.completed, "fully_tracked": r.seen_whole, "start_s": t[r.start] - t0,
            "turnaround_s": t[r.turnaround] - t0, "end_s": t[r.end] - t0,
            "rom": r.rom, "rom_unit": getattr(analysis, "signal_unit", ""),
            "rom_share": r.rom_share,
            "failure": "; ".join(v.kind for v in vs),
            "failure_reason": "; ".join(v.reason for v in vs),
        }
        if tp is not None:
            row.update(eccentric_s=tp.eccentric_s, bottom_pause_s=tp.bottom_pause_s,
                       concentric_s=tp.concentric_s, top_pause_s=tp.top_pause_s,
                       tempo=tp.notation(), time_under_tension_s=tp.time_under_tension_s)
        if m is not None:
            row.update(mean_velocity_mps=m.mean_velocity_mps,
                       peak_velocity_mps=m.peak_velocity_mps,
                       mean_propulsive_velocity_mps=m.mean_propulsive_velocity_mps,
                       rom_m=m.rom_m, velocity_loss_pct=m.velocity_loss_pct,
                       rir_estimate=m.rir_estimate)
            for a in angles:
                row[f"drift_{a}_deg"] = m.drift_deg.get(a)
                row[f"{a}_bottom_deg"] = m.angles_bottom_deg.get(a)
                row[f"{a}_top_deg"] = m.angles_top_deg.get(a)
        k = position[r.index]
        for name, f in faults.items():
            if k < len(f.toward_deg):
                row[f"form_{name}_deg"] = shown_drift(f.toward_deg[k], f.stricter_deg[k])
                row[f"form_{name}_threshold_deg"] = f.threshold_deg
        rows.append(row)
    return [*REP_FIELDS_HEAD, *fault_cols, *angle_cols, *REP_FIELDS_TAIL], rows


def to_csv(analysis: Any) -> str:
    """Per-rep CSV text of a SetAnalysis (one row a rep; blank cells = not measured).

    A clip split into sets (camera cuts) gets a row for every set's reps, with a first
    column `set` (1-based, in time order) and each set's own rep numbers; before, the
    sets after the main one were left out without a word.
    """
    sets = getattr(analysis, "every_set", (analysis,))
    if len(sets) <= 1:
        fields, rows = rep_rows(analysis)
        return csv_text(fields, rows)
    fields, rows = ["set", *REP_FIELDS_HEAD], []
    for n, one in enumerate(sets, 1):
        names, got = rep_rows(one)
        fields += [f for f in names if f not in fields and f not in REP_FIELDS_TAIL]
        rows += [{"set": n, **row} for row in got]
    return csv_text([*fields, *REP_FIELDS_TAIL], rows)


def write_csv(analysis: Any, path: str | os.PathLike) -> Path:
    """Write the per-rep CSV atomically."""
    return atomic_write(path, to_csv(analysis))
