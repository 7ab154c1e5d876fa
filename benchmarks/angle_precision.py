"""How precisely repsight reads each form angle, per camera view, against rendered truth.

Issue 12, item 4. For every measure repsight reads from MediaPipe landmarks (2-D image
angles and the 3-D world-landmark measures of form.py) and every camera view (side,
front, oblique 45 deg), this scores the reading against the renderer's exact per-frame
truth:

  (a) per-frame error after removing each clip's constant offset (landmark centres are
      not the rig's joint centres; the offset is reported separately): RMS and 95th
      percentile of |error|;
  (b) the error of the CHANGE of the measure between reps at the same phase point (rep k
      minus rep 1 at the way-in mid point, the turnaround and the way-out mid point; the
      phase points come from the truth's progress): RMS and 95th percentile, and the gain
      (least-squares slope through 0 of measured vs true change: does 10 degrees of true
      change read as 10?). This is what a drift threshold has to clear;
  (c) the correlation of the offset-free per-frame reading with the truth.

Clips: a precision set rendered with per-frame truth into
~/.cache/repsight/synth/precision/ (squat, deadlift, press, curl and push-up in the views
each supports, with a fault that grows from rep 2: trunk lean, knee cave, elbow drift, hip
sag; 4 reps, 320x240), plus the five clips of ../shared/synthetic (read in place, their
pose cached in the same folder). Rendering runs in this one process.

Truth measures: the renderer's truth has 3-D joint angles (knee, hip, elbow, shoulder per
side) and an unsigned torso lean; trunk lean (signed), knee cave, elbow forward of the
trunk and hip sag are computed here from the truth's 3-D joint positions with the same
definitions as form.py (see truth_measures()).

    .venv/bin/python benchmarks/angle_precision.py               # render what is missing, pose, score
    .venv/bin/python benchmarks/angle_precision.py --no-render   # score what is cached
    .venv/bin/python benchmarks/angle_precision.py --markdown --json out.json
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "synthetic"
sys.path.insert(0, str(ROOT / "benchmarks"))
from synthetic_eval import load_pose, stale_clips  # noqa: E402  (one cache for both benchmarks)
VIEWS = ("side", "front", "oblique")

# --------------------------------------------------------------------------- the clip set
# Views each exercise supports in the precision set, and the faults rendered in each.
VIEWS_FOR = {
    "squat": ("side", "front", "oblique"),
    "deadlift": ("side", "oblique"),
    "press": ("side", "front", "oblique"),
    "curl": ("side", "oblique", "front"),
    "pushup": ("side", "oblique"),
}
FAULTS_FOR = {
    "squat": ("trunk_lean", "knee_cave"),
    "deadlift": ("trunk_lean",),
    "press": ("trunk_lean", "elbow_drift"),
    "curl": ("trunk_lean", "elbow_drift"),
    "pushup": ("hip_sag",),
}
FAMILY = {"squat": "squat", "deadlift": "hinge", "press": "press", "curl": "curl",
          "pushup": "pushup"}
# rep 1 clean, then 6, 12, 18 degrees (at the fault's peak in the rep)
FAULT_START, FAULT_GROWTH, REPS = 6.0, 6.0, 4


def precision_clips() -> list[tuple[str, object]]:
    from repsight.render.spec import CameraSpec, FaultSpec, RenderSpec, TempoSpec

    out = []
    seed = 7100
    for ex, views in VIEWS_FOR.items():
        for view in views:
            for fault in FAULTS_FOR[ex]:
                seed += 1
                spec = RenderSpec(
                    exercise=ex, reps=REPS, camera=CameraSpec(view=view),
                    width=320, height=240, supersample=1, fps=30.0,
                    tempo=TempoSpec(eccentric_s=1.0, bottom_pause_s=0.2, concentric_s=0.8,
                                    top_pause_s=0.4),
                    fault=FaultSpec(fault, onset_rep=2, start=FAULT_START, growth=FAULT_GROWTH),
                    lead_in_s=0.4, lead_out_s=0.4, seed=seed)
                out.append((f"{ex}_{view}_{fault}", spec))
    return out


def cache_dir(override: str | None) -> Path:
    base = Path(override or os.environ.get("REPSIGHT_SYNTH_CACHE",
                                           Path.home() / ".cache" / "repsight" / "synth"))
    return base / "precision"


def render_missing(clips, folder: Path) -> None:
    """Render (one clip at a time, in this process) every clip whose truth is missing or stale."""
    folder.mkdir(parents=True, exist_ok=True)
    todo = stale_clips(clips, folder, needs=("frames",))  # per-frame truth is what it reads
    if not todo:
        return
    from repsight.render.renderer import render

    print(f"rendering {len(todo)} clips into {folder} (one process) ...", flush=True)
    t0 = time.time()
    for k, (name, spec) in enumerate(todo, 1):
        t1 = time.time()
        stale = folder / f"{name}.pose.npz"
        if stale.exists():
            stale.unlink()
        render(spec, folder / f"{name}.mp4", folder / f"{name}.json", include_frames=True)
        print(f"  [{k}/{len(todo)}] {name} {time.time() - t1:.0f} s", flush=True)
    print(f"rendered in {time.time() - t0:.0f} s", flush=True)


# --------------------------------------------------------------------------- truth
def load_truth(path: Path) -> dict:
    """Per-frame truth of either schema, normalised.

    Returns exercise, view, fps, q[T] (progress), rep[T], joints {NAME: [T,3]} in a frame
    with +Z up (only directions relative to the body are used), angles {knee_L: [T], ...}.
    The renderer's truth (schema 1.x) is in world metres, +X forward, +Y left, +Z up; the
    older ../shared/synthetic files have x = left, y = backward, z = up and lower-case
    names; both have z up, which is all the definitions below need.
    """
    d = json.loads(path.read_text())
    frames = d["frames"]
    names = list(frames[0]["joints3d"])
    joints = {n.upper(): np.array([f["joints3d"][n] for f in frames], dtype=np.float64)
              for n in names}
    angles = {k: np.array([f["angles"][k] for f in frames], dtype=np.float64)
              for k in frames[0]["angles"]}
    exercise = d["exercise"]
    return {
        "exercise": exercise,
        "view": d["view"],
        "fps": float(d["fps"]),
        "q": np.array([f["progress"] for f in frames], dtype=np.float64),
        "rep": np.array([f["rep"] for f in frames], dtype=np.int64),
        "joints": joints,
        "angles": angles,
        "fault": (d.get("fault", {}).get("kind") if "fault" in d
                  else ",".join(k for k, v in d.get("faults_per_rep", {}).items() if any(v))),
    }


UP3 = np.array([0.0, 0.0, 1.0])


def _truth_axes(J: dict) -> tuple[np.ndarray, np.ndarray]:
    """(forward, left) horizontal unit vectors [T,3], built like form.body_axes."""
    lat = (J["LEFT_HIP"] - J["RIGHT_HIP"]) + (J["LEFT_SHOULDER"] - J["RIGHT_SHOULDER"])
    lat[:, 2] = 0.0
    lat = lat / np.linalg.norm(lat, axis=1, keepdims=True)
    fwd = np.cross(lat, UP3)  # left x up = forward (right-handed, z up)
    return fwd, lat


def truth_measures(J: dict, angles: dict, side: str,
                   sagittal: bool = True) -> dict[str, np.ndarray]:
    """True per-frame values of every measure, from the truth's 3-D joints.

    Same definitions as form.py, on exact joint centres:
      trunk_lean: hip-mid -> shoulder-mid from vertical in the body's sagittal plane,
        atan2(forward part, up part); forward lean positive (world_trunk_lean);
      knee_cave: per leg, the knee's offset from the hip-ankle line along the body's
        left-right axis, towards the midline positive, asin(offset / thigh), mean of both
        legs (world_knee_cave). Note this is not the renderer's fault magnitude (a
        rotation of the leg about its hip-ankle axis): a nearly straight leg shows little;
      elbow_forward: upper arm's angle forward of the trunk's shoulder->hip line in the
        sagittal plane, mean of both arms (world_elbow_forward);
      hip_sag: hips below the shoulder-ankle line, atan2(perpendicular offset of the hip
        towards the floor, |shoulder->hip|) in the sagittal plane (hip_sag, in 3-D);
      knee / hip / elbow / shoulder: for lifts in the sagittal plane (sagittal=True: all
        but the press) the angle in the body's sagittal plane, continuous like repsight's
        2-D angles (_sagittal_angle); for the press (arms in a plane 35 degrees forward
        of the frontal plane) the truth's 3-D joint angle; of `side`, both averaged for
        BOTH.
    """
    fwd, lat = _truth_axes(J)
    mid = lambda n: 0.5 * (J[f"LEFT_{n}"] + J[f"RIGHT_{n}"])  # noqa: E731
    d = mid("SHOULDER") - mid("HIP")
    out: dict[str, np.ndarray] = {}
    out["trunk_lean"] = np.degrees(np.arctan2(np.sum(d * fwd, 1), d @ UP3))
    caves = []
    for s, medial in (("LEFT", -1.0), ("RIGHT", 1.0)):
        h, k, a = J[f"{s}_HIP"], J[f"{s}_KNEE"], J[f"{s}_ANKLE"]
        ha = a - h
        frac = np.sum((k - h) * ha, 1) / np.sum(ha * ha, 1)
        line = h + frac[:, None] * ha
        off = np.sum((k - line) * lat, 1) * medial
        caves.append(np.degrees(np.arcsin(np.clip(off / np.linalg.norm(k - h, axis=1), -1, 1))))
    out["knee_cave"] = np.mean(caves, 0)
    down = mid("HIP") - mid("SHOULDER")
    down = down / np.linalg.norm(down, axis=1, keepdims=True)
    arms = []
    for s in ("LEFT", "RIGHT"):
        arm = J[f"{s}_ELBOW"] - J[f"{s}_SHOULDER"]
        arms.append(np.degrees(np.arctan2(np.sum(arm * fwd, 1), np.sum(arm * down, 1))))
    out["elbow_forward"] = np.mean(arms, 0)
    sags = []
    for s in ("LEFT", "RIGHT"):
        sh, hp, an = J[f"{s}_SHOULDER"], J[f"{s}_HIP"], J[f"{s}_ANKLE"]
        sag = _sag_plane(sh, hp, an, fwd)
        sags.append(sag)
    out["hip_sag"] = np.mean(sags, 0)
    for name in ("knee", "hip", "elbow", "shoulder"):
        per = {s: angles[f"{name}_{s}"] for s in "LR"}
        if sagittal:
            per = {s: _sagittal_angle(J, name, s, fwd) for s in "LR"}
        out[name] = 0.5 * (per["L"] + per["R"]) if side == "BOTH" else per[side[0]]
    return out


TRIPLET = {"knee": ("HIP", "KNEE", "ANKLE"), "hip": ("SHOULDER", "HIP", "KNEE"),
           "elbow": ("SHOULDER", "ELBOW", "WRIST"), "shoulder": ("HIP", "SHOULDER", "ELBOW")}


def _sagittal_angle(J: dict, name: str, s: str, fwd: np.ndarray) -> np.ndarray:
    """Joint angle of side s in the body's sagittal plane, continuous past 0 and 180 like
    repsight's 2-D angles (kinematics.angle_between on the points projected on the
    forward / up plane). The 3-D angle (0..180) folds there: a push-up's hips sagging
    past straight read 175 instead of 185, a curl's upper arm swinging from behind the
    trunk to ahead of it reads 10 instead of -10; it also carries the legs' and arms'
    sideways spread (a push-up's straight body is 167 in 3-D, 176 in the sagittal plane)."""
    from repsight.kinematics import angle_between

    side = {"L": "LEFT", "R": "RIGHT"}[s]
    pts = [J[f"{side}_{n}"] for n in TRIPLET[name]]
    return angle_between(*[np.stack([np.sum(p * fwd, 1), -(p @ UP3)], 1) for p in pts])


def _sag_plane(sh: np.ndarray, hp: np.ndarray, an: np.ndarray, fwd: np.ndarray,
               up: np.ndarray = UP3) -> np.ndarray:
    """Hip sag (degrees) in the sagittal plane spanned by fwd [T,3] and up [3]: the hip's
    offset from the shoulder-ankle line towards the floor over |shoulder->hip|."""
    def plane(v):  # 2-D coordinates (forward, up)
        return np.stack([np.sum(v * fwd, 1), v @ up], 1)
    line = plane(an - sh)
    rel = plane(hp - sh)
    line_u = line / np.linalg.norm(line, axis=1, keepdims=True)
    normal = np.stack([-line_u[:, 1], line_u[:, 0]], 1)  # line turned +90 degrees
    normal *= -np.sign(normal[:, 1:2])  # the side of the line towards the floor
    return np.degrees(np.arctan2(np.sum(rel * normal, 1), np.linalg.norm(rel, axis=1)))


# --------------------------------------------------------------------------- measurements
# (measure, source) rows of the table and the exercises each is read on.
ROWS = (
    ("trunk_lean", "image"), ("trunk_lean", "world"), ("trunk_lean", "foreshortening"),
    ("trunk_lean", "forward_foreshortening"), ("knee_cave", "image"), ("knee_cave", "world"),
    ("elbow_forward", "image"), ("elbow_forward", "world"),
    ("hip_sag", "image"), ("hip_sag", "world"),
    ("knee", "image"), ("hip", "image"), ("elbow", "image"), ("shoulder", "image"),
)
# The torso's foreshortening reads a lean back in presses and curls (their cheat), a
# forward lean in squats (form.FAULT_SOURCE_BY_EXERCISE).
FORESHORTENING_EXERCISES = {"foreshortening": ("press", "curl"), "forward_foreshortening": ("squat",)}
MEASURES_FOR = {
    "squat": ("trunk_lean", "knee_cave", "knee", "hip"),
    "deadlift": ("trunk_lean", "knee", "hip"),
    # not elbow_forward: with the arm overhead its angle from the trunk's down line is
    # near +-180 and flips sign with a hair of forward or back
    "press": ("trunk_lean", "elbow", "shoulder"),
    "curl": ("trunk_lean", "elbow_forward", "elbow", "shoulder"),
    "pushup": ("trunk_lean", "hip_sag", "elbow", "hip"),
}
# the repsight form-angle name of each image measure (for form.not_measurable_reason)
FORM_NAME = {"trunk_lean": "trunk", "knee_cave": "knee_valgus", "elbow_forward": "shoulder",
             "hip_sag": "hip", "knee": "knee", "hip": "hip", "elbow": "elbow",
             "shoulder": "shoulder"}


def image_elbow_forward(seq, image, side: str) -> np.ndarray:
    """Image stand-in for elbows forward (not in form.py; a benchmark-only definition):
    world_elbow_forward's formula on image points, atan2(arm . forward, arm . down) with
    forward = image x times the way the lifter faces (kinematics.facing_sign) and down =
    the shoulder->hip line; elbow ahead positive. With BOTH (front view) the facing is
    unknown and the sideways part is taken unsigned."""
    from repsight.kinematics import SIDES, facing_sign, pixels
    from repsight.landmarks import LM

    px = lambda lm: pixels(image, seq.width, seq.height, lm)  # noqa: E731
    per = []
    for s in (SIDES if side == "BOTH" else (side,)):
        sh, el, hp = px(LM[f"{s}_SHOULDER"]), px(LM[f"{s}_ELBOW"]), px(LM[f"{s}_HIP"])
        down, arm = hp - sh, el - sh
        with np.errstate(invalid="ignore", divide="ignore"):
            down = down / np.linalg.norm(down, axis=1, keepdims=True)
        f = facing_sign(seq, s, image=image) if side != "BOTH" else 0.0
        ahead = arm[:, 0] * f if f else np.abs(arm[:, 0])
        per.append(np.degrees(np.arctan2(ahead, np.sum(arm * down, 1))))
    return np.mean(per, 0)


def world_hip_sag(world: np.ndarray) -> np.ndarray:
    """Hip sag from world landmarks (benchmark-only; hip_sag's definition in 3-D): the
    hip's offset from the shoulder-ankle line towards the floor in the body's sagittal
    plane, mean of both sides. MediaPipe world: x right, y down, z away."""
    from repsight.landmarks import LM

    w = lambda n: world[:, LM[n]].astype(np.float64)  # noqa: E731
    up = np.array([0.0, -1.0, 0.0])
    lat = (w("LEFT_HIP") - w("RIGHT_HIP")) + (w("LEFT_SHOULDER") - w("RIGHT_SHOULDER"))
    lat[:, 1] = 0.0
    with np.errstate(invalid="ignore", divide="ignore"):
        lat = lat / np.linalg.norm(lat, axis=1, keepdims=True)
        fwd = np.cross(lat, up)
        sags = [_sag_plane(w(f"{s}_SHOULDER"), w(f"{s}_HIP"), w(f"{s}_ANKLE"), fwd, up)
                for s in ("LEFT", "RIGHT")]
    return np.mean(sags, 0)


def measured(seq) -> tuple[dict[str, np.ndarray], str, str]:
    """Per-frame readings {(measure, source): [T]} as repsight makes them, the detected
    view and the side the image angles use."""
    from repsight import form
    from repsight.kinematics import (apply_swaps, joint_angle, swapped_frames,
                                     trunk_inclination)
    from repsight.smoothing import despike, smooth

    try:
        from repsight.drift import FORM_CUTOFF_HZ
    except ImportError:
        FORM_CUTOFF_HZ = 8.0
    flipped = swapped_frames(seq.image)
    image = apply_swaps(seq.image, flipped)
    world = apply_swaps(seq.world, flipped)
    view = form.detect_view(seq)
    side = form.form_side(seq, view)
    raw = {
        ("trunk_lean", "image"): trunk_inclination(seq, side=side, signed=True, image=image),
        ("trunk_lean", "world"): form.world_trunk_lean(seq, world=world),
        ("trunk_lean", "foreshortening"): form.foreshortened_lean(seq, image=image),
        ("trunk_lean", "forward_foreshortening"): form.foreshortened_forward_lean(seq, image=image),
        ("knee_cave", "image"): form.knee_valgus(seq, image=image),
        ("knee_cave", "world"): form.world_knee_cave(seq, world=world),
        ("elbow_forward", "image"): image_elbow_forward(seq, image, side),
        ("elbow_forward", "world"): form.world_elbow_forward(seq, world=world),
        ("hip_sag", "image"): form.hip_sag(seq, image=image, side=side),
        ("hip_sag", "world"): world_hip_sag(world),
    }
    for name in ("knee", "hip", "elbow", "shoulder"):
        raw[(name, "image")] = joint_angle(seq, name, side, image=image)
    out = {k: smooth(despike(v, seq.fps), seq.fps, cutoff_hz=FORM_CUTOFF_HZ, max_gap_s=0.25)
           for k, v in raw.items()}
    return out, view, side


def blind_reason(measure: str, source: str, view: str, family: str) -> str | None:
    """Why a 2-D reading cannot see this measure in this view (None: it can)."""
    if source == "world":
        return None
    if source in FORESHORTENING_EXERCISES:
        return None if view == "front" else "read head-on only (other views see the lean itself)"
    if measure == "hip_sag":
        return None if view != "front" else "hip sag moves towards the camera in a front view"
    if measure == "elbow_forward":
        return ("elbows travel towards the camera in a front view" if view == "front" else None)
    from repsight.form import not_measurable_reason

    return not_measurable_reason(FORM_NAME[measure], view, family)


# --------------------------------------------------------------------------- phase points
def phase_points(q: np.ndarray, rep: np.ndarray) -> dict[int, list[int]]:
    """Frames of each rep at three phase points: half-way in, the turnaround (middle of
    its plateau) and half-way back, from the truth's progress q."""
    out: dict[int, list[int]] = {}
    for k in sorted(set(rep[rep > 0].tolist())):
        idx = np.flatnonzero(rep == k)
        qk = q[idx]
        top = qk.max()
        at_top = np.flatnonzero(qk >= top - 1e-4)
        t0, t1 = at_top[0], at_top[-1]
        turn = idx[(t0 + t1) // 2]
        pts = [turn]
        if t0 > 0:
            pts.insert(0, idx[int(np.argmin(np.abs(qk[:t0] - 0.5 * top)))])
        else:
            pts.insert(0, -1)
        if t1 < len(qk) - 1:
            pts.append(idx[t1 + 1 + int(np.argmin(np.abs(qk[t1 + 1:] - 0.5 * top)))])
        else:
            pts.append(-1)
        out[k] = pts
    return out


# --------------------------------------------------------------------------- scoring
def wrap(x):
    """Degrees onto -180..180 (angle differences)."""
    return np.mod(np.asarray(x, dtype=np.float64) + 180.0, 360.0) - 180.0


def score_clip(name: str, truth: dict, seq) -> list[dict]:
    """One record per (measure, source) the clip's exercise reads."""
    meas, det_view, side = measured(seq)
    T = min(len(truth["q"]), seq.n_frames if hasattr(seq, "n_frames") else len(seq.timestamps_s))
    tm = truth_measures(truth["joints"], truth["angles"], side,
                        sagittal=truth["exercise"] != "press")
    pts = phase_points(truth["q"][:T], truth["rep"][:T])
    view = truth["view"]
    ex = truth["exercise"]
    recs = []
    for (measure, source) in ROWS:
        if measure not in MEASURES_FOR[ex]:
            continue
        if measure in ("knee", "hip", "elbow", "shoulder") and source != "image":
            continue
        if source in FORESHORTENING_EXERCISES and ex not in FORESHORTENING_EXERCISES[source]:
            continue
        m = meas[(measure, source)][:T]
        t = tm[measure][:T]
        ok = np.isfinite(m) & np.isfinite(t)
        if ok.sum() < 10:
            continue
        err = wrap(m[ok] - t[ok])
        offset = float(np.median(err))
        resid = wrap(err - offset)
        dm, dt = [], []
        reps = sorted(pts)
        if reps:
            base = pts[reps[0]]
            for k in reps[1:]:
                for p, b in zip(pts[k], base):
                    if p < 0 or b < 0 or p >= T or b >= T:
                        continue
                    if not (np.isfinite(m[p]) and np.isfinite(m[b])):
                        continue
                    dm.append(float(wrap(m[p] - m[b])))
                    dt.append(float(wrap(t[p] - t[b])))
        recs.append({
            "clip": name, "exercise": ex, "view": view, "detected_view": det_view,
            "side": side, "measure": measure, "source": source,
            "blind": blind_reason(measure, source, view, FAMILY[ex]),
            "offset": offset, "resid": resid.tolist(), "truth": t[ok].tolist(),
            "meas": (t[ok] + resid).tolist(), "dm": dm, "dt": dt,
            "truth_range": float(np.ptp(t[ok])),
        })
    return recs


def aggregate(recs: list[dict]) -> dict:
    """Pooled figures of one (measure, source, view) cell."""
    resid = np.concatenate([r["resid"] for r in recs])
    tru = np.concatenate([r["truth"] for r in recs])
    mea = np.concatenate([r["meas"] for r in recs])
    dm = np.concatenate([r["dm"] for r in recs]) if any(r["dm"] for r in recs) else np.zeros(0)
    dt = np.concatenate([r["dt"] for r in recs]) if any(r["dt"] for r in recs) else np.zeros(0)
    offs = [r["offset"] for r in recs]
    de = dm - dt
    gain = None
    if dt.size >= 3 and np.ptp(dt) >= 4.0:
        gain = float(np.sum(dm * dt) / np.sum(dt * dt))
    r = None
    if np.std(tru) > 1.0 and np.std(mea) > 0:
        r = float(np.corrcoef(mea, tru)[0, 1])
    d_rms = float(np.sqrt(np.mean(de ** 2))) if de.size else None
    return {
        "clips": [x["clip"] for x in recs],
        "exercises": sorted({x["exercise"] for x in recs}),
        "detected_views": sorted({x["detected_view"] for x in recs}),
        "n_frames": int(resid.size),
        "offset_mean": float(np.mean(offs)), "offset_min": float(np.min(offs)),
        "offset_max": float(np.max(offs)),
        "rms": float(np.sqrt(np.mean(resid ** 2))),
        "p95": float(np.percentile(np.abs(resid), 95)),
        "n_changes": int(de.size),
        "d_rms": d_rms,
        "d_p95": float(np.percentile(np.abs(de), 95)) if de.size else None,
        "gain": gain,
        "r": r,
        "true_change_min": float(dt.min()) if dt.size else None,
        "true_change_max": float(dt.max()) if dt.size else None,
        "truth_range": float(np.ptp(tru)),
        "floor_3x_d_rms": (3.0 * d_rms) if d_rms is not None else None,
    }


def table(recs: list[dict], by_exercise: bool = False) -> list[dict]:
    """Rows per (measure, source, view), pooled over exercises (or one per exercise)."""
    rows = []
    groups = sorted({r["exercise"] for r in recs}) if by_exercise else [None]
    cells = [(m, s, v, e) for m, s in ROWS for v in VIEWS for e in groups]
    for measure, source, view, ex in cells:
        cell = [r for r in recs if r["measure"] == measure and r["source"] == source
                and r["view"] == view and ex in (None, r["exercise"])]
        if not cell:
            continue
        seen = [r for r in cell if r["blind"] is None]
        blind = [r for r in cell if r["blind"] is not None]
        use = seen or blind
        row = {"measure": measure, "source": source, "view": view,
               "measurable": bool(seen),
               "not_measurable_in": sorted({f"{r['exercise']}: {r['blind']}" for r in blind}),
               **aggregate(use)}
        rows.append(row)
    return rows


def _f(x, d=1, sign=False):
    if x is None:
        return "-"
    return f"{x:+.{d}f}" if sign else f"{x:.{d}f}"


HEAD = ("measure", "src", "view", "n/m", "clips", "offset mean [min, max]", "RMS", "p95",
        "dRMS", "dp95", "gain", "r", "true d range", "3x dRMS")


def format_rows(rows: list[dict]) -> list[tuple[str, ...]]:
    out = []
    for r in rows:
        exs = r["exercises"]
        out.append((
            r["measure"], r["source"], r["view"],
            "" if r["measurable"] else "n/m",
            f"{len(r['clips'])} ({','.join(exs)})",
            f"{_f(r['offset_mean'], 1, True)} [{_f(r['offset_min'], 0, True)}, {_f(r['offset_max'], 0, True)}]",
            _f(r["rms"]), _f(r["p95"]), _f(r["d_rms"]), _f(r["d_p95"]), _f(r["gain"], 2),
            _f(r["r"], 2),
            (f"{_f(r['true_change_min'], 0, True)}..{_f(r['true_change_max'], 0, True)}"
             if r["true_change_min"] is not None else "-"),
            _f(r["floor_3x_d_rms"]),
        ))
    return out


def print_table(rows: list[dict], markdown: bool, notes: bool = True) -> None:
    body = format_rows(rows)
    if markdown:
        print("| " + " | ".join(HEAD) + " |")
        print("|" + "---|" * len(HEAD))
        for b in body:
            print("| " + " | ".join(b) + " |")
    else:
        widths = [max(len(h), *(len(b[i]) for b in body)) for i, h in enumerate(HEAD)]
        print("  ".join(h.ljust(w) for h, w in zip(HEAD, widths)))
        for b in body:
            print("  ".join(c.ljust(w) for c, w in zip(b, widths)))
    print()
    if not notes:
        return
    print("offset: median of measured - truth per clip (degrees); RMS / p95: per-frame error "
          "after removing it; dRMS / dp95: error of (rep k - rep 1) at the same phase point "
          "(half-way in, turnaround, half-way back); gain: slope of measured vs true change "
          "(shown when the true changes span >= 4 deg); r: per-frame correlation with the "
          "truth (offset removed); n/m: repsight's 2-D reading is blind in this view (the "
          "figures are those of the blind reading).")
    for r in rows:
        if r["not_measurable_in"]:
            print(f"  {r['measure']}/{r['source']}/{r['view']}: not measurable in "
                  + "; ".join(r["not_measurable_in"]))
    odd = [r for r in rows if r["detected_views"] != [r["view"]]]
    for r in odd:
        print(f"  {r['measure']}/{r['source']}/{r['view']}: repsight detected views "
              f"{r['detected_views']}")


# --------------------------------------------------------------------------- main
def all_clips(folder: Path, clips) -> list[tuple[str, Path, Path, Path]]:
    """(name, mp4, truth json, pose npz) of every clip to score that exists."""
    out = []
    for name, _ in clips:
        mp4, js = folder / f"{name}.mp4", folder / f"{name}.json"
        if mp4.exists() and js.exists():
            out.append((name, mp4, js, folder / f"{name}.pose.npz"))
    if SHARED.is_dir():
        for js in sorted(SHARED.glob("*.json")):
            mp4 = js.with_suffix(".mp4")
            if mp4.exists():
                out.append((f"shared_{js.stem}", mp4, js,
                            folder / "shared" / f"{js.stem}.pose.npz"))
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--no-render", action="store_true", help="score only what is cached")
    ap.add_argument("--render-only", action="store_true", help="render (and pose) and stop")
    ap.add_argument("--cache", default=None, help="cache root (default ~/.cache/repsight/synth)")
    ap.add_argument("--no-shared", action="store_true", help="leave out ../shared/synthetic")
    ap.add_argument("--markdown", action="store_true", help="print the table as markdown")
    ap.add_argument("--by-exercise", action="store_true",
                    help="also print the table split by exercise")
    ap.add_argument("--json", default=None, help="write the table (and per-clip figures) here")
    a = ap.parse_args(argv)
    sys.path.insert(0, str(ROOT / "src"))
    folder = cache_dir(a.cache)
    clips = precision_clips()
    if not a.no_render:
        render_missing(clips, folder)
    todo = all_clips(folder, clips)
    if a.no_shared:
        todo = [t for t in todo if not t[0].startswith("shared_")]
    recs: list[dict] = []
    t0 = time.time()
    for name, mp4, js, npz in todo:
        if a.no_render and not npz.exists():
            print(f"  {name}: no cached pose, skipped (run without --no-render)")
            continue
        npz.parent.mkdir(parents=True, exist_ok=True)
        fresh = not npz.exists()
        seq = load_pose(mp4, npz)
        if fresh:
            print(f"  posed {name} ({time.time() - t0:.0f} s)", flush=True)
        if a.render_only:
            continue
        truth = load_truth(js)
        if abs(len(truth["q"]) - len(seq.timestamps_s)) > 1:
            print(f"  {name}: {len(truth['q'])} truth frames vs {len(seq.timestamps_s)} "
                  "posed, skipped")
            continue
        recs.extend(score_clip(name, truth, seq))
    if a.render_only:
        return 0
    rows = table(recs)
    n = len({r["clip"] for r in recs})
    print(f"\nAngle precision per view: {n} clips ({folder}"
          f"{' + ../shared/synthetic' if not a.no_shared else ''}), degrees\n")
    print_table(rows, a.markdown)
    by_ex = table(recs, by_exercise=True)
    if a.by_exercise:
        print("\nThe same per exercise:\n")
        print_table(by_ex, a.markdown, notes=False)
    if a.json:
        per_clip = [{k: v for k, v in r.items() if k not in ("resid", "truth", "meas", "dm", "dt")}
                    | {"rms": float(np.sqrt(np.mean(np.square(r["resid"])))),
                       "d_rms": (float(np.sqrt(np.mean(np.square(np.subtract(r["dm"], r["dt"])))))
                                 if r["dm"] else None),
                       "dm": r["dm"], "dt": r["dt"]}
                    for r in recs]
        Path(a.json).write_text(json.dumps({"rows": rows, "by_exercise": by_ex,
                                            "clips": per_clip}, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
