"""Thin command-line interface: parse, build config, call one library function, map errors."""

from __future__ import annotations

import functools
import sys
from pathlib import Path
from typing import Callable

import click

from . import __version__
from .errors import RepsightError
from .pose import DEFAULT_MODEL, MODEL_NAMES


def _friendly_errors(fn: Callable) -> Callable:
    """Turn project errors into one clear line and exit code 1, never a traceback."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except RepsightError as exc:
            raise click.ClickException(str(exc)) from None
        except KeyboardInterrupt:
            raise click.ClickException("interrupted") from None
        except OSError as exc:
            raise click.ClickException(f"{exc.strerror or exc}: {exc.filename or ''}".strip()) from None

    return wrapper


def check_output_file(path: Path) -> None:
    """Fail fast, before any slow work, when an output file cannot be written there."""
    from .errors import OutputError

    if path.is_dir():
        raise OutputError(f"cannot write {path}: it is a folder; give a file name")
    for parent in path.parents:
        if parent.exists():
            if not parent.is_dir():
                raise OutputError(f"cannot write {path}: {parent} is a file, not a folder")
            break


def _progress_bar(label: str, quiet: bool):
    """A rich progress bar on stderr, or nothing when quiet or not a terminal-friendly run."""
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    return Progress(TextColumn(label), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                    console=Console(stderr=True), disable=quiet, transient=True)


model_option = click.option("--model", type=click.Choice(MODEL_NAMES), default=DEFAULT_MODEL,
                            show_default=True, help="pose model variant")
cache_option = click.option("--cache-dir", type=click.Path(path_type=Path),
                            default=None, help="pose cache folder [default: ~/.cache/repsight/poses]")
no_cache_option = click.option("--no-cache", is_flag=True, help="ignore and do not write the pose cache")
quiet_option = click.option("-q", "--quiet", is_flag=True, help="no progress bar")


def extract_with_progress(video: Path, *, model: str, cache_dir: Path | None, no_cache: bool,
                          quiet: bool):
    """Pose extraction (cached) with a progress bar; shared by the commands that need poses."""
    from .cache import extract_cached

    with _progress_bar(f"pose ({model}) {video.name}", quiet) as bar:
        task = bar.add_task("pose", total=None)

        def progress(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        return extract_cached(video, model=model, cache_dir=cache_dir, use_cache=not no_cache,
                              progress=progress)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="repsight")
def main() -> None:
    """repsight: rep-by-rep tempo, velocity, form drift and failure from a training video."""


@main.command()
@click.argument("video", type=click.Path(path_type=Path))
@_friendly_errors
def info(video: Path) -> None:
    """Show what the container says about VIDEO."""
    from .video import probe

    i = probe(video)
    click.echo(f"file      {i.path}")
    click.echo(f"size      {i.width}x{i.height} (upright; rotation {i.rotation} deg)")
    click.echo(f"fps       {i.fps:.3f}{' (variable frame rate)' if i.variable_frame_rate else ''}")
    click.echo(f"frames    {i.frame_count}")
    click.echo(f"duration  {i.duration_s:.2f} s")
    click.echo(f"codec     {i.codec}")


@main.command()
@click.argument("video", type=click.Path(path_type=Path))
@click.option("-o", "--output", type=click.Path(path_type=Path), default=None,
              help="where to write the poses [default: VIDEO with .poses.npz]")
@model_option
@cache_option
@no_cache_option
@quiet_option
@_friendly_errors
def extract(video: Path, output: Path | None, model: str, cache_dir: Path | None,
            no_cache: bool, quiet: bool) -> None:
    """Run the pose model over VIDEO and save the PoseSequence (.npz)."""
    from .cache import save_pose

    out = output or video.with_suffix(".poses.npz")
    check_output_file(out)
    seq = extract_with_progress(video, model=model, cache_dir=cache_dir, no_cache=no_cache,
                                quiet=quiet)
    save_pose(seq, out)
    click.echo(f"{seq.n_frames} frames, person found on {seq.detection_rate:.1%}, "
               f"{seq.fps:.3f} fps, model {seq.model} -> {out}")
    for w in seq.meta.get("warnings", []):
        click.echo(f"warning: {w}", err=True)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
