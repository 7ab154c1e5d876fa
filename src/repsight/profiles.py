"""Exercise profiles as data: what drives segmentation, what is measured, default thresholds."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .errors import ConfigError


@dataclass(frozen=True)
class SignalSpec:
    """A 1-D signal derived from the pose that moves once per rep.

    kind "height": vertical position of the mean of `points` (landmark base names such as
    "HIP", resolved to the visible side or both sides), positive upwards, in body-size
    units. kind "angle": the joint angle `points[0]` (a key of landmarks.JOINT_TRIPLETS)
    in degrees.
    """

    kind: str
    points: tuple[str, ...]

    def __post_init__(self) -> None:
        if self.kind not in ("height", "angle"):
            raise ValueError(f"signal kind must be 'height' or 'angle', got {self.kind!r}")
        if not self.points:
            raise ValueError("a signal needs at least one point")


@dataclass(frozen=True)
class ExerciseProfile:
    """Everything repsight needs to know about one exercise.

    concentric_increases: whether the driving signal rises during the concentric (true
    for every height signal here; false for an elbow angle in a curl, which closes).
    eccentric_first: the rep starts by lowering (squat, bench, push-up) rather than by
    lifting (deadlift, curl, pull-up, press from the rack).
    """

    name: str
    family: str
    driver: SignalSpec
    concentric_increases: bool
    eccentric_first: bool
    velocity_point: tuple[str, ...]  # landmark base names whose mean is the "bar"
    form_angles: tuple[str, ...]  # angle names compared against the first reps
    aliases: tuple[str, ...] = ()
    # Drift tolerance per angle (degrees) before technical failure; missing -> default.
    drift_tolerance_deg: dict[str, float] = field(default_factory=dict)
    min_rom: float = 0.15  # in body-size units (height) or degrees/100 (angle), see segmentation
    description: str = ""


H = SignalSpec
_HIP = ("HIP",)
_WRIST = ("WRIST",)
_SHOULDER = ("SHOULDER",)

PROFILES: dict[str, ExerciseProfile] = {p.name: p for p in (
    ExerciseProfile("squat", "squat", H("height", _HIP), True, True, _HIP,
                    ("knee", "hip", "trunk", "knee_valgus"), aliases=("back_squat", "air_squat", "goblet_squat"),
                    description="back, goblet or air squat; hips drive the rep"),
    ExerciseProfile("front_squat", "squat", H("height", _HIP), True, True, _HIP,
                    ("knee", "hip", "trunk", "knee_valgus")),
    ExerciseProfile("lunge", "squat", H("height", _HIP), True, True, _HIP,
                    ("knee", "hip", "trunk")),
    ExerciseProfile("deadlift", "hinge", H("height", _SHOULDER), True, False, _HIP,
                    ("hip", "knee", "trunk")),
    ExerciseProfile("romanian_deadlift", "hinge", H("height", _SHOULDER), True, True, _SHOULDER,
                    ("hip", "knee", "trunk"), aliases=("rdl",)),
    ExerciseProfile("bench_press", "press", H("height", _WRIST), True, True, _WRIST,
                    ("elbow", "shoulder"), aliases=("bench", "floor_press")),
    ExerciseProfile("overhead_press", "press", H("height", _WRIST), True, False, _WRIST,
                    ("elbow", "trunk"), aliases=("press", "ohp", "shoulder_press")),
    ExerciseProfile("push_press", "press", H("height", _WRIST), True, False, _WRIST,
                    ("elbow", "knee", "trunk")),
    ExerciseProfile("biceps_curl", "curl", H("angle", ("elbow",)), False, False, _WRIST,
                    ("elbow", "shoulder", "trunk"), aliases=("curl",)),
    ExerciseProfile("raise", "raise", H("height", _WRIST), True, False, _WRIST,
                    ("shoulder", "elbow", "trunk"), aliases=("lateral_raise", "front_raise")),
    ExerciseProfile("row", "pull", H("height", _WRIST), True, False, _WRIST,
                    ("elbow", "trunk")),
    ExerciseProfile("pushup", "pushup", H("height", _SHOULDER), True, True, _SHOULDER,
                    ("elbow", "hip", "trunk"), aliases=("push_up", "push-up")),
    ExerciseProfile("pullup", "pull", H("height", _SHOULDER), True, False, _SHOULDER,
                    ("elbow", "shoulder"), aliases=("pull_up", "pull-up", "chinup")),
    ExerciseProfile("dip", "pushup", H("height", _SHOULDER), True, True, _SHOULDER,
                    ("elbow", "shoulder", "trunk")),
)}

AUTO = "auto"
DEFAULT_DRIFT_TOLERANCE_DEG = 10.0


def get_profile(name: str) -> ExerciseProfile:
    """Look up a profile by name or alias (case and dashes ignored)."""
    key = name.strip().lower().replace("-", "_").replace(" ", "_")
    if key in PROFILES:
        return PROFILES[key]
    for p in PROFILES.values():
        if key in p.aliases:
            return p
    raise ConfigError(f"unknown exercise {name!r}; choose one of: {', '.join(sorted(PROFILES))}, auto")


def profile_min_rom(profile: ExerciseProfile, kind: str, override: float | None = None) -> float:
    """Smallest rep excursion in the driving signal's own units (body lengths or degrees)."""
    value = profile.min_rom if override is None else override
    # Angle profiles store min_rom in hundreds of degrees so one number reads alike.
    return value * 100.0 if kind == "angle" else value


def _robust_range(x: np.ndarray) -> float:
    """5th-95th percentile spread of the finite values (0 when there are none)."""
    x = x[np.isfinite(x)]
    return float(np.percentile(x, 95) - np.percentile(x, 5)) if x.size else 0.0


def detect_exercise(seq, cfg) -> tuple[str, str]:
    """Pick a profile from how the body moves; returns (profile name, reason).

    Body-relative movement features (in torso lengths or degrees, robust 5-95 % ranges)
    decide the family: legs bending (hip-to-ankle height), arms moving (wrist relative to
    the shoulder, elbow angle), the whole body moving (shoulder height with straight
    legs), and the torso's orientation (horizontal for push-ups and bench).
    """
    from .kinematics import BOTH, body_scale_px, joint_angle, point_height, trunk_inclination

    vis = cfg.min_visibility
    scale = body_scale_px(seq)
    if not np.isfinite(scale) or seq.detection_rate == 0:
        return "squat", "no person found; fell back to squat"

    def h(names):
        return point_height(seq, names, BOTH, min_visibility=vis, scale_px=scale)

    incl = trunk_inclination(seq, min_visibility=vis)
    incl_med = float(np.nanmedian(incl)) if np.isfinite(incl).any() else 0.0
    incl_max = float(np.nanpercentile(incl, 95)) if np.isfinite(incl).any() else 0.0
    legs = _robust_range(h(("HIP",)) - h(("ANKLE",)))
    arms = _robust_range(h(("WRIST",)) - h(("SHOULDER",)))
    wrist_over = h(("WRIST",)) - h(("SHOULDER",))
    seen = np.isfinite(wrist_over).any()
    wrist_top = float(np.nanpercentile(wrist_over, 95)) if seen else 0.0
    wrist_mid = float(np.nanmedian(wrist_over)) if seen else 0.0
    body = _robust_range(h(("SHOULDER",)))
    elbow = _robust_range(joint_angle(seq, "elbow", BOTH, min_visibility=vis))
    facts = (f"legs {legs:.2f}, arms {arms:.2f}, shoulders {body:.2f}, hands over shoulders "
             f"{wrist_mid:.2f} torso lengths; "
             f"elbow {elbow:.0f} deg; trunk {incl_med:.0f} deg from vertical")
    if incl_med > 55.0:
        if body > 0.5 * arms:
            name = "pushup"
        else:
            name = "bench_press" if incl_med > 75.0 else "row"
    elif wrist_mid > 0.5 and body > 0.4:
        name = "pullup"  # hands above the head all along, the body rises between them
    elif legs > 0.3 and legs >= 0.5 * arms:
        # A hinge tips the trunk far forward (side view); from the front, the giveaway is
        # the hands hanging straight down and moving with the body (a bar or dumbbells) and
        # the hinge shows as the torso foreshortening to half its length or less.
        torso = np.linalg.norm(
            (seq.pixels(11) + seq.pixels(12)) / 2 - (seq.pixels(23) + seq.pixels(24)) / 2, axis=1) / scale
        folds = bool(np.isfinite(torso).any()) and float(np.nanpercentile(torso, 5)) < 0.5
        hanging = wrist_mid < -0.85 and arms < 0.3 and folds
        name = "deadlift" if incl_max > 50.0 or hanging else "squat"
    elif body > 0.4 and legs < 0.3:
        if wrist_top > 0.3:
            name = "pullup"  # hands above the head, the body rises between them
        elif _robust_range(incl) > 30.0:
            name = "romanian_deadlift"  # straight legs, the trunk hinges
        else:
            name = "dip"
    elif wrist_top > 0.4:
        name = "overhead_press"
    elif elbow < 40.0:
        name = "raise"
    else:
        name = "biceps_curl"
    return name, f"picked {name} from how the body moves ({facts})"
