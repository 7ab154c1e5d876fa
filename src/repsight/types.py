"""Frozen dataclasses that flow between pipeline stages, validated on construction."""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from .landmarks import NUM_LANDMARKS

if TYPE_CHECKING:
    import numpy as np

# numpy is imported by the methods that use it: VideoInfo is all `repsight info` needs,
# and importing numpy would double that command's time. A stage that holds a
# PoseSequence has numpy loaded already, so those imports cost a dictionary lookup.


# A capture rate this many times the playback rate or more is slow motion (a tag within
# rounding of the playback rate is a real-time file).
SLOW_MOTION_MIN_RATIO = 1.2


def slow_motion_ratio(capture_fps: float | None, playback_fps: float) -> float | None:
    """How many times slower than life a file plays (2.0: filmed at 60 fps, stored to play
    at 30), from the capture rate it states; None for a file that plays in real time or
    does not say."""
    if capture_fps is None or not capture_fps > SLOW_MOTION_MIN_RATIO * playback_fps:
        return None
    return capture_fps / playback_fps


# Where a fault measure was read from, as a coach reads it ("read from ..."): the verdicts'
# evidence in the report, and an angle's reason when its fault is read instead.
FAULT_SOURCE_WORDS: dict[str, str] = {
    "image": "the picture (2-D landmarks)", "world": "3-D landmarks (an estimate)",
    "foreshortening": "the torso's foreshortening, head-on",
    "forward_foreshortening": "the torso's foreshortening, head-on"}


@dataclass(frozen=True)
class VideoInfo:
    """What the container says about a video, after honouring rotation."""

    path: str
    width: int  # as displayed, after rotation
    height: int
    fps: float  # nominal (average) frame rate; per-frame times live in timestamps
    frame_count: int  # from the container; may be an estimate for some formats
    duration_s: float
    rotation: int  # degrees clockwise applied to decoded frames to show them upright
    codec: str = ""
    variable_frame_rate: bool = False
    video_streams: int = 1  # the first is the one read; a second angle would be ignored
    timestamped: bool = True  # False: no packet carries a time (a raw H.264 stream)
    # The rate the camera filmed at, when the file says (a phone's slow motion: filmed at
    # 120 fps, stored to play at 30); None when it does not
    capture_fps: float | None = None
    # What the file's display matrix asked for that is not applied (a mirror, a turn that
    # is not a quarter turn, an empty matrix), for a warning; "" when nothing was.
    display_note: str = ""

    @property
    def slow_motion(self) -> float | None:
        """How many times slower than life the file plays (slow_motion_ratio)."""
        return slow_motion_ratio(self.capture_fps, self.fps)

    def __post_init__(self) -> None:
        if self.width <= 0 or self.height <= 0:
            raise ValueError(f"bad frame size {self.width}x{self.height}")
        if not math.isfinite(self.fps) or self.fps <= 0:
            raise ValueError(f"bad fps {self.fps!r}")
        if self.rotation not in (0, 90, 180, 270):
            raise ValueError(f"rotation must be 0/90/180/270, got {self.rotation}")

    def turned(self, turn: int) -> "VideoInfo":
        """The same video with its picture turned `turn` degrees clockwise more (0, 90,
        180, 270): a clip exported sideways, turned upright on reading (AnalysisConfig.rotate)."""
        if turn not in (0, 90, 180, 270):
            raise ValueError(f"turn must be 0/90/180/270, got {turn}")
        if not turn:
            return self
        w, h = (self.height, self.width) if turn in (90, 270) else (self.width, self.height)
        return dataclasses.replace(self, width=w, height=h, rotation=(self.rotation + turn) % 360)


@dataclass(frozen=True, eq=False)
class PoseSequence:
    """Per-frame pose landmarks of one clip; NaN rows where no person was found.

    image: float32[T,33,5] normalised image coords (x, y in 0..1 of width/height, z,
    visibility, presence); world: float32[T,33,3] metres, hip-centred;
    timestamps_s: float64[T] strictly increasing presentation times.
    """

    image: np.ndarray
    world: np.ndarray
    timestamps_s: np.ndarray
    fps: float
    width: int
    height: int
    source: str = ""
    content_hash: str = ""
    model: str = ""
    rotation: int = 0
    meta: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        import numpy as np

        t = len(self.timestamps_s)
        if self.image.shape != (t, NUM_LANDMARKS, 5):
            raise ValueError(f"image landmarks must be ({t},33,5), got {self.image.shape}")
        if self.world.shape != (t, NUM_LANDMARKS, 3):
            raise ValueError(f"world landmarks must be ({t},33,3), got {self.world.shape}")
        if t > 1 and not np.all(np.diff(self.timestamps_s) > 0):
            raise ValueError("timestamps_s must be strictly increasing")
        if not np.isfinite(self.fps) or self.fps <= 0:
            raise ValueError(f"bad fps {self.fps!r}")
        if self.width <= 0 or self.height <= 0:
            raise ValueError(f"bad frame size {self.width}x{self.height}")

    @property
    def n_frames(self) -> int:
        """Number of frames."""
        return len(self.timestamps_s)

    @property
    def detected(self) -> np.ndarray:
        """bool[T]: a person was found on that frame."""
        import numpy as np

        return ~np.isnan(self.image[:, 0, 0])

    @property
    def detection_rate(self) -> float:
        """Share of frames with a person found (0 for an empty sequence)."""
        return float(self.detected.mean()) if self.n_frames else 0.0

    @property
    def clip_times_s(self) -> np.ndarray:
        """float64[T] each frame's time from the first frame's, as a player and the rep
        table tell it (a file's timestamps may start anywhere: an MPEG-TS clip at 1.47 s)."""
        import numpy as np

        t = np.asarray(self.timestamps_s, dtype=np.float64)
        return t - t[0] if len(t) else t

    @property
    def duration_s(self) -> float:
        """Time from the first frame to one frame past the last."""
        if self.n_frames == 0:
            return 0.0
        return float(self.timestamps_s[-1] - self.timestamps_s[0] + 1.0 / self.fps)

    def pixels(self, landmark: int) -> np.ndarray:
        """float64[T,2] pixel coordinates of one landmark (NaN where missing)."""
        import numpy as np

        xy = self.image[:, landmark, :2].astype(np.float64)
        return xy * np.array([self.width, self.height], dtype=np.float64)

    def slice(self, start: int, stop: int) -> "PoseSequence":
        """Frames [start, stop) as a new sequence (shares metadata)."""
        return PoseSequence(
            image=self.image[start:stop], world=self.world[start:stop],
            timestamps_s=self.timestamps_s[start:stop], fps=self.fps, width=self.width,
            height=self.height, source=self.source, content_hash=self.content_hash,
            model=self.model, rotation=self.rotation, meta=dict(self.meta),
        )

    @property
    def name(self) -> str:
        """Short name of the source clip."""
        return Path(self.source).name if self.source else "<memory>"


def picture_turn(seq: PoseSequence) -> int:
    """The turn (degrees clockwise, beyond the file's rotation flag) the poses were read
    with: every later read of the video (bar pass, annotation, stills) must match it."""
    return int(seq.meta.get("turn", 0) or 0)


def slow_motion(seq: PoseSequence) -> float:
    """How many times slower than life the video file plays (1.0: real time): the poses
    are timed as lifted (pose.extract_pose), so a later read of the video matches its
    frames at the sequence's times multiplied by this."""
    return float(seq.meta.get("slow_motion", 1.0) or 1.0)


@dataclass(frozen=True)
class Rep:
    """One repetition as frame indices into its PoseSequence (inclusive, start <= ... <= end).

    Phases are in the order they happen: eccentric-first lifts (squat, bench, push-up)
    run eccentric -> bottom pause -> concentric -> top pause; concentric-first lifts
    (deadlift, curl, pull-up, press from the rack) run concentric -> top pause ->
    eccentric -> bottom pause. A pause is the gap between the two moving phases it
    separates (zero frames when there is none); the trailing pause runs to `end`.
    `turnaround` is the frame where the moving point reverses between the two phases.
    """

    index: int  # 1-based within the set
    start: int
    end: int
    turnaround: int
    eccentric: tuple[int, int]
    concentric: tuple[int, int]
    eccentric_first: bool
    rom: float = float("nan")  # range of motion of the driving signal, in its own units
    rom_share: float = 1.0  # rom / the full rom of its run between rests (else the set's)
    partial: bool = False
    completed: bool = True  # False: started but not brought back to lockout
    # (first, last) frames inside the movement where the pose was lost for longer than
    # smoothing bridges (the bottom of a squat behind the plates): the rep is counted, but
    # the phases these frames touch are not timed and its velocity is not measured
    unseen: tuple[int, int] | None = None
    # The clip (or the tracking, after a gap it cannot bridge) begins inside this rep: its
    # first phase was already under way on the first frame, so that phase is not timed,
    # and the rep sets no baseline; its form is read on its second phase only (form_phases)
    cut_start: bool = False
    # The clip (or the tracking) ends inside this rep, away from rest: the phase running
    # into the last frame is not timed, the rep sets no baseline, and its form is read on
    # its first phase only (form_phases; a concentric failure needs its own evidence, see
    # verdicts)
    cut_end: bool = False

    def __post_init__(self) -> None:
        if self.index < 1:
            raise ValueError(f"rep index is 1-based, got {self.index}")
        if self.unseen is not None and not self.start <= self.unseen[0] <= self.unseen[1] <= self.end:
            raise ValueError(f"rep {self.index}: unseen {self.unseen} outside {self.start}..{self.end}")
        if not self.start <= self.end:
            raise ValueError(f"rep {self.index}: start {self.start} after end {self.end}")
        for name, (a, b) in (("eccentric", self.eccentric), ("concentric", self.concentric)):
            if not (self.start <= a <= b <= self.end):
                raise ValueError(f"rep {self.index}: {name} {a}..{b} outside {self.start}..{self.end}")
        if not self.start <= self.turnaround <= self.end:
            raise ValueError(f"rep {self.index}: turnaround {self.turnaround} outside the rep")

    def sees(self, frames: tuple[int, int]) -> bool:
        """False when the frames a..b (inclusive) touch the unseen stretch (overlap it or end
        on the frame next to it): what happened there is a straight line across a gap, and
        a phase boundary placed at a gap's edge is where the line met the track. False too
        for a stretch from the rep's first frame when the clip began inside it (cut_start),
        or to its last frame when the clip ended inside it (cut_end)."""
        if (self.cut_start and frames[0] <= self.start + 1) or (self.cut_end and frames[1] >= self.end - 1):
            return False
        return self.unseen is None or frames[1] < self.unseen[0] - 1 or frames[0] > self.unseen[1] + 1

    @property
    def counted(self) -> bool:
        """Counted in the set's rep count: brought to lockout at its full range (the rule
        every stage that counts, baselines or reads the set's usual framing goes by)."""
        return self.completed and not self.partial

    def rested_before(self, following: "Rep | None") -> bool:
        """Whether the lifter rested between this rep and `following` (the set's next rep;
        None when none follows): a rep's trailing pause runs to the next rep's start unless
        the gap was longer than a pause (AnalysisConfig.max_pause_s), or the tracking was
        lost between them."""
        return following is not None and following.start > self.end

    @property
    def seen_whole(self) -> bool:
        """Seen from its start to its end: no unseen frames, not begun before the clip nor
        ended after it."""
        return self.unseen is None and not self.cut_start and not self.cut_end

    @property
    def form_phases(self) -> tuple[bool, bool]:
        """Whether each moving phase, in the order they happen, was seen from its start to
        its end, so the rep's form can be read on it: both for a rep seen whole; the first
        only when the clip ends inside the rep (cut_end: a pull held at lockout until the
        end), the second only when the clip began inside it (cut_start); neither with
        unseen frames (a gap's edges carry the smoother's extrapolation)."""
        if self.unseen is not None:
            return False, False
        return not self.cut_start, not self.cut_end

    @property
    def bottom_pause(self) -> tuple[int, int]:
        """Frames between lowering and lifting (the stretched position)."""
        if self.eccentric_first:
            return self.eccentric[1], self.concentric[0]
        return self.eccentric[1], self.end

    @property
    def top_pause(self) -> tuple[int, int]:
        """Frames between lifting and lowering (lockout / contracted position)."""
        if self.eccentric_first:
            return self.concentric[1], self.end
        return self.concentric[1], self.eccentric[0]


@dataclass(frozen=True)
class RepTempo:
    """Phase durations of one rep in seconds, in tempo order (eccentric, bottom, concentric, top)."""

    eccentric_s: float
    bottom_pause_s: float
    concentric_s: float
    top_pause_s: float

    @property
    def time_under_tension_s(self) -> float:
        """Eccentric + bottom pause + concentric (the top pause is rest at lockout)."""
        return self.eccentric_s + self.bottom_pause_s + self.concentric_s

    def notation(self) -> str:
        """Conventional tempo string eccentric-bottom-concentric-top in seconds ("?" for a
        phase not seen): whole seconds where a phase took one (within 0.05 s), else tenths.
        Rounding 1.47 s to "1" read as no tempo failure beside "concentric took 1.47 s
        (limit 1.2 s)"; it reads "1.5"."""
        parts = (self.eccentric_s, self.bottom_pause_s, self.concentric_s, self.top_pause_s)
        return "-".join("?" if not math.isfinite(p) else "0" if p < 0.05
                        else f"{round(p):.0f}" if abs(p - round(p)) < 0.05
                        else f"{p:.1f}" for p in parts)


@dataclass(frozen=True)
class RepMetrics:
    """How fast and how clean one rep was. NaN / None where not measurable."""

    index: int
    mean_velocity_mps: float = float("nan")  # mean concentric velocity of the tracked point
    peak_velocity_mps: float = float("nan")
    mean_propulsive_velocity_mps: float = float("nan")
    rom_m: float = float("nan")
    velocity_loss_pct: float = float("nan")  # vs the best of the baseline reps
    rir_estimate: float | None = None  # reps in reserve estimated from velocity loss
    angles_bottom_deg: dict = field(default_factory=dict)  # angle name -> degrees at turnaround
    angles_top_deg: dict = field(default_factory=dict)
    drift_deg: dict = field(default_factory=dict)  # angle name -> max sustained drift vs baseline
    curve_distance_deg: dict = field(default_factory=dict)  # RMS distance of time-normalised curves


# Verdict kinds, the most decisive first: when one rep fails in several ways, a rep that
# was not completed is failure outright, and form breaking down comes before slowing.
VERDICT_KINDS = ("concentric", "technical", "tempo", "eccentric", "isometric")
# Why a clip in which the pose model found nobody was not judged (its summary's
# verdicts_withheld): batch and history tell such a clip from a set that was looked at.
NO_PERSON = "no person found in any frame"
# The extraction's warning for it (pose.extract), which the analysis does not repeat.
NO_PERSON_SEEN = "no person was found in any frame"


@dataclass(frozen=True)
class Verdict:
    """A failure call on one rep, with a one-line reason a coach would understand.

    evidence: the numbers behind it, for reports and the JSON: "frames" [first, last] of
    what was judged, and per kind the measured "value", its "baseline" and the
    "threshold" it passed, with their "unit" (and what was measured, where useful).
    """

    kind: str  # concentric | technical | tempo | eccentric | isometric
    rep_index: int
    reason: str
    evidence: dict = field(default_factory=dict, compare=False, hash=False)

    def __post_init__(self) -> None:
        if self.kind not in VERDICT_KINDS:
            raise ValueError(f"unknown verdict kind {self.kind!r}")


@dataclass(frozen=True)
class Borderline:
    """A set's last rep past a failure threshold yet not called: nothing after it confirms
    it, and it does not pass by the margin a reading standing alone must (verdicts.borderline).

    kind: the verdict it would have been (tempo | technical); measure: what was read
    ("velocity_loss", or a fault measure: drift.FaultDrift.measure); value past threshold,
    short of clear_at (what a last rep alone must pass); unit of the three; words: the
    measure named for a coach ("velocity loss", "trunk leaning further forward").
    """

    rep_index: int
    kind: str
    measure: str
    value: float
    threshold: float
    clear_at: float
    unit: str
    words: str

    def __post_init__(self) -> None:
        if self.kind not in VERDICT_KINDS:
            raise ValueError(f"unknown verdict kind {self.kind!r}")

    def _fmt(self, x: float) -> str:
        # values are stored rounded to as many decimals as tell them from the threshold
        return f"{x:g} %" if self.unit == "%" else f"{x:g} deg"

    def short(self) -> str:
        """The summary line's clause: rep, measure, reading and threshold."""
        what = "limit" if self.kind == "tempo" else "threshold"
        return (f"rep {self.rep_index} too close to call ({self.words} {self._fmt(self.value)}, "
                f"{what} {self._fmt(self.threshold)})")

    def warning(self) -> str:
        """The caveat in full: why the reading past the threshold was not called."""
        what = "limit" if self.kind == "tempo" else "threshold"
        return (f"rep {self.rep_index}'s {self.words} reads {self._fmt(self.value)}, past the "
                f"{self._fmt(self.threshold)} {what} but short of the {self._fmt(self.clear_at)} "
                "a last rep needs with no rep after it to confirm it: too close to call, not "
                "called failure")
