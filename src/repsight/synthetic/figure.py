"""The side-view stick figure behind `synthesize`: body proportions and one poser per profile.

A poser maps progress q (0 rest, 1 turnaround) and per-rep fault degrees to joint positions
in metres (x forward, y up) for the near side. Joint names are BlazePose's without the
LEFT_/RIGHT_ prefix.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Mapping

import numpy as np

JOINTS = ("ANKLE", "KNEE", "HIP", "SHOULDER", "ELBOW", "WRIST", "HEEL", "FOOT_INDEX",
          "INDEX", "PINKY", "THUMB", "NOSE", "EAR", "EYE")

Joints = dict[str, np.ndarray]  # joint name -> float64[2] metres (x forward, y up)

# Injectable form faults: name -> what it does, applied in proportion to q on that rep.
FAULTS = {
    "trunk_lean_deg": "extra trunk lean at the turnaround: forward (squat, hinge), back (press, curl)",
    "elbow_drift_deg": "upper arm swings forward at the turnaround (curl, raise)",
}


@dataclass(frozen=True)
class Body:
    """Segment lengths in metres for a person of height h."""

    h: float

    @property
    def shank(self) -> float:
        return 0.246 * self.h

    @property
    def thigh(self) -> float:
        return 0.245 * self.h

    @property
    def torso(self) -> float:
        return 0.29 * self.h

    @property
    def upper_arm(self) -> float:
        return 0.186 * self.h

    @property
    def forearm(self) -> float:
        return 0.146 * self.h

    @property
    def ankle_y(self) -> float:
        return 0.039 * self.h


def _unit(deg: float) -> np.ndarray:
    """Unit vector at `deg` from vertical, positive towards +x (forward)."""
    r = np.radians(deg)
    return np.array([np.sin(r), np.cos(r)])


def _ik_elbow(s: np.ndarray, w: np.ndarray, lu: float, lf: float, bend: float) -> np.ndarray:
    """Elbow of a two-link arm from shoulder s to wrist w; bend (+1/-1) picks the side."""
    d = w - s
    dist = float(np.linalg.norm(d))
    dist = min(max(dist, abs(lu - lf) + 1e-6), lu + lf - 1e-6)
    u = d / (np.linalg.norm(d) or 1.0)
    a = (lu ** 2 - lf ** 2 + dist ** 2) / (2 * dist)
    hgt = np.sqrt(max(lu ** 2 - a ** 2, 0.0))
    normal = np.array([-u[1], u[0]]) * bend
    return s + a * u + hgt * normal


def _legs_torso(b: Body, shank: float, thigh: float, torso: float,
                ankle: np.ndarray | None = None) -> dict[str, np.ndarray]:
    """Feet, knee, hip, shoulder and head from absolute segment angles (degrees)."""
    ankle = np.array([0.0, b.ankle_y]) if ankle is None else ankle
    knee = ankle + b.shank * _unit(shank)
    hip = knee + b.thigh * _unit(thigh)
    sh = hip + b.torso * _unit(torso)
    head = sh + 0.13 * b.h * _unit(torso + 10)
    return {"ANKLE": ankle, "KNEE": knee, "HIP": hip, "SHOULDER": sh,
            "HEEL": ankle + np.array([-0.03 * b.h, -0.03 * b.h]),
            "FOOT_INDEX": ankle + np.array([0.08 * b.h, -0.035 * b.h]),
            "NOSE": head + 0.06 * b.h * _unit(torso + 90), "EAR": head,
            "EYE": head + 0.04 * b.h * _unit(torso + 90)}


def _arm_angles(p: dict, b: Body, upper: float, fore: float) -> dict[str, np.ndarray]:
    """Add elbow and wrist from absolute arm angles (180 = hanging)."""
    p["ELBOW"] = p["SHOULDER"] + b.upper_arm * _unit(upper)
    p["WRIST"] = p["ELBOW"] + b.forearm * _unit(fore)
    return p


def _arm_to(p: dict, b: Body, wrist: np.ndarray, bend: float) -> dict[str, np.ndarray]:
    """Add elbow (by inverse kinematics) and wrist for a wrist target."""
    p["WRIST"] = wrist
    p["ELBOW"] = _ik_elbow(p["SHOULDER"], wrist, b.upper_arm, b.forearm, bend)
    return p


def _lerp(a: float, c: float, q: float) -> float:
    return a + (c - a) * q


def _pose_squat(b: Body, q: float, f: Mapping[str, float]) -> Joints:
    p = _legs_torso(b, _lerp(0, 35, q), _lerp(0, -85, q), _lerp(5, 40, q) + f["trunk_lean_deg"] * q)
    return _arm_angles(p, b, 150, 20)


def _pose_lunge(b: Body, q: float, f: Mapping[str, float]) -> Joints:
    p = _legs_torso(b, _lerp(0, 10, q), _lerp(0, -70, q), _lerp(3, 10, q) + f["trunk_lean_deg"] * q)
    return _arm_angles(p, b, 180, 180)


def _pose_deadlift(b: Body, q: float, f: Mapping[str, float]) -> Joints:
    p = _legs_torso(b, _lerp(25, 0, q), _lerp(-50, 0, q), _lerp(70, 5, q) + f["trunk_lean_deg"] * q)
    return _arm_angles(p, b, 180, 180)


def _pose_rdl(b: Body, q: float, f: Mapping[str, float]) -> Joints:
    p = _legs_torso(b, _lerp(0, 10, q), _lerp(0, -12, q), _lerp(5, 80, q) + f["trunk_lean_deg"] * q)
    return _arm_angles(p, b, 180, 180)


def _pose_press(b: Body, q: float, f: Mapping[str, float]) -> Joints:
    p = _legs_torso(b, 0, 0, 3 - f["trunk_lean_deg"] * q)
    s = p["SHOULDER"]
    reach = b.upper_arm + b.forearm
    w = s + np.array([_lerp(0.06, 0.01, q), _lerp(0.02, 0.96 * reach, q)])
    return _arm_to(p, b, w, bend=+1.0)


def _pose_bench(b: Body, q: float, f: Mapping[str, float]) -> Joints:
    y = 0.45
    hip = np.array([0.0, y])
    sh = hip + np.array([-b.torso, 0.0])
    knee = hip + np.array([b.thigh * 0.95, 0.05])
    ankle = np.array([knee[0] + 0.05, b.ankle_y])
    p = {"HIP": hip, "SHOULDER": sh, "KNEE": knee, "ANKLE": ankle,
         "HEEL": ankle + np.array([-0.05, -0.03]), "FOOT_INDEX": ankle + np.array([0.1, -0.04]),
         "EAR": sh + np.array([-0.2, 0.05]), "NOSE": sh + np.array([-0.2, 0.12]),
         "EYE": sh + np.array([-0.2, 0.1])}
    reach = b.upper_arm + b.forearm
    w = sh + np.array([_lerp(0.0, 0.06, q), _lerp(0.96 * reach, 0.12, q)])
    return _arm_to(p, b, w, bend=-1.0)


def _pose_curl(b: Body, q: float, f: Mapping[str, float]) -> Joints:
    # A curl's trunk fault is the swing back (the cheat), as in a press.
    p = _legs_torso(b, 0, 0, 3 - f["trunk_lean_deg"] * q)
    upper = 180 - f["elbow_drift_deg"] * q
    return _arm_angles(p, b, upper, _lerp(180, 35, q))


def _pose_raise(b: Body, q: float, f: Mapping[str, float]) -> Joints:
    p = _legs_torso(b, 0, 0, 3 + f["trunk_lean_deg"] * q)
    a = _lerp(178, 90, q) - f["elbow_drift_deg"] * q
    return _arm_angles(p, b, a, a - 5)


def _pose_row(b: Body, q: float, f: Mapping[str, float]) -> Joints:
    p = _legs_torso(b, 15, -30, 60 + f["trunk_lean_deg"] * q)
    s = p["SHOULDER"]
    reach = b.upper_arm + b.forearm
    w = s + np.array([_lerp(0.0, -0.12, q), _lerp(-0.96 * reach, -0.2, q)])
    return _arm_to(p, b, w, bend=-1.0)


def _pose_pullup(b: Body, q: float, f: Mapping[str, float]) -> Joints:
    p = _legs_torso(b, -20, 5, 0)
    reach = b.upper_arm + b.forearm
    bar = np.array([0.05, 2.4 * b.h / 1.75])
    target = bar - np.array([0.05, _lerp(0.96 * reach, 0.12, q)])
    shift = target - p["SHOULDER"]
    p = {k: v + shift for k, v in p.items()}
    return _arm_to(p, b, bar, bend=-1.0)


def _pose_dip(b: Body, q: float, f: Mapping[str, float]) -> Joints:
    p = _legs_torso(b, -60, 10, 5)
    reach = b.upper_arm + b.forearm
    bars = np.array([0.0, 1.2 * b.h / 1.75])
    target = bars + np.array([_lerp(-0.02, 0.06, q), _lerp(0.96 * reach, 0.3, q)])
    shift = target - p["SHOULDER"]
    p = {k: v + shift for k, v in p.items()}
    return _arm_to(p, b, bars, bend=+1.0)


def _pose_pushup(b: Body, q: float, f: Mapping[str, float]) -> Joints:
    reach = b.upper_arm + b.forearm
    line = b.shank + b.thigh + b.torso
    ankle = np.array([0.0, 0.08])
    top = np.degrees(np.arcsin((0.93 * reach) / line))
    low = np.degrees(np.arcsin(0.16 / line))
    phi = _lerp(top, low, q)
    tilt = 90 - phi  # segment angle from vertical, leaning towards +x
    p = _legs_torso(b, tilt, tilt, tilt, ankle=ankle)
    s_top = ankle + line * _unit(90 - top)
    wrist = np.array([s_top[0], 0.03])
    return _arm_to(p, b, wrist, bend=-1.0)


# A poser: body, progress q (0 rest .. 1 turnaround), fault name -> degrees on this rep.
Poser = Callable[[Body, float, Mapping[str, float]], Joints]

POSERS: dict[str, Poser] = {
    "squat": _pose_squat, "front_squat": _pose_squat, "lunge": _pose_lunge,
    "deadlift": _pose_deadlift, "romanian_deadlift": _pose_rdl,
    "bench_press": _pose_bench, "overhead_press": _pose_press, "push_press": _pose_press,
    "biceps_curl": _pose_curl, "raise": _pose_raise, "row": _pose_row,
    "pushup": _pose_pushup, "pullup": _pose_pullup, "dip": _pose_dip,
}


def with_hands(p: Joints, b: Body) -> Joints:
    """Finger landmarks a hand's length beyond the wrist along the forearm."""
    d = p["WRIST"] - p["ELBOW"]
    d = d / (np.linalg.norm(d) or 1.0)
    for name, k in (("INDEX", 0.05), ("PINKY", 0.045), ("THUMB", 0.035)):
        p[name] = p["WRIST"] + k * b.h * d
    return p
