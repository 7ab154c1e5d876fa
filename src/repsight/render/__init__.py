"""repsight.render: rendered lifters with exact ground truth (optional ``[synth]`` extra).

Not imported by the core package. ``spec``, ``skeleton``, ``motion``, ``camera`` and
``truth`` are pure numpy; ``body`` (anny, torch) and ``renderer`` (pyrender, OSMesa)
load their heavy dependencies only when a clip is rendered.

    python -m repsight.render --exercise squat --view side --reps 5 \\
        --fault trunk_lean --fault-onset 4 -o squat.mp4
"""

from .spec import (BarbellSpec, BodySpec, CameraSpec, ClothingSpec, DegradeSpec, FaultSpec,
                   RenderSpec, TempoSpec)

__all__ = ["BarbellSpec", "BodySpec", "CameraSpec", "ClothingSpec", "DegradeSpec", "FaultSpec",
           "RenderSpec", "TempoSpec"]
