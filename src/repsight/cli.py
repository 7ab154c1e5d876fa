"""Thin command-line interface: parse, build config, call one library function, map errors."""

from __future__ import annotations

import functools
import math
import os
import sys
from pathlib import Path
from typing import Callable

import click

from . import __version__
from .cli_options import (
    AnalysisOptions,
    analysis_options,
    cache_option,
    extract_workers_option,
    max_size_option,
    model_option,
    no_cache_option,
    output_options,
    quiet_option,
    resolve_workers,
    rotate_option,
    verbose_option,
    workers_option,
)
from .errors import RepsightError, printable
from .types import NO_PERSON
from .outputs import ClipOutputs, OutputRequest, check_output_file
from .config import DEFAULT_MODEL


def _forget_handled_interrupt() -> None:
    """Clear CPython's note of a Ctrl-C that ended code compiled from a string.

    CPython (3.11 here) notes a KeyboardInterrupt that escapes code compiled from text
    (exec or eval of a string: dataclasses and namedtuples are built that way while a
    module is imported) and, under `python -m repsight`, ends the process by SIGINT at exit
    although the interrupt was caught below and the command exited with 1. A chunked
    extract imports modules (MediaPipe's, for its people counter) while the workers run:
    about one Ctrl-C in fifteen ended that way. The next string exec clears the note.
    """
    exec("pass")


def _import_failure(exc: ImportError) -> str:
    """One line for a module that would not load: on a slim system image OpenCV's wheel
    finds no libGL (a 51-line traceback from `analyze`)."""
    said = str(exc)
    if any(lib in said for lib in ("libGL.so", "libgthread", "libglib")):
        return (f"a system library is missing ({said}); on Debian or Ubuntu: "
                "apt install libgl1 libglib2.0-0 (scripts/setup.sh installs them as root)")
    if ".so" in said:
        return f"a system library is missing or too old for an installed module ({said})"
    return f"a module would not load ({said}); reinstall repsight and its dependencies"


def _friendly_errors(fn: Callable) -> Callable:
    """Turn project errors into one clear line and exit code 1, never a traceback."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        from .workers import signals_as_interrupt

        try:
            with signals_as_interrupt():
                return fn(*args, **kwargs)
        except RepsightError as exc:
            raise click.ClickException(printable(exc)) from None
        except KeyboardInterrupt as exc:
            # (write_outputs names the files written before it)
            said = f"interrupted; {printable(str(exc))}" if str(exc) else "interrupted"
            raise click.ClickException(said) from None
        except BrokenPipeError:
            # The reader of the output went away (`| head`): nothing is lost and there is
            # no one to tell. Later writes (the interpreter's flush at exit) go nowhere.
            try:
                os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            except (OSError, ValueError, AttributeError):
                pass
            raise SystemExit(1) from None
        except OSError as exc:
            raise click.ClickException(printable(f"{exc.strerror or exc}: {exc.filename or ''}".strip())) from None
        except ImportError as exc:
            raise click.ClickException(printable(_import_failure(exc))) from None
        finally:
            # An interrupt handled here (or by batch, which keeps the finished clips) is
            # the command's exit code 1, whatever code it ended.
            _forget_handled_interrupt()

    return wrapper


def _progress_bar(label: str | None, quiet: bool):
    """A rich progress bar on stderr (hidden when quiet); label None: each task names itself."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    text = TextColumn(label if label is not None else "{task.description}")
    return Progress(text, BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                    console=_terminal_console(quiet), disable=quiet, transient=True)


def _terminal_console(quiet: bool = False):
    """A rich Console on the terminal's stderr as it is now: a copy of fd 2, so the bar
    still draws while the pose model's native output is sent away (pose._quiet_native_stderr
    points fd 2 at /dev/null around every frame). sys.stderr itself when it is not fd 2
    (a test runner's capture) or nothing is drawn."""
    from rich.console import Console

    try:
        if quiet or sys.stderr.fileno() != 2:
            return Console(stderr=True)
        sys.stderr.flush()
        stream = os.fdopen(os.dup(2), "w", buffering=1, encoding="utf-8", errors="replace")
    except (OSError, ValueError, AttributeError):
        return Console(stderr=True)
    return Console(file=stream, stderr=True)


def _stage_progress(bar, description: str) -> Callable[[int, int], None]:
    """A progress callback that adds its row to bar on its first call (a stage that never
    runs, such as annotation when no video was asked for, shows no row)."""
    task = None

    def progress(done: int, total: int) -> None:
        nonlocal task
        if task is None:
            task = bar.add_task(description, total=None)
        bar.update(task, completed=done, total=total)

    return progress


def analyse_with_progress(video: Path, analysis: AnalysisOptions, outputs: OutputRequest, *,
                          cache_dir: Path | None, no_cache: bool, quiet: bool,
                          workers: int | None = None) -> ClipOutputs:
    """Build the config, then outputs.analyse_and_write with progress rows for poses and video."""
    from .outputs import analyse_and_write

    cfg = analysis.config()
    workers = resolve_workers(workers, analysis.config_file)
    with _progress_bar(None, quiet) as bar:
        return analyse_and_write(
            video, cfg, outputs, cache_dir=cache_dir, use_cache=not no_cache, workers=workers,
            inputs=[analysis.config_file] if analysis.config_file else [],
            pose_progress=_stage_progress(bar, f"pose ({cfg.model}) {video.name}"),
            video_progress=_stage_progress(bar, f"annotate {video.name}"))


def extract_with_progress(video: Path, *, model: str, cache_dir: Path | None, no_cache: bool,
                          quiet: bool, workers: int | None = None, turn: int = 0):
    """Pose extraction (cached) with a progress bar; shared by the commands that need poses."""
    from .cache import extract_cached

    with _progress_bar(None, quiet) as bar:
        return extract_cached(video, model=model, cache_dir=cache_dir, use_cache=not no_cache,
                              workers=resolve_workers(workers), turn=turn,
                              progress=_stage_progress(bar, f"pose ({model}) {video.name}"))


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="repsight")
def main() -> None:
    """repsight: rep-by-rep tempo, velocity, form drift and failure from a training video."""
    from .workers import quiet_library_logs

    quiet_library_logs()


@main.command()
@click.argument("video", type=click.Path(path_type=Path))
@_friendly_errors
def info(video: Path) -> None:
    """Show what the container says about VIDEO."""
    from .container import probe_and_count

    i, announced = probe_and_count(video)
    click.echo(f"file      {i.path}")
    # The smaller turn and its way (ffprobe gives the display matrix's counter-clockwise
    # angle: its 90 is this 270 clockwise, said here as 90 counter-clockwise).
    turned = {0: "as stored", 90: "turned 90 deg clockwise from how it is stored",
              180: "turned 180 deg from how it is stored",
              270: "turned 90 deg counter-clockwise from how it is stored"}.get(
                  i.rotation, f"turned {i.rotation} deg clockwise from how it is stored")
    click.echo(f"size      {i.width}x{i.height} (upright: {turned})")
    if i.display_note:
        click.echo(f"note      {i.display_note}")
    click.echo(f"fps       {i.fps:.3f}{' (variable frame rate)' if i.variable_frame_rate else ''}")
    # A file cut short after its index was written (the index at the front) lists more
    # frames than it holds: said here, as analyze warns of it.
    cut = (f" (the index lists {announced}: the file looks truncated)"
           if announced > i.frame_count else "")
    click.echo(f"frames    {i.frame_count}{cut}")
    click.echo(f"duration  {i.duration_s:.2f} s")
    click.echo(f"codec     {i.codec}")
    if i.slow_motion:
        click.echo(f"slow mo   filmed at {i.capture_fps:.0f} fps, plays {i.slow_motion:.3g}x "
                   "slower than life (timed at the speed it was lifted)")


@main.command()
@click.argument("video", type=click.Path(path_type=Path))
@click.option("-o", "--output", type=click.Path(path_type=Path), default=None,
              help="where to write the poses [default: VIDEO's name with .poses.npz, in the "
                   "current folder]")
@model_option
@rotate_option
@extract_workers_option
@cache_option
@no_cache_option
@quiet_option
@verbose_option
@_friendly_errors
def extract(video: Path, output: Path | None, model: str, rotate: int | None,
            workers: int | None, cache_dir: Path | None, no_cache: bool, quiet: bool) -> None:
    """Run the pose model over VIDEO and save the PoseSequence (.npz)."""
    from .cache import save_pose

    # In the current folder, not beside the clip: a team's clip folder gains no files.
    out = output or Path(video.with_suffix(".poses.npz").name)
    check_output_file(out, inputs=(video,))
    if rotate is not None:
        AnalysisOptions(None, {"rotate": rotate}).config()  # refused as analyze refuses it
    seq = extract_with_progress(video, model=model or DEFAULT_MODEL, cache_dir=cache_dir,
                                no_cache=no_cache, quiet=quiet, workers=workers, turn=rotate or 0)
    save_pose(seq, out)
    click.echo(f"{seq.n_frames} frames, person found on {seq.detection_rate:.1%}, "
               f"{seq.fps:.3f} fps, model {seq.model} -> {printable(out)}")
    for w in seq.meta.get("warnings", []):
        click.echo(f"warning: {printable(w)}", err=True)


@main.command()
@click.argument("folder", type=click.Path(path_type=Path))
@click.option("-o", "--output", "out", required=True,
              type=click.Path(path_type=Path), help="results folder")
@click.option("--workers", type=click.IntRange(1, 256), default=None,
              help="parallel worker processes [default: one per core]")
@click.option("--scheduler", default=None, metavar="tcp://HOST:PORT|local:N",
              help="run the clips on Dask: a scheduler every worker shares the clip and "
                   "results folders with, or a local cluster of N processes "
                   "(pip install 'repsight[dask]') [default: a process pool here]")
@click.option("--force", is_flag=True, help="replace existing results made differently "
              "(another configuration, version or video); current ones are still skipped")
@click.option("--annotate", "annotate_", is_flag=True, help="also write an annotated MP4 per clip")
@max_size_option
@click.option("--no-plot", is_flag=True, help="skip the per-clip PNG")
@click.option("--html", "html", is_flag=True,
              help="also a self-contained HTML report per clip and RESULTS/index.html")
@click.option("--manifest", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="the coach's clip manifest, CSV with columns clip, athlete, date, exercise, "
                   "load_kg, height_m, goal, rotate, notes; a row's exercise, height, goal and "
                   "rotate override these options for its clip "
                   "[default: FOLDER/manifest.csv when present]")
@cache_option
@no_cache_option
@quiet_option
@verbose_option
@click.pass_context
@_friendly_errors
@analysis_options
def batch(ctx: click.Context, folder: Path, out: Path, workers: int | None,
          scheduler: str | None, force: bool, annotate_: bool, max_size: int | None,
          no_plot: bool, html: bool,
          manifest: Path | None, cache_dir: Path | None, no_cache: bool, quiet: bool,
          analysis: AnalysisOptions) -> None:
    """Analyse every video under FOLDER into RESULTS (-o): per-clip files and summary.csv.

    Resumable: clips whose results are complete and current are skipped. A clip that
    cannot be analysed gets an error row and the batch goes on; the exit code is 1 when
    any clip failed, or kept results made with other settings (--force redoes them).
    """
    from .batch import BatchOptions, run_batch

    cfg = analysis.config()
    # --exercise stays apart from the config: given, it wins for every clip (even "auto");
    # absent, each clip's exercise comes from its file name (batch.clip_config).
    options = BatchOptions(exercise=analysis.exercise, annotate=annotate_, max_size=max_size,
                           force=force, cache_dir=str(cache_dir) if cache_dir else None,
                           use_cache=not no_cache, plot=not no_plot, html=html,
                           manifest=str(manifest) if manifest else None)
    kept_reasons: set[str] = set()
    with _progress_bar("clips", quiet) as bar:
        task = bar.add_task("clips", total=None)

        def on_result(result, done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)
            from rich.markup import escape

            for note in result.notes:
                bar.console.print(f"[yellow]warning[/yellow] {escape(printable(note))}",
                                  markup=True, highlight=False, soft_wrap=True)
            if result.status == "error":
                bar.console.print(f"[red]error[/red] {escape(printable(result.clip))}: "
                                  f"{escape(printable(result.error))}",
                                  markup=True, highlight=False, soft_wrap=True)
            elif result.status == "kept":
                # The reason itself starts "not redone: ..." (summary.csv's error column).
                why = result.error.removeprefix("not redone: ")
                # A changed setting keeps every clip's results: the reason once in full,
                # then "as above" (it differs from clip to clip only by the folder named).
                same = why.replace(printable(out / result.results), "") if result.results else why
                if same in kept_reasons:
                    why = "as above"
                kept_reasons.add(same)
                bar.console.print(f"[yellow]not redone[/yellow] {escape(printable(result.clip))}: "
                                  f"{escape(printable(why))}",
                                  markup=True, highlight=False, soft_wrap=True)

        said: set[str] = set()

        def on_warning(text: str) -> None:
            from rich.markup import escape

            said.add(text)
            bar.console.print(f"[yellow]warning:[/yellow] {escape(printable(text))}",
                              markup=True, highlight=False, soft_wrap=True)

        if scheduler is None:
            report = run_batch(folder, out, cfg, options, workers=workers, on_result=on_result,
                               on_warning=on_warning)
        else:
            from .dask_backend import dask_executor

            with dask_executor(scheduler, default_workers=workers) as executor:
                report = run_batch(folder, out, cfg, options, executor=executor,
                                   on_result=on_result, on_warning=on_warning)
    for w in report.warnings:
        if w not in said:
            click.echo(f"warning: {printable(w)}", err=True)
    for name, why in report.skipped[:20]:
        click.echo(f"skipped {printable(name)}: {why}", err=True)
    if len(report.skipped) > 20:
        click.echo(f"skipped {len(report.skipped) - 20} more (see above for the kinds)", err=True)
    if report.hint:
        click.echo(f"hint: {printable(report.hint)}", err=True)
    counts = {s: sum(r.status == s for r in report.results)
              for s in ("ok", "reused", "kept", "error")}
    kept = (f", {counts['kept']} kept as made before with other settings (--force redoes them)"
            if counts["kept"] else "")
    # A clip the pose model found nobody in was read without fault, but nothing was
    # analysed in it: named, so a camera pointed at an empty rack is not taken for a set.
    nobody = [r.clip for r in report.results
              if r.status in ("ok", "reused") and r.verdicts_withheld == NO_PERSON]
    for clip in nobody:
        click.echo(f"nobody in frame {printable(clip)}: {NO_PERSON}, so nothing was analysed",
                   err=True)
    empty = f", {len(nobody)} with nobody in frame" if nobody else ""
    n = len(report.results)
    click.echo(f"{n} clip{'' if n == 1 else 's'}: {counts['ok']} analysed, {counts['reused']} "
               f"already done{kept}, {counts['error']} failed{empty} -> {report.summary_path}")
    if html:
        from .report import INDEX_NAME

        click.echo(f"reports: {printable(report.out_dir / INDEX_NAME)}")
    if not report.ok:
        if counts["kept"] and not counts["error"]:
            # Exit 1 with "0 failed" needs its reason: the summary mixes two settings.
            click.echo("exit code 1: results made with other settings were kept", err=True)
        ctx.exit(1)


@main.command()
@click.argument("video", type=click.Path(path_type=Path))
@click.option("-o", "--output", required=True, type=click.Path(path_type=Path),
              help="annotated video to write (.mp4, H.264)")
@max_size_option
@workers_option
@cache_option
@no_cache_option
@quiet_option
@verbose_option
@_friendly_errors
@analysis_options
def annotate(video: Path, output: Path, max_size: int | None, workers: int | None,
             cache_dir: Path | None, no_cache: bool, quiet: bool,
             analysis: AnalysisOptions) -> None:
    """Write VIDEO with the skeleton, rep counter, phase, velocity, rep table and failure banner."""
    done = analyse_with_progress(video, analysis, OutputRequest(annotate=output, max_size=max_size),
                                 cache_dir=cache_dir, no_cache=no_cache, quiet=quiet,
                                 workers=workers)
    _echo_annotated(done.analysis, output)


def _echo_annotated(analysis, output: Path) -> None:
    """One line on what the annotated video shows, then the analysis warnings."""
    from .export import set_summary

    s = set_summary(analysis)
    failure = (f"first failure at rep {s['first_failure_rep']} ({s['first_failure_kind']})"
               if s["first_failure_rep"] else
               f"verdicts withheld: {s['verdicts_withheld']}" if s["verdicts_withheld"] else
               "no failure detected")
    click.echo(f"{analysis.exercise}: {s['reps']} rep(s), {failure} -> {printable(output)}")
    for w in s["warnings"]:
        click.echo(f"warning: {printable(w)}", err=True)


@main.command()
@click.argument("video", type=click.Path(path_type=Path))
@workers_option
@cache_option
@no_cache_option
@quiet_option
@verbose_option
@_friendly_errors
@analysis_options
@output_options
def analyze(video: Path, workers: int | None, cache_dir: Path | None, no_cache: bool,
            quiet: bool, analysis: AnalysisOptions, outputs: OutputRequest) -> None:
    """Find the reps in VIDEO and print their phases, tempo, velocity, drift and verdicts."""
    done = analyse_with_progress(video, analysis, outputs, cache_dir=cache_dir,
                                 no_cache=no_cache, quiet=quiet, workers=workers)
    console = _console()
    _print_sets(done.analysis, console)
    for path in done.written:
        click.echo(f"wrote {printable(path)}")


@main.command()
@click.argument("results", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--athlete", default=None, help="only this athlete (as in the manifest; any case)")
@click.option("--exercise", default=None, help="only this exercise profile (squat, bench_press, ...)")
@click.option("--mvt", type=click.FloatRange(0.01, 2.0), default=None,
              help="minimum velocity threshold (m/s) at which to read an estimated 1RM off the "
                   "load-velocity line [default: the athlete's own velocity at failure, once "
                   "calibrated; else no 1RM]")
@click.option("--html", "html_out", type=click.Path(path_type=Path), default=None,
              help="write the history as a self-contained HTML page (tables and charts)")
@click.option("--csv", "csv_out", type=click.Path(path_type=Path), default=None,
              help="write one row a set as CSV")
@_friendly_errors
def history(results: tuple[Path, ...], athlete: str | None, exercise: str | None,
            mvt: float | None, html_out: Path | None, csv_out: Path | None) -> None:
    """Progress over sessions from one or more batch RESULTS folders (e.g. one a week).

    Per athlete and exercise: each set's date, load, reps, best and mean velocity,
    velocity loss and first failure; with loads at 3+ distinct values, the athlete's own
    load-velocity line (r², points); with 3+ sets that ended in concentric failure, their
    own velocity at failure and reps-in-reserve line.
    """
    from .batch import inside
    from .history import group_sets, load_results, write_history

    outs = [out for out in (html_out, csv_out) if out is not None]
    for out in outs:
        check_output_file(out)
        # The results folders are the input: a page or table written into one could
        # replace a clip's JSON or the batch's own summary.
        for r in results:
            if inside(out, r):
                raise click.ClickException(f"{printable(out)} is inside the results folder "
                                           f"{printable(r)} that history reads; write it elsewhere")
    if len(outs) == 2 and Path(outs[0]).resolve() == Path(outs[1]).resolve():
        raise click.ClickException("--html and --csv name the same file")
    records, warnings = load_results(results)
    if exercise is not None:
        # An alias as the manifest and --exercise take it (bench, curl, ohp): its profile.
        from .profiles import get_profile

        try:
            exercise = get_profile(exercise).name
        except RepsightError:
            pass  # not a profile: matched as written, and named if nothing matches
    groups = group_sets(records, athlete=athlete, exercise=exercise, mvt_mps=mvt)
    for w in warnings:
        click.echo(f"warning: {printable(w)}", err=True)
    if not groups:
        wanted = " ".join(f"{k} {v!r}" for k, v in (("athlete", athlete), ("exercise", exercise)) if v)
        # A name mistyped: say which ones the results hold.
        held = group_sets(records) if wanted else ()
        there = ""
        if held:
            names = sorted({h.athlete or "(no name)" for h in held}, key=str.casefold)
            lifts = sorted({h.exercise for h in held})
            there = f"; there: athletes {', '.join(names)}; exercises {', '.join(lifts)}"
        raise click.ClickException(f"no sets found{' for ' + wanted if wanted else ''} in "
                                   f"{', '.join(printable(r) for r in results)}{printable(there)}")
    console = _console()
    for h in groups:
        _print_history(h, console)
    for path in write_history(groups, html=html_out, csv=csv_out, warnings=warnings,
                              sources=[str(r) for r in results]):
        click.echo(f"wrote {printable(path)}")


def _print_history(h, console) -> None:
    """One athlete and exercise: a row a set, then the profile and calibration lines."""
    from rich.table import Table

    from .history import calibration_text, order_text, profile_text, scale_text

    def f(x, spec=".2f"):
        return "-" if x is None else format(x, spec)

    table = Table(title=f"{printable(h.athlete)}: {h.exercise}", title_justify="left")
    # The goal each set was judged for: a power set's tempo failure (20 % loss) is no
    # strength set's (30 %), and one athlete's sets can mix them.
    for col in ("session", "load kg", "reps", "best m/s", "mean m/s", "loss %", "goal",
                "first failure", "clip"):
        table.add_column(col, justify="left" if col in ("session", "goal", "first failure", "clip")
                         else "right")
    for s in h.sets:
        table.add_row(printable(s.session), f(s.load_kg, "g"), str(s.reps), f(s.best_velocity_mps),
                      f(s.mean_velocity_mps), f(s.velocity_loss_pct, ".0f"), s.goal or "-",
                      s.failure_text(), printable(s.clip_text))
    console.print(table)
    console.print(profile_text(h.profile), markup=False, soft_wrap=True)
    console.print(calibration_text(h.calibration), markup=False, soft_wrap=True)
    for caveat in (scale_text(h.sets), order_text(h.sets)):
        if caveat:
            console.print(f"note: {printable(caveat)}", markup=False, soft_wrap=True)
    console.print()


def _console():
    """A rich console for result tables; a pipe gets the whole table, not 80 columns."""
    from rich.console import Console

    console = Console(highlight=False)
    if not console.is_terminal:
        console = Console(highlight=False, width=120)
    return console


def _print_sets(analysis, console) -> None:
    """Every set of the clip in time order: the one set, or one per shot when camera cuts
    split the clip (the JSON's `sets`), each with its own tables."""
    sets = analysis.every_set
    t = analysis.timestamps_s
    for k, one in enumerate(sets, 1):
        if one.span == analysis.span:
            one = analysis  # the main set carries the clip's warnings (the cuts)
        if len(sets) > 1:
            a, b = one.span
            main = ", the main set" if one is analysis else ""
            console.print(f"set {k} of {len(sets)}: {t[a] - t[0]:.1f}-{t[b - 1] - t[0]:.1f} s"
                          f"{main}", markup=False)
        if one.detection_rate == 0:
            # An empty table under "exercise squat" would suggest a look that never happened.
            console.print(f"{video_name(one.source)}: {NO_PERSON}, so nothing was analysed",
                          markup=False)
        else:
            _print_rep_table(one, console)
            _print_velocity_and_verdicts(one, console)
        # The set's own caveats (clip edges, cuts, tracking) go with the report on stdout,
        # after the summary's, so `analyze clip > report.txt` keeps every one of them.
        shown = set(one.verdict_summary.warnings) if one.verdict_summary is not None else set()
        for w in one.warnings:
            if w not in shown:
                console.print(f"warning: {printable(w)}", markup=False, soft_wrap=True)
        if k < len(sets):
            console.print()


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

    from .summary import count_words
    from .table import edge_flags

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
        if rep.unseen is not None:
            flags.append("not tracked")
        flags += edge_flags(rep.start, rep.end, rep.cut_start, rep.cut_end, analysis.span,
                            analysis.n_frames)
        phases = (tempo.eccentric_s, tempo.bottom_pause_s, tempo.concentric_s, tempo.top_pause_s)
        table.add_row(str(rep.index), f"{t[rep.start] - t[0]:.2f}",
                      *(f"{p:.2f}" if math.isfinite(p) else "-" for p in phases),
                      tempo.notation(), f"{rep.rom_share:.0%}", ", ".join(flags))
    console.print(table)
    lost = sum(r.unseen is not None for r in analysis.reps)
    how = analysis.exercise_reason
    console.print(f"{count_words(analysis.reps)}"
                  f"{f', {lost} of them partly not tracked' if lost else ''}; "
                  f"exercise {analysis.exercise} ({how}); signal: {analysis.signal_name}, "
                  f"side {analysis.side.lower()}")
    console.print("tempo = eccentric-bottom pause-concentric-top pause, seconds")
    rhythm = analysis.rhythm
    if rhythm.interval_s:
        tut = rhythm.mean_time_under_tension_s
        console.print(f"rhythm: a rep every {rhythm.mean_interval_s:.2f} s "
                      f"(variation {rhythm.interval_cv:.0%}), mean time under tension "
                      f"{f'{tut:.2f} s' if math.isfinite(tut) else '-'}")


def video_name(source: str) -> str:
    """File name of a clip for display."""
    return printable(Path(source).name) if source else "<memory>"


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
