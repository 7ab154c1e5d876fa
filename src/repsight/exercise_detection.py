"""Which exercise a clip shows, read from how the body moves (for --exercise auto)."""

from __future__ import annotations

import numpy as np

from .config import AnalysisConfig
from .kinematics import BOTH, body_scale_px, joint_angle, point_height, trunk_inclination
from .types import PoseSequence


def _robust_range(x: np.ndarray) -> float:
    """5th-95th percentile spread of the finite values (0 when there are none)."""
    x = x[np.isfinite(x)]
    return float(np.percentile(x, 95) - np.percentile(x, 5)) if x.size else 0.0


def detect_exercise(seq: PoseSequence, cfg: AnalysisConfig) -> tuple[str, str]:
    """Pick a profile from how the body moves; returns (profile name, reason).

    Body-relative movement features (in torso lengths or degrees, robust 5-95 % ranges)
    decide the family: legs bending (hip-to-ankle height), arms moving (wrist relative to
    the shoulder, elbow angle), the whole body moving (shoulder height with straight
    legs), and the torso's orientation (horizontal for push-ups and bench).
    """
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
