"""Thin command-line interface: parse, build config, call one library function, map errors."""

from __future__ import annotations

import functools
import sys
from dataclasses import dataclass
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


model_option = click.option("--model", type=click.Choice(MODEL_NAMES), default=None,
                            help=f"pose model variant [default: {DEFAULT_MODEL}, or the config file's]")
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
    seq = extract_with_progress(video, model=model or DEFAULT_MODEL, cache_dir=cache_dir,
                                no_cache=no_cache, quiet=quiet)
    save_pose(seq, out)
    click.echo(f"{seq.n_frames} frames, person found on {seq.detection_rate:.1%}, "
               f"{seq.fps:.3f} fps, model {seq.model} -> {out}")
    for w in seq.meta.get("warnings", []):
        click.echo(f"warning: {w}", err=True)


def _exercise_callback(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    """Validate --exercise against the profiles (names, aliases or auto), case-insensitively."""
    if value is None:
        return None
    from .profiles import AUTO, get_profile

    if value.strip().lower() == AUTO:
        return AUTO
    try:
        return get_profile(value).name
    except RepsightError as exc:
        raise click.BadParameter(str(exc)) from None


@dataclass(frozen=True)
class OutputRequest:
    """Result files asked for on the command line (None: not wanted)."""

    json: Path | None = None
    csv: Path | None = None
    plot: Path | None = None
    annotate: Path | None = None
    max_size: int | None = None

    def check(self) -> None:
        """Fail before the slow work when an output cannot be written where asked."""
        from .annotate import check_video_output

        for path in (self.json, self.csv, self.plot, self.annotate):
            if path is not None:
                check_output_file(path)
        if self.annotate is not None:
            check_video_output(self.annotate)

    def write(self, video: Path, analysis, seq, *, quiet: bool) -> list[Path]:
        """Write every requested file (each atomically); returns their paths."""
        from .export import write_csv, write_json

        written = []
        if self.json is not None:
            written.append(write_json(analysis, self.json))
        if self.csv is not None:
            written.append(write_csv(analysis, self.csv))
        if self.plot is not None:
            from .plots import plot_set

            written.append(plot_set(analysis, self.plot))
        if self.annotate is not None:
            from .annotate import render_video

            with _progress_bar(f"annotate {video.name}", quiet) as bar:
                task = bar.add_task("annotate", total=None)
                written.append(render_video(
                    video, analysis, seq, self.annotate, max_size=self.max_size,
                    progress=lambda done, total: bar.update(task, completed=done, total=total)))
        return written


def output_options(fn: Callable) -> Callable:
    """Add --json/--csv/--plot/--annotate/--max-size to a command, packed into `outputs`.

    Put it below _friendly_errors so a bad output path is one clear line.
    """

    @functools.wraps(fn)
    def wrapper(*args, json_out, csv_out, plot_out, annotate_out, max_size, **kwargs):
        outputs = OutputRequest(json=json_out, csv=csv_out, plot=plot_out,
                                annotate=annotate_out, max_size=max_size)
        outputs.check()
        return fn(*args, outputs=outputs, **kwargs)

    file_type = click.Path(dir_okay=False, path_type=Path)
    for option in reversed((
        click.option("--json", "json_out", type=file_type, default=None,
                     help="write the full analysis as JSON (docs/output_schema.md)"),
        click.option("--csv", "csv_out", type=file_type, default=None,
                     help="write one row a rep as CSV"),
        click.option("--plot", "plot_out", type=file_type, default=None,
                     help="write the set's plot (velocity, phases, drift per rep) as PNG"),
        click.option("--annotate", "annotate_out", type=file_type, default=None,
                     help="write the annotated video (.mp4, H.264)"),
        click.option("--max-size", type=click.IntRange(64, 8192), default=None,
                     help="long side of the annotated video in px [default: the source's]"),
    )):
        wrapper = option(wrapper)
    return wrapper


@main.command()
@click.argument("folder", type=click.Path(path_type=Path))
@click.option("-o", "--output", "out", required=True,
              type=click.Path(file_okay=False, path_type=Path), help="results folder")
@click.option("--workers", type=click.IntRange(1, 256), default=None,
              help="parallel worker processes [default: one per core]")
@click.option("--force", is_flag=True, help="replace existing results made differently")
@click.option("--annotate", "annotate_", is_flag=True, help="also write an annotated MP4 per clip")
@click.option("--max-size", type=click.IntRange(64, 8192), default=None,
              help="long side of annotated videos in px [default: the source's]")
@click.option("--exercise", default=None, callback=_exercise_callback,
              help="exercise of every clip [default: named in the file name, else auto]")
@click.option("--no-plot", is_flag=True, help="skip the per-clip PNG")
@click.option("--config", "config_file", type=click.Path(dir_okay=False, path_type=Path),
              default=None, help="TOML file of analysis settings")
@model_option
@cache_option
@no_cache_option
@quiet_option
@click.pass_context
@_friendly_errors
def batch(ctx: click.Context, folder: Path, out: Path, workers: int | None, force: bool,
          annotate_: bool, max_size: int | None, exercise: str | None, no_plot: bool,
          config_file: Path | None, model: str, cache_dir: Path | None, no_cache: bool,
          quiet: bool) -> None:
    """Analyse every video under FOLDER into RESULTS (-o): per-clip files and summary.csv.

    Resumable: clips whose results are complete and current are skipped. A clip that
    cannot be analysed gets an error row and the batch goes on; the exit code is 1 when
    any clip failed.
    """
    from .batch import BatchOptions, run_batch
    from .config import build_config

    cfg = build_config(config_file, model=model)
    options = BatchOptions(exercise=exercise, annotate=annotate_, max_size=max_size,
                           force=force, cache_dir=str(cache_dir) if cache_dir else None,
                           use_cache=not no_cache, plot=not no_plot)
    with _progress_bar("clips", quiet) as bar:
        task = bar.add_task("clips", total=None)

        def on_result(result, done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)
            if result.status == "error":
                from rich.markup import escape

                bar.console.print(f"[red]error[/red] {escape(result.clip)}: {escape(result.error)}",
                                  markup=True, highlight=False, soft_wrap=True)

        report = run_batch(folder, out, cfg, options, workers=workers, on_result=on_result)
    counts = {s: sum(r.status == s for r in report.results) for s in ("ok", "reused", "error")}
    click.echo(f"{len(report.results)} clips: {counts['ok']} analysed, {counts['reused']} "
               f"already done, {counts['error']} failed -> {report.summary_path}")
    if not report.ok:
        ctx.exit(1)


@main.command()
@click.argument("video", type=click.Path(path_type=Path))
@click.option("-o", "--output", required=True, type=click.Path(path_type=Path),
              help="annotated video to write (.mp4, H.264)")
@click.option("--exercise", default=None, callback=_exercise_callback,
              help="exercise profile or alias [default: auto]")
@click.option("--max-size", type=click.IntRange(64, 8192), default=None,
              help="long side of the output in px [default: the source's size]")
@click.option("--config", "config_file", type=click.Path(dir_okay=False, path_type=Path),
              default=None, help="TOML file of analysis settings")
@model_option
@cache_option
@no_cache_option
@quiet_option
@_friendly_errors
def annotate(video: Path, output: Path, exercise: str | None, max_size: int | None,
             config_file: Path | None, model: str, cache_dir: Path | None, no_cache: bool,
             quiet: bool) -> None:
    """Write VIDEO with the skeleton, rep counter, phase, velocity, rep table and failure banner."""
    from .analysis import analyse_pose
    from .annotate import check_video_output, render_video
    from .config import build_config

    check_output_file(output)
    check_video_output(output)
    cfg = build_config(config_file, exercise=exercise, model=model)
    seq = extract_with_progress(video, model=cfg.model, cache_dir=cache_dir, no_cache=no_cache,
                                quiet=quiet)
    analysis = analyse_pose(seq, cfg)
    with _progress_bar(f"annotate {video.name}", quiet) as bar:
        task = bar.add_task("annotate", total=None)
        render_video(video, analysis, seq, output, max_size=max_size,
                     progress=lambda done, total: bar.update(task, completed=done, total=total))
    _echo_annotated(analysis, output)


def _echo_annotated(analysis, output: Path) -> None:
    """One line on what the annotated video shows, then the analysis warnings."""
    from .export import set_summary

    s = set_summary(analysis)
    failure = (f"first failure at rep {s['first_failure_rep']} ({s['first_failure_kind']})"
               if s["first_failure_rep"] else "no failure detected")
    click.echo(f"{analysis.exercise}: {s['reps']} rep(s), {failure} -> {output}")
    for w in s["warnings"]:
        click.echo(f"warning: {w}", err=True)


@main.command()
@click.argument("video", type=click.Path(path_type=Path))
@click.option("--exercise", default=None, callback=_exercise_callback,
              help="exercise profile or alias, or auto [default: auto]")
@click.option("--goal", type=click.Choice(["power", "strength", "hypertrophy"]), default=None,
              help="training goal (sets the velocity-loss threshold) [default: strength]")
@click.option("--config", "config_file", type=click.Path(dir_okay=False, path_type=Path),
              default=None, help="TOML file of analysis settings")
@click.option("--side", type=click.Choice(["auto", "left", "right", "both"]), default=None,
              help="body side the driving signal is read from [default: auto]")
@click.option("--cutoff-hz", "smoothing_cutoff_hz", type=float, default=None,
              help="low-pass cut-off of the pose signals, Hz [default: 4]")
@click.option("--min-visibility", type=float, default=None,
              help="landmark visibility gate, 0..1 [default: 0.5]")
@click.option("--min-rep-duration", "min_rep_duration_s", type=float, default=None,
              help="shorter movements are jitter, s [default: 0.6]")
@click.option("--max-pause", "max_pause_s", type=float, default=None,
              help="a still gap up to this long is part of the rep, s [default: 2]")
@click.option("--partial-share", "partial_rom_share", type=float, default=None,
              help="reps below this share of the set's typical ROM are partial [default: 0.7]")
@click.option("--height", "lifter_height_m", type=float, default=None,
              help="lifter's height in metres, for the pixel-to-metre scale [default: from limb lengths]")
@click.option("--velocity-loss", "velocity_loss_pct", type=float, default=None,
              help="tempo failure past this velocity loss, % [default: power 20, strength 30, hypertrophy 40]")
@click.option("--concentric-limit", "concentric_time_limit_s", type=float, default=None,
              help="tempo failure when a concentric takes longer, s [default: 1.2 in power mode, else none]")
@click.option("--drift-tolerance", "drift_tolerance_deg", type=float, default=None,
              help="technical failure past this joint-angle drift, degrees [default: per profile, 10]")
@click.option("--baseline-reps", type=int, default=None,
              help="the first N clean reps are the velocity and form baseline [default: 2]")
@click.option("--eccentric-speedup", type=float, default=None,
              help="eccentric failure when lowering this many times faster than the set's usual [default: 2]")
@model_option
@cache_option
@no_cache_option
@quiet_option
@_friendly_errors
@output_options
def analyze(video: Path, exercise: str | None, goal: str | None, config_file: Path | None,
            side: str | None, smoothing_cutoff_hz: float | None, min_visibility: float | None,
            min_rep_duration_s: float | None, max_pause_s: float | None,
            partial_rom_share: float | None, lifter_height_m: float | None,
            velocity_loss_pct: float | None, concentric_time_limit_s: float | None,
            drift_tolerance_deg: float | None, baseline_reps: int | None,
            eccentric_speedup: float | None, model: str, cache_dir: Path | None,
            no_cache: bool, quiet: bool, outputs: OutputRequest) -> None:
    """Find the reps in VIDEO and print their phases, tempo and range of motion."""
    from .analysis import analyse_pose
    from .config import build_config

    cfg = build_config(config_file, exercise=exercise, goal=goal, side=side, model=model,
                       smoothing_cutoff_hz=smoothing_cutoff_hz, min_visibility=min_visibility,
                       min_rep_duration_s=min_rep_duration_s, max_pause_s=max_pause_s,
                       partial_rom_share=partial_rom_share, lifter_height_m=lifter_height_m,
                       velocity_loss_pct=velocity_loss_pct,
                       concentric_time_limit_s=concentric_time_limit_s,
                       drift_tolerance_deg=drift_tolerance_deg, baseline_reps=baseline_reps,
                       eccentric_speedup=eccentric_speedup)
    seq = extract_with_progress(video, model=cfg.model, cache_dir=cache_dir, no_cache=no_cache,
                                quiet=quiet)
    analysis = analyse_pose(seq, cfg)
    console = _console()
    _print_rep_table(analysis, console)
    _print_velocity_and_verdicts(analysis, console)
    for path in outputs.write(video, analysis, seq, quiet=quiet):
        click.echo(f"wrote {path}")


def _console():
    """A rich console for result tables; a pipe gets the whole table, not 80 columns."""
    from rich.console import Console

    console = Console(highlight=False)
    if not console.is_terminal:
        console = Console(highlight=False, width=120)
    return console


def _print_velocity_and_verdicts(analysis, console) -> None:
    """Per-rep velocity, loss, RIR estimate, drift and verdicts, then the set summary line."""
    from .table import rep_table, summary_block

    if analysis.verdict_summary is None or not analysis.reps:
        return
    console.print()
    console.print(rep_table(analysis))
    console.print(summary_block(analysis), markup=False, soft_wrap=True)


def _print_rep_table(analysis, console) -> None:
    """Per-rep table (phases in seconds, tempo, ROM share, flags), the count and warnings."""
    from rich.table import Table

    t = analysis.timestamps_s
    table = Table(title=f"{video_name(analysis.source)}: {analysis.exercise}", title_justify="left")
    for col in ("rep", "start s", "eccentric", "bottom", "concentric", "top", "tempo", "ROM",
                "flags"):
        table.add_column(col, justify="left" if col in ("tempo", "flags") else "right")
    for rep, tempo in zip(analysis.reps, analysis.tempo):
        flags = []
        if rep.partial:
            flags.append("partial")
        if not rep.completed:
            flags.append("incomplete")
        table.add_row(str(rep.index), f"{t[rep.start] - t[0]:.2f}", f"{tempo.eccentric_s:.2f}",
                      f"{tempo.bottom_pause_s:.2f}", f"{tempo.concentric_s:.2f}",
                      f"{tempo.top_pause_s:.2f}", tempo.notation(), f"{rep.rom_share:.0%}",
                      ", ".join(flags))
    console.print(table)
    extra = [f"{n} {w}" for n, w in ((sum(r.partial for r in analysis.reps), "partial"),
                                     (sum(not r.completed for r in analysis.reps), "incomplete")) if n]
    how = analysis.exercise_reason
    console.print(f"{analysis.rep_count} rep(s){' (+' + ', '.join(extra) + ')' if extra else ''}; "
                  f"exercise {analysis.exercise} ({how}); signal: {analysis.signal_name}, "
                  f"side {analysis.side.lower()}")
    console.print("tempo = eccentric-bottom pause-concentric-top pause, seconds")
    rhythm = analysis.rhythm
    if rhythm.interval_s:
        console.print(f"rhythm: a rep every {rhythm.mean_interval_s:.2f} s "
                      f"(variation {rhythm.interval_cv:.0%}), mean time under tension "
                      f"{rhythm.mean_time_under_tension_s:.2f} s")
    for w in analysis.warnings:
        click.echo(f"warning: {w}", err=True)


def video_name(source: str) -> str:
    """File name of a clip for display."""
    return Path(source).name if source else "<memory>"


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
