"""Pinhole camera placement and projection (numpy only).

World frame as in skeleton.py (+X forward of the lifter, +Y their left, +Z up). The
camera follows the OpenGL / pyrender convention: it looks down its own -Z axis with +Y
up; ``pose`` is its camera-to-world 4x4 matrix. Pixel (0, 0) is the top-left corner of
the top-left pixel, so a pixel's centre is at (i + 0.5, j + 0.5).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .spec import CameraSpec


@dataclass(frozen=True, eq=False)
class Camera:
    pose: np.ndarray  # 4x4 camera-to-world
    yfov_deg: float
    width: int
    height: int

    @property
    def fy(self) -> float:
        return 0.5 * self.height / np.tan(np.radians(self.yfov_deg) / 2.0)

    @property
    def fx(self) -> float:
        return self.fy  # square pixels

    @property
    def cx(self) -> float:
        return 0.5 * self.width

    @property
    def cy(self) -> float:
        return 0.5 * self.height

    @property
    def K(self) -> np.ndarray:
        return np.array([[self.fx, 0.0, self.cx], [0.0, self.fy, self.cy], [0.0, 0.0, 1.0]])

    def project(self, pts: np.ndarray) -> np.ndarray:
        """World points [...,3] -> pixel coordinates [...,2] (x right, y down)."""
        pts = np.asarray(pts, dtype=np.float64)
        R = self.pose[:3, :3]
        c = self.pose[:3, 3]
        pc = (pts - c) @ R  # world -> camera: R^T (p - c)
        depth = -pc[..., 2]
        x = self.cx + self.fx * pc[..., 0] / depth
        y = self.cy - self.fy * pc[..., 1] / depth
        return np.stack([x, y], axis=-1)

    def depth(self, pts: np.ndarray) -> np.ndarray:
        """Distance in front of the camera along its viewing axis (metres)."""
        pc = (np.asarray(pts, dtype=np.float64) - self.pose[:3, 3]) @ self.pose[:3, :3]
        return -pc[..., 2]

    def to_dict(self) -> dict:
        return {
            "pose_camera_to_world": self.pose.tolist(),
            "convention": "OpenGL: camera looks down its -Z, +Y up; world +X lifter "
                          "forward, +Y lifter's left, +Z up, floor at Z=0",
            "yfov_deg": self.yfov_deg,
            "width": self.width, "height": self.height,
            "fx": self.fx, "fy": self.fy, "cx": self.cx, "cy": self.cy,
            "K": self.K.tolist(),
        }


def look_at(eye: np.ndarray, target: np.ndarray, up: np.ndarray = np.array([0.0, 0.0, 1.0])) -> np.ndarray:
    """Camera-to-world pose of a camera at eye looking at target."""
    eye = np.asarray(eye, dtype=np.float64)
    f = np.asarray(target, dtype=np.float64) - eye
    f /= np.linalg.norm(f)
    r = np.cross(f, up)
    r /= np.linalg.norm(r)
    u = np.cross(r, f)
    M = np.eye(4)
    M[:3, 0], M[:3, 1], M[:3, 2], M[:3, 3] = r, u, -f, eye
    return M


def place_camera(spec: CameraSpec, width: int, height: int,
                 points: np.ndarray) -> Camera:
    """Aim the camera at the box the body sweeps over the set ([N,3] points).

    The camera stands at spec.azimuth around the lifter, spec.height_m above the floor,
    and spec.distance_m (horizontally) from the middle of that box; it looks at the box
    centre (or spec.look_at_height_m when it is not None). If the distance would cut the
    body off, the camera backs off until the box fills at most 85 % of the frame.
    """
    lo, hi = points.min(axis=0), points.max(axis=0)
    centre = 0.5 * (lo + hi)
    target = centre.copy()
    if spec.look_at_height_m is not None:
        target[2] = spec.look_at_height_m
    az = np.radians(spec.azimuth)
    horiz = np.array([np.cos(az), np.sin(az), 0.0])
    aspect = width / height
    tan_y = np.tan(np.radians(spec.yfov_deg) / 2.0)
    dist = spec.distance_m
    corners = np.array([[x, y, z] for x in (lo[0], hi[0]) for y in (lo[1], hi[1])
                        for z in (max(lo[2], 0.0), hi[2])])
    for _ in range(60):
        eye = target + horiz * dist
        eye[2] = spec.height_m
        cam = Camera(look_at(eye, target), spec.yfov_deg, width, height)
        px = cam.project(corners)
        ok = (np.all(np.abs(px[:, 0] - cam.cx) <= 0.85 * cam.cx)
              and np.all(np.abs(px[:, 1] - cam.cy) <= 0.85 * cam.cy)
              and np.all(cam.depth(corners) > 0.3))
        if ok:
            return cam
        dist *= 1.08
    del aspect, tan_y
    return cam
