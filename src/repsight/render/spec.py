"""Declarative, frozen description of one rendered set.

Pure python: no torch, anny or pyrender here, so specs can be built, validated and
serialised (JSON / TOML) anywhere. Every random choice downstream is drawn from
``RenderSpec.seed``; the same spec always gives the same frames and the same truth.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field, fields, is_dataclass, replace
from pathlib import Path
from typing import Any

EXERCISES = ("squat", "pushup", "press", "curl", "deadlift")
VIEWS = ("side", "front", "oblique")
FAULTS = ("none", "trunk_lean", "knee_cave", "elbow_drift", "short_rom", "hip_sag")
# Where a clip may end in the middle of its last rep (RenderSpec.cut_phase).
CUT_PHASES = ("eccentric", "concentric")

# Exercises whose rep starts with the eccentric (lowering) phase; the others start with
# the concentric.  The overhead press starts at the rack and presses up first.
ECCENTRIC_FIRST = {"squat": True, "pushup": True, "press": False, "curl": False,
                   "deadlift": False}

# The point whose vertical velocity the truth reports per rep (MediaPipe-style names;
# "HIP_CENTER" is the mid-point of the two hips).
TRACKED_POINT = {"squat": "HIP_CENTER", "deadlift": "HIP_CENTER", "press": "WRIST",
                 "curl": "WRIST", "pushup": "SHOULDER"}

# Faults that make sense for each exercise.
FAULTS_FOR = {
    "squat": ("trunk_lean", "knee_cave", "short_rom"),
    "deadlift": ("trunk_lean", "short_rom"),
    "press": ("trunk_lean", "elbow_drift", "short_rom"),
    "curl": ("trunk_lean", "elbow_drift", "short_rom"),
    "pushup": ("short_rom", "hip_sag"),
}

# Exercises that can be rendered with a barbell, and where it rides (issue 16): held in
# the hands, or on the upper back (a back squat).
BARBELL_ANCHOR = {"squat": "shoulders", "deadlift": "hands", "press": "hands", "curl": "hands"}

SUPPORTED_FPS_NOTE = "any positive frame rate, e.g. 24, 25, 29.97 (30000/1001), 30, 60"


def _check(cond: bool, msg: str) -> None:
    if not cond:
        raise ValueError(msg)


def _per_rep(value: float | tuple[float, ...], reps: int, name: str) -> tuple[float, ...]:
    if isinstance(value, (int, float)):
        return (float(value),) * reps
    vals = tuple(float(v) for v in value)
    _check(len(vals) == reps, f"{name}: need {reps} per-rep values, got {len(vals)}")
    return vals


@dataclass(frozen=True)
class BodySpec:
    """Anny phenotype values, each in 0..1 (0.5 is the model's average)."""

    gender: float = 0.9  # 0 female .. 1 male
    age: float = 0.5
    muscle: float = 0.6
    weight: float = 0.5
    height: float = 0.55

    def __post_init__(self) -> None:
        for f in fields(self):
            v = getattr(self, f.name)
            _check(0.0 <= v <= 1.0, f"body.{f.name} must be in 0..1, got {v!r}")


@dataclass(frozen=True)
class ClothingSpec:
    """sRGB colours 0..255."""

    skin: tuple[int, int, int] = (224, 180, 150)
    shirt: tuple[int, int, int] = (40, 120, 200)
    shorts: tuple[int, int, int] = (60, 60, 70)
    shoes: tuple[int, int, int] = (235, 235, 235)
    hair: tuple[int, int, int] = (70, 45, 30)

    def __post_init__(self) -> None:
        for f in fields(self):
            v = getattr(self, f.name)
            _check(len(v) == 3 and all(0 <= int(c) <= 255 for c in v),
                   f"clothing.{f.name} must be three 0..255 values, got {v!r}")


@dataclass(frozen=True)
class CameraSpec:
    """Where the camera stands relative to the lifter.

    view: "side" looks at the lifter's left side, "front" faces them, "oblique" is
    45 degrees between the two (azimuth_deg overrides the view's azimuth).
    height_m: lens height above the floor; distance_m: horizontal distance to the
    middle of the box the body sweeps; yfov_deg: vertical field of view;
    look_at_height_m: aim height (None: the middle of that box).
    """

    view: str = "side"
    height_m: float = 1.0
    distance_m: float = 2.8
    yfov_deg: float = 45.0
    azimuth_deg: float | None = None
    look_at_height_m: float | None = None

    def __post_init__(self) -> None:
        _check(self.view in VIEWS, f"camera.view must be one of {VIEWS}, got {self.view!r}")
        _check(0.05 <= self.height_m <= 4.0, f"camera.height_m out of range: {self.height_m}")
        _check(0.8 <= self.distance_m <= 20.0,
               f"camera.distance_m out of range: {self.distance_m}")
        _check(10.0 <= self.yfov_deg <= 100.0, f"camera.yfov_deg out of range: {self.yfov_deg}")

    @property
    def azimuth(self) -> float:
        """Degrees around the vertical axis from the lifter's facing direction."""
        if self.azimuth_deg is not None:
            return float(self.azimuth_deg)
        return {"side": 90.0, "front": 0.0, "oblique": 45.0}[self.view]


@dataclass(frozen=True)
class TempoSpec:
    """Phase durations in seconds, a single value for all reps or one per rep.

    The pause after the eccentric is the "bottom" pause and the pause after the
    concentric the "top" pause, whatever the exercise. fatigue: the concentric of rep k
    lasts concentric_s * (1 + fatigue) ** (k - 1). jitter: relative random jitter of
    every phase (seeded).
    """

    eccentric_s: float | tuple[float, ...] = 1.0
    bottom_pause_s: float | tuple[float, ...] = 0.2
    concentric_s: float | tuple[float, ...] = 0.8
    top_pause_s: float | tuple[float, ...] = 0.4
    fatigue: float = 0.0
    jitter: float = 0.0

    def __post_init__(self) -> None:
        _check(-0.2 <= self.fatigue <= 1.0, f"tempo.fatigue out of range: {self.fatigue}")
        _check(0.0 <= self.jitter <= 0.3, f"tempo.jitter out of range: {self.jitter}")


@dataclass(frozen=True)
class FaultSpec:
    """An injected form fault starting at rep onset_rep (1-based) and growing.

    magnitude of rep k (k >= onset) = start + growth * (k - onset); units are degrees
    for trunk_lean / knee_cave / elbow_drift / hip_sag and a fraction of the range of
    motion removed for short_rom (0.3 = 30 % shallower).

    per_rep: explicit magnitudes of reps 1..n (one per rep, any shape: a fault that
    shrinks over the set, e.g. (12, 8, 4, 0)); when given, onset_rep / start / growth
    are ignored. Left out of ``RenderSpec.to_dict()`` when empty, so specs written
    before it existed serialise exactly as they did.
    """

    kind: str = "none"
    onset_rep: int = 0
    start: float = 8.0
    growth: float = 6.0
    per_rep: tuple[float, ...] = ()

    def __post_init__(self) -> None:
        _check(self.kind in FAULTS, f"fault.kind must be one of {FAULTS}, got {self.kind!r}")
        object.__setattr__(self, "per_rep", tuple(float(v) for v in self.per_rep))
        _check(all(v >= 0.0 for v in self.per_rep),
               f"fault.per_rep must be >= 0, got {self.per_rep}")
        if self.kind != "none" and not self.per_rep:
            _check(self.onset_rep >= 1, f"fault.onset_rep must be >= 1, got {self.onset_rep}")

    def magnitude(self, rep: int) -> float:
        """Fault magnitude of 1-based rep ``rep`` (0 before the onset)."""
        if self.kind == "none":
            return 0.0
        if self.per_rep:
            return self.per_rep[rep - 1] if 1 <= rep <= len(self.per_rep) else 0.0
        if rep < self.onset_rep:
            return 0.0
        return float(self.start + self.growth * (rep - self.onset_rep))

    @property
    def first_rep(self) -> int | None:
        """First rep with a non-zero magnitude (None without a fault)."""
        if self.kind == "none":
            return None
        if self.per_rep:
            return next((k for k, v in enumerate(self.per_rep, 1) if v > 0), None)
        return self.onset_rep


@dataclass(frozen=True)
class DegradeSpec:
    """Image degradation: Gaussian pixel noise (sigma in 0..255 units), Gaussian blur
    (sigma in output pixels) and the H.264 constant rate factor (higher = worse)."""

    noise_sigma: float = 0.0
    blur_sigma: float = 0.0
    crf: int = 23

    def __post_init__(self) -> None:
        _check(0.0 <= self.noise_sigma <= 60.0, f"degrade.noise_sigma out of range: {self.noise_sigma}")
        _check(0.0 <= self.blur_sigma <= 10.0, f"degrade.blur_sigma out of range: {self.blur_sigma}")
        _check(0 <= self.crf <= 51, f"degrade.crf must be 0..51, got {self.crf}")


@dataclass(frozen=True)
class BarbellSpec:
    """An Olympic barbell with one plate a side (opt-in: ``enabled``).

    bar_length_m: end to end (2.2 m men's bar); inner_gap_m: between the inner collars
    (1.31 m), where the sleeves start and the plates sit; plate_diameter_m (0.45 m for
    bumper and competition plates) and plate_width_m; plate_rgb / hub_rgb: sRGB 0..255 of
    the plate and of its metal hub. Left out of ``RenderSpec.to_dict()`` while disabled,
    so specs without a barbell serialise exactly as before it existed.
    """

    enabled: bool = False
    bar_length_m: float = 2.2
    inner_gap_m: float = 1.31
    plate_diameter_m: float = 0.45
    plate_width_m: float = 0.06
    plate_rgb: tuple[int, int, int] = (34, 34, 37)
    hub_rgb: tuple[int, int, int] = (190, 190, 196)

    def __post_init__(self) -> None:
        _check(1.2 <= self.bar_length_m <= 2.5,
               f"barbell.bar_length_m must be 1.2..2.5, got {self.bar_length_m}")
        _check(0.6 <= self.inner_gap_m <= self.bar_length_m - 0.3,
               f"barbell.inner_gap_m must be 0.6..bar length - 0.3, got {self.inner_gap_m}")
        _check(0.15 <= self.plate_diameter_m <= 0.6,
               f"barbell.plate_diameter_m must be 0.15..0.6, got {self.plate_diameter_m}")
        _check(0.01 <= self.plate_width_m <= 0.12,
               f"barbell.plate_width_m must be 0.01..0.12, got {self.plate_width_m}")
        for name in ("plate_rgb", "hub_rgb"):
            v = getattr(self, name)
            _check(len(v) == 3 and all(0 <= int(c) <= 255 for c in v),
                   f"barbell.{name} must be three 0..255 values, got {v!r}")

    @property
    def plate_offset_m(self) -> float:
        """Distance from the bar's middle to each plate's centre along the bar."""
        return 0.5 * self.inner_gap_m + 0.5 * self.plate_width_m


@dataclass(frozen=True)
class RenderSpec:
    """Everything that defines one rendered set."""

    exercise: str = "squat"
    reps: int = 5
    body: BodySpec = field(default_factory=BodySpec)
    clothing: ClothingSpec = field(default_factory=ClothingSpec)
    camera: CameraSpec = field(default_factory=CameraSpec)
    width: int = 640
    height: int = 480
    fps: float = 30.0
    supersample: int = 2
    tempo: TempoSpec = field(default_factory=TempoSpec)
    fault: FaultSpec = field(default_factory=FaultSpec)
    failed_last_rep: bool = False
    fail_fraction: float = 0.4  # share of the concentric range reached by a failed rep
    lead_in_s: float = 0.6
    lead_out_s: float = 0.6
    degrade: DegradeSpec = field(default_factory=DegradeSpec)
    seed: int = 0
    # The clip ends inside the last rep: cut_fraction of the way through its cut_phase
    # ("eccentric" or "concentric"; "" = the set is filmed to the end, with lead-out).
    # Both are left out of to_dict() when cut_phase is "" (older specs are unchanged).
    cut_phase: str = ""
    cut_fraction: float = 0.5
    # A barbell held or carried as the exercise requires (BARBELL_ANCHOR); opt-in, left
    # out of to_dict() while disabled.
    barbell: BarbellSpec = field(default_factory=BarbellSpec)

    def __post_init__(self) -> None:
        _check(self.exercise in EXERCISES,
               f"exercise must be one of {EXERCISES}, got {self.exercise!r}")
        _check(1 <= self.reps <= 30, f"reps must be 1..30, got {self.reps}")
        _check(32 <= self.width <= 3840 and 32 <= self.height <= 2160,
               f"bad size {self.width}x{self.height}")
        _check(self.width % 2 == 0 and self.height % 2 == 0,
               f"width and height must be even for yuv420p, got {self.width}x{self.height}")
        _check(1.0 <= self.fps <= 240.0, f"fps must be 1..240 ({SUPPORTED_FPS_NOTE}), got {self.fps}")
        _check(1 <= self.supersample <= 4, f"supersample must be 1..4, got {self.supersample}")
        _check(0.0 <= self.lead_in_s <= 10 and 0.0 <= self.lead_out_s <= 10,
               "lead_in_s / lead_out_s must be 0..10 s")
        _check(0.05 <= self.fail_fraction <= 0.9, f"fail_fraction must be 0.05..0.9, got {self.fail_fraction}")
        if self.fault.kind != "none":
            _check(self.fault.kind in FAULTS_FOR[self.exercise],
                   f"fault {self.fault.kind!r} is not modelled for {self.exercise!r}; "
                   f"choose from {FAULTS_FOR[self.exercise]}")
            if self.fault.per_rep:
                _check(len(self.fault.per_rep) == self.reps,
                       f"fault.per_rep: need {self.reps} values, got {len(self.fault.per_rep)}")
            else:
                _check(self.fault.onset_rep <= self.reps,
                       f"fault.onset_rep {self.fault.onset_rep} > reps {self.reps}")
        _check(self.cut_phase in ("",) + CUT_PHASES,
               f"cut_phase must be '' or one of {CUT_PHASES}, got {self.cut_phase!r}")
        _check(0.05 <= self.cut_fraction <= 0.95,
               f"cut_fraction must be 0.05..0.95, got {self.cut_fraction}")
        _check(not (self.cut_phase and self.failed_last_rep),
               "a clip cut inside its last rep cannot also fail that rep")
        if self.barbell.enabled:
            _check(self.exercise in BARBELL_ANCHOR,
                   f"a barbell is modelled for {tuple(BARBELL_ANCHOR)}, not {self.exercise!r}")
        for name in ("eccentric_s", "bottom_pause_s", "concentric_s", "top_pause_s"):
            vals = _per_rep(getattr(self.tempo, name), self.reps, f"tempo.{name}")
            low = 0.0 if "pause" in name else 0.15
            _check(all(low <= v <= 10.0 for v in vals), f"tempo.{name} out of range: {vals}")

    # ---- serialisation -------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-able dict (tuples become lists).

        Fields added after the first rendered suites (fault.per_rep, cut_phase,
        cut_fraction, barbell) are left out while at their defaults, so a spec that does not use
        them gives the same dict, and cached clips keep matching their spec.
        """
        d = json.loads(json.dumps(asdict(self)))
        if not d["fault"]["per_rep"]:
            del d["fault"]["per_rep"]
        if not d["cut_phase"]:
            del d["cut_phase"], d["cut_fraction"]
        if not d["barbell"]["enabled"]:
            del d["barbell"]
        return d

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "RenderSpec":
        """Build from a (possibly partial) dict; unknown keys raise ValueError."""
        return _from_dict(cls, data)

    @classmethod
    def from_file(cls, path: str | Path) -> "RenderSpec":
        """Load a JSON or TOML spec file."""
        p = Path(path)
        text = p.read_text(encoding="utf-8")
        if p.suffix.lower() == ".toml":
            import tomllib

            data = tomllib.loads(text)
        elif p.suffix.lower() == ".json":
            data = json.loads(text)
        else:
            raise ValueError(f"spec file must be .json or .toml, got {p.name!r}")
        return cls.from_dict(data)

    def with_(self, **changes: Any) -> "RenderSpec":
        """``dataclasses.replace`` shortcut."""
        return replace(self, **changes)


def _from_dict(cls: type, data: dict[str, Any]) -> Any:
    known = {f.name: f for f in fields(cls)}
    unknown = set(data) - set(known)
    if unknown:
        raise ValueError(f"unknown {cls.__name__} keys: {sorted(unknown)}")
    kwargs: dict[str, Any] = {}
    defaults = cls()
    for name, value in data.items():
        current = getattr(defaults, name)
        if is_dataclass(current):
            kwargs[name] = _from_dict(type(current), value or {})
        elif isinstance(value, list):
            kwargs[name] = tuple(value)
        else:
            kwargs[name] = value
    return cls(**kwargs)


def per_rep_tempo(spec: RenderSpec) -> dict[str, tuple[float, ...]]:
    """The four phase durations of every rep, before jitter and fatigue."""
    t = spec.tempo
    return {name: _per_rep(getattr(t, name), spec.reps, f"tempo.{name}")
            for name in ("eccentric_s", "bottom_pause_s", "concentric_s", "top_pause_s")}
