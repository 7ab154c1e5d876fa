"""One frozen AnalysisConfig, built once: CLI options > config file > goal/profile defaults."""

from __future__ import annotations

import dataclasses
import datetime
import difflib
import json
import math
import os
import stat
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping

from .errors import ConfigError, UnknownSettings
from .profiles import AUTO, exercise_or_auto

# Velocity-loss thresholds per training goal (%), following the velocity-based-training
# literature's usual bands (power ~10-20 %, strength ~20-30 %, hypertrophy ~40 %).
GOAL_VELOCITY_LOSS_PCT: dict[str, float] = {"power": 20.0, "strength": 30.0, "hypertrophy": 40.0}
GOALS = tuple(GOAL_VELOCITY_LOSS_PCT)
# Pose model variants (bundles in models/, loaded by pose.py), smallest first.
MODEL_NAMES = ("lite", "full", "heavy")
DEFAULT_MODEL = "full"
# "1" lets the pose model's native log lines (MediaPipe, TFLite) reach stderr (-v); an
# environment variable, so that spawned chunk, batch and Dask workers inherit it.
NATIVE_LOGS_ENV = "REPSIGHT_NATIVE_LOGS"

# The bar pass (barpath.py): auto runs it for lifts whose profile says so (BarSpec.auto).
BAR_PATH_SETTINGS = ("auto", "on", "off")
EXERCISE_CHECK_SETTINGS = ("on", "off")
ROTATIONS = (0, 90, 180, 270)

# Settings of how a run uses the machine, not of the analysis: a config file may hold
# them beside the analysis settings, but they stay out of AnalysisConfig (and so out of
# every result's recorded config and the batch's "made differently" check).
RUN_SETTINGS = ("workers",)


@dataclass(frozen=True)
class AnalysisConfig:
    """Every tunable of the analysis, with its unit and valid range in the comment."""

    exercise: str = AUTO  # a profile name or alias, or "auto"
    # on | off: an exercise given (not auto) is checked against how the body moves;
    # where it does not fit, the set is warned of, and judged only if its reps are read
    # the same way (exercise_detection.exercise_misfit)
    exercise_check: str = "on"
    goal: str = "strength"  # power | strength | hypertrophy
    # --- signal conditioning
    smoothing_cutoff_hz: float = 4.0  # zero-phase low-pass cut-off, 0.5..30 Hz
    max_gap_s: float = 0.25  # dropouts up to this long are interpolated, 0..2 s
    # a rep whose pose is lost up to this long mid-movement is still counted as one (the
    # phases the gap touches are not timed); a longer dropout ends the reps before it, 0..5 s
    max_unseen_s: float = 1.0
    min_visibility: float = 0.5  # landmark visibility gate, 0..1
    min_body_size: float = 0.6  # frames where the person looks smaller than this share of usual are ignored, 0..1
    # a camera swaying more than this over the reps (RMS, share of the frame's long side;
    # camera.py) has the landmarks read against the background, 0..1 (1: never)
    camera_sway_limit: float = 0.015
    # the lifter's largest size on the picture over the smallest, minus 1, over the reps
    # above this (a zoom, or the lifter moving nearer or further; camera.framing_zoom)
    # has the landmarks scaled back to the set's usual framing, 0..10 (10: never). Still
    # cameras read under 0.05 on the dev clips, rendered ones under 0.035;
    # pullup_front_long, whose camera moves closer during the set, 0.135, and its copies
    # at 24 fps, 0.8x or 1.5x 0.117 (at a 0.12 limit they lost the correction and their
    # tempo calls); a 1.3x zoom over the middle of deadlift_front 0.09
    camera_zoom_limit: float = 0.08
    # --- segmentation
    # shorter cycles are jitter, 0.1..10 s; a full rep down and up in a fast set (a rep every
    # 0.5-0.85 s, real push-ups and squats) moves for 0.5 s, so 0.6 lost them all
    min_rep_duration_s: float = 0.4
    max_rep_duration_s: float = 15.0  # longer excursions are not reps (a rest), 1..120 s
    min_rom_share: float = 0.5  # below this share of typical ROM: not a rep, 0..1
    partial_rom_share: float = 0.7  # below this share of typical ROM: a partial rep, 0..1
    pause_velocity_share: float = 0.1  # |v| below this share of peak counts as a pause, 0..0.9
    max_pause_s: float = 2.0  # a still gap up to this long is the rep's trailing pause, 0..30 s
    # a rest at least this long (picking up a load) lets the reps after it set their own
    # full range for the partial-rep test, 2..600 s
    new_range_rest_s: float = 10.0
    # a rest at least this long between two reps ends a set: the clip is analysed as one
    # set per part (two sets filmed in one take), 10..3600 s; cluster sets rest 15-45 s
    set_rest_s: float = 50.0
    min_rom: float | None = None  # smallest rep excursion (profile units); None: profile default
    side: str = "auto"  # auto | left | right | both: body side the driving signal is read from
    # --- velocity and scale
    lifter_height_m: float | None = None  # known height for the pixel->metre scale, 0.8..2.6
    baseline_reps: int = 2  # best of the first N reps is the velocity and form baseline, 1..10
    # --- verdicts
    concentric_time_limit_s: float | None = None  # tempo failure when slower; None: 1.2 s in power mode
    velocity_loss_pct: float | None = None  # tempo failure past this loss; None: goal default
    # a loss on the set's last rep with no earlier rep past the limit must pass the limit by
    # this many points (nothing after it confirms it; a failed attempt after it does),
    # 0..30; see docs/velocity_and_verdicts.md
    lone_loss_margin_pct: float = 2.0
    # velocity loss is not measured when the first reps' best mean concentric velocity
    # reads under this (m/s, 0..1): slower than any lift at its one-rep maximum, the set was
    # lifted deliberately slowly or the tracked point is not following the load; see
    # velocity.MIN_BASELINE_MPS
    min_baseline_velocity_mps: float = 0.1
    drift_tolerance_deg: float | None = None  # technical failure past this drift; None: profile default
    # drift must last this many frames (not a one-frame blip), 1..30; pictures, in a clip
    # that holds each picture for several frames (shots.picture_repeat)
    drift_min_frames: int = 3
    eccentric_speedup: float = 2.0  # eccentric failure: this much faster than usual, and than the lift, 1..20
    # a press, curl, pull-up or deadlift rep lowered from short of lockout failed its
    # concentric only if it rose at under this share of the first reps' speed (a stall);
    # faster, it was cut short (a range of motion), 0..1; see docs/velocity_and_verdicts.md
    stall_speed_share: float = 0.5
    # such a rep that stalled failed when lowered short of this share of the first reps'
    # range (a rep under partial_rom_share that did not stall is judged as short), 0..1
    stall_lockout_share: float = 0.8
    # an attempt after the last rep of such a lift (the segmentation found no rep in it)
    # counts when it rose at least this share of the first reps' range and came back down
    # as far, 0..1 (at or above stall_lockout_share none counts); see verdicts.trailing_stall
    attempt_min_share: float = 0.15
    # from one rep on, the lowering and the lift both taking this many times as long (or
    # as short) as before, over two reps, is a change of film speed (slow motion) or of
    # tempo: named, and those reps not judged for speed, 1.1..10. Real and rendered dev
    # sets read at most 1.31, a section slowed 2x 2.0 (tempo.tempo_step)
    tempo_step_ratio: float = 1.6
    # a rep whose range reads over this many times its run's full range is not the set's
    # movement (a dismount, the camera moving): counted, not judged, 1.1..10. Dev reps
    # read at most 1.47, a pull-up dropped off the bar 1.97 (segmentation.out_of_range)
    rom_outlier_share: float = 1.6
    # a dip of the driving signal in which the profile's working joint moves under this
    # share of its typical range (and under half the dip's own share of the set's range)
    # is not a rep: a push-up set's pike rest dips the shoulders with the elbows straight
    # (0.19-0.22); the 22 dev clips' reps read at least 0.62, 0..1
    # (segmentation.joint_still)
    joint_still_share: float = 0.35
    # --- bar (barbell lifts, barpath.py)
    bar_path: str = "auto"  # auto | on | off: follow the bar (auto: lifts nearly always loaded with plates)
    plate_diameter_m: float = 0.45  # a full-size plate's diameter, for the plate scale, 0.2..0.6 m
    # --- pose
    model: str = DEFAULT_MODEL  # lite | full | heavy
    # turn the picture this many degrees clockwise before the pose model reads it, beyond
    # the file's own rotation flag (a clip exported sideways), 0 | 90 | 180 | 270
    rotate: int = 0
    extra: Mapping[str, Any] = field(default_factory=dict)  # free-form, recorded in outputs

    def __post_init__(self) -> None:
        for name in ("exercise", "exercise_check", "goal", "side", "model", "bar_path"):
            if not isinstance(getattr(self, name), str):
                raise ConfigError(f"{name} must be a text value, got {shown(getattr(self, name))}")
        # Spelled as a person types them ("POWER", "Left"), as exercise names are taken.
        for name in ("exercise_check", "goal", "side", "model", "bar_path"):
            object.__setattr__(self, name, getattr(self, name).strip().lower())
        if self.model not in MODEL_NAMES:
            raise ConfigError(f"model must be lite, full or heavy, got {shown(self.model)}")
        if self.bar_path not in BAR_PATH_SETTINGS:
            raise ConfigError(f"bar_path must be auto, on or off, got {shown(self.bar_path)}")
        if type(self.rotate) is not int or self.rotate not in ROTATIONS:
            raise ConfigError(f"rotate must be 0, 90, 180 or 270 (degrees clockwise), got {shown(self.rotate)}")
        if self.exercise_check not in EXERCISE_CHECK_SETTINGS:
            raise ConfigError(f"exercise_check must be on or off, got {shown(self.exercise_check)}")
        _check_range("plate_diameter_m", self.plate_diameter_m, 0.2, 0.6)
        if self.goal not in GOALS:
            raise ConfigError(f"unknown goal {shown(self.goal)}; choose one of {', '.join(GOALS)}")
        # Stored as the profile's own name, as --exercise and a manifest give it: a batch
        # compares settings by value, and "Back Squats" in a file against --exercise squat
        # refused a re-run as "made with other settings".
        object.__setattr__(self, "exercise", exercise_or_auto(self.exercise))
        _check_range("smoothing_cutoff_hz", self.smoothing_cutoff_hz, 0.5, 30)
        _check_range("max_gap_s", self.max_gap_s, 0, 2)
        _check_range("max_unseen_s", self.max_unseen_s, 0, 5)
        _check_range("min_visibility", self.min_visibility, 0, 1)
        _check_range("min_body_size", self.min_body_size, 0, 1)
        _check_range("camera_sway_limit", self.camera_sway_limit, 0, 1)
        _check_range("camera_zoom_limit", self.camera_zoom_limit, 0, 10)
        _check_range("min_rep_duration_s", self.min_rep_duration_s, 0.1, 10)
        _check_range("max_rep_duration_s", self.max_rep_duration_s, 1, 120)
        _check_range("min_rom_share", self.min_rom_share, 0, 1)
        _check_range("partial_rom_share", self.partial_rom_share, 0, 1)
        _check_range("pause_velocity_share", self.pause_velocity_share, 0, 0.9)
        _check_range("max_pause_s", self.max_pause_s, 0, 30)
        _check_range("new_range_rest_s", self.new_range_rest_s, 2, 600)
        _check_range("set_rest_s", self.set_rest_s, 10, 3600)
        if self.set_rest_s <= self.max_pause_s:
            # A still gap up to max_pause_s is part of its rep, so no rest that short is
            # seen at all: the sets would never split, unsaid.
            raise ConfigError(f"set_rest_s ({self.set_rest_s:g} s) must be longer than max_pause_s "
                              f"({self.max_pause_s:g} s): a still gap that short is part of its rep")
        if self.min_rom is not None:
            _check_range("min_rom", self.min_rom, 1e-3, 100)
        if self.side not in ("auto", "left", "right", "both"):
            raise ConfigError(f"side must be auto, left, right or both, got {shown(self.side)}")
        _check_range("baseline_reps", self.baseline_reps, 1, 10, integer=True)
        _check_range("drift_min_frames", self.drift_min_frames, 1, 30, integer=True)
        _check_range("eccentric_speedup", self.eccentric_speedup, 1, 20)
        _check_range("stall_speed_share", self.stall_speed_share, 0, 1)
        _check_range("stall_lockout_share", self.stall_lockout_share, 0, 1)
        _check_range("attempt_min_share", self.attempt_min_share, 0, 1)
        _check_range("tempo_step_ratio", self.tempo_step_ratio, 1.1, 10)
        _check_range("rom_outlier_share", self.rom_outlier_share, 1.1, 10)
        _check_range("joint_still_share", self.joint_still_share, 0, 1)
        _check_range("lone_loss_margin_pct", self.lone_loss_margin_pct, 0, 30)
        _check_range("min_baseline_velocity_mps", self.min_baseline_velocity_mps, 0, 1)
        if self.lifter_height_m is not None:
            h = self.lifter_height_m
            if isinstance(h, (int, float)) and not isinstance(h, bool) and 80 <= h <= 260:
                # A height typed in centimetres: say what was meant.
                raise ConfigError(f"lifter_height_m is in metres: {h:g} cm is {h / 100:g}, "
                                  "between 0.8 and 2.6")
            _check_range("lifter_height_m", h, 0.8, 2.6)
        if self.concentric_time_limit_s is not None:
            _check_range("concentric_time_limit_s", self.concentric_time_limit_s, 0.1, 30)
        if self.velocity_loss_pct is not None:
            _check_range("velocity_loss_pct", self.velocity_loss_pct, 1, 100)
        if self.drift_tolerance_deg is not None:
            _check_range("drift_tolerance_deg", self.drift_tolerance_deg, 0.5, 90)
        # Relations between fields: each value may be in range and the pair still say nothing.
        if self.min_rep_duration_s >= self.max_rep_duration_s:
            raise ConfigError(f"min_rep_duration_s ({shown(self.min_rep_duration_s)}) must be below "
                              f"max_rep_duration_s ({shown(self.max_rep_duration_s)})")
        _check_extra(self.extra)

    @property
    def effective_velocity_loss_pct(self) -> float:
        """Velocity-loss threshold in force: explicit, else the goal's default."""
        if self.velocity_loss_pct is not None:
            return self.velocity_loss_pct
        return GOAL_VELOCITY_LOSS_PCT[self.goal]

    @property
    def effective_concentric_limit_s(self) -> float | None:
        """Concentric time limit in force: explicit, else 1.2 s for power work, else none."""
        if self.concentric_time_limit_s is not None:
            return self.concentric_time_limit_s
        return 1.2 if self.goal == "power" else None

    def to_dict(self) -> dict[str, Any]:
        """Plain dict for JSON outputs."""
        d = dataclasses.asdict(self)
        d["extra"] = dict(self.extra)
        return d


def shown(value: Any) -> str:
    """A setting's value as a config file spells it (true, "power"; not Python's True,
    'power'); "unset" for no value."""
    if value is None:
        return "unset"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, (datetime.date, datetime.time)):  # TOML dates and times
        return value.isoformat()
    return repr(value)


def _numeric(text: str) -> bool:
    """Whether text reads as a number ("20", " 0.5"): a value quoted in a settings file."""
    try:
        float(text)
    except ValueError:
        return False
    return True


def _check_range(name: str, value: float, lo: float, hi: float, *, integer: bool = False) -> None:
    # bool is an int in Python: `baseline_reps = true` in a file must not read as 1.
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        # `velocity_loss_pct = "20"` in a file is text, not a number out of range.
        quoted = ", without quotes," if isinstance(value, str) and _numeric(value) else ""
        raise ConfigError(f"{name} must be a number between {lo} and {hi}{quoted or ','} got "
                          f"{shown(value)}")
    if not lo <= value <= hi:
        raise ConfigError(f"{name} must be between {lo} and {hi}, got {shown(value)}")
    if integer and not isinstance(value, int):
        raise ConfigError(f"{name} must be a whole number between {lo} and {hi}, got {shown(value)}")


# A settings file is a few hundred bytes; the cap keeps --config /dev/zero (or a video
# given by mistake) from reading until memory runs out.
CONFIG_MAX_BYTES = 1 << 20
# `extra` is free-form but recorded in every output: plain JSON-like values, this deep.
EXTRA_MAX_DEPTH = 8


def _check_extra(extra: Any) -> None:
    """Refuse `extra` values the outputs cannot record (dates, NaN, deep nesting) up front."""
    if not isinstance(extra, Mapping):
        raise ConfigError(f"extra must be a table of notes, got {extra!r:.60}")

    def check(value: Any, where: str, depth: int) -> None:
        if depth > EXTRA_MAX_DEPTH:
            raise ConfigError(f"{where} is nested more than {EXTRA_MAX_DEPTH} levels deep")
        if isinstance(value, Mapping):
            for k, v in value.items():
                if not isinstance(k, str):
                    raise ConfigError(f"{where} has a key that is not text: {k!r:.60}")
                check(v, f"{where}.{k}", depth + 1)
        elif isinstance(value, (list, tuple)):
            for i, v in enumerate(value):
                check(v, f"{where}[{i}]", depth + 1)
        elif isinstance(value, float):
            if not math.isfinite(value):
                raise ConfigError(f"{where} must be a finite number, got {shown(value)}")
        elif value is not None and not isinstance(value, (str, int, bool)):
            raise ConfigError(f"{where} must be text, a number, true/false, a list or a table, "
                              f"got {type(value).__name__} {value!r:.60} (write dates as text)")

    check(extra, "extra", 0)


def load_config_file(path: str | Path) -> dict[str, Any]:
    """Read a TOML config file: top-level keys or an [analysis] table of AnalysisConfig fields."""
    path = Path(path)
    try:
        st = os.stat(path)
        if not stat.S_ISREG(st.st_mode):
            raise ConfigError(f"config file {path} is not a regular file")
        with open(path, "rb") as fh:
            raw = fh.read(CONFIG_MAX_BYTES + 1)
        if len(raw) > CONFIG_MAX_BYTES:
            raise ConfigError(f"config file {path} is larger than {CONFIG_MAX_BYTES // 1024} kB; "
                              "is it the right file?")
        # utf-8-sig: a byte-order mark (Windows editors save one) is not a TOML statement.
        data = tomllib.loads(raw.decode("utf-8-sig"))
    except FileNotFoundError:
        raise ConfigError(f"config file not found: {path}") from None
    except IsADirectoryError:
        raise ConfigError(f"config file {path} is a folder") from None
    except PermissionError:
        raise ConfigError(f"cannot read config file {path}: permission denied") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"invalid TOML in {path}: {exc}") from None
    except RecursionError:
        raise ConfigError(f"invalid TOML in {path}: nested too deeply") from None
    if "analysis" in data:
        # Beside an [analysis] table nothing else is read: a misspelt second table
        # ([analysys]) or a setting above the table would be silently ignored.
        beside = sorted(k for k in data if k != "analysis")
        if beside:
            raise ConfigError(f"unknown section(s) or setting(s) beside [analysis] in {path}: "
                              f"{', '.join(beside)} (put every setting in [analysis])")
        data = data["analysis"]
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: [analysis] must be a table of settings, got {data!r}")
    known = {f.name for f in dataclasses.fields(AnalysisConfig)}
    unknown = sorted(set(data) - known - set(RUN_SETTINGS))
    if unknown:
        def hint(key: str) -> str:
            near = difflib.get_close_matches(key, sorted(known | set(RUN_SETTINGS)), n=1)
            return f"did you mean {near[0]}?" if near else ""

        raise UnknownSettings(path, {key: hint(key) for key in unknown})
    # Checked with the rest of the file, whichever command reads it and whatever the
    # command line overrides (`workers = "many"` passed a batch, which has no workers).
    if "workers" in data:
        try:
            _check_range("workers", data["workers"], 1, 256, integer=True)
        except ConfigError as exc:
            raise ConfigError(f"{path}: {exc}") from None
    return dict(data)


def load_run_settings(path: str | Path) -> dict[str, Any]:
    """The run settings of a config file (e.g. workers = 2), validated; {} when none."""
    return {k: v for k, v in load_config_file(path).items() if k in RUN_SETTINGS}


def build_config(file: str | Path | None = None, **overrides: Any) -> AnalysisConfig:
    """AnalysisConfig from defaults, then the config file, then non-None overrides (CLI)."""
    values: dict[str, Any] = {}
    if file is not None:
        values.update({k: v for k, v in load_config_file(file).items()
                       if k not in RUN_SETTINGS})
        # The file's own values are checked even where the command line overrides them:
        # `exercise = "sqaut"` must not wait for the day --exercise is left off.
        try:
            AnalysisConfig(**values)
        except ConfigError as exc:
            raise ConfigError(f"{file}: {exc}") from None
        except TypeError as exc:
            raise ConfigError(f"{file}: bad configuration: {exc}") from None
    values.update({k: v for k, v in overrides.items() if v is not None})
    try:
        return AnalysisConfig(**values)
    except TypeError as exc:
        raise ConfigError(f"bad configuration: {exc}") from None
