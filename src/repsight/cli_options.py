"""Click options shared by the commands, the analysis ones built from AnalysisConfig's fields.

`analysis_options` gives a command one option per AnalysisConfig field (plus --config)
and hands it a single `AnalysisOptions`; `AnalysisOptions.config()` is the one place
parsed options become an AnalysisConfig (CLI > config file > defaults, through
`config.build_config`). Validation stays in AnalysisConfig, so a bad value gets the same
one-line error from the command line as from a config file; the ranges in the help texts
are those it enforces (tests/test_cli.py checks them against it).
"""

from __future__ import annotations

import dataclasses
import functools
import os
import types
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Mapping

import click

from .config import (
    BAR_PATH_SETTINGS,
    DEFAULT_MODEL,
    EXERCISE_CHECK_SETTINGS,
    GOAL_VELOCITY_LOSS_PCT,
    GOALS,
    MODEL_NAMES,
    AnalysisConfig,
    build_config,
)
from .errors import RepsightError

# AnalysisConfig fields with no command-line option: free-form notes live in the config file.
CONFIG_FILE_ONLY = frozenset({"extra"})
SIDES = ("auto", "left", "right", "both")


def _exercise_callback(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    """Validate --exercise against the profiles (names, aliases or auto), case-insensitively."""
    if value is None:
        return None
    from .profiles import exercise_or_auto

    try:
        return exercise_or_auto(value)
    except RepsightError as exc:
        raise click.BadParameter(str(exc)) from None


@dataclass(frozen=True)
class OptionSpec:
    """How one AnalysisConfig field appears on the command line."""

    flag: str  # e.g. "--height"
    help: str  # what it does; unit, range and default are appended
    unit: str = ""  # "s", "Hz", "m", "%", "deg", "frames", or "" for a share or count
    valid: tuple[float, float] | None = None  # the range AnalysisConfig accepts
    default: str | None = None  # default text when the field's own default says too little
    choices: tuple[str, ...] | None = None
    callback: Callable[..., Any] | None = None
    click_type: click.ParamType | None = None  # else from choices or the field's type

    def help_text(self, field_default: Any) -> str:
        """The help line: what it does, the valid range with unit, the default."""
        text = self.help
        if self.valid is not None:
            lo, hi = self.valid
            text += f"; {lo:g}..{hi:g}{' ' + self.unit if self.unit else ''}"
        elif self.unit:
            text += f", {self.unit}"
        shown = self.default if self.default is not None else _default_text(field_default)
        return f"{text} [default: {shown}]"


def _default_text(value: Any) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


# The concentric limit power work gets when none is set (AnalysisConfig owns the number).
POWER_CONCENTRIC_LIMIT_S = AnalysisConfig(goal="power").effective_concentric_limit_s


def _goal_help() -> str:
    power = POWER_CONCENTRIC_LIMIT_S
    bands = ", ".join(f"{g} {p:g} %" for g, p in GOAL_VELOCITY_LOSS_PCT.items())
    return (f"training goal: sets the velocity-loss limit ({bands}) and, for power, a "
            f"{power:g} s concentric time limit")


# One entry per AnalysisConfig field that has an option. Flags keep the names the
# commands have used since issue 4 (--height, --cutoff-hz, --partial-share).
SPECS: dict[str, OptionSpec] = {
    "exercise": OptionSpec(
        "--exercise", "exercise profile or alias (squat, curl, ohp, ...), or auto",
        default="auto; batch: a profile named in the clip's file or folder name, else auto",
        callback=_exercise_callback),
    "exercise_check": OptionSpec(
        "--exercise-check", "check an --exercise given against how the body moves: where the "
        "clip looks like another lift, say so, and call no verdicts if that lift's reps are "
        "read differently", choices=EXERCISE_CHECK_SETTINGS),
    "goal": OptionSpec("--goal", _goal_help(), choices=GOALS),
    "lifter_height_m": OptionSpec(
        "--height", "lifter's height, for the pixel-to-metre scale", "m", (0.8, 2.6),
        default="from limb lengths"),
    "side": OptionSpec("--side", "body side the driving signal is read from", choices=SIDES),
    "concentric_time_limit_s": OptionSpec(
        "--concentric-limit", "tempo failure when a concentric takes longer", "s", (0.1, 30),
        default=f"{POWER_CONCENTRIC_LIMIT_S:g} with --goal power, else none"),
    "velocity_loss_pct": OptionSpec(
        "--velocity-loss", "tempo failure past this velocity loss", "%", (1, 100),
        default="from --goal"),
    "lone_loss_margin_pct": OptionSpec(
        "--lone-loss-margin", "a velocity loss on the last rep alone must pass the limit by "
        "this many points (nothing after it confirms it; a failed attempt after it does)",
        "%", (0, 30)),
    "min_baseline_velocity_mps": OptionSpec(
        "--min-baseline-velocity", "velocity loss is not measured when the first reps' "
        "tracked point (the hips in a deadlift) reads slower than this (slower than any "
        "lift's one-rep maximum: lifted deliberately slowly, or the point is not following "
        "the load)", "m/s", (0, 1)),
    "drift_tolerance_deg": OptionSpec(
        "--drift-tolerance", "technical failure past this many degrees of form moving from "
        "the first reps towards a fault, plus the first reps' own spread (as measured, in "
        "every view); also the shown drift's tolerance for the other joint angles",
        "deg", (0.5, 90), default="per fault and source: knee cave 4 (5 from 3-D landmarks), "
        "hip sag 4, trunk lean 6 (10 from 3-D landmarks; 12.5 for a lean back seen "
        "head-on, combined with the spread in quadrature), elbow travel 10; at 45 degrees "
        "scaled by how the picture reads each (trunk lean 0.57 upright to about 1.25 at a "
        "deadlift's bottom, elbow travel 0.52, hip sag 1.41, knee cave 0.71)"),
    # A whole number, which OptionSpec's float ranges are not: AnalysisConfig's 1..30 here.
    "drift_min_frames": OptionSpec(
        "--drift-min-frames", "a drift must last this many frames to count (not a blip; "
        "pictures, in a clip that holds each picture for several frames)",
        "frames", click_type=click.IntRange(1, 30)),
    "eccentric_speedup": OptionSpec(
        "--eccentric-speedup", "eccentric failure when lowering this many times faster than "
        "the set's usual (and faster than the first reps were lifted)", "times", (1, 20)),
    "stall_speed_share": OptionSpec(
        "--stall-speed-share", "a press, curl, pull-up or deadlift rep lowered short of "
        "lockout failed only if it rose at under this share of the first reps' speed "
        "(else it was cut short)", "", (0, 1)),
    "stall_lockout_share": OptionSpec(
        "--stall-lockout-share", "such a rep that stalled, or an attempt after the last rep, "
        "failed its concentric when lowered short of this share of the first reps' range",
        "", (0, 1)),
    "attempt_min_share": OptionSpec(
        "--attempt-min-share", "an attempt after the last rep of a press, curl, pull-up or "
        "deadlift counts once it rose this share of the first reps' range and came back down",
        "", (0, 1)),
    "tempo_step_ratio": OptionSpec(
        "--tempo-step-ratio", "from one rep on, the lowering and the lift both this many "
        "times slower (or faster) than before reads as slow motion or a change of tempo: "
        "those reps are not judged for speed", "times", (1.1, 10)),
    "rom_outlier_share": OptionSpec(
        "--rom-outlier-share", "a rep whose range is over this many times its run's full "
        "range (a dismount, the camera moving) is counted but not judged", "times", (1.1, 10)),
    "joint_still_share": OptionSpec(
        "--joint-still-share", "a dip in which the lift's working joint (the elbows in a "
        "push-up, the knees in a squat) moves under this share of its typical range is not "
        "counted as a rep (a rest in a pike); 0 turns the check off", "", (0, 1)),
    "baseline_reps": OptionSpec(
        "--baseline-reps", "the best of the first N reps is the velocity and form baseline",
        "reps", (1, 10)),
    "min_rep_duration_s": OptionSpec(
        "--min-rep-duration", "shorter movements are jitter, not reps", "s", (0.1, 10)),
    "max_rep_duration_s": OptionSpec(
        "--max-rep-duration", "longer excursions are not reps (a rest)", "s", (1, 120)),
    "min_rom_share": OptionSpec(
        "--min-rom-share", "below this share of the set's typical ROM a movement is not a rep",
        "", (0, 1)),
    "partial_rom_share": OptionSpec(
        "--partial-share", "reps below this share of the set's typical ROM are partial",
        "", (0, 1)),
    "min_rom": OptionSpec(
        "--min-rom", "smallest excursion that can be a rep: share of body height, or "
        "degrees/100 for angle-driven lifts", "", (1e-3, 100), default="per profile"),
    "pause_velocity_share": OptionSpec(
        "--pause-velocity-share", "speed below this share of the rep's peak counts as a pause",
        "", (0, 0.9)),
    "max_pause_s": OptionSpec(
        "--max-pause", "a still gap up to this long is part of the rep", "s", (0, 30)),
    "new_range_rest_s": OptionSpec(
        "--new-range-rest", "after a rest this long the reps set their own full range "
        "(partial-rep test)", "s", (2, 600)),
    "set_rest_s": OptionSpec(
        "--set-rest", "a rest this long between reps ends a set (the clip is analysed as "
        "one set per part)", "s", (10, 3600)),
    "smoothing_cutoff_hz": OptionSpec(
        "--cutoff-hz", "low-pass cut-off of the pose signals", "Hz", (0.5, 30)),
    "max_gap_s": OptionSpec(
        "--max-gap", "landmark dropouts up to this long are interpolated", "s", (0, 2)),
    "max_unseen_s": OptionSpec(
        "--max-unseen", "a rep whose pose is lost up to this long mid-movement is still "
        "counted (the phases the gap touches are not timed)", "s", (0, 5)),
    "min_visibility": OptionSpec("--min-visibility", "landmark visibility gate", "", (0, 1)),
    "min_body_size": OptionSpec(
        "--min-body-size", "frames where the person looks smaller than this share of usual "
        "are ignored", "", (0, 1)),
    "camera_sway_limit": OptionSpec(
        "--camera-sway-limit", "a camera swaying more than this over the reps (RMS, share "
        "of the frame) has the landmarks read against the background; 1 turns it off",
        "", (0, 1)),
    "camera_zoom_limit": OptionSpec(
        "--camera-zoom-limit", "the lifter's largest size on the picture over the smallest, "
        "minus 1, over the reps above this (a zoom, or moving nearer the camera) has positions "
        "scaled back to the set's usual framing; 10 turns it off", "", (0, 10)),
    "bar_path": OptionSpec(
        "--bar", "follow the barbell's plate through the set (an extra video pass): auto and "
        "on do for every barbell lift (squat, deadlift, bench, press, row, curl), on also "
        "warns when the lift has no barbell",
        choices=BAR_PATH_SETTINGS),
    "plate_diameter_m": OptionSpec(
        "--plate-diameter", "diameter of the largest plates on the bar, for the plate scale",
        "m", (0.2, 0.6)),
    "model": OptionSpec("--model", "pose model variant", choices=MODEL_NAMES,
                        default=f"{DEFAULT_MODEL}, or the config file's"),
    "rotate": OptionSpec(
        "--rotate", "turn the picture this many degrees clockwise before reading it, for a "
        "clip that plays sideways (0, 90, 180 or 270; the file's own rotation flag is "
        "already followed)", "deg", click_type=click.IntRange(0, 270)),
}
CONFIG_FLAG = "--config"


def _config_name(ctx: click.Context, param: click.Parameter, value: str | None) -> Path | None:
    """--config's file, refusing an empty name (read as ".", "not a regular file")."""
    if value is None:
        return None
    if not value.strip():
        raise click.BadParameter("no file name given")
    return Path(value)


def option_fields() -> tuple[dataclasses.Field, ...]:
    """The AnalysisConfig fields that get a command-line option, in SPECS order (help order)."""
    fields = [f for f in dataclasses.fields(AnalysisConfig) if f.name not in CONFIG_FILE_ONLY]
    rank = {name: k for k, name in enumerate(SPECS)}
    # Fields SPECS does not list yet go last, in declaration order (sorted is stable).
    return tuple(sorted(fields, key=lambda f: rank.get(f.name, len(rank))))


def _base_type(annotation: Any) -> type:
    """float for `float | None`, int for `int`, and so on."""
    if isinstance(annotation, types.UnionType) or typing.get_origin(annotation) is typing.Union:
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        return args[0] if len(args) == 1 else str
    return annotation


def _click_type(spec: OptionSpec, annotation: Any) -> click.ParamType:
    if spec.click_type is not None:
        return spec.click_type
    if spec.choices is not None:
        return click.Choice(spec.choices, case_sensitive=False)  # --goal Power as --goal power
    return {float: click.FLOAT, int: click.INT}.get(_base_type(annotation), click.STRING)


def spec_for(name: str) -> OptionSpec:
    """The option spec of an AnalysisConfig field (a plain --field-name one when unlisted)."""
    # A field added to AnalysisConfig without a spec still gets an option; the help test
    # fails until it has a proper help text.
    return SPECS.get(name) or OptionSpec("--" + name.replace("_", "-"), f"AnalysisConfig.{name}")


@functools.cache
def _config_hints() -> dict[str, Any]:
    # Resolving the annotations compiles every one of them: once, not once an option
    # (that alone was a third of `repsight --help`).
    return typing.get_type_hints(AnalysisConfig)


def field_option(name: str) -> Callable[[Callable], Callable]:
    """One click option for an AnalysisConfig field; its parameter name is the field's name."""
    f = {f.name: f for f in option_fields()}[name]
    spec = spec_for(name)
    annotation = _config_hints()[name]
    default = f.default if f.default is not dataclasses.MISSING else None
    # default=None: an option not given must not override the config file.
    return click.option(spec.flag, name, type=_click_type(spec, annotation), default=None,
                        callback=spec.callback, help=spec.help_text(default))


@dataclass(frozen=True)
class AnalysisOptions:
    """The analysis options of one command line: a config file and the values given."""

    config_file: Path | None = None
    values: Mapping[str, Any] = field(default_factory=dict)  # field name -> value; None: not given

    @property
    def exercise(self) -> str | None:
        """--exercise as given (None when absent); batch keeps it apart from the file name."""
        return self.values.get("exercise")

    def config(self) -> AnalysisConfig:
        """The one AnalysisConfig: these values > the config file > goal/profile defaults."""
        from .errors import ConfigError, UnknownSettings

        try:
            return build_config(self.config_file, **self.values)
        except UnknownSettings as exc:
            # A file written with the options' names (cutoff_hz for --cutoff-hz): say the
            # field each one fills.
            by_flag = {spec.flag.lstrip("-").replace("-", "_"): (spec.flag, name)
                       for name, spec in SPECS.items()}
            raise UnknownSettings(exc.path, {
                n: f"{by_flag[n][0]} is {by_flag[n][1]} in a config file" if n in by_flag else h
                for n, h in exc.hints.items()}) from None
        except ConfigError as exc:
            # A bad value typed as an option is named by its option (--height), not only
            # by the config field it fills (lifter_height_m).
            name = str(exc).split(" ", 1)[0]
            if name in SPECS and self.values.get(name) is not None:
                raise ConfigError(f"{SPECS[name].flag}: {exc}") from None
            raise


def analysis_options(fn: Callable) -> Callable:
    """Add every analysis option (one per AnalysisConfig field, and --config) to a command.

    The command receives them packed as `analysis: AnalysisOptions`. Put it below
    `_friendly_errors` so a bad value is one clear line.
    """
    names = [f.name for f in option_fields()]

    @functools.wraps(fn)
    def wrapper(*args: Any, config_file: Path | None, **kwargs: Any) -> Any:
        values = {n: kwargs.pop(n) for n in names}
        return fn(*args, analysis=AnalysisOptions(config_file, values), **kwargs)

    options = [click.option(CONFIG_FLAG, "config_file", callback=_config_name,
                            type=click.Path(dir_okay=False), default=None,
                            help="TOML file of analysis settings (AnalysisConfig field names); "
                                 "options given here override it")]
    options += [field_option(n) for n in names]
    # click lists options in the order they are applied from the bottom up.
    for option in reversed(options):
        wrapper = option(wrapper)
    return wrapper


max_size_option = click.option("--max-size", type=click.IntRange(64, 8192), default=None,
                               help="long side of the annotated video in px [default: the source's]")
# For `extract`, which takes no config file: its defaults are the built-in ones.
model_option = click.option("--model", "model", type=click.Choice(MODEL_NAMES, case_sensitive=False),
                            default=None,
                            help=f"pose model variant [default: {DEFAULT_MODEL}]")
rotate_option = field_option("rotate")


def _one_cache_choice(ctx: click.Context, param: click.Parameter, value: Any) -> Any:
    """--cache-dir and --no-cache contradict each other: refused, whichever comes second."""
    other = "no_cache" if param.name == "cache_dir" else "cache_dir"
    if value and ctx.params.get(other):
        raise click.UsageError("--cache-dir and --no-cache contradict each other: give one")
    return value


cache_option = click.option("--cache-dir", type=click.Path(path_type=Path), default=None,
                            callback=_one_cache_choice,
                            help="pose cache folder [default: ~/.cache/repsight/poses]")
no_cache_option = click.option("--no-cache", is_flag=True, callback=_one_cache_choice,
                               help="ignore and do not write the pose cache")
quiet_option = click.option("-q", "--quiet", is_flag=True, help="no progress bar")


def _show_native_logs(ctx: click.Context, param: click.Parameter, value: bool) -> None:
    """-v: let the pose model's native log lines through, here and in every worker process."""
    if value:
        from .config import NATIVE_LOGS_ENV

        os.environ[NATIVE_LOGS_ENV] = "1"


verbose_option = click.option(
    "-v", "--verbose", is_flag=True, expose_value=False, callback=_show_native_logs,
    help="also show the pose model's own log lines (MediaPipe, TFLite), hidden by default")
_WORKERS_HELP = ("processes for the pose model: a long clip is cut into up to this many time "
                 "chunks run side by side; results can differ slightly from one process, so it "
                 "is opt-in [default: 1{}]")
workers_option = click.option("--workers", type=click.IntRange(1, 256), default=None,
                              help=_WORKERS_HELP.format(", or the config file's workers"))
extract_workers_option = click.option("--workers", type=click.IntRange(1, 256), default=None,
                                      help=_WORKERS_HELP.format(""))


def resolve_workers(given: int | None, config_file: Path | None = None) -> int:
    """--workers as given, else the config file's `workers`, else 1.

    One process by default: chunked extraction matches it on 25 of 27 dev clips, not all
    (benchmarks/README.md), and a clip's verdicts must not depend on the machine's cores.
    """
    run: dict = {}
    if config_file is not None:
        from .config import load_run_settings

        run = load_run_settings(config_file)  # checked even where --workers overrides it
    if given is not None:
        return given
    return run.get("workers", 1)


class _OutputFile(click.Path):
    """An output file's name; one ending in "/" names a folder (`--json results/` wrote a
    file called "results"), and is refused."""

    SUFFIX = {"json_out": ".json", "csv_out": ".csv", "plot_out": ".png", "annotate_out": ".mp4",
              "html_out": ".html"}

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        if isinstance(value, str) and value.endswith(("/", os.sep)):
            suffix = self.SUFFIX.get(param.name or "", "") if param is not None else ""
            self.fail(f"{value!r} names a folder (it ends in '/'): give a file name, such as "
                      f"{value}result{suffix}", param, ctx)
        return super().convert(value, param, ctx)


def output_options(fn: Callable) -> Callable:
    """Add --json/--csv/--plot/--annotate/--html/--max-size, packed into `outputs: OutputRequest`."""
    from .outputs import OutputRequest

    @functools.wraps(fn)
    def wrapper(*args: Any, json_out: Path | None, csv_out: Path | None, plot_out: Path | None,
                annotate_out: Path | None, html_out: Path | None, max_size: int | None,
                **kwargs: Any) -> Any:
        outputs = OutputRequest(json=json_out, csv=csv_out, plot=plot_out,
                                annotate=annotate_out, max_size=max_size, html=html_out)
        return fn(*args, outputs=outputs, **kwargs)

    # A folder that exists is refused by the outputs' own check, in one line, as annotate's
    # -o is (click's refusal printed its usage and exited 2).
    file_type = _OutputFile(path_type=Path)
    for option in reversed((
        click.option("--json", "json_out", type=file_type, default=None,
                     help="write the full analysis as JSON (docs/output_schema.md)"),
        click.option("--csv", "csv_out", type=file_type, default=None,
                     help="write one row a rep as CSV"),
        click.option("--plot", "plot_out", type=file_type, default=None,
                     help="write the set's plot (velocity, phases, drift per rep): .png, .pdf or .svg"),
        click.option("--annotate", "annotate_out", type=file_type, default=None,
                     help="write the annotated video (.mp4, H.264)"),
        click.option("--html", "html_out", type=file_type, default=None,
                     help="write a self-contained HTML report (video, per-rep table, verdicts "
                          "with their numbers, charts, first rep beside the failure rep) to "
                          "open in any browser, offline"),
        max_size_option,
    )):
        wrapper = option(wrapper)
    return wrapper
