"""Progress over sessions: sets from batch results folders, per athlete and exercise.

`load_results(folders)` is the I/O edge: it reads every clip JSON (docs/output_schema.md)
under one or more batch results folders (e.g. one a week). Everything after it is pure:
`set_records(doc, ...)` turns one JSON into its sets, `group_sets` orders them per athlete
and exercise, `load_velocity_profile` fits the athlete's own load-velocity line and
`failure_calibration` their velocity at failure and reps-in-reserve line, each refusing
with a reason when the data cannot support it.

Rules (stated in `repsight history --help` and the README):
- A set's *best velocity* is the highest mean concentric velocity of its counted reps
  (complete, full range, not a set-up rep); its *mean velocity* and *velocity loss* are
  the clip summary's.
- Load-velocity profile: least-squares line of best velocity against load_kg over every
  set with a load, fitted only with sets at >= MIN_DISTINCT_LOADS distinct loads and
  refused when velocity does not fall as the load rises. The fit's r² and number of
  points are shown; r² < WEAK_FIT_R2 is called weak. An estimated 1RM is the load at
  which the line reaches a minimum velocity threshold: the one given (--mvt), else the
  athlete's own velocity at failure (below) once calibrated; never read off a line that
  does not fall or a weak one (load then explains too little of the velocity for its
  extrapolation to mean anything).
- Velocity at failure / RIR: only sets that ended in concentric failure (a rep stalled:
  a `concentric` verdict) with >= MIN_REPS_BEFORE_FAILURE counted reps before it count.
  With >= MIN_FAILURE_SETS such sets, the velocity at failure is the median velocity of
  their last completed rep, and reps in reserve is fitted as a line of velocity over the
  reps before failure (the last completed rep has 0 in reserve). Below that, the
  population model the per-clip RIR uses stays the only estimate.
- One video, one set: of several results of one video (its content hash) the one with
  the most session details (athlete, date, load, notes) counts, then a manifest's over
  one read off the clip's path, then the newer analysis (schema, then file time), then
  the first read; the others are named in a warning with the reason.
"""

from __future__ import annotations

import json
import math
import os
import statistics
import unicodedata
from dataclasses import dataclass, field, replace
from pathlib import Path, PurePosixPath
from typing import Any, Iterable, Mapping, Sequence

import numpy as np

from .errors import RepsightError
from .sessions import Session, groups_clips, path_order, session_from_path
from .types import NO_PERSON
from .velocity import rpe_text

MIN_DISTINCT_LOADS = 3
WEAK_FIT_R2 = 0.8
MIN_FAILURE_SETS = 3
MIN_REPS_BEFORE_FAILURE = 2
RESULT_MAX_BYTES = 256 << 20  # a clip JSON with per-frame arrays is a few MB
UNKNOWN_ATHLETE = "(unknown athlete)"
HISTORY_FIELDS = ("athlete", "exercise", "goal", "session", "date", "load_kg", "reps",
                  "best_velocity_mps", "mean_velocity_mps", "velocity_loss_pct",
                  "first_failure_rep", "first_failure_kind", "concentric_failure_rep", "clip",
                  "results", "warnings", "rpe_estimate", "verdicts_withheld", "set")


@dataclass(frozen=True)
class SetRecord:
    """One set as history sees it: who, when, load, and its velocity and failure figures."""

    athlete: str
    exercise: str
    session: str  # the date, or the results folder's name when the date is unknown
    date: str  # YYYY-MM-DD or ""
    load_kg: float | None
    reps: int
    best_velocity_mps: float | None
    mean_velocity_mps: float | None
    velocity_loss_pct: float | None
    first_failure_rep: int | None
    first_failure_kind: str
    concentric_failure_rep: int | None  # the rep that stalled, when one did
    rep_velocities: tuple[float, ...]  # counted reps' mean concentric velocity, in order
    clip: str  # the clip's folder below its results folder
    results: str  # the results folder
    # The goal the set was judged for (its velocity-loss limit: a power set's tempo
    # failure is no strength set's), and the set's warnings (what makes its numbers rough)
    goal: str = ""
    warnings: tuple[str, ...] = ()
    # The set's RPE estimated from its reps in reserve (the clip summary's; schema 1.18 on).
    rpe_estimate: float | None = None
    # Why no verdict was looked for (summary.verdicts_withheld), "" when the set was judged.
    verdicts_withheld: str = ""
    # How its pixels were put in metres (scale.Scale.method: "height" given, "limbs",
    # "plate"); "" when not known. Sets scaled two ways compare less well (scale_text).
    scale_method: str = ""
    # The set's number in its clip when camera cuts split the clip (1, 2, ...), else None.
    set: int | None = None

    @property
    def clip_text(self) -> str:
        """The clip as the tables name the set: "ana/squat (set 2)" for a clip's second set."""
        return self.clip if self.set is None else f"{self.clip} (set {self.set})"

    def failure_text(self) -> str:
        """The first failure as the tables show it: "3 tempo"; "withheld" for a set nobody
        judged, "one rep" for one with nothing to compare, "no reps" for one with no rep
        counted (nothing was judged: "none" read as a set judged with no failure), else
        "none" (judged, none found)."""
        if self.first_failure_rep is not None:
            return f"{self.first_failure_rep} {self.first_failure_kind}".strip()
        if self.verdicts_withheld:
            return "withheld"
        return "no reps" if self.reps == 0 else "one rep" if self.reps == 1 else "none"

    def row(self) -> dict[str, Any]:
        """The history CSV row (export.csv_text joins the warnings in one cell)."""
        return {k: getattr(self, k) for k in HISTORY_FIELDS}


@dataclass(frozen=True)
class LinearFit:
    """y = intercept + slope * x over n points, with its r²."""

    slope: float
    intercept: float
    r2: float
    n: int

    def at(self, x: float) -> float:
        """The line's y at x."""
        return self.intercept + self.slope * x

    def x_at(self, y: float) -> float:
        """The x where the line reaches y."""
        return (y - self.intercept) / self.slope


@dataclass(frozen=True)
class LoadVelocityProfile:
    """An athlete's load-velocity line for one exercise, or why there is none."""

    points: tuple[tuple[float, float], ...]  # (load kg, best velocity m/s), one a set
    distinct_loads: int
    fit: LinearFit | None = None
    refused: str = ""  # why there is no fit; "" when fitted
    mvt_mps: float | None = None  # the minimum velocity threshold the 1RM is read at
    mvt_source: str = ""  # "given" or "velocity at failure"
    one_rm_kg: float | None = None
    one_rm_refused: str = ""  # why no 1RM is read off a fitted line ("" when read or not asked)

    @property
    def weak(self) -> bool:
        """True when the fit explains less than WEAK_FIT_R2 of the velocity's variance."""
        return self.fit is not None and self.fit.r2 < WEAK_FIT_R2


@dataclass(frozen=True)
class FailureCalibration:
    """An athlete's own velocity at failure and RIR line for one exercise, or why not."""

    sets: int  # sets that ended in concentric failure with enough reps before it
    velocity_at_failure_mps: float | None = None  # median of those sets' last completed rep
    velocity_range_mps: tuple[float, float] | None = None
    rir_fit: LinearFit | None = None  # reps in reserve against velocity (m/s)
    refused: str = ""


@dataclass(frozen=True)
class AthleteHistory:
    """One athlete's sets of one exercise over time, with their profile and calibration."""

    athlete: str
    exercise: str
    sets: tuple[SetRecord, ...]
    profile: LoadVelocityProfile
    calibration: FailureCalibration


# ---------------------------------------------------------------- one clip JSON -> sets


def _num(x: Any) -> float | None:
    if isinstance(x, bool) or not isinstance(x, (int, float)) or not math.isfinite(x):
        return None
    return float(x)


def _count(x: Any) -> int | None:
    return x if isinstance(x, int) and not isinstance(x, bool) else None


def _one_set(entry: Mapping[str, Any], session: Session | None, label: str, clip: str,
             results: str, goal: str = "", index: int | None = None) -> SetRecord:
    summary = entry.get("summary") if isinstance(entry.get("summary"), Mapping) else {}
    warned = summary.get("warnings")
    warned = tuple(str(w) for w in warned) if isinstance(warned, (list, tuple)) else ()
    setup = ((entry.get("assessment") or {}).get("metrics") or {}).get("velocity") or {}
    setup_reps = set(setup.get("setup_reps") or ()) if isinstance(setup, Mapping) else set()
    velocity = {m.get("index"): _num(m.get("mean_velocity_mps"))
                for m in entry.get("metrics") or [] if isinstance(m, Mapping)}
    counted = [r.get("index") for r in entry.get("reps") or [] if isinstance(r, Mapping)
               and r.get("completed") and not r.get("partial") and r.get("index") not in setup_reps]
    rep_v = tuple(v for v in (velocity.get(i) for i in counted) if v is not None)
    stalled = [v.get("rep_index") for v in entry.get("verdicts") or []
               if isinstance(v, Mapping) and v.get("kind") == "concentric"]
    athlete = (session.athlete if session else "") or UNKNOWN_ATHLETE
    date = session.date if session else ""
    return SetRecord(
        athlete=athlete, exercise=str(entry.get("exercise") or summary.get("exercise") or ""),
        session=date or label, date=date, load_kg=session.load_kg if session else None,
        reps=_count(summary.get("reps")) or 0,
        best_velocity_mps=max(rep_v) if rep_v else None,
        mean_velocity_mps=_num(summary.get("mean_velocity_mps")),
        velocity_loss_pct=_num(summary.get("velocity_loss_pct")),
        rpe_estimate=_num(summary.get("rpe_estimate")),
        first_failure_rep=_count(summary.get("first_failure_rep")),
        first_failure_kind=str(summary.get("first_failure_kind") or ""),
        concentric_failure_rep=min((s for s in stalled if _count(s) is not None), default=None),
        rep_velocities=rep_v, clip=clip, results=results, goal=goal, warnings=warned,
        verdicts_withheld=str(summary.get("verdicts_withheld") or ""),
        scale_method=str(_scale_of(entry).get("method") or ""), set=index)


def _scale_of(entry: Mapping[str, Any]) -> Mapping[str, Any]:
    """The scale block a set's velocities were read with (assessment.metrics.scale)."""
    scale = ((entry.get("assessment") or {}).get("metrics") or {}).get("scale")
    return scale if isinstance(scale, Mapping) else {}


def set_records(doc: Mapping[str, Any], *, label: str, clip: str, results: str = ""
                ) -> tuple[SetRecord, ...]:
    """The sets of one clip JSON (several when a clip was split at camera cuts).

    label: what names the session when the JSON has no date (the results folder's name);
    clip: the clip's folder below its results folder, which also gives the athlete and
    date when the JSON has no session block (schema < 1.5), and the athlete when the one
    stored was a folder that only groups clips (older batches read "ana/squats/" as the
    athlete "squats").
    """
    stored = Session.from_dict(doc.get("session"))
    session = stored or session_from_path(clip + ".mp4")
    if stored is not None and stored.source == "path" and groups_clips(stored.athlete):
        # Written when an exercise folder named the athlete ("ana/squats/" was "squats",
        # "ana/Squat 2/" was "Squat 2"): the path's athlete as folders are read now, the
        # rest as stored.
        again = session_from_path(clip + ".mp4")
        session = replace(stored, athlete=again.athlete if again else "")
    # An undated clip in a folder of its own below the athlete's ("ben/week1/pushups"):
    # that folder names its session, not the results folder (week1 and week2 both read
    # "results").
    # So does one right below the folder given ("week1/pushups" when `history` is given one
    # athlete's folder of a results folder: every set was named after the athlete).
    folders = PurePosixPath(clip).parts[:-1]
    athlete = session.athlete if session else ""
    if folders and _same_name(folders[-1]) != _same_name(athlete) and (
            len(folders) >= 2 or groups_clips(folders[-1])):
        label = folders[-1]
    sets = [s for s in doc.get("sets") or [] if isinstance(s, Mapping)]
    entries = sets or [doc]
    config = doc.get("config") if isinstance(doc.get("config"), Mapping) else {}
    goal = str(config.get("goal") or "")
    return tuple(_one_set(e, session, label, clip, results, goal, k if sets else None)
                 for k, e in enumerate(entries, start=1))


# ---------------------------------------------------------------- reading results folders


def _is_clip_json(doc: Any) -> bool:
    return (isinstance(doc, dict) and isinstance(doc.get("schema_version"), str)
            and doc["schema_version"].split(".")[0] == "1" and "summary" in doc)


# The session details a clip result may hold, as counted when two results of one video
# disagree (_Copy.rank).
SESSION_DETAILS = ("athlete", "date", "load", "notes")


@dataclass(frozen=True)
class _Copy:
    """One clip result read, with what decides which of several results of one video counts."""

    folder: int  # its results folder's position among those given
    root: Path  # that folder, as given
    clip: str  # its folder below root
    digest: str  # the video's content hash ("" in results written before schema 1.14)
    records: tuple[SetRecord, ...]
    details: tuple[str, ...]  # the SESSION_DETAILS it holds
    from_manifest: bool  # its session is a coach's manifest row's, not read off the path
    schema: tuple[int, ...]  # the schema version it was written with
    written_ns: int  # the file's modification time
    order: int  # position in reading order

    def rank(self) -> tuple[Any, ...]:
        """Higher is the result to count: the most session details, a manifest's over the
        path's, the newer analysis, then the first read."""
        return (len(self.details), self.from_manifest, self.schema, self.written_ns, -self.order)


def _copy_of(doc: Mapping[str, Any], records: tuple[SetRecord, ...], *, folder: int, root: Path,
             clip: str, written_ns: int, order: int) -> _Copy:
    """A clip JSON's sets (set_records) with what _Copy.rank compares them by."""
    first = records[0]
    stored = Session.from_dict(doc.get("session"))
    held = {"athlete": first.athlete != UNKNOWN_ATHLETE, "date": bool(first.date),
            "load": first.load_kg is not None, "notes": bool(stored and stored.notes)}
    digest = doc.get("content_hash")
    version = tuple(int(p) for p in str(doc.get("schema_version")).split(".") if p.isdigit())
    return _Copy(folder=folder, root=root, clip=clip,
                 digest=digest if isinstance(digest, str) else "", records=records,
                 details=tuple(d for d in SESSION_DETAILS if held[d]),
                 from_manifest=stored is not None and stored.source == "manifest",
                 schema=version, written_ns=written_ns, order=order)


def _why_counted(kept: _Copy, other: _Copy) -> str:
    """Why kept counts rather than other, a result of the same video (_Copy.rank's first
    difference): details, manifest, version, later or first."""
    if len(kept.details) != len(other.details):
        return "details"
    if kept.from_manifest != other.from_manifest:
        return "manifest"
    if kept.schema != other.schema:
        return "version"
    return "later" if kept.written_ns != other.written_ns else "first"


def _one_copy_per_video(copies: Sequence[_Copy]
                       ) -> tuple[list[_Copy], list[tuple[_Copy, _Copy, str]]]:
    """(the results counted, in reading order; the others, each with the result of its video
    counted instead and why, see _why_counted). Results without a content hash all count."""
    best: dict[str, _Copy] = {}
    for c in copies:
        if c.digest and (c.digest not in best or c.rank() > best[c.digest].rank()):
            best[c.digest] = c
    counted = [c for c in copies if not c.digest or best[c.digest] is c]
    others = [(c, best[c.digest], _why_counted(best[c.digest], c))
              for c in copies if c.digest and best[c.digest] is not c]
    return counted, others


def _same_video_warnings(others: Sequence[tuple[_Copy, _Copy, str]]) -> list[str]:
    """What happened to one folder's results of videos whose other results count instead
    (_one_copy_per_video): a line per folder counted instead, name kept or not, and reason."""
    groups: dict[tuple[int, bool, str], list[tuple[_Copy, _Copy]]] = {}
    for other, kept, why in others:
        groups.setdefault((kept.folder, other.clip == kept.clip, why), []).append((other, kept))
    lines = []
    for (_, same_name, why), pairs in groups.items():
        root, where = pairs[0][0].root, pairs[0][1].root
        here = pairs[0][0].folder == pairs[0][1].folder
        if why == "details":
            gained = [d for d in SESSION_DETAILS
                      if any(d in k.details and d not in o.details for o, k in pairs)]
            because = ("they hold more of the coach's session details"
                       + (f" ({', '.join(gained)})" if gained else ""))
        else:
            because = {"manifest": "their session details are a manifest's, not read off the "
                                   "clip's path",
                       "version": "they were made by a newer repsight",
                       "later": "they were written later",
                       "first": "they were read first (neither holds more session details or "
                                "is newer)"}[why]
        names = [o.clip if same_name else f"{o.clip} (the video of {k.clip})" for o, k in pairs]
        videos = "videos" if len(pairs) > 1 else "video"
        lines.append(
            f"{len(pairs)} clip result(s) in {root} are of the same {videos} as results "
            f"{'of the same name' if same_name else 'under another name'} in "
            f"{'the same folder' if here else where}, which are counted instead as "
            f"{because}: {', '.join(names[:3])}{', ...' if len(names) > 3 else ''}")
    # Copies of one video filed under two athletes: a filing mistake the coach must settle
    # (one of them did not lift it), not only a copy left out. (A load or a date that
    # differs is as often a correction, as the manifest's newer copy counting shows.)
    for other, kept, _ in others:
        a = other.records[0].athlete if other.records else ""
        b = kept.records[0].athlete if kept.records else ""
        if a and b and a != UNKNOWN_ATHLETE and b != UNKNOWN_ATHLETE and _same_name(a) != _same_name(b):
            lines.append(f"{kept.clip} and {other.clip} ({other.root}) are one video filed under "
                         f"two athletes, {b!r} (counted) and {a!r}: one of them did not lift "
                         "it; correct the folder or the manifest")
    return lines


@dataclass
class _FolderRead:
    """What reading one results folder found, before results of one video are matched."""

    root: Path
    copies: list[_Copy] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)  # files that could not be read
    again: int = 0  # results already read from another folder given
    gone: list[str] = field(default_factory=list)  # results of clips its summary no longer lists
    loaded: set[str] = field(default_factory=set)  # clip folders with a result read
    rows: list[tuple[str, str, str]] = field(default_factory=list)  # _summary_rows
    replaced: list[str] = field(default_factory=list)  # results of a video since replaced


def _clip_folder(folder: Path) -> bool:
    """Whether a folder is one clip's batch results (its manifest, or a single JSON), not a
    folder of `analyze --json` files gathered by hand (each named by its file)."""
    if (folder / "manifest.json").is_file():
        return True
    return sum(1 for p in folder.glob("*.json") if p.name != "manifest.json") <= 1


def _hidden(path: Path, root: Path) -> bool:
    """Whether a path below root lies in (or is) a hidden file or folder (a batch's
    staging folder, a lock), which no reading of results looks into."""
    return any(part.startswith(".") for part in path.relative_to(root).parts)


def _read_folder(root: Path, folder: int, read: set[Path], order: int,
                 skip: tuple[Path, ...] = ()) -> _FolderRead:
    """Every clip result under one results folder, the folder-th given (read: the files
    already read from another folder given, updated in place; order: how many results were
    read before; skip: results folders below it read on their own, left out here)."""
    if not root.is_dir():
        raise RepsightError(f"not a results folder: {root}")
    from .batch import SUMMARY, summary_table

    table = summary_table(root / SUMMARY) or []
    got = _FolderRead(root=root, rows=_summary_rows(table))
    # The clips the batch's summary lists first: of two results of one video (a clip
    # renamed between batches), the one it lists is current, the other left behind.
    listed = {res for _, res, _ in got.rows}
    other_video = _replaced_clips(table)
    clip_folders: dict[Path, bool] = {}
    for path in sorted(root.rglob("*.json"),
                       key=lambda p: (p.relative_to(root).parent.as_posix() not in listed, p)):
        rel = path.relative_to(root)
        if path.name == "manifest.json" or _hidden(path, root):
            continue
        if any(s in path.parents for s in skip):
            continue
        # A batch writes each clip's JSON into the clip's own folder; JSONs loose at the top
        # are `analyze --json` files gathered by hand (named by their file), or, beside a
        # batch's summary, no clip's results.
        if path.parent not in clip_folders:  # one listing per folder, not per file
            clip_folders[path.parent] = _clip_folder(path.parent)
        clip = (rel.parent.as_posix() if len(rel.parts) > 1 and clip_folders[path.parent]
                else rel.with_suffix("").as_posix())
        if listed and len(rel.parts) == 1:
            got.warnings.append(f"skipped {rel} in {root}: a file at the folder's top, not in a "
                                "clip's results folder (the batch writes each clip's JSON into "
                                "its own folder)")
            continue
        if listed and clip not in listed:
            # Left by an earlier batch: its clip was deleted or renamed since, and the
            # last batch's summary.csv no longer has it (a deleted clip's set stayed in
            # the trends, and in the load-velocity line).
            got.gone.append(clip)
            continue
        if clip in other_video:
            got.replaced.append(clip)
            continue
        if path.resolve() in read:
            got.again += 1
            got.loaded.add(clip)  # shown (from the other folder), not failed
            continue
        read.add(path.resolve())
        try:
            if not path.is_file():
                continue
            st = path.stat()
            if st.st_size > RESULT_MAX_BYTES:
                continue
            doc = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError, RecursionError) as exc:
            got.warnings.append(f"skipped {rel} in {root}: not readable JSON ({type(exc).__name__})")
            continue
        if not _is_clip_json(doc):
            got.warnings.append(f"skipped {rel} in {root}: not a repsight clip result "
                                "(schema 1.x)")
            continue
        try:
            records = set_records(doc, label=root.resolve().name, clip=clip,
                                  results=str(root))
        except (TypeError, AttributeError, ValueError, KeyError):
            got.warnings.append(f"skipped {rel} in {root}: not a repsight clip result "
                                "(fields of the wrong kind)")
            continue
        got.loaded.add(clip)
        got.copies.append(_copy_of(doc, records, folder=folder, root=root,
                                   clip=clip, written_ns=st.st_mtime_ns,
                                   order=order + len(got.copies)))
    return got


def _results_folders(given: Path) -> list[tuple[Path, tuple[Path, ...]]]:
    """(folder, results folders below it to leave out) to read for a folder given: itself
    when it is a batch results folder (its summary.csv) or holds none; else each results
    folder below it (`history results/` over results/week1, results/week2, ...), read as
    if given, in week order, then the folder itself without them (clip JSONs gathered by
    hand beside the weeks). Read as one folder, the weeks' summaries went unread: a clip
    deleted since showed in place of a live one, and every undated session was named
    "results"."""
    from .batch import SUMMARY

    if not given.is_dir() or (given / SUMMARY).is_file():
        return [(given, ())]
    below = sorted({p.parent for p in given.rglob(SUMMARY) if p.is_file() and not _hidden(p, given)},
                   key=lambda p: path_order(p.relative_to(given).as_posix()))
    # The outermost only: a results folder never holds another.
    top = tuple(p for p in below if not any(q != p and q in p.parents for q in below))
    if not top:
        return [(given, ())]
    loose = any(not any(t in p.parents for t in top) for p in given.rglob("*.json")
                if p.name != "manifest.json" and not _hidden(p, given))
    return [*((p, ()) for p in top), *([(given, top)] if loose else [])]


def load_results(folders: Sequence[str | os.PathLike]
                 ) -> tuple[tuple[SetRecord, ...], tuple[str, ...]]:
    """Every set in the clip JSONs under the batch results folders, and warnings (files
    that could not be read or are not repsight results, and results of one video found
    twice, counted once).

    Of several results of one video (the same content hash: a clip renamed between
    batches, a results folder copied, a week batched again with a manifest), the one
    counted holds the most session details (athlete, date, load, notes), then is a
    manifest's rather than read off the clip's path, then is the newer analysis (a newer
    schema, then written later), then was read first.
    """
    # A clip's result read once however often it is reached (a folder given twice, or
    # given with a folder inside it): each set would otherwise count twice in the trends
    # and the load-velocity line.
    read: set[Path] = set()
    found: list[_FolderRead] = []
    parts = [part for given in folders for part in _results_folders(Path(given))]
    for k, (folder, skip) in enumerate(parts):
        found.append(_read_folder(folder, k, read, sum(len(f.copies) for f in found), skip))
    counted, others = _one_copy_per_video([c for f in found for c in f.copies])
    # A clip in which the pose model found nobody is no session: nothing was looked at (a
    # camera pointed at an empty rack read as a 0-rep "squat" set in an athlete's history).
    nobody = [c for c in counted if c.records and all(r.verdicts_withheld == NO_PERSON for r in c.records)]
    counted = [c for c in counted if all(c is not n for n in nobody)]
    warnings: list[str] = []
    for k, f in enumerate(found):
        root = f.root
        warnings += f.warnings
        if f.again:
            warnings.append(f"{f.again} clip result(s) in {root} were already read from another "
                            "folder given (the same folder twice, or one inside another): "
                            "each is counted once")
        # A clip renamed between batches leaves its old results folder behind; a results
        # folder copied for safe keeping, or a week batched again with a manifest, holds
        # every clip again.
        warnings += _same_video_warnings([o for o in others if o[0].folder == k])
        gone = f.gone
        if gone:
            warnings.append(f"{len(gone)} clip result(s) in {root} are not in its summary.csv "
                            "(their clips were deleted or renamed before the last batch) and are "
                            f"not shown: {', '.join(gone[:3])}{', ...' if len(gone) > 3 else ''}")
        if f.replaced:
            warnings.append(f"{len(f.replaced)} clip(s) in {root} are now another video than "
                            "their results were made from (exported again under the same name; "
                            "the batch did not replace them) and are not shown: "
                            f"{', '.join(f.replaced[:3])}{', ...' if len(f.replaced) > 3 else ''}"
                            "; run the batch again with --force to analyse the new videos")
        if not f.copies and not f.again and not f.replaced:
            warnings.append(f"no clip results in {root} ({_no_results_hint(root)})")
        pending = sorted(clip for clip, _, status in f.rows if status == "pending")
        if pending:
            # An interrupted batch: those clips' results, if any, are an earlier run's.
            warnings.append(f"{len(pending)} clip(s) in {root} were not finished by its last "
                            "batch (interrupted; run it again to finish them): "
                            f"{', '.join(pending[:3])}{', ...' if len(pending) > 3 else ''}")
        empty = [c.clip for c in nobody if c.folder == k]
        if empty:
            warnings.append(f"{len(empty)} clip(s) in {root} show no person (the pose model found "
                            f"nobody in any frame) and are not shown: {', '.join(empty[:3])}"
                            f"{', ...' if len(empty) > 3 else ''}")
        failed, partial = _failed_clips([r for r in f.rows if r[1] not in f.replaced], f.loaded)
        if partial:
            # Shown, but a set read from half a video looks like a short, fresh set.
            warnings.append(f"{len(partial)} clip(s) in {root} are marked errors in its "
                            "summary.csv (a truncated or damaged file, or a refused re-run) but "
                            "hold results, shown as they are "
                            f"({', '.join(partial[:3])}{', ...' if len(partial) > 3 else ''})")
        if failed:
            # A clip that failed has no JSON: without this its session would just be missing.
            warnings.append(f"{len(failed)} clip(s) in {root} failed in the batch and are not "
                            f"shown ({', '.join(failed[:3])}{', ...' if len(failed) > 3 else ''}; "
                            "see its summary.csv)")
    # A folder given twice says its folder-wide warnings once.
    return tuple(r for c in counted for r in c.records), tuple(dict.fromkeys(warnings))


def _summary_rows(table: list[dict[str, str]]) -> list[tuple[str, str, str]]:
    """(clip, results folder, status) of the rows of a batch's summary.csv (batch.summary_table)."""
    return [(row.get("clip") or "?", (row.get("results") or "").strip("/"), row.get("status") or "")
            for row in table]


def _replaced_clips(table: list[dict[str, str]]) -> set[str]:
    """The results folders of the clips a batch's summary.csv says are now another video
    than their results were made from (a clip exported again under its name: the batch
    refused to replace its results without --force, or failed to)."""
    from .batch import OTHER_VIDEO

    return {(row.get("results") or "").strip("/") for row in table
            if row.get("status") == "error" and OTHER_VIDEO in (row.get("error") or "")}


def _failed_clips(rows: list[tuple[str, str, str]], loaded: set[str]
                  ) -> tuple[list[str], list[str]]:
    """Clips a batch's summary rows (_summary_rows) mark as errors: those whose results
    folder held no result that was loaded, and those whose partial results were (a
    truncated or damaged clip's)."""
    errors = [(clip, res) for clip, res, status in rows if status == "error"]
    return (sorted({clip for clip, res in errors if res not in loaded}),
            sorted({clip for clip, res in errors if res in loaded}))


# ---------------------------------------------------------------- fits (pure)


def linear_fit(xs: Sequence[float], ys: Sequence[float]) -> LinearFit | None:
    """Least-squares line through (xs, ys) (scipy.stats.linregress); None with < 2 distinct x."""
    n = len(xs)
    if n < 2 or len(set(xs)) < 2:
        return None
    from scipy.stats import linregress

    fit = linregress(np.asarray(xs, dtype=np.float64), np.asarray(ys, dtype=np.float64))
    # A flat y has no correlation to speak of (linregress gives r = 0 there): the line fits it.
    r2 = float(fit.rvalue) ** 2 if np.ptp(np.asarray(ys, dtype=np.float64)) > 0 else 1.0
    return LinearFit(slope=float(fit.slope), intercept=float(fit.intercept), r2=r2, n=n)


def failure_calibration(sets: Sequence[SetRecord]) -> FailureCalibration:
    """Velocity at failure and an RIR line from the sets that ended in concentric failure."""
    usable = [s for s in sets if s.concentric_failure_rep is not None and not s.verdicts_withheld
              and len(s.rep_velocities) >= MIN_REPS_BEFORE_FAILURE]
    if len(usable) < MIN_FAILURE_SETS:
        return FailureCalibration(sets=len(usable), refused=(
            f"{len(usable)} set(s) ended in concentric failure with {MIN_REPS_BEFORE_FAILURE}+ "
            f"reps before it; needs {MIN_FAILURE_SETS}"))
    last = [s.rep_velocities[-1] for s in usable]
    vs: list[float] = []
    rir: list[float] = []
    for s in usable:
        n = len(s.rep_velocities)
        for k, v in enumerate(s.rep_velocities):
            vs.append(v)
            rir.append(float(n - 1 - k))
    fit = linear_fit(vs, rir)
    why = ""
    if fit is None or fit.slope <= 0:
        # Reps nearer failure must be slower for velocity to tell reps in reserve.
        fit, why = None, "RIR line not fitted: velocity does not fall as failure nears"
    return FailureCalibration(sets=len(usable), velocity_at_failure_mps=statistics.median(last),
                              velocity_range_mps=(min(last), max(last)), rir_fit=fit,
                              refused=why)


def load_velocity_profile(sets: Sequence[SetRecord], *, mvt_mps: float | None = None,
                          calibration: FailureCalibration | None = None) -> LoadVelocityProfile:
    """The athlete's load-velocity line (best velocity against load) and estimated 1RM.

    mvt_mps: minimum velocity threshold for the 1RM (m/s, > 0); None: the calibrated
    velocity at failure when there is one, else no 1RM.
    """
    # A set whose verdicts were withheld was not read as the lift (a picture on its side,
    # another lift named): its speed is often read on the wrong axis, and one such set at
    # 80 kg turned a line of r² 0.93 into one of 0.42 and no 1RM.
    points = tuple((s.load_kg, s.best_velocity_mps) for s in sets
                   if s.load_kg is not None and s.best_velocity_mps is not None
                   and not s.verdicts_withheld)
    loads = sorted({round(x, 1) for x, _ in points})
    if len(loads) < MIN_DISTINCT_LOADS:
        # No load at all is the common case (no manifest): say where loads come from.
        shown = (f"{len(loads)} ({', '.join(f'{x:g}' for x in loads)} kg)" if loads else
                 "none: give load_kg per clip in the batch's manifest.csv")
        return LoadVelocityProfile(points=points, distinct_loads=len(loads), refused=(
            f"needs sets at {MIN_DISTINCT_LOADS}+ distinct loads with a velocity; has {shown}"))
    fit = linear_fit([x for x, _ in points], [y for _, y in points])
    if fit is None or fit.slope >= 0:
        return LoadVelocityProfile(points=points, distinct_loads=len(loads), refused=(
            "velocity does not fall as the load rises (check the loads and clips)"))
    source = "given"
    if mvt_mps is None and calibration is not None and calibration.velocity_at_failure_mps:
        mvt_mps, source = calibration.velocity_at_failure_mps, "velocity at failure"
    profile = LoadVelocityProfile(points=points, distinct_loads=len(loads), fit=fit,
                                  mvt_mps=mvt_mps, mvt_source=source if mvt_mps else "")
    if mvt_mps is None or not mvt_mps < fit.intercept or profile.weak:
        return profile
    one_rm = fit.x_at(mvt_mps)
    heaviest = max(x for x, _ in points)
    if one_rm < heaviest:
        # A maximum below a load already lifted: the threshold does not suit this athlete
        # (they complete reps slower than it), or the velocities are off.
        return replace(profile, one_rm_refused=(
            f"the line gives {one_rm:.0f} kg at {mvt_mps:.2f} m/s, below the {heaviest:g} kg "
            "already lifted (a threshold too high for this athlete, or velocities off)"))
    return replace(profile, one_rm_kg=one_rm)


def _no_results_hint(root: Path) -> str:
    """What to run for a folder with no results: a folder of videos (as batch finds them)
    is batched into another one (results written among the clips would mix with them)."""
    from .batch import discover

    try:
        videos = bool(discover(root))
    except (RepsightError, OSError):
        videos = False
    if videos:
        return (f"it holds videos: run `repsight batch {root} -o RESULTS`, then "
                "`repsight history RESULTS`")
    return f"run `repsight batch CLIPS -o {root}` first"


def _tidy_name(name: str) -> str:
    """An athlete's name as shown: surrounding and repeated spaces dropped, Unicode in one
    form (a Mac's folder "Zoë" spells the ë as e and a combining mark: one athlete)."""
    return " ".join(unicodedata.normalize("NFC", name).split())


def _same_name(name: str) -> str:
    """An athlete's name as compared: case and surrounding or repeated spaces ignored."""
    return _tidy_name(name).casefold()


def _set_order(s: SetRecord) -> Any:
    # Numbers in session and clip names count as numbers: an undated week10 comes after
    # week9 (as strings it came between week1 and week9, on the table and the chart).
    return (s.date or "9999", path_order(s.session), path_order(s.clip), s.set or 0)


def group_sets(records: Iterable[SetRecord], *, athlete: str | None = None,
               exercise: str | None = None, mvt_mps: float | None = None
               ) -> tuple[AthleteHistory, ...]:
    """Sets per athlete and exercise (each in date order), with profile and calibration.

    athlete / exercise: keep only these (case-insensitive); None keeps all.
    """
    records = list(records)
    # One spelling an athlete, whatever the exercise (or the filter): the one most of their
    # sets use, the latest on a tie ("Anna" from a manifest beside "anna" from a folder).
    spellings: dict[str, list[str]] = {}
    for r in sorted(records, key=_set_order):
        spellings.setdefault(_same_name(r.athlete), []).append(_tidy_name(r.athlete))
    shown = {k: max(reversed(v), key=v.count) for k, v in spellings.items()}
    groups: dict[tuple[str, str], list[SetRecord]] = {}
    for r in records:
        if athlete is not None and _same_name(r.athlete) != _same_name(athlete):
            continue
        if exercise is not None and r.exercise.casefold() != exercise.casefold():
            continue
        # "Ben" one week and "ben " the next are one athlete, as --athlete already assumes.
        # (Sets no folder or manifest names stay one lifter across results folders: a
        # lifter batching week47/, week48/ apart is the README's weekly workflow.)
        groups.setdefault((_same_name(r.athlete), r.exercise), []).append(r)
    out = []
    for (name, what), sets in sorted(groups.items()):
        ordered = tuple(sorted(sets, key=_set_order))
        who = shown[name]
        calibration = failure_calibration(ordered)
        out.append(AthleteHistory(athlete=who, exercise=what, sets=ordered,
                                  profile=load_velocity_profile(ordered, mvt_mps=mvt_mps,
                                                                calibration=calibration),
                                  calibration=calibration))
    return tuple(out)


# ---------------------------------------------------------------- words for people


def profile_text(p: LoadVelocityProfile) -> str:
    """The load-velocity profile in one line."""
    if p.fit is None:
        return f"load-velocity profile: not fitted: {p.refused}"
    f = p.fit
    text = (f"load-velocity profile: v = {f.intercept:.3f} {f.slope:+.5f} x load "
            f"(m/s, kg), r² {f.r2:.2f}{' (weak)' if p.weak else ''}, {f.n} sets at "
            f"{p.distinct_loads} loads")
    if p.one_rm_kg is not None:
        text += (f"; estimated 1RM {p.one_rm_kg:.0f} kg at {p.mvt_mps:.2f} m/s "
                 f"({p.mvt_source})")
    elif p.weak and p.mvt_mps is not None:
        text += f"; no 1RM from a weak line (needs r² >= {WEAK_FIT_R2:g})"
    elif p.one_rm_refused:
        text += f"; no 1RM: {p.one_rm_refused}"
    return text


# How each scale method is named where sets scaled differently are compared.
SCALE_WORDS = {"height": "from a given height", "limbs": "from the lifter's limb lengths",
               "plate": "from the plates' size"}


def scale_text(sets: Sequence[SetRecord]) -> str:
    """A caveat when one athlete's sets of one exercise were scaled to metres in different
    ways, or "": the same video read 0.30 m/s from limb lengths and 0.38 with a stated
    height, so a change between such sets may be the scale, not the lifter."""
    methods: dict[str, int] = {}
    for s in sets:
        if s.scale_method in SCALE_WORDS and s.mean_velocity_mps is not None:
            methods[s.scale_method] = methods.get(s.scale_method, 0) + 1
    if len(methods) < 2:
        return ""
    how = ", ".join(f"{n} {SCALE_WORDS[m]}" for m, n in sorted(methods.items()))
    return (f"velocities scaled to metres in different ways ({how}): compare sets scaled "
            "alike; give the lifter's height (manifest height_m or --height) for every set")


def order_text(sets: Sequence[SetRecord]) -> str:
    """A caveat when one athlete's sets of one exercise are dated and undated both, or "":
    the undated ones (named by their folder, week1) have no place among the dates, so they
    are listed after them, which a coach who began a manifest in week 3 read as weeks
    1 and 2 coming last."""
    undated = list(dict.fromkeys(s.session for s in sets if not s.date))
    if not undated or len(undated) == len({s.session for s in sets}):
        return ""
    named = ", ".join(undated[:4]) + (f" and {len(undated) - 4} more" if len(undated) > 4 else "")
    return (f"undated sessions ({named}) are listed after the dated ones, as their dates are "
            "not known: give them a date (the manifest's date column, or a date in the path)")


def calibration_text(c: FailureCalibration) -> str:
    """The velocity-at-failure / RIR calibration in one line."""
    if c.velocity_at_failure_mps is None:
        return f"own velocity at failure: not calibrated: {c.refused}"
    lo, hi = c.velocity_range_mps or (float("nan"),) * 2
    text = (f"own velocity at failure: {c.velocity_at_failure_mps:.2f} m/s (last completed "
            f"rep of {c.sets} sets to failure, {lo:.2f}-{hi:.2f})")
    if c.rir_fit is not None:
        f = c.rir_fit
        text += (f"; reps in reserve = {f.intercept:.1f} {f.slope:+.1f} x velocity, "
                 f"r² {f.r2:.2f}, {f.n} reps")
    elif c.refused:
        text += f"; {c.refused}"
    return text


# ---------------------------------------------------------------- CSV and HTML


def history_csv(histories: Sequence[AthleteHistory]) -> str:
    """One CSV row a set (HISTORY_FIELDS), spreadsheet-safe."""
    from .export import csv_text

    # The athlete as the group shows them ("Ben" for sets filed as "ben" and "BEN"), so a
    # spreadsheet filter finds one athlete, as the page and the terminal do.
    return csv_text(HISTORY_FIELDS, [{**s.row(), "athlete": h.athlete}
                                     for h in histories for s in h.sets])


CHART_W, CHART_H, CHART_PAD = 360.0, 170.0, 34.0


def _scale(values: Sequence[float], lo_px: float, hi_px: float, *, zero: bool = False):
    lo, hi = min(values), max(values)
    if zero:
        lo = min(lo, 0.0)
    if hi - lo < 1e-9:
        lo, hi = lo - 0.5, hi + 0.5
    pad = 0.08 * (hi - lo)
    lo, hi = lo - pad if not zero else lo, hi + pad
    return (lambda v: lo_px + (v - lo) / (hi - lo) * (hi_px - lo_px)), (lo, hi)


def trend_chart(sets: Sequence[SetRecord]) -> dict[str, Any] | None:
    """SVG coordinates of best and mean velocity per set, in date order; None without data."""
    values = [v for s in sets for v in (s.best_velocity_mps, s.mean_velocity_mps) if v is not None]
    if not values:
        return None
    n = len(sets)
    x = (lambda k: CHART_PAD + (k + 0.5) * (CHART_W - 1.5 * CHART_PAD) / n)
    y, (lo, hi) = _scale(values, CHART_H - CHART_PAD, 10.0, zero=True)

    def line(attr: str) -> list[dict[str, Any]]:
        return [{"x": round(x(k), 1), "y": round(y(getattr(s, attr)), 1),
                 "label": f"{s.session}: {getattr(s, attr):.2f} m/s"}
                for k, s in enumerate(sets) if getattr(s, attr) is not None]

    best, mean = line("best_velocity_mps"), line("mean_velocity_mps")
    return {"w": CHART_W, "h": CHART_H, "pad": CHART_PAD,
            "best": best, "mean": mean,
            "best_path": " ".join(f"{p['x']},{p['y']}" for p in best),
            "mean_path": " ".join(f"{p['x']},{p['y']}" for p in mean),
            "ticks": [{"y": round(y(v), 1), "text": f"{v:.2f}"} for v in (lo, (lo + hi) / 2, hi)],
            "xlabels": [{"x": round(x(k), 1), "text": s.session[5:] if s.date else s.session[:8]}
                        for k, s in enumerate(sets)]}


def profile_chart(p: LoadVelocityProfile) -> dict[str, Any] | None:
    """SVG coordinates of the load-velocity points and, when fitted, the line."""
    if not p.points:
        return None
    loads = [x for x, _ in p.points]
    vel = [v for _, v in p.points]
    sx, (x0, x1) = _scale(loads, CHART_PAD, CHART_W - 10.0)
    # Velocity from 0 up (a line's extrapolated end below 0 m/s read as an axis at -0.06);
    # the line stops where it reaches 0.
    end = x1
    if p.fit is not None and p.fit.at(x1) < 0 < p.fit.at(x0) and p.fit.slope < 0:
        end = -p.fit.intercept / p.fit.slope
    sy, (y0, y1) = _scale(vel + ([p.fit.at(x0), max(p.fit.at(end), 0.0)] if p.fit else []),
                          CHART_H - CHART_PAD, 10.0, zero=True)
    chart = {"w": CHART_W, "h": CHART_H, "pad": CHART_PAD,
             "points": [{"x": round(sx(a), 1), "y": round(sy(b), 1),
                         "label": f"{a:g} kg: {b:.2f} m/s"} for a, b in p.points],
             "line": None,
             "xticks": [{"x": round(sx(v), 1), "text": f"{v:.0f}"} for v in (x0, (x0 + x1) / 2, x1)],
             "yticks": [{"y": round(sy(v), 1), "text": f"{v:.2f}"} for v in (y0, (y0 + y1) / 2, y1)]}
    if p.fit is not None:
        chart["line"] = {"x1": round(sx(x0), 1), "y1": round(sy(p.fit.at(x0)), 1),
                         "x2": round(sx(end), 1), "y2": round(sy(max(p.fit.at(end), 0.0)), 1)}
    return chart


def _f(x: float | None, spec: str = ".2f") -> str:
    return "-" if x is None else format(x, spec)


def history_context(histories: Sequence[AthleteHistory], *, warnings: Sequence[str] = (),
                    sources: Sequence[str] = ()) -> dict[str, Any]:
    """The history page's values: one section per athlete and exercise."""
    sections = []
    for h in histories:
        rows = [{"session": s.session, "load": _f(s.load_kg, "g"), "reps": s.reps,
                 "best": _f(s.best_velocity_mps), "mean": _f(s.mean_velocity_mps),
                 "loss": _f(s.velocity_loss_pct, ".0f"), "rpe": rpe_text(s.rpe_estimate),
                 "failure": s.failure_text(),
                 "failed": s.first_failure_rep is not None, "clip": s.clip_text,
                 "goal": s.goal or "-", "warnings": list(s.warnings)}
                for s in h.sets]
        sections.append({"athlete": h.athlete, "exercise": h.exercise, "rows": rows,
                         "trend": trend_chart(h.sets), "profile": profile_text(h.profile),
                         "profile_chart": profile_chart(h.profile),
                         "fitted": h.profile.fit is not None,
                         "calibration": calibration_text(h.calibration),
                         "scale": scale_text(h.sets), "order": order_text(h.sets)})
    return {"title": "repsight: progress over sessions", "sections": sections,
            "warnings": list(warnings), "sources": list(sources),
            "rules": {"loads": MIN_DISTINCT_LOADS, "weak": WEAK_FIT_R2,
                      "failure_sets": MIN_FAILURE_SETS, "reps_before": MIN_REPS_BEFORE_FAILURE}}


def write_history(histories: Sequence[AthleteHistory], *, html: str | os.PathLike | None = None,
                  csv: str | os.PathLike | None = None, warnings: Sequence[str] = (),
                  sources: Sequence[str] = ()) -> list[Path]:
    """Write the history page and/or CSV (each atomically); returns the paths written."""
    from .export import atomic_write

    written = []
    if csv is not None:
        written.append(atomic_write(csv, history_csv(histories)))
    if html is not None:
        from .report import check_report_output, render_template

        check_report_output(html)
        page = render_template("history.html.j2",
                               history_context(histories, warnings=warnings, sources=sources))
        written.append(atomic_write(html, page))
    return written
