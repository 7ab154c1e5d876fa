"""BlazePose landmark indices, joint triplets and skeleton edges: data only."""

from __future__ import annotations

from enum import IntEnum


class LM(IntEnum):
    """The 33 BlazePose landmarks in MediaPipe's order."""

    NOSE = 0
    LEFT_EYE_INNER = 1
    LEFT_EYE = 2
    LEFT_EYE_OUTER = 3
    RIGHT_EYE_INNER = 4
    RIGHT_EYE = 5
    RIGHT_EYE_OUTER = 6
    LEFT_EAR = 7
    RIGHT_EAR = 8
    MOUTH_LEFT = 9
    MOUTH_RIGHT = 10
    LEFT_SHOULDER = 11
    RIGHT_SHOULDER = 12
    LEFT_ELBOW = 13
    RIGHT_ELBOW = 14
    LEFT_WRIST = 15
    RIGHT_WRIST = 16
    LEFT_PINKY = 17
    RIGHT_PINKY = 18
    LEFT_INDEX = 19
    RIGHT_INDEX = 20
    LEFT_THUMB = 21
    RIGHT_THUMB = 22
    LEFT_HIP = 23
    RIGHT_HIP = 24
    LEFT_KNEE = 25
    RIGHT_KNEE = 26
    LEFT_ANKLE = 27
    RIGHT_ANKLE = 28
    LEFT_HEEL = 29
    RIGHT_HEEL = 30
    LEFT_FOOT_INDEX = 31
    RIGHT_FOOT_INDEX = 32


NUM_LANDMARKS = 33

# Channels of the image-landmark array.
X, Y, Z, VISIBILITY, PRESENCE = range(5)

# Joint angle = angle at the middle landmark; "{side}" is filled with LEFT or RIGHT.
JOINT_TRIPLETS: dict[str, tuple[str, str, str]] = {
    "knee": ("{side}_HIP", "{side}_KNEE", "{side}_ANKLE"),
    "hip": ("{side}_SHOULDER", "{side}_HIP", "{side}_KNEE"),
    "elbow": ("{side}_SHOULDER", "{side}_ELBOW", "{side}_WRIST"),
    "shoulder": ("{side}_HIP", "{side}_SHOULDER", "{side}_ELBOW"),
    "ankle": ("{side}_KNEE", "{side}_ANKLE", "{side}_FOOT_INDEX"),
}


def side_landmark(template: str, side: str) -> LM:
    """Resolve a '{side}_KNEE' style template for side 'LEFT' or 'RIGHT'."""
    return LM[template.format(side=side)]


# Skeleton edges for drawing (torso, arms, legs, a short head segment).
SKELETON_EDGES: tuple[tuple[LM, LM], ...] = (
    (LM.LEFT_SHOULDER, LM.RIGHT_SHOULDER),
    (LM.LEFT_HIP, LM.RIGHT_HIP),
    (LM.LEFT_SHOULDER, LM.LEFT_HIP),
    (LM.RIGHT_SHOULDER, LM.RIGHT_HIP),
    (LM.LEFT_SHOULDER, LM.LEFT_ELBOW),
    (LM.LEFT_ELBOW, LM.LEFT_WRIST),
    (LM.RIGHT_SHOULDER, LM.RIGHT_ELBOW),
    (LM.RIGHT_ELBOW, LM.RIGHT_WRIST),
    (LM.LEFT_HIP, LM.LEFT_KNEE),
    (LM.LEFT_KNEE, LM.LEFT_ANKLE),
    (LM.RIGHT_HIP, LM.RIGHT_KNEE),
    (LM.RIGHT_KNEE, LM.RIGHT_ANKLE),
    (LM.LEFT_ANKLE, LM.LEFT_HEEL),
    (LM.LEFT_HEEL, LM.LEFT_FOOT_INDEX),
    (LM.RIGHT_ANKLE, LM.RIGHT_HEEL),
    (LM.RIGHT_HEEL, LM.RIGHT_FOOT_INDEX),
    (LM.NOSE, LM.LEFT_EAR),
    (LM.NOSE, LM.RIGHT_EAR),
)
