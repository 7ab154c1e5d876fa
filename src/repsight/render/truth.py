"""Ground truth of a rendered set, computed from the plan and the skeleton (numpy only).

Everything here is exact by construction: the body in the video is posed with the same
segment rotations, so the keypoints are the rendered body's joint centres (anny bone
heads; nose, ears and heels are points on the mesh that ride on the head and feet).
"""

from __future__ import annotations

from dataclasses import asdict

import numpy as np

from .barbell import BarPose, plate_centres
from .camera import Camera
from .motion import SetPlan, pose, tracked_height
from .skeleton import TRUTH_KEYPOINTS, RestSkeleton
from .spec import ECCENTRIC_FIRST, TRACKED_POINT

SCHEMA_VERSION = "1.0"  # later additions (cut, technical_failure, trend) are additive keys
VELOCITY_RATE_HZ = 1000.0  # the fine time grid for true velocities

ANGLE_TRIPLETS = {
    "knee": ("HIP", "KNEE", "ANKLE"),
    "hip": ("SHOULDER", "HIP", "KNEE"),
    "elbow": ("SHOULDER", "ELBOW", "WRIST"),
    "shoulder": ("HIP", "SHOULDER", "ELBOW"),
    "ankle": ("KNEE", "ANKLE", "FOOT_INDEX"),
}


def joint_angle(a: np.ndarray, b: np.ndarray, c: np.ndarray) -> np.ndarray:
    """Angle at b (degrees) of points [...,d]; 180 = straight."""
    return _angle_between(a - b, c - b)


def _angle_between(u: np.ndarray, v: np.ndarray) -> np.ndarray:
    """Angle (degrees) between rows of u and v."""
    cos = np.sum(u * v, -1) / (np.linalg.norm(u, axis=-1) * np.linalg.norm(v, axis=-1))
    return np.degrees(np.arccos(np.clip(cos, -1.0, 1.0)))


def _trunk(kp: dict[str, np.ndarray]) -> np.ndarray:
    """The trunk [T,3]: mid-hips to mid-shoulders."""
    return (0.5 * (kp["LEFT_SHOULDER"] + kp["RIGHT_SHOULDER"])
            - 0.5 * (kp["LEFT_HIP"] + kp["RIGHT_HIP"]))


def angles(kp: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """True 3D joint angles [T] per side, plus torso lean from vertical."""
    out: dict[str, np.ndarray] = {}
    for name, (a, b, c) in ANGLE_TRIPLETS.items():
        for side, s in (("LEFT", "L"), ("RIGHT", "R")):
            out[f"{name}_{s}"] = joint_angle(kp[f"{side}_{a}"], kp[f"{side}_{b}"], kp[f"{side}_{c}"])
    d = _trunk(kp)
    out["torso_lean"] = np.degrees(np.arctan2(np.linalg.norm(d[:, :2], axis=-1), d[:, 2]))
    return out


# Faults a coach calls technical failure when they grow over the set (form deviating
# from the first rep). A shortened range is left to the scorer's judgement (neither a
# call nor its absence is wrong): it is as much a fatigue sign as a form fault.
TECHNICAL_FAULTS = ("trunk_lean", "knee_cave", "elbow_drift", "hip_sag")


def technical_failure(kind: str, magnitudes, cut_rep: int | None = None) -> list:
    """Per rep (1-based order): True where a coach would call technical failure, False
    where a call would be wrong, None where either is acceptable.

    A rep is technical failure when its fault magnitude is > 0 and larger than the
    first rep's (the fault grew beyond how the set started): a fault that shrinks over
    the set (stricter form) gives none, and so does one that is constant from rep 1
    (that is a fault from rep 1, not a drift). A shortened range (short_rom) and a rep
    the clip cuts off that would otherwise count are None.
    """
    m = [float(x) for x in magnitudes]
    out: list = []
    for k, x in enumerate(m, 1):
        if kind == "short_rom":
            v = None if x > 0 else False
        elif kind in TECHNICAL_FAULTS:
            v = bool(x > 0 and x > m[0] + 1e-9)
        else:
            v = False
        if v and cut_rep == k:
            v = None
        out.append(v)
    return out


def _fault_vectors(kind: str, kp: dict[str, np.ndarray]) -> list[np.ndarray] | None:
    """The directions [T, 2 or 3] a coach reads this fault on, one per side where it has
    sides, so that the fault shows as the angle between a rep's and rep 1's; None for a
    kind with no such direction (none, short_rom). World axes: x forward, y to the
    lifter's left, z up."""
    sides = ("LEFT", "RIGHT")
    xz, yz = [0, 2], [1, 2]
    if kind == "trunk_lean":  # the trunk, shoulders over hips
        return [_trunk(kp)]
    if kind == "elbow_drift":  # the upper arm seen from the side
        return [(kp[f"{s}_ELBOW"] - kp[f"{s}_SHOULDER"])[:, xz] for s in sides]
    if kind == "hip_sag":  # the trunk against the legs' line, seen from the side
        out = []
        for s in sides:
            trunk = (kp[f"{s}_SHOULDER"] - kp[f"{s}_HIP"])[:, xz]
            legs = (kp[f"{s}_HIP"] - kp[f"{s}_ANKLE"])[:, xz]
            rel = np.arctan2(trunk[:, 1], trunk[:, 0]) - np.arctan2(legs[:, 1], legs[:, 0])
            out.append(np.stack([np.cos(rel), np.sin(rel)], -1))
        return out
    if kind == "knee_cave":  # the shank seen from the front
        return [(kp[f"{s}_KNEE"] - kp[f"{s}_ANKLE"])[:, yz] for s in sides]
    return None


def fault_visible_deg(plan: SetPlan, rest: RestSkeleton, samples: int = 120) -> list:
    """Per rep: how far the direction a coach reads the fault on (_fault_vectors) turned
    from rep 1's at the same progress, in degrees (the largest over the moving phases and
    the sides); None for a fault kind with no such direction or a rep that shares no
    moving phase with rep 1.

    The injected magnitude is the fault's parameter in the renderer, which is not always
    what a camera shows: an overhead press's elbow drift turns the plane of an upper arm
    that ends almost vertical, so a 26-degree turn shows as an 8-degree turn of the arm
    seen from the side (and 3.4 degrees of the 3-D shoulder angle)."""
    spec = plan.spec
    curves: list[dict[str, tuple[np.ndarray, list[np.ndarray]]]] = []
    for r in plan.reps:
        per_phase = {}
        for ph in r.phases:
            if ph.name.startswith("pause") or ph.duration <= 0:
                continue
            t = np.linspace(ph.start, ph.end, samples)
            q = plan.q(t)
            kp = pose(spec.exercise, rest, q, spec.fault.kind, plan.fault_magnitude(t),
                      barbell=spec.barbell.enabled).keypoints
            found = _fault_vectors(spec.fault.kind, kp)
            if found is None:
                return [None] * len(plan.reps)
            order = np.argsort(q)
            per_phase[ph.name] = (q[order], [a[order] for a in found])
        curves.append(per_phase)
    out: list = []
    for own in curves:
        worst = None
        for name, (q, series) in own.items():
            if name not in curves[0]:
                continue
            q0, base = curves[0][name]
            lo, hi = max(q.min(), q0.min()), min(q.max(), q0.max())
            if not hi > lo:
                continue
            grid = np.linspace(lo, hi, samples)
            for a, b in zip(series, base):
                ua = np.stack([np.interp(grid, q, a[:, k]) for k in range(a.shape[1])], -1)
                ub = np.stack([np.interp(grid, q0, b[:, k]) for k in range(b.shape[1])], -1)
                d = float(np.max(_angle_between(ua, ub)))
                worst = d if worst is None else max(worst, d)
        out.append(worst)
    return out


def fault_trend(kind: str, magnitudes) -> str:
    """'none', 'growing', 'shrinking', 'constant' or 'mixed' over the set's reps."""
    m = np.asarray([float(x) for x in magnitudes])
    if kind == "none" or not np.any(m > 0):
        return "none"
    d = np.diff(m)
    if np.all(d >= 0) and np.any(d > 0):
        return "growing"
    if np.all(d <= 0) and np.any(d < 0):
        return "shrinking"
    if np.all(d == 0):
        return "constant"
    return "mixed"


def concentric_complete(plan: SetPlan, rep) -> bool:
    """Whether the rep's concentric was filmed to its planned end (not cut off)."""
    return rep.phase("concentric") is not None and not (
        rep.cut and plan.spec.cut_phase == "concentric")


def rep_velocity(plan: SetPlan, rest: RestSkeleton, rep) -> dict | None:
    """Concentric mean / peak vertical velocity of the tracked point (m/s); None when
    the clip cuts the rep before its concentric ends."""
    spec = plan.spec
    if not concentric_complete(plan, rep):
        return None
    con = rep.phase("concentric")
    n = max(int(np.ceil(con.duration * VELOCITY_RATE_HZ)), 2) + 1
    t = np.linspace(con.start, con.end, n)
    P = pose(spec.exercise, rest, plan.q(t), spec.fault.kind, plan.fault_magnitude(t),
             barbell=spec.barbell.enabled)
    z = tracked_height(spec.exercise, P.keypoints)
    v = np.gradient(z, t)
    disp = float(z[-1] - z[0])
    return {
        "point": TRACKED_POINT[spec.exercise],
        "axis": "vertical (+ up)",
        "concentric_displacement_m": disp,
        "concentric_mean_mps": abs(disp) / con.duration,
        "concentric_peak_mps": float(np.max(np.abs(v))),
    }


def rep_bar_velocity(plan: SetPlan, rest: RestSkeleton, rep) -> dict | None:
    """Concentric mean / peak vertical velocity of the bar (m/s) on the fine time grid,
    with its travel over the rep; None without a barbell or when the clip cuts the
    concentric off."""
    spec = plan.spec
    if not spec.barbell.enabled or not concentric_complete(plan, rep):
        return None
    con = rep.phase("concentric")
    n = max(int(np.ceil(con.duration * VELOCITY_RATE_HZ)), 2) + 1
    t = np.linspace(con.start, con.end, n)
    bar = pose(spec.exercise, rest, plan.q(t), spec.fault.kind, plan.fault_magnitude(t),
               barbell=True).bar
    z = bar.centre[:, 2]
    v = np.gradient(z, t)
    t_all = np.linspace(rep.start, rep.end, max(int(np.ceil((rep.end - rep.start)
                                                           * VELOCITY_RATE_HZ)), 2) + 1)
    whole = pose(spec.exercise, rest, plan.q(t_all), spec.fault.kind,
                 plan.fault_magnitude(t_all), barbell=True).bar.centre
    disp = float(z[-1] - z[0])
    return {
        "point": "bar middle (every point of the bar moves alike: it stays level)",
        "concentric_displacement_m": disp,
        "concentric_mean_mps": abs(disp) / con.duration,
        "concentric_peak_mps": float(np.max(np.abs(v))),
        "vertical_travel_m": float(np.ptp(whole[:, 2])),
        "forward_travel_m": float(np.ptp(whole[:, 0])),
    }


def bar_truth(plan: SetPlan, bar: BarPose, camera: Camera) -> dict:
    """The barbell's exact path on every frame (3D) and its near plate's image position."""
    spec = plan.spec.barbell
    left, right = plate_centres(bar, spec)
    near_left = bool(np.mean(camera.depth(left)) <= np.mean(camera.depth(right)))
    near = left if near_left else right
    out_dir = bar.axis if near_left else -bar.axis
    face = near + 0.5 * spec.plate_width_m * out_dir  # the plate's outer face, seen first
    depth = camera.depth(near)

    def pts(a: np.ndarray, nd: int) -> list:
        return np.round(a, nd).tolist()

    return {
        "spec": {k: (list(v) if isinstance(v, tuple) else v) for k, v in asdict(spec).items()},
        "anchor": ("upper back" if plan.spec.exercise == "squat" else "hands"),
        "near_plate": "left" if near_left else "right",
        "centre3d": pts(bar.centre, 5),
        "axis": pts(bar.axis, 5),
        "near_plate_centre3d": pts(near, 5),
        "near_plate_centre2d": pts(camera.project(near), 2),
        "near_plate_face2d": pts(camera.project(face), 2),
        # pixels per metre in the plane of the near plate's centre, square to the view
        "near_plate_px_per_m": pts(camera.fy / depth, 3),
        "units": "3D: world metres (camera.convention); 2D: output-video pixels, x right, "
                 "y down; one entry per frame",
    }


def build_truth(plan: SetPlan, rest: RestSkeleton, camera: Camera,
                *, video_file: str = "", include_frames: bool = True) -> dict:
    spec = plan.spec
    fps = float(plan.fps)
    t = plan.frame_times()
    q = plan.q(t)
    mag = plan.fault_magnitude(t)
    P = pose(spec.exercise, rest, q, spec.fault.kind, mag, barbell=spec.barbell.enabled)
    kp = P.keypoints
    ang = angles(kp)
    names = list(TRUTH_KEYPOINTS)
    rep_of = plan.rep_index(t)

    reps = []
    v1 = None
    best = 0.0
    fault = spec.fault
    cut_rep = next((r.rep for r in plan.reps if r.cut), None)
    tech = technical_failure(fault.kind, [r.fault_magnitude for r in plan.reps], cut_rep)
    visible = fault_visible_deg(plan, rest)
    for r in plan.reps:
        vel = rep_velocity(plan, rest, r)
        if vel is not None:
            if v1 is None:
                v1 = vel["concentric_mean_mps"]
            best = max(best, vel["concentric_mean_mps"])
        entry: dict = {
            "rep": r.rep,
            "completed": r.completed,
            "cut": r.cut,
            "start": r.start,
            "end": r.end,
            "start_frame": int(np.ceil(r.start * fps - 1e-9)),
            "end_frame": int(np.floor(r.end * fps + 1e-9)),
            "phases": [{"name": p.name, "start": p.start, "end": p.end,
                        "duration_s": p.duration} for p in r.phases],
            "fault_magnitude": r.fault_magnitude,
            "technical_failure": tech[r.rep - 1],
            "fault_visible_deg": visible[r.rep - 1],
            "turnaround_q": r.turnaround_q,
            "velocity": vel,
            "velocity_loss_vs_first_pct": (None if vel is None else
                                           100.0 * (1.0 - vel["concentric_mean_mps"] / v1)),
            "velocity_loss_vs_best_pct": (None if vel is None else
                                          100.0 * (1.0 - vel["concentric_mean_mps"] / best)),
        }
        if spec.barbell.enabled:
            entry["bar_velocity"] = rep_bar_velocity(plan, rest, r)
        for name in ("eccentric", "concentric", "pause_bottom", "pause_top"):
            p = r.phase(name)
            entry[f"{name}_start"] = p.start if p else None
            entry[f"{name}_end"] = p.end if p else None
            entry[f"{name}_s"] = p.duration if p else 0.0
        reps.append(entry)

    last = plan.reps[-1]
    truth: dict = {
        "schema_version": SCHEMA_VERSION,
        "generator": "repsight.render",
        "video": video_file,
        "exercise": spec.exercise,
        "view": spec.camera.view,
        "rep_starts_with": "eccentric" if ECCENTRIC_FIRST[spec.exercise] else "concentric",
        "fps": fps,
        "fps_fraction": [plan.fps.numerator, plan.fps.denominator],
        "n_frames": plan.n_frames,
        "duration_s": plan.n_frames / fps,
        "size": [spec.width, spec.height],
        "frame_time_rule": "t = frame / fps (the presentation time of the frame)",
        "camera": camera.to_dict(),
        "camera_pose": camera.pose.tolist(),
        "yfov_deg": camera.yfov_deg,
        "n_reps": len(plan.reps),
        "n_completed_reps": sum(r.completed for r in plan.reps),
        "reps": reps,
        "failed_reps": [r.rep for r in plan.reps if not r.completed and not r.cut],
        # the clip ends inside its last rep (None: filmed to the end of the set)
        "cut": ({"rep": last.rep, "phase": spec.cut_phase, "fraction": spec.cut_fraction,
                 "time": last.phases[-1].end,
                 "concentric_complete": concentric_complete(plan, last)}
                if last.cut else None),
        "fault": {
            "kind": fault.kind,
            "onset_rep": (fault.onset_rep if not fault.per_rep else fault.first_rep)
                         if fault.kind != "none" else None,
            "units": "fraction of range removed" if fault.kind == "short_rom" else "degrees",
            "per_rep_magnitude": [r.fault_magnitude for r in plan.reps],
        },
        # which reps a coach would call technical failure (see technical_failure())
        "technical": {
            "reps": [k for k, v in enumerate(tech, 1) if v],
            "neutral_reps": [k for k, v in enumerate(tech, 1) if v is None],
            "fault_trend": fault_trend(fault.kind, [r.fault_magnitude for r in plan.reps]),
            "rule": "fault magnitude > 0 and above rep 1's (a growing drift); shrinking or "
                    "constant-from-rep-1 faults give none; short_rom reps and a cut rep "
                    "are neutral (technical_failure null: a call there is neither right "
                    "nor wrong)",
            "visible": "fault_visible_deg per rep: how far the direction a coach reads "
                       "the fault on (the trunk; the upper arm seen from the side; the "
                       "trunk against the legs' line seen from the side; the shank seen "
                       "from the front) turned from rep 1's at the same progress, degrees "
                       "(null for other fault kinds)",
        },
        "tracked_point": TRACKED_POINT[spec.exercise],
        "spec": spec.to_dict(),
    }
    if spec.barbell.enabled:
        truth["barbell"] = bar_truth(plan, P.bar, camera)
    if include_frames:
        pts3 = np.stack([kp[n] for n in names], axis=1)  # [T,K,3]
        pts2 = camera.project(pts3)
        frames = []
        for i in range(plan.n_frames):
            frames.append({
                "frame": i,
                "t": float(t[i]),
                "rep": int(rep_of[i]),
                "progress": float(q[i]),
                "fault_magnitude_now": float(mag[i]),
                "angles": {k: round(float(v[i]), 3) for k, v in ang.items()},
                "joints3d": {n: [round(float(x), 5) for x in pts3[i, j]] for j, n in enumerate(names)},
                "joints2d": {n: [round(float(x), 2) for x in pts2[i, j]] for j, n in enumerate(names)},
            })
        truth["frames"] = frames
        truth["joints3d_frame"] = "world metres, see camera.convention"
        truth["joints2d_units"] = "pixels of the output video, x right, y down"
    return truth
