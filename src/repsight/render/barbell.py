"""Where the barbell is on every frame: its middle and its axis, from the posed body.

Pure numpy. The bar rides rigidly with the body: in the hands (the grip point of each
hand, a fixed share of the way from the wrist to the index knuckle) or, in a back squat,
on the upper back (a fixed point of the trunk segment below and behind the neck). Its
plates sit at fixed distances along the axis, so the near plate's centre, the point the
bar tracker follows, is exact by construction.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .spec import BarbellSpec

# The bar crosses the palm this share of the way from the wrist joint to the index
# finger's middle joint (about 7 cm on the default body).
GRIP_SHARE = 0.55
# High-bar back squat: the bar's middle rests on the upper trapezius, this far from the
# base of the neck in the trunk's rest frame (metres: +X forward, +Z up).
BACK_BAR_OFFSET = np.array([-0.075, 0.0, -0.045])


@dataclass(frozen=True, eq=False)
class BarPose:
    """centre: float[T,3] middle of the bar (world metres); axis: float[T,3] unit vector
    along the bar towards the lifter's left plate."""

    centre: np.ndarray
    axis: np.ndarray

    def point(self, along_m: float) -> np.ndarray:
        """float[T,3] the point `along_m` metres from the middle towards the left end."""
        return self.centre + along_m * self.axis


def hand_grip(kp: dict[str, np.ndarray], side: str) -> np.ndarray:
    """float[T,3] where the bar crosses the palm of the LEFT or RIGHT hand."""
    w = kp[f"{side}_WRIST"]
    return w + GRIP_SHARE * (kp[f"{side}_INDEX"] - w)


def bar_in_hands(kp: dict[str, np.ndarray]) -> BarPose:
    """The bar through both hands' grip points."""
    left, right = hand_grip(kp, "LEFT"), hand_grip(kp, "RIGHT")
    axis = left - right
    return BarPose(0.5 * (left + right), axis / np.linalg.norm(axis, axis=-1, keepdims=True))


def bar_on_back(kp: dict[str, np.ndarray], trunk: np.ndarray) -> BarPose:
    """The bar on the upper back: a fixed point of the trunk [T,3,3 rotations]."""
    trunk = np.broadcast_to(trunk, (len(kp["NECK"]), 3, 3))
    centre = kp["NECK"] + trunk @ BACK_BAR_OFFSET
    axis = trunk @ np.array([0.0, 1.0, 0.0])
    return BarPose(centre, axis)


def plate_centres(bar: BarPose, spec: BarbellSpec) -> tuple[np.ndarray, np.ndarray]:
    """(left, right) plate centres, float[T,3] each."""
    d = spec.plate_offset_m
    return bar.point(d), bar.point(-d)
