"""A rigid-segment skeleton in the canonical world frame, pure numpy.

World frame (metres): +X is the lifter's forward, +Y their left, +Z up; the floor is
Z = 0. Every keypoint rides on one rigid segment; a segment is posed by a world
rotation G (3x3) and hangs from its origin keypoint, which belongs to its parent. The
anny body is posed with exactly these rotations (see body.py), so the keypoints here are
the rendered body's joint centres, and the truth can be evaluated at any time without
torch.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

# segment -> (parent, origin keypoint)
SEGMENTS: dict[str, tuple[str | None, str]] = {
    "trunk": (None, "HIP_ROOT"),
    "head": ("trunk", "NECK"),
    "upperarm_L": ("trunk", "LEFT_SHOULDER"),
    "forearm_L": ("upperarm_L", "LEFT_ELBOW"),
    "hand_L": ("forearm_L", "LEFT_WRIST"),
    "upperarm_R": ("trunk", "RIGHT_SHOULDER"),
    "forearm_R": ("upperarm_R", "RIGHT_ELBOW"),
    "hand_R": ("forearm_R", "RIGHT_WRIST"),
    "thigh_L": ("trunk", "LEFT_HIP"),
    "shank_L": ("thigh_L", "LEFT_KNEE"),
    "foot_L": ("shank_L", "LEFT_ANKLE"),
    "thigh_R": ("trunk", "RIGHT_HIP"),
    "shank_R": ("thigh_R", "RIGHT_KNEE"),
    "foot_R": ("shank_R", "RIGHT_ANKLE"),
}

# keypoint -> segment it is rigidly attached to
KEYPOINT_SEGMENT: dict[str, str] = {
    "HIP_ROOT": "trunk", "LEFT_HIP": "trunk", "RIGHT_HIP": "trunk",
    "LEFT_SHOULDER": "trunk", "RIGHT_SHOULDER": "trunk", "NECK": "trunk",
    "HEAD": "head", "NOSE": "head", "LEFT_EYE": "head", "RIGHT_EYE": "head",
    "LEFT_EAR": "head", "RIGHT_EAR": "head",
    "LEFT_ELBOW": "upperarm_L", "LEFT_WRIST": "forearm_L", "LEFT_INDEX": "hand_L",
    "RIGHT_ELBOW": "upperarm_R", "RIGHT_WRIST": "forearm_R", "RIGHT_INDEX": "hand_R",
    "LEFT_KNEE": "thigh_L", "LEFT_ANKLE": "shank_L",
    "LEFT_HEEL": "foot_L", "LEFT_FOOT_INDEX": "foot_L",
    "RIGHT_KNEE": "thigh_R", "RIGHT_ANKLE": "shank_R",
    "RIGHT_HEEL": "foot_R", "RIGHT_FOOT_INDEX": "foot_R",
}

# Rest keypoints of anny's default body (gender 0.9, age 0.5, muscle 0.6, weight 0.5,
# height 0.55) in the world frame, feet on the floor; used when no body model is loaded
# (unit tests, planning). body.py measures the real ones for each phenotype.
DEFAULT_REST: dict[str, tuple[float, float, float]] = {
    "HIP_ROOT": (0.0162, 0.0, 0.8843),
    "LEFT_HIP": (0.0184, 0.0972, 0.8635), "RIGHT_HIP": (0.0184, -0.0972, 0.8635),
    "LEFT_KNEE": (0.0442, 0.1338, 0.4643), "RIGHT_KNEE": (0.0442, -0.1338, 0.4643),
    "LEFT_ANKLE": (0.0028, 0.1673, 0.0728), "RIGHT_ANKLE": (0.0028, -0.1673, 0.0728),
    "LEFT_HEEL": (-0.0480, 0.1702, 0.0264), "RIGHT_HEEL": (-0.0480, -0.1702, 0.0264),
    "LEFT_FOOT_INDEX": (0.1589, 0.1655, 0.0213), "RIGHT_FOOT_INDEX": (0.1589, -0.1655, 0.0213),
    "LEFT_SHOULDER": (0.0177, 0.1536, 1.2935), "RIGHT_SHOULDER": (0.0177, -0.1536, 1.2935),
    "LEFT_ELBOW": (0.0219, 0.3244, 1.1026), "RIGHT_ELBOW": (0.0219, -0.3244, 1.1026),
    "LEFT_WRIST": (0.1708, 0.4375, 0.9881), "RIGHT_WRIST": (0.1708, -0.4375, 0.9881),
    "LEFT_INDEX": (0.2834, 0.4672, 0.9341), "RIGHT_INDEX": (0.2834, -0.4672, 0.9341),
    "NECK": (0.0036, 0.0, 1.3804), "HEAD": (0.0367, 0.0, 1.4821),
    "NOSE": (0.1555, 0.0, 1.4856),
    "LEFT_EYE": (0.1122, 0.0296, 1.5207), "RIGHT_EYE": (0.1122, -0.0296, 1.5207),
    "LEFT_EAR": (0.0277, 0.0853, 1.5130), "RIGHT_EAR": (0.0277, -0.0853, 1.5130),
}

# Keypoints reported in the truth, named like MediaPipe's landmarks.
TRUTH_KEYPOINTS = (
    "NOSE", "LEFT_EYE", "RIGHT_EYE", "LEFT_EAR", "RIGHT_EAR",
    "LEFT_SHOULDER", "RIGHT_SHOULDER", "LEFT_ELBOW", "RIGHT_ELBOW",
    "LEFT_WRIST", "RIGHT_WRIST", "LEFT_INDEX", "RIGHT_INDEX",
    "LEFT_HIP", "RIGHT_HIP", "LEFT_KNEE", "RIGHT_KNEE", "LEFT_ANKLE", "RIGHT_ANKLE",
    "LEFT_HEEL", "RIGHT_HEEL", "LEFT_FOOT_INDEX", "RIGHT_FOOT_INDEX",
)


@dataclass(frozen=True, eq=False)
class RestSkeleton:
    """Rest keypoints (name -> float[3], world frame, feet on the floor)."""

    points: dict[str, np.ndarray]

    def __post_init__(self) -> None:
        missing = set(KEYPOINT_SEGMENT) - set(self.points)
        if missing:
            raise ValueError(f"rest skeleton lacks keypoints {sorted(missing)}")

    @classmethod
    def default(cls) -> "RestSkeleton":
        return cls({k: np.asarray(v, dtype=np.float64) for k, v in DEFAULT_REST.items()})

    def length(self, a: str, b: str) -> float:
        return float(np.linalg.norm(self.points[a] - self.points[b]))


def rot_axis(axis: np.ndarray, angle: np.ndarray) -> np.ndarray:
    """Rotation matrices [..., 3, 3] about unit axis [..., 3] by angle [...] (radians)."""
    axis = np.asarray(axis, dtype=np.float64)
    angle = np.asarray(angle, dtype=np.float64)
    axis = axis / np.linalg.norm(axis, axis=-1, keepdims=True)
    shape = np.broadcast_shapes(axis.shape[:-1], angle.shape)
    axis = np.broadcast_to(axis, shape + (3,))
    angle = np.broadcast_to(angle, shape)
    x, y, z = axis[..., 0], axis[..., 1], axis[..., 2]
    c, s = np.cos(angle), np.sin(angle)
    C = 1.0 - c
    R = np.empty(shape + (3, 3))
    R[..., 0, 0] = c + x * x * C
    R[..., 0, 1] = x * y * C - z * s
    R[..., 0, 2] = x * z * C + y * s
    R[..., 1, 0] = y * x * C + z * s
    R[..., 1, 1] = c + y * y * C
    R[..., 1, 2] = y * z * C - x * s
    R[..., 2, 0] = z * x * C - y * s
    R[..., 2, 1] = z * y * C + x * s
    R[..., 2, 2] = c + z * z * C
    return R


def pitch(deg: np.ndarray) -> np.ndarray:
    """Rotation about the lateral +Y axis; positive tips an up-pointing segment forward."""
    return rot_axis(np.array([0.0, 1.0, 0.0]), np.radians(deg))


def min_rotation(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Smallest rotations [..., 3, 3] taking directions a [..., 3] onto b [..., 3]."""
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    a = a / np.linalg.norm(a, axis=-1, keepdims=True)
    b = b / np.linalg.norm(b, axis=-1, keepdims=True)
    a, b = np.broadcast_arrays(a, b)
    axis = np.cross(a, b)
    s = np.linalg.norm(axis, axis=-1)
    c = np.sum(a * b, axis=-1)
    # Opposite or equal directions: pick any axis perpendicular to a.
    fallback = np.cross(a, np.array([0.0, 0.0, 1.0]))
    bad = np.linalg.norm(fallback, axis=-1) < 1e-9
    fallback[bad] = np.cross(a[bad], np.array([1.0, 0.0, 0.0]))
    axis = np.where((s < 1e-9)[..., None], fallback, axis)
    return rot_axis(axis, np.arctan2(s, c))


def forward_kinematics(rest: RestSkeleton, rotations: dict[str, np.ndarray],
                       root: np.ndarray) -> dict[str, np.ndarray]:
    """Posed keypoints.

    rotations: segment -> [T,3,3] world rotation (missing segments follow their parent);
    root: [T,3] posed position of HIP_ROOT. Returns keypoint -> [T,3].
    """
    root = np.asarray(root, dtype=np.float64)
    T = root.shape[0]
    G: dict[str, np.ndarray] = {}
    origin: dict[str, np.ndarray] = {}
    out: dict[str, np.ndarray] = {}
    for seg, (parent, okp) in SEGMENTS.items():  # parents come first in SEGMENTS
        if seg in rotations:
            G[seg] = np.broadcast_to(rotations[seg], (T, 3, 3))
        elif parent is not None:
            G[seg] = G[parent]
        else:
            G[seg] = np.broadcast_to(np.eye(3), (T, 3, 3))
        origin[seg] = root if parent is None else out[okp]
        if parent is None:
            out[okp] = root
        for kp, s in KEYPOINT_SEGMENT.items():
            if s == seg and kp != okp:
                off = rest.points[kp] - rest.points[okp]
                out[kp] = origin[seg] + G[seg] @ off
    return out


def segment_rotations_complete(rotations: dict[str, np.ndarray], T: int) -> dict[str, np.ndarray]:
    """Fill in segments that follow their parent, so every segment has [T,3,3]."""
    full: dict[str, np.ndarray] = {}
    for seg, (parent, _) in SEGMENTS.items():
        if seg in rotations:
            full[seg] = np.broadcast_to(rotations[seg], (T, 3, 3))
        elif parent is not None:
            full[seg] = full[parent]
        else:
            full[seg] = np.broadcast_to(np.eye(3), (T, 3, 3))
    return full
