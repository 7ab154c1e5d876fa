"""Result files for one analysed clip (JSON, CSV, plot PNG, annotated MP4, HTML report).

`repsight analyze`, `repsight annotate` and each batch job all go through
`analyse_and_write`: check the output paths, poses (cached) -> `analyse_pose` -> the
requested files. Every file is written atomically (temp file beside it, then one rename;
see `export.atomic_path`), so a kill never leaves half a result behind.

Inputs are sacred: before anything is decoded, every output path is checked against the
inputs (the video, the config file): the same real path or the same inode (a hard link)
is refused, as are devices, pipes, folders and names too long for the temp file.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Sequence

from .config import AnalysisConfig
from .errors import OutputError, RepsightError, printable

ProgressFn = Callable[[int, int], None]

# File names inside a batch clip folder, by the clip's stem.
JSON_NAME = "{stem}.json"
CSV_NAME = "{stem}.csv"
PLOT_NAME = "{stem}.png"
ANNOTATED_SUFFIX = ".annotated.mp4"
VIDEO_NAME = "{stem}" + ANNOTATED_SUFFIX
HTML_NAME = "{stem}.html"


# The temp file atomic_path writes beside a target: ".<stem>.<8 random chars>.part<suffix>".
TEMP_NAME_EXTRA = len("." + "." + "x" * 8 + ".part")
# A batch names a clip's folder and files by its stem; a longer stem (bytes) is cut, with
# a hash of the whole to keep it apart: a 240-byte clip name left no room for
# ".annotated.mp4" and the temp name, and the clip got an error row.
MAX_STEM_BYTES = 150
SYSTEM_FOLDERS = ("/dev/", "/proc/", "/sys/")
def same_file(a: str | os.PathLike, b: str | os.PathLike) -> bool:
    """True when a and b name one file: the same real path, or the same inode (hard links)."""
    if os.path.realpath(a) == os.path.realpath(b):
        return True
    try:
        sa, sb = os.stat(a), os.stat(b)
    except (OSError, ValueError):
        return False
    return (sa.st_dev, sa.st_ino) == (sb.st_dev, sb.st_ino)


def _name_max(folder: Path) -> int:
    """Longest file name (bytes) the filesystem holding folder allows."""
    try:
        return int(os.pathconf(folder, "PC_NAME_MAX"))
    except (OSError, ValueError, AttributeError):
        return 255


def check_output_file(path: str | os.PathLike, *,
                      inputs: Sequence[str | os.PathLike] = ()) -> None:
    """Fail fast, before any slow work, when an output file cannot or must not be written there.

    Refused: an input file (same real path or inode), a folder, a device or pipe
    (`-`, /dev/stdout), a path under a file, and a name too long for its temp file.
    """
    path = Path(path)
    shown = printable(path)
    if str(path) == "-":
        raise OutputError("writing results to standard output is not supported; "
                          "give a file name")
    for source in inputs:
        if same_file(path, source):
            raise OutputError(f"refusing to write {shown}: it is the input {printable(source)}; "
                              "choose another output name")
    if path.is_dir():
        raise OutputError(f"cannot write {shown}: it is a folder; give a file name")
    # /dev/stdout and friends are links into /proc: renaming a temp file over them (as
    # root) would replace the device entry itself, so system folders are refused outright.
    for where in {str(path.absolute()), os.path.realpath(path)}:
        if where.startswith(SYSTEM_FOLDERS):
            raise OutputError(f"cannot write {shown}: it is a device or system file; "
                              "give a file name")
    # lexists: /dev/stdout on a pipe is a link to nothing; renaming over it as root would
    # replace the device link itself.
    if os.path.lexists(path) and not path.is_file():
        raise OutputError(f"cannot write {shown}: it is a device or pipe, not a regular file; "
                          "give a file name")
    existing = None
    for parent in path.parents:
        if parent.exists():
            if not parent.is_dir():
                raise OutputError(f"cannot write {shown}: {printable(parent)} is a file, "
                                  "not a folder")
            existing = parent
            break
    name_max = _name_max(existing or Path("."))
    longest = len(os.fsencode(path.name)) + TEMP_NAME_EXTRA
    if longest > name_max:
        raise OutputError(f"output name too long: {printable(path.name)[:40]}... is "
                          f"{len(os.fsencode(path.name))} bytes; this folder allows at most "
                          f"{name_max - TEMP_NAME_EXTRA} (room for the temp file written first)")
    # The nearest folder that exists: a missing subfolder is made in it (a check of the
    # parent alone let `ro/sub/p.png` through to fail after the whole analysis).
    if existing is not None and not os.access(existing, os.W_OK):
        why = "it is on a read-only disk" if _read_only_disk(existing) else "no permission to write there"
        raise OutputError(f"cannot write {shown}: {printable(existing)} cannot be written in ({why})")


def _read_only_disk(folder: Path) -> bool:
    try:
        return bool(os.statvfs(folder).f_flag & os.ST_RDONLY)
    except OSError:
        return False


def short_stem(stem: str, limit: int = MAX_STEM_BYTES) -> str:
    """stem, or when over `limit` bytes its start and "~" and 8 hex digits of its hash."""
    raw = os.fsencode(stem)
    if len(raw) <= limit:
        return stem
    digest = hashlib.sha1(raw).hexdigest()[:8]
    return raw[:limit - len(digest) - 1].decode("utf-8", errors="ignore") + "~" + digest


@dataclass(frozen=True)
class OutputRequest:
    """Result files wanted for one clip (None: not wanted) and the annotated video's size."""

    json: Path | None = None
    csv: Path | None = None
    plot: Path | None = None
    annotate: Path | None = None
    max_size: int | None = None  # long side of the annotated video in px; None: the source's
    html: Path | None = None  # self-contained HTML report (report.py); written last

    @classmethod
    def in_folder(cls, folder: str | os.PathLike, stem: str, *, json: bool = True,
                  csv: bool = True, plot: bool = True, annotate: bool = False,
                  max_size: int | None = None, html: bool = False) -> "OutputRequest":
        """The batch layout: <stem>.json, .csv, .png, .annotated.mp4 and .html inside folder."""
        folder = Path(folder)

        def name(pattern: str, wanted: bool) -> Path | None:
            return folder / pattern.format(stem=stem) if wanted else None

        return cls(json=name(JSON_NAME, json), csv=name(CSV_NAME, csv),
                   plot=name(PLOT_NAME, plot), annotate=name(VIDEO_NAME, annotate),
                   max_size=max_size, html=name(HTML_NAME, html))

    @property
    def paths(self) -> tuple[Path, ...]:
        """Every requested file, in the order they are written."""
        return tuple(p for _, p in self.named_paths)

    @property
    def named_paths(self) -> tuple[tuple[str, Path], ...]:
        """(its command-line option, path) of every requested file, in writing order."""
        return tuple((f"--{name}", p) for name, p in (
            ("json", self.json), ("csv", self.csv), ("plot", self.plot),
            ("annotate", self.annotate), ("html", self.html)) if p is not None)

    def check(self, inputs: Sequence[str | os.PathLike] = ()) -> None:
        """Raise OutputError when a requested file cannot or must not be written where asked."""
        seen: dict[str, tuple[str, Path]] = {}
        for option, path in self.named_paths:
            check_output_file(path, inputs=inputs)
            real = os.path.realpath(path)
            if real in seen:
                first, _ = seen[real]
                raise OutputError(f"{first} and {option} name the same file ({printable(path)}); "
                                  "give each output its own name")
            seen[real] = (option, path)
        if self.plot is not None:
            check_plot_output(self.plot)
        if self.annotate is not None:
            from .annotate import check_video_output  # OpenCV: only when drawing is asked for

            check_video_output(self.annotate)
        if self.html is not None:
            from .report import check_report_output

            check_report_output(self.html)


# The plot's file formats, by the name's suffix (matplotlib writes each natively).
PLOT_FORMATS = {".png": "png", ".pdf": "pdf", ".svg": "svg"}


def check_plot_output(path: str | os.PathLike) -> str:
    """The plot's format from its name; OutputError for a name no format of it has (a
    plot.jpg once held PNG bytes a viewer refused)."""
    fmt = PLOT_FORMATS.get(Path(path).suffix.lower())
    if fmt is None:
        raise OutputError(f"plot must be named .png, .pdf or .svg, got {printable(Path(path).name)!r}")
    return fmt


@dataclass(frozen=True)
class ClipOutputs:
    """What analysing one clip produced: the analysis, its poses and the files written."""

    analysis: Any  # SetAnalysis
    seq: Any  # PoseSequence
    written: tuple[Path, ...]


def write_outputs(request: OutputRequest, video: str | os.PathLike, analysis: Any, seq: Any, *,
                  video_progress: ProgressFn | None = None,
                  session: Any = None) -> tuple[Path, ...]:
    """Write every requested file (each atomically) from a finished analysis; returns their paths.

    session: the clip's sessions.Session (athlete, date, load), recorded in the JSON and page.
    """
    written: list[Path] = []
    try:
        failed = _write_each(request, video, analysis, seq, written, video_progress, session)
    except KeyboardInterrupt:
        # Each file is replaced whole, in turn: stopped between them, the files this run
        # wrote stand beside an earlier run's others, so the user is told which are new.
        if written:
            raise KeyboardInterrupt(f"written before it: {', '.join(printable(p) for p in written)}; "
                                    "the other outputs were not") from None
        raise
    if failed:
        # A disk filling up at the annotated video, a folder made read-only after the
        # check: the other files are still written (each atomically), and the user is told
        # which are whole and what failed.
        exc = failed[0]
        more = f"; also: {'; '.join(str(e) for e in failed[1:])}" if failed[1:] else ""
        kept = f" (written: {', '.join(printable(p) for p in written)})" if written else ""
        exc.args = (f"{exc}{more}{kept}", *exc.args[1:])
        raise exc
    return tuple(written)


def _write_each(request: OutputRequest, video: str | os.PathLike, analysis: Any, seq: Any,
                written: list[Path], video_progress: ProgressFn | None, session: Any
                ) -> list[RepsightError]:
    """write_outputs' files, in order, each appended to `written` once it is whole; the
    errors of those that could not be written (the others are written all the same)."""
    from .export import write_csv, write_json

    failed: list[RepsightError] = []

    def attempt(write: Callable[[], Path]) -> bool:
        try:
            written.append(write())
            return True
        except RepsightError as exc:
            failed.append(exc)
            return False

    if request.json is not None:
        attempt(lambda: write_json(analysis, request.json, session=session))
    if request.csv is not None:
        attempt(lambda: write_csv(analysis, request.csv))
    if request.plot is not None:
        from .plots import plot_set

        attempt(lambda: plot_set(analysis, request.plot))
    annotated = None
    if request.annotate is not None:
        from .annotate import render_video

        if attempt(lambda: render_video(video, analysis, seq, request.annotate,
                                        max_size=request.max_size, progress=video_progress)):
            annotated = request.annotate
    if request.html is not None:
        # Last: the page embeds the annotated video just written instead of rendering another.
        from .report import write_report

        attempt(lambda: write_report(analysis, seq, video, request.html,
                                     annotated=annotated, max_size=request.max_size,
                                     progress=video_progress, session=session))
    return failed


def analyse_and_write(video: str | os.PathLike, config: AnalysisConfig, request: OutputRequest,
                      *, cache_dir: str | os.PathLike | None = None, use_cache: bool = True,
                      pose_progress: ProgressFn | None = None,
                      video_progress: ProgressFn | None = None,
                      inputs: Sequence[str | os.PathLike] = (),
                      workers: int = 1, session: Any = None,
                      exercise_reason: str | None = None) -> ClipOutputs:
    """Check the outputs, then poses (cached) -> analysis -> the requested files.

    inputs: files besides the video that no output may replace (the config file).
    workers: processes for the pose model (see pose.extract_pose).
    session: the clip's sessions.Session, when a batch manifest or the path gives one.
    exercise_reason: where config.exercise came from, when it is not auto (see
    analysis.analyse_pose); None: chosen by the user.
    """
    from .analysis import analyse_bar, analyse_pose
    from .cache import extract_cached
    from .profiles import lifter_pick

    # Before the pose model runs: a bad output path must not cost minutes of extraction,
    # and no output may land on the video (or another input) it reads.
    request.check(inputs=(video, *inputs))
    seq = extract_cached(video, model=config.model, cache_dir=cache_dir, use_cache=use_cache,
                         progress=pose_progress, workers=workers, turn=config.rotate,
                         pick_lifter=lifter_pick(config.exercise))
    # The bar pass (barbell lifts only) decodes the video once more (~4-15 ms a frame)
    # unless the pose cache holds its track for these poses and settings.
    analysis = analyse_bar(video, seq, analyse_pose(seq, config, exercise_reason=exercise_reason),
                           cache_dir=cache_dir, use_cache=use_cache)
    written = write_outputs(request, video, analysis, seq, video_progress=video_progress,
                            session=session)
    return ClipOutputs(analysis=analysis, seq=seq, written=written)
