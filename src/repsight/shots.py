"""Where a clip changes shot (a camera cut, a new scene) or the tracker changes person.

Two kinds of evidence, each blind where the other sees:
- frame statistics (video.SceneScan, kept in the pose cache as meta["scene"]): a spike
  in the colour-histogram or thumbnail difference between consecutive frames is a hard
  cut, even when the same person stays in the same place;
- pose continuity: the tracked body's centre or size jumping between neighbouring frames
  by more than a human moves in that time is a cut (with a frame spike) or the tracker
  taking another person (without one).

Cuts split the clip into shots, each analysed as its own set when long enough; within a
shot, the frames where the tracker sat on someone else are masked out. Pure functions
over a PoseSequence: milliseconds.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from typing import Any, Sequence

import numpy as np

from .config import AnalysisConfig
from .landmarks import LM
from .segmentation import time_holes
from .smoothing import true_runs
from .types import PoseSequence

# A shot shorter than this is not analysed as a set (two slow reps).
MIN_SHOT_S = 3.0
# Cuts this close to either end of the clip are ignored: encoders' start-up frames and a
# last flash are not shots.
EDGE_S = 0.5
# Frame-statistics cut: the thumbnail (grey, 0..1) or colour-histogram (0..1) difference
# to the previous frame above these, and that many times the surrounding frames' median.
# Dev clips: moving cameras and people peak at 0.053 / 0.16, real cuts at 0.118 / 0.80.
CUT_PIXELS = 0.09
CUT_COLOUR = 0.30
CUT_SPIKE = 3.0
# Under CLEAR_CUT_PIXELS (and CUT_COLOUR), a change is a cut only on one picture: at least
# CUT_STEP times the larger change of the new pictures either side. Motion reaches 0.09-0.11
# where a quick set is filmed hand-held and re-timed (one picture carries two frames' motion,
# the next one: 2.1 times its neighbour), or each new picture of a clip made at 10 fps
# carries three frames' motion (a walk-out 1.4 times its neighbour). A cut spread over two
# frames (a blended frame between the shots), as large together as a clear one, is judged
# against the new pictures two away instead.
CLEAR_CUT_PIXELS = 0.18
CUT_STEP = 2.5
# A cut between two takes of the same set-up (same place, light and framing) changes less
# of the picture, but on one frame alone: a grey-level change over LONE_CUT_PIXELS that is
# LONE_CUT_SPIKE times the surrounding frames' median and LONE_CUT_STEP times either
# neighbour's. Motion, flicker and camera moves rise and fall over several frames. On the
# dev clips, their mirrored, half-size and 15 fps copies and copies made at 10 and 15 fps
# and stored at 30, frames over 0.04 reach 4.2x their surroundings but at most 2.4x a
# neighbour; the one same-set-up cut there (a second take spliced in) reads 0.064, 4.8-8.8x
# its surroundings and 10-25x its larger neighbour.
LONE_CUT_PIXELS = 0.04
LONE_CUT_SPIKE = 3.0
LONE_CUT_STEP = 5.0
# ... and only where the tracked body jumps on that frame (or the next) too: by at least
# LONE_CUT_BODY body sizes and LONE_CUT_BODY_SPIKE times its step on the frames around.
# A caption or a graphic popping up changes the picture on one frame but leaves the body
# where it was. The spliced take above: 0.10-0.12 body sizes, 5-10x the steps around it.
LONE_CUT_BODY = 0.03
LONE_CUT_BODY_SPIKE = 3.0
# A gradual change of shot (an editor's dissolve or cross-fade, a fade through black):
# the colour change summed over GRADUAL_S of frames, the largest frame's left out (a hard
# cut is one frame), at least GRADUAL_COLOUR and GRADUAL_SPIKE times the clip's median of
# the same sum. The 22 real dev clips reach 0.63 at most, and 5.0 times their median;
# dissolves of 0.5-1 s between two sets (squats to squats, curls to squats, squats to
# push-ups, composed with ffmpeg's xfade) 0.77-1.68 and 14-16 times, fades 0.4-2.5.
# The picture's own cuts inside one (a plain background's histogram steps as it fades)
# are its pieces, not shots. One that comes within GRADUAL_EDGE_S of either end is the clip
# fading in or out: no boundary.
GRADUAL_S = 0.5
GRADUAL_COLOUR = 0.7
GRADUAL_SPIKE = 8.0
GRADUAL_EDGE_S = 1.5
# ... and on at least GRADUAL_SPREAD of the window's frames the picture changes (colour
# or grey level) GRADUAL_FRAME times the clip's median or more: a dissolve or fade moves
# every frame, where two hard cuts around a blank moment or a short insert move two.
GRADUAL_FRAME = 3.0
GRADUAL_SPREAD = 0.6
# Frames that changed less than this from the one before are not neighbours for the
# one-frame test: repeats (a clip made at 10 or 15 fps and stored at 30 reads 0.0002 or
# less on them, and every new frame carries several frames' motion between two repeats)
# and pictures where little moves (a small figure before a plain background reads under
# it too). The test then compares a change with the frames that carry the picture's changes.
REPEAT_PIXELS = 0.0005
# A frame more than this many usual frame intervals after the one before follows frames
# a variable-frame-rate file dropped (frame_cuts): only a clear change there is a cut.
DROPPED_GAP = 1.5
# Repeated frames: a clip made at a lower frame rate and stored at a higher one shows each
# picture on several frames. A frame repeats when it changed under REPEAT_SHARE of the
# largest changes within REPEAT_HALF frames before and after it, both showing motion
# (REPEAT_MOTION); see repeated_share. Share of repeats among frames with motion, measured:
# 0.00-0.03 on 18 of the 22 dev clips and their mirrored and half-size copies, on the 15
# fps copies of all 22 and on all 648 rendered clips; 0.12-0.20 on the other four and
# their mirrored and half-size copies (three of them made at 25 fps and stored at 30: a
# repeat every fifth frame); 0.52-0.67 on copies of the 22 made at 10 fps, stored at 30.
REPEAT_SHARE = 0.15
REPEAT_HALF = 3
REPEAT_MOTION = 0.002
# How much more than the clip's median change the picture must jump to end a still run
# for it to be a hitch (frozen_spans): catching up on the frames it held.
HITCH_JUMP = 2.0
# The fewest frames a hitch holds the picture: three held frames moved no rep's reading
# measurably (a reviewer's edits of a real curl), five read its lift 1.2 times as fast.
HITCH_MIN_FRAMES = 4
# A clip gets a warning when at least this share of its moving frames repeat (it shows
# under 0.6 of its frame rate in new pictures) over at least REPEAT_MIN_FRAMES moving frames.
REPEAT_WARN_SHARE = 0.4
REPEAT_MIN_FRAMES = 30
# Pose jump: the tracked body's centre moving more than JUMP_TORSOS body sizes (its longest
# segment; plus JUMP_SPEED sizes a second across a dropout: walking covers about 3), or its size
# changing by more than JUMP_SIZE times, between the frames either side of a frame.
JUMP_TORSOS = 0.8
JUMP_SPEED = 3.0
JUMP_SIZE = 1.8
MAX_DROPOUT_S = 0.5
# Walked out and in: across a dropout longer than MAX_DROPOUT_S, the body crossed at least
# WALK_TORSOS body sizes sideways in the WALK_S before it, ending within WALK_EDGE of the
# picture's side (a share of its width), and the body after it came in from the other side
# as far.
# No lift carries the body a body size sideways in half a second (a walk does: 2-3); the
# lifter off the picture is the set's end, and who comes in starts another.
WALK_S = 0.5
WALK_TORSOS = 1.0
WALK_EDGE = 0.05
# Enough shots (or too much of the clip in short ones) makes a montage: no verdicts.
MONTAGE_SHOTS = 4
# A second person on at least this share of the sampled frames is worth a warning (a
# stray false body on one or two samples of ten is not: measured on the dev clips).
OTHERS_SHARE = 0.3
OTHERS_MIN = 3  # and on at least this many of them
# Tracked bodies this close (torso lengths) and this alike in size are the same person.
SAME_PERSON_TORSOS = 0.8
SAME_PERSON_SIZE = 1.4
# Between two people-scan samples, a body's vertical move counts this much of its horizontal
# one when linking it to the body seen before (count_people).
SAMPLE_RISE_WEIGHT = 1.0 / 3.0
# Another body is taken for the lifter over the tracked one only when its height spread on
# the samples is at least this many times the tracked body's.
LIFTER_MARGIN = 1.5
# A body the scan found on a sample is the tracked one when its centre lies within this
# many of its body sizes of the pose's centre.
TRACKED_NEAR_TORSOS = 1.0


# A jump in the frames' times shorter than both of these is no gap in the recording.
GAP_MIN_S = 0.5
GAP_MIN_FRAMES = 10
# Boundary kinds that split a clip into shots (a "switch" stays inside its shot).
SPLITTING = ("cut", "jump", "gap", "walk")
# What each splitting kind is called in a warning.
BOUNDARY_WORDS = {"cut": "camera cut", "jump": "camera cut or tracking switch",
                  "gap": "gap in the recording", "walk": "walk out of the picture and in"}


def _plural(words: str) -> str:
    """"camera cut or gap in the recording" -> "camera cuts or gaps in the recording"."""
    plural = {"cut": "cuts", "switch": "switches", "gap": "gaps", "walk": "walks"}
    return " ".join(plural.get(w, w) for w in words.split(" "))


@dataclass(frozen=True)
class Boundary:
    """A frame where the shot or the tracked person changes.

    kind: "cut" (frame statistics spike, with or without a pose jump), "switch" (the
    tracked body jumps while the picture does not: another person), "jump" (a pose jump
    on a clip without frame statistics: a cut or a switch, which cannot be told), "gap"
    (the frames' times jump: the recording was paused, or a stretch was cut out), "walk"
    (the person walked out at one side of the picture and someone walked in at the other:
    walk_changes).
    """

    frame: int
    time_s: float
    kind: str
    evidence: str


@dataclass(frozen=True)
class Shot:
    """Frames [start, stop) between two cuts; `analysed` when it is analysed as a set: long
    enough to be one, or shorter, next to such a shot and holding a whole rep
    (ShotSplit.short_beside)."""

    start: int
    stop: int
    start_s: float
    stop_s: float
    analysed: bool
    reason: str = ""  # why it is not analysed

    @property
    def duration_s(self) -> float:
        """Seconds the shot lasts."""
        return self.stop_s - self.start_s

    @property
    def short(self) -> bool:
        """Left out for lasting under the shortest set (split_shots' min_shot_s)."""
        return self.reason.startswith("shorter than")


@dataclass(frozen=True)
class ShotSplit:
    """A clip's shots, the boundaries between them, and the frames of other people."""

    boundaries: tuple[Boundary, ...]
    shots: tuple[Shot, ...]
    other_person: np.ndarray  # bool[T]: the tracker sat on someone other than the lifter
    montage: bool
    has_frame_stats: bool
    people: "PeopleCount | None" = None
    # The first frame's timestamp: messages count from it, as the table and a player do
    # (an MPEG-TS clip starts at 1.4 s or more, and "camera cut at 13.5 s" sat beside a
    # rep at 12.6 s in the same clip).
    start_s: float = 0.0

    def _at(self, time_s: float) -> str:
        return f"{time_s - self.start_s:.1f}"

    @property
    def analysed(self) -> tuple[Shot, ...]:
        """The shots analysed as sets."""
        return tuple(s for s in self.shots if s.analysed)

    @property
    def short_beside(self) -> tuple[int, ...]:
        """Indices of the shots too short to be a set alone (Shot.short) next to a shot
        analysed as one: the set filmed on past a cut (a zoom, a new angle) can leave a rep
        or two there, which analysis.analyse_pose counts (in a montage too, whose counts are
        per segment: the montage is judged on the shots as cut, and gets no verdicts)."""
        return _short_beside(self.shots)

    @property
    def cuts(self) -> tuple[Boundary, ...]:
        """Boundaries that split the clip (cuts and unexplained jumps)."""
        return tuple(b for b in self.boundaries if b.kind in SPLITTING)

    @property
    def new_framing(self) -> bool:
        """Whether a cut or an unexplained jump (not only gaps in the recording) splits it."""
        return any(b.kind in ("cut", "jump") for b in self.cuts)

    @property
    def switches(self) -> tuple[Boundary, ...]:
        """Boundaries where the tracker changed person inside a shot."""
        return tuple(b for b in self.boundaries if b.kind == "switch")

    def warnings(self) -> tuple[str, ...]:
        """One line per thing the user should know, naming times and counts."""
        out: list[str] = []
        n_sets = len(self.analysed)
        cuts = self.cuts
        if cuts:
            kinds = {b.kind for b in cuts}
            what = (BOUNDARY_WORDS[kinds.pop()] if len(kinds) == 1 else
                    " or ".join(BOUNDARY_WORDS[k] for k in SPLITTING if k in kinds) if "walk" in kinds else
                    "camera cut or gap in the recording" if "gap" in kinds else
                    "camera cut or tracking switch")
            times = ", ".join(f"{self._at(b.time_s)} s"
                              + (f" ({b.evidence})" if b.kind in ("gap", "walk") else "")
                              for b in cuts[:6]) + (", ..." if len(cuts) > 6 else "")
            n_shots = len(self.shots)
            # "analysed as 1 segment" beside a cut read as if the cut were ignored: say how
            # many shots there are and how many of them were long enough to be a set.
            what = _plural(what) if len(cuts) > 1 else what
            out.append(f"{what} at {times}: analysed as "
                       f"{n_sets} segment{'s' if n_sets != 1 else ''}" if n_sets == n_shots else
                       f"{what} at {times}: {n_shots} shots, {n_sets} of them analysed" if n_sets else
                       f"{what} at {times}: {n_shots} shots, "
                       "none long enough to be a set alone, so analysed as one"
                       + (" without verdicts (its reps may span the cuts)" if self.new_framing else ""))
            short = [s for s in self.shots if not s.analysed]
            if short:
                out.append(f"{len(short)} of {len(self.shots)} shots not analysed ("
                           + "; ".join(f"{self._at(s.start_s)}-{self._at(s.stop_s)} s: {s.reason}" for s in short[:4])
                           + ("; ..." if len(short) > 4 else "") + ")")
        if self.montage:
            counts = "counts are per segment" if n_sets else "read as one"
            out.append(f"montage of {len(self.shots)} shots (several scenes or people): {counts} "
                       "and no verdicts are given")
        alone = self.people is not None and max(self.people.counts, default=0) <= 1
        # A jump is only called another person when the people scan saw someone else often
        # enough to warn of it: a lying press filmed from the feet, with one lifter and
        # a stray second body on 2 of 10 samples, had its first 0.8 s (a misplaced pose)
        # reported as "another person".
        crowd = self.people is not None and self.people.others_seen
        for b in self.switches:
            masked = (bool(self.other_person[max(b.frame - 1, 0)]), bool(self.other_person[b.frame]))
            if masked[0] != masked[1] and crowd:
                out.append(f"tracking switched to another person at {self._at(b.time_s)} s ({b.evidence}); "
                           "their frames are left out")
            elif masked[0] != masked[1]:
                out.append(f"tracking switched bodies at {self._at(b.time_s)} s ({b.evidence}): the frames "
                           "not taken for the lifter (another person, or a misplaced pose) are left out")
            elif all(masked):
                out.append(f"the pose jumped again at {self._at(b.time_s)} s away from the lifter "
                           f"({b.evidence}); those frames are left out too")
            else:
                # Both sides were taken for the lifter: nothing was masked, and with one
                # body on every sampled frame there was nobody else to switch to.
                who = ("one person in frame, so the landmarks on one side of it were "
                       "misplaced" if alone else "both sides taken for the lifter")
                out.append(f"the pose jumped at {self._at(b.time_s)} s ({b.evidence}; {who}); "
                           "no frames left out, reps near it may be missed")
        if self.people is not None:
            out.extend(self.people.warnings())
        return tuple(out)

    @property
    def other_lifter(self) -> bool:
        """Whether the people scan saw another body move more than the tracked one."""
        return self.people is not None and self.people.tracked_is_lifter is False

    @property
    def single(self) -> bool:
        """One shot, one person: the clip is analysed as before, as one set."""
        return len(self.shots) == 1 and not self.other_person.any()


@dataclass(frozen=True)
class PeopleCount:
    """Bodies found on a few sampled frames (pose._PeopleTally), and who the lifter is.

    counts: people on each sampled frame; others_share: share of sampled frames with
    more than one; tracked_is_lifter: False when another body moved more than the one
    the pose model tracked (None when it cannot be told: one person, or too few samples).
    """

    counts: tuple[int, ...]
    others_share: float
    tracked_is_lifter: bool | None
    evidence: str = ""
    # When the tracked body is not the lifter: the part of the picture (x0, y0, x1, y1,
    # shares of width and height) that holds the lifter on every sample and no other
    # body's centre (lifter_crop), for the pose model to be shown alone; else None.
    lifter_box: tuple[float, float, float, float] | None = None

    @property
    def others_seen(self) -> bool:
        """Someone besides the lifter on enough of the sampled frames to say so."""
        return sum(c > 1 for c in self.counts) >= OTHERS_MIN and self.others_share >= OTHERS_SHARE

    def warnings(self) -> tuple[str, ...]:
        """A line when someone else is in frame, another when the tracked body is not the lifter."""
        out = []
        many = sum(c > 1 for c in self.counts)
        if self.others_seen:
            out.append(f"another person in frame on {many} of {len(self.counts)} sampled frames "
                       f"(up to {max(self.counts)} people): the analysis follows one body")
        if self.tracked_is_lifter is False:
            # Said as a doubt: a curler tracked beside a squatter is a lifter too, and the
            # scan sees only the bodies' heights on a few frames.
            out.append(f"the tracked body may not be the lifter: {self.evidence}; if the reps "
                       "counted are not the lifter's (or none are), trim or crop the clip to "
                       "the lifter")
        return tuple(out)


def scene_rows(scene_times_s: np.ndarray, seq: PoseSequence) -> tuple[np.ndarray, np.ndarray]:
    """(int[T] row of meta["scene"] for each of the sequence's frames, bool[T] whether that
    row is the frame's): frames are matched by time, so a scan that decoded a frame more
    or less still lines up."""
    t = scene_times_s
    idx = np.clip(np.searchsorted(t, seq.timestamps_s - 0.25 / seq.fps), 0, len(t) - 1)
    return idx, np.abs(t[idx] - seq.timestamps_s) <= 0.5 / seq.fps


def pack_tiles(tiles: np.ndarray) -> dict[str, Any]:
    """float[T, n, 3] tile shifts (video.FrameChanges.tiles) as JSON-ready meta: float16
    bytes in base64 (a shift of up to 8 thumbnail px to 0.008 px; as text, 60 numbers a
    frame would cost an hour-long clip hundreds of MB while it is read)."""
    data = np.ascontiguousarray(tiles, dtype="<f2")
    return {"shape": list(data.shape),
            "tiles_f16": base64.b64encode(data.tobytes()).decode("ascii")}


def unpack_tiles(camera: dict[str, Any]) -> np.ndarray:
    """float64[T, n, 3] tile shifts from the meta pack_tiles wrote; ValueError, KeyError
    or TypeError when the entry is damaged."""
    shape = tuple(int(v) for v in camera["shape"])
    if len(shape) != 3 or shape[2] != 3:
        raise ValueError(f"tile shifts of shape {shape}")
    raw = base64.b64decode(camera["tiles_f16"], validate=True)
    return np.frombuffer(raw, dtype="<f2").reshape(shape).astype(np.float64)


def frame_stats(seq: PoseSequence) -> tuple[np.ndarray, np.ndarray] | None:
    """(colour, pixels) float64[T] change statistics aligned to the sequence's frames.

    Read from meta["scene"] (times, colour, pixels lists written at extraction); None when
    the sequence has none (an older cache entry, a synthetic set); see scene_rows.
    """
    scene = seq.meta.get("scene") if isinstance(seq.meta, dict) else None
    if not isinstance(scene, dict) or not scene.get("times_s"):
        return None
    try:
        t = np.asarray(scene["times_s"], dtype=np.float64)
        colour = np.asarray(scene["colour"], dtype=np.float64)
        pixels = np.asarray(scene["pixels"], dtype=np.float64)
    except (KeyError, TypeError, ValueError):
        return None
    if not (len(t) == len(colour) == len(pixels)) or len(t) == 0 or seq.n_frames == 0:
        return None
    idx, close = scene_rows(t, seq)
    return (np.where(close, colour[idx], np.nan), np.where(close, pixels[idx], np.nan))


def repeated_share(pixels: np.ndarray) -> tuple[float, int]:
    """(share of repeated frames, frames with motion): how many of the frames where the
    picture moves only repeat the one before (see REPEAT_SHARE); NaN share without motion.

    A repeat lies between changes: the largest change within REPEAT_HALF frames before it
    and the largest within REPEAT_HALF after it both show motion, and it changed under
    REPEAT_SHARE of the smaller. A lone change (an encoder's key frame over a still
    picture) makes no repeats of the frames around it.
    """
    p = np.asarray(pixels, dtype=np.float64)
    n = len(p)
    if n < 2:
        return float("nan"), 0
    pad = np.full(REPEAT_HALF, np.nan)
    with np.errstate(invalid="ignore"):
        windows = np.lib.stride_tricks.sliding_window_view(np.r_[pad, p, pad], REPEAT_HALF)
        before = np.fmax.reduce(windows[:n], axis=1)  # frames i-HALF .. i-1
        after = np.fmax.reduce(windows[REPEAT_HALF + 1:], axis=1)  # frames i+1 .. i+HALF
        around = np.fmin(before, after)
        repeats = np.isfinite(p) & (around >= REPEAT_MOTION) & (p < REPEAT_SHARE * around)
        changes = np.isfinite(p) & (p >= REPEAT_MOTION)
    count = int(repeats.sum() + changes.sum())
    return (float(repeats.sum()) / count if count else float("nan")), count


# Below this many frames a second a file is warned of as a low frame rate (24 fps film and
# 25 fps PAL video are fine; phones' 15 fps "saver" modes and webcams' are not).
LOW_FPS = 23.5


def low_frame_rate_warning(seq: PoseSequence) -> str | None:
    """A warning when the file itself is below LOW_FPS: every time is read to half a frame."""
    if not seq.fps < LOW_FPS:
        return None
    return (f"low frame rate ({seq.fps:.0f} fps): times are read to about +-{0.5 / seq.fps:.2f} s "
            "and fast reps less precisely; film at 25 fps or more")


def picture_rate(seq: PoseSequence) -> float | None:
    """New pictures a second when the clip repeats its pictures (made at a lower frame
    rate than it is stored at), else None."""
    stats = frame_stats(seq)
    if stats is None:
        return None
    share, moving = repeated_share(stats[1])
    if not (moving >= REPEAT_MIN_FRAMES and share >= REPEAT_WARN_SHARE):
        return None
    # The pictures' rate from how many frames each lasts, the usual gap between changes:
    # the share would also count a new picture that changed little (a slow stretch), and
    # it misses repeats further than REPEAT_HALF from a change (a 24 fps picture stored at
    # 120 lasts 5 frames: its share read 42 pictures a second). Gaps past twice that are
    # stretches where nothing moved.
    new = np.flatnonzero(stats[1] >= REPEAT_MOTION)
    gaps = np.diff(new)
    gaps = gaps[gaps <= 2 * (REPEAT_HALF + 1)]
    return seq.fps / float(np.median(gaps)) if gaps.size else seq.fps * (1.0 - share)


def picture_repeat(seq: PoseSequence) -> int:
    """Frames each picture lasts (1 when the clip shows a new picture on every frame)."""
    rate = picture_rate(seq)
    return 1 if rate is None or not rate > 0 else max(1, int(round(seq.fps / rate)))


def frozen_spans(seq: PoseSequence) -> list[tuple[int, int]]:
    """(first, last) frames of each hitch in the recording: a run in which the picture
    stood still, repeating the one before it unchanged (its change under REPEAT_SHARE of
    the clip's median), for HITCH_MIN_FRAMES and at least twice as many frames as each
    picture lasts (picture_repeat, so a clip stored at a higher rate than it was made at
    has none), after a picture that moved (half the median change), and ended by a jump
    of at least HITCH_JUMP times the clip's median change and REPEAT_MOTION (the picture
    catching up). A still scene between reps, or the slow frames at a movement's ends,
    stand still without that jump. Empty without frame statistics (see frame_stats).
    A hold whose repeats carry encoder noise, or on a lifter small in the picture (whose
    catching up changes less of it), can be missed.

    Through a lift the picture changes on every frame; a hitch in one held it for 0.3 s
    and then jumped, and the lift's middle read 1.5 times as fast as it was."""
    stats = frame_stats(seq)
    if stats is None:
        return []
    pixels = stats[1]
    typical = float(np.nanmedian(pixels)) if np.isfinite(pixels).any() else float("nan")
    if not typical > 0:
        return []
    with np.errstate(invalid="ignore"):
        still = np.asarray(pixels < REPEAT_SHARE * typical, dtype=bool)
    longest = max(HITCH_MIN_FRAMES, 2 * picture_repeat(seq))
    jump = max(HITCH_JUMP * typical, REPEAT_MOTION)
    return [(k, stop - 1) for k, stop in true_runs(still)
            if stop - k >= longest and k > 0 and pixels[k - 1] >= 0.5 * typical
            and stop < len(pixels) and pixels[stop] >= jump]


def repeated_frames_warning(seq: PoseSequence) -> str | None:
    """A warning when the clip repeats its pictures (made at a lower frame rate than it is
    stored at): its times are read to the pictures' rate, not the file's."""
    rate = picture_rate(seq)
    if rate is None:
        return None
    return (f"repeated frames: the picture changes about {rate:.0f} times a second in a "
            f"{seq.fps:.0f} fps file, so times are read to about +-{0.5 / rate:.2f} s")


def _local_median(x: np.ndarray, half: int, at: np.ndarray | None = None) -> np.ndarray:
    """Median of each frame's neighbours within `half` frames (the frame itself left out);
    only at the frame indices `at` when given (NaN elsewhere)."""
    out = np.full(len(x), np.nan)
    for i in (range(len(x)) if at is None else at):
        window = np.concatenate([x[max(0, i - half):i], x[i + 1:i + 1 + half]])
        window = window[np.isfinite(window)]
        if window.size:
            out[i] = np.median(window)
    return out


def frame_cuts(colour: np.ndarray, pixels: np.ndarray, fps: float,
               body_step: np.ndarray | None = None, times_s: np.ndarray | None = None
               ) -> np.ndarray:
    """Frame indices where the picture changes abruptly (a spike over its surroundings).

    A change is judged against the new pictures around it, not repeats (REPEAT_PIXELS);
    one under CLEAR_CUT_PIXELS and CUT_COLOUR must stand CUT_STEP times over its
    neighbours. body_step: float[T] the tracked body's move onto each frame (body_steps); a
    change on one frame alone (LONE_CUT_*) needs the body to jump there too. None: no such
    check. times_s: the frames' times; a frame that comes after frames the file dropped
    (DROPPED_GAP) is a cut only when the change is clear. None: evenly spaced.
    """
    half = max(2, int(round(0.5 * fps)))
    # A spike stands over the frames that carry the picture's changes, not over repeats:
    # in a clip made at 10 fps and stored at 30, two frames in three read 0, and every new
    # picture of a quick push-up was three times their median (two false cuts in a set).
    changed = np.nan_to_num(pixels, nan=0.0) >= REPEAT_PIXELS  # no previous frame: not new
    new = np.flatnonzero(changed)
    p_new = pixels[new]
    base_new = _local_median(p_new, half)
    base_p = np.full(len(pixels), np.nan)
    base_p[new] = base_new
    # A frame whose grey thumbnail did not change has its colour judged over all frames.
    base_c = _local_median(colour, half, at=np.flatnonzero(~changed))
    base_c[new] = _local_median(colour[new], half)
    # What a change must stand over to be on one picture (CUT_STEP): the larger change of
    # the new pictures either side; for a cut spread over two frames (each the other's
    # equal), as large together as a clear cut, the larger of the ones two away.
    step = np.full(len(pixels), np.nan)
    q = np.r_[np.nan, np.nan, p_new, np.nan, np.nan]
    beside, two_away = np.fmax(q[1:-3], q[3:-1]), np.fmax(q[:-4], q[4:])
    with np.errstate(invalid="ignore"):
        pair = p_new + beside >= CLEAR_CUT_PIXELS
    step[new] = np.where(pair, np.fmin(beside, two_away), beside)
    with np.errstate(invalid="ignore"):
        clear = (pixels >= CLEAR_CUT_PIXELS) | (colour >= CUT_COLOUR)
        by_pixels = ((pixels >= CUT_PIXELS) & (pixels >= CUT_SPIKE * base_p)
                     & (clear | (pixels >= CUT_STEP * step)))
        by_colour = (colour >= CUT_COLOUR) & (colour >= CUT_SPIKE * base_c)
        # A change on one picture alone (LONE_CUT_*), among the new pictures.
        lone = new[(p_new >= LONE_CUT_PIXELS) & (p_new >= LONE_CUT_SPIKE * base_new)
                   & (p_new >= LONE_CUT_STEP * beside)]
    if body_step is not None:
        # The body's steps onto repeated pictures are nil: not the usual step to beat.
        moved = np.where(changed, body_step, np.nan)
        lone = lone[[_body_jumps(moved, int(i), half) for i in lone]].astype(int)
    found = np.union1d(np.flatnonzero(by_pixels | by_colour), lone)
    if times_s is not None and len(times_s) == len(pixels) > 2:
        # A variable-frame-rate file that dropped frames carries their motion onto the next
        # one: a tester's walk-out across a dropped frame read 0.10 of the picture changed,
        # a cut.
        dt = np.diff(np.asarray(times_s, dtype=np.float64), prepend=np.nan)
        after_drop = dt > DROPPED_GAP * np.nanmedian(dt)
        found = found[clear[found] | ~after_drop[found]]
    # One cut per burst: the strongest frame of neighbouring candidates.
    score = np.nan_to_num(np.maximum(pixels / CUT_PIXELS, colour / CUT_COLOUR))
    keep: list[int] = []
    for i in found:
        if keep and i - keep[-1] <= 2:
            if score[i] > score[keep[-1]]:
                keep[-1] = int(i)
            continue
        keep.append(int(i))
    return np.asarray(keep, dtype=int)


def gradual_changes(colour: np.ndarray, pixels: np.ndarray, fps: float) -> list[tuple[int, int]]:
    """Frame ranges [first, last] where the picture changes gradually into another (a
    dissolve, a fade): see GRADUAL_*. colour, pixels: float[T] each frame's colour and
    grey-level change (FrameChanges)."""
    c = np.nan_to_num(np.asarray(colour, dtype=np.float64), nan=0.0)
    p = np.nan_to_num(np.asarray(pixels, dtype=np.float64), nan=0.0)
    w = max(3, int(round(GRADUAL_S * fps)))
    if len(c) < 2 * w:
        return []

    def windows(x: np.ndarray) -> np.ndarray:  # w frames centred on each frame
        return np.lib.stride_tricks.sliding_window_view(
            np.r_[np.zeros(w // 2), x, np.zeros(w - w // 2 - 1)], w)

    by_colour = windows(c)
    summed = by_colour.sum(axis=1) - by_colour.max(axis=1)
    base = float(np.median(summed))
    # Spread over the window, as no pair of hard cuts is: a blank moment between two cuts
    # a third of a second apart summed past the limit too, and split a set at it.
    moving = (c >= GRADUAL_FRAME * max(float(np.median(c)), 1e-6)) | \
        (p >= GRADUAL_FRAME * max(float(np.median(p)), 1e-6))
    spread = windows(moving.astype(np.float64)).mean(axis=1)
    hot = (summed >= GRADUAL_COLOUR) & (summed >= GRADUAL_SPIKE * base) & (spread >= GRADUAL_SPREAD)
    out: list[tuple[int, int]] = []
    for k in np.flatnonzero(hot):
        a, b = max(0, int(k) - w // 2), min(len(c) - 1, int(k) + w - w // 2 - 1)
        if out and a <= out[-1][1] + 1:
            out[-1] = (out[-1][0], b)
        else:
            out.append((a, b))
    return out


def _body_jumps(step: np.ndarray, i: int, half: int) -> bool:
    """Whether the body's move onto frame i or i+1 is a jump (LONE_CUT_BODY*), against
    the median move of the frames around them."""
    here = step[i:i + 2]
    if not np.isfinite(here).any():
        return False  # no body either side: nothing says the lifter's view was cut
    jump = float(np.nanmax(here))
    around = np.concatenate([step[max(0, i - half):i], step[i + 2:i + 2 + half]])
    around = around[np.isfinite(around)]
    usual = float(np.median(around)) if around.size else 0.0
    return jump >= LONE_CUT_BODY and jump >= LONE_CUT_BODY_SPIKE * usual


def body_steps(track: tuple[np.ndarray, np.ndarray]) -> np.ndarray:
    """float64[T]: how far the tracked body's centre moved onto each frame from the one
    before, in body sizes (the clip's median size); NaN where either frame has no body.
    track: (centre, size) from _body_track."""
    centre, size = track
    out = np.full(len(size), np.nan)
    scale = np.nanmedian(size) if np.isfinite(size).any() else np.nan
    if len(size) > 1 and scale > 0:
        out[1:] = np.linalg.norm(np.diff(centre, axis=0), axis=1) / scale
    return out


# Segments whose longest image length stands for the body's size on a frame: whichever
# way the body turns or lies, one of them is seen near its full length.
_SIZE_PAIRS = ((LM.LEFT_SHOULDER, LM.RIGHT_SHOULDER), (LM.LEFT_HIP, LM.RIGHT_HIP),
               (LM.LEFT_SHOULDER, LM.LEFT_HIP), (LM.RIGHT_SHOULDER, LM.RIGHT_HIP),
               (LM.LEFT_HIP, LM.LEFT_KNEE), (LM.RIGHT_HIP, LM.RIGHT_KNEE),
               (LM.LEFT_SHOULDER, LM.LEFT_ELBOW), (LM.RIGHT_SHOULDER, LM.RIGHT_ELBOW))


def body_size(seq: PoseSequence) -> np.ndarray:
    """float64[T] the tracked person's size in pixels: the longest of a few body segments
    on each frame (NaN without a person)."""
    lengths = np.stack([np.linalg.norm(seq.pixels(a) - seq.pixels(b), axis=1) for a, b in _SIZE_PAIRS])
    seen = np.isfinite(lengths).any(axis=0)
    size = np.full(seq.n_frames, np.nan)
    size[seen] = np.nanmax(lengths[:, seen], axis=0)
    return size


# The followed body stays still when no joint of it (wrists, elbows, knees, ankles,
# shoulders, hips) spans more than this share of its size (body_size: its longest
# segment) between the 5th and 95th percentile of its places over the clip: a spotter
# standing by shifts weight and gestures; a curl, a press or a raise swings the wrists a
# forearm's length and more.
STILL_BODY_SHARE = 0.5
_STILL_JOINTS = (LM.LEFT_WRIST, LM.RIGHT_WRIST, LM.LEFT_ELBOW, LM.RIGHT_ELBOW, LM.LEFT_KNEE,
                 LM.RIGHT_KNEE, LM.LEFT_ANKLE, LM.RIGHT_ANKLE, LM.LEFT_SHOULDER,
                 LM.RIGHT_SHOULDER, LM.LEFT_HIP, LM.RIGHT_HIP)


def body_still(seq: PoseSequence) -> bool:
    """Whether the tracked body stays still through the clip (STILL_BODY_SHARE): no part of
    it moves as reps move it, whatever the lift."""
    size = body_size(seq)
    size = float(np.nanmedian(size)) if np.isfinite(size).any() else float("nan")
    if not np.isfinite(size) or size <= 0:
        return False
    for lm in _STILL_JOINTS:
        xy = seq.pixels(lm)
        ok = np.isfinite(xy).all(axis=1)
        if ok.sum() < 10:
            continue
        span = np.percentile(xy[ok], 95, axis=0) - np.percentile(xy[ok], 5, axis=0)
        if float(np.hypot(*span)) > STILL_BODY_SHARE * size:
            return False
    return True


def _body_track(seq: PoseSequence) -> tuple[np.ndarray, np.ndarray]:
    """(float64[T,2] body centre in pixels, float64[T] size in pixels: body_size) of the
    tracked person."""
    pts = np.stack([seq.pixels(lm) for lm in (LM.LEFT_SHOULDER, LM.RIGHT_SHOULDER,
                                              LM.LEFT_HIP, LM.RIGHT_HIP)])
    count = np.isfinite(pts).sum(axis=0)
    centre = np.where(count > 0, np.nansum(pts, axis=0) / np.maximum(count, 1), np.nan)
    return centre, body_size(seq)


def pose_jumps(seq: PoseSequence, track: tuple[np.ndarray, np.ndarray], *,
               window: int = 4) -> list[tuple[int, str]]:
    """(frame, evidence) where the tracked body (track: _body_track's centre and size)
    jumps more than human motion allows.

    Each detected frame after a short dropout (<= MAX_DROPOUT_S) is compared with the
    medians of `window` detected frames before and from it, so a one-frame landmark glitch
    that comes back is not a jump.
    """
    if seq.n_frames < 2:
        return []
    centre, size = track
    ok = np.flatnonzero(np.isfinite(centre).all(axis=1) & np.isfinite(size) & (size > 0))
    out: list[tuple[int, str, float, int]] = []
    t = seq.timestamps_s
    for k in range(window, len(ok) - window + 1):
        i, j = ok[k], ok[k - 1]
        gap = t[i] - t[j]
        if gap > MAX_DROPOUT_S:
            continue
        before, after = ok[k - window:k], ok[k:k + window]
        c0, c1 = np.median(centre[before], axis=0), np.median(centre[after], axis=0)
        s0, s1 = float(np.median(size[before])), float(np.median(size[after]))
        moved = float(np.linalg.norm(c1 - c0)) / min(s0, s1)
        grew = max(s0, s1) / min(s0, s1)
        # The two medians sit about `window` frames apart: a fast lift (a squat rising
        # 0.4 m in a third of a second) moves the body that much between them.
        span = float(np.median(t[after]) - np.median(t[before]))
        allowed = JUMP_TORSOS + JUMP_SPEED * max(span - 1.0 / seq.fps, 0.0)
        if moved > allowed or grew > JUMP_SIZE:
            strength = max(moved / allowed, grew / JUMP_SIZE)
            evidence = f"the tracked body moved {moved:.1f} body sizes and changed size {grew:.1f}x"
            # One jump per burst: windows that overlap see the same change.
            if out and k - out[-1][3] <= window:
                # The first frame of the new body splits cleanest; a later one only wins
                # by clearly more (window medians ignore a frame or two of either body).
                if strength > 1.2 * out[-1][2]:
                    out[-1] = (int(i), evidence, strength, k)
                continue
            out.append((int(i), evidence, strength, k))
    # The medians place a jump within a frame or two; the body's own largest frame-to-frame
    # step there is where it happened.
    step = np.full(seq.n_frames, -1.0)
    step[ok[1:]] = np.linalg.norm(centre[ok[1:]] - centre[ok[:-1]], axis=1) / size[ok[:-1]]
    exact = []
    for i, e, _, _ in out:
        lo, hi = max(0, i - window), min(seq.n_frames, i + window + 1)
        exact.append((lo + int(np.argmax(step[lo:hi])), e))
    return exact


def _sideways(centre: np.ndarray, size: np.ndarray, frames: np.ndarray) -> float:
    """Sideways travel (body sizes, + rightwards) of the body from the first to the last of
    `frames`, in units of their median size."""
    return float(centre[frames[-1], 0] - centre[frames[0], 0]) / float(np.median(size[frames]))


def walk_changes(seq: PoseSequence, track: tuple[np.ndarray, np.ndarray]
                 ) -> list[tuple[int, Boundary]]:
    """(last frame before, boundary at the first frame after) where the tracked body walked
    out of the picture at one side and, after a dropout, a body walked in at the other
    (track: _body_track's centre and size).

    pose_jumps compares nothing across a dropout, and the body before it and after it may
    stand in the same place at a like size: two lifters taking turns on one spot were read
    as one set, the second one's reps failing against the first one's velocity.
    """
    centre, size = track
    ok = np.flatnonzero(np.isfinite(centre).all(axis=1) & np.isfinite(size) & (size > 0))
    if ok.size < 2:
        return []
    t = seq.timestamps_s
    xs = seq.image[:, :, 0]
    out = []
    for j, i in zip(ok[:-1], ok[1:]):
        if t[i] - t[j] <= MAX_DROPOUT_S:
            continue
        before = ok[(t[ok] >= t[j] - WALK_S) & (ok <= j)]
        after = ok[(ok >= i) & (t[ok] <= t[i] + WALK_S)]
        if before.size < 2 or after.size < 2:
            continue
        went, came = _sideways(centre, size, before), _sideways(centre, size, after)
        out_left = went <= -WALK_TORSOS and np.nanmin(xs[j]) <= WALK_EDGE
        out_right = went >= WALK_TORSOS and np.nanmax(xs[j]) >= 1.0 - WALK_EDGE
        in_left = came >= WALK_TORSOS and np.nanmin(xs[i]) <= WALK_EDGE
        in_right = came <= -WALK_TORSOS and np.nanmax(xs[i]) >= 1.0 - WALK_EDGE
        # Out at one side and in at the other: out and back in at one side is a lifter
        # stepping out, or the camera panning away and back (one set, read as two).
        if (out_left and in_right) or (out_right and in_left):
            out.append((int(j), Boundary(int(i), float(t[i]), "walk",
                                         f"the lifter out at the {'left' if out_left else 'right'} at "
                                         f"{seq.clip_times_s[j]:.1f} s, someone in at the "
                                         f"{'left' if in_left else 'right'} {t[i] - t[j]:.1f} s later")))
    return out


# A cut into a blank picture and a cut back out of it within max_blank_s (the config's
# max_unseen_s, the longest gap segmentation bridges), with nobody seen between them and
# the same person in the same place either side, is the picture going blank for a moment
# (a dropped stretch of frames, a flash), not two camera cuts: the set goes on through
# it, and a rep across it is bridged as a tracking gap. A longer blank stays two cuts, so
# it is never left neither a cut nor bridged.
# The person either side of a blank is located on the frames nearest it where a body was
# found (BLANK_NEAR_S of them), within BLANK_SIDE_S: a lifter mid-rep moves on meanwhile
# (medians over 0.5 s either side of a 0.33 s blank in a squat's descent sat 1.3 body
# sizes apart, and a rep was lost to two "cuts"), and a fade into the blank can lose the
# body on the frames just before it.
BLANK_SIDE_S = 0.5
BLANK_NEAR_S = 0.1


def _blank_interludes(seq: PoseSequence, cuts: list[Boundary],
                      track: tuple[np.ndarray, np.ndarray], max_blank_s: float) -> set[int]:
    """Frames of the cuts that bound a blank moment up to max_blank_s long, in pairs."""
    centre, size = track
    side = max(1, int(round(BLANK_SIDE_S * seq.fps)))
    near = max(1, int(round(BLANK_NEAR_S * seq.fps)))
    found = np.isfinite(centre).all(axis=1) & np.isfinite(size)
    drop: set[int] = set()
    for b1, b2 in zip(cuts, cuts[1:]):
        if b2.time_s - b1.time_s > max_blank_s or b1.frame in drop:
            continue
        if seq.detected[b1.frame:b2.frame].mean() > 0.1:
            continue  # someone is seen in between: a shot of its own
        ahead = np.arange(max(0, b1.frame - side), b1.frame)
        behind = np.arange(b2.frame, min(seq.n_frames, b2.frame + side))
        before = _person(centre, size, ahead[found[ahead]][-near:])
        after = _person(centre, size, behind[found[behind]][:near])
        if _same(before, after):
            drop |= {b1.frame, b2.frame}
    return drop


def find_boundaries(seq: PoseSequence, max_blank_s: float) -> tuple[tuple[Boundary, ...], bool]:
    """Cuts, switches and jumps of a clip, in time order; and whether frame statistics were
    there. max_blank_s: a blank picture up to this long between the same person is no cut."""
    stats = frame_stats(seq)
    t = seq.timestamps_s
    lo, hi = (t[0] + EDGE_S, t[-1] - EDGE_S) if seq.n_frames else (0.0, 0.0)
    found: list[Boundary] = []
    track = _body_track(seq)  # read once: the one-frame cut test and the jumps both use it
    cut_frames = (frame_cuts(*stats, seq.fps, body_step=body_steps(track), times_s=t)
                  if stats is not None else np.zeros(0, dtype=int))
    fades = gradual_changes(*stats, seq.fps) if stats is not None else []
    for i in cut_frames:
        if any(a <= i <= b for a, b in fades):
            continue  # a piece of a gradual change: that change is the boundary, once
        c, p = stats[0][i], stats[1][i]
        found.append(Boundary(int(i), float(t[i]), "cut",
                              f"the picture changed (colour {c:.2f}, pixels {p:.2f})"))
    edge = (t[0] + GRADUAL_EDGE_S, t[-1] - GRADUAL_EDGE_S) if seq.n_frames else (0.0, 0.0)
    for a, b in fades:
        if t[a] < edge[0] or t[b] > edge[1]:
            continue  # the clip fading in or out
        mid = (a + b) // 2
        found.append(Boundary(mid, float(t[mid]), "cut",
                              f"the picture changed gradually over {t[b] - t[a]:.1f} s "
                              "(a dissolve or a fade)"))
    walks = walk_changes(seq, track)
    found += [b for _, b in walks]
    for i, evidence in pose_jumps(seq, track):
        near = [b for b in found if b.kind == "cut" and abs(b.frame - i) <= 3]
        if (near or any(a - 3 <= i <= b + 3 for a, b in fades)
                or any(j - 3 <= i <= b.frame + 3 for j, b in walks)):
            continue  # the cut (or the walk out and in) explains the jump
        found.append(Boundary(i, float(t[i]), "jump" if stats is None else "switch", evidence))
    # The recording paused (or a stretch cut out): no movement spans the jump in time. A
    # jump of a few frames is a variable frame rate's dropped frames, not a gap, whatever
    # the blank allowed (0 with --max-unseen 0).
    gaps = [Boundary(int(i) + 1, float(t[i + 1]), "gap",
                     f"{t[i + 1] - t[i]:.1f} s missing after {t[i] - t[0]:.1f} s: recording paused or cut")
            for i in time_holes(t, max(max_blank_s, GAP_MIN_S), min_steps=GAP_MIN_FRAMES)
            # a stray frame or two at either end is no shot of its own
            if t[i] >= lo and t[i + 1] <= hi]
    found = [b for b in found if lo <= b.time_s <= hi]
    # A picture change or pose jump across the gap is the gap itself, named once.
    found = [b for b in found if not any(abs(b.frame - g.frame) <= 3 for g in gaps)] + gaps
    blank = _blank_interludes(seq, sorted((b for b in found if b.kind == "cut"),
                                          key=lambda b: b.frame), track, max_blank_s)
    found = [b for b in found if not (b.kind == "cut" and b.frame in blank)]
    return tuple(sorted(found, key=lambda b: b.frame)), stats is not None


def _person(centre: np.ndarray, size: np.ndarray, frames: np.ndarray) -> tuple[np.ndarray, float] | None:
    ok = frames[np.isfinite(centre[frames]).all(axis=1) & np.isfinite(size[frames])]
    if ok.size == 0:
        return None
    return np.median(centre[ok], axis=0), float(np.median(size[ok]))


def _same(a, b) -> bool:
    if a is None or b is None:
        return False
    (ca, sa), (cb, sb) = a, b
    return (float(np.linalg.norm(ca - cb)) / min(sa, sb) <= SAME_PERSON_TORSOS
            and max(sa, sb) / min(sa, sb) <= SAME_PERSON_SIZE)


def _other_person_frames(seq: PoseSequence, start: int, stop: int,
                         switches: list[Boundary]) -> np.ndarray:
    """bool[T]: frames of [start, stop) where the tracker sat on someone other than the lifter.

    The switches cut the shot into pieces; pieces whose body is in the same place at the
    same size are one person; the person seen longest is the lifter.
    """
    mask = np.zeros(seq.n_frames, dtype=bool)
    if not switches:
        return mask
    centre, size = _body_track(seq)
    edges = [start] + [b.frame for b in switches] + [stop]
    pieces = [np.arange(a, b) for a, b in zip(edges[:-1], edges[1:]) if b > a]
    people: list[list[int]] = []  # piece indices per person
    signatures = [_person(centre, size, p) for p in pieces]
    for k, sig in enumerate(signatures):
        for group in people:
            if _same(signatures[group[0]], sig):
                group.append(k)
                break
        else:
            people.append([k])
    seen = [sum(int(np.isfinite(size[pieces[k]]).sum()) for k in g) for g in people]
    lifter = people[int(np.argmax(seen))]
    for k, piece in enumerate(pieces):
        if k not in lifter:
            mask[piece] = True
    return mask


def count_people(seq: PoseSequence) -> PeopleCount | None:
    """Who is in frame, from meta["scene"]["people"]; None when the clip was not scanned.

    Bodies on consecutive samples are linked by position (nearest, within a body size;
    a vertical move weighs a third: SAMPLE_RISE_WEIGHT);
    the one whose height in the frame varies most against its size is the lifter (a set
    moves the body, a spotter or a passer-by mostly stands). The tracked body is the one
    nearest the pose sequence's centre on each sample.
    """
    scene = seq.meta.get("scene") if isinstance(seq.meta, dict) else None
    samples = scene.get("people") if isinstance(scene, dict) else None
    if not samples:
        return None
    try:
        frames = [(float(p["t"]), [tuple(map(float, b)) for b in p["bodies"]]) for p in samples]
    except (KeyError, TypeError, ValueError):
        return None
    counts = tuple(len(b) for _, b in frames)
    share = sum(c > 1 for c in counts) / len(counts)
    if not PeopleCount(counts, share, None).others_seen:
        return PeopleCount(counts, share, None)
    centre, size = _body_track(seq)
    tracks: list[list[tuple[int, float, float, float]]] = []  # (sample, x, y, size) per person
    tracked: list[int] = []  # track index of the tracked body on each sample where it is seen
    for k, (t, bodies) in enumerate(frames):
        used: set[int] = set()
        ids = []
        for x, y, sz in bodies:
            best, dist = None, SAME_PERSON_TORSOS
            for n, tr in enumerate(tracks):
                if n in used:
                    continue
                _, x0, y0, s0 = tr[-1]
                # Up and down counts for less: a squatter's body drops more than a body size
                # between samples, and split into a "standing" and a "bottom" person whose
                # spreads then picked the lifter by chance.
                d = (float(np.hypot(x - x0, (y - y0) * SAMPLE_RISE_WEIGHT * seq.height / seq.width))
                     * seq.width / (max(sz, s0) * seq.height))
                if d < dist:
                    best, dist = n, d
            if best is None:
                tracks.append([])
                best = len(tracks) - 1
            tracks[best].append((k, x, y, sz))
            used.add(best)
            ids.append(best)
        i = int(np.clip(np.searchsorted(seq.timestamps_s, t), 0, seq.n_frames - 1))
        if bodies and np.isfinite(centre[i]).all():
            cx, cy = centre[i][0] / seq.width, centre[i][1] / seq.height
            # In body sizes (shares of the height): a body the scan found elsewhere than
            # the pose is not the tracked one (the scan missed it on that sample).
            far = [np.hypot((cx - b[0]) * seq.width / seq.height, cy - b[1]) / max(b[2], 1e-6)
                   for b in bodies]
            near = int(np.argmin(far))
            if far[near] <= TRACKED_NEAR_TORSOS:
                tracked.append(ids[near])
    movement = [float(np.std([y for _, _, y, _ in tr]) / np.median([s for *_, s in tr]))
                if len(tr) >= 3 else 0.0 for tr in tracks]
    if not tracked or max(movement) == 0.0:
        return PeopleCount(counts, share, None)
    lifter = int(np.argmax(movement))
    mine = max(set(tracked), key=tracked.count)
    # Two lifters side by side move alike (0.38 against 0.37): the tracked one is a lifter
    # unless another body clearly moves more.
    if mine == lifter or movement[lifter] < LIFTER_MARGIN * movement[mine]:
        return PeopleCount(counts, share, True)
    others = [b for n, tr in enumerate(tracks) if n != lifter for b in tr]
    return PeopleCount(counts, share, False,
                       f"another body moves more ({movement[lifter]:.2f} vs {movement[mine]:.2f} body "
                       "sizes of height spread on the sampled frames)",
                       lifter_crop(tracks[lifter], others, seq.width / seq.height))


# The lifter's part of the picture (lifter_crop), in torso lengths (the scan's body size)
# from the centre of shoulders and hips on each sample: a standing body's head is within
# 1.5 of it and its feet within 2.5; a push-up's feet lie 2.5 to the side, a barbell's
# ends about 2. Another body beside the lifter moves the crop's edge to half-way between
# them, and must be at least CROP_APART_TORSOS (the larger body's) to the side of every
# place the lifter was seen.
CROP_SIDEWAYS_TORSOS = 2.6
CROP_UP_TORSOS = 1.8
CROP_DOWN_TORSOS = 2.6
CROP_APART_TORSOS = 1.2
# A crop that keeps more than this share of the picture shows the model nearly what it saw.
CROP_MAX_AREA = 0.85


def lifter_crop(lifter: Sequence[tuple[int, float, float, float]],
                others: Sequence[tuple[int, float, float, float]],
                aspect: float) -> tuple[float, float, float, float] | None:
    """The part of the picture (x0, y0, x1, y1 shares) around a body's sampled places
    ((sample, x, y, size) as count_people links them; size a share of the height) that
    leaves out every other body seen beside it, or None: another body came within
    CROP_APART_TORSOS of the lifter's places sideways (the two cannot be shown apart),
    or the part would be nearly the whole picture. aspect: the picture's width / height."""
    if not lifter:
        return None
    xs = np.array([b[1] for b in lifter])
    ys = np.array([b[2] for b in lifter])
    size = float(np.median([b[3] for b in lifter]))
    half_w = CROP_SIDEWAYS_TORSOS * size / aspect
    x0, x1 = float(xs.min() - half_w), float(xs.max() + half_w)
    y0, y1 = float(ys.min() - CROP_UP_TORSOS * size), float(ys.max() + CROP_DOWN_TORSOS * size)
    for _, x, y, sz in others:
        if not (x0 < x < x1 and y0 < y < y1):
            continue
        apart = CROP_APART_TORSOS * max(sz, size) / aspect
        if x <= xs.min() - apart:
            x0 = max(x0, (x + xs.min()) / 2)
        elif x >= xs.max() + apart:
            x1 = min(x1, (x + xs.max()) / 2)
        else:
            return None
    box = (max(0.0, x0), max(0.0, y0), min(1.0, x1), min(1.0, y1))
    if (box[2] - box[0]) * (box[3] - box[1]) > CROP_MAX_AREA:
        return None
    return tuple(round(float(v), 4) for v in box)


def split_shots(seq: PoseSequence, *, min_shot_s: float = MIN_SHOT_S,
                min_detection: float = 0.3,
                max_blank_s: float = AnalysisConfig.max_unseen_s) -> ShotSplit:
    """The clip's shots (split at cuts), which are analysed, and other people's frames.

    min_shot_s > 0: shorter shots are listed as not analysed (analysis.analyse_pose still
    counts the whole reps of one next to a longer shot); min_detection 0..1: a shot
    where the person is found on fewer of its frames is not analysed either; max_blank_s:
    the longest blank picture between the same person that is no cut (the config's
    max_unseen_s: segmentation bridges it).
    """
    boundaries, has_stats = find_boundaries(seq, max_blank_s)
    t = seq.timestamps_s
    n = seq.n_frames
    cuts = [b for b in boundaries if b.kind in SPLITTING]
    edges = [0] + [b.frame for b in cuts] + [n]
    dt = 1.0 / seq.fps
    shots: list[Shot] = []
    other = np.zeros(n, dtype=bool)
    detected = seq.detected
    for a, b in zip(edges[:-1], edges[1:]):
        if b <= a:
            continue
        start_s, stop_s = float(t[a]), float(t[b - 1] + dt)
        seen = float(detected[a:b].mean())
        if stop_s - start_s < min_shot_s:
            shots.append(Shot(a, b, start_s, stop_s, False, f"shorter than {min_shot_s:.0f} s"))
            continue
        if seen < min_detection:
            shots.append(Shot(a, b, start_s, stop_s, False, f"a person on only {seen:.0%} of its frames"))
            continue
        shots.append(Shot(a, b, start_s, stop_s, True))
    # Other people's frames in every shot analysis reads: the sets, and the short shots
    # next to them whose whole reps analyse_pose counts too.
    # With no shot long enough to be a set, analyse_pose reads the whole clip as one: every
    # shot's then (a switch there went unmasked, and "no frames left out" was said).
    beside = set(_short_beside(shots))
    none_long = not any(shot.analysed for shot in shots)
    for k, shot in enumerate(shots):
        if shot.analysed or k in beside or none_long:
            inside = [s for s in boundaries if s.kind == "switch" and shot.start < s.frame < shot.stop]
            other |= _other_person_frames(seq, shot.start, shot.stop, inside)
    # A shot with nobody in it (a title card, an end card) is no other scene with a person:
    # an intro and an outro card on a 10 s clip had made it a montage with no verdicts.
    peopled = [s for s in shots if detected[s.start:s.stop].mean() >= min_detection]
    short_time = sum(s.duration_s for s in peopled if s.short)
    total = float(t[-1] - t[0] + dt) if n else 0.0
    montage = len(peopled) >= MONTAGE_SHOTS or (len(peopled) >= 3 and short_time > total / 3)
    return ShotSplit(tuple(boundaries), tuple(shots), other, montage, has_stats,
                     people=count_people(seq), start_s=float(t[0]) if n else 0.0)


def _short_beside(shots: "list[Shot] | tuple[Shot, ...]") -> tuple[int, ...]:
    """Indices of the shots too short to be a set alone (Shot.short) next to one analysed
    as a set (see ShotSplit.short_beside)."""
    return tuple(k for k, shot in enumerate(shots) if shot.short and (
        (k > 0 and shots[k - 1].analysed) or (k + 1 < len(shots) and shots[k + 1].analysed)))
