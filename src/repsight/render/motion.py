"""Set timing and body motion as pure functions of time (numpy only).

A set is a piecewise trajectory of one scalar ``q`` in 0..1 per exercise (0 = the
position a rep starts from, 1 = the full turnaround), eased with minimum-jerk profiles,
plus the fault magnitude of the current rep. ``pose(...)`` turns (q, fault) into world
rotations of the skeleton's segments and a root position, with feet (or, for the
push-up, toes and hands) planted.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from fractions import Fraction

import numpy as np

from .barbell import GRIP_SHARE, BarPose, bar_in_hands, bar_on_back
from .skeleton import (RestSkeleton, forward_kinematics, min_rotation, pitch, rot_axis,
                       segment_rotations_complete)
from .spec import BARBELL_ANCHOR, ECCENTRIC_FIRST, RenderSpec, per_rep_tempo

FAIL_GRIND = 1.6   # a failed concentric lasts this many times the planned one
FAIL_HOLD_S = 0.4  # the lifter holds the sticking point this long
FAIL_RETURN_S = 0.8  # then sinks back to where the concentric started


def exact_fps(fps: float) -> Fraction:
    """The frame rate as a fraction: 29.97 -> 30000/1001, 23.976 -> 24000/1001."""
    for base in (24, 30, 60, 120):
        ntsc = Fraction(base * 1000, 1001)
        if abs(fps - float(ntsc)) < 0.006:
            return ntsc
    return Fraction(fps).limit_denominator(1001)


def min_jerk(u: np.ndarray) -> np.ndarray:
    """Minimum-jerk easing 0..1 -> 0..1 (zero velocity and acceleration at both ends)."""
    u = np.clip(u, 0.0, 1.0)
    return u ** 3 * (10.0 - 15.0 * u + 6.0 * u * u)


@dataclass(frozen=True)
class Piece:
    """One stretch of the q trajectory: q0 -> q1 over [t0, t1], eased, or a hold."""

    t0: float
    t1: float
    q0: float
    q1: float
    rep: int  # 1-based rep it belongs to, 0 for lead-in
    name: str  # eccentric / concentric / pause_bottom / pause_top / lead_in / lead_out / failure_hold / failure_return


@dataclass(frozen=True)
class Phase:
    name: str
    start: float
    end: float

    @property
    def duration(self) -> float:
        return self.end - self.start


@dataclass(frozen=True)
class RepPlan:
    rep: int
    completed: bool
    phases: tuple[Phase, ...]
    fault_magnitude: float
    turnaround_q: float  # q reached at the turnaround (depth / reach)
    cut: bool = False  # the clip ends inside this rep (its phases stop at the cut)

    @property
    def start(self) -> float:
        return self.phases[0].start

    @property
    def end(self) -> float:
        """End of the rep's movement (the pause that follows is not included)."""
        moving = [p for p in self.phases if not p.name.startswith("pause")]
        return moving[-1].end

    def phase(self, name: str) -> Phase | None:
        for p in self.phases:
            if p.name == name:
                return p
        return None


@dataclass(frozen=True, eq=False)
class SetPlan:
    """The whole set's timing: pieces of the q trajectory and the reps."""

    spec: RenderSpec
    pieces: tuple[Piece, ...]
    reps: tuple[RepPlan, ...]
    duration_s: float
    fps: Fraction
    n_frames: int = field(default=0)

    def frame_times(self) -> np.ndarray:
        return np.arange(self.n_frames, dtype=np.float64) / float(self.fps)

    def q(self, t: np.ndarray) -> np.ndarray:
        """The exercise progress q at times t."""
        t = np.asarray(t, dtype=np.float64)
        out = np.zeros_like(t)
        for p in self.pieces:
            m = (t >= p.t0) & (t <= p.t1)
            if p.t1 > p.t0:
                u = (t[m] - p.t0) / (p.t1 - p.t0)
            else:
                u = np.ones(np.count_nonzero(m))
            out[m] = p.q0 + (p.q1 - p.q0) * min_jerk(u)
        last = self.pieces[-1]
        out[t > last.t1] = last.q1
        return out

    def rep_index(self, t: np.ndarray) -> np.ndarray:
        """1-based rep whose movement or following pause contains t; 0 outside reps."""
        t = np.asarray(t, dtype=np.float64)
        out = np.zeros(t.shape, dtype=np.int64)
        for r in self.reps:
            end = r.phases[-1].end
            out[(t >= r.start) & ((t < end) | (r.cut & (t <= end)))] = r.rep
        return out

    def fault_magnitude(self, t: np.ndarray) -> np.ndarray:
        """Fault magnitude in force at t: that of the latest rep started by t."""
        t = np.asarray(t, dtype=np.float64)
        out = np.zeros_like(t)
        for r in self.reps:
            out[t >= r.start] = r.fault_magnitude
        return out


def plan_set(spec: RenderSpec) -> SetPlan:
    """Phase times of every rep (seeded jitter, fatigue, failure) and the q trajectory."""
    rng = np.random.default_rng(spec.seed)
    tempo = per_rep_tempo(spec)
    ecc_first = ECCENTRIC_FIRST[spec.exercise]
    pieces: list[Piece] = []
    reps: list[RepPlan] = []
    t = 0.0
    if spec.lead_in_s > 0:
        pieces.append(Piece(0.0, spec.lead_in_s, 0.0, 0.0, 0, "lead_in"))
        t = spec.lead_in_s

    def jit(x: float) -> float:
        if spec.tempo.jitter <= 0 or x <= 0:
            return x
        return float(x * np.clip(1.0 + spec.tempo.jitter * rng.standard_normal(), 0.6, 1.4))

    for k in range(1, spec.reps + 1):
        i = k - 1
        ecc = jit(tempo["eccentric_s"][i])
        con = jit(tempo["concentric_s"][i]) * (1.0 + spec.tempo.fatigue) ** i
        p_bot = jit(tempo["bottom_pause_s"][i])
        p_top = jit(tempo["top_pause_s"][i])
        mag = spec.fault.magnitude(k)
        reach = 1.0 - (min(mag, 0.8) if spec.fault.kind == "short_rom" else 0.0)
        failed = spec.failed_last_rep and k == spec.reps
        ph: list[Phase] = []

        def move(name: str, dur: float, q0: float, q1: float) -> None:
            nonlocal t
            pieces.append(Piece(t, t + dur, q0, q1, k, name))
            ph.append(Phase(name, t, t + dur))
            t += dur

        if ecc_first:  # squat, push-up: down, pause, up, pause
            move("eccentric", ecc, 0.0, reach)
            if p_bot > 0:
                move("pause_bottom", p_bot, reach, reach)
            if failed:
                stuck = reach * (1.0 - spec.fail_fraction)
                move("concentric", con * FAIL_GRIND, reach, stuck)
                move("failure_hold", FAIL_HOLD_S, stuck, stuck)
                move("failure_return", FAIL_RETURN_S, stuck, reach)
            else:
                move("concentric", con, reach, 0.0)
                if p_top > 0:
                    move("pause_top", p_top, 0.0, 0.0)
        else:  # press, curl, deadlift: up, pause, down, pause
            if failed:
                stuck = reach * spec.fail_fraction
                move("concentric", con * FAIL_GRIND, 0.0, stuck)
                move("failure_hold", FAIL_HOLD_S, stuck, stuck)
                move("failure_return", FAIL_RETURN_S, stuck, 0.0)
            else:
                move("concentric", con, 0.0, reach)
                if p_top > 0:
                    move("pause_top", p_top, reach, reach)
                move("eccentric", ecc, reach, 0.0)
                if p_bot > 0:
                    move("pause_bottom", p_bot, 0.0, 0.0)
        reps.append(RepPlan(k, not failed, tuple(ph), mag, reach))

    if spec.cut_phase:
        # The camera stops inside the last rep: the trajectory is planned in full (so
        # the easing is the same as an uncut rep), the phases stop at the cut, and the
        # clip has no lead-out.
        last = reps[-1]
        cut_ph = last.phase(spec.cut_phase)
        t = cut_ph.start + spec.cut_fraction * cut_ph.duration
        kept = tuple(Phase(p.name, p.start, min(p.end, t)) for p in last.phases if p.start < t)
        reps[-1] = RepPlan(last.rep, False, kept, last.fault_magnitude, last.turnaround_q,
                           cut=True)
        pieces = [p for p in pieces if p.t0 < t]
    else:
        q_end = pieces[-1].q1
        if spec.lead_out_s > 0:
            pieces.append(Piece(t, t + spec.lead_out_s, q_end, q_end, 0, "lead_out"))
            t += spec.lead_out_s
    fps = exact_fps(spec.fps)
    n_frames = int(np.floor(t * float(fps) + 1e-9)) + 1
    return SetPlan(spec, tuple(pieces), tuple(reps), t, fps, n_frames)


# --------------------------------------------------------------------------------------
# Poses
# --------------------------------------------------------------------------------------
DOWN = np.array([0.0, 0.0, -1.0])
UP = np.array([0.0, 0.0, 1.0])
FWD = np.array([1.0, 0.0, 0.0])


def _unit(v: np.ndarray) -> np.ndarray:
    return v / np.linalg.norm(v, axis=-1, keepdims=True)


def _neutral_arms(rest: RestSkeleton) -> dict[str, np.ndarray]:
    """Rotations taking the rest (A-pose) arm segments to hanging straight down."""
    out = {}
    for s, side in (("L", "LEFT"), ("R", "RIGHT")):
        ua = rest.points[f"{side}_ELBOW"] - rest.points[f"{side}_SHOULDER"]
        fa = rest.points[f"{side}_WRIST"] - rest.points[f"{side}_ELBOW"]
        lat = 1.0 if s == "L" else -1.0
        hang = _unit(np.array([0.0, 0.12 * lat, -1.0]))
        out[f"upperarm_{s}"] = min_rotation(ua, hang)
        out[f"forearm_{s}"] = min_rotation(fa, hang)
    return out


def _arm_chain(G0: dict[str, np.ndarray], s: str, upper_dir: np.ndarray,
               fore_dir: np.ndarray, hand_dir: np.ndarray | None = None) -> dict[str, np.ndarray]:
    """World rotations of one arm given the directions of its segments [T,3].

    The upper arm turns from hanging by the smallest rotation; the forearm and hand
    turn from their parent's direction, so the arm never twists about itself.
    """
    lat = 1.0 if s == "L" else -1.0
    hang = _unit(np.array([0.0, 0.12 * lat, -1.0]))
    Gu = min_rotation(hang, upper_dir) @ G0[f"upperarm_{s}"]
    Gf = min_rotation(upper_dir, fore_dir) @ min_rotation(hang, upper_dir) @ G0[f"forearm_{s}"]
    out = {f"upperarm_{s}": Gu, f"forearm_{s}": Gf}
    if hand_dir is not None:
        out[f"hand_{s}"] = min_rotation(fore_dir, hand_dir) @ Gf
    return out


def fault_shape(exercise: str, q: np.ndarray) -> np.ndarray:
    """How much of a rep's fault magnitude shows at progress q (0 at q = 0)."""
    if exercise == "deadlift":
        return np.sin(np.pi * np.clip(q, 0, 1))  # hips shoot up: worst mid-pull
    return np.clip(q, 0.0, 1.0)


@dataclass(frozen=True, eq=False)
class Pose:
    """World rotations per segment [T,3,3], root position [T,3] and keypoints [T,3];
    bar: where the barbell is (None without one)."""

    rotations: dict[str, np.ndarray]
    root: np.ndarray
    keypoints: dict[str, np.ndarray]
    bar: BarPose | None = None


# Barbell grips (half the distance between the hands' grip points, metres): a back squat
# holds the bar outside the shoulders, an overhead press a little wider than them.
BACK_SQUAT_GRIP_HALF = 0.40
PRESS_GRIP_HALF = 0.28


def _reach(sh: np.ndarray, target: np.ndarray, l_up: float, l_fo: float,
           bend: np.ndarray) -> np.ndarray:
    """Elbow [T,3] of a two-bone arm from shoulder sh towards wrist target [T,3], bent
    towards bend [T,3] (the target is clipped to the arm's reach)."""
    d = target - sh
    dist = np.clip(np.linalg.norm(d, axis=-1), 1e-6, l_up + l_fo - 1e-6)
    u = _unit(d)
    a = (l_up ** 2 - l_fo ** 2 + dist ** 2) / (2 * dist)
    h = np.sqrt(np.clip(l_up ** 2 - a ** 2, 0.0, None))
    b = _unit(bend - np.sum(bend * u, -1, keepdims=True) * u)
    return sh + a[:, None] * u + h[:, None] * b


def _grip_arms(rest: RestSkeleton, R: dict[str, np.ndarray], G0: dict[str, np.ndarray],
               grips: dict[str, np.ndarray], bends: dict[str, np.ndarray], T: int) -> None:
    """Arm rotations that put each hand's grip point (barbell.GRIP_SHARE along the hand,
    which continues the forearm) on grips[side] [T,3], given the trunk already in R."""
    kp0 = forward_kinematics(rest, R, np.zeros((T, 3)))
    for s, side in (("L", "LEFT"), ("R", "RIGHT")):
        l_up = rest.length(f"{side}_SHOULDER", f"{side}_ELBOW")
        l_fo = rest.length(f"{side}_ELBOW", f"{side}_WRIST")
        l_grip = GRIP_SHARE * rest.length(f"{side}_WRIST", f"{side}_INDEX")
        sh, grip = kp0[f"{side}_SHOULDER"], grips[side]
        fore = _unit(grip - sh)
        for _ in range(4):  # the wrist sits l_grip short of the grip along the forearm
            elbow = _reach(sh, grip - l_grip * fore, l_up, l_fo, bends[side])
            fore = _unit(grip - l_grip * fore - elbow)
        R.update(_arm_chain(G0, s, _unit(elbow - sh), fore))


def pose(exercise: str, rest: RestSkeleton, q: np.ndarray, fault_kind: str,
         fault_mag: np.ndarray, *, barbell: bool = False) -> Pose:
    """The body pose for progress q [T] and fault magnitude [T] (see FaultSpec units).

    barbell: the lifter holds (or carries on the back) a barbell, where BARBELL_ANCHOR
    says; the arms grip it, and Pose.bar says where it is. Without it the pose is exactly
    the barbell-free one.
    """
    if barbell and exercise not in BARBELL_ANCHOR:
        raise ValueError(f"no barbell is modelled for {exercise!r}")
    q = np.atleast_1d(np.asarray(q, dtype=np.float64))
    T = q.shape[0]
    m = np.broadcast_to(np.asarray(fault_mag, dtype=np.float64), (T,))
    f = m * fault_shape(exercise, q)
    lean = f if fault_kind == "trunk_lean" else np.zeros(T)
    cave = f if fault_kind == "knee_cave" else np.zeros(T)
    drift = f if fault_kind == "elbow_drift" else np.zeros(T)
    sag = f if fault_kind == "hip_sag" else np.zeros(T)
    G0 = _neutral_arms(rest)
    I = np.broadcast_to(np.eye(3), (T, 3, 3))
    R: dict[str, np.ndarray] = {}
    anchor = "ANKLES"

    if exercise == "squat":
        trunk = 4.0 + 38.0 * q + lean
        R["trunk"] = pitch(trunk)
        R["head"] = pitch(0.4 * trunk)
        thigh, shank = 90.0 * q, 33.0 * q
        for s in "LR":
            R[f"thigh_{s}"] = pitch(-thigh)
            R[f"shank_{s}"] = pitch(shank)
            R[f"foot_{s}"] = I
            arm = _unit(np.stack([np.sin(np.radians(25 + 65 * q)), np.zeros(T),
                                  -np.cos(np.radians(25 + 65 * q))], -1))
            fore = _unit(arm + np.array([0.0, 0.0, 0.12]))
            R.update(_arm_chain(G0, s, arm, fore))
        if barbell:  # hands on the bar across the upper back, elbows down and back
            kp0 = forward_kinematics(rest, R, np.zeros((T, 3)))
            bar = bar_on_back(kp0, R["trunk"])
            _grip_arms(rest, R, G0, {"LEFT": bar.point(BACK_SQUAT_GRIP_HALF),
                                     "RIGHT": bar.point(-BACK_SQUAT_GRIP_HALF)},
                       {"LEFT": R["trunk"] @ np.array([-0.8, 0.5, -1.0]),
                        "RIGHT": R["trunk"] @ np.array([-0.8, -0.5, -1.0])}, T)
    elif exercise == "deadlift":
        b = 1.0 - q  # bent amount: 1 at the floor
        trunk = 4.0 + 52.0 * b + lean
        R["trunk"] = pitch(trunk)
        R["head"] = pitch(0.5 * trunk)
        for s in "LR":
            R[f"thigh_{s}"] = pitch(-72.0 * b)
            R[f"shank_{s}"] = pitch(18.0 * b)
            R[f"foot_{s}"] = I
            lat = 0.08 if s == "L" else -0.08
            # with a bar the arms angle forward as the hips come through, so the bar
            # passes in front of the thighs instead of through them
            fwd = np.sin(np.radians(10.0 * q)) if barbell else np.zeros(T)
            hang = _unit(np.stack([fwd, np.full(T, lat), -np.ones(T)], -1))
            R.update(_arm_chain(G0, s, hang, hang))
    elif exercise in ("curl", "press"):
        R["trunk"] = pitch(2.0 - lean)  # a faulty rep leans back
        R["head"] = pitch(2.0 - 0.5 * lean)
        for s in "LR":
            R[f"thigh_{s}"] = I
            R[f"shank_{s}"] = I
            R[f"foot_{s}"] = I
            lat = 1.0 if s == "L" else -1.0
            if exercise == "curl":
                ua_ang = np.radians(-4.0 + drift)  # positive = elbow forward
                ua = _unit(np.stack([np.sin(ua_ang), np.full(T, 0.1 * lat), -np.cos(ua_ang)], -1))
                # a bar hangs in front of the thighs: the forearms start further forward
                flex = np.radians((20.0 + 115.0 * q) if barbell else (8.0 + 127.0 * q)) + ua_ang
                fa = _unit(np.stack([np.sin(flex), np.full(T, 0.1 * lat), -np.cos(flex)], -1))
                R.update(_arm_chain(G0, s, ua, fa, fa))
            else:
                e = np.radians(78.0 + 92.0 * q)  # elevation of the upper arm
                plane = np.radians(35.0 + drift)  # forward of the frontal plane
                out_dir = np.stack([np.sin(plane), lat * np.cos(plane), np.zeros(T)], -1)
                ua = _unit(np.cos(e)[:, None] * DOWN[None] + np.sin(e)[:, None] * out_dir)
                fa = np.broadcast_to(_unit(UP + np.array([0.03, 0.0, 0.0])), (T, 3)).copy()
                R.update(_arm_chain(G0, s, ua, fa))
        if exercise == "press" and barbell:
            _press_bar_arms(rest, R, G0, q, drift, T)
    elif exercise == "pushup":
        return _pushup(rest, q, R, G0, T, sag)
    else:
        raise ValueError(f"unknown exercise {exercise!r}")

    if np.any(cave != 0):
        _apply_knee_cave(rest, R, cave, T)
    out = _place(rest, R, T, anchor)
    if barbell:
        bar = (bar_on_back(out.keypoints, out.rotations["trunk"])
               if BARBELL_ANCHOR[exercise] == "shoulders" else bar_in_hands(out.keypoints))
        out = replace(out, bar=bar)
    return out


def _press_bar_arms(rest: RestSkeleton, R: dict[str, np.ndarray], G0: dict[str, np.ndarray],
                    q: np.ndarray, drift: np.ndarray, T: int) -> None:
    """A barbell overhead press: the grips travel from the front of the shoulders, around
    the face, to straight arms overhead, in the trunk's frame (a lean carries the bar)."""
    kp0 = forward_kinematics(rest, R, np.zeros((T, 3)))
    mid = 0.5 * (kp0["LEFT_SHOULDER"] + kp0["RIGHT_SHOULDER"])
    x = 0.15 + 0.06 * np.sin(np.pi * q) - 0.12 * q ** 2
    z = 0.12 + 0.38 * q
    trunk = np.broadcast_to(R["trunk"], (T, 3, 3))
    plane = np.radians(35.0 + drift)  # elbows forward of the frontal plane
    grips, bends = {}, {}
    for side, lat in (("LEFT", 1.0), ("RIGHT", -1.0)):
        off = np.stack([x, np.full(T, lat * PRESS_GRIP_HALF), z], -1)
        grips[side] = mid + np.einsum("tij,tj->ti", trunk, off)
        bend = np.stack([np.sin(plane), lat * np.cos(plane), np.full(T, -0.6)], -1)
        bends[side] = np.einsum("tij,tj->ti", trunk, bend)
    _grip_arms(rest, R, G0, grips, bends, T)


def _apply_knee_cave(rest: RestSkeleton, R: dict[str, np.ndarray], cave: np.ndarray,
                     T: int) -> None:
    """Turn each leg about its hip-ankle line so the knee moves inwards, ankle fixed."""
    zero = np.zeros((T, 3))
    kp = forward_kinematics(rest, R, zero + rest.points["HIP_ROOT"])
    for s, side, sign in (("L", "LEFT", 1.0), ("R", "RIGHT", -1.0)):
        axis = _unit(kp[f"{side}_ANKLE"] - kp[f"{side}_HIP"])
        # about the downward hip-ankle axis, a positive turn moves the left knee to -Y
        rot = rot_axis(axis, np.radians(sign * cave))
        R[f"thigh_{s}"] = rot @ R[f"thigh_{s}"]
        R[f"shank_{s}"] = rot @ R[f"shank_{s}"]
        # the foot keeps its rotation: it stays flat on the floor


def _place(rest: RestSkeleton, R: dict[str, np.ndarray], T: int, anchor: str) -> Pose:
    """Translate the posed body so the ankles stay where they stand at rest."""
    zero = np.zeros((T, 3))
    kp = forward_kinematics(rest, R, zero)
    if anchor == "ANKLES":
        target = 0.5 * (rest.points["LEFT_ANKLE"] + rest.points["RIGHT_ANKLE"])
        now = 0.5 * (kp["LEFT_ANKLE"] + kp["RIGHT_ANKLE"])
    else:
        raise ValueError(anchor)
    root = target[None] - now
    return Pose(segment_rotations_complete(R, T), root, forward_kinematics(rest, R, root))


# A sagging push-up bends the body line at the hips by the fault magnitude: the legs
# (pivoting about the toes) flatten by this share of it and the trunk steepens by the
# rest, which keeps the shoulders near the height of a straight plank.
SAG_LEG_SHARE = 0.35


def _pushup(rest: RestSkeleton, q: np.ndarray, R: dict[str, np.ndarray],
            G0: dict[str, np.ndarray], T: int, sag: np.ndarray | None = None) -> Pose:
    """Plank pivoting about the toes; hands fixed on the floor, arms by two-bone IK.

    sag [T]: hip sag in degrees (the hips drop below the shoulder-ankle line and the
    shoulder-hip-knee angle opens on the floor side by that much)."""
    l_up = rest.length("LEFT_SHOULDER", "LEFT_ELBOW")
    l_fo = rest.length("LEFT_ELBOW", "LEFT_WRIST")
    wrist_z = 0.045

    def body(theta: np.ndarray, sag: np.ndarray | float = 0.0) -> dict[str, np.ndarray]:
        n = theta.shape[0]
        # theta = body line above horizontal (degrees); a sag flattens the legs and
        # steepens the trunk
        Rl = pitch(90.0 - theta + SAG_LEG_SHARE * sag)
        Rt = pitch(90.0 - theta - (1.0 - SAG_LEG_SHARE) * sag)
        rot = {"trunk": Rt, "head": pitch(90.0 - theta - (1.0 - SAG_LEG_SHARE) * sag - 25.0)}
        for s in "LR":
            rot[f"thigh_{s}"] = Rl
            rot[f"shank_{s}"] = Rl
            rot[f"foot_{s}"] = Rl
        kp0 = forward_kinematics(rest, rot, np.zeros((n, 3)))
        toe = 0.5 * (kp0["LEFT_FOOT_INDEX"] + kp0["RIGHT_FOOT_INDEX"])
        root = np.array([0.0, 0.0, 0.025])[None] - toe  # toes on the floor at x = 0
        return rot, root, forward_kinematics(rest, rot, root)

    # Top: arms nearly straight. Solve theta so shoulder height = wrist_z + 0.97 reach.
    grid = np.linspace(5.0, 45.0, 801)
    _, _, kpg = body(grid)
    sh_z = 0.5 * (kpg["LEFT_SHOULDER"][:, 2] + kpg["RIGHT_SHOULDER"][:, 2])
    top = grid[np.argmin(np.abs(sh_z - (wrist_z + 0.97 * (l_up + l_fo))))]
    bottom = grid[np.argmin(np.abs(sh_z - (wrist_z + 0.16)))]
    _, _, kp_top = body(np.array([top]))
    theta = top + (bottom - top) * q
    rot, root, kp = body(theta, 0.0 if sag is None else sag)
    R.update(rot)
    for s, side, lat in (("L", "LEFT", 1.0), ("R", "RIGHT", -1.0)):
        sh = kp[f"{side}_SHOULDER"]
        hand = kp_top[f"{side}_SHOULDER"][0].copy()
        hand[1] += lat * 0.06
        hand[2] = wrist_z
        hand = np.broadcast_to(hand, sh.shape)
        d = hand - sh
        dist = np.clip(np.linalg.norm(d, axis=-1), 1e-6, l_up + l_fo - 1e-6)
        u = d / np.linalg.norm(d, axis=-1, keepdims=True)
        a = (l_up ** 2 - l_fo ** 2 + dist ** 2) / (2 * dist)
        h = np.sqrt(np.clip(l_up ** 2 - a ** 2, 0.0, None))
        bend = np.array([-0.8, 0.6 * lat, 0.0])  # elbows back and out
        bend = bend[None] - np.sum(bend[None] * u, -1, keepdims=True) * u
        bend = _unit(bend)
        elbow = sh + a[:, None] * u + h[:, None] * bend
        ua = _unit(elbow - sh)
        fa = _unit(hand - elbow)
        flat = _unit(np.broadcast_to(FWD + np.array([0.0, 0.0, -0.05]), (T, 3)).copy())
        R.update(_arm_chain(G0, s, ua, fa, flat))
    return Pose(segment_rotations_complete(R, T), root, forward_kinematics(rest, R, root))


def tracked_height(exercise: str, kp: dict[str, np.ndarray]) -> np.ndarray:
    """Height [T] of the point whose concentric velocity the truth reports."""
    if exercise in ("squat", "deadlift"):
        return 0.5 * (kp["LEFT_HIP"][:, 2] + kp["RIGHT_HIP"][:, 2])
    if exercise in ("press", "curl"):
        return 0.5 * (kp["LEFT_WRIST"][:, 2] + kp["RIGHT_WRIST"][:, 2])
    if exercise == "pushup":
        return 0.5 * (kp["LEFT_SHOULDER"][:, 2] + kp["RIGHT_SHOULDER"][:, 2])
    raise ValueError(f"unknown exercise {exercise!r}")
