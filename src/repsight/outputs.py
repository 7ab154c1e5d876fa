"""Result files for one analysed clip (JSON, CSV, plot PNG, annotated MP4), for every caller.

`repsight analyze`, `repsight annotate` and each batch job all go through
`analyse_and_write`: check the output paths, poses (cached) -> `analyse_pose` -> the
requested files. Every file is written atomically (temp file beside it, then one rename;
see `export.atomic_path`), so a kill never leaves half a result behind.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from .config import AnalysisConfig
from .errors import OutputError

ProgressFn = Callable[[int, int], None]

# File names inside a batch clip folder, by the clip's stem.
JSON_NAME = "{stem}.json"
CSV_NAME = "{stem}.csv"
PLOT_NAME = "{stem}.png"
VIDEO_NAME = "{stem}.annotated.mp4"


def check_output_file(path: str | os.PathLike) -> None:
    """Fail fast, before any slow work, when an output file cannot be written there."""
    path = Path(path)
    if path.is_dir():
        raise OutputError(f"cannot write {path}: it is a folder; give a file name")
    for parent in path.parents:
        if parent.exists():
            if not parent.is_dir():
                raise OutputError(f"cannot write {path}: {parent} is a file, not a folder")
            break


@dataclass(frozen=True)
class OutputRequest:
    """Result files wanted for one clip (None: not wanted) and the annotated video's size."""

    json: Path | None = None
    csv: Path | None = None
    plot: Path | None = None
    annotate: Path | None = None
    max_size: int | None = None  # long side of the annotated video in px; None: the source's

    @classmethod
    def in_folder(cls, folder: str | os.PathLike, stem: str, *, json: bool = True,
                  csv: bool = True, plot: bool = True, annotate: bool = False,
                  max_size: int | None = None) -> "OutputRequest":
        """The batch layout: <stem>.json, .csv, .png and .annotated.mp4 inside folder."""
        folder = Path(folder)

        def name(pattern: str, wanted: bool) -> Path | None:
            return folder / pattern.format(stem=stem) if wanted else None

        return cls(json=name(JSON_NAME, json), csv=name(CSV_NAME, csv),
                   plot=name(PLOT_NAME, plot), annotate=name(VIDEO_NAME, annotate),
                   max_size=max_size)

    @property
    def paths(self) -> tuple[Path, ...]:
        """Every requested file, in the order they are written."""
        return tuple(p for p in (self.json, self.csv, self.plot, self.annotate) if p is not None)

    def check(self) -> None:
        """Raise OutputError when a requested file cannot be written where asked."""
        from .annotate import check_video_output

        for path in self.paths:
            check_output_file(path)
        if self.annotate is not None:
            check_video_output(self.annotate)


@dataclass(frozen=True)
class ClipOutputs:
    """What analysing one clip produced: the analysis, its poses and the files written."""

    analysis: Any  # SetAnalysis
    seq: Any  # PoseSequence
    written: tuple[Path, ...]


def write_outputs(request: OutputRequest, video: str | os.PathLike, analysis: Any, seq: Any, *,
                  video_progress: ProgressFn | None = None) -> tuple[Path, ...]:
    """Write every requested file (each atomically) from a finished analysis; returns their paths."""
    from .export import write_csv, write_json

    written: list[Path] = []
    if request.json is not None:
        written.append(write_json(analysis, request.json))
    if request.csv is not None:
        written.append(write_csv(analysis, request.csv))
    if request.plot is not None:
        from .plots import plot_set

        written.append(plot_set(analysis, request.plot))
    if request.annotate is not None:
        from .annotate import render_video

        written.append(render_video(video, analysis, seq, request.annotate,
                                    max_size=request.max_size, progress=video_progress))
    return tuple(written)


def analyse_and_write(video: str | os.PathLike, config: AnalysisConfig, request: OutputRequest,
                      *, cache_dir: str | os.PathLike | None = None, use_cache: bool = True,
                      pose_progress: ProgressFn | None = None,
                      video_progress: ProgressFn | None = None) -> ClipOutputs:
    """Check the outputs, then poses (cached) -> analysis -> the requested files."""
    from .analysis import analyse_pose
    from .cache import extract_cached

    # Before the pose model runs: a bad output path must not cost minutes of extraction.
    request.check()
    seq = extract_cached(video, model=config.model, cache_dir=cache_dir, use_cache=use_cache,
                         progress=pose_progress)
    analysis = analyse_pose(seq, config)
    written = write_outputs(request, video, analysis, seq, video_progress=video_progress)
    return ClipOutputs(analysis=analysis, seq=seq, written=written)
