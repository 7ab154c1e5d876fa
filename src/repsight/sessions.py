"""Who lifted, when and with what load: the session details of a clip, from a coach's manifest.

A coach's folder of clips may hold `manifest.csv` (the *clip manifest*, written by the
coach, read by `repsight batch`): one row a clip with the columns in MANIFEST_COLUMNS.
It is not the `manifest.json` inside each clip's results folder, which is repsight's own
record of what it wrote (batch.py). Per-clip values (exercise, height_m, goal) override
the command's; athlete, date, load_kg and notes travel with the clip's results as its
`Session` (the JSON's `session` block, summary.csv, the HTML index, `repsight history`).

Validation happens up front, before any video is decoded: every bad cell is one line
naming the row and the column (ManifestError); rows naming clips that are not in the
folder are a warning. Without a manifest row, a clip's session is read from its path
(`athletes/ana/2026-11-30_squat.mp4`: athlete `ana`, date 2026-11-30).
"""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import io
import math
import os
import re
import stat
import unicodedata
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any, Iterable, Mapping

from natsort import natsort_keygen, ns

from .errors import ConfigError, RepsightError
from .profiles import exercise_named

CLIP_MANIFEST = "manifest.csv"
MANIFEST_COLUMNS = ("clip", "athlete", "date", "exercise", "load_kg", "height_m", "goal", "notes",
                    "rotate")
MANIFEST_MAX_BYTES = 4 << 20  # a few hundred rows are a few kB
MAX_TEXT = 500  # characters of an athlete name or a note
MAX_LOAD_KG = 1000.0  # above any lift's world record: a typo (grams, pounds x 10)
SESSION_SOURCES = ("manifest", "path")
# A date in a clip's path, with the groups of its year, month and day: ISO (2026-11-30),
# a phone camera's file name (VID_20261130_183012.mp4, PXL_20261130_...), or day.month.year
# as much of Europe writes it (30.11.2026). A match that is no real day is skipped.
_DATES_IN_NAME = (
    (re.compile(r"(?<!\d)(\d{4})-(\d{2})-(\d{2})(?!\d)"), (1, 2, 3)),
    (re.compile(r"(?<!\d)((?:19|20)\d{2})(\d{2})(\d{2})(?!\d)"), (1, 2, 3)),
    # (not inside a version number, "v1.2.2026", nor running on into more digits; a
    # ".mp4" after it is fine)
    (re.compile(r"(?<![A-Za-z\d.])(\d{1,2})\.(\d{1,2})\.(\d{4})(?!\d|\.\d)"), (3, 2, 1)),
)
# A load in a clip's file name: 80kg, 102.5 kg, 225lbs (pounds are turned into kg).
_LOAD_IN_NAME = re.compile(r"(?<![\d.,])(\d{1,3}(?:[.,]\d{1,2})?)\s?(kgs?|lbs?)(?![a-z])",
                           re.IGNORECASE)
KG_PER_LB = 0.45359237


class ManifestError(RepsightError):
    """A clip manifest (manifest.csv) cannot be read or has a bad cell."""


@dataclass(frozen=True)
class Session:
    """The session details of one clip: who, when, what load, and the coach's notes."""

    athlete: str = ""
    date: str = ""  # ISO YYYY-MM-DD, or "" when unknown
    load_kg: float | None = None  # external load; None when unknown
    notes: str = ""
    source: str = "manifest"  # manifest: a manifest.csv row; path: read from folder and file names

    def __post_init__(self) -> None:
        if self.source not in SESSION_SOURCES:
            raise ValueError(f"unknown session source {self.source!r}")
        if self.load_kg is not None and not (math.isfinite(self.load_kg)
                                             and 0 <= self.load_kg <= MAX_LOAD_KG):
            raise ValueError(f"load_kg must be 0..{MAX_LOAD_KG:g}, got {self.load_kg!r}")
        if self.date:
            dt.date.fromisoformat(self.date)

    def to_dict(self) -> dict[str, Any]:
        """The JSON `session` block."""
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, d: Any) -> "Session | None":
        """Inverse of to_dict for a JSON read from disk; None when absent or malformed."""
        if not isinstance(d, Mapping):
            return None
        load = d.get("load_kg")
        try:
            return cls(athlete=str(d.get("athlete") or ""), date=str(d.get("date") or ""),
                       load_kg=None if load is None or isinstance(load, bool) else float(load),
                       notes=str(d.get("notes") or ""),
                       source=str(d.get("source") or "manifest"))
        except (TypeError, ValueError):
            return None


@dataclass(frozen=True)
class ManifestRow:
    """One validated manifest row: its clip, the values overriding the command's, the session."""

    clip: str  # as written in the manifest (a path below the folder, or a file name)
    line: int  # row number in the file (the header is row 1)
    session: Session
    exercise: str | None = None  # a profile name, or "auto"
    height_m: float | None = None
    goal: str | None = None
    rotate: int | None = None  # the picture's turn for a clip that plays sideways

    def apply(self, config: Any) -> Any:
        """config with this row's exercise, height, goal and turn (those given) in place."""
        changes = {k: v for k, v in (("exercise", self.exercise),
                                     ("lifter_height_m", self.height_m),
                                     ("goal", self.goal), ("rotate", self.rotate))
                   if v is not None}
        return dataclasses.replace(config, **changes) if changes else config


@dataclass(frozen=True)
class ClipManifest:
    """A parsed manifest: its rows in file order and warnings (columns it does not know)."""

    name: str
    rows: tuple[ManifestRow, ...]
    warnings: tuple[str, ...] = ()


# ---------------------------------------------------------------- parsing (pure)


def _number(text: str, where: str, what: str) -> float:
    try:
        value = float(text)  # "102,5" is refused, not guessed: "1,000" would read as 1.0
    except ValueError:
        raise ManifestError(f"{where}: {text!r} is not a number ({what})") from None
    if not math.isfinite(value):
        raise ManifestError(f"{where}: {text!r} is not a finite number ({what})")
    return value


def _cell_value(column: str, text: str, where: str, decimal_comma: bool = False) -> Any:
    """One non-empty cell, checked and converted; ManifestError names row and column.
    decimal_comma: numbers are written 102,5 (a sheet saved with ';' between cells)."""
    if decimal_comma and column in ("load_kg", "height_m"):
        text = text.replace(",", ".")
    if column in ("athlete", "notes"):
        if len(text) > MAX_TEXT:
            raise ManifestError(f"{where}: longer than {MAX_TEXT} characters")
        return text
    if column == "date":
        # ISO, or day.month.year as a European sheet saves it (as a path may give it too);
        # 30/11/2026 and 11/30/2026 are both written, so a slash is refused, not guessed.
        dotted = re.fullmatch(r"(\d{1,2})\.(\d{1,2})\.(\d{4})", text)
        try:
            if dotted:
                day, month, year = (int(g) for g in dotted.groups())
                return dt.date(year, month, day).isoformat()
            return dt.date.fromisoformat(text).isoformat()
        except ValueError:
            if dotted or re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
                raise ManifestError(f"{where}: {text!r} is no day of the calendar") from None
            raise ManifestError(f"{where}: {text!r} is not a date; write it as YYYY-MM-DD "
                                "(or DD.MM.YYYY)") from None
    if column == "load_kg":
        value = _number(text, where, "kilograms, e.g. 102.5")
        if not 0 <= value <= MAX_LOAD_KG:
            raise ManifestError(f"{where}: {value:g} kg is outside 0..{MAX_LOAD_KG:g}")
        return value
    if column == "height_m":
        value = _number(text, where, "metres, e.g. 1.78")
        from .config import AnalysisConfig

        try:  # the range AnalysisConfig enforces, stated once there
            AnalysisConfig(lifter_height_m=value)
        except ConfigError as exc:
            raise ManifestError(f"{where}: {exc}") from None
        return value
    if column == "rotate":
        from .config import ROTATIONS

        if text not in tuple(str(r) for r in ROTATIONS):
            raise ManifestError(f"{where}: {text!r} is not a turn; write 0, 90, 180 or 270 "
                                "(degrees clockwise)")
        return int(text)
    if column == "goal":
        from .config import GOALS

        if text.lower() not in GOALS:
            raise ManifestError(f"{where}: unknown goal {text!r}; choose one of {', '.join(GOALS)}")
        return text.lower()
    if column == "exercise":
        from .profiles import exercise_or_auto

        try:
            # (get_profile reads a name as a folder names it too: "Squats", "Pull-Ups")
            return exercise_or_auto(text)
        except RepsightError as exc:
            raise ManifestError(f"{where}: {exc}") from None
    return text


def parse_manifest(text: str, name: str = CLIP_MANIFEST) -> ClipManifest:
    """Rows of a manifest's CSV text, every cell checked; ManifestError on the first bad one."""
    body = text.removeprefix("\ufeff")
    # A spreadsheet where the comma is the decimal mark saves its CSV with ';' between
    # cells: its first row shows it (semicolons and no comma), and its numbers read 102,5.
    first = body.split("\n", 1)[0]
    sep = ";" if ";" in first and "," not in first else ","
    reader = csv.reader(io.StringIO(body, newline=""), delimiter=sep)
    try:
        header = next(reader, None)
    except csv.Error as exc:
        raise ManifestError(f"{name} row 1: not readable as CSV ({exc})") from None
    if not header or not any(h.strip() for h in header):
        raise ManifestError(f"{name} is empty; its first row names the columns: "
                            f"{', '.join(MANIFEST_COLUMNS)}")
    columns = [h.strip().lower() for h in header]
    if "clip" not in columns:
        raise ManifestError(f"{name} row 1: no 'clip' column; the first row names the "
                            f"columns: {', '.join(MANIFEST_COLUMNS)}")
    seen: set[str] = set()
    for c in columns:
        if c and c in seen:
            raise ManifestError(f"{name} row 1: column {c!r} appears twice")
        seen.add(c)
    unknown = [c for c in columns if c and c not in MANIFEST_COLUMNS]
    warnings = [f"{name}: ignored column(s) {', '.join(map(repr, unknown))}; known columns: "
                f"{', '.join(MANIFEST_COLUMNS)}"] if unknown else []
    rows: list[ManifestRow] = []
    clips: dict[str, int] = {}
    line = 1
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            raise ManifestError(f"{name} row {line + 1}: not readable as CSV ({exc})") from None
        line += 1
        if not any(c.strip() for c in cells):
            continue
        if len(cells) > len(columns) and any(c.strip() for c in cells[len(columns):]):
            raise ManifestError(f"{name} row {line}: {len(cells)} cells but {len(columns)} "
                                "columns (a comma inside a note? quote the note)")
        values: dict[str, Any] = {}
        for column, raw in zip(columns, cells):
            cell = raw.strip()
            if column in MANIFEST_COLUMNS and cell:
                values[column] = _cell_value(column, cell, f"{name} row {line}, column {column}",
                                             decimal_comma=sep == ";")
        clip = values.get("clip")
        if not clip:
            raise ManifestError(f"{name} row {line}, column clip: empty; name the video")
        key = clip_key(clip)
        if key in clips:
            raise ManifestError(f"{name} row {line}, column clip: {clip!r} is listed again "
                                f"(first on row {clips[key]})")
        clips[key] = line
        session = Session(athlete=values.get("athlete", ""), date=values.get("date", ""),
                          load_kg=values.get("load_kg"), notes=values.get("notes", ""))
        rows.append(ManifestRow(clip=clip, line=line, session=session,
                                exercise=values.get("exercise"), height_m=values.get("height_m"),
                                goal=values.get("goal"), rotate=values.get("rotate")))
    return ClipManifest(name=name, rows=tuple(rows), warnings=tuple(warnings))


def clip_key(name: str) -> str:
    """A clip path as a manifest row and the folder are matched: forward slashes, no
    leading ./, Unicode composed (a folder named on macOS spells ë as e + a combining
    mark, a spreadsheet as one character) and case folded."""
    return unicodedata.normalize("NFC", name.replace("\\", "/").removeprefix("./")).casefold()


def match_clips(manifest: ClipManifest, clip_names: Iterable[str]
                ) -> tuple[dict[str, ManifestRow], tuple[str, ...]]:
    """(clip name -> its row, warnings): a row names a clip by its path below the folder
    or, when that is unique, by its file name; rows naming no clip are one warning."""
    names = list(clip_names)
    by_path = {clip_key(n): n for n in names}
    by_file: dict[str, list[str]] = {}
    for n in names:
        by_file.setdefault(clip_key(PurePosixPath(n).name), []).append(n)
    matched: dict[str, ManifestRow] = {}
    unknown: list[str] = []
    for row in manifest.rows:
        key = clip_key(row.clip)
        target = by_path.get(key)
        if target is None:
            candidates = by_file.get(key, []) if "/" not in key else []
            if len(candidates) > 1:
                raise ManifestError(
                    f"{manifest.name} row {row.line}, column clip: {row.clip!r} names "
                    f"{len(candidates)} clips ({', '.join(candidates[:3])}); give the path "
                    "below the folder")
            target = candidates[0] if candidates else None
        if target is None:
            unknown.append(row.clip)
            continue
        if target in matched:
            raise ManifestError(f"{manifest.name} row {row.line}, column clip: {row.clip!r} is "
                                f"the clip of row {matched[target].line} too")
        matched[target] = row
    warnings = list(manifest.warnings)
    if unknown:
        shown = ", ".join(repr(u) for u in unknown[:10])
        more = f" and {len(unknown) - 10} more" if len(unknown) > 10 else ""
        warnings.append(f"{manifest.name}: {len(unknown)} row(s) name no video in the folder: "
                        f"{shown}{more}")
    # The other way round too: a clip added to the folder but not to the sheet gets no load
    # (and its athlete and date only from its path), which a coach would not notice.
    missing = [n for n in names if n not in matched]
    if manifest.rows and missing:
        shown = ", ".join(repr(m) for m in missing[:10])
        more = f" and {len(missing) - 10} more" if len(missing) > 10 else ""
        warnings.append(f"{manifest.name}: {len(missing)} video(s) in the folder have no row "
                        f"(athlete, date and load only as their path gives them): {shown}{more}")
    return matched, tuple(warnings)


def _date_in(part: str) -> str:
    """The first real date (see _DATES_IN_NAME) in one part of a path, ISO, or ""."""
    for pattern, (y, m, d) in _DATES_IN_NAME:
        for found in pattern.finditer(part):
            try:
                return dt.date(int(found.group(y)), int(found.group(m)), int(found.group(d))).isoformat()
            except ValueError:
                continue
    return ""


def _load_in(stem: str) -> float | None:
    """The load a file name states (80kg, 102,5 kg, 225lb), in kg; None when none or odd."""
    found = _LOAD_IN_NAME.search(stem)
    if found is None:
        return None
    value = float(found.group(1).replace(",", "."))
    if found.group(2).lower().startswith("lb"):
        value = round(value * KG_PER_LB, 1)
    return value if 0 <= value <= MAX_LOAD_KG else None


# Folders that group one athlete's clips rather than name the athlete: a week, session,
# day or block number ("week1", "Week 12", "session_3", "W2"), a bare number, or an
# exercise ("ana/squat/set1.mp4"); a folder holding a date is another (see
# groups_clips). A coach's ana/week1/squat.mp4 made "week1" the athlete of every clip
# filmed that week, whoever lifted.
# The words a week, session, day, block or set number follows, in both patterns below.
_NUMBERED = "w|wk|week|s|session|d|day|b|block|set|take|part"
_GROUPING_FOLDER = re.compile(rf"(?:{_NUMBERED}|cycle|phase|m|month)?[\s_.-]*\d+", re.IGNORECASE)


# A week, day or set number (or the word "day") inside a folder's name: what is left
# after taking them out may name an exercise ("Squat 2", "squats_week1", "Bench Day").
_GROUPING_PART = re.compile(rf"(?<![a-z])(?:(?:{_NUMBERED})[\s_.-]*\d+|\d+|days?)(?![a-z])",
                            re.IGNORECASE)


# Folders a phone, a messenger or a coach keeps clips in, whoever lifted in them: under an
# athlete's folder they name no one ("Ana/phone/VID_...mp4" made an athlete "phone").
_STORAGE_FOLDERS = frozenset(
    "phone iphone android camera dcim video videos clip clips upload uploads raw media "
    "footage recording recordings export exports download downloads movies inbox new old "
    "misc other others temp tmp whatsapp telegram instagram".split())
# A training day named for what it trains ("Leg Day", "push_day") or lettered ("Day A",
# "day-b"): a session of the athlete above it. The whole name only: "Doris Day" and
# "Sunday Adebayo" are athletes.
_TRAINING_DAY = re.compile(r"(?:(?:legs?|push|pull|upper|lower|arms?|chest|back|shoulders?|core|"
                           r"full[\s_-]*body|heavy|light|power|speed|volume|test|max)[\s_-]*days?"
                           r"|days?[\s_-]*[a-z])", re.IGNORECASE)


def groups_clips(folder: str) -> bool:
    """Whether a folder name groups an athlete's clips (a week, a date, an exercise, an
    exercise with a number or "day": "Squat 2", "squats_week1", "Bench Day"; a training day:
    "Leg Day", "Day A"; where a phone or a coach stores clips: "phone", "videos",
    "uploads"...)."""
    name = folder.strip()
    if _date_in(name) or _GROUPING_FOLDER.fullmatch(name) or exercise_named(name):
        return True
    if name.casefold() in _STORAGE_FOLDERS or _TRAINING_DAY.fullmatch(name):
        return True
    rest = _GROUPING_PART.sub(" ", name)
    return rest != name and exercise_named(rest) is not None


_NATURAL = natsort_keygen(alg=ns.PATH | ns.IGNORECASE)
_NAME_SEPARATORS = re.compile(r"[\s_-]+")
_LETTER_DIGIT = re.compile(r"(?<=[^\W\d_])(?=\d)|(?<=\d)(?=[^\W\d_])")


def path_order(name: str) -> Any:
    """Sort key for clip paths and session names as a coach reads them: numbers as numbers,
    case and separators aside (week9, Week10, week 11 in that order; by character codes
    "Week10" came before "week9"). Every separator, and the step between a word and a
    number, reads as one space: the numbers stay apart (squat_1_100kg before squat_3_80kg)."""
    return _NATURAL(_NAME_SEPARATORS.sub(" ", _LETTER_DIGIT.sub(" ", name)))


def clip_athlete(name: str) -> str:
    """The athlete a clip's path names: the nearest folder above it that is not a week,
    session, date or exercise folder (see groups_clips), Unicode-normalised; "" if none."""
    for folder in reversed(PurePosixPath(name).parts[:-1]):
        if not groups_clips(folder):
            return unicodedata.normalize("NFC", folder)
    return ""


def session_from_path(name: str) -> Session | None:
    """The session a clip's path tells (athlete: its folder, see clip_athlete; date: a date
    in the path, see _DATES_IN_NAME; load: "80kg" or "225lb" in the file name); None when
    it tells none."""
    path = PurePosixPath(name)
    athlete = clip_athlete(name)
    date = ""
    for part in reversed(path.parts):
        date = _date_in(part)
        if date:
            break
    load = _load_in(path.stem)
    if not athlete and not date and load is None:
        return None
    return Session(athlete=athlete, date=date, load_kg=load, source="path")


def filled_from_path(given: Session, from_path: Session | None) -> Session:
    """A manifest row's session with the athlete, date and load it leaves empty read from
    the clip's path (session_from_path), as a clip with no row has them: a manifest of
    only `clip,notes` had filed "ana/squat 80kg.mp4" under no athlete and no load, and
    the set left Ana's history."""
    if from_path is None:
        return given
    return dataclasses.replace(given, athlete=given.athlete or from_path.athlete,
                               date=given.date or from_path.date,
                               load_kg=given.load_kg if given.load_kg is not None else from_path.load_kg)


# ---------------------------------------------------------------- reading (I/O)


def find_clip_manifest(folder: str | os.PathLike, given: str | os.PathLike | None = None
                       ) -> Path | None:
    """The manifest to read: the one given (which must exist), else FOLDER/manifest.csv if any."""
    if given is not None:
        path = Path(given)
        if not path.exists():
            raise ManifestError(f"manifest not found: {path}")
        return path
    path = Path(folder) / CLIP_MANIFEST
    return path if path.is_file() else None


def read_clip_manifest(path: str | os.PathLike) -> ClipManifest:
    """Read and check a manifest.csv (a regular file of bounded size, UTF-8)."""
    path = Path(path)
    try:
        st = os.stat(path)
        if not stat.S_ISREG(st.st_mode):
            raise ManifestError(f"manifest {path} is not a regular file")
        if st.st_size > MANIFEST_MAX_BYTES:
            raise ManifestError(f"manifest {path} is larger than {MANIFEST_MAX_BYTES >> 20} MB; "
                                "is it the right file?")
        with open(path, "rb") as fh:
            raw = fh.read(MANIFEST_MAX_BYTES + 1)
    except OSError as exc:
        raise ManifestError(f"cannot read manifest {path}: {exc.strerror or exc}") from None
    text = spreadsheet_text(raw)
    if text is None:
        raise ManifestError(f"manifest {path} is not UTF-8 text; save it as CSV UTF-8")
    return parse_manifest(text, path.name)


def spreadsheet_text(raw: bytes) -> str | None:
    """A CSV file's text as a spreadsheet saves it: UTF-8 (a byte-order mark dropped), else
    a Western code page (cp1252, "CSV" in Excel's older default); None when neither."""
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    return None


def manifest_rows(folder: str | os.PathLike, clip_names: Iterable[str],
                  given: str | os.PathLike | None = None
                  ) -> tuple[dict[str, ManifestRow], tuple[str, ...]]:
    """(clip name -> manifest row, warnings) for a batch folder: the manifest given, else
    FOLDER/manifest.csv; ({}, ()) without one. Raises ManifestError on a bad cell."""
    path = find_clip_manifest(folder, given)
    if path is None:
        return {}, ()
    return match_clips(read_clip_manifest(path), clip_names)
