"""Exercise profiles as data: what drives segmentation, what is measured, default thresholds."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

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


# What each form measure's direction means (form.py defines the measures; positive is
# forward lean, knees towards the midline, elbows ahead of the trunk, hips towards the floor).
FAULT_WORDS: dict[tuple[str, int], str] = {
    ("trunk_lean", 1): "trunk leaning further forward", ("trunk_lean", -1): "leaning back",
    ("knee_cave", 1): "knees caving in", ("elbow_forward", 1): "elbows travelling forward",
    ("hip_sag", 1): "hips sagging", ("hip_sag", -1): "hips piking up",
}
# The same, short, for table and report column heads.
FAULT_SHORT: dict[tuple[str, int], str] = {
    ("trunk_lean", 1): "lean fwd", ("trunk_lean", -1): "lean back",
    ("knee_cave", 1): "knee cave", ("elbow_forward", 1): "elbows fwd",
    ("hip_sag", 1): "hip sag", ("hip_sag", -1): "hip pike",
}


def fault_short(measure: str, direction: int) -> str:
    """A fault's short name for a column head ("lean fwd"); the measure's own name for
    one without."""
    return FAULT_SHORT.get((measure, direction), measure)


@dataclass(frozen=True)
class Fault:
    """A way a lift's form breaks down: a form measure and the direction that is the fault.

    measure: trunk_lean | knee_cave | elbow_forward | hip_sag (form.FAULT_MEASURES);
    direction: +1 when the measure growing is the fault, -1 when shrinking is. Drift the
    other way is stricter form: reported, never called failure.
    """

    measure: str
    direction: int
    # Where in the rep the fault is judged: "bottom" (the stretched position: a squat's
    # hole, a deadlift's floor), "top" (lockout, the top of a curl) or "all". Standing up
    # between squats less tall, for instance, changes the lean at the top, not the fault.
    zone: str = "all"
    # A coaching standard on the measure itself (degrees from vertical, or from the body
    # line), judged on the first reps from the side: past it, those reps are faulty
    # already and are reported as "form fault from rep 1" rather than trusted as good form.
    standard_deg: float | None = None

    def __post_init__(self) -> None:
        if (self.measure, self.direction) not in FAULT_WORDS:
            raise ValueError(f"no fault {self.measure!r} in direction {self.direction!r}")
        if self.zone not in ("bottom", "top", "all"):
            raise ValueError(f"fault zone must be bottom, top or all, got {self.zone!r}")

    @property
    def words(self) -> str:
        """What the fault looks like, for verdict reasons."""
        return FAULT_WORDS[(self.measure, self.direction)]


@dataclass(frozen=True)
class BarSpec:
    """A barbell lift's bar: where it rides, and whether the bar pass runs by default.

    anchor: "hands" (held: deadlift, bench, press, row, curl) or "shoulders" (on the upper
    back or the front of the shoulders: squats). auto: the bar pass runs when the bar
    setting is "auto" (a lift without full-size plates stops after a short probe, and a
    track that does not follow the lift is never used); False: only when asked (bar = "on").
    """

    anchor: str
    auto: bool = True

    def __post_init__(self) -> None:
        if self.anchor not in ("hands", "shoulders"):
            raise ValueError(f"bar anchor must be hands or shoulders, got {self.anchor!r}")


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
    # The directional faults technical failure is judged on (the form angles above are
    # reported as drift; only these, and a shortened range, are called).
    faults: tuple[Fault, ...] = ()
    # The bar of a barbell lift (barpath.py follows it); None: no barbell.
    bar: BarSpec | None = None
    # Views where `driver` cannot be read and a height signal drives the reps instead,
    # with why (said in the set's warnings).
    view_drivers: dict[str, "ViewDriver"] = field(default_factory=dict)
    # The lifter keeps the hips still (a strict press, a curl): a hip landmark far from
    # where it usually is was misplaced, and the trunk is not read there (form.misplaced_hips).
    still_hips: bool = False
    # The hands are planted (on the floor, a bar, the dip bars): nothing they hold moves
    # with the lift, so camera.py reads the background up to the hands, and the hands
    # witness whether the camera moved (camera.moved_with).
    hands_planted: bool = False
    # The lifter stands or hangs upright at lockout (False: lies or stays bent over, as in
    # a bench press, a push-up or a row): camera.turned_picture checks the picture by it.
    upright: bool = True
    # The joint every rep bends and straightens (the knees in a squat, the elbows in a
    # push-up): a dip of the driving signal with that joint held still is not a rep (a
    # push-up set's rest in a pike: the shoulders dip, the elbows stay straight;
    # segmentation.joint_still). None: no such check.
    working_joint: str | None = None
    # The joint whose straightening completes the concentric (a press ends when the elbows
    # lock out): each concentric runs until that joint's angle arrives too, not only the
    # driving signal (segmentation.lockout_arrivals). None: the driving signal alone.
    lockout_joint: str | None = None
    # The views it is read in. A press filmed head-on is left out: its concentrics did end
    # closer to the truth, but a lean back there also shrinks the wrist's read travel (to
    # 0.72-0.76 of the truth on rendered sets), which the early end had offset, and two of
    # six rendered ranges got a false tempo call from it (benchmarks/README.md, 42nd session).
    lockout_views: tuple[str, ...] = ("side", "oblique")

    def __post_init__(self) -> None:
        for view, vd in self.view_drivers.items():
            if vd.signal.kind != "height":
                raise ValueError(f"{self.name}: the {view} view's driver must be a height signal")

    @property
    def words(self) -> str:
        """The exercise's name in words ("overhead press")."""
        return self.name.replace("_", " ")

    @property
    def a_words(self) -> str:
        """The name with its indefinite article ("a squat", "an overhead press")."""
        return ("an " if self.words[:1] in "aeiou" else "a ") + self.words

    def driver_for(self, view: str) -> tuple[SignalSpec, bool, str]:
        """(driving signal, whether it rises in the concentric, why it replaces the
        profile's own or "") in this view."""
        vd = self.view_drivers.get(view)
        if vd is None:
            return self.driver, self.concentric_increases, ""
        return vd.signal, True, vd.reason


@dataclass(frozen=True)
class ViewDriver:
    """A height signal that drives a profile's reps in one view, and why."""

    signal: SignalSpec
    reason: str


H = SignalSpec
_ON_BACK = BarSpec("shoulders")
_IN_HANDS = BarSpec("hands")
_LEAN_FORWARD = Fault("trunk_lean", 1, "bottom")
# Leaning back past 15 degrees in a curl (the body swing that lifts the weight) or 20 in a
# standing press (the press turned into an incline press) breaks the lift's standard.
_LEAN_BACK = Fault("trunk_lean", -1, standard_deg=20.0)
_SWING_BACK = Fault("trunk_lean", -1, standard_deg=15.0)
_KNEE_CAVE = Fault("knee_cave", 1, "bottom")
# A deadlift's lean goes wrong anywhere in the pull: hips rising first off the floor, the
# chest dropping mid-pull, or a lockout never finished.
_HINGE_LEAN = Fault("trunk_lean", 1)
_HIP = ("HIP",)
_WRIST = ("WRIST",)
_SHOULDER = ("SHOULDER",)

PROFILES: dict[str, ExerciseProfile] = {p.name: p for p in (
    ExerciseProfile("squat", "squat", H("height", _HIP), True, True, _HIP,
                    ("knee", "hip", "trunk", "knee_valgus"), aliases=("back_squat", "air_squat", "goblet_squat"),
                    description="back, goblet or air squat; hips drive the rep",
                    faults=(_LEAN_FORWARD, _KNEE_CAVE),
                    bar=_ON_BACK, working_joint="knee"),
    ExerciseProfile("front_squat", "squat", H("height", _HIP), True, True, _HIP,
                    ("knee", "hip", "trunk", "knee_valgus"), faults=(_LEAN_FORWARD, _KNEE_CAVE),
                    bar=_ON_BACK, working_joint="knee"),
    ExerciseProfile("lunge", "squat", H("height", _HIP), True, True, _HIP,
                    ("knee", "hip", "trunk"), faults=(_LEAN_FORWARD,), working_joint="knee"),
    ExerciseProfile("deadlift", "hinge", H("height", _SHOULDER), True, False, _HIP,
                    ("hip", "knee", "trunk"), faults=(_HINGE_LEAN,),
                    bar=_IN_HANDS, working_joint="hip"),
    ExerciseProfile("romanian_deadlift", "hinge", H("height", _SHOULDER), True, True, _SHOULDER,
                    ("hip", "knee", "trunk"), aliases=("rdl",),
                    bar=_IN_HANDS, working_joint="hip"),
    ExerciseProfile("bench_press", "press", H("height", _WRIST), True, True, _WRIST,
                    ("elbow", "shoulder"), aliases=("bench", "floor_press"),
                    bar=_IN_HANDS, upright=False, working_joint="elbow"),
    ExerciseProfile("overhead_press", "press", H("height", _WRIST), True, False, _WRIST,
                    ("elbow", "trunk"), aliases=("press", "ohp", "shoulder_press", "military_press"),
                    faults=(_LEAN_BACK,),
                    bar=_IN_HANDS, still_hips=True, lockout_joint="elbow",
                    working_joint="elbow"),
    ExerciseProfile("push_press", "press", H("height", _WRIST), True, False, _WRIST,
                    ("elbow", "knee", "trunk"), faults=(_LEAN_BACK,),
                    bar=_IN_HANDS, lockout_joint="elbow", working_joint="elbow"),
    ExerciseProfile("biceps_curl", "curl", H("angle", ("elbow",)), False, False, _WRIST,
                    ("elbow", "shoulder", "trunk"), aliases=("curl", "bicep_curl"),
                    faults=(_SWING_BACK, Fault("elbow_forward", 1, "top")),
                    # The bar pass runs by default: seen from the side a plate covers the
                    # hands and the elbow angle turns to noise (rendered barbell curls
                    # counted 9 of 3 and 10 of 4 reps without it). A dumbbell's end can pass
                    # the probe; its track is dropped for not following the lift, at the
                    # cost of the extra video pass.
                    bar=_IN_HANDS, still_hips=True,
                    # Head-on, the forearm swings towards the camera: its 2-D elbow angle
                    # stays straight, then flips once the hand passes the elbow, and a
                    # short curl never flips at all.
                    view_drivers={"front": ViewDriver(
                        H("height", _WRIST),
                        "curl filmed head-on: reps are timed from the wrist's height (the "
                        "elbow bends towards the camera), which barely moves as each lift "
                        "starts, so concentric times read about 0.2 s short; film from the "
                        "side or at 45 degrees for tempo")}),
    ExerciseProfile("raise", "raise", H("height", _WRIST), True, False, _WRIST,
                    ("shoulder", "elbow", "trunk"), aliases=("lateral_raise", "front_raise"),
                    faults=(_LEAN_BACK,)),
    ExerciseProfile("row", "pull", H("height", _WRIST), True, False, _WRIST,
                    ("elbow", "trunk"), aliases=("barbell_row", "bent_over_row", "dumbbell_row"),
                    bar=_IN_HANDS, upright=False, working_joint="elbow"),
    ExerciseProfile("pushup", "pushup", H("height", _SHOULDER), True, True, _SHOULDER,
                    ("elbow", "hip", "trunk"), aliases=("push_up", "push-up", "press_up"),
                    faults=(Fault("hip_sag", 1, standard_deg=15.0),), hands_planted=True,
                    upright=False, working_joint="elbow"),
    ExerciseProfile("pullup", "pull", H("height", _SHOULDER), True, False, _SHOULDER,
                    ("elbow", "shoulder"), aliases=("pull_up", "pull-up", "chinup", "chin_up"),
                    hands_planted=True, working_joint="elbow"),
    ExerciseProfile("dip", "pushup", H("height", _SHOULDER), True, True, _SHOULDER,
                    ("elbow", "shoulder", "trunk"), hands_planted=True,
                    working_joint="elbow"),
)}

AUTO = "auto"
DEFAULT_DRIFT_TOLERANCE_DEG = 10.0


def lifter_pick(exercise: str) -> str:
    """When cache.extract_cached may move the pose model from the body it followed to
    another that moves more (shots.count_people): "any" for a lift that moves the body
    (moves_the_body), "still" under auto (only away from a body that stays still: the
    followed one may be curling beside a squatter), "" for a lift whose body stays still
    (a curl or a press: how much a body moves does not say who lifts)."""
    if exercise.strip().lower() == AUTO:
        return "still"
    return "any" if moves_the_body(exercise) else ""


def moves_the_body(exercise: str) -> bool:
    """Whether each rep of the lift moves the lifter's body up and down (its driving signal
    is the height of the hips or shoulders): what the people scan tells a lifter from a
    bystander by. False for "auto" and for a name no profile has (get_profile refuses both)."""
    try:
        sig = get_profile(exercise).driver
    except ConfigError:
        return False
    return sig.kind == "height" and set(sig.points) <= {"HIP", "SHOULDER"}


def get_profile(name: str) -> ExerciseProfile:
    """Look up a profile by name or alias (case and dashes ignored)."""
    key = name.strip().lower().replace("-", "_").replace(" ", "_")
    if key in PROFILES:
        return PROFILES[key]
    for p in PROFILES.values():
        if key in p.aliases:
            return p
    # Plurals and spaced names as batch reads folder names ('squats', 'Pull Ups'): one
    # rule for the flag, the config file and the folders.
    named = exercise_named(name)
    if named is not None:
        return PROFILES[named]
    import difflib

    known = sorted({n for p in PROFILES.values() for n in (p.name, *p.aliases)})
    near = difflib.get_close_matches(key, known, n=1, cutoff=0.75)
    hint = f" (did you mean {near[0]}?)" if near else ""
    raise ConfigError(f"unknown exercise {name!r}{hint}; choose one of: "
                      f"{', '.join(sorted(PROFILES))}, auto (or an alias such as "
                      "bench, ohp, curl, rdl, chinup)")


def exercise_or_auto(name: str) -> str:
    """"auto" (any case), else the profile's own name for a name, alias or plural: the one
    spelling the command line, a config file and a manifest all store (ConfigError when
    no profile is named)."""
    return AUTO if name.strip().lower() == AUTO else get_profile(name).name


def _singular(token: str) -> str:
    """'squats' -> 'squat', 'presses' -> 'press', 'benches' -> 'bench'; 'press' stays."""
    if len(token) > 4 and token.endswith(("sses", "shes", "ches", "xes")):
        return token[:-2]
    if len(token) > 2 and token.endswith("s") and not token.endswith(("ss", "us", "is")):
        return token[:-1]
    return token


def name_tokens(text: str) -> list[str]:
    """Lower-case words of a name, singular (a folder 'squats/' names the squat)."""
    return [_singular(t) for t in re.split(r"[^a-z0-9]+", text.lower()) if t]


def exercise_names() -> list[tuple[tuple[str, ...], str]]:
    """(token sequence, profile name) for every profile name and alias, longest first."""
    pairs = []
    for p in PROFILES.values():
        for n in (p.name, *p.aliases):
            pairs.append((tuple(name_tokens(n)), p.name))
    return sorted(pairs, key=lambda x: -len(x[0]))


def exercise_named(text: str) -> str | None:
    """The profile a whole name is ('squats', 'Back Squat', 'bench-press'), plurals and
    case aside; None when the name is anything more or else ('ana', 'squat day')."""
    toks = tuple(name_tokens(text))
    return next((name for seq, name in exercise_names() if seq == toks), None) if toks else None


def profile_min_rom(profile: ExerciseProfile, kind: str, override: float | None = None) -> float:
    """Smallest rep excursion in the driving signal's own units (body lengths or degrees)."""
    value = profile.min_rom if override is None else override
    # Angle profiles store min_rom in hundreds of degrees so one number reads alike.
    return value * 100.0 if kind == "angle" else value
