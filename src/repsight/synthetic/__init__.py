"""Seeded synthetic pose sequences with ground truth, for tests and benchmarks.

Two generators share one rep planner (`planning`: `RepPlan`, `plan_set`, `schedule`):
- `stick`: `synthesize(profile, reps)` poses a side-view stick figure (`figure`) for every
  exercise profile, with truth to the frame (`SyntheticTruth`).
- `lifter`: `make_squat_set(...)` moves a metric squatter seen from the side or the front,
  with knee cave, a stalled rep and exact velocity truth (`SquatTruth`).
`repsight.render` is the separate, optional photoreal renderer.
"""

from .figure import FAULTS, JOINTS
from .lifter import SquatTruth, make_squat_set
from .planning import RepPlan, RepTiming, plan_set, schedule
from .stick import RepTruth, SyntheticTruth, synthesize

__all__ = ["FAULTS", "JOINTS", "RepPlan", "RepTiming", "RepTruth", "SquatTruth", "SyntheticTruth",
           "make_squat_set", "plan_set", "schedule", "synthesize"]
