"""Analyse every video under a folder: per-clip results, a summary.csv, resumable, never aborts.

Shape of the work
-----------------
`discover` lists the clips, `plan_jobs` gives each its own results folder, and
`run_clip(clip, config, out_dir, options)` does one clip from video to result files with
no shared state: it reads the clip (and the pose cache), writes only inside `out_dir`,
and returns a picklable `ClipResult`. `run_batch` fans those calls out over a
`concurrent.futures.Executor` and collects the results into `summary.csv`.

Swapping the executor
---------------------
`run_batch(..., executor=...)` takes any object with the `concurrent.futures.Executor`
`submit` method whose futures work with `concurrent.futures.wait`:

* local processes (default): `ProcessPoolExecutor`, one worker per core;
* Dask: `distributed.Client(address).get_executor()`;
* Ray: wrap `ray.remote(run_clip).remote(*args).future()` in a small class with a
  `submit(fn, *args)` method (an `ObjectRef.future()` is a concurrent.futures.Future).

On a cluster, point `--cache-dir`/`REPSIGHT_CACHE_DIR` and the results folder at storage
every worker sees, or each worker re-extracts poses into its own cache.

Resume and safety
-----------------
Each clip folder holds `manifest.json`. It is written first as `complete: false`, then
the results (each by temp file + rename), then rewritten as `complete: true` with the
clip's content hash, the analysis key (config + repsight + extractor versions) and the
size of every output. A later run skips a clip whose manifest is complete, current and
whose outputs are all present; it re-runs one left incomplete by a kill; it refuses to
replace results made with another configuration, version or input unless `force`.
When a clip is redone with the run's own settings, the earlier run's report and plot are
made again and its annotated video kept (it comes from the same analysis), all recorded
in the manifest; under `force`, what this run did not make is removed.
One batch at a time writes a results folder: a second one started on it (an overlapping
scheduled run) stops at once with an error instead of removing the first one's temporary
files under it (results_lock; the lock file `.repsight-batch.lock` stays in the folder).
"""

from __future__ import annotations

import concurrent.futures as cf
import contextlib
import dataclasses
import errno
import hashlib
import importlib
import json
import math
import multiprocessing
import os
import re
import shutil
import signal
import stat
import sys
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, Sequence

from filelock import FileLock, Timeout

from .config import AnalysisConfig, shown
from .errors import OutputError, RepsightError, printable
from .exercise_detection import exercise_in_name
from .export import atomic_write, csv_text
from .outputs import ANNOTATED_SUFFIX, short_stem
from .profiles import AUTO
from .sessions import (CLIP_MANIFEST, ManifestRow, Session, clip_key, filled_from_path,
                       find_clip_manifest, manifest_rows, match_clips, path_order,
                       read_clip_manifest, session_from_path, spreadsheet_text)
from .container import VIDEO_EXTENSIONS
from .workers import (available_cores, quiet_library_logs, sigint_held, signals_as_interrupt,
                      watch_parent)

MANIFEST = "manifest.json"
# The words of the error row of a clip now another video than its results were made
# from (history names such results rather than showing them as the clip's).
OTHER_VIDEO = "were made from a different video"
SUMMARY = "summary.csv"
MANIFEST_FORMAT = 1
MANIFEST_MAX_BYTES = 4 << 20  # a manifest is a few kB; anything far larger is not ours
# Clips in the order a coach numbers them (week9 before week10, set_2 before set_10).
PATH_ORDER = path_order
SUMMARY_MAX_BYTES = 256 << 20  # a row a clip: a summary of a million clips is under this
# Batch globs the containers analyze reads (container.VIDEO_EXTENSIONS) and a few more that
# FFmpeg decodes and cameras write: AVCHD .m2ts, Ogg .ogv, broadcast .mxf, DVD .vob.
CLIP_EXTENSIONS = tuple(dict.fromkeys((*VIDEO_EXTENSIONS, ".m2ts", ".m2t", ".ogv", ".mxf",
                                       ".vob", ".f4v", ".asf", ".3g2", ".y4m")))
SUMMARY_FIELDS = ("clip", "athlete", "date", "exercise", "goal", "load_kg", "reps", "first_failure_rep",
                  "first_failure_kind", "mean_velocity_mps", "velocity_loss_pct", "warnings",
                  "status", "error", "results", "notes", "set", "set_start_s", "set_end_s",
                  "rir_estimate", "rpe_estimate", "verdicts_withheld")
# A clip split at camera cuts (analysis.sets) has a row per set: these columns are the set's,
# the others the clip's, repeated (see ClipResult.rows).
SET_FIELDS = ("exercise", "reps", "first_failure_rep", "first_failure_kind", "mean_velocity_mps",
              "velocity_loss_pct", "warnings", "rir_estimate", "rpe_estimate", "verdicts_withheld")
# summary.csv's `notes` column is the manifest's (ClipResult.session_notes); ClipResult.notes
# are remarks about the results folder, printed and never stored.
_SUMMARY_ATTR = {"notes": "session_notes"}
STATUSES = ("ok", "reused", "kept", "error", "pending")


@dataclass(frozen=True)
class BatchOptions:
    """What to produce for each clip, and how (everything but the analysis config)."""

    exercise: str | None = None  # a profile/alias, "auto", or None: from the file name, else auto
    annotate: bool = False  # also render the annotated MP4
    max_size: int | None = None  # long side of the annotated video; None keeps the source
    force: bool = False  # replace existing results made differently (current ones are kept)
    cache_dir: str | None = None  # pose cache folder; None: the default cache
    use_cache: bool = True
    plot: bool = True
    html: bool = False  # also a self-contained HTML report per clip, and index.html (report.py)
    manifest: str | None = None  # the coach's clip manifest (CSV); None: FOLDER/manifest.csv if any
    session: Session | None = None  # this clip's session (run_batch sets it per clip)
    # Where this clip's exercise came from when it is not auto (run_batch sets it per clip,
    # see clip_config): its JSON's exercise_reason; "": chosen by the user.
    exercise_reason: str = ""


@dataclass(frozen=True)
class ClipJob:
    """One clip to analyse and the folder its results go to."""

    clip: Path
    name: str  # path relative to the batch folder, as shown in summary.csv
    out_dir: Path


@dataclass(frozen=True)
class SetRow:
    """One set of a clip split at camera cuts: where it is and its summary numbers."""

    index: int  # 1-based, in the clip's order
    start_s: float
    end_s: float
    exercise: str = ""
    reps: int | None = None
    first_failure_rep: int | None = None
    first_failure_kind: str = ""
    mean_velocity_mps: float = float("nan")
    velocity_loss_pct: float = float("nan")
    warnings: tuple[str, ...] = ()
    verdicts_withheld: str = ""  # why this set was not judged ("" when it was)
    rir_estimate: float = float("nan")  # the set's, as summary.SetSummary gives it
    rpe_estimate: float = float("nan")

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict (NaN -> None)."""
        return _jsonable_row(self, ("start_s", "end_s", "mean_velocity_mps", "velocity_loss_pct",
                                    "rir_estimate", "rpe_estimate"), ("warnings",))

    @classmethod
    def from_dict(cls, d: Any) -> "SetRow":
        """Inverse of to_dict; ValueError names the field that is wrong."""
        if not isinstance(d, dict):
            raise ValueError("manifest set is not a table")
        kw = {k: v for k, v in d.items() if k in {f.name for f in dataclasses.fields(cls)}}
        _check_manifest_fields(kw, "manifest set field",
                               text=("exercise", "first_failure_kind", "verdicts_withheld"),
                               counts=("index", "reps", "first_failure_rep"), required=("index",),
                               numbers=("start_s", "end_s", "mean_velocity_mps", "velocity_loss_pct",
                                        "rir_estimate", "rpe_estimate"),
                               lists=("warnings",))
        return cls(**kw)


def _jsonable_row(row: Any, numbers: tuple[str, ...], lists: tuple[str, ...]) -> dict[str, Any]:
    """A manifest row dataclass as a JSON-ready dict: NaN numbers -> None, tuples -> lists."""
    d = dataclasses.asdict(row)
    for k in numbers:
        if not math.isfinite(d[k]):
            d[k] = None
    for k in lists:
        d[k] = list(getattr(row, k))
    return d


def _check_manifest_fields(kw: dict[str, Any], where: str, *, text: tuple[str, ...],
                           counts: tuple[str, ...], numbers: tuple[str, ...],
                           lists: tuple[str, ...], required: tuple[str, ...] = ()) -> None:
    """Check a manifest row's fields read from disk, in place: text, counts (None allowed
    unless required), numbers (None -> NaN) and lists of text (-> tuples); ValueError
    names the first wrong field as '<where> <name> ...'."""
    for k in text:
        if not isinstance(kw.get(k, ""), str):
            raise ValueError(f"{where} {k} is not text")
    for k in counts:
        v = kw.get(k)
        if (v is not None or k in required) and (isinstance(v, bool) or not isinstance(v, int)
                                                 or v < 0):
            raise ValueError(f"{where} {k} is not a count")
    for k in numbers:
        v = kw.get(k)
        if v is not None and (isinstance(v, bool) or not isinstance(v, (int, float))):
            raise ValueError(f"{where} {k} is not a number")
        kw[k] = float("nan") if v is None else float(v)
    for k in lists:
        v = kw.get(k) or []
        if not isinstance(v, list) or not all(isinstance(x, str) for x in v):
            raise ValueError(f"{where} {k} is not a list of text")
        kw[k] = tuple(v)


@dataclass(frozen=True)
class ClipResult:
    """One clip's rows of summary.csv (one, or one a set), plus the files written for it."""

    clip: str
    status: str  # ok | reused | kept | error | pending
    exercise: str = ""
    reps: int | None = None
    first_failure_rep: int | None = None
    first_failure_kind: str = ""
    mean_velocity_mps: float = float("nan")
    velocity_loss_pct: float = float("nan")
    warnings: tuple[str, ...] = ()
    error: str = ""
    results: str = ""  # the clip's results folder, relative to the batch's
    outputs: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()  # about the results folder (entries ignored); printed, not stored
    # The clip's session (sessions.Session): from the clip manifest, else its path.
    athlete: str = ""
    date: str = ""
    load_kg: float = float("nan")
    session_notes: str = ""
    # The clip's sets when it was split at camera cuts (two or more); () for one set.
    sets: tuple[SetRow, ...] = ()
    # Why no verdict was looked for (a montage; summary.verdicts_withheld), "" when judged.
    verdicts_withheld: str = ""
    # The training goal the clip was judged for (config.goal: its velocity-loss limit),
    # from the command or the clip's manifest row.
    goal: str = ""
    # The set's reps in reserve and RPE (summary.SetSummary: estimates from velocity loss).
    rir_estimate: float = float("nan")
    rpe_estimate: float = float("nan")

    def __post_init__(self) -> None:
        if self.status not in STATUSES:
            raise ValueError(f"unknown clip status {self.status!r}")

    def rows(self) -> list[dict[str, Any]]:
        """The clip's summary.csv rows: one, or one a set with the clip's columns repeated
        and the set's own numbers (the `set` columns are empty for a clip of one set)."""
        d = {k: getattr(self, _SUMMARY_ATTR.get(k, k), "") for k in SUMMARY_FIELDS}
        d["warnings"] = tuple(self.warnings)  # export.csv_text joins a list in one cell
        if not self.sets:
            return [d]
        out = []
        for one in self.sets:
            row = {**d, **{k: getattr(one, k) for k in SET_FIELDS}}
            row.update(warnings=tuple(one.warnings), set=one.index,
                       set_start_s=round(one.start_s, 3), set_end_s=round(one.end_s, 3))
            out.append(row)
        return out

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict (NaN -> None)."""
        d = _jsonable_row(self, ("mean_velocity_mps", "velocity_loss_pct", "load_kg",
                                 "rir_estimate", "rpe_estimate"), ("warnings", "outputs"))
        d["sets"] = [one.to_dict() for one in self.sets]
        del d["notes"]
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "ClipResult":
        """Inverse of to_dict (ignores unknown keys from newer manifests).

        A manifest is data from disk: every field's type is checked, and ValueError says
        which one is wrong (the clip is then simply re-run).
        """
        if not isinstance(d, dict):
            raise ValueError("manifest result is not a table")
        known = {f.name for f in dataclasses.fields(cls)} - {"notes"}
        kw = {k: v for k, v in d.items() if k in known}
        _check_manifest_fields(kw, "manifest field",
                               text=("clip", "status", "exercise", "first_failure_kind", "error",
                                     "results", "athlete", "date", "session_notes",
                                     "verdicts_withheld", "goal"),
                               counts=("reps", "first_failure_rep"),
                               numbers=("mean_velocity_mps", "velocity_loss_pct", "load_kg",
                                        "rir_estimate", "rpe_estimate"),
                               lists=("warnings", "outputs"))
        sets = kw.get("sets") or []
        if not isinstance(sets, list):
            raise ValueError("manifest field sets is not a list")
        kw["sets"] = tuple(SetRow.from_dict(one) for one in sets)
        return cls(**kw)


@dataclass(frozen=True)
class BatchReport:
    """Every clip's result in discovery order, and where the summary went."""

    results: tuple[ClipResult, ...]
    summary_path: Path
    out_dir: Path
    skipped: tuple[tuple[str, str], ...] = ()  # (input path, why) passed over by discovery
    hint: str | None = None  # when no clip was found: what the folder holds instead
    # about the clip manifest (unknown columns, unlisted clips) and the results folder
    warnings: tuple[str, ...] = ()

    @property
    def failed(self) -> tuple[ClipResult, ...]:
        """Clips that ended in an error row."""
        return tuple(r for r in self.results if r.status == "error")

    @property
    def kept(self) -> tuple[ClipResult, ...]:
        """Clips whose earlier results, made differently, were left in place (not redone)."""
        return tuple(r for r in self.results if r.status == "kept")

    @property
    def ok(self) -> bool:
        """True when every clip was analysed or was already current (none failed or kept)."""
        return not self.failed and not self.kept


# ---------------------------------------------------------------- discovery


@dataclass(frozen=True)
class Discovery:
    """What a scan of the input folder found: the clips, and what it passed over and why."""

    clips: tuple[Path, ...]
    skipped: tuple[tuple[str, str], ...] = ()  # (path relative to the folder, why)
    other_files: tuple[str, ...] = ()  # files whose extension batch does not read

    def hint(self) -> str | None:
        """When no clip was found: what the folder holds instead and what to do."""
        if self.clips:
            return None
        if not self.other_files:
            # Skipped entries (links out of the folder, unreadable files) are listed
            # on their own; an empty folder would otherwise pass for a finished batch.
            return None if self.skipped else "no videos found: the folder holds no files"
        exts: dict[str, int] = {}
        for name in self.other_files:
            ext = Path(name).suffix.lower() or "(no extension)"
            exts[ext] = exts.get(ext, 0) + 1
        top = ", ".join(f"{n} {e}" for e, n in sorted(exts.items(), key=lambda x: -x[1])[:5])
        return (f"no videos found ({top} file(s) there); batch reads "
                f"{', '.join(CLIP_EXTENSIONS)}; `repsight analyze FILE` tries any format "
                "FFmpeg reads")


def _utf8(name: str) -> bool:
    """Whether a file name is valid UTF-8 (Python reads other bytes as lone surrogates)."""
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def scan(folder: str | os.PathLike, *, exclude: Iterable[str | os.PathLike] = ()) -> Discovery:
    """Video files under folder (recursive, sorted), and what was skipped and why.

    Only regular files are clips (a FIFO would hang the reader, a device never ends);
    hidden files and folders, the `exclude` trees (the results folder) and any folder an
    earlier batch wrote its results to (it holds LOCK_NAME) are passed over.
    """
    root = Path(folder)
    if not root.exists():
        raise RepsightError(f"folder not found: {printable(root)}")
    if not root.is_dir():
        raise RepsightError(f"expected a folder of videos but got a file: {printable(root)}")
    skip = {Path(e).resolve() for e in exclude}
    found: list[Path] = []
    skipped: list[tuple[str, str]] = []
    other: list[str] = []

    def rel(p: Path) -> str:
        return p.relative_to(root).as_posix()

    # os.walk without followlinks: a symlink loop in a coach's folder cannot hang us.
    for dirpath, dirnames, filenames in os.walk(root):
        here = Path(dirpath)
        kept = []
        for d in sorted(dirnames):
            if d.startswith("."):
                continue
            if (here / d).resolve() in skip:
                skipped.append((rel(here / d), "the results folder: never read as input"))
            elif (here / d / LOCK_NAME).exists():
                # An earlier run's results (batch leaves its lock file there): its annotated
                # videos would be analysed as new clips, and their athlete read off them.
                skipped.append((rel(here / d), "an earlier batch's results folder: never read "
                                               "as input"))
            elif (here / d).is_symlink():
                skipped.append((rel(here / d), "a link to a folder: not followed"))
            else:
                kept.append(d)
        dirnames[:] = kept
        for name in sorted(filenames):
            path = here / name
            if name.startswith("."):
                continue
            if Path(name).suffix.lower() not in CLIP_EXTENSIONS:
                other.append(rel(path))
                continue
            if not _utf8(rel(path)):
                # Its name reaches summary.csv, the results folder's name and the history's
                # keys; written escaped in one and raw in another, they no longer match.
                skipped.append((printable(rel(path)), "its name is not valid UTF-8 (a Windows "
                                "zip or a FAT stick's): rename the file to analyse it"))
                continue
            if name.casefold().endswith(ANNOTATED_SUFFIX):
                # An annotated video a batch wrote, saved back beside its clip (to send to
                # the athlete): read as a clip, its set counted twice in the history.
                skipped.append((rel(path), "an annotated video repsight wrote: not a clip"))
                continue
            try:
                mode = os.stat(path).st_mode
            except OSError as exc:
                skipped.append((rel(path), "a broken link" if path.is_symlink()
                                else f"unreadable ({exc.strerror or exc})"))
                continue
            if not stat.S_ISREG(mode):
                skipped.append((rel(path), f"not a regular file ({_file_kind(mode)})"))
                continue
            found.append(path)
    return Discovery(clips=tuple(sorted(found, key=lambda p: PATH_ORDER(rel(p)))), skipped=tuple(skipped),
                     other_files=tuple(other))


def _file_kind(mode: int) -> str:
    for test, kind in ((stat.S_ISLNK, "a link"), (stat.S_ISFIFO, "a named pipe"),
                       (stat.S_ISSOCK, "a socket"), (stat.S_ISCHR, "a character device"),
                       (stat.S_ISBLK, "a block device"), (stat.S_ISDIR, "a folder")):
        if test(mode):
            return kind
    return "a special file"


def discover(folder: str | os.PathLike, *, exclude: Iterable[str | os.PathLike] = ()
             ) -> list[Path]:
    """Video files under folder (recursive, sorted; hidden files and `exclude` trees skipped)."""
    return list(scan(folder, exclude=exclude).clips)


# Where a clip's exercise came from, as its JSON and page say (exercise_reason); an
# exercise left to auto says what the detection saw instead.
FROM_OPTION = "chosen with --exercise"
FROM_CONFIG = "set in the analysis configuration"
FROM_MANIFEST = "from the clip manifest"


def exercise_for(clip: Path, root: Path) -> tuple[str, str]:
    """(a profile named in the clip's path below root, "from the file name" or "from the
    folder name '...'"), or (auto, "") when the path names none."""
    try:
        rel = clip.relative_to(root)
    except ValueError:
        rel = Path(clip.name)
    found = exercise_in_name(rel)
    return (found[0], f"from {found[1]}") if found is not None else (AUTO, "")


def plan_jobs(clips: Sequence[Path], root: Path, out: Path) -> list[ClipJob]:
    """One results folder per clip, mirroring the input tree; name clashes get the extension.

    A clip's folder never coincides with a folder that holds other clips' folders
    (squat.mp4 beside squat/), nor with summary.csv; the second gets `<stem>_<ext>`. Nor
    with a folder whose results an earlier batch made for another clip (its manifest
    names that clip): squat.mov added beside an analysed squat.mp4 took squat/, was
    refused as "made from a different video", and the .mp4 was analysed again elsewhere.
    """
    root = Path(root)
    rels = []
    for clip in clips:
        try:
            rels.append(clip.relative_to(root))
        except ValueError:
            rels.append(Path(clip.name))
    # Compared case-folded: on a case-insensitive disk Squat/ and squat/ are one folder.
    taken = {str(p).casefold() for rel in rels for p in rel.parents if p != Path(".")}
    from .report import INDEX_NAME

    taken.update(name.casefold() for name in (SUMMARY, INDEX_NAME))
    jobs: list[ClipJob] = []
    for clip, rel in zip(clips, rels):
        ext = rel.suffix.lstrip(".").lower()
        stem = short_stem(rel.stem)
        candidates = [rel.parent / stem, rel.parent / f"{stem}_{ext}"]
        candidates += [rel.parent / f"{stem}_{ext}_{n}" for n in range(2, len(rels) + 3)]
        target = next(c for c in candidates if str(c).casefold() not in taken
                      and not _made_for_another(out / c, rel.as_posix()))
        taken.add(str(target).casefold())
        jobs.append(ClipJob(clip=clip, name=rel.as_posix(), out_dir=out / target))
    return jobs


def _made_for_another(folder: Path, name: str) -> bool:
    """Whether folder holds results an earlier batch made for another clip than name."""
    if not folder.is_dir():
        return False
    m = read_manifest(folder)
    clip = m.get("clip") if m else None
    return isinstance(clip, str) and bool(clip) and clip != name


# ---------------------------------------------------------------- manifest


def analysis_key(config: AnalysisConfig) -> str:
    """Hash of everything that changes the analysis of a clip: config and code versions."""
    from . import __version__
    from .pose import EXTRACTOR_VERSION
    from .export import SCHEMA_VERSION

    payload = {"config": config.to_dict(), "repsight": __version__,
               "extractor": EXTRACTOR_VERSION, "schema": SCHEMA_VERSION}
    text = json.dumps(payload, sort_keys=True, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


def _what_changed(before: Any, config: AnalysisConfig | None) -> str:
    """What made earlier results differ, in words: the settings that changed (at most
    three, `goal "strength", now "power"`), else another repsight version."""
    if not isinstance(before, dict) or config is None:
        return "a different configuration or repsight version"
    now = config.to_dict()
    changed = [k for k in now if k in before and before[k] != now[k]]
    if not changed:
        added = [k for k in now if k not in before]
        return ("another repsight version (the same settings" +
                (f"; settings it did not have: {', '.join(added[:3])}" if added else "") + ")")
    words = [f"{k} {printable(shown(before.get(k)))}, now {printable(shown(now[k]))}"
             for k in changed[:3]]
    more = f" and {len(changed) - 3} more" if len(changed) > 3 else ""
    return "other settings (" + "; ".join(words) + more + ")"


def read_manifest(out_dir: Path) -> dict[str, Any] | None:
    """The clip folder's manifest, or None when absent or unreadable (treated as absent).

    A results folder is data, not instructions: only a regular file of bounded size is
    read (a FIFO or a link to /dev/zero named manifest.json must not hang the batch).
    """
    path = Path(out_dir) / MANIFEST
    try:
        st = os.stat(path)
        if not stat.S_ISREG(st.st_mode) or st.st_size > MANIFEST_MAX_BYTES:
            return None
        with open(path, "rb") as fh:
            data = json.loads(fh.read(MANIFEST_MAX_BYTES + 1).decode("utf-8"))
    except (OSError, ValueError, RecursionError):
        return None
    return data if isinstance(data, dict) and data.get("format") == MANIFEST_FORMAT else None


def inside(path: Path, folder: Path) -> bool:
    """True when path, with every link resolved, lies within folder (resolved)."""
    try:
        return Path(path).resolve().is_relative_to(Path(folder).resolve())
    except (OSError, RuntimeError):  # a symlink loop
        return False


def manifest_outputs(out_dir: Path, manifest: dict[str, Any] | None
                     ) -> tuple[dict[str, int], list[str]]:
    """(name -> size) of the outputs a manifest lists that are plain files in out_dir, and
    a note for each entry ignored (outside the folder, the manifest itself, malformed)."""
    outputs: dict[str, int] = {}
    notes: list[str] = []
    listed = (manifest or {}).get("outputs") or {}
    if not isinstance(listed, dict):
        return outputs, [f"ignored the outputs list in {printable(out_dir / MANIFEST)}: "
                         "not a table of files"]
    for name, meta in listed.items():
        size = meta.get("size") if isinstance(meta, dict) else None
        why = None
        if not isinstance(name, str) or not name or "\x00" in name:
            why = "not a file name"
        elif Path(name).is_absolute() or ".." in Path(name).parts or \
                Path(name).name == MANIFEST or not inside(out_dir / name, out_dir):
            why = "outside the clip's results folder"
        elif isinstance(size, bool) or not isinstance(size, int) or size < 0:
            why = "no valid size"
        if why:
            notes.append(f"ignored manifest entry {printable(repr(name))[:120]} in "
                         f"{printable(out_dir)}: {why}")
        else:
            outputs[name] = size
    return outputs, notes


def _write_manifest(out_dir: Path, data: dict[str, Any]) -> None:
    atomic_write(out_dir / MANIFEST, json.dumps({"format": MANIFEST_FORMAT, **data},
                                                indent=2, allow_nan=False) + "\n")


def resume_decision(out_dir: Path, content_hash: str, key: str, options: BatchOptions,
                    config: AnalysisConfig | None = None) -> tuple[str, str]:
    """('run'|'skip'|'keep'|'refuse', why) for a clip folder, before any work is done.

    'keep': the folder holds complete results of this very clip made differently (another
    configuration, repsight version or annotated-video size); they are left as they are
    and still reported (status "kept"), since --force alone may replace them. With
    --force, what would be kept or refused is redone; complete and current results are
    still skipped (they would come out the same).
    """
    decision, why = _resume_decision(out_dir, content_hash, key, options, config)
    if options.force and decision in ("keep", "refuse"):
        return "run", "forced"
    return decision, why


def _resume_decision(out_dir: Path, content_hash: str, key: str, options: BatchOptions,
                     config: AnalysisConfig | None) -> tuple[str, str]:
    """resume_decision without --force."""
    if not out_dir.exists() or not any(p.name not in (STAGING, BACKUP) for p in out_dir.iterdir()):
        return "run", "new"
    m = read_manifest(out_dir)
    shown = printable(out_dir)
    if m is None:
        return "refuse", (f"{shown} already holds files repsight did not record; move them "
                          "away or choose another results folder (-o); --force would "
                          "overwrite files of the same names")
    if not m.get("complete"):
        return "run", "an earlier run stopped before finishing this clip"
    if m.get("content_hash") != content_hash:
        last = m.get("result")
        if isinstance(last, dict) and last.get("status") == "error":
            # The clip failed last time (cut short while still being copied, say) and has
            # been replaced since: its partial results are what the new file replaces.
            return "run", "the video changed since its failed run"
        return "refuse", (f"existing results in {shown} {OTHER_VIDEO}; to "
                          "keep them, choose another results folder (-o); to replace them, "
                          "rerun with --force")
    if m.get("analysis_key") != key:
        return "keep", (f"not redone: the results in {shown} were made with "
                        f"{_what_changed(m.get('config'), config)}; rerun with --force to "
                        "replace them, or write to another folder (-o)")
    if m.get("session") != session_record(options.session):
        # The coach's manifest changed (athlete, date, load, notes): the JSON carries them.
        return "run", "the clip's session details changed"
    outputs, _notes = manifest_outputs(out_dir, m)
    for name, size in outputs.items():
        f = out_dir / name
        if not f.is_file() or f.stat().st_size != size:
            return "run", f"{name} is missing or damaged"
    if options.annotate:
        video = m.get("video") if isinstance(m.get("video"), dict) else {}
        if not video:
            return "run", "annotated video requested"
        if video.get("max_size") != options.max_size:
            return "keep", (f"not redone: the annotated video in {shown} was made at "
                            "another size; rerun with --force to replace it, or write to "
                            "another folder (-o)")
    if options.plot and not any(n.endswith(".png") for n in outputs):
        return "run", "plot requested"
    if options.html and not any(n.endswith(".html") for n in outputs):
        return "run", "report requested"
    return "skip", "complete and current"


# ---------------------------------------------------------------- one clip


def session_record(session: Session | None) -> dict[str, Any] | None:
    """The session as the results folder's manifest.json records it (None when unknown)."""
    return session.to_dict() if session is not None else None


def session_fields(session: Session | None) -> dict[str, Any]:
    """The ClipResult fields (summary.csv columns) of a clip's session."""
    if session is None:
        return {}
    return {"athlete": session.athlete, "date": session.date,
            "load_kg": float("nan") if session.load_kg is None else session.load_kg,
            "session_notes": session.notes}


def clip_config(config: AnalysisConfig, clip: Path, root: Path, options: BatchOptions,
                row: ManifestRow | None = None) -> tuple[AnalysisConfig, str]:
    """The batch config for one clip, and where its exercise came from ("" for auto: the
    detection says). The exercise is its manifest row's, else --exercise, else the
    config's, else a profile named in its path, else auto; the row's height, goal and
    turn apply too."""
    if options.exercise:
        exercise, why = options.exercise, FROM_OPTION
    elif config.exercise != AUTO:
        exercise, why = config.exercise, FROM_CONFIG
    else:
        exercise, why = exercise_for(clip, root)
    cfg = dataclasses.replace(config, exercise=exercise)
    if row is not None:
        cfg = row.apply(cfg)
        if row.exercise is not None:
            why = FROM_MANIFEST
    return cfg, "" if cfg.exercise == AUTO else why


# How a damaged clip's error row says where its partial results came from.
PARTIAL_WRITTEN = "partial results written"
PARTIAL_KEPT = "partial results from an earlier run kept (the same file: not read again)"


def run_clip(clip: str | os.PathLike, config: AnalysisConfig, out_dir: str | os.PathLike,
             options: BatchOptions = BatchOptions(), *, name: str | None = None,
             results_rel: str = "", results_root: Path | None = None) -> ClipResult:
    """Analyse one clip into out_dir; never raises for a bad clip (the error is the result).

    The config must already carry the clip's exercise (see clip_config). Everything the
    job reads comes in its arguments and everything it writes stays in out_dir, so it
    can run in any process or on any machine.
    """
    from .video import file_hash

    clip = Path(clip)
    out_dir = Path(out_dir)
    label = name or clip.name
    base = {"clip": label, "exercise": config.exercise, "goal": config.goal,
            "results": results_rel, **session_fields(options.session)}
    root = results_root or _results_root(out_dir, results_rel)
    if not inside(out_dir, root) or (out_dir.exists() and not out_dir.is_dir()):
        # A clip folder that is a link elsewhere (or a file) in a results folder someone
        # else prepared: writing there would put files outside the results.
        return ClipResult(status="error", error=(
            f"{printable(out_dir)} is not a folder inside {printable(root)} (a link or a "
            "file); left untouched"), **base)
    try:
        if not stat.S_ISREG(os.stat(clip).st_mode):
            return ClipResult(status="error", error=f"{printable(clip)} is not a regular file",
                              **base)
        digest = file_hash(clip)
    except OSError as exc:
        return ClipResult(status="error",
                          error=f"cannot read {printable(clip)}: {exc.strerror or exc}", **base)
    key = analysis_key(config)
    previous = read_manifest(out_dir) if out_dir.is_dir() else None
    kept, notes = manifest_outputs(out_dir, previous)
    base["notes"] = tuple(notes)
    decision, why = resume_decision(out_dir, digest, key, options, config)
    if decision in ("skip", "keep"):
        prior = _prior_result((previous or {}).get("result"), label, results_rel)
        if prior is None:
            if decision == "skip":
                decision, why = "run", "manifest row unreadable"
            else:
                decision = "refuse"
        else:
            prior = dataclasses.replace(prior, notes=tuple(notes))
            # Results kept from another run keep the session (athlete, date, load) they were
            # made with, as the clip's JSON and history read it; reused ones are current.
            if decision == "skip":
                prior = dataclasses.replace(prior, **session_fields(options.session))
            # A clip whose input was damaged stays an error row: re-running cannot mend it.
            # Its partial results are an earlier run's: this one wrote nothing.
            if prior.status == "error":
                return dataclasses.replace(prior, error=prior.error.replace(
                    PARTIAL_WRITTEN, PARTIAL_KEPT))
            if decision == "keep":
                # The results on disk stay in the summary (they were not replaced), marked
                # as not made with this run's settings, with the way to replace them.
                return dataclasses.replace(prior, status="kept", error=why)
            # Made with this run's settings: the goal is this run's (older manifests lack it).
            return dataclasses.replace(prior, status="reused", goal=prior.goal or config.goal)
    if decision == "refuse":
        return ClipResult(status="error", error=why, **base)
    swapped = False
    earlier = None
    # The video the folder's files were made from: a complete manifest's clip, or the one a
    # stub carried over (a stub's own hash is the clip it was redoing, which replaced none).
    made_from = (None if previous is None else previous.get("content_hash")
                 if previous.get("complete") else previous.get("results_hash"))
    same_video = previous is not None and made_from == digest
    try:
        _remove_temp_files(out_dir, complete=bool(previous and previous.get("complete")))
        # Until this run's results are whole, summary.csv and the index of an interrupted
        # batch show the earlier run's figures (_left_as_it_was): the stub carries them,
        # unless an interrupted run had already replaced some of the files beside them.
        earlier = _earlier_result(previous) if same_video else None
        if earlier is not None and not previous.get("complete") and _rewritten_since(out_dir):
            earlier = None
        _write_manifest(out_dir, {"complete": False, "clip": label, "content_hash": digest,
                                  "analysis_key": key,
                                  **({"results_hash": made_from} if made_from else {}),
                                  **({"earlier_result": earlier} if earlier else {})})
        # A redo with the run's own settings (an output missing or asked for, the session
        # details changed) makes again the report and plot the earlier run made: they are
        # quick, and would otherwise show the earlier session's details beside new files.
        redo = options
        if not options.force and same_video:
            redo = dataclasses.replace(
                options, html=options.html or any(n.endswith(".html") for n in kept),
                plot=options.plot or any(n.endswith(".png") for n in kept))
        result, outputs, video_meta = _analyse_and_write(clip, config, out_dir, redo,
                                                         label, results_rel)
        _swap_in(out_dir / STAGING, out_dir, outputs)
        swapped = True
        shutil.rmtree(out_dir / STAGING, ignore_errors=True)
        result = dataclasses.replace(result, notes=tuple(notes),
                                     **session_fields(options.session))
        # The earlier run's files this one did not make again: under --force (or of another
        # video) they were made differently and are removed; otherwise they come from the
        # same analysis (an annotated video, slow to make, beside a run that did not ask
        # for one) and stay, recorded in the manifest as this run's (unrecorded, no later
        # run could clean them). Only entries checked to be files inside this clip folder
        # are touched.
        carried = [old for old in kept if old not in outputs and (out_dir / old).is_file()]
        if options.force or not same_video:
            for old in carried:
                with contextlib.suppress(OSError):
                    (out_dir / old).unlink()
        else:
            outputs = [*outputs, *carried]
            if any(n.endswith(ANNOTATED_SUFFIX) for n in carried) and not video_meta:
                video_meta = previous.get("video") if isinstance(previous.get("video"), dict) else {}
        sizes = {n: {"size": (out_dir / n).stat().st_size,
                     "sha256": file_hash(out_dir / n)} for n in outputs}
        result = dataclasses.replace(result, outputs=tuple(outputs))
        _write_manifest(out_dir, {"complete": True, "clip": label, "content_hash": digest,
                                  "analysis_key": key, "config": config.to_dict(),
                                  "outputs": sizes, "video": video_meta,
                                  "session": session_record(options.session),
                                  "result": result.to_dict()})
        return result
    except RepsightError as exc:
        error = _in_place(str(exc), out_dir)
        # Earlier files a failed move could not put back: the folder mixes two runs.
        swapped = swapped or (isinstance(exc, SwapFailed) and not exc.restored)
    except OSError as exc:
        error = _in_place(f"{exc.strerror or exc}: {exc.filename or ''}", out_dir)
    except Exception as exc:  # noqa: BLE001 - a bug on one clip must not sink the batch
        error = f"internal error ({type(exc).__name__}: {exc}); please report"
    failed = ClipResult(status="error", error=error, **base)
    if swapped:  # new results (some or all) are in place, but not recorded as whole
        return failed
    return _failed_redo(failed, out_dir, previous, earlier,
                        other_video=made_from is not None and not same_video)


def _in_place(error: str, out_dir: Path) -> str:
    """An error about a clip's staged results, worded for where they were going: nothing
    staged is kept, so the files "written" beside it are gone too."""
    if STAGING not in error:
        return error
    error = re.sub(r" \(written: .*\)$", "", error)
    for stage in (str(out_dir / STAGING), printable(out_dir / STAGING)):
        error = error.replace(stage + os.sep, str(out_dir) + os.sep)
    return error


def _failed_redo(failed: ClipResult, out_dir: Path, previous: dict | None,
                 earlier: dict | None, *, other_video: bool) -> ClipResult:
    """A clip whose new results never reached its folder: the folder is as it was, so its
    manifest is put back, and the error row shows the earlier complete results' figures
    (as history, which reads those files, does) when they are of this very video; of
    another video (a clip exported again under its name), it says so, and history leaves
    them out (OTHER_VIDEO)."""
    shutil.rmtree(out_dir / STAGING, ignore_errors=True)
    if previous is None:
        return failed
    with contextlib.suppress(OSError, ValueError, OutputError):
        _write_manifest(out_dir, previous)
    if other_video:
        return dataclasses.replace(failed, error=(
            f"{failed.error}; the results in {printable(out_dir)} {OTHER_VIDEO} and were "
            "left as they were"))
    if earlier is None or earlier.get("status") not in ("ok", "reused", "kept"):
        return failed
    prior = _prior_result(earlier, failed.clip, failed.results)
    if prior is None:
        return failed
    return dataclasses.replace(prior, status="error", notes=failed.notes, error=(
        f"{failed.error}; its earlier results are left as they were and shown here"))


def _results_root(out_dir: Path, results_rel: str) -> Path:
    """The batch's results folder, from a clip folder and its path relative to it."""
    depth = len(Path(results_rel).parts)
    return out_dir.parents[depth - 1] if depth else out_dir


# A clip's new results are written into STAGING inside its folder and moved into place
# only once all of them are written, the ones they replace first moved aside into BACKUP
# (and back, if a move fails). A redo that failed part-way (a file held open by a viewer,
# a full disk) used to leave the folder mixing two runs' files behind a blank error row.
# Both names are hidden: discovery, history and a glob for results pass them over.
STAGING = ".new-results"
BACKUP = ".earlier-results"


class SwapFailed(OutputError):
    """New results could not all be moved into a clip's folder; restored: the earlier files
    are all back (else some stay in BACKUP and the folder mixes two runs)."""

    def __init__(self, message: str, *, restored: bool) -> None:
        super().__init__(message)
        self.restored = restored


def _remove_temp_files(out_dir: Path, *, complete: bool) -> None:
    """Undo what a killed run left in a clip folder: temp files (.<stem>.*.part.<ext>),
    unfinished new results, and earlier results moved aside, which go back over what a
    killed move had put in their place unless the folder's manifest is complete."""
    if not out_dir.is_dir():
        return
    for f in out_dir.glob(".*.part*"):
        if f.is_file() or f.is_symlink():
            with contextlib.suppress(OSError):
                f.unlink()
    backup = out_dir / BACKUP
    if not complete and backup.is_dir() and not backup.is_symlink():
        for f in backup.iterdir():
            if not (out_dir / f.name).is_dir() or (out_dir / f.name).is_symlink():
                with contextlib.suppress(OSError):
                    os.replace(f, out_dir / f.name)
    for folder in (out_dir / STAGING, backup):
        if folder.is_dir() and not folder.is_symlink():
            shutil.rmtree(folder, ignore_errors=True)
        elif os.path.lexists(folder):  # a file or a link of that name: not ours to follow
            with contextlib.suppress(OSError):
                folder.unlink()


def _swap_in(stage: Path, out_dir: Path, names: Sequence[str]) -> None:
    """Move the staged results into out_dir, all or none: the files they replace go aside
    first and come back if any move fails (SwapFailed then)."""
    for name in names:
        target = out_dir / name
        if target.is_dir() and not target.is_symlink():
            # A folder of that name is someone's, not an earlier result: left alone.
            raise SwapFailed(f"cannot write {printable(target)}: it is a folder", restored=True)
    backup = out_dir / BACKUP
    aside: list[str] = []
    placed: list[str] = []
    try:
        backup.mkdir(exist_ok=True)
        for name in names:
            if os.path.lexists(out_dir / name):
                os.replace(out_dir / name, backup / name)
                aside.append(name)
        for name in names:
            os.replace(stage / name, out_dir / name)
            placed.append(name)
    except OSError as exc:
        restored = True
        for name in placed:
            with contextlib.suppress(OSError):
                os.replace(out_dir / name, stage / name)
        for name in aside:
            try:
                os.replace(backup / name, out_dir / name)
            except OSError:
                restored = False
        if restored:
            shutil.rmtree(backup, ignore_errors=True)
        what = str(exc.strerror or exc)
        if exc.filename:
            what += f": {printable(Path(exc.filename))}"
        raise SwapFailed(f"cannot put the new results in place in {printable(out_dir)} ({what})"
                         + ("; the earlier ones were left as they were" if restored else
                            f"; the earlier ones are in {printable(backup)}"),
                         restored=restored) from None
    shutil.rmtree(backup, ignore_errors=True)


def _analyse_and_write(clip: Path, config: AnalysisConfig, out_dir: Path,
                       options: BatchOptions, label: str, results_rel: str
                       ) -> tuple[ClipResult, list[str], dict[str, Any]]:
    """Poses (cached) -> analysis -> JSON, CSV, plot, optional video, written into the clip
    folder's STAGING folder; returns what was written there."""
    from .outputs import JSON_NAME, OutputRequest, analyse_and_write

    # A clip called manifest.mp4 must not write its JSON over the folder's manifest.
    stem = short_stem(clip.stem)
    stem = stem if JSON_NAME.format(stem=stem).casefold() != MANIFEST else f"{stem}_clip"
    stage = out_dir / STAGING
    stage.mkdir(parents=True)
    request = OutputRequest.in_folder(stage, stem, plot=options.plot,
                                      annotate=options.annotate, max_size=options.max_size,
                                      html=options.html)
    done = analyse_and_write(clip, config, request, cache_dir=options.cache_dir,
                             use_cache=options.use_cache, session=options.session,
                             exercise_reason=options.exercise_reason or None)
    # The manifest names outputs relative to the clip folder.
    outputs = [p.relative_to(stage).as_posix() for p in done.written]
    video_meta: dict[str, Any] = {"max_size": options.max_size} if options.annotate else {}
    result = summarise(done.analysis, label, results_rel)
    damage = input_damage(done.seq)
    if damage:
        # Results from half a video look like a short set: say so loudly (an error row
        # and a failing exit code) while keeping what could be analysed.
        result = dataclasses.replace(result, status="error",
                                     error=f"{damage}; {PARTIAL_WRITTEN}")
    return result, outputs, video_meta


# Phrases of the video reader's warnings that mean frames are missing from the file.
READER_DAMAGE_NOTES = ("may be truncated", "damaged packets")


def input_damage(seq: Any) -> str | None:
    """Why a decoded clip is incomplete (truncated or damaged), or None when it is whole."""
    # The video reader's own notes only (video.VideoReader): a pose-cache entry that was
    # damaged and rebuilt, whose note quotes its error, says nothing about the clip.
    notes = [str(w) for w in seq.meta.get("warnings", [])
             if any(p in str(w) for p in READER_DAMAGE_NOTES)]
    if notes:
        return notes[0]
    listed = int(seq.meta.get("frame_count_container") or 0)
    if listed and seq.n_frames < 0.95 * listed - 1:
        return f"decoded {seq.n_frames} of {listed} frames the container lists (truncated?)"
    return None


def summarise(analysis: Any, clip: str, results_rel: str = "") -> ClipResult:
    """The summary.csv row(s) of one finished analysis: the clip's, and one a set when it
    was split at camera cuts or long rests."""
    from .export import set_summary

    s = set_summary(analysis)
    shots = getattr(analysis, "shots", None)
    # How the clip was split (cuts, montage, short shots, long rests) concerns every set's row.
    from .analysis import SETS_AT_RESTS

    about_clip = (*(shots.warnings() if shots is not None else ()),
                  *(w for w in analysis.warnings if str(w).startswith(SETS_AT_RESTS)))
    sets = []
    for k, one in enumerate(getattr(analysis, "sets", ()) or (), start=1):
        o = set_summary(one)
        start, stop = one.span if one.span is not None else (0, one.n_frames)
        t = one.timestamps_s
        sets.append(SetRow(
            index=k, start_s=float(t[start]) if stop > start else float("nan"),
            end_s=float(t[stop - 1] + 1.0 / one.fps) if stop > start else float("nan"),
            exercise=o["exercise"], reps=o["reps"], first_failure_rep=o["first_failure_rep"],
            first_failure_kind=o["first_failure_kind"] or "",
            mean_velocity_mps=o["mean_velocity_mps"], velocity_loss_pct=o["velocity_loss_pct"],
            warnings=tuple(dict.fromkeys((*about_clip, *o["warnings"]))),
            verdicts_withheld=o.get("verdicts_withheld") or "",
            rir_estimate=o["rir_estimate"], rpe_estimate=o["rpe_estimate"]))
    return ClipResult(clip=clip, status="ok", exercise=s["exercise"], reps=s["reps"],
                      first_failure_rep=s["first_failure_rep"],
                      first_failure_kind=s["first_failure_kind"] or "",
                      mean_velocity_mps=s["mean_velocity_mps"],
                      velocity_loss_pct=s["velocity_loss_pct"],
                      warnings=tuple(s["warnings"]), results=results_rel, sets=tuple(sets),
                      verdicts_withheld=s.get("verdicts_withheld") or "",
                      goal=getattr(getattr(analysis, "config", None), "goal", "") or "",
                      rir_estimate=s["rir_estimate"], rpe_estimate=s["rpe_estimate"])


# ---------------------------------------------------------------- naming


# The results folder's record of the folder its clips are named from (the first batch's
# FOLDER). A later batch of one athlete's sub-folder into it names its clips as that batch
# did (ben/week1/squat.mp4, so the athlete and the earlier results are found) and keeps
# the other clips' rows in summary.csv; before, it listed only its own clips, named
# week1/squat.mp4 with no athlete, and history lost everyone else.
RECORD_NAME = ".repsight-batch"  # JSON; no .json suffix, so a glob for results passes it over


@dataclass(frozen=True)
class Naming:
    """Which folder a batch names its clips from, and what summary.csv keeps of before."""

    root: Path  # clip names are paths below this: the batch folder or a folder holding it
    clips: tuple[Path, ...]  # the batch's clips, as paths below root
    prefix: str = ""  # the batch folder below root ("" when root is the batch folder)
    warning: str | None = None


def naming_for(folder: Path, out: Path, clips: Sequence[Path], *, force: bool = False) -> Naming:
    """How a batch of folder into out names its clips (see RECORD_NAME): from the folder
    out's record names when it holds folder; with no record (a results folder written
    before it), from the nearest folder holding folder whose names the earlier summary
    uses. A folder outside the one out's clips come from is refused (OutputError) unless
    force: its summary would no longer list them."""
    table = summary_table(out / SUMMARY)
    earlier = table or []
    names = {row.get("clip") or "" for row in earlier}
    rels = [c.relative_to(folder).as_posix() for c in clips]
    here = _resolved(folder)
    # A folder reached through a link names the lift as the path typed does, too.
    typed = Path(os.path.abspath(folder))
    recorded = _recorded_root(out)
    root = None
    if recorded is not None:
        inside_it = [h for h in (here, typed) if h.is_relative_to(recorded)]
        if inside_it:
            root, here = recorded, inside_it[0]
        elif names and 2 * len(names & set(rels)) > len(names):
            # Most of the same clips by name: a copy of the folder elsewhere, not a part.
            root = here
    elif names:
        root = _root_from_earlier(here, rels, names)
    else:
        root = here
    if root is None:
        n = len(names)
        where = printable(recorded) if recorded is not None else "another folder"
        if not force:
            if recorded is not None and recorded.is_relative_to(here):
                # One athlete's folder batched first, then the team's: the names differ.
                raise OutputError(
                    f"{printable(out)} holds the results of {n} clip(s) named from {where}, "
                    f"a folder inside {printable(folder)}: write the team's results to another "
                    "results folder (-o), or rerun with --force to list only this batch's "
                    f"clips (those of {where} are analysed again under their new names)")
            raise OutputError(
                f"{printable(out)} holds the results of {n} clip(s) from {where}, and "
                f"{printable(folder)} is not in it: its summary.csv would no longer list "
                "them; write to another results folder (-o), or batch that folder or one "
                "inside it (--force lists only this batch's clips)")
        return Naming(root=folder, clips=tuple(clips), warning=(
            f"{printable(out / SUMMARY)} listed {n} clip(s) from {where}; it now lists only "
            "this batch's clips (their results stay in their folders)"))
    if root == here:
        return Naming(root=folder, clips=tuple(clips))
    if table is None and not force:
        # Its rows cannot be read, so they could not be kept: said, not dropped.
        raise OutputError(f"{printable(out / SUMMARY)} cannot be read as repsight's summary, so "
                          "the rows of the clips outside this folder would be lost; batch "
                          f"{printable(root)} to write it again (--force lists only this "
                          "batch's clips)")
    prefix = here.relative_to(root).as_posix()
    # The rows themselves are read again under the results folder's lock (run_batch).
    n_kept = len({row.get("clip") for row in kept_rows(earlier, prefix)})
    return Naming(root=root, clips=tuple(root / prefix / r for r in rels), prefix=prefix,
                  warning=(f"{printable(out)} holds the results of the clips in "
                           f"{printable(root)}: this batch's clips are named from there "
                           f"({prefix}/...), and summary.csv keeps the rows of its {n_kept} "
                           f"clip(s) outside {prefix}/" if n_kept else None))


def kept_rows(rows: Sequence[dict[str, str]], prefix: str) -> tuple[dict[str, str], ...]:
    """The summary rows of the clips outside the sub-folder prefix (a batch of it keeps them)."""
    below = prefix + "/"
    return tuple(row for row in rows if not (row.get("clip") or "").startswith(below))


def _resolved(path: Path) -> Path:
    try:
        return Path(path).resolve()
    except (OSError, RuntimeError):
        return Path(os.path.abspath(path))


def _recorded_root(out: Path) -> Path | None:
    """The folder out's record (RECORD_NAME) names, when it is still a folder; else None."""
    try:
        with open(out / RECORD_NAME, "rb") as fh:
            data = json.loads(fh.read(1 << 16).decode("utf-8"))
        root = Path(data["clips"])
    except (OSError, ValueError, KeyError, TypeError, RecursionError):
        return None
    return _resolved(root) if root.is_absolute() and root.is_dir() else None


# How far up from a batch folder a results folder written before its record is looked
# for, and how many of its summary's clips are looked for there.
EARLIER_ROOT_LEVELS = 4
EARLIER_ROOT_PROBES = 50


def _root_from_earlier(here: Path, rels: Sequence[str], names: set[str]) -> Path | None:
    """The nearest of here and the folders holding it that the earlier summary's clip
    names are read from: where this batch's clips, so named, are among them
    (ben/week1/squat.mp4 for week1/squat.mp4 in .../ben), or where at least half of them
    are still found (a new athlete's folder beside the others); None when neither."""
    probe = sorted(names)[:EARLIER_ROOT_PROBES]
    for k, cand in enumerate([here, *list(here.parents)[:EARLIER_ROOT_LEVELS]]):
        prefix = "/".join(here.parts[len(here.parts) - k:])
        if any((f"{prefix}/{r}" if prefix else r) in names for r in rels):
            return cand
        found = sum((cand / n).is_file() for n in probe if n and not Path(n).is_absolute())
        if probe and 2 * found >= len(probe):
            return cand
    return None


def summary_table(path: Path) -> list[dict[str, str]] | None:
    """The rows of a batch's summary.csv ([] when there is none); None when a file is there
    that cannot be read as one. A copy a spreadsheet saved back (a byte-order mark, a
    Western code page, semicolons) reads the same."""
    import csv
    import io

    try:
        st = os.stat(path)
    except OSError:
        return []
    try:
        if not stat.S_ISREG(st.st_mode) or st.st_size > SUMMARY_MAX_BYTES:
            return None
        with open(path, "rb") as fh:
            raw = fh.read(SUMMARY_MAX_BYTES + 1)
    except OSError:
        return None
    if not raw:
        return []
    text = spreadsheet_text(raw)
    if text is None:
        return None
    # Saved back where the comma is the decimal mark, a spreadsheet separates with ";".
    head = text.split("\n", 1)[0]
    delimiter = max((",", ";", "\t"), key=head.count)
    try:
        reader = csv.DictReader(io.StringIO(text, newline=""), delimiter=delimiter)
        if not reader.fieldnames or "clip" not in reader.fieldnames:
            return None
        # A name the writer guarded from spreadsheet formulas (export.spreadsheet_safe:
        # "@jo/squat.mp4" is written "'@jo/squat.mp4") is read back as it is.
        rows = [{k: _unguarded(v) for k, v in row.items() if isinstance(k, str)}
                for row in reader]
    except csv.Error:
        return None
    if delimiter == ";":
        # ...and writes its numbers with decimal commas ("0,493"): read back as numbers, so
        # the rows kept beside new ones are written as the writer writes numbers.
        rows = [{k: v.replace(",", ".") if isinstance(v, str) and k not in TEXT_COLUMNS
                 and _COMMA_NUMBER.fullmatch(v) else v for k, v in row.items()} for row in rows]
    return rows


def _unguarded(cell: Any) -> Any:
    """A summary cell as written before export.spreadsheet_safe guarded it."""
    from .export import FORMULA_STARTS

    if isinstance(cell, str) and cell.startswith("'") and cell[1:].startswith(FORMULA_STARTS):
        return cell[1:]
    return cell


_NUMBER = re.compile(r"-?\d+(\.\d+)?")
_COMMA_NUMBER = re.compile(r"-?\d+,\d+")
# Summary columns that hold text, never a number to read back.
TEXT_COLUMNS = ("clip", "results", "athlete", "notes", "warnings", "error", "status")


def _as_written(row: dict[str, Any]) -> dict[str, Any]:
    """A kept summary row's cells as the writer had them: numbers as numbers (written as
    text they would come out guarded, "'-4.5"), the rest as read."""
    return {k: (float(v) if "." in v else int(v)) if isinstance(v, str) and _NUMBER.fullmatch(v)
            and k not in TEXT_COLUMNS else v
            for k, v in row.items()}


def _write_record(out: Path, root: Path) -> None:
    """Record the folder the results folder's clips are named from (best effort; a run
    that changes nothing rewrites nothing)."""
    if _recorded_root(out) == _resolved(root):
        return
    with contextlib.suppress(OSError):
        atomic_write(out / RECORD_NAME, json.dumps({"format": 1, "clips": str(_resolved(root))}))


# ---------------------------------------------------------------- the batch


class BatchInterrupted(RepsightError):
    """The batch was stopped (Ctrl-C, SIGTERM, SIGHUP); finished clips are kept."""


def write_summary(results: Sequence[ClipResult], path: Path,
                  kept: Sequence[dict[str, str]] = ()) -> Path:
    """summary.csv, one row a clip (one a set for a clip split at cuts), written atomically;
    kept: earlier rows of clips this batch did not read, merged in path order."""
    rows: list[dict[str, Any]] = [row for r in results for row in r.rows()]
    if kept:
        rows = sorted([*map(_as_written, kept), *rows],
                      key=lambda row: PATH_ORDER(row.get("clip") or ""))
    return atomic_write(path, csv_text(SUMMARY_FIELDS, rows))


def append_summary_row(result: ClipResult, path: Path) -> None:
    """Append a clip's rows to summary.csv as it finishes: constant work a clip, no rewrite."""
    line = csv_text(SUMMARY_FIELDS, result.rows()).split("\n", 1)[1]
    with open(path, "a", encoding="utf-8", errors="backslashreplace") as fh:
        fh.write(line)


def check_folders(root: Path, out: Path) -> None:
    """Refuse a results folder that is the input folder or holds it (its files are inputs)."""
    r, o = root.resolve(), out.resolve()
    if r == o:
        raise OutputError(f"the results folder is the input folder {printable(root)}; give "
                          f"the results a folder of their own (e.g. -o {printable(root / 'results')})")
    if r.is_relative_to(o):
        raise OutputError(f"the input folder {printable(root)} is inside the results folder "
                          f"{printable(out)}; choose a results folder outside it")


# Held by the batch writing a results folder, so two never write one at once.
LOCK_NAME = ".repsight-batch.lock"


# errno values of a filesystem that has no file locks (some network and FUSE mounts).
_NO_LOCKS = frozenset({errno.ENOSYS, errno.ENOLCK, errno.EOPNOTSUPP})


@contextlib.contextmanager
def results_lock(out: Path) -> Iterator[str]:
    """Hold out/ for this batch; OutputError at once if another batch holds it. Yields ""
    when held, or a warning when the filesystem has no file locks and the batch runs
    unguarded.

    The operating system's file lock ends with the process that holds it, so a killed
    batch leaves no stale lock behind, only the empty lock file. filelock's own fallback
    for such filesystems, a marker file, is not used: a batch killed while holding it would
    lock the folder until someone removed the marker. A lock file that is not a plain file
    (a link, a FIFO) is refused rather than opened.
    """
    path = out / LOCK_NAME
    with contextlib.suppress(FileNotFoundError):
        mode = path.lstat().st_mode
        if not stat.S_ISREG(mode):
            raise OutputError(f"{printable(path)} is {_file_kind(mode)}, not repsight's lock "
                              "file; remove it and run again")
    lock = FileLock(path, timeout=0, fallback_to_soft=False)
    try:
        lock.acquire()
    except Timeout:
        raise OutputError(f"the results folder {printable(out)} is in use by another repsight "
                          "batch; wait for it to finish, or write to another folder") from None
    except OSError as exc:
        if exc.errno in _NO_LOCKS:
            yield (f"the results folder {printable(out)} cannot be locked (its filesystem has "
                   "no file locks): do not run two batches on it at once")
            return
        raise OutputError(f"cannot write to the results folder {printable(out)}: "
                          f"{exc.strerror or exc}") from None
    try:
        yield ""
    finally:
        lock.release()


def run_batch(folder: str | os.PathLike, out: str | os.PathLike, config: AnalysisConfig,
              options: BatchOptions = BatchOptions(), *, workers: int | None = None,
              executor: cf.Executor | None = None,
              on_result: Callable[[ClipResult, int, int], None] | None = None,
              on_warning: Callable[[str], None] | None = None) -> BatchReport:
    """Analyse every clip under folder into out/; summary.csv grows a row as each clip ends.

    executor: any concurrent.futures-style executor (see the module docstring); by default
    a process pool of `workers` (one per core). on_result(result, done, total) is called
    in this process as each clip finishes; on_warning(text) with each manifest warning as
    soon as the manifest is checked, before any clip (the report repeats them). Ctrl-C,
    SIGTERM or SIGHUP stop the workers at once and raise BatchInterrupted; finished clips
    and summary.csv stay valid.
    """
    root = Path(folder)
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise OutputError(f"results path is a file, not a folder: {printable(out)}")
    if root.is_dir():
        check_folders(root, out)
    found = scan(root, exclude=[out])
    naming = naming_for(root, out, found.clips, force=options.force)
    # The coach's manifest is checked before any folder is made or video decoded.
    rows, manifest_warnings = _manifest_for(root, out, naming, found, options.manifest)
    if naming.warning:
        manifest_warnings = (naming.warning, *manifest_warnings)
    for w in manifest_warnings if on_warning is not None else ():
        # Rows that match no clip change whose goal, load and notes a clip gets: said
        # before the batch runs for minutes, not after.
        on_warning(w)
    if found.clips:
        # The video library loads here first: on a slim image without its system libraries
        # (no libGL) every worker failed alike, a "crashed" row a clip; here it is one error.
        importlib.import_module("cv2")
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"cannot create results folder {printable(out)}: "
                          f"{exc.strerror or exc}") from None
    with results_lock(out) as unguarded:
        # The other clips' rows read again now the folder is held: a batch that ended
        # since they were first read (to warn of them) may have rewritten them.
        kept = kept_rows(summary_table(out / SUMMARY) or [], naming.prefix) if naming.prefix else ()
        report = _run_locked(naming.root, out, dataclasses.replace(found, clips=naming.clips),
                             rows, manifest_warnings, config, options, workers=workers,
                             executor=executor, on_result=on_result, kept=kept)
    if unguarded:
        report = dataclasses.replace(report, warnings=(*report.warnings, unguarded))
    return report


def _manifest_for(folder: Path, out: Path, naming: Naming, found: Discovery, given: str | None
                  ) -> tuple[dict[str, ManifestRow], tuple[str, ...]]:
    """manifest_rows for a batch named as `naming` says, keyed by its clips' names.

    A batch of one athlete's folder of the team's (Naming.prefix) reads a manifest written
    for that folder (week1/squat.mp4) as it is, and the team's (the one beside the team's
    clips, or one given whose rows name clips below the folder) as a batch of the whole
    team folder would match it, keeping the rows of this folder's clips: a row naming a
    clip by its file name alone is the team folder's only clip of that name, or an error.
    """
    local = [c.relative_to(folder).as_posix() for c in found.clips]
    if not naming.prefix:
        return manifest_rows(folder, local, given)
    path = find_clip_manifest(folder, given) or find_clip_manifest(naming.root)
    if path is None:
        return {}, ()
    sheet = read_clip_manifest(path)
    below = clip_key(naming.prefix + "/")
    team = (path == naming.root / CLIP_MANIFEST if given is None
            else any(clip_key(r.clip).startswith(below) for r in sheet.rows))
    if not team:
        rows, warnings = match_clips(sheet, local)
        return {f"{naming.prefix}/{name}": row for name, row in rows.items()}, warnings
    everyone = [c.relative_to(naming.root).as_posix()
                for c in scan(naming.root, exclude=[out]).clips]
    target = {row.line: name for name, row in match_clips(sheet, everyone)[0].items()}
    mine = tuple(r for r in sheet.rows
                 if (target[r.line].startswith(naming.prefix + "/") if r.line in target
                     else clip_key(r.clip).startswith(below)))
    return match_clips(dataclasses.replace(sheet, rows=mine),
                       [c.relative_to(naming.root).as_posix() for c in naming.clips])


def _run_locked(root: Path, out: Path, found: Discovery, rows: dict[str, ManifestRow],
                manifest_warnings: tuple[str, ...],
                config: AnalysisConfig, options: BatchOptions, *, workers: int | None,
                executor: cf.Executor | None,
                on_result: Callable[[ClipResult, int, int], None] | None,
                kept: Sequence[dict[str, str]] = ()) -> BatchReport:
    """run_batch's work once the results folder is made and held; kept: the earlier
    summary rows of clips outside the batch folder (kept_rows)."""
    jobs = plan_jobs(list(found.clips), root, out)
    _write_record(out, root)
    summary_path = out / SUMMARY
    # A clip's session: its manifest row's, else what its path tells, read from the batch
    # folder's own name down (one athlete's folder batched alone names that athlete: the
    # history merged two such lifters' sets into one 1RM).
    top = Path(os.path.abspath(root)).name  # as given: a link named ana, not its target
    # A row's empty athlete, date or load is the path's, as a clip's with no row.
    told = [session_from_path(f"{top}/{j.name}" if top else j.name) for j in jobs]
    sessions = [filled_from_path(rows[j.name].session, path) if j.name in rows else path
                for j, path in zip(jobs, told)]
    # A clip not reached yet (an interrupted batch leaves it so) still names its athlete,
    # date and load in summary.csv.
    results: dict[int, ClipResult] = {
        k: ClipResult(clip=j.name, status="pending",
                      results=j.out_dir.relative_to(out).as_posix(), **session_fields(s))
        for k, (j, s) in enumerate(zip(jobs, sessions))}
    total = len(jobs)
    # The header now, a row as each clip ends (in the order they end), and the whole table
    # in discovery order once at the end: linear in the number of clips.
    write_summary([], summary_path, kept)
    done = 0

    def record(k: int, result: ClipResult) -> None:
        nonlocal done
        results[k] = result
        done += 1
        append_summary_row(result, summary_path)
        if on_result is not None:
            on_result(result, done, total)

    args = []
    for j, session in zip(jobs, sessions):
        # A manifest row's exercise, height and goal override the command's for its clip.
        cfg, why = clip_config(config, j.clip, root, options, rows.get(j.name))
        args.append((j.clip, cfg, j.out_dir,
                     dataclasses.replace(options, session=session, exercise_reason=why),
                     j.name, j.out_dir.relative_to(out).as_posix()))
    try:
        if total:
            _run_pooled(args, record, executor=executor,
                        workers=min(workers or available_cores(), total))
    except KeyboardInterrupt:
        for k, j in enumerate(jobs):
            if results[k].status == "pending":
                results[k] = _left_as_it_was(results[k], j.out_dir)
        if options.html:  # the finished clips' pages are written: the index links them
            from .report import write_index

            try:
                write_index(_with_kept([results[k] for k in range(total)], kept, out), out)
            except OutputError:
                pass  # the interruption is the news; the next run writes it
        raise BatchInterrupted(
            f"interrupted: {done} of {total} clips finished and kept in {printable(out)}; "
            "run the same command again to do the rest") from None
    finally:
        write_summary([results[k] for k in range(total)], summary_path, kept)
    from .report import INDEX_NAME

    # An index an earlier --html run left is written again from this run's rows (linking
    # the clip pages that still exist): left as it was, it showed old verdicts and linked
    # pages a --force run had deleted.
    if options.html or (out / INDEX_NAME).is_file():
        from .report import write_index

        try:
            write_index(_with_kept([results[k] for k in range(total)], kept, out), out)
        except OutputError as exc:
            # Every clip's results and summary.csv are written: the batch still reports them.
            manifest_warnings = [*manifest_warnings, f"the index page was not written: {exc}"]
    return BatchReport(results=tuple(results[k] for k in range(total)),
                       summary_path=summary_path, out_dir=out, skipped=found.skipped,
                       hint=found.hint(), warnings=manifest_warnings)


def _with_kept(results: list[ClipResult], kept: Sequence[dict[str, str]], out: Path
               ) -> list[ClipResult]:
    """results and the clips of the kept summary rows, in path order: the index's rows.
    A kept clip's figures are those its folder's manifest records (a summary row does not
    hold a clip's sets), its status and error the row's."""
    if not kept:
        return results
    others: dict[str, ClipResult] = {}
    for row in kept:
        clip = row.get("clip") or ""
        if clip in others:
            continue  # a clip split at cuts has a row a set; its manifest has them all
        folder = (row.get("results") or "").replace("\\", "/").strip("/")
        status = row.get("status") if row.get("status") in STATUSES else "error"
        earlier = None
        if folder and inside(out / folder, out):  # a cell edited to point elsewhere is not read
            earlier = _earlier_result(read_manifest(out / folder))
        prior = _prior_result(earlier, clip, folder) if earlier else None
        others[clip] = (dataclasses.replace(prior, status=status, error=row.get("error") or "")
                        if prior is not None else
                        ClipResult(clip=clip, status=status, error=row.get("error") or "",
                                   results=folder, exercise=row.get("exercise") or "",
                                   athlete=row.get("athlete") or "", date=row.get("date") or ""))
    return sorted([*results, *others.values()], key=lambda r: PATH_ORDER(r.clip))


def _prior_result(row: dict | None, clip: str, results: str) -> ClipResult | None:
    """An earlier run's summary row (a manifest's) as the ClipResult of clip, or None when
    it is unreadable."""
    try:
        return ClipResult.from_dict({**(row or {}), "clip": clip, "results": results})
    except (TypeError, ValueError):
        return None


def _earlier_result(manifest: dict | None) -> dict | None:
    """The summary row of the complete results a clip folder's manifest records: its own
    when complete, else the one an interrupted run's stub carried over; None if neither."""
    if not isinstance(manifest, dict):
        return None
    row = manifest.get("result") if manifest.get("complete") else manifest.get("earlier_result")
    return row if isinstance(row, dict) else None


def _rewritten_since(out_dir: Path) -> bool:
    """Whether a file in the clip folder was written after its manifest (a run that began
    redoing the clip and replaced some of its results before it was stopped)."""
    try:
        since = os.stat(out_dir / MANIFEST).st_mtime_ns
        return any(p.name != MANIFEST and p.is_file() and p.stat().st_mtime_ns > since
                   for p in out_dir.iterdir())
    except OSError:
        return True


def _left_as_it_was(pending: ClipResult, out_dir: Path) -> ClipResult:
    """A clip an interrupted batch did not finish, with the figures of the complete results
    an earlier run left in its folder (still "pending": this run did not redo it), or as
    it is when there are none. summary.csv and the index then still show those results,
    not blank rows beside them (an interrupted --force run read "0 with a failure called"
    for clips whose results on disk had five). A clip this run had begun redoing when
    it was interrupted keeps them too (its manifest's stub carries them over)."""
    m = read_manifest(out_dir)
    row = _earlier_result(m)
    if not isinstance(row, dict) or row.get("status") not in ("ok", "reused", "kept"):
        return pending
    if m is not None and not m.get("complete") and _rewritten_since(out_dir):
        # The run was interrupted after it had replaced some of the results (the JSON
        # first): the earlier figures no longer match the files beside them.
        return pending
    prior = _prior_result(row, pending.clip, pending.results)
    if prior is None:
        return pending
    return dataclasses.replace(prior, status="pending", error="", notes=())


def _run_pooled(args: list[tuple], record: Callable[[int, ClipResult], None], *,
                executor: cf.Executor | None, workers: int) -> None:
    """Run the jobs on executor, or on our own process pool that never outlives this call.

    With our own pool, SIGTERM and SIGHUP are turned into KeyboardInterrupt while it runs,
    and any interrupt ends the workers at once (they ignore SIGINT themselves and die
    with this process if it is killed outright; see _worker_init).
    """
    if executor is not None:
        with signals_as_interrupt():
            _run_all(executor, args, record, pools=[])
        return
    pools: list[cf.Executor] = [_process_pool(workers)]
    with signals_as_interrupt():
        try:
            _run_all(pools[0], args, record, pools=pools)
        except BaseException:
            _stop_pools(pools)
            raise
        finally:
            for pool in pools:
                pool.shutdown(wait=True, cancel_futures=True)


def _stop_pools(pools: list[cf.Executor]) -> None:
    """End every worker of our pools now (terminate, then kill) and reap them."""
    # A second Ctrl-C must not cut the clean-up short and leave workers behind.
    old = signal.signal(signal.SIGINT, signal.SIG_IGN) \
        if threading.current_thread() is threading.main_thread() else None
    try:
        procs = []
        for pool in pools:
            # ProcessPoolExecutor keeps its workers in _processes (no public handle before
            # Python 3.14's terminate_workers); read it first, shutdown() clears it.
            procs += list((getattr(pool, "_processes", None) or {}).values())
            pool.shutdown(wait=False, cancel_futures=True)
        for proc in procs:
            with contextlib.suppress(Exception):
                proc.terminate()
        for proc in procs:
            with contextlib.suppress(Exception):
                proc.join(3)
                if proc.is_alive():
                    proc.kill()
                    proc.join(2)
    finally:
        if old is not None:
            signal.signal(signal.SIGINT, old)


# The warning Python's resource tracker prints when the batch is killed outright (kill -9,
# the out-of-memory killer): "There appear to be 5 leaked semaphore objects", a third-party
# line on the coach's terminal about the pool's own bookkeeping.
TRACKER_QUIET = "ignore::UserWarning:multiprocessing.resource_tracker"


def _quiet_resource_tracker() -> None:
    """Start multiprocessing's resource tracker with its leak warning ignored (it takes
    the interpreter's -W options when it starts, once a process)."""
    from multiprocessing import resource_tracker

    added = TRACKER_QUIET not in sys.warnoptions
    if added:
        sys.warnoptions.append(TRACKER_QUIET)
    try:
        resource_tracker.ensure_running()
    finally:
        if added:
            sys.warnoptions.remove(TRACKER_QUIET)


def _process_pool(n: int) -> cf.Executor:
    # spawn, not fork: the parent may hold threads (the progress bar, MediaPipe's graph
    # in a library caller), and forking a threaded process can deadlock the child.
    with contextlib.suppress(Exception):  # cosmetic: never a reason not to run
        _quiet_resource_tracker()
    return cf.ProcessPoolExecutor(max_workers=max(1, n),
                                  mp_context=multiprocessing.get_context("spawn"),
                                  initializer=_worker_init, initargs=(os.getpid(),))


def _worker_init(parent: int) -> None:
    """In each worker: leave Ctrl-C to the parent, and die when the parent dies."""
    # Ctrl-C reaches the whole process group; the parent ends the workers itself, so
    # they print no KeyboardInterrupt tracebacks of their own.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if sys.platform.startswith("linux"):
        # The kernel kills this worker the moment the parent dies, even by SIGKILL.
        with contextlib.suppress(Exception):
            import ctypes

            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    # Elsewhere (and if the parent died before prctl): a watchdog thread.
    watch_parent(parent)


def _call(args: tuple) -> ClipResult:
    """run_clip with positional job arguments (a top-level function, so it pickles)."""
    clip, cfg, out_dir, options, name, rel = args
    quiet_library_logs()  # in every worker, the process pool's and Dask's alike
    return run_clip(clip, cfg, out_dir, options, name=name, results_rel=rel)


def _run_all(pool: cf.Executor, args: list[tuple], record: Callable[[int, ClipResult], None],
             *, pools: list[cf.Executor]) -> None:
    """Submit every job; a worker that dies (crash, OOM kill) costs only its own clip."""
    with sigint_held():  # workers start during submit: see sigint_held
        futures = {pool.submit(_call, a): k for k, a in enumerate(args)}
    retry: list[int] = []
    for fut in cf.as_completed(futures):
        k = futures[fut]
        try:
            record(k, fut.result())
        except cf.BrokenExecutor:
            retry.append(k)
        except Exception as exc:  # noqa: BLE001 - the executor's failure becomes this clip's row
            record(k, _crash_result(args[k], exc))
    # A broken pool fails every unfinished future; re-run those one clip per fresh process
    # so the clip that crashes is identified and the others still finish.
    for k in sorted(retry):
        solo = _process_pool(1)
        pools.append(solo)
        try:
            with sigint_held():
                fut = solo.submit(_call, args[k])
            record(k, fut.result())
        except Exception as exc:  # noqa: BLE001
            record(k, _crash_result(args[k], exc))
        finally:
            solo.shutdown(wait=True, cancel_futures=True)


def _crash_result(a: tuple, exc: BaseException) -> ClipResult:
    clip, cfg, _out, opt, name, rel = a
    why = "the worker process died" if isinstance(exc, cf.BrokenExecutor) \
        else f"{type(exc).__name__}: {exc}"
    return ClipResult(clip=name, status="error", exercise=cfg.exercise, goal=cfg.goal, results=rel,
                      error=f"analysis crashed ({why})", **session_fields(opt.session))
