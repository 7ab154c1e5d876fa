"""One set, end to end: the one orchestrator of the pipeline.

pose -> signals (kinematics, form) -> reps (segmentation) -> tempo -> velocity -> drift
-> verdicts. `analyse_pose` is pure (arrays in, a frozen SetAnalysis out, milliseconds);
`analyse_video` adds the cached pose extraction in front of it. Every stage is called
from here and nowhere else, so the order of the pipeline reads top to bottom.
"""

from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable, Sequence

import numpy as np

from .camera import (camera_path, framing_zoom, held_still, moved_with, sideways_hint, steadied,
                     sway, sway_offset, turned_picture, unsteadied_path, upside_down_picture,
                     zoom_change)
from .config import AnalysisConfig
from .errors import AnalysisError
from .drift import FORM_CUTOFF_HZ, SetDrift, read_faults, set_drift
from .form import detect_view, form_signals
from .landmarks import LM
from .kinematics import (BOTH, Signal, apply_swaps, metric_side, outside_picture, path_speed,
                         signal_from_spec, swapped_frames, tracked_point_px)
from .exercise_detection import detect_exercise, exercise_misfit
from .profiles import AUTO, ExerciseProfile, SignalSpec, get_profile, lifter_pick, profile_min_rom
from .scale import Scale, estimate_scale
from .segmentation import (CUT_REST_SHARE, begun_past_half, joint_ranges, joint_still, lockout_arrivals,
                           mark_time_holes, out_of_range, path_onsets, segment_reps, time_holes)
from .shots import (Boundary, ShotSplit, low_frame_rate_warning, picture_repeat, repeated_frames_warning,
                    split_shots)
from .smoothing import smooth_frames
from .tempo import SetRhythm, TempoStep, set_rhythm, set_tempo, tempo_step
from .types import NO_PERSON, NO_PERSON_SEEN, PoseSequence, Rep, RepMetrics, RepTempo, Verdict, slow_motion
from .velocity import SetVelocity, reserve_before_failure, set_velocity
from .summary import SetSummary, quality_warnings, summarise, too_small_for_form
from .verdicts import (VerdictThresholds, borderline, ending_evidence, judge, speed_comparable,
                       unjudged_reps)

if TYPE_CHECKING:
    from .bar_metrics import BarPath
    from .barpath import BarTrack

# The exercise_reason of an exercise given rather than detected, when no caller says where
# it came from (analyze: --exercise or the config file).
GIVEN_EXERCISE = "chosen by the user"


@dataclass(frozen=True, eq=False)
class SetMetrics:
    """The velocity and drift stages' results for one set, and the per-rep table built from them.

    track: float[T] tracked point height in pixels (up), at the form cut-off: what phase
    edges, movement progress and the concentric-failure check read; seen: bool[T] whether
    the tracked point was found on each frame (the track bridges short gaps), None when
    not known; driver: float[T] the signal the reps were segmented on, None when not known.
    """

    reps: tuple[RepMetrics, ...]
    scale: Scale
    velocity: SetVelocity
    drift: SetDrift
    track: np.ndarray
    seen: np.ndarray | None = None
    driver: np.ndarray | None = None

    @property
    def view(self) -> str:
        """Camera view the form angles were read in."""
        return self.drift.view

    @property
    def side(self) -> str:
        """Limbs the form angles use."""
        return self.drift.side

    @property
    def baseline_reps(self) -> tuple[int, ...]:
        """Rep indices of the velocity and form baseline."""
        return self.velocity.baseline_reps

    @property
    def baseline_velocity_mps(self) -> float:
        """Mean concentric velocity that velocity loss is measured from."""
        return self.velocity.baseline_mps

    @property
    def setup_reps(self) -> tuple[int, ...]:
        """A first "rep" that was set-up (unrack, jump to the bar), not judged."""
        return self.velocity.setup_reps

    @property
    def not_measurable(self) -> dict:
        """Angle -> why this view cannot measure it."""
        return self.drift.not_measurable

    @property
    def warnings(self) -> tuple[str, ...]:
        """Caveats of the velocity stage."""
        return self.velocity.warnings


@dataclass(frozen=True)
class Assessment:
    """What the velocity, drift and verdict stages add to a set."""

    metrics: SetMetrics
    verdicts: tuple[Verdict, ...]
    summary: SetSummary
    # Where every phase changed pace at once (a slow-motion section; tempo.tempo_step):
    # reps from there on are not judged for speed, nor read for the set's loss or RIR.
    tempo_step: TempoStep | None = None

    @property
    def scale(self) -> Scale:
        """The pixel-to-metre scale the velocities rest on."""
        return self.metrics.scale


def _rep_table(reps: tuple[Rep, ...], vel: SetVelocity, drift: SetDrift) -> tuple[RepMetrics, ...]:
    """One RepMetrics a rep from the velocity and drift stages (no new numbers)."""
    return tuple(RepMetrics(
        index=r.index, mean_velocity_mps=v.mean_mps, peak_velocity_mps=v.peak_mps,
        mean_propulsive_velocity_mps=v.mean_propulsive_mps, rom_m=v.rom_m,
        velocity_loss_pct=loss, rir_estimate=rir, angles_bottom_deg=bottom,
        angles_top_deg=top, drift_deg=d, curve_distance_deg=dist)
        for r, v, loss, rir, bottom, top, d, dist in zip(
            reps, vel.reps, vel.loss_pct, vel.rir, drift.angles_bottom_deg,
            drift.angles_top_deg, drift.drift_deg, drift.curve_distance_deg))


def assess_set(seq: PoseSequence, reps: tuple[Rep, ...], profile: ExerciseProfile,
               cfg: AnalysisConfig, tempos: tuple[RepTempo, ...] | None = None, *,
               flipped: np.ndarray | None = None, side: str | None = None,
               detection_rate: float | None = None,
               track_px: np.ndarray | None = None, scale: Scale | None = None,
               view: str | None = None, form_hidden: str = "",
               driver: np.ndarray | None = None,
               concentrics: tuple[tuple[int, int], ...] | None = None) -> Assessment:
    """Scale -> velocity -> drift -> verdicts -> summary for one segmented set (pure).

    flipped: bool[T] frames whose left/right labels the model swapped
    (kinematics.swapped_frames; found when None); side: the set's side for the tracked
    point (chosen from its landmarks' visibility when None); detection_rate: share of the
    set's frames with a person (the sequence's when None; a shot of a longer clip has its own).
    track_px, scale: the velocity point's float[T,2] pixel track and its Scale, when
    another point than the profile's landmarks is of record (the bar: analyse_bar).
    view: the camera view (form.detect_view's; detected when None). form_hidden: why the
    body's landmarks cannot judge form in this set (the plate hid them), or "": then no
    technical verdict is given and the summary says so, instead of "technique intact".
    driver: float[T] the signal the reps were segmented on: movement progress for form
    drift when the tracked point runs backwards within the reps (drift.progress_signal).
    concentrics: the frames each rep's velocity is read over when the tracked point's own
    rise is known (the bar's, bar_metrics.bar_concentrics); tempo keeps the reps' phases.
    """
    reps = tuple(reps)
    if flipped is None:
        flipped = swapped_frames(seq.image)
    image, world = apply_swaps(seq.image, flipped), apply_swaps(seq.world, flipped)
    user_side = None if cfg.side == "auto" else cfg.side.upper()
    if side is None:
        side = user_side or metric_side(seq, profile.velocity_point, min_visibility=cfg.min_visibility)
    if tempos is None or len(tempos) != len(reps):
        tempos = set_tempo(reps, seq.timestamps_s)
    if scale is None:
        scale = estimate_scale(seq, cfg.lifter_height_m, min_visibility=cfg.min_visibility)
    form_hidden = form_hidden or too_small_for_form(scale)
    vel_px, tilted = track_px, False
    if track_px is None:
        track_px = vel_px = tracked_point_px(seq, profile.velocity_point, side, image=image)
        if profile.hands_planted and reps:
            vel_px, tilted = _against_background(seq, reps, track_px, side, image)
    vel = set_velocity(seq, reps, track_px=vel_px, scale=scale, family=profile.family,
                       baseline_reps=cfg.baseline_reps, cutoff_hz=cfg.smoothing_cutoff_hz,
                       max_gap_s=cfg.max_gap_s, concentrics=concentrics,
                       rom_outlier_share=cfg.rom_outlier_share,
                       min_baseline_mps=cfg.min_baseline_velocity_mps)
    form_cutoff = max(cfg.smoothing_cutoff_hz, FORM_CUTOFF_HZ)
    form = form_signals(seq, profile, view=view, cutoff_hz=form_cutoff, side=user_side,
                        max_gap_s=cfg.max_gap_s, image=image, world=world)
    # The tracked point at the form cut-off (pixels, up): phase edges and movement progress.
    track = smooth_frames(-track_px[:, 1], seq.timestamps_s, seq.fps, cutoff_hz=form_cutoff,
                          max_gap_s=cfg.max_gap_s)
    position = {r.index: k for k, r in enumerate(reps)}
    # A drift must last drift_min_frames pictures: in a clip that shows each picture on
    # three frames (made at 10 fps, stored at 30), three frames are one picture, and a
    # one-picture wobble of the knees called technical failure on a clean squat set.
    min_frames = cfg.drift_min_frames * picture_repeat(seq)
    thresholds = dataclasses.replace(VerdictThresholds.from_config(cfg), drift_min_frames=min_frames)
    # Reps no verdict is judged on lend a one-rep norm no spread.
    drift = set_drift(form, reps, track, [position[i] for i in vel.baseline_reps], profile,
                      min_frames=min_frames, tolerance_override=cfg.drift_tolerance_deg,
                      driver=driver, unjudged=unjudged_reps(reps, vel, thresholds))
    metrics = SetMetrics(reps=_rep_table(reps, vel, drift), scale=scale, velocity=vel,
                         drift=drift, track=track, seen=np.isfinite(track_px[:, 1]),
                         driver=driver)
    verdicts = tuple(judge(reps, metrics, profile.eccentric_first, thresholds, tempos, fps=seq.fps))
    attempt = min((v for v in verdicts if v.kind == "concentric"), key=lambda v: v.rep_index,
                  default=None)
    failed = None if attempt is None else attempt.rep_index
    if attempt is not None and reps and failed > reps[-1].index:
        # An attempt after the last rep (verdicts.trailing_stall: no Rep of its own) that
        # began after a rest bounds nothing before it, as Rep.rested_before has it for one
        # that is a Rep: the rest came between.
        t = seq.timestamps_s
        began = t[min(int(attempt.evidence["frames"][0]), len(t) - 1)]
        if began - t[min(reps[-1].end, len(t) - 1)] > cfg.max_pause_s:
            failed = None
    if failed is not None:
        # A rep that failed tells the reps before it how many were left: the ones finished.
        vel = dataclasses.replace(vel, rir=reserve_before_failure(vel.rir, reps, failed,
                                                                  cfg.rom_outlier_share))
        metrics = dataclasses.replace(metrics, velocity=vel, reps=_rep_table(reps, vel, drift))
    rate = seq.detection_rate if detection_rate is None else detection_rate
    step = tempo_step(reps, tempos, cfg.tempo_step_ratio)
    if step is not None:
        # From the change of pace on (slow motion, or a new tempo) speeds do not compare
        # with the first reps': no loss and no reps in reserve on those reps either, as the
        # set's summary has none (the table showed 77 % loss, RIR ~0, beside the warning).
        after = [r.index >= step.rep for r in reps]
        vel = dataclasses.replace(
            vel, loss_pct=tuple(float("nan") if a else x for a, x in zip(after, vel.loss_pct)),
            rir=tuple(None if a else x for a, x in zip(after, vel.rir)))
        metrics = dataclasses.replace(metrics, velocity=vel, reps=_rep_table(reps, vel, drift))
    # The set's speed: its counted reps' mean velocity (set-up left out), and its loss and
    # reps in reserve off one rep, the last after the first baseline rep whose speed was
    # read and compares with the first reps' (not out of range, not filmed at another speed).
    setup = set(metrics.setup_reps)
    lifted = [(r, m) for r, m in zip(reps, metrics.reps) if r.counted and r.index not in setup]
    # The mean over the reps whose speed reads like the first reps' (speed_comparable): not
    # after a change of film speed (slow motion from rep 6 halved the set's mean), nor far
    # past the run's range.
    speeds = [m.mean_velocity_mps for r, m in lifted
              if m.mean_velocity_mps is not None and np.isfinite(m.mean_velocity_mps)
              and speed_comparable(r, step, cfg.rom_outlier_share)]
    first_base = min(metrics.baseline_reps, default=0)
    # The loss and RIR are read off the last rep lifted to lockout, a short one included:
    # the verdicts judge a short rep's speed, and a set whose last rep was called a tempo
    # failure at 29 % loss read "10+ reps in reserve" off the full rep before it.
    # (With one full rep there is no loss to read: "1 rep" says so, a short rep after it
    # is no second one.)
    finished = ([(r, m) for r, m in zip(reps, metrics.reps) if r.completed and r.index not in setup]
                if len(lifted) >= 2 else lifted)
    last = next((m for r, m in reversed(finished)
                 if r.index > first_base and speed_comparable(r, step, cfg.rom_outlier_share)
                 and m.velocity_loss_pct is not None and np.isfinite(m.velocity_loss_pct)), None)
    warnings = quality_warnings(metrics, detection_rate=rate, n_reps=len(reps),
                                counted=sum(1 for r in reps if r.counted),
                                baseline_reps=cfg.baseline_reps,
                                loss_rep=last.index if last is not None else None)
    if tilted:
        warnings = [*warnings, "the camera tilted during the set (the background moved up or "
                    "down, and the planted hands with it): speeds were read against the "
                    "background"]
    if form_hidden:
        verdicts = tuple(v for v in verdicts if v.kind != "technical")
        warnings = [*warnings, f"form not judged: {form_hidden}"]
    if step is not None:
        # Every phase changed pace at once: the film's speed changed, or the lifter's
        # tempo did; neither is fatigue, so speed is not judged from there on.
        verdicts = tuple(v for v in verdicts
                         if not (v.kind in ("tempo", "eccentric") and v.rep_index >= step.rep))
        warnings = [*warnings, step.warning()]
    slow_from_start = _slow_from_the_first_rep(reps, verdicts, first_base or 1, thresholds)
    if slow_from_start:
        warnings = [*warnings, slow_from_start]
    # The last rep too close to a threshold to call; not where form or speed goes unjudged.
    near = tuple(b for b in borderline(reps, metrics, thresholds, verdicts, first_judged=first_base or 1)
                 if not (b.kind == "technical" and form_hidden)
                 and not (b.kind == "tempo" and step is not None and b.rep_index >= step.rep))
    warnings = [*warnings, *(b.warning() for b in near)]
    shallow = shallow_after(reps, driver if driver is not None else track)
    if shallow:
        deepest = max(shallow)
        # Why the segmenter left them out is its own business (too shallow against its
        # typical range, too slow, ...), so none is claimed here.
        warnings = [*warnings, f"after rep {reps[-1].index}: {len(shallow)} more movement(s) part-way "
                    f"into a rep, as far as {int(deepest * 100)} % of the counted reps' "
                    "range, not counted as reps; the set is not said to end with technique and "
                    "tempo intact"]
    read = read_faults(drift.faults)  # the fault measures read on some rep
    summary = summarise(reps, verdicts, warnings, setup_reps=metrics.setup_reps,
                        rir_estimate=last.rir_estimate if last is not None else None,
                        mean_velocity_mps=float(np.mean(speeds)) if speeds else float("nan"),
                        velocity_loss_pct=float(last.velocity_loss_pct) if last is not None else float("nan"),
                        loss_rep=last.index if last is not None else None,
                        baseline_reps=cfg.baseline_reps,
                        # a profile with faults none of which could be read judged no form,
                        # nor one whose every fault was not read on the last rep lifted
                        form_judged=not form_hidden and (_form_read_to_the_end(reps, drift)
                                                         or not profile.faults),
                        # no velocity loss read on any rep (no scale, no baseline, the
                        # first reps too slow to be the load lifted as fast as it can be):
                        # the tempo is not known to be intact
                        tempo_judged=step is None and bool(np.isfinite(vel.loss_pct).any()),
                        ended_at_rest=_ends_at_rest(reps, track) and not shallow,
                        borderline=near,
                        form_faults_judged=not form_hidden and bool(read),
                        faults_not_judged=tuple(f.measure for f in profile.faults
                                                if f.measure not in read))
    if summary.ending:
        summary = dataclasses.replace(summary, ending_evidence=ending_evidence(
            summary.ending, reps, metrics, thresholds, verdicts,
            [tp.concentric_s for tp in tempos], loss_rep=summary.loss_rep))
    return Assessment(metrics, verdicts, summary, step)


def _in_reps(reps: Sequence[Rep], n_frames: int) -> np.ndarray:
    """bool[n_frames]: the frames from some rep's start to its end."""
    inside = np.zeros(n_frames, dtype=bool)
    for r in reps:
        inside[r.start:r.end + 1] = True
    return inside


def _against_background(seq: PoseSequence, reps: tuple[Rep, ...], track_px: np.ndarray,
                        side: str, image: np.ndarray) -> tuple[np.ndarray, bool]:
    """(the tracked point's pixel track for speed, whether the camera's movement was taken
    out of it): a hand-held camera's tilt, seen in the background and witnessed by the
    planted hands (camera.moved_with), adds to or takes from each rep's rise; read against
    the background it cancels. On a real hand-held pull-up set the shoulders' travel read
    0.26-0.45 m from rep to rep as filmed, and 0.33-0.40 m against the background."""
    cam = camera_path(seq, None, held=False)
    if cam is None:
        return track_px, False
    path = unsteadied_path(seq, cam)
    # Read over the reps only: between mini-sets the hands may leave the bar.
    inside = _in_reps(reps, seq.n_frames)
    y = track_px[inside, 1]
    y = y[np.isfinite(y)]
    rng = float(np.percentile(y, 95) - np.percentile(y, 5)) if y.size else 0.0
    hands = tracked_point_px(seq, ("WRIST",), side, image=image)
    if not moved_with(path[inside, 1], hands[inside, 1], rng,
                      min_frames=int(round(seq.fps))):  # a second of both seen
        return track_px, False
    return track_px - path, True


def _slow_from_the_first_rep(reps: Sequence[Rep], verdicts: Sequence[Verdict], first: int,
                             th: VerdictThresholds) -> str:
    """Why the set misses its concentric time limit from the start, when the first judged
    rep and the completed rep after it both do (a power goal's 1.2 s on a grinding
    deadlift), or "": such a set failed nothing part-way, and "rep 1 (tempo), 0 good reps"
    alone reads as a set that broke at once."""
    slow = {v.rep_index: v for v in verdicts if v.kind == "tempo" and "concentric" in v.evidence}
    after = next((r.index for r in reps if r.index > first and r.completed), None)
    if first not in slow or after not in slow:
        return ""
    took = slow[first].evidence["concentric"]
    words = th.limit_words("time")
    why = (" (power work is lifted fast, with loads that allow it)"
           if words == "power goal" else "")
    return (f"reps {first} and {after}, the first judged, already took "
            f"{took['value']:.2f} s and {slow[after].evidence['concentric']['value']:.2f} s to "
            f"lift against the {took['threshold']:g} s limit ({words}): the load or the tempo "
            f"does not suit it from the start{why}, so every slow rep is called")


def _form_read_to_the_end(reps: tuple[Rep, ...], drift: SetDrift) -> bool:
    """Whether some fault measure was read on the set's last completed rep (not dropped
    for the set, nor left unread on that rep: drift.FaultDrift.unread_reps)."""
    done = [r.index for r in reps if r.completed]
    last = done[-1] if done else None
    return any(last not in f.unread_reps for f in drift.faults.values())


def _ends_at_rest(reps: tuple[Rep, ...], track: np.ndarray) -> bool:
    """Whether the tracked point (float[T], up) is back at the set's rest level on the
    clip's last seen frame: a clip that ends part-way down another rep did not show the
    lifter stop."""
    seen = np.flatnonzero(np.isfinite(track))
    done = [r for r in reps if r.completed and r.seen_whole]
    if not seen.size or not done:
        return True
    rest = float(np.median([track[r.start] for r in done]))
    travel = float(np.median([track[r.turnaround] - track[r.start] for r in done]))
    # Only a way towards the turnaround is another rep begun: past rest the other way (a
    # curler's arms hanging a little lower than between reps) is at rest.
    return not np.sign(travel) * (track[seen[-1]] - rest) > CUT_REST_SHARE * abs(travel)


# After the set's last rep, a movement towards the reps' turnaround of at least this share
# of their range that comes back to rest (within AT_REST_SHARE of it) is one the segmenter
# did not count as a rep (too shallow, under min_rom_share, or too slow): two half-squats
# after a set read as "stopped with technique and tempo intact". The 22 real clips move
# at most 0.1 of their range that way after their last rep, and come back.
SHALLOW_AFTER_SHARE = 0.3
AT_REST_SHARE = 0.15


def shallow_after(reps: tuple[Rep, ...], signal: np.ndarray) -> list[float]:
    """How deep (share of the reps' range) each movement after the last rep went that left
    rest towards the reps' turnaround by SHALLOW_AFTER_SHARE or more and came back to it,
    on the signal the reps were found on (float[T]; NaN outside the set)."""
    done = [r for r in reps if r.completed and r.seen_whole]
    if not done or not len(signal):
        return []
    signal = np.asarray(signal, dtype=np.float64)
    rest = float(np.median([signal[r.start] for r in done]))
    way = float(np.median([signal[r.turnaround] - signal[r.start] for r in done]))
    if not (np.isfinite(rest) and np.isfinite(way) and way != 0):
        return []
    u = (signal[reps[-1].end + 1:] - rest) / way  # 1 at the reps' turnaround
    at_rest = np.flatnonzero(np.isfinite(u) & (np.abs(u) <= AT_REST_SHARE))
    out = []
    for a, b in zip(at_rest[:-1], at_rest[1:]):
        inner = u[a + 1:b]
        if inner.size and np.all(np.isfinite(inner)) and inner.max() >= SHALLOW_AFTER_SHARE:
            out.append(float(inner.max()))
    return out


@dataclass(frozen=True, eq=False)
class SetAnalysis:
    """Everything repsight found in one set, with what it was computed from.

    Frame indices in `reps` index `timestamps_s`; `signal` is the per-frame driving signal
    (smoothed, in `signal_unit`) read on `side`, from the mean of `signal_landmarks`
    (a height) or their joint angle (an angle), so an overlay can draw exactly what was
    segmented. `metrics` and `verdicts` come from the velocity and verdict stage
    (`verdicts.assess_set`), aligned with `reps` by rep index.
    """

    source: str
    exercise: str
    exercise_auto: bool
    exercise_reason: str
    config: AnalysisConfig
    fps: float
    n_frames: int
    timestamps_s: np.ndarray
    reps: tuple[Rep, ...]
    tempo: tuple[RepTempo, ...]
    rhythm: SetRhythm
    metrics: tuple[RepMetrics, ...] = ()
    verdicts: tuple[Verdict, ...] = ()
    warnings: tuple[str, ...] = ()
    signal: np.ndarray = dataclasses.field(default_factory=lambda: np.zeros(0))
    signal_name: str = ""
    signal_kind: str = "height"
    signal_unit: str = ""
    signal_points: tuple[str, ...] = ()
    signal_landmarks: tuple[int, ...] = ()
    side: str = BOTH
    eccentric_first: bool = True
    concentric_increases: bool = True
    detection_rate: float = float("nan")
    # Velocity and verdict stage (issue 5): the set summary (first failure, caveats) and
    # everything behind the metrics (scale, view, baseline, per-rep angle curves).
    verdict_summary: SetSummary | None = None
    assessment: Assessment | None = None
    # Shots (issue 13): a clip with camera cuts is analysed one set per shot. `span` is the
    # frames [start, stop) of the clip this set covers (None: all of it; frame indices stay
    # the clip's); `sets` holds every analysed shot, this one included, on the clip's
    # result; `shots` how the clip was split.
    span: tuple[int, int] | None = None
    sets: tuple["SetAnalysis", ...] = ()
    shots: ShotSplit | None = None
    # Bar path (issue 16): the barbell followed through the set, its per-rep figures and
    # whether its velocities are the set's (then metrics and verdicts rest on them).
    bar: "BarPath | None" = None
    # Camera (camera.py): the background's sway over the set's reps (RMS, share of the
    # frame; None when not measured) and whether the landmarks were held still against it.
    # camera_shift: float32[T, 2] the sway taken out of the image landmarks (normalised x,
    # y), when it was; the bar pass takes it out of the plate's track too.
    camera_sway: float | None = None
    camera_steadied: bool = False
    camera_shift: np.ndarray | None = None
    # The lifter's size on the picture over the reps (camera.framing_zoom): how much it
    # changed (largest over smallest, minus 1; None when not measured), whether the
    # landmarks were scaled back to the set's usual framing, and camera_scale: float32[T]
    # the zoom divided out of them (about the picture's centre) when they were.
    camera_zoom: float | None = None
    camera_zoomed: bool = False
    camera_scale: np.ndarray | None = None
    # What the video's bytes hash to (PoseSequence.content_hash): the same set under another
    # name or in a copied results folder is one set to history.
    content_hash: str = ""
    # How many times slower than life the file plays (types.slow_motion): fps and
    # timestamps_s are as lifted; a frame's time in the file is its time times this.
    slow_motion: float = 1.0

    @property
    def camera_held(self) -> bool:
        """Whether the landmarks were corrected for the camera (its sway or a zoom)."""
        return self.camera_shift is not None or self.camera_scale is not None

    @property
    def all_warnings(self) -> tuple[str, ...]:
        """Every caveat of the set, once each: the clip's and its reps' (`warnings`), then
        the verdict stage's (`verdict_summary.warnings`)."""
        # The two stages keep their own lists (each is replaced when its stage runs again,
        # as the bar pass does); a coach reads them as one, so every output takes this.
        stage = self.verdict_summary.warnings if self.verdict_summary is not None else ()
        return tuple(dict.fromkeys((*self.warnings, *stage)))

    @property
    def scale(self):
        """The pixel-to-metre Scale behind the velocities (None before the metrics stage)."""
        return self.assessment.scale if self.assessment is not None else None

    @property
    def every_set(self) -> tuple["SetAnalysis", ...]:
        """The clip's sets in time order: one per analysed shot, or this set alone."""
        return self.sets or (self,)

    @property
    def numbered_sets(self) -> tuple[tuple["SetAnalysis", int], ...]:
        """(set, reps before it) for each of every_set: rep k of a set is rep offset + k
        of the clip, the numbering a viewer follows through a clip split into sets."""
        out, before = [], 0
        for one in self.every_set:
            out.append((one, before))
            before += len(one.reps)
        return tuple(out)

    @property
    def rep_count(self) -> int:
        """Reps counted: complete, non-partial ones."""
        return sum(1 for r in self.reps if r.counted)

    @property
    def duration_s(self) -> float:
        """Duration of the analysed clip (of the set's shot, when it has a span) in seconds."""
        start, stop = self.span if self.span is not None else (0, self.n_frames)
        if stop <= start:
            return 0.0
        return float(self.timestamps_s[stop - 1] - self.timestamps_s[start] + 1.0 / self.fps)


def driving_signal(seq: PoseSequence, profile: ExerciseProfile, cfg: AnalysisConfig, *,
                   image: np.ndarray | None = None, view: str | None = None) -> Signal:
    """The profile's driving signal in this view (ExerciseProfile.driver_for; the profile's
    own when None) from the pose, conditioned as the config says."""
    side = "auto" if cfg.side == "auto" else cfg.side.upper()
    spec = profile.driver if view is None else profile.driver_for(view)[0]
    return signal_from_spec(seq, spec, side=side, min_visibility=cfg.min_visibility,
                            cutoff_hz=cfg.smoothing_cutoff_hz, max_gap_s=cfg.max_gap_s,
                            min_body_size=cfg.min_body_size, image=image)


def segment_settings(cfg: AnalysisConfig) -> dict[str, float]:
    """The config's segmentation thresholds, as segment_reps takes them: one set for the
    body's reps and the bar's own rises (bar_metrics.bar_concentrics)."""
    return dict(min_rep_duration_s=cfg.min_rep_duration_s, max_rep_duration_s=cfg.max_rep_duration_s,
                min_rom_share=cfg.min_rom_share, partial_rom_share=cfg.partial_rom_share,
                pause_velocity_share=cfg.pause_velocity_share, max_pause_s=cfg.max_pause_s,
                new_range_rest_s=cfg.new_range_rest_s, smoothing_cutoff_hz=cfg.smoothing_cutoff_hz,
                max_unseen_s=cfg.max_unseen_s)


def find_reps(sig: Signal, fps: float, profile: ExerciseProfile, cfg: AnalysisConfig, *,
              concentric_increases: bool | None = None) -> tuple[Rep, ...]:
    """segment_reps with the signal's orientation (the profile's when None) and the
    config's thresholds."""
    rises = profile.concentric_increases if concentric_increases is None else concentric_increases
    return segment_reps(
        sig.values, fps, concentric_increases=rises,
        eccentric_first=profile.eccentric_first, min_rom=profile_min_rom(profile, sig.kind, cfg.min_rom),
        diff_noise=sig.diff_noise, **segment_settings(cfg))


def _only(seq: PoseSequence, keep: np.ndarray) -> PoseSequence:
    """The sequence with every frame outside `keep` (bool[T]) emptied: indices stay the clip's."""
    image, world = seq.image.copy(), seq.world.copy()
    image[~keep] = np.nan
    world[~keep] = np.nan
    return dataclasses.replace(seq, image=image, world=world)


def analyse_pose(seq: PoseSequence, cfg: AnalysisConfig | None = None, *,
                 exercise_reason: str | None = None) -> SetAnalysis:
    """Analyse a clip from its poses (pure: no I/O, same input -> same output).

    exercise_reason: where cfg.exercise came from when it is not auto (batch: "from the
    file name", ...), kept as the analysis's exercise_reason; None: GIVEN_EXERCISE. An
    auto exercise's reason is what the detection saw.

    A clip of one shot and one person is one set. A clip with camera cuts is analysed one
    set per shot long enough (shots.split_shots), and per shorter shot next to such a one
    when the shorter one holds a whole rep: the result is the set with the most
    reps, with every set in `sets` and the cuts named in its warnings; frames where the
    tracker sat on another person are left out; a montage gets no verdicts.
    """
    cfg = cfg or AnalysisConfig()
    given = exercise_reason or GIVEN_EXERCISE
    if seq.n_frames == 0:
        raise AnalysisError(f"{seq.name}: the pose sequence has no frames")
    split = split_shots(seq, max_blank_s=cfg.max_unseen_s)
    found = split.warnings()
    # The clip's own caveats (extraction's, repeated frames): read once, given to each set.
    notes = [str(w) for w in seq.meta.get("warnings", [])]
    for caveat in (low_frame_rate_warning(seq), repeated_frames_warning(seq)):
        if caveat:
            notes.append(caveat)
    if split.single:
        one = _analyse_set(seq, cfg, notes, given=given, other_lifter=split.other_lifter)
        one = _sets_between_rests(seq, cfg, notes, one, given=given, other_lifter=split.other_lifter)
        if not found:
            return one
        return dataclasses.replace(one, warnings=tuple(dict.fromkeys((*found, *one.warnings))),
                                   shots=split)
    montage = [w for w in found if w.startswith("montage")]
    withheld = (f"the clip is a montage of {len(split.shots)} shots (several scenes or people)"
                if split.montage else "")
    sets = []
    shots = list(split.shots)
    beside = split.short_beside
    for n, shot in enumerate(split.shots):
        # A shot too short to be a set alone (under MIN_SHOT_S) next to one that is: a set
        # filmed on past a cut (a zoom, a new angle) can leave a rep or two after it, in
        # 2 s at a quick pace. Its whole reps are counted; with nothing whole it stays
        # listed, not analysed. (With no shot long enough, the clip is read as one set.)
        short = n in beside
        if not (shot.analysed or short):
            continue
        keep = np.zeros(seq.n_frames, dtype=bool)
        keep[shot.start:shot.stop] = True
        one = _analyse_set(_only(seq, keep & ~split.other_person), cfg, notes,
                           span=(shot.start, shot.stop), given=given,
                           other_lifter=split.other_lifter)
        if short:
            if one.rep_count == 0:
                continue
            shots[n] = dataclasses.replace(shot, analysed=True, reason="")
        if split.montage:
            one = _withheld(one, withheld, montage)
        sets.append(one)
    if shots != list(split.shots):
        split = dataclasses.replace(split, shots=tuple(shots))
        found = split.warnings()
    if not sets:
        # No shot long enough: the clip as one set (other people's frames left out), warned.
        whole = _analyse_set(_only(seq, ~split.other_person), cfg, notes, given=given,
                             other_lifter=split.other_lifter)
        if split.montage:
            whole = _withheld(whole, withheld, montage)
        elif split.new_framing:
            # Read across the cuts, a rep can span one and the speeds either side of a zoom
            # or a new framing compare (41 % "loss" at one): no verdicts, as for a montage.
            # (A gap in the recording alone keeps the framing: judged as a rest would be.)
            whole = _withheld(whole, "camera cuts split the clip into shots none long enough "
                              "to be a set alone, read as one (its reps may span the cuts)", [])
        return dataclasses.replace(whole, warnings=tuple(dict.fromkeys((*found, *whole.warnings))),
                                   shots=split)
    sets = [dataclasses.replace(one, shots=split) for one in sets]
    sets = list(sets_going_on(sets, split))
    main = max(sets, key=lambda a: (a.rep_count, a.span[1] - a.span[0]))
    return dataclasses.replace(main, warnings=tuple(dict.fromkeys((*found, *main.warnings))),
                               sets=tuple(sets) if len(sets) > 1 else ())


# How the warning of a clip split at its rests (_sets_between_rests) begins: batch gives it
# to every set's row, as it does a camera cut's.
SETS_AT_RESTS = "sets split at rest(s)"


def set_rests(reps: Sequence[Rep], times_s: np.ndarray, rest_s: float) -> list[tuple[int, int]]:
    """(last frame of a rep, first frame of the next) of every rest at least rest_s long
    between two reps that ends one set and begins the next: each side holds a counted rep
    (a partial dip after the set, a load picked up, starts no set of its own)."""
    cuts = [k for k, (r, n) in enumerate(zip(reps, reps[1:]), 1)
            if r.rested_before(n) and times_s[n.start] - times_s[r.end] >= rest_s]
    kept: list[int] = []
    for j, k in enumerate(cuts):
        before = reps[(kept[-1] if kept else 0):k]
        after = reps[k:(cuts[j + 1] if j + 1 < len(cuts) else len(reps))]
        if any(r.counted for r in before) and any(r.counted for r in after):
            kept.append(k)
    return [(reps[k - 1].end, reps[k].start) for k in kept]


# How much of a rest that ends a set each set keeps, either side of its reps: enough for
# the reading of how it ended (at rest or not) and of the start of its first rep; a
# rest of minutes read as part of a set of a few reps made its reps a small share of its
# frames, and the exercise read off them (5th-95th percentile ranges) another lift.
SET_EDGE_S = 5.0


def _sets_between_rests(seq: PoseSequence, cfg: AnalysisConfig, notes: list[str],
                        one: SetAnalysis, *, given: str, other_lifter: bool) -> SetAnalysis:
    """A clip of one shot holding sets with a rest between them (AnalysisConfig.set_rest_s,
    set_rests): one set per part, each read alone (its own baseline, velocity loss,
    verdicts) with up to SET_EDGE_S of the rests either side; the set with the most reps
    first, every set in `sets`. A clip with no such rest is `one` as it is. (Within a shot
    of a clip cut into shots, rests are not looked for.)

    Read as one set, the second set's fresh reps were "rested" clusters of the first, its
    velocity loss was against the first set's reps, and one ending was given for both."""
    rests = set_rests(one.reps, seq.timestamps_s, cfg.set_rest_s)
    if not rests:
        return one
    cuts = [(end + start) // 2 for end, start in rests]
    edge = int(round(SET_EDGE_S * seq.fps))
    # Each set from the middle of the rest before it, or SET_EDGE_S before its first rep
    # if later, to the like point after its last; the clip's own ends stay.
    firsts = [0, *(min(max(c, start - edge), start) for c, (_, start) in zip(cuts, rests))]
    lasts = [*(max(min(c, end + edge + 1), end + 1) for c, (end, _) in zip(cuts, rests)), seq.n_frames]
    sets = []
    for a, b in zip(firsts, lasts):
        keep = np.zeros(seq.n_frames, dtype=bool)
        keep[a:b] = True
        sets.append(_analyse_set(_only(seq, keep), cfg, notes, span=(a, b), given=given,
                                 other_lifter=other_lifter))
    t = seq.clip_times_s
    said = (f"{SETS_AT_RESTS} of {', '.join(f'{t[s] - t[e]:.0f} s' for e, s in rests)} (at "
            f"{', '.join(f'{t[e]:.1f}-{t[s]:.1f} s' for e, s in rests)}; a rest of "
            f"{cfg.set_rest_s:g} s or longer ends a set): the clip is analysed as {len(sets)} "
            "sets, each against its own first reps")
    # The set with the most reps leads; of sets alike, the first.
    main = max(sets, key=lambda a: a.rep_count)
    return dataclasses.replace(main, warnings=tuple(dict.fromkeys((said, *main.warnings))),
                               sets=tuple(sets))


def _withheld(one: SetAnalysis, why: str, warnings: list[str]) -> SetAnalysis:
    """The set with its verdicts dropped and its summary saying why (not "no failure"), in
    the verdict stage's own record (assessment) too: the JSON's assessment.summary had
    kept "stopped with technique and tempo intact" and an RIR on a set nobody judged."""
    summary = one.verdict_summary
    if summary is not None:
        # The RPE is read from the RIR: an effort line "RIR -, RPE ~6" contradicts itself.
        summary = dataclasses.replace(summary, first_failure_rep=None, kind=None, reason="",
                                      ending="", ending_evidence=None, rir_estimate=None,
                                      rpe_estimate=None, borderline=(), withheld=why,
                                      warnings=(*summary.warnings, *warnings))
    assessment = one.assessment
    if assessment is not None:
        assessment = dataclasses.replace(assessment, verdicts=(),
                                         summary=summary if summary is not None else assessment.summary)
    return dataclasses.replace(one, verdicts=(), verdict_summary=summary, assessment=assessment)


# A shot after a camera cut goes on with the set before it when its first rep starts within
# this many rep-to-rep times (the pace either side of the cut) after the last rep before
# the cut began: the pace went on across the cut (a zoom, a new framing), the set did not
# stop there (a rest between sets lasts far longer).
GOES_ON_PACE_SHARE = 1.5


def _goes_on(before: SetAnalysis, after: SetAnalysis, split: ShotSplit) -> Boundary | None:
    """The camera cut between two consecutive sets of a clip when the second goes on with
    the first (the same lift, judged, the pace unbroken across the cut); None otherwise."""
    if (before.exercise != after.exercise or before.span is None or after.span is None
            or any(a.verdict_summary is None or a.verdict_summary.withheld for a in (before, after))):
        return None
    cuts = [b for b in split.cuts if b.kind == "cut" and before.span[1] - 1 <= b.frame <= after.span[0]]
    first = [r for r in before.reps if r.counted]
    then = [r for r in after.reps if r.counted]
    if len(cuts) != 1 or len(first) < 2 or not then:
        return None
    t = before.timestamps_s
    # The pace either side of the cut (a set slows as it goes: its first reps' pace would
    # read the reps at the cut as a rest).
    near = [*np.diff([t[r.start] for r in first])[-3:], *np.diff([t[r.start] for r in then])[:2]]
    # A rep the cut fell inside (counted on neither side) adds its own time.
    inside = (sum(r.start > first[-1].start for r in before.reps)
              + sum(r.start < then[0].start for r in after.reps))
    if not (t[then[0].start] - t[first[-1].start]
            <= (GOES_ON_PACE_SHARE + inside) * float(np.median(near))):
        return None
    return cuts[0]


def sets_going_on(sets: Sequence[SetAnalysis], split: ShotSplit) -> tuple[SetAnalysis, ...]:
    """The sets of a clip cut into shots, told where the same lift goes on at the same pace
    across a camera cut (_goes_on): neither set ends there, so neither is said to have
    stopped with its technique and tempo intact, and the later one's velocity loss (read
    against its own first reps, which came after the reps before the cut) gives it no reps
    in reserve. A pull-up set cut to a closer framing after rep 11 read its reps 17-19 as
    20-28 % slower than reps 12-13: "technique and tempo intact, ~8 reps in reserve",
    where against reps 1-2 they were 37-43 % slower. The two sides' speeds are not compared:
    each is read at its own scale, which a floor press filmed from the feet read 50 % apart
    across a zoom; and a cut between two people doing the same lift reads the same way."""
    out = list(sets)
    for k in range(len(out) - 1):
        cut = _goes_on(out[k], out[k + 1], split)
        if cut is None:
            continue
        out[k] = _told(out[k], f"the same lift goes on at the same pace after the camera cut at "
                               f"{cut.time_s - split.start_s:.1f} s (set {k + 2}): this set's end is the cut, so "
                               "its ending is not judged")
        out[k + 1] = _told(out[k + 1], f"the same lift goes on from set {k + 1} at the same pace "
                                       f"across the camera cut at {cut.time_s - split.start_s:.1f} s: if it is one "
                                       "set, its velocity loss restarts here (read against this "
                                       f"set's first reps, after set {k + 1}'s), so neither its "
                                       "ending nor its reps in reserve are judged",
                           reserve=False)
    return tuple(out)


def _told(one: SetAnalysis, warning: str, *, reserve: bool = True) -> SetAnalysis:
    """The set with a warning added and no ending claimed for it (set_ending's "stopped with
    technique and tempo intact", or absolute failure): the set did not end at its edge.
    reserve: keep its reps-in-reserve estimate (and the RPE read from it)."""
    summary = one.verdict_summary
    if summary is not None:
        summary = dataclasses.replace(summary, ending="", ending_evidence=None, warnings=tuple(
            dict.fromkeys((*summary.warnings, warning))))
        if not reserve:
            summary = dataclasses.replace(summary, rir_estimate=None, rpe_estimate=None)
    # Told again after the bar pass measured the set anew (analyse_bar): said once.
    return dataclasses.replace(one, verdict_summary=summary,
                               warnings=tuple(dict.fromkeys((*one.warnings, warning))))


def _analyse_set(seq: PoseSequence, cfg: AnalysisConfig, notes: list[str], *,
                 span: tuple[int, int] | None = None, given: str = GIVEN_EXERCISE,
                 other_lifter: bool = False) -> SetAnalysis:
    """One set from its poses; notes: the clip's warnings, which every set carries; span:
    the frames [start, stop) it covers (all when None); given: where an exercise that is
    not auto came from; other_lifter: the people scan saw another body move more than the
    tracked one (ShotSplit.other_lifter).

    An exercise the user gave is checked against how the body moves (cfg.exercise_check,
    exercise_detection.exercise_misfit): one that does not fit is warned of, and its
    verdicts are withheld when the lift it looks like reads its reps another way. When
    the tracked body may not be the lifter, the warning says the misfit may be that body's
    (a still spotter tracked beside a squatter "looks like a raise"), not only the
    exercise's.
    """
    one = _set_held_still(seq, cfg, notes, span=span, given=given)
    one = _read_outside_picture(seq, one)
    summary = one.verdict_summary
    if (cfg.exercise == AUTO or cfg.exercise_check == "off"
            or (summary is not None and summary.withheld)):
        return one
    # Through a zoom, read off the landmarks the set was analysed on, scaled back: a zoom
    # about the picture's centre moves the shoulders and hips apart as no lift does, and
    # a standing press then looks like a bench press or a squat. A set only held still
    # against a sway is checked as filmed: a sway misread off a lying lifter's tiles would
    # otherwise make a push-up look like a squat and withhold its verdicts.
    read = steadied(seq, one.camera_shift, one.camera_scale) if one.camera_scale is not None else seq
    misfit = exercise_misfit(read, get_profile(one.exercise), cfg, tracked_doubted=other_lifter)
    if misfit is None:
        return one
    said, withheld = misfit
    # First: every other reading of the set follows from the exercise.
    one = dataclasses.replace(one, warnings=(said, *one.warnings))
    return _withheld(one, withheld, []) if withheld else one


# Shares of a set's rep frames with a landmark the reps are read on placed outside the
# picture: past the first, a warning; past the second, no verdicts either (the reps,
# their speeds and their form are mostly MediaPipe's guesses there).
OUTSIDE_WARN_SHARE = 0.25
OUTSIDE_WITHHOLD_SHARE = 0.5


def _read_outside_picture(seq: PoseSequence, one: SetAnalysis) -> SetAnalysis:
    """The set, warned of (and past OUTSIDE_WITHHOLD_SHARE, its verdicts withheld) when the
    landmarks its driving signal is read on (SetAnalysis.signal_landmarks) were outside
    the picture through much of its reps: a front raise filmed with the head and shoulders
    cut off at the top was read as a curl on an elbow angle whose shoulder MediaPipe placed
    above the picture on half the reps' frames (negative speeds, "partial" reps), unsaid."""
    if not one.reps or not one.signal_landmarks or seq.n_frames == 0:
        return one
    out = outside_picture(seq, one.signal_landmarks)[_in_reps(one.reps, seq.n_frames)]
    share = float(out.any(axis=1).mean()) if out.size else 0.0
    if share < OUTSIDE_WARN_SHARE:
        return one
    names = [LM(i).name.lower().replace("_", " ") for i, gone in
             zip(one.signal_landmarks, out.any(axis=0)) if gone]
    names = list(dict.fromkeys(names))
    listed = names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"
    said = (f"the {listed} the reps are read on "
            f"{'is' if len(names) == 1 else 'are'} outside the picture on {share:.0%} of the "
            "reps' frames, where the pose model guesses them: the reps, their speeds and their "
            "form are unreliable; film the whole lift in the picture")
    one = dataclasses.replace(one, warnings=(*one.warnings, said))
    if share < OUTSIDE_WITHHOLD_SHARE:
        return one
    return _withheld(one, "the landmarks the reps are read on are outside the picture through "
                     "most of them", [])


def _set_held_still(seq: PoseSequence, cfg: AnalysisConfig, notes: list[str], *,
                    span: tuple[int, int] | None = None, given: str = GIVEN_EXERCISE
                    ) -> SetAnalysis:
    """One set from its poses, read against the background where the camera moved.

    When the camera swayed over the set's reps (camera.py: more than
    cfg.camera_sway_limit), or the lifter's size on the picture changed by more than
    cfg.camera_zoom_limit (a zoom, or the lifter moving nearer or further), the set is
    analysed again with the landmarks held still against the background and at the set's
    usual scale, and says so.
    """
    one = _analyse_in_view(seq, cfg, notes, span=span, given=given)
    if seq.detection_rate == 0:
        # Nothing was seen, so nothing was judged: "no failure detected" would claim a look.
        return _withheld(one, NO_PERSON, [])
    profile = get_profile(one.exercise)
    turned = turned_picture(seq, profile, one.reps)
    if turned:
        # Reps, velocities and form read off a lifter lying across the picture mean
        # nothing: say why, and call nothing.
        return _withheld(dataclasses.replace(one, warnings=(*one.warnings, turned)),
                         f"the picture looks turned on its side, or this is not "
                         f"{profile.a_words}", [])
    # After the sideways test: a push-up turned on its side also has the head below the
    # hips, and wants a quarter turn, not a half.
    flipped = upside_down_picture(seq)
    if flipped:
        return _withheld(dataclasses.replace(one, warnings=(*one.warnings, flipped)),
                         "the picture looks upside down", [])
    if (one.exercise_auto and not profile.upright and one.verdicts
            and not any(r.counted for r in one.reps)):
        # A lift done lying or bent over, read off how the body moves, with no rep of it
        # completed: nothing confirms it, and a lifter standing in a picture turned on its
        # side lies across it too (the upright test above cannot tell without a lockout).
        # A deadlift filmed with the phone on its side (its rotation flag lost) read as a
        # push-up, and a lifter standing by the bar got "concentric failure, rep 1".
        why = (f"no rep was completed, so {profile.a_words}, read from how the body moves, is "
               "not confirmed: name the lift with --exercise")
        return _withheld(dataclasses.replace(one, warnings=(*one.warnings,
                                                            why + sideways_hint(seq))),
                         "no rep completed to confirm the lift read from the movement", [])
    if not one.reps:
        return one
    moved = offset = None
    cam = camera_path(seq, span, held=not get_profile(one.exercise).hands_planted)
    if cam is not None:
        moved = sway(cam, seq, one.reps[0].start, one.reps[-1].end + 1)
        offset = sway_offset(cam, seq.fps)
    zoom = framing_zoom(seq, [(r.start, r.end) for r in one.reps if r.counted])
    grew = zoom_change(zoom) if zoom is not None else None
    swayed = moved is not None and moved > cfg.camera_sway_limit and offset is not None
    zoomed = grew is not None and grew > cfg.camera_zoom_limit
    if not (swayed or zoomed):
        return dataclasses.replace(one, camera_sway=moved, camera_zoom=grew)
    said = []
    if swayed:
        said.append(f"the camera moved during the set (sway {moved:.1%} of the frame, RMS): "
                    "positions were read against the background")
    if zoomed:
        said.append(f"the lifter looks {grew:.0%} larger on the picture at one point of the "
                    "set than at another (the camera zoomed, or the lifter moved nearer or "
                    "further): positions were read at the set's usual scale")
    shift = offset.astype(np.float32) if swayed else None
    scale = zoom.astype(np.float32) if zoomed else None
    steady = _analyse_in_view(steadied(seq, shift, scale), cfg, [*notes, *said], span=span,
                              given=given)
    return dataclasses.replace(steady, camera_sway=moved, camera_steadied=swayed,
                               camera_shift=shift, camera_zoom=grew, camera_zoomed=zoomed,
                               camera_scale=scale)


def _camera_fields(analysis: SetAnalysis) -> dict[str, Any]:
    """The set's camera readings and corrections (every camera_* field), to carry over."""
    return {f.name: getattr(analysis, f.name) for f in dataclasses.fields(analysis)
            if f.name.startswith("camera_")}


def _analyse_in_view(seq: PoseSequence, cfg: AnalysisConfig, notes: list[str], *,
                     span: tuple[int, int] | None = None, given: str = GIVEN_EXERCISE
                     ) -> SetAnalysis:
    """The set as the landmarks show it: exercise, view, driving signal, reps, verdicts;
    given: where an exercise that is not auto came from (its exercise_reason)."""
    warnings = list(notes)
    if cfg.exercise == AUTO:
        name, reason = detect_exercise(seq, cfg)
        profile = get_profile(name)
        auto = True
    else:
        profile = get_profile(cfg.exercise)
        reason, auto = given, False
    if seq.detection_rate == 0 and NO_PERSON_SEEN not in warnings:
        # Said once: the extraction's own "no person was found in any frame" says it.
        warnings.append("no person found: nothing to analyse")
    flipped = swapped_frames(seq.image)
    view = detect_view(seq)
    driver, rises, why = profile.driver_for(view)
    if why:
        warnings.append(why)
    sig = driving_signal(seq, profile, cfg, image=apply_swaps(seq.image, flipped), view=view)
    return _set_from_signal(seq, cfg, profile, sig, rises=rises, view=view, flipped=flipped,
                            span=span, warnings=warnings, exercise_auto=auto,
                            exercise_reason=reason, signal_points=driver.points)


def _set_from_signal(seq: PoseSequence, cfg: AnalysisConfig, profile: ExerciseProfile,
                     sig: Signal, *, rises: bool, view: str, flipped: np.ndarray,
                     span: tuple[int, int] | None, warnings: list[str], exercise_auto: bool,
                     exercise_reason: str, signal_points: tuple[str, ...],
                     form_hidden: str = "") -> SetAnalysis:
    """The set segmented on `sig` (rising in the concentric when `rises`), timed, measured
    and judged; warnings: what is already known about the clip, before the reps;
    form_hidden: see assess_set."""
    lo, hi = span if span is not None else (0, seq.n_frames)
    reps = find_reps(sig, seq.fps, profile, cfg, concentric_increases=rises)
    # Before any dip is dropped: a rep's start never reaches back into one (it moved).
    if sig.kind == "height" and signal_points and reps:
        reps = _path_onsets(seq, cfg, signal_points, sig.side, flipped, reps)
    if profile.working_joint and cfg.joint_still_share > 0 and view != "front" and signal_points and reps:
        reps, said = _drop_still(seq, cfg, profile, sig, flipped, reps)
        warnings = [*warnings, *said]
    holes = time_holes(seq.timestamps_s, cfg.max_gap_s)
    reps = mark_time_holes(reps, holes)
    # Reps read off the bar's own track (no body landmarks drive them) keep its ends: the
    # bar took over because the body's landmarks did not follow the lift.
    if profile.lockout_joint and view in profile.lockout_views and signal_points and reps:
        reps = _to_lockout(seq, cfg, profile.lockout_joint, sig.side, flipped, reps)
    tempo = set_tempo(reps, seq.timestamps_s)
    rhythm = set_rhythm(reps, tempo, seq.timestamps_s)
    detection_rate = float(seq.detected[lo:hi].mean())
    # Inside the set's frames only: a longer hole between shots is where they were split.
    here = [k for k in holes if lo <= k and k + 1 < hi]
    if here:
        t = seq.clip_times_s
        at = ", ".join(f"{t[k]:.2f}-{t[k + 1]:.2f} s" for k in here[:3])
        more = f" and {len(here) - 3} more" if len(here) > 3 else ""
        warnings = [*warnings, f"{FILE_HOLES}{at}{more} (dropped in the recording, "
                    "or cut out with the times kept): a rep across it is not timed there"]
    warnings = [*warnings, *_rep_warnings(sig.name, sig.values[lo:hi], reps, detection_rate, cfg,
                                          seq.clip_times_s, span=span,
                                          min_rom=profile_min_rom(profile, sig.kind, cfg.min_rom))]
    inside = begun_past_half(sig.values, reps, concentric_increases=rises,
                             eccentric_first=profile.eccentric_first,
                             max_still=int(round(cfg.max_pause_s * seq.fps)))
    if inside is not None:
        # Said, not left silent: a rep begun before the clip is counted when found (its
        # start within half its range of rest), and this one is not.
        warnings.append(f"{BEGUN_INSIDE}{min(inside, 1.0):.0%} of the way "
                        "down a rep (past half-way, so it is not found): the rise from there is "
                        "not counted as a rep")
    assessment = assess_set(seq, reps, profile, cfg, tempo, flipped=flipped,
                            detection_rate=detection_rate, view=view, form_hidden=form_hidden,
                            driver=sig.values)
    return SetAnalysis(
        metrics=assessment.metrics.reps, verdicts=assessment.verdicts,
        verdict_summary=assessment.summary, assessment=assessment,
        source=seq.source, content_hash=seq.content_hash or "", exercise=profile.name,
        exercise_auto=exercise_auto,
        exercise_reason=exercise_reason,
        config=cfg, fps=float(seq.fps), n_frames=seq.n_frames,
        timestamps_s=np.asarray(seq.timestamps_s, dtype=np.float64), reps=reps, tempo=tempo,
        rhythm=rhythm, warnings=tuple(dict.fromkeys(warnings)), signal=sig.values,
        signal_name=sig.name, signal_kind=sig.kind, signal_unit=sig.unit,
        signal_points=signal_points, signal_landmarks=sig.landmarks,
        side=sig.side, eccentric_first=profile.eccentric_first, concentric_increases=rises,
        detection_rate=detection_rate, span=span, slow_motion=slow_motion(seq))


# How the warnings _set_from_signal makes about the reps it found on its signal begin:
# reps found again on the bar's height say their own (_resegmented_on_bar).
STILL_DIPS = "not counted: "
FILE_HOLES = "the file has no frames at "
BEGUN_INSIDE = "the clip (or the tracking) begins "
FOUND_ON_SIGNAL = (STILL_DIPS, FILE_HOLES, BEGUN_INSIDE)


def _joint_angle(seq: PoseSequence, cfg: AnalysisConfig, joint: str, side: str,
                 flipped: np.ndarray) -> Signal:
    """A joint's angle read on the driving signal's side and conditioned alike."""
    return signal_from_spec(seq, SignalSpec("angle", (joint,)), side=side,
                            min_visibility=cfg.min_visibility, cutoff_hz=cfg.smoothing_cutoff_hz,
                            max_gap_s=cfg.max_gap_s, min_body_size=cfg.min_body_size,
                            image=apply_swaps(seq.image, flipped))


def _drop_still(seq: PoseSequence, cfg: AnalysisConfig, profile: ExerciseProfile, sig: Signal,
                flipped: np.ndarray, reps: tuple[Rep, ...]) -> tuple[tuple[Rep, ...], list[str]]:
    """The reps without the dips whose working joint barely moved (segmentation.joint_still),
    numbered again, and a warning naming what was left out."""
    joint = profile.working_joint
    ranges = joint_ranges(reps, _joint_angle(seq, cfg, joint, sig.side, flipped).values)
    still = joint_still(ranges, [r.rom_share for r in reps], cfg.joint_still_share)
    if not still:
        return reps, []
    kept = [r for n, r in enumerate(reps) if n not in still]
    at = ", ".join(f"{seq.clip_times_s[reps[n].start]:.1f} s ({ranges[n]:.0f} deg)" for n in still)
    said = (f"{STILL_DIPS}{len(still)} dip(s) of the {sig.name} with the {joint}s barely "
            f"moving, at {at}, against {np.nanmedian(ranges):.0f} deg in the reps: not "
            f"{profile.a_words} (a rest or a change of position)")
    return tuple(dataclasses.replace(r, index=k + 1) for k, r in enumerate(kept)), [said]


def _path_onsets(seq: PoseSequence, cfg: AnalysisConfig, points: tuple[str, ...], side: str,
                 flipped: np.ndarray, reps: tuple[Rep, ...]) -> tuple[Rep, ...]:
    """The reps with each start, and each lowering after a lift, at the driving point's
    onset along its path in the picture, read on the driving signal's side and conditioned
    alike (segmentation.path_onsets)."""
    speed, noise = path_speed(seq, points, side, image=apply_swaps(seq.image, flipped),
                              min_visibility=cfg.min_visibility, cutoff_hz=cfg.smoothing_cutoff_hz,
                              max_gap_s=cfg.max_gap_s, min_body_size=cfg.min_body_size)
    return path_onsets(reps, speed, floor=3.0 * noise,
                       cutoff_per_fps=cfg.smoothing_cutoff_hz / seq.fps if cfg.smoothing_cutoff_hz else None)


def _to_lockout(seq: PoseSequence, cfg: AnalysisConfig, joint: str, side: str,
                flipped: np.ndarray, reps: tuple[Rep, ...]) -> tuple[Rep, ...]:
    """The reps with each concentric running on to the joint's lockout, its angle read on
    the driving signal's side and conditioned alike (segmentation.lockout_arrivals)."""
    angle = _joint_angle(seq, cfg, joint, side, flipped)
    return lockout_arrivals(reps, angle.values, seq.fps, share=cfg.pause_velocity_share,
                            floor=3.0 * angle.diff_noise, smoothing_cutoff_hz=cfg.smoothing_cutoff_hz)


def _form_read(rep: Rep, phase: str) -> str:
    """How a rep cut by the clip's edge is judged for form (Rep.form_phases)."""
    if any(rep.form_phases):
        return f"; its form is judged on its {phase} only"
    return " and not judged for form"


def _counted_but(r: Rep) -> str:
    """How a rep's caveat opens on its count: counted (Rep.counted) or why not."""
    # A partial rep cut by the clip's edge was said to be "counted" beside a count that
    # left it out ("2 rep(s) (+1 partial)").
    if r.counted:
        return "the rep is counted, but "
    return f"the rep is not counted ({'partial' if r.partial else 'unfinished'}); "


def _velocity_lost(r: Rep) -> str:
    """The words a rep's warning adds when its concentric was not seen whole."""
    return "" if r.sees(r.concentric) else " and its velocity is not measured"


def _rep_warnings(name: str, values: np.ndarray, reps: tuple[Rep, ...], detection_rate: float,
                  cfg: AnalysisConfig, times_s: np.ndarray, *, min_rom: float = 0.0,
                  span: tuple[int, int] | None = None) -> list[str]:
    """What the driving signal and the reps found on it leave in doubt (values: the set's
    frames only; times_s: the clip's frame times from its first frame's,
    PoseSequence.clip_times_s; min_rom: the least travel of a rep in the signal's units;
    span: the set's frames when it is one shot of a clip with camera cuts)."""
    lo, hi = span if span is not None else (0, len(times_s))

    def edge(at_start: bool, frame: int) -> str:
        # A rep cut by a camera cut is cut by its shot, not by the clip.
        cut_here = (frame <= lo and lo > 0) if at_start else (frame >= hi - 1 and hi < len(times_s))
        return "the shot" if cut_here else "the clip"

    out = []
    seen = float(np.isfinite(values).mean()) if len(values) else 0.0
    if detection_rate > 0 and seen < 0.5:
        out.append(f"the {name} was readable on only {seen:.0%} of frames "
                   "(person out of frame or landmarks hidden)")
    if detection_rate > 0 and not reps:
        # As long as the clip plays: its last frame shows for one frame's time too.
        step = float(np.median(np.diff(times_s))) if len(times_s) > 1 else 0.0
        span = float(times_s[-1] - times_s[0]) + step if len(times_s) else 0.0
        finite = values[np.isfinite(values)]
        moved = float(np.percentile(finite, 95) - np.percentile(finite, 5)) if finite.size else 0.0
        # A clip of a few frames (a still exported as video, a clip cut short) holds no rep:
        # said, rather than left to read as a set where nothing happened.
        short = (f" (the clip lasts {span:.2f} s, shorter than a rep's {cfg.min_rep_duration_s:g} s)"
                 if span < cfg.min_rep_duration_s else
                 # Slow motion whose capture rate the file does not carry (a messaging app
                 # strips it) plays an 8x slower squat over 20 s a rep: not a rep here. Only
                 # where the signal travelled a rep's range (a lifter standing still has no
                 # slow rep to find).
                 f" (movements slower than {cfg.max_rep_duration_s:g} s are not counted: slow "
                 "motion whose file does not say so plays reps that slowly; see "
                 "--max-rep-duration)"
                 if span > cfg.max_rep_duration_s and min_rom > 0 and moved >= min_rom else "")
        out.append(f"no reps found in the {name}{short}")
    partial = [r.index for r in reps if r.partial]
    if partial:
        out.append(f"partial rep(s) {', '.join(map(str, partial))}: below "
                   f"{cfg.partial_rom_share:.0%} of the full range of motion of their run of reps")
    for r in reps:
        if r.unseen is not None:
            t = times_s[r.unseen[0]], times_s[r.unseen[1]]
            out.append(f"rep {r.index}: the {name} was lost at {t[0]:.2f}-{t[1]:.2f} s; "
                       f"{_counted_but(r)}the phases there are not timed{_velocity_lost(r)}")
    for r in reps:
        first, second = ("eccentric", "concentric") if r.eccentric_first else ("concentric", "eccentric")
        if r.cut_start:
            out.append(f"rep {r.index}: already under way when {edge(True, r.start)} (or the "
                       f"tracking) begins at {times_s[r.start]:.2f} s; {_counted_but(r)}its "
                       f"{first} is not timed{_velocity_lost(r)}, and it is no baseline"
                       f"{_form_read(r, second)}")
        if r.cut_end and r.completed:
            out.append(f"rep {r.index}: {edge(False, r.end)} (or the tracking) ends inside it at "
                       f"{times_s[r.end]:.2f} s; its {second} is not timed{_velocity_lost(r)}, "
                       f"and it is no baseline{_form_read(r, first)}")
    # A fragment the clip began inside and never saw finished is no cluster of its own:
    # the "rest" after it read a 2-rep set as "lifted in 2 clusters".
    rests = [(r.index, times_s[n.start] - times_s[r.end]) for r, n in zip(reps, reps[1:])
             if r.rested_before(n) and not (r.cut_start and not r.completed)]
    # Longer than a pause (AnalysisConfig.max_pause_s): a rest.
    rests = [(k, gap) for k, gap in rests if gap > cfg.max_pause_s]
    if rests:
        # A rest-pause or cluster set: one set to the lifter, but the reserve of reps ends
        # at each rest, and the reps after one start rested.
        longest = max(s for _, s in rests)
        out.append(f"rest(s) of up to {longest:.1f} s after rep(s) "
                   f"{', '.join(str(k) for k, _ in rests)}: the set was lifted in "
                   f"{len(rests) + 1} clusters; velocity loss is against the first reps "
                   "throughout, and reps in reserve count no rep after a rest")
    for r in reps:
        if out_of_range(r, cfg.rom_outlier_share):
            out.append(f"rep {r.index}: its range reads {r.rom_share:.0%} of its run's full "
                       "range (the camera moved, or the lifter left the position in it: "
                       f"stood up, dropped off the bar); {'counted, but ' if r.counted else ''}"
                       "not judged")
    unfinished = [r.index for r in reps if not r.completed]
    if unfinished:
        out.append(f"rep(s) {', '.join(map(str, unfinished))} not brought back to the "
                   "start position (stalled part-way, or the clip or the tracking ended first)")
    return out


def analyse_bar(video: str | os.PathLike, seq: PoseSequence, analysis: SetAnalysis, *,
                progress: Callable[[int, int], None] | None = None,
                cache_dir: str | os.PathLike | None = None,
                use_cache: bool = False) -> SetAnalysis:
    """The bar pass (barpath.track_bar: its own decode of the video) and its figures as `bar`.

    When the bar was followed well (bar_metrics: most concentrics covered, a plate scale),
    its velocities become the set's (velocity loss, verdicts), the body point's kept in
    `bar.reps`; otherwise the analysis is unchanged and `bar` says why. Runs only for a
    barbell profile the config's bar_path asks for. A clip cut into sets has each set
    measured on the bar within its own shot (a cut can change the plate's size).
    use_cache: reuse (and store) the track in the pose cache (cache.track_bar_cached),
    in cache_dir or the default one; the decode is most of a cached clip's analysis time.
    """
    from .barpath import bar_wanted
    from .cache import track_bar_cached

    cfg = analysis.config
    profile = get_profile(analysis.exercise)
    body = analysis.assessment
    if cfg.bar_path == "on" and profile.bar is None:
        # Asked for by name: said, not silently skipped (a push-up has no bar).
        return dataclasses.replace(analysis, warnings=(
            *analysis.warnings, f"--bar on: a {analysis.exercise} has no barbell to follow; "
            "no bar path"))
    if body is None or not bar_wanted(profile, cfg.bar_path):
        return analysis
    if analysis.verdict_summary is not None and analysis.verdict_summary.withheld:
        # Verdicts withheld (a picture turned on its side, a montage): the bar's
        # velocities would judge the set again.
        return analysis
    track = track_bar_cached(video, seq, profile.bar.anchor,
                             px_per_m=body.scale.px_per_m if body.scale.valid else None,
                             plate_diameter_m=cfg.plate_diameter_m, view=body.metrics.view,
                             progress=progress, cache_dir=cache_dir, use_cache=use_cache)
    if not analysis.sets:
        return _bar_of_set(seq, analysis, profile, track)
    sets = tuple(_bar_of_set(seq, one, profile, _track_within(track, one.span))
                 for one in analysis.sets)
    if analysis.shots is not None:
        # A set measured anew on the bar is told again that it goes on across a cut.
        sets = sets_going_on(sets, analysis.shots)
    # The main set is one of them with the clip's warnings (analyse_pose): it takes that
    # set's bar figures rather than measuring the bar again. A set of a cut clip keeps its
    # body's reps (_bar_of_set), so only these fields can change.
    (own,) = [one for one in sets if one.span == analysis.span]
    return dataclasses.replace(analysis, sets=sets,
                               **{f: getattr(own, f) for f in BAR_MEASURED})


# What measuring a set on the bar changes when it keeps its reps (_bar_of_set).
BAR_MEASURED = ("metrics", "verdicts", "verdict_summary", "assessment", "bar")


def _track_within(track: BarTrack, span: tuple[int, int] | None) -> BarTrack:
    """The bar track with every frame outside span [start, stop) not found, nor those
    inside it before the plate is first seen there: the pass followed the picture's flow
    across the cut, so until then it tracks where the plate was in the shot before (a
    zoom at a deadlift's cut left the flow 28 px off the plate for 10 frames)."""
    from .barpath import CIRCLE, NONE

    if span is None:
        return track
    seen = np.flatnonzero(track.source[span[0]:span[1]] == CIRCLE)
    keep = np.zeros(len(track.source), dtype=bool)
    if seen.size:
        keep[span[0] + int(seen[0]):span[1]] = True
    return dataclasses.replace(track, xy_px=np.where(keep[:, None], track.xy_px, np.nan),
                               radius_px=np.where(keep, track.radius_px, np.nan),
                               source=np.where(keep, track.source, NONE).astype(track.source.dtype))


def _bar_of_set(seq: PoseSequence, analysis: SetAnalysis, profile: ExerciseProfile,
                track: BarTrack) -> SetAnalysis:
    """One set with the bar's figures as `bar`, of record when followed well (analyse_bar)."""
    from .bar_metrics import bar_drives, bar_path

    cfg = analysis.config
    body = analysis.assessment
    if body is None or (analysis.verdict_summary is not None and analysis.verdict_summary.withheld):
        return analysis
    in_picture = track
    if analysis.camera_held:
        # The plate was found in the swaying or zooming picture: measured held still like
        # the body's landmarks (and the body read from those from here on); `bar.track`
        # stays where the plate is in the picture, for drawing on it.
        size = np.array([seq.width, seq.height], dtype=np.float64)
        xy = held_still(track.xy_px / size, analysis.camera_shift, analysis.camera_scale)
        radius = (track.radius_px if analysis.camera_scale is None
                  else track.radius_px / analysis.camera_scale)  # the plate's scale too
        track = dataclasses.replace(track, xy_px=xy * size, radius_px=radius)
        seq = steadied(seq, analysis.camera_shift, analysis.camera_scale)
    rising = analysis.signal if analysis.concentric_increases else -analysis.signal
    # Where the plate hid the body, the reps are found again on the bar; a set of a clip
    # cut into shots keeps its body-point reps (its shot's edges would cut the bar's).
    why = "" if analysis.span is not None else bar_drives(
        track, rising, analysis.signal_name, analysis.reps, plate_diameter_m=cfg.plate_diameter_m)
    form_hidden = BAR_HID_FORM if why else ""
    if why:
        analysis = dataclasses.replace(_resegmented_on_bar(seq, analysis, profile, track, why),
                                       **_camera_fields(analysis))
        body = analysis.assessment
    driver = analysis.signal if analysis.concentric_increases else -analysis.signal
    bar = bar_path(track, seq, analysis.reps, body.metrics.velocity.reps, body.scale, driver,
                   family=profile.family, baseline_reps=body.metrics.baseline_reps,
                   plate_diameter_m=cfg.plate_diameter_m, cutoff_hz=cfg.smoothing_cutoff_hz,
                   max_gap_s=cfg.max_gap_s, segment=segment_settings(cfg))
    bar = dataclasses.replace(bar, track=in_picture)
    if why and not bar.of_record:
        # The body point is what the plate hid: the bar is measured even where it was not
        # followed through a concentric (gaps up to max_gap_s are bridged; a rep with a
        # longer one has no velocity rather than the hidden body point's).
        bar = dataclasses.replace(bar, of_record=True, reason=(
            f"reps timed from the bar, so it is the point measured; {bar.reason}"))
    if not bar.of_record:
        return dataclasses.replace(analysis, bar=bar)
    a = assess_set(seq, analysis.reps, profile, cfg, analysis.tempo,
                   track_px=track.xy_px, scale=bar.scale, view=body.metrics.view,
                   form_hidden=form_hidden, driver=analysis.signal,
                   concentrics=tuple(r.concentric for r in bar.reps))
    return dataclasses.replace(analysis, metrics=a.metrics.reps, verdicts=a.verdicts,
                               verdict_summary=a.summary, assessment=a, bar=bar)


# Where the reps had to be timed from the bar, the plate hid the body (or scrambled the
# landmarks it covers) on the frames form is judged on: a drift read there is the
# occlusion, not the lifter (a rendered side-view squat with no fault read 19 degrees of
# knee cave).
BAR_HID_FORM = "the plate hid the body where its form would be read (reps timed from the bar)"


def _resegmented_on_bar(seq: PoseSequence, analysis: SetAnalysis, profile: ExerciseProfile,
                        track: BarTrack, why: str) -> SetAnalysis:
    """The set again with its reps found on the bar's height (every barbell lift raises the
    bar in its concentric) instead of the body's signal; why: the warning that says so."""
    from .bar_metrics import bar_height_signal

    cfg = analysis.config
    sig = bar_height_signal(track, seq, analysis.side, cutoff_hz=cfg.smoothing_cutoff_hz,
                            max_gap_s=cfg.max_gap_s)
    lo, hi = analysis.span if analysis.span is not None else (0, seq.n_frames)
    # The clip's warnings stay; those about the body's reps give way to the bar's own.
    old = _rep_warnings(analysis.signal_name, analysis.signal[lo:hi], analysis.reps,
                        analysis.detection_rate, cfg, seq.clip_times_s,
                        min_rom=profile_min_rom(profile, analysis.signal_kind, cfg.min_rom))
    kept = [w for w in analysis.warnings if w not in old and not w.startswith(FOUND_ON_SIGNAL)]
    return _set_from_signal(seq, cfg, profile, sig, rises=True, view=analysis.assessment.metrics.view,
                            flipped=swapped_frames(seq.image), span=analysis.span,
                            warnings=[*kept, why], exercise_auto=analysis.exercise_auto,
                            exercise_reason=analysis.exercise_reason, signal_points=(),
                            form_hidden=BAR_HID_FORM)


def analyse_video(path: str | os.PathLike, cfg: AnalysisConfig | None = None, *,
                  cache_dir: str | os.PathLike | None = None, use_cache: bool = True,
                  progress: Callable[[int, int], None] | None = None) -> SetAnalysis:
    """Poses of a video (from the cache when it holds them) -> analyse_pose."""
    from .cache import extract_cached

    cfg = cfg or AnalysisConfig()
    seq = extract_cached(path, model=cfg.model, cache_dir=cache_dir, use_cache=use_cache,
                         progress=progress, turn=cfg.rotate, pick_lifter=lifter_pick(cfg.exercise))
    return analyse_bar(path, seq, analyse_pose(seq, cfg), cache_dir=cache_dir,
                       use_cache=use_cache)
