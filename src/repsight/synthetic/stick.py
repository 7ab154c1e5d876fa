"""Seeded side-view stick-figure sequences with ground truth, for every exercise profile.

A side-view stick figure (metres, x forward, y up; see `figure`) is posed by one progress
value q per frame: q = 0 is the rest position between reps (standing for a squat, the
floor for a deadlift, arms down for a curl) and q = 1 the turnaround. The reps are planned
and scheduled by `planning`; each ramps q 0 -> 1 -> 0 with half-cosine ramps and flat
pauses between boundaries rounded to frames, so the phase boundaries are known to the
frame. The figure is projected to pixels by a static side camera, then noise, dropouts
and empty frames are added as asked.

Extending it: `RepPlan` holds per-rep timing; `faults` maps a fault name to per-rep
degrees (see FAULTS); `SyntheticTruth.positions_m` holds the clean joint tracks in metres,
so true velocities in m/s follow from `SyntheticTruth.point_velocity_mps`. Front views,
knee cave, stalled reps and eccentric speed-ups for the verdict stage live in
`synthetic.lifter` (squats with metric truth).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping, Sequence

import numpy as np

from ..kinematics import angle_between
from ..landmarks import JOINT_TRIPLETS, LM, NUM_LANDMARKS
from ..profiles import ExerciseProfile, get_profile
from ..types import PoseSequence
from .figure import FAULTS, JOINTS, POSERS, Body, Joints, Poser, with_hands
from .planning import RepPlan, RepTiming, ease, plan_set, schedule


@dataclass(frozen=True)
class RepTruth:
    """Known frames of one rep, with the same conventions as `types.Rep`."""

    index: int
    start: int
    end: int
    turnaround: int
    eccentric: tuple[int, int]
    concentric: tuple[int, int]
    rom_share: float
    plan: RepPlan


@dataclass(frozen=True, eq=False)
class SyntheticTruth:
    """Ground truth of a synthetic sequence.

    progress: float64[T] share of the full driving-signal excursion per frame (0 rest,
    1 turnaround). positions_m: clean
    near-side joint tracks, name -> float64[T,2] metres (x forward, y up).
    """

    profile: str
    family: str
    eccentric_first: bool
    fps: float
    reps: tuple[RepTruth, ...]
    progress: np.ndarray
    positions_m: dict[str, np.ndarray]
    px_per_m: float
    body_height_m: float
    faults: dict[str, tuple[float, ...]] = field(default_factory=dict)
    first_frame: int = 0  # first frame with a person (after empty frames)

    @property
    def n_reps(self) -> int:
        """Number of planned reps (partial ones included)."""
        return len(self.reps)

    def point_m(self, names: Sequence[str]) -> np.ndarray:
        """float64[T,2] mean track (metres) of the named joints, e.g. ("HIP",)."""
        return np.mean([self.positions_m[n] for n in names], axis=0)

    def point_velocity_mps(self, names: Sequence[str]) -> np.ndarray:
        """float64[T] vertical velocity (m/s, up positive) of the named joints' mean."""
        y = self.point_m(names)[:, 1]
        return np.gradient(y) * self.fps


# ---------------------------------------------------------------------------- timing

def _frames(timing: RepTiming, fps: float) -> tuple[int, int, int, int]:
    """The rep's move boundaries (first move a1..b1, second move a2..b2) rounded to frames.

    Rounding the running clock rather than each duration keeps the set's length exact.
    """
    a1, b1, a2, b2 = (int(round(x * fps)) for x in
                      (timing.start, timing.first_end, timing.second_start, timing.second_end))
    return a1, b1, a2, b2


def _ramp(n: int) -> np.ndarray:
    """Eased ramp 0 -> 1 over n frames (n + 1 samples)."""
    return ease(np.arange(n + 1), max(n, 1))


def _driver_value(prof: ExerciseProfile, p: Joints) -> float:
    """The profile's driving signal on one clean pose (height in metres or angle in degrees)."""
    if prof.driver.kind == "height":
        return float(np.mean([p[n][1] for n in prof.driver.points]))
    a, b, c = (np.asarray(p[t.split("_", 1)[1]], dtype=np.float64)[None, :2]
               for t in JOINT_TRIPLETS[prof.driver.points[0]])
    return float(angle_between(a, b, c)[0])  # the product's one joint angle, on one pose


def _driver_linear(prof: ExerciseProfile, poser: Poser, body: Body, p: np.ndarray) -> np.ndarray:
    """Pose progress q that moves the *driving signal* by the planned share p (0..1).

    Joint geometry is not linear (a straight knee first bends with almost no change in
    hip height), so the planned half-cosine ramps are applied to the driving signal itself
    and mapped back through the pose: the truth boundaries are where the tracked point
    really starts and stops moving.
    """
    grid = np.linspace(0, 1, 401)
    zero = {name: 0.0 for name in FAULTS}
    v = np.array([_driver_value(prof, poser(body, g, zero)) for g in grid])
    share = (v - v[0]) / (v[-1] - v[0]) if v[-1] != v[0] else grid
    if not np.all(np.diff(share) > 0):
        return p  # not monotone: keep the pose progress as planned
    return np.interp(p, share, grid)


# ---------------------------------------------------------------------------- public API

def synthesize(profile: str | ExerciseProfile, reps: int | Sequence[RepPlan] = 5, *,
               fps: float = 30.0, seed: int = 0, lead_in_s: float = 1.0, lead_out_s: float = 1.0,
               empty_s: float = 0.0, rests: Mapping[int, float] | None = None,
               noise_px: float = 0.0, dropouts: int = 0, dropout_s: float = 0.15,
               setup_wobble: float = 0.0, walk_in_s: float = 0.0,
               faults: Mapping[str, Sequence[float]] | None = None,
               body_height_m: float = 1.75, size: tuple[int, int] = (640, 480),
               max_pause_s: float = 2.0) -> tuple[PoseSequence, SyntheticTruth]:
    """A seeded side-view PoseSequence of one set and its ground truth.

    reps: a count (default timing) or explicit RepPlans (see plan_set).
    fps: float frame rate, 5..240. lead_in_s / lead_out_s: still time at rest before the
    first and after the last rep, >= 0 s. empty_s: leading frames with no person (a title
    card), >= 0 s. rests: 1-based rep -> extra rest (s) after it (mini-sets).
    noise_px: std of Gaussian landmark noise in pixels, >= 0. dropouts: number of random
    no-person windows of `dropout_s` seconds each, inside the set. setup_wobble: amplitude
    of a slow sway during the lead-in as a share of full ROM (0..0.3), e.g. unracking.
    walk_in_s: the first seconds of the lead-in (<= lead_in_s) are spent walking into the
    frame from the left, hips bobbing with each step.
    faults: name in FAULTS -> per-rep degrees. body_height_m: 1.0..2.5. size: (w, h) px.
    max_pause_s: a gap to the next rep up to this long counts as the rep's trailing pause
    (same convention as AnalysisConfig.max_pause_s).
    """
    prof = get_profile(profile) if isinstance(profile, str) else profile
    if prof.name not in POSERS:
        raise ValueError(f"no synthetic poser for profile {prof.name!r}")
    if not 5 <= fps <= 240:
        raise ValueError(f"fps must be 5..240, got {fps}")
    if min(lead_in_s, lead_out_s, empty_s, dropout_s, noise_px, setup_wobble, walk_in_s) < 0:
        raise ValueError("durations, noise and wobble must be >= 0")
    if walk_in_s > lead_in_s:
        raise ValueError(f"walk_in_s ({walk_in_s}) must fit in lead_in_s ({lead_in_s})")
    plans = plan_set(reps) if isinstance(reps, int) else tuple(reps)
    fault_map = {k: tuple(float(x) for x in v) for k, v in (faults or {}).items()}
    unknown = set(fault_map) - set(FAULTS)
    if unknown:
        raise ValueError(f"unknown fault(s) {sorted(unknown)}; known: {sorted(FAULTS)}")
    rng = np.random.default_rng(seed)
    body = Body(body_height_m)

    n_empty = int(round(empty_s * fps))
    start_s = n_empty / fps + lead_in_s
    timings = schedule(plans, start_s=start_s, eccentric_first=prof.eccentric_first, rests=rests)
    sched = [_frames(tm, fps) + (tm.plan.rom_share,) for tm in timings]
    free = int(round((timings[-1].next_start if timings else start_s) * fps))
    last_move = sched[-1][3] if sched else n_empty + int(round(lead_in_s * fps))
    n = max(free, last_move + 1) + int(round(lead_out_s * fps)) + 1

    q = np.zeros(n)
    rep_of = np.zeros(n, dtype=int)  # which rep's faults apply (0: none)
    for k, (a1, b1, a2, b2, rom) in enumerate(sched):
        q[a1:b1 + 1] = rom * _ramp(b1 - a1)
        q[b1:a2 + 1] = rom
        q[a2:b2 + 1] = rom * (1 - _ramp(b2 - a2))
        rep_of[a1:b2 + 1] = k + 1
    if setup_wobble > 0 and sched:
        first = sched[0][0]
        lo = n_empty
        tt = np.arange(lo, first) / fps
        # Slow sway that dies out before the first rep starts (a smooth window).
        win = np.sin(np.pi * np.clip((tt - tt[0]) / max(tt[-1] - tt[0], 1e-9), 0, 1)) if tt.size else tt
        q[lo:first] = setup_wobble * np.abs(np.sin(2 * np.pi * 0.7 * tt)) * win ** 2

    poser = POSERS[prof.name]
    planned = q.copy()
    q = _driver_linear(prof, poser, body, q)
    frames = []
    for i in range(n):
        f = {name: 0.0 for name in FAULTS}
        if rep_of[i]:
            for name, per_rep in fault_map.items():
                if rep_of[i] - 1 < len(per_rep):
                    f[name] = per_rep[rep_of[i] - 1]
        frames.append(with_hands(poser(body, q[i], f), body))
    positions = {j: np.array([fr[j] for fr in frames]) for j in JOINTS}
    if walk_in_s > 0:
        # Walk in from 2.5 m to the left at a steady pace, easing into place; the whole
        # body bobs 3 cm twice a step cycle (about 1.8 Hz), as in a real gait.
        k = np.arange(n_empty, n_empty + int(round(walk_in_s * fps)))
        u = (k - n_empty) / max(len(k), 1)
        dx = -2.5 * (1 - u) ** 2
        dy = 0.03 * np.abs(np.sin(2 * np.pi * 1.8 * (k - n_empty) / fps)) * (1 - u)
        for j in JOINTS:
            positions[j][k, 0] += dx
            positions[j][k, 1] += dy

    # Camera: fit the fault-free range of motion into 80 % of the frame (y up -> rows
    # down), so injecting a fault never moves the camera.
    w, h = size
    zero = {name: 0.0 for name in FAULTS}
    span = [with_hands(poser(body, g, zero), body) for g in np.linspace(0, 1, 21)]
    allpts = np.array([fr[j] for fr in span for j in JOINTS])
    lo_xy, hi_xy = allpts.min(axis=0), allpts.max(axis=0)
    ppm = 0.8 * min(w / max(hi_xy[0] - lo_xy[0], 1e-6), h / max(hi_xy[1] - lo_xy[1], 1e-6))
    centre = (lo_xy + hi_xy) / 2

    image = np.full((n, NUM_LANDMARKS, 5), np.nan, dtype=np.float64)
    world = np.full((n, NUM_LANDMARKS, 3), np.nan, dtype=np.float64)
    hip = positions["HIP"]
    for j in JOINTS:
        for side, depth, vis, dx in (("LEFT", -0.1, 0.95, 0.0), ("RIGHT", 0.1, 0.35, 0.01)):
            lm = LM.NOSE if j == "NOSE" else LM[f"{side}_{j}"]
            xy = positions[j] + np.array([dx, 0.0])
            u = (w / 2 + (xy[:, 0] - centre[0]) * ppm) / w
            v = (h / 2 - (xy[:, 1] - centre[1]) * ppm) / h
            image[:, lm] = np.stack([u, v, np.full(n, depth), np.full(n, vis), np.full(n, 0.99)], axis=1)
            world[:, lm] = np.stack([xy[:, 0] - hip[:, 0], -(xy[:, 1] - hip[:, 1]), np.full(n, depth)], axis=1)
    for lm, src in ((LM.MOUTH_LEFT, LM.NOSE), (LM.MOUTH_RIGHT, LM.NOSE),
                    (LM.LEFT_EYE_INNER, LM.LEFT_EYE), (LM.LEFT_EYE_OUTER, LM.LEFT_EYE),
                    (LM.RIGHT_EYE_INNER, LM.RIGHT_EYE), (LM.RIGHT_EYE_OUTER, LM.RIGHT_EYE)):
        image[:, lm] = image[:, src]
        world[:, lm] = world[:, src]
    if noise_px > 0:
        image[:, :, 0] += rng.normal(0, noise_px / w, (n, NUM_LANDMARKS))
        image[:, :, 1] += rng.normal(0, noise_px / h, (n, NUM_LANDMARKS))
    if n_empty:
        image[:n_empty] = np.nan
        world[:n_empty] = np.nan
    if dropouts and sched:
        lo, hi = sched[0][0], sched[-1][3]
        width = max(1, int(round(dropout_s * fps)))
        for start in rng.integers(lo, max(hi - width, lo + 1), size=dropouts):
            image[start:start + width] = np.nan
            world[start:start + width] = np.nan

    truth_reps = []
    for k, (a1, b1, a2, b2, rom) in enumerate(sched):
        end = b2
        if k + 1 < len(sched) and (sched[k + 1][0] - b2) / fps <= max_pause_s:
            end = sched[k + 1][0]
        first, second = (a1, b1), (a2, b2)
        ecc, con = (first, second) if prof.eccentric_first else (second, first)
        truth_reps.append(RepTruth(k + 1, a1, end, (b1 + a2) // 2, ecc, con, rom, plans[k]))
    times = np.arange(n) / fps
    seq = PoseSequence(image=image.astype(np.float32), world=world.astype(np.float32),
                       timestamps_s=times, fps=float(fps), width=w, height=h,
                       source=f"synthetic:{prof.name}:seed{seed}", model="synthetic",
                       meta={"synthetic": True, "seed": seed})
    truth = SyntheticTruth(profile=prof.name, family=prof.family,
                           eccentric_first=prof.eccentric_first, fps=float(fps),
                           reps=tuple(truth_reps), progress=planned, positions_m=positions,
                           px_per_m=float(ppm), body_height_m=body_height_m,
                           faults=fault_map, first_frame=n_empty)
    return seq, truth
