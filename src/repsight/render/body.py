"""The anny body: phenotype -> rest skeleton, per-vertex clothing colours, and posed
vertices for the segment rotations of motion.py.

Imports torch and anny, so only the renderer imports this module. Anny (Apache-2.0,
NAVER Corp.) builds a cache of about 800 MB on its first load; it goes to
$ANNY_CACHE_DIR, which defaults here to ~/.cache/repsight/anny.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .skeleton import SEGMENTS, RestSkeleton
from .spec import BodySpec, ClothingSpec

# anny's frame: +X the body's left, -Y forward, +Z up. Ours: +X forward, +Y left, +Z up.
ANNY_TO_WORLD = np.array([[0.0, -1.0, 0.0], [1.0, 0.0, 0.0], [0.0, 0.0, 1.0]])

# keypoints that are anny bone heads
BONE_KEYPOINTS = {
    "HIP_ROOT": "root", "LEFT_HIP": "upperleg01.L", "RIGHT_HIP": "upperleg01.R",
    "LEFT_KNEE": "lowerleg01.L", "RIGHT_KNEE": "lowerleg01.R",
    "LEFT_ANKLE": "foot.L", "RIGHT_ANKLE": "foot.R",
    "LEFT_FOOT_INDEX": "toe2-2.L", "RIGHT_FOOT_INDEX": "toe2-2.R",
    "LEFT_SHOULDER": "upperarm01.L", "RIGHT_SHOULDER": "upperarm01.R",
    "LEFT_ELBOW": "lowerarm01.L", "RIGHT_ELBOW": "lowerarm01.R",
    "LEFT_WRIST": "wrist.L", "RIGHT_WRIST": "wrist.R",
    "LEFT_INDEX": "finger2-2.L", "RIGHT_INDEX": "finger2-2.R",
    "NECK": "neck01", "HEAD": "head", "LEFT_EYE": "eye.L", "RIGHT_EYE": "eye.R",
}


def bone_segment(label: str) -> str:
    """Which rigid segment of skeleton.py an anny bone moves with."""
    side = label[-1] if label.endswith((".L", ".R")) else ""
    base = label[:-2] if side else label
    if base.startswith(("upperleg",)):
        return f"thigh_{side}"
    if base.startswith("lowerleg"):
        return f"shank_{side}"
    if base.startswith(("foot", "toe")):
        return f"foot_{side}"
    if base.startswith("upperarm"):
        return f"upperarm_{side}"
    if base.startswith("lowerarm"):
        return f"forearm_{side}"
    if base.startswith(("wrist", "finger", "metacarpal")):
        return f"hand_{side}"
    if base.startswith(("neck", "head", "eye")):
        return "head"
    return "trunk"  # root, pelvis, spine, clavicle, shoulder01


def default_cache_dir() -> Path:
    return Path(os.environ.get("ANNY_CACHE_DIR",
                               Path.home() / ".cache" / "repsight" / "anny"))


@dataclass(eq=False)
class Body:
    """One phenotype of the anny model, ready to pose."""

    model: object
    phenotype: dict
    rest_vertices_anny: np.ndarray  # [V,3]
    rest_rot: np.ndarray  # [J,3,3] rest bone orientations (anny frame)
    bone_seg: list[str]
    shift: np.ndarray  # world = ANNY_TO_WORLD @ anny + shift (feet on the floor)
    faces: np.ndarray  # [F,3]
    rest: RestSkeleton
    colors: np.ndarray  # [V,3] uint8

    def posed_vertices(self, rotations: dict[str, np.ndarray], root: np.ndarray) -> np.ndarray:
        """World vertices [T,V,3] for segment rotations {seg: [T,3,3]} and root [T,3]."""
        import torch

        T = root.shape[0]
        A = ANNY_TO_WORLD
        G = {s: np.einsum("ij,tjk,kl->til", A.T, np.broadcast_to(rotations[s], (T, 3, 3)), A)
             for s in SEGMENTS}
        J = len(self.bone_seg)
        D = np.zeros((T, J, 4, 4))
        for j, seg in enumerate(self.bone_seg):
            D[:, j, :3, :3] = G[seg] @ self.rest_rot[j]
        D[:, :, 3, 3] = 1.0
        D[:, 0, :3, 3] = (root - self.shift) @ A  # A^T (root - shift), row-vector form
        with torch.no_grad():
            out = self.model(pose_parameters=torch.from_numpy(D),
                             phenotype_kwargs={k: torch.tensor([v], dtype=torch.float64)
                                               for k, v in self.phenotype.items()})
        v = out["vertices"].numpy()
        return v @ A.T + self.shift


_MODEL = None


def load_model():
    """The anny model (world-orientation pose parameters, float64, CPU); cached."""
    global _MODEL
    if _MODEL is None:
        cache = default_cache_dir()
        cache.mkdir(parents=True, exist_ok=True)
        import anny
        import anny.paths
        import torch

        anny.paths.set_anny_cache_path(cache)

        model = anny.Anny(pose_parameterization="world-orient")
        _MODEL = model.to(torch.float64)
    return _MODEL


def make_body(body: BodySpec, clothing: ClothingSpec) -> Body:
    import torch

    model = load_model()
    ph = {"gender": body.gender, "age": body.age, "muscle": body.muscle,
          "weight": body.weight, "height": body.height}
    with torch.no_grad():
        out = model(phenotype_kwargs={k: torch.tensor([v], dtype=torch.float64)
                                      for k, v in ph.items()})
    labels = list(model.bone_labels)
    heads = out["rest_bone_heads"][0].numpy()
    rest_rot = out["rest_bone_poses"][0, :, :3, :3].numpy()
    verts = out["rest_vertices"][0].numpy()
    A = ANNY_TO_WORLD
    vw = verts @ A.T
    shift = np.array([0.0, 0.0, -vw[:, 2].min()])
    vw = vw + shift
    hw = heads @ A.T + shift
    pts = {k: hw[labels.index(b)] for k, b in BONE_KEYPOINTS.items()}
    # centre the feet on the origin
    mid = 0.5 * (pts["LEFT_ANKLE"] + pts["RIGHT_ANKLE"])
    shift = shift - np.array([mid[0], mid[1], 0.0])
    vw = vw - np.array([mid[0], mid[1], 0.0])
    pts = {k: p - np.array([mid[0], mid[1], 0.0]) for k, p in pts.items()}

    weights = model.vertex_bone_weights.numpy()
    idx = model.vertex_bone_indices.numpy()
    dom = idx[np.arange(len(idx)), weights.argmax(axis=1)]
    dom_label = np.array(labels)[dom]
    # virtual keypoints read off the mesh: nose tip, ears, heels
    head = np.array([bone_segment(l) == "head" for l in dom_label])
    hv = vw[head]
    pts["NOSE"] = hv[np.argmax(hv[:, 0])]
    eye_z = pts["LEFT_EYE"][2]
    band = hv[np.abs(hv[:, 2] - (eye_z - 0.02)) < 0.02]
    pts["LEFT_EAR"] = band[np.argmax(band[:, 1])]
    pts["RIGHT_EAR"] = band[np.argmin(band[:, 1])]
    for side, s in (("LEFT", "L"), ("RIGHT", "R")):
        fv = vw[np.array([l == f"foot.{s}" for l in dom_label])]
        low = fv[fv[:, 2] < fv[:, 2].min() + 0.03]
        pts[f"{side}_HEEL"] = low[np.argmin(low[:, 0])]
    rest = RestSkeleton({k: np.asarray(v, dtype=np.float64) for k, v in pts.items()})

    colors = _clothing_colors(vw, dom_label, pts, clothing)
    faces = model.get_triangular_faces().numpy()
    return Body(model, ph, verts, rest_rot, [bone_segment(l) for l in labels], shift,
                faces, rest, colors)


def _clothing_colors(vw: np.ndarray, dom_label: np.ndarray, pts: dict,
                     c: ClothingSpec) -> np.ndarray:
    """Per-vertex colours: T-shirt with short sleeves, shorts, shoes, hair, skin."""
    col = np.empty((len(vw), 3), dtype=np.uint8)
    col[:] = c.skin
    seg = np.array([bone_segment(l) for l in dom_label])
    z = vw[:, 2]
    hip_z = pts["LEFT_HIP"][2]
    knee_z = pts["LEFT_KNEE"][2]
    shirt = (seg == "trunk") & (z > hip_z + 0.02)
    for side in ("L", "R"):
        sh = pts["LEFT_SHOULDER" if side == "L" else "RIGHT_SHOULDER"]
        el = pts["LEFT_ELBOW" if side == "L" else "RIGHT_ELBOW"]
        axis = el - sh
        t = (vw - sh) @ axis / (axis @ axis)
        shirt |= (seg == f"upperarm_{side}") & (t < 0.55)
    shorts = ((seg == "trunk") & (z <= hip_z + 0.02)) | (
        np.isin(seg, ["thigh_L", "thigh_R"]) & (z > knee_z + 0.12))
    shoes = np.isin(seg, ["foot_L", "foot_R"]) | (
        np.isin(seg, ["shank_L", "shank_R"]) & (z < pts["LEFT_ANKLE"][2] + 0.03))
    head = seg == "head"
    eye = pts["LEFT_EYE"]
    hair = head & ((z > eye[2] + 0.045) | ((vw[:, 0] < pts["HEAD"][0] - 0.02) & (z > eye[2] - 0.06)))
    col[shirt] = c.shirt
    col[shorts] = c.shorts
    col[shoes] = c.shoes
    col[hair] = c.hair
    return col
