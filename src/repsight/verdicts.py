"""Failure verdicts per rep: tempo, technical, concentric, eccentric, isometric.

Verdict functions only judge: they read the velocity and drift stages' results (with the
tolerances those stages applied) and a small VerdictThresholds; they compute no signal.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Collection, Sequence

import numpy as np

from .segmentation import out_of_range
from .summary import NOISY_SPREAD_DEG
from .types import VERDICT_KINDS, Borderline, Rep, RepTempo, Verdict

if TYPE_CHECKING:
    from .config import AnalysisConfig

# A hold (the pause at a rep's turnaround) at least this long is judged for sinking, and
# sinks when it loses more than this share of the range beyond the baseline's holds.
HOLD_MIN_S = 0.5
SINK_SHARE = 0.1
# A flag on the last rep alone must pass its threshold by this factor: nothing after it
# can confirm it (for a short range: be below the partial share divided by it).
CLEAR_SHARE = 1.5
# A range read short in metres on the tracked point is a fault only where the driving
# signal also reads the rep below this share of the baseline reps' range: two readings of one
# range that disagree are a landmark gone astray, not a lifter cutting reps short (a
# floor press filmed tightly from the head end: the mean wrist read 57 % of the first
# reps' range where the driving wrist read 94 %, and the frames show the same lockout).
RANGE_AGREE_SHARE = 0.9
# How a fault reading other than the image's own angle is named in a verdict's reason.
_HEAD_ON = " (estimated head-on from the torso's foreshortening)"
SOURCE_WORDS = {"world": " (3-D estimate)", "foreshortening": _HEAD_ON, "forward_foreshortening": _HEAD_ON}
# A lasting fault is traced back over the reps just before it that already moved past this
# share of its threshold (see onset), at most ONSET_MAX_REPS of them: a fault growing
# rep by rep passes its threshold a rep or two after it begins (rendered onsets of 8-10
# degrees: one or two). Further back it is a reading that hovered under the threshold
# for many reps: on a clean 30-rep push-up set re-encoded at half size, hip sag read
# 4-9 degrees against 6.4 from rep 4 on, and the trace went back 20 reps.
ONSET_SHARE = 0.6
ONSET_MAX_REPS = 2
# How far past the concentric time limit a duration must be to miss it: more than the
# float error of subtracting two frame times (36 frames at 30 fps: 1.2000000000000002 s),
# and, where the frame rate is known (tempo_verdicts' frame_s), more than half a frame
# (TIME_LIMIT_FRAME_SHARE): a duration counted in frames is known to a frame, and 36
# frames at 29.97 fps (1.2012 s) were called slow where the same 36 at 30 fps were not.
TIME_LIMIT_SLACK_S = 1e-6
TIME_LIMIT_FRAME_SHARE = 0.5
# Frames at the end of a clip read to tell a rep cut mid-lift (still moving) from a stall.
CUT_FRAMES = 5
# A lifter still when the clip ends, short of lockout, failed only after holding there
# longer than this and than any pause of the set's finished reps: a clip that ends in a
# pause at the bottom (or while still lowering) shows no attempt to judge.
MIN_STUCK_S = 1.0
# How far (a share of the range) the point may move and still count as held there.
HELD_SHARE = 0.03


def _held_frames(track: np.ndarray, last: int, rom: float) -> int:
    """Frames the point has stayed within HELD_SHARE of the range of where it is at
    frame `last` (0 while it is still moving there)."""
    seg = track[:last + 1]
    away = np.flatnonzero(~(np.abs(seg - seg[-1]) <= HELD_SHARE * rom))
    return last - int(away[-1]) - 1 if away.size else last


def _gave_up(seg: np.ndarray, rom: float, share: float) -> bool:
    """Whether the point somewhere in seg rose by `share` of the range from its lowest
    before it and then came back down by as much by the end: an attempt that failed,
    however the clip ends (the sink back may go lower than the bottom it rose from)."""
    if seg.size < 2 or not np.isfinite(seg).all():
        return False
    rose = seg - np.minimum.accumulate(seg)
    return bool(np.any((rose >= share * rom) & (seg - seg[-1] >= share * rom)))


def _last_seen(track: np.ndarray, r: Rep) -> int | None:
    """The rep's last frame with the tracked point seen (None if it never is)."""
    seen = np.flatnonzero(np.isfinite(track[:r.end + 1]))
    return int(seen[-1]) if seen.size else None


def _sank_back(track: np.ndarray, r: Rep, rom: float, lockout_share: float, last: int) -> bool:
    """Whether the rep, up to frame `last`, shows a rise that sank back (_gave_up)."""
    start = r.turnaround if r.eccentric_first else r.start
    return _gave_up(track[start:last + 1], rom, 1 - lockout_share)


def _attempt_seen(reps: Sequence[Rep], track: np.ndarray, r: Rep, rom: float,
                  lockout_share: float, fps: float, last: int | None = None) -> bool:
    """Whether a rep the clip cuts off shows a failed attempt by the clip's last seen frame
    (`last`, default the rep's own last seen frame): a rise that sank back (_sank_back), or
    a hold short of lockout past any pause of the set."""
    last = _last_seen(track, r) if last is None else last
    if last is None:
        return False
    return (_sank_back(track, r, rom, lockout_share, last)
            or not _ends_in_a_pause(reps, track, last, rom, fps))


def _ends_in_a_pause(reps: Sequence[Rep], track: np.ndarray, last: int, rom: float, fps: float) -> bool:
    """Whether the clip's last seen frame `last` comes before the point has been still
    for MIN_STUCK_S and for the longest pause of the set's finished reps where a stalled
    lift is held (the bottom of a lift that starts by lowering, else the top hold):
    standing between squats is not a pause in the hole."""
    pauses = [(r.bottom_pause if r.eccentric_first else r.top_pause) for r in reps if r.completed]
    pauses = [b - a for a, b in pauses]
    return _held_frames(track, last, rom) <= max(MIN_STUCK_S * fps, max(pauses, default=0))


# The least share of the first reps' range an attempt after the last rep of a lift that
# starts with the concentric must rise, and come back down, to be judged (trailing_stall).
# A curl's elbow turns slowly off the bottom: rendered curls that failed 40 % of the way
# through the lift rose 19-23 % of the range, and three of the eight on seven ranges fell
# under the 20 % this was until the forty-second session. 15 % of a curl is about 20
# degrees, many times the angle's frame-to-frame noise (under a degree).
ATTEMPT_MIN_SHARE = 0.15


@dataclass(frozen=True)
class VerdictThresholds:
    """The numbers verdicts are called with, and the goal named in their reasons.

    concentric_limit_s: tempo failure when a concentric is slower (None: no limit).
    velocity_loss_pct: tempo failure past this loss; lone_loss_margin_pct: points a loss on
    the set's last rep must add to it when no rep before it is past the limit (and no
    failed attempt follows it).
    drift_min_frames: frames a drift must last. partial_rom_share: a rep below this share of the first reps' range is short.
    eccentric_speedup: eccentric failure when lowering this much faster than usual.
    stall_speed_share: a concentric-first rep lowered short of lockout failed only when it
    rose at under this share of the first reps' speed; stall_lockout_share: short of
    lockout, for such a rep and for an attempt after the last rep (trailing_stall), is
    under this share of the first reps' range; attempt_min_share: such an attempt counts
    once it rose (and came back down) this share of it.
    rom_outlier_share: a rep past this many times its run's range is not judged.
    loss_words / time_words: whose limit each is, for the reasons ("strength goal", or
    "yours; the hypertrophy goal's is 40 %" for a limit the user set); "" names the goal.
    """

    goal: str = "strength"
    concentric_limit_s: float | None = None
    velocity_loss_pct: float = 30.0
    lone_loss_margin_pct: float = 2.0
    drift_min_frames: int = 3
    partial_rom_share: float = 0.7
    eccentric_speedup: float = 2.0
    stall_speed_share: float = 0.5
    stall_lockout_share: float = 0.8
    attempt_min_share: float = ATTEMPT_MIN_SHARE
    rom_outlier_share: float = 1.6
    loss_words: str = ""
    time_words: str = ""

    @classmethod
    def from_config(cls, cfg: "AnalysisConfig") -> "VerdictThresholds":
        """The thresholds in force under a configuration (goal defaults applied)."""
        return cls(goal=cfg.goal, concentric_limit_s=cfg.effective_concentric_limit_s,
                   velocity_loss_pct=cfg.effective_velocity_loss_pct,
                   lone_loss_margin_pct=cfg.lone_loss_margin_pct,
                   drift_min_frames=cfg.drift_min_frames,
                   partial_rom_share=cfg.partial_rom_share,
                   eccentric_speedup=cfg.eccentric_speedup,
                   stall_speed_share=cfg.stall_speed_share,
                   rom_outlier_share=cfg.rom_outlier_share,
                   stall_lockout_share=cfg.stall_lockout_share,
                   attempt_min_share=cfg.attempt_min_share,
                   loss_words=_limit_words(cfg.goal, cfg.velocity_loss_pct, dataclasses.replace(
                       cfg, velocity_loss_pct=None).effective_velocity_loss_pct, "%"),
                   time_words=_limit_words(cfg.goal, cfg.concentric_time_limit_s, dataclasses.replace(
                       cfg, concentric_time_limit_s=None).effective_concentric_limit_s, "s"))

    def limit_words(self, which: str) -> str:
        """Whose the velocity-loss ("loss") or concentric-time ("time") limit is."""
        words = self.loss_words if which == "loss" else self.time_words
        return words or f"{self.goal} goal"


def _limit_words(goal: str, given: float | None, default: float | None, unit: str) -> str:
    """A limit's owner for the reasons: the goal's, or the user's beside the goal's own
    (a coach read "limit 10 %, hypertrophy goal", whose limit is 40 %)."""
    if given is None or given == default:
        return f"{goal} goal"
    if default is None:
        return f"yours; the {goal} goal sets none"
    return f"yours; the {goal} goal's is {default:g} {unit}"


def _finite_median(values: Sequence[float] | np.ndarray) -> float:
    """Median of the finite values; NaN when there are none (the tracked point hidden at
    every rep's end: a plate in front of the hips)."""
    a = np.asarray(values, dtype=np.float64)
    a = a[np.isfinite(a)]
    return float(np.median(a)) if a.size else float("nan")


def confirmed(flags: Sequence[bool], clear: Sequence[bool] | None = None,
              judged: Sequence[bool] | None = None) -> list[bool]:
    """Flags that persist: set on a rep whose neighbour is also set, or on the last rep.

    One rep of a video measurement can be off (a velocity reading +/- 10 %, an angle
    thrown by an occluded joint); failure that sets in shows on the reps that follow,
    so a lone flag in mid-set is treated as noise. The last rep has no successor to
    confirm it and stands alone when it is `clear` (all flags count as clear if None).
    judged: reps that count (as in sustained: the others are skipped, neither set nor
    breaking a run); all if None.
    """
    clear = flags if clear is None else clear
    idx = [k for k in range(len(flags)) if judged is None or judged[k]]
    n = len(idx)
    out = [False] * len(flags)
    for pos, k in enumerate(idx):
        out[k] = bool(flags[k]) and ((pos == n - 1 and bool(clear[k]))
                                     or (pos + 1 < n and bool(flags[idx[pos + 1]]))
                                     or (pos > 0 and bool(flags[idx[pos - 1]])))
    return out


def sustained(flags: Sequence[bool], judged: Sequence[bool] | None = None,
              clear: Sequence[bool] | None = None) -> list[bool]:
    """Flags of a failure that lasts: set from the first rep k whose later judged reps are
    all set too, one gap allowed when at least two of them, the last one among them, are
    set; every rep set after k is part of it.

    Technical failure means the lifter can no longer do the rep in good form, so form that
    breaks on reps 2-3 and comes back on reps 4-5 (a wobble, or a slower rep read as a
    change) is not it; a fault that starts on rep k and stays is called on rep k.
    judged: reps that count (unfinished or stalled reps are skipped, neither set nor gap).
    clear: flags past a clear margin; the last rep alone, with nothing after it to confirm
    it, needs one (all flags count as clear if None).
    """
    judged = [True] * len(flags) if judged is None else list(judged)
    clear = flags if clear is None else clear
    idx = [k for k, j in enumerate(judged) if j]
    out = [False] * len(flags)
    for pos, k in enumerate(idx):
        if not flags[k]:
            continue
        later = [bool(flags[i]) for i in idx[pos + 1:]]
        if not later:
            earlier = pos > 0 and bool(flags[idx[pos - 1]])
            out[k] = earlier or bool(clear[k])
            continue
        # A reading that hovers at the threshold crosses it on some reps by chance: on a
        # long set, "flag, miss, flag" on the last three reps is that, not a fault that
        # stayed (a 30-rep push-up set cut one rep short got 16 technical calls from it).
        misses = later.count(False)
        out[k] = misses == 0 or (misses == 1 and later[-1] and len(later) - misses >= 2)
        if out[k]:
            # The fault lasts from rep k: every later rep set is part of it (judged each
            # alone, flags set, set, gap, set left the second rep out though the reps
            # either side of it were called).
            for i in idx[pos + 1:]:
                out[i] = bool(flags[i])
            break
    return out


def lasting(reps: Sequence[Rep], flags: Sequence[bool], seen: Sequence[bool]) -> list[bool]:
    """sustained over the reps whose reading was seen, for the kinds of failure a failed
    rep can end in (eccentric, isometric): a failed rep counts when it is flagged (absolute
    failure passes through it), and is skipped otherwise, since a stalled rep that was
    lowered or held under control is no sign that control came back."""
    judged = [bool(ok) and (r.completed or bool(f)) for ok, r, f in zip(seen, reps, flags)]
    return sustained(flags, judged)


def hovering(flags: Sequence[bool], lasting: Sequence[bool], toward: Sequence[float | None],
             threshold: float) -> bool:
    """Whether a fault's lasting run (sustained) is a reading hovering at its threshold: an
    earlier rep had passed the threshold and come back under, and the run's readings do
    not clear it by CLEAR_SHARE (their median).

    A fault that starts and stays passes its threshold once and stays past it; a reading
    that has already crossed and fallen back is noise at that level, and its last reps
    happening to stay past it decide nothing. A clean 30-rep push-up set made at 10 fps
    read hip sag 4.0-7.9 deg against a 5.0 threshold from rep 13 on and got calls on reps
    25-30; the same set cut after rep 18 got three from a last rep alone 0.1 deg past its
    threshold (rep 15 had passed and come back). No rendered fault's run on eight ranges
    (560 sets) follows such a pass.
    """
    if not any(lasting):
        return False
    first = list(lasting).index(True)
    if not any(flags[:first]):
        return False
    run = [float(toward[k]) for k in range(first, len(flags)) if flags[k] and toward[k] is not None]
    return not (run and float(np.median(run)) > CLEAR_SHARE * threshold)


def onset(flags: Sequence[bool], toward: Sequence[float | None], threshold: float,
          judged: Sequence[bool], share: float = ONSET_SHARE, max_reps: int = ONSET_MAX_REPS
          ) -> list[bool]:
    """A lasting fault traced back to the rep where it starts (hysteresis).

    A fault that grows rep by rep passes its threshold a rep or two after it begins; once
    a lasting run is established, the reps just before it (at most `max_reps`) that
    already moved towards the fault past `share` (0..1) of the threshold belong to it.
    Sets without a lasting fault are unchanged, so this never creates a call on its own.
    """
    out = list(flags)
    if not any(out):
        return out
    k = first = out.index(True)
    while (k > 0 and first - k < max_reps and judged[k - 1] and toward[k - 1] is not None
           and toward[k - 1] > share * threshold):
        k -= 1
        out[k] = True
    return out


def _apart(value: float, limit: float, digits: int) -> int:
    """The fewest decimals (digits, up to two more) at which value and limit round apart."""
    for d in (digits, digits + 1):
        if round(value, d) != round(limit, d):
            return d
    return digits if value == limit else digits + 2  # equal: nothing to tell apart


def _beyond(value: float, limit: float, digits: int = 2) -> str:
    """value (past limit) with as many decimals (digits, up to two more) as it takes to
    read past it: 1.2012 s against 1.2 shows as 1.201, never "1.20 s (limit 1.2 s)"; a
    loss of 20.4 % against 20 as 20.4."""
    return f"{value:.{_apart(value, limit, digits)}f}"


def tempo_verdicts(reps: Sequence[Rep], metrics: Any, concentric_s: Sequence[float],
                   th: VerdictThresholds, *, first_judged: int = 1,
                   failed: Collection[int] = (), frame_s: float = 0.0) -> list[Verdict]:
    """Concentric slower than the limit, or velocity loss past the goal's threshold (persisting).

    first_judged: reps before this one (the first baseline rep) are not judged for loss.
    failed: reps with a concentric failure: not also called slow. frame_s: the clip's frame
    period; a concentric must pass the time limit by more than half of it (0: exactly).
    """
    limit = th.concentric_limit_s
    slack = max(TIME_LIMIT_SLACK_S, TIME_LIMIT_FRAME_SHARE * frame_s)
    loss_limit = th.velocity_loss_pct
    # The loss of every completed rep counts, the second baseline rep's too: it is measured
    # against the best of the baseline reps, so a rep 2 already far slower than rep 1 is
    # past the goal's limit like any other. Persistence is judged over completed reps only,
    # so a lossy rep followed by a stalled one is not left alone in mid-set.
    # A rep with no loss reading (a concentric not tracked: Rep.unseen) neither confirms
    # nor breaks a run of lossy reps.
    # A rep before the first baseline rep (the clip began inside rep 1: Rep.cut_start) is
    # measured against reps lifted after it: a loss there is not fatigue, and not judged.
    losses = [m.velocity_loss_pct if rep.index >= first_judged else float("nan")
              for rep, m in zip(reps, metrics.reps)]
    # Set-up movement and a rep far past its run's range get no verdict (unjudged_reps):
    # nor do they confirm one or stand as the last rep (an out-of-range rep 6, dropped off
    # the bar, confirmed a 31 % loss on rep 5, or left a 45 % one uncalled as not last).
    skip = unjudged_reps(reps, metrics, th)
    # A loss on the last rep alone has nothing after it to confirm it; it must clear the
    # limit by the loss reading's own rep-to-rep error (th.lone_loss_margin_pct), unless
    # the next rep was attempted and failed: the slowing ended in failure.
    lossy = confirmed([bool(np.isfinite(x) and x > loss_limit) for x in losses],
                      clear=[bool(np.isfinite(x) and (x > loss_limit + th.lone_loss_margin_pct
                                                      or rep.index + 1 in failed))
                             for rep, x in zip(reps, losses)],
                      judged=[rep.completed and bool(np.isfinite(x)) and rep.index not in skip
                              for rep, x in zip(reps, losses)])
    out = []
    for k, (rep, m, con) in enumerate(zip(reps, metrics.reps, concentric_s)):
        if not rep.completed or rep.index in failed:
            continue  # an unfinished rep is a concentric failure, not a slow one
        reasons = []
        evidence: dict = {"frames": list(rep.concentric), "goal": th.goal}
        # The time limit is absolute: one slow concentric already misses a power target.
        # Durations are differences of frame times: 36 frames at 30 fps are 1.2000000000000002 s,
        # which is not slower than 1.2.
        if limit is not None and np.isfinite(con) and con > limit + slack:
            reasons.append(f"concentric took {_beyond(con, limit)} s (limit {limit:g} s, "
                           f"{th.limit_words('time')})")
            evidence["concentric"] = {"value": round(con, _apart(con, limit, 3)), "threshold": limit,
                                      "unit": "s"}
        if lossy[k]:
            reasons.append(f"velocity loss {_beyond(m.velocity_loss_pct, loss_limit, 0)} % "
                           f"({m.mean_velocity_mps:.2f} vs "
                           f"{metrics.baseline_velocity_mps:.2f} m/s; limit {loss_limit:g} %, "
                           f"{th.limit_words('loss')})")
            evidence["velocity_loss"] = {
                "value": round(m.velocity_loss_pct, _apart(m.velocity_loss_pct, loss_limit, 1)),
                "threshold": loss_limit, "unit": "%",
                "velocity_mps": round(m.mean_velocity_mps, 3),
                "baseline": round(metrics.baseline_velocity_mps, 3)}
        if reasons:
            out.append(Verdict("tempo", rep.index, f"rep {rep.index}: " + "; ".join(reasons), evidence))
    return out


def two_sided(f: Any, k: int) -> bool:
    """Whether rep k's reading of a fault (drift.FaultDrift) passes its threshold both
    towards the fault and towards stricter form."""
    toward, stricter = f.toward_deg[k], f.stricter_deg[k]
    return (toward is not None and stricter is not None
            and min(toward, stricter) > f.threshold_deg)


def technical_verdicts(reps: Sequence[Rep], metrics: Any, th: VerdictThresholds, *,
                       failed: frozenset = frozenset()) -> list[Verdict]:
    """Form drifting in a fault's direction past its threshold, or range of motion cut short,
    persisting over reps.

    Only the profile's directional faults are judged (drift.SetDrift.faults): drift the
    other way is stricter form, and the other angles' drift is reported, never called.
    failed: reps already called a concentric failure; they stalled part-way, so their
    angles are those of a half-finished lift and their short range is that failure.
    """
    base_roms = [m.rom_m for m in metrics.reps if m.index in metrics.baseline_reps and np.isfinite(m.rom_m)]
    base_rom = float(np.median(base_roms)) if base_roms else float("nan")
    faults = metrics.drift.faults
    # A rep with unseen frames has no form reading; one the clip began or ended inside is
    # read on the phase it shows whole (Rep.form_phases, drift.fault_drift). A rep a fault
    # measure was read on too little of (drift.FaultDrift.unread_reps: a limb out of the
    # picture) has no reading of it either, but stays judged: a fault must be seen to last,
    # and that rep does not show it lasting. Skipped instead, it let a shaken copy of a
    # real 30-rep push-up set (ankles off the picture on half the reps) join readings
    # hovering at the threshold across the unread reps into three hip-sag calls.
    # Set-up movement and reps far past their run's range get no verdict (unjudged_reps), so
    # they neither start, confirm nor end a run, nor count as a pass that came back (hovering).
    skip = unjudged_reps(reps, metrics, th)
    judged = [rep.completed and rep.index not in failed and rep.index not in skip
              and any(rep.form_phases) for rep in reps]
    past: dict[str, list[bool]] = {}
    for name, f in faults.items():
        if f.spread_deg > NOISY_SPREAD_DEG:
            # The first reps already disagree by more than a fault: this measure cannot be
            # read here (quality_warnings says so), so it decides nothing.
            past[name] = [False] * len(reps)
            continue
        # A rep whose reading also swings past the threshold the stricter way is the
        # landmarks jumping, not a fault (a real one moves one way: on rendered faults the
        # stricter reading stays under a third of the threshold). It is not flagged, and
        # a lasting fault is not traced back through it.
        readable = [ok and not two_sided(f, k) for k, ok in enumerate(judged)]
        flags = [ok and f.toward_deg[k] is not None and f.toward_deg[k] > f.threshold_deg
                 and f.frames_past[k] >= th.drift_min_frames for k, ok in enumerate(readable)]
        # A last rep past its threshold stands alone when clearly past it, or when the rep
        # before it had already moved most of the way (a fault growing into the end of
        # the set, as onset traces back); after an earlier pass that came back, hovering
        # holds it to the clear margin.
        prev = [None] + [f.toward_deg[k - 1] if readable[k - 1] else None for k in range(1, len(flags))]
        clear = [x and (f.toward_deg[k] > CLEAR_SHARE * f.threshold_deg
                        or (prev[k] is not None and prev[k] > ONSET_SHARE * f.threshold_deg))
                 for k, x in enumerate(flags)]
        lasting = sustained(flags, judged, clear=clear)
        if hovering(flags, lasting, f.toward_deg, f.threshold_deg):
            lasting = [False] * len(lasting)
        past[name] = onset(lasting, f.toward_deg, f.threshold_deg, readable)
    # The driving signal's range against the same first reps the metres are read against
    # (Rep.rom_share is against the rep's own run, which a rest starts afresh: half-range
    # reps after a rest read whole there).
    base_drive = [r.rom for r in reps if r.index in metrics.baseline_reps and np.isfinite(r.rom)]
    drive = float(np.median(base_drive)) if base_drive else float("nan")

    def driven(rep: Rep) -> float:
        return rep.rom / drive if np.isfinite(rep.rom) and drive > 0 else rep.rom_share

    def metres_short(m: Any, share: float) -> bool:
        return bool(np.isfinite(base_rom) and np.isfinite(m.rom_m) and m.rom_m < share * base_rom)

    def shorter(rep: Rep, m: Any, share: float) -> bool:
        # Rep.partial is the driving signal under th.partial_rom_share of the run's range;
        # against a smaller share (a last rep's clear margin) its own share is compared.
        return ((rep.partial and rep.rom_share < share)
                or (metres_short(m, share) and driven(rep) < RANGE_AGREE_SHARE))

    # A range needs the whole rep: a cut one's is the part the clip shows.
    short_flags = [ok and rep.seen_whole and rep.index not in metrics.baseline_reps
                   and shorter(rep, m, th.partial_rom_share)
                   for ok, rep, m in zip(judged, reps, metrics.reps)]
    # A last rep alone has nothing after it to confirm it: only a clearly short one counts,
    # or one both readings put under the share (the driving signal and the metres: a side
    # press's wrist hitching past the face read a clean last rep partial on the first alone).
    clear_short = [x and (shorter(rep, m, th.partial_rom_share / CLEAR_SHARE)
                          or (rep.partial and metres_short(m, th.partial_rom_share)))
                   for x, rep, m in zip(short_flags, reps, metrics.reps)]
    # A rep partly not tracked is skipped, neither confirming nor breaking a run; so is a
    # failed rep (its short range is that failure), as the form readings skip it.
    short = confirmed(short_flags, clear=clear_short,
                      judged=[rep.seen_whole and rep.index not in failed and rep.index not in skip
                              for rep in reps])
    out = []
    for k, (rep, m) in enumerate(zip(reps, metrics.reps)):
        worst = sorted(((f.toward_deg[k] - f.threshold_deg, f) for name, f in faults.items() if past[name][k]),
                       key=lambda x: x[0], reverse=True)
        reasons = []
        evidence: dict = {"frames": [rep.start, rep.end]}
        for _, f in worst:
            summed = abs(f.threshold_deg - (f.floor_deg + f.spread_deg)) < 0.05
            extra = ("" if f.spread_deg < 1 else
                     f": {f.floor_deg:.1f} deg + {f.spread_deg:.1f} deg the first reps already varied"
                     if summed else
                     f": the {f.floor_deg:.1f} deg noise floor and the {f.spread_deg:.1f} deg the "
                     "first reps already varied, one noise counted once")
            seen = SOURCE_WORDS.get(f.source, "")
            # A rep traced back to the start of a fault that lasts (onset) reads under the
            # threshold: said so, or a coach reads "under the threshold, yet called".
            under = f.toward_deg[k] <= f.threshold_deg
            start = ", where the fault that lasts begins" if under else ""
            # The reading is kept to 0.1 deg; the threshold gets a decimal more where 0.1
            # would show it equal to a reading past it (6.1 past a 6.06 threshold).
            d = _apart(f.toward_deg[k], f.threshold_deg, 1)
            # Readings are kept to 0.1 deg (drift), so one can sit exactly on its threshold.
            side = "at its threshold, " if f.toward_deg[k] == f.threshold_deg else "under its threshold, "
            reasons.append(f"{f.words}: {f.toward_deg[k]:.1f} deg past the first reps{seen}{start} "
                           f"({side if under else 'threshold '}"
                           f"{f.threshold_deg:.{d}f} deg{extra})")
            evidence[f.measure] = {
                "value": f.toward_deg[k], "baseline": 0.0, "threshold": round(f.threshold_deg, d),
                "unit": "deg beyond the first reps, towards the fault", "fault": f.words,
                "direction": f.direction, "source": f.source, "floor": round(f.floor_deg, 1),
                "spread": f.spread_deg, "at_turnaround": f.at_turnaround_deg[k]}
        if short[k]:
            # The reading that made it short: metres against the first reps', else the
            # driving signal's share of the set's usual range (Rep.partial).
            if (np.isfinite(m.rom_m) and np.isfinite(base_rom)
                    and m.rom_m < th.partial_rom_share * base_rom):
                reasons.append(f"range of motion {m.rom_m:.2f} m, {m.rom_m / base_rom:.0%} of the first reps'")
                evidence["range_of_motion"] = {"value": round(m.rom_m, 3), "baseline": round(base_rom, 3),
                                               "threshold": round(th.partial_rom_share * base_rom, 3),
                                               "unit": "m"}
            else:
                reasons.append(f"partial range of motion ({rep.rom_share:.0%} of the set's usual)")
                evidence["range_of_motion"] = {"value": round(rep.rom_share, 3), "baseline": 1.0,
                                               "threshold": th.partial_rom_share,
                                               "unit": "share of the set's usual"}
        if reasons:
            out.append(Verdict("technical", rep.index, f"rep {rep.index}: " + "; ".join(reasons), evidence))
    return out


def concentric_verdicts(reps: Sequence[Rep], track: np.ndarray | None = None, *,
                        lockout_share: float = 0.8, baseline: Sequence[int] = (),
                        fps: float, stall_speed_share: float = 0.5,
                        stall_lockout_share: float | None = None) -> list[Verdict]:
    """Reps started but stalled short of lockout (segmentation marks them not completed).

    A rep can also be "not completed" because the clip ends right after lockout; with the
    tracked point's height (track, float[T], up positive) the stall is checked: the lift
    must have reached less than lockout_share (0..1) of the usual range: the baseline reps'
    (rep indices in `baseline`), else the set's typical one. (When most of a set is short,
    the set's typical range is the short one; the first reps show what lockout was.) A rep
    the clip cuts off is judged only on evidence of an attempt (_attempt_seen): it rose part
    of the way and sank back, or the lifter was held short of lockout for longer than
    MIN_STUCK_S and any pause of the set at that position before the clip ended. A lift
    that starts with the concentric and was lowered from short of lockout (under
    stall_lockout_share of the range; lockout_share if None), with no full rep after it,
    failed only if it stalled (rose at under stall_speed_share, 0..1, of the reference
    reps' speed: rise over the time to its highest point); otherwise it was cut short,
    which the technical verdict judges. On the rendered dev ranges the failed reps rose at
    0.21-0.38 of it; curls cut short, and presses whose wrists rose less because the
    lifter leaned back, at 0.58-1.03.
    """
    # A concentric that touches a tracking gap (Rep.unseen) shows only part of its rise:
    # it is neither a reference nor judged.
    done = [r for r in reps if r.completed and r.sees(r.concentric)]
    out = []
    rom = float("nan")
    if track is not None and len(track) and done:
        ref = [d for d in done if d.index in set(baseline)] or [d for d in done if not d.partial]
        rom = _finite_median([track[d.concentric[1]] - track[d.concentric[0]] for d in ref])
    rises, speeds = {}, {}
    if np.isfinite(rom) and rom > 0:
        for r in done:
            if not r.eccentric_first:
                rises[r.index], speeds[r.index] = _rise(track, r, rom, fps)
    ref_speed = _finite_median([speeds[d.index] for d in ref if d.index in speeds]) if speeds else float("nan")
    # For a stalled concentric-first rep the stall is the evidence, so its reach can be
    # judged against lockout itself: the last part of a press or curl moves the wrist
    # least, and a grind that got 53 % of the way read 71 % on MediaPipe's wrist.
    reach = lockout_share if stall_lockout_share is None else stall_lockout_share
    for k, r in enumerate(reps):
        if r.index in rises:
            # A lift that starts with the concentric (press, curl, pull-up, deadlift) and
            # comes back down after rising only part of the way, with no full rep after
            # it, failed its concentric. A short rep followed by full ones is a short range
            # of motion (technical), not failure: the lifter could still finish reps.
            later = [rises.get(x.index, 1.0) for x in reps[k + 1:]]
            rise = rises[r.index]
            if r.cut_end and not _attempt_seen(reps, track, r, rom, lockout_share, fps):
                continue  # the clip ended while it was still moving or paused: no evidence
            # Rising at the first reps' pace to a lower top is a rep cut short, not a stall.
            stalled = not (np.isfinite(ref_speed) and speeds[r.index] >= stall_speed_share * ref_speed)
            if (np.isfinite(rise) and rise < reach and all(x < reach for x in later)
                    and stalled):
                out.append(Verdict("concentric", r.index,
                                   f"rep {r.index}: lifted {max(rise, 0):.0%} of the way to lockout, "
                                   f"then lowered without finishing",
                                   {"frames": list(r.concentric), "value": round(rise, 3),
                                    "baseline": 1.0, "threshold": reach,
                                    "unit": "share of the first reps' range"}))
            continue
        if r.completed:
            continue
        if _turn_unseen(r, track):
            # Its turnaround fell in a tracking gap: how far it rose from there is not
            # known. A lifter walking out of the picture after the last squat, lost for
            # 0.6 s and seen again for two frames, made a "rep" of 17 % of the range that
            # read as stalled at 3 % and lowered without lockout.
            continue
        # Without a range on the tracked point, the driving signal's share of the set's
        # usual range (Rep.rom_share) is the reading, and named as such.
        reached, usual, unit = r.rom_share, "the set's usual range", "share of the set's usual range"
        rep_rom, own = rom, False
        if not (np.isfinite(rom) and rom > 0) and r.eccentric_first and track is not None and len(track):
            # No completed rep to go by (a clip of one squat stuck short of lockout): the
            # range is the rep's own way down from where it started.
            rep_rom, own = float(track[r.start] - track[r.turnaround]), True
        if np.isfinite(rep_rom) and rep_rom > 0:
            low = track[r.turnaround] if r.eccentric_first else track[r.concentric[0]]
            seen_rise = track[r.concentric[0]:r.end + 1]
            seen_rise = seen_rise[np.isfinite(seen_rise)]
            high = float(np.max(seen_rise)) if seen_rise.size else float("nan")
            if np.isfinite(high - low):
                reached = float((high - low) / rep_rom)
                usual, unit = (("its own way down", "share of its own way down") if own
                               else ("the usual range", "share of the first reps' range"))
        if reached >= lockout_share:
            continue  # it got to lockout; the clip or the tracking simply ended
        seen = np.flatnonzero(np.isfinite(track)) if track is not None and len(track) else []
        # The clip ends with this rep: on its last frames, or with the point not moved since
        # the rep's end (landmark noise in a pause reads as a few frames' "rise").
        if len(seen) and np.isfinite(rep_rom) and rep_rom > 0 and (
                r.end >= seen[-1] - 2 or _held_frames(track, int(seen[-1]), rep_rom) >= seen[-1] - r.end - 2):
            last = seen[-1]
            if not _attempt_seen(reps, track, r, rep_rom, lockout_share, fps, last=int(last)):
                continue  # still moving, or paused, when the clip ends: cut mid-rep, not a stall
            why = "did not get back to lockout before the clip (or the tracking) ended"
        else:
            # The tracking lost inside the rep (Rep.cut_end, before the clip's end): the
            # lowering must have been seen before the loss.
            if r.cut_end:
                own_last = None if track is None else _last_seen(track, r)
                if own_last is None or not _sank_back(track, r, rep_rom, lockout_share, own_last):
                    continue
            why = "was lowered without lockout"
        out.append(Verdict("concentric", r.index,
                           f"rep {r.index}: stalled at {max(reached, 0):.0%} of {usual} and {why}",
                           {"frames": [r.concentric[0], r.end], "value": round(float(reached), 3),
                            "baseline": 1.0, "threshold": lockout_share,
                            "unit": unit}))
    return out


def _turn_unseen(r: Rep, track: np.ndarray | None) -> bool:
    """Whether the rep's turnaround, or a frame either side of it, was not seen: the
    tracked point missing there (track, float[T]), or, without a track, inside the span
    of the rep's tracking gaps (Rep.unseen)."""
    if r.unseen is None:
        return False
    if track is not None and len(track):
        near = track[max(r.turnaround - 1, 0):r.turnaround + 2]
        return not np.isfinite(near).all()
    return r.unseen[0] - 1 <= r.turnaround <= r.unseen[1] + 1


def _rise(track: np.ndarray, r: Rep, rom: float, fps: float) -> tuple[float, float]:
    """(rise, speed) of a concentric-first rep: how far the point rose over its concentric
    (a share of rom) and how fast (that share per second, to its highest point)."""
    a, b = r.concentric
    seg = track[a:b + 1]
    if not np.isfinite(seg).any():
        return float("nan"), float("nan")
    top = int(np.nanargmax(seg))
    rise = float(seg[top] - track[a]) / rom
    return rise, rise * fps / max(top, 1)


# A trailing attempt is judged only where the tracked point was found on this share of
# its frames: a clip fading out after its last rep (the pose lost for a few frames, the
# track bridged across) read as a deadlift "pulled 47 % of the way to lockout".
TAIL_SEEN_SHARE = 0.8
# How long (s) a failed attempt's recovery must hold a height for it to count as reached
# (trailing_stall; 3 frames at 30 fps): a frame or two of a jumping landmark is not the
# lifter standing up.
HELD_S = 0.1


def trailing_stall(reps: Sequence[Rep], track: np.ndarray, *, eccentric_first: bool,
                   start_share: float = 0.5, lockout_share: float = 0.8,
                   attempt_share: float = ATTEMPT_MIN_SHARE,
                   fps: float, seen: np.ndarray | None = None,
                   driver: np.ndarray | None = None) -> Verdict | None:
    """A last rep that segmentation could not close: started, never brought to lockout.

    track: float[T] height of the tracked point (any unit, up positive). After the last
    rep, an eccentric-first lift (squat, bench) that sinks by >= start_share (0..1) of
    the typical range and is not back within (1 - lockout_share) of the top by the end of
    the clip failed its concentric; a concentric-first lift (pull-up, curl) that rises by
    >= attempt_share of the range but short of lockout_share (0..1), then comes back down
    by attempt_share, did too. Fallback for reps the segmentation leaves out or marks
    incomplete. An eccentric-first lift that is still lowering, or paused, when the clip ends
    (_ends_in_a_pause) and did not rise and sink back (_gave_up) is not judged. Nor is
    anything after a last rep that the driving signal's end cut off (Rep.cut_end): the
    signal the reps are found on was lost inside that rep, so what the tracked point does
    after it was never seen as part of the set (a wrist followed on after the elbow angle
    was lost read as a curl "pulled 65 % of the way"). seen: bool[T] where the point was
    found; an attempt found on under TAIL_SEEN_SHARE of its frames is not judged.
    driver: float[T] the signal the reps were segmented on; when given, it must show the
    attempt too (_driver_agrees): a wrist landmark that jumped about after a curl set's
    last rep, the elbow angle still, read as "pulled 59 % of the way to lockout".
    """
    done = [r for r in reps if r.completed]
    if len(done) < 2 or not len(track):
        return None
    last_rep = max(reps, key=lambda r: r.end)
    if last_rep.cut_end:
        return None
    last_end = last_rep.end
    frames = last_end + 1 + np.flatnonzero(np.isfinite(track[last_end + 1:]))
    tail = track[frames]
    if tail.size < 3:
        return None
    top, bottom = _lockout_and_bottom(track, done)
    rom = top - bottom
    if not np.isfinite(rom) or rom <= 0:
        return None
    n = max(r.index for r in reps) + 1
    if eccentric_first:
        low = int(np.argmin(tail))
        sunk = (top - tail[low]) / rom
        back = (tail[-1] - bottom) / rom
        # The recovery is read after the first arrival at the bottom (a failed rep often
        # sinks back a little deeper than where it turned: after the deepest point a rise
        # of 40 % reads as none), as the highest height held for HELD_S seconds, on
        # the usual range's scale: how near lockout it got, which one frame of landmark
        # noise does not decide.
        arrived = int(np.flatnonzero(tail <= tail[low] + 0.05 * rom)[0])
        best = (_held_top(tail[arrived:], max(2, int(round(HELD_S * fps)))) - bottom) / rom
        # Gave up after rising part of the way, or held at the bottom beyond any pause:
        # a clip that ends while the lifter is still lowering (or paused) shows neither.
        attempted = (_gave_up(tail, rom, 1 - lockout_share)
                     or not _ends_in_a_pause(reps, tail, len(tail) - 1, rom, fps))
        # Held at lockout after the bottom, it was no failed rep: the lifter stood up (and
        # what followed is not this attempt).
        if sunk >= start_share and back < lockout_share and best < lockout_share and attempted:
            # the attempt starts where the point last left the top before going down
            pre = tail[:low + 1]
            k0 = int(np.flatnonzero(pre >= pre.max() - 0.05 * rom)[-1])
            if (not _attempt_found(seen, frames[k0:])
                    or not _driver_agrees(driver, done, frames[k0:], eccentric_first, start_share)):
                return None
            return Verdict("concentric", n, f"rep {n}: went down but never came back to lockout "
                           f"(best recovery {max(best, 0.0):.0%} of the way up before the clip ends)",
                           _stall_evidence(frames[k0:], max(best, 0.0), lockout_share))
        return None
    high = int(np.argmax(tail))
    reached = (tail[high] - bottom) / rom
    lowered = (tail[high] - tail[-1]) / rom
    if attempt_share <= reached < lockout_share and lowered >= attempt_share:
        # the attempt starts where the point last left the bottom before rising
        pre = tail[:high + 1]
        k0 = int(np.flatnonzero(pre <= pre.min() + 0.05 * rom)[-1])
        if (not _attempt_found(seen, frames[k0:])
                or not _driver_agrees(driver, done, frames[k0:], eccentric_first, attempt_share)):
            return None
        return Verdict("concentric", n, f"rep {n}: pulled {reached:.0%} of the way to lockout, "
                       "then lowered without finishing",
                       _stall_evidence(frames[k0:], reached, lockout_share))
    return None


def _lockout_and_bottom(signal: np.ndarray, done: Sequence[Rep]) -> tuple[float, float]:
    """The signal's median at the completed reps' lockout (concentric end) and at their
    concentric start; NaN where it was never seen there."""
    return (_finite_median([signal[r.concentric[1]] for r in done]),
            _finite_median([signal[r.concentric[0]] for r in done]))


def _driver_agrees(driver: np.ndarray | None, done: Sequence[Rep], frames: np.ndarray,
                   eccentric_first: bool, share: float) -> bool:
    """Whether the driving signal also moved over an attempt's frames: by `share` of its
    usual range away from lockout (eccentric-first) or towards it (concentric-first),
    the range read between the completed reps' concentric ends, so the signal's own
    direction does not matter. True when there is no driver to ask."""
    if driver is None or not len(frames) or int(frames[-1]) >= len(driver):
        return True
    top, bottom = _lockout_and_bottom(driver, done)
    span = top - bottom
    seg = np.asarray(driver[frames], dtype=np.float64)
    if not (np.isfinite(span) and span != 0 and np.isfinite(seg).any()):
        return True
    u = (seg - bottom) / span  # 1 at lockout, 0 at the bottom, whichever way the signal runs
    if eccentric_first:
        return bool(1.0 - np.nanmin(u) >= share)
    return bool(np.nanmax(u) >= share)


def _held_top(seg: np.ndarray, frames: int) -> float:
    """The highest level seg stays at or above for `frames` frames in a row (its maximum
    when shorter): a one-frame spike of the landmark is not a height reached."""
    if len(seg) < frames or frames < 2:
        return float(np.max(seg))
    windows = np.lib.stride_tricks.sliding_window_view(seg, frames)
    return float(np.max(np.min(windows, axis=1)))


def _attempt_found(seen: np.ndarray | None, frames: np.ndarray) -> bool:
    """Whether the tracked point was found on enough of an attempt's frames to judge it."""
    return seen is None or not len(frames) or float(np.mean(seen[frames])) >= TAIL_SEEN_SHARE


def _stall_evidence(frames: np.ndarray, reached: float, lockout_share: float) -> dict:
    """A trailing stall's evidence: the attempt's frames (from where it left the rest
    position to the end of the clip) and how far towards lockout it got."""
    return {"frames": [int(frames[0]), int(frames[-1])], "value": round(float(reached), 3),
            "baseline": 1.0, "threshold": lockout_share, "unit": "share of the first reps' range"}


def eccentric_verdicts(reps: Sequence[Rep], eccentric_s: Sequence[float], speedup: float = 2.0,
                       *, min_reference_reps: int = 3, n_frames: int = 0,
                       first_judged: int = 1, lifted_s: float | None = None) -> list[Verdict]:
    """Lowering much faster than the set's own typical (median) eccentric, and faster than
    the load was lifted, from a rep on to the end of the set (sustained, as technical
    failure).

    speedup: how much faster (1.2..5) counts as control lost. lifted_s: how long the set's
    fresh reps took to lift (their median concentric, s; None: not asked). A lowering
    that takes longer than that is under control whatever the set did before: a tempo
    set's slow lowerings (2.2-2.5 s on a squat) followed by ordinary 1.0-s ones read 2.2x
    faster than the set's usual, a change of tempo, not a load the lifter can no longer
    hold back (a fast eccentric done on purpose takes about 0.6 s on a squat: Persico,
    Otago Polytechnic thesis, 2019). min_reference_reps:
    completed reps needed for a meaningful median, >= 2. n_frames: the clip's length; a
    lowering that runs into its last frames was cut, not lost. first_judged: reps before
    this one (the set's first baseline rep) are not judged: control lost before the
    baseline reps is not fatigue (a rep the clip began inside). A fast lowering followed
    by controlled ones is not failure: control that was lost stays lost, and a lone fast
    "eccentric" mid-set is more often a rep split in two by a glitching landmark.
    """
    done = [e for r, e in zip(reps, eccentric_s) if r.completed and np.isfinite(e) and e > 0]
    if len(done) < min_reference_reps:
        return []
    typical = float(np.median(done))
    # A lowering the clip ends during has no known speed.
    seen = [r.index >= first_judged and bool(np.isfinite(e) and e > 0)
            and not (n_frames and r.eccentric[1] >= n_frames - 1 - CUT_FRAMES // 2)
            for r, e in zip(reps, eccentric_s)]
    limit = typical / speedup
    lifted = lifted_s is not None and bool(np.isfinite(lifted_s) and lifted_s > 0)
    if lifted:
        limit = min(limit, float(lifted_s))
    flags = [ok and e < limit for ok, e in zip(seen, eccentric_s)]
    out = []
    for r, e, lost in zip(reps, eccentric_s, lasting(reps, flags, seen)):
        if lost:
            d = _apart(e, limit, 3)  # never shown equal to the limit it is under
            than_lifted = f", faster than the first reps were lifted ({lifted_s:.2f} s)" if lifted else ""
            evidence = {"frames": list(r.eccentric), "value": round(e, d),
                        "baseline": round(typical, 3), "threshold": round(limit, d), "unit": "s"}
            if lifted:
                evidence["lifted_s"] = round(float(lifted_s), 3)
            out.append(Verdict("eccentric", r.index,
                               f"rep {r.index}: lowered in {e:.2f} s, {typical / e:.1f}x faster than "
                               f"the set's usual {typical:.2f} s{than_lifted} (control lost)",
                               evidence))
    return out


def isometric_verdicts(reps: Sequence[Rep], track: np.ndarray, baseline: Sequence[int], *,
                       fps: float, min_hold_s: float = HOLD_MIN_S,
                       sink_share: float = SINK_SHARE, first_judged: int = 1,
                       tempos: Sequence[RepTempo] | None = None) -> list[Verdict]:
    """A hold between a rep's two moving phases that sinks: isometric failure.

    The pause at the turnaround (a paused squat's bottom, a pull-up's chin-over-bar hold, a
    press's lockout) is meant to be still; when the tracked point (track, float[T] height,
    up positive) ends it lower than it began by more than sink_share (0..1) of the first
    reps' range, beyond what the baseline reps' own holds sank, the position was lost.
    Holds shorter than min_hold_s are not judged (a touch-and-go turnaround), nor are the
    baseline reps and the reps before the first of them (first_judged). As with eccentric
    failure, the sinking must last to the end of the set (sustained): a hold that sinks
    once, with steady holds after it, was a lapse, not the position lost. tempos: the
    reps' RepTempo (aligned with reps); a hold lasts what tempo timed for that pause (from
    the frames' own times, so a clip whose frame rate varies reads the same hold in the
    verdict as in its tempo); frames / fps without them.
    """
    done = [r for r in reps if r.completed]
    if not done or track is None or not len(track):
        return []
    tempo_of = dict(zip((r.index for r in reps), tempos)) if tempos is not None else {}
    ref = [r for r in done if r.index in set(baseline)] or done
    rom = float(np.nanmedian([np.nanmax(track[r.start:r.end + 1]) - np.nanmin(track[r.start:r.end + 1])
                              for r in ref]))
    if not np.isfinite(rom) or rom <= 0:
        return []

    def hold(r: Rep) -> tuple[int, int]:
        return r.bottom_pause if r.eccentric_first else r.top_pause

    def seconds(r: Rep) -> float:
        tp = tempo_of.get(r.index)
        timed = float("nan") if tp is None else tp.bottom_pause_s if r.eccentric_first else tp.top_pause_s
        a, b = hold(r)
        return timed if np.isfinite(timed) else (b - a) / fps

    def sink(r: Rep) -> float:
        a, b = hold(r)
        seg = track[a:b + 1]
        # A hold across a tracking gap (Rep.unseen) was not seen, whatever the track shows.
        if seconds(r) < min_hold_s or not np.isfinite(seg).all() or not r.sees((a, b)):
            return float("nan")
        return float(seg[0] - seg[-1]) / rom

    base_sinks = [x for x in (sink(r) for r in ref) if np.isfinite(x)]
    allowed = sink_share + max(max(base_sinks, default=0.0), 0.0)
    sinks = [sink(r) for r in reps]
    # A rep before the baseline reps (the clip began inside rep 1) is compared with holds
    # that came later: not judged; nor is a rep with no hold to read.
    seen = [bool(np.isfinite(x)) and r.index not in set(baseline) and r.index >= first_judged
            for r, x in zip(reps, sinks)]
    flags = [ok and x > allowed for ok, x in zip(seen, sinks)]
    out = []
    for r, s, lost in zip(reps, sinks, lasting(reps, flags, seen)):
        if lost:
            a, b = hold(r)
            # As many decimals as tell the reading from its allowance ("10%, allowed 10%"
            # read as no failure).
            d = _apart(100 * s, 100 * allowed, 0)
            out.append(Verdict("isometric", r.index,
                               f"rep {r.index}: the hold sank {100 * s:.{d}f}% of the range in "
                               f"{seconds(r):.1f} s (allowed {100 * allowed:.{d}f}%)",
                               {"frames": [a, b], "value": round(s, 3),
                                "baseline": round(max(base_sinks, default=0.0), 3),
                                "threshold": round(allowed, 3), "unit": "share of the first reps' range"}))
    return out


def _whole_alike(value: float, digits: int) -> float:
    """value rounded to digits, on the same side of each half as value itself, so that it
    shows the same whole number as value does: the closing line shows the evidence's loss
    to the whole per cent as the table shows the unrounded one, and 29.496 kept as 29.50
    read "30 %" there beside the table's 29."""
    kept = round(value, digits)
    if f"{kept:.0f}" != f"{value:.0f}":
        step = 10.0 ** digits
        kept = (math.floor(value * step) if kept > value else math.ceil(value * step)) / step
    return kept


def ending_evidence(ending: str, reps: Sequence[Rep], metrics: Any, th: VerdictThresholds,
                    verdicts: Sequence[Verdict], concentric_s: Sequence[float], *,
                    loss_rep: int | None = None) -> dict | None:
    """What a set's ending (summary.set_ending) rests on, as a verdict's evidence.

    "absolute": the first rep of each of the three failures, in order, and the frames from
    the first to the last. "tolerance" (stopped with form and tempo intact): how close the
    set came to each limit that was judged: the largest velocity loss after the baseline
    reps (else loss_rep's), the slowest concentric (where the goal sets a time limit) and
    each fault measure's largest reading towards its fault, each with its rep, threshold
    and unit, over the reps the verdicts judge (set-up movement and reps far past the
    usual range left out, as judge() leaves their verdicts out). None for no ending.
    """
    if ending == "absolute":
        firsts = {k: min((v for v in verdicts if v.kind == k), key=lambda v: v.rep_index)
                  for k in ("concentric", "isometric", "eccentric")}
        frames = [f for v in firsts.values() for f in v.evidence.get("frames", [])]
        return {"frames": [min(frames), max(frames)] if frames else [],
                **{f"{k}_rep": v.rep_index for k, v in firsts.items()}}
    if ending != "tolerance":
        return None
    skip = unjudged_reps(reps, metrics, th)
    done = [(k, r) for k, r in enumerate(reps) if r.completed and r.index not in skip]
    if not done:
        return None
    out: dict = {"frames": [done[0][1].start, done[-1][1].end]}
    # The largest loss after the baseline reps (a first rep slower than the second reads
    # its gap to the best as loss, but is where the loss is measured from, not fatigue);
    # loss_rep's when none is read there.
    after = max(metrics.baseline_reps or (0,))
    read = [(float(metrics.reps[k].velocity_loss_pct), r.index) for k, r in done
            if r.index > after and metrics.reps[k].velocity_loss_pct is not None
            and np.isfinite(metrics.reps[k].velocity_loss_pct)]
    by_index = {r.index: k for k, r in done}
    if not read and loss_rep in by_index:
        loss = metrics.reps[by_index[loss_rep]].velocity_loss_pct
        if loss is not None and np.isfinite(loss):
            read = [(float(loss), loss_rep)]
    if read:
        loss, rep = max(read)
        out["velocity_loss"] = {"value": _whole_alike(loss, _apart(loss, th.velocity_loss_pct, 2)),
                                "threshold": th.velocity_loss_pct, "unit": "%", "rep": rep}
    timed = [(float(concentric_s[k]), r.index) for k, r in done if np.isfinite(concentric_s[k])]
    if th.concentric_limit_s is not None and timed:
        slowest, rep = max(timed)
        out["concentric"] = {"value": round(slowest, _apart(slowest, th.concentric_limit_s, 3)),
                             "threshold": th.concentric_limit_s, "unit": "s", "rep": rep}
    for f in metrics.drift.faults.values():
        read = [(f.toward_deg[k], r.index) for k, r in done if f.toward_deg[k] is not None]
        if read:
            worst, rep = max(read)
            out[f.measure] = {"value": worst,
                              "threshold": round(f.threshold_deg, _apart(worst, f.threshold_deg, 1)),
                              "unit": "deg beyond the first reps, towards the fault",
                              "fault": f.words, "rep": rep}
    return out


def borderline(reps: Sequence[Rep], metrics: Any, th: VerdictThresholds,
               verdicts: Sequence[Verdict], *, first_judged: int = 1) -> tuple[Borderline, ...]:
    """The set's last rep where it reads past a failure threshold but was not called.

    The verdicts hold a last rep alone to a clear margin (nothing after it confirms it):
    its velocity loss must pass the limit by th.lone_loss_margin_pct, a fault's drift its
    threshold by CLEAR_SHARE. A reading between the two is too close to call, and too
    close to say the set ended "with technique and tempo intact". Read over the reps the
    verdicts judge: completed, not a concentric failure, not set-up or out of range
    (unjudged_reps), and for the loss from the first baseline rep on; one per measure.
    """
    failed = {v.rep_index for v in verdicts if v.kind == "concentric"}
    skip = unjudged_reps(reps, metrics, th) | failed
    called = {(v.kind, v.rep_index): v for v in verdicts}
    out: list[Borderline] = []
    timed = [(r, m) for r, m in zip(reps, metrics.reps) if r.completed and r.index not in skip
             and r.index >= first_judged and np.isfinite(m.velocity_loss_pct)]
    if timed:
        r, m = timed[-1]
        loss, limit = float(m.velocity_loss_pct), th.velocity_loss_pct
        clear_at = limit + th.lone_loss_margin_pct
        # (Past the margin and still not called, another rule held it: not this case.)
        if limit < loss <= clear_at and ("tempo", r.index) not in called:
            out.append(Borderline(r.index, "tempo", "velocity_loss", round(loss, _apart(loss, limit, 1)),
                                  limit, clear_at, "%", "velocity loss"))
    judged = [k for k, r in enumerate(reps) if r.completed and r.index not in skip
              and any(r.form_phases)]
    # A short last rep (Rep.partial: under th.partial_rom_share of its run's range) that
    # is not short by the lone rep's margin (technical_verdicts' clear_short) is too close
    # to call as well: a push-up set ending on a rep at 69 % of the range against 70 % had
    # read "stopped with technique and tempo intact". Read as the range verdicts read it:
    # on a rep seen whole.
    ended = [r for r in reps if r.completed and r.index not in skip]
    if ended and ended[-1].partial and ended[-1].seen_whole and np.isfinite(ended[-1].rom_share):
        r = ended[-1]
        share, limit = 100.0 * float(r.rom_share), 100.0 * th.partial_rom_share
        clear_at = limit / CLEAR_SHARE
        v = called.get(("technical", r.index))
        if clear_at <= share < limit and not (v is not None and "range_of_motion" in v.evidence):
            out.append(Borderline(r.index, "technical", "range_of_motion",
                                  round(share, _apart(share, limit, 0)), round(limit, 1),
                                  round(clear_at, 1), "%", "range of motion"))
    for f in metrics.drift.faults.values() if judged else ():
        k = judged[-1]
        if f.spread_deg > NOISY_SPREAD_DEG or f.toward_deg[k] is None or two_sided(f, k):
            continue  # not readable on this set (technical_verdicts), or on this rep
        v = called.get(("technical", reps[k].index))
        if (f.threshold_deg < f.toward_deg[k] <= CLEAR_SHARE * f.threshold_deg
                and f.frames_past[k] >= th.drift_min_frames
                and not (v is not None and f.measure in v.evidence)):
            value = float(f.toward_deg[k])
            out.append(Borderline(reps[k].index, "technical", f.measure, value,
                                  round(f.threshold_deg, _apart(value, f.threshold_deg, 1)),
                                  round(CLEAR_SHARE * f.threshold_deg, 1),
                                  "deg", f.words))
    return tuple(out)


def unjudged_reps(reps: Sequence[Rep], metrics: Any, th: VerdictThresholds) -> set[int]:
    """Rep indices no verdict is given on: set-up movement (metrics.setup_reps) and reps
    far past their run's range (segmentation.out_of_range at th.rom_outlier_share)."""
    return (set(getattr(metrics, "setup_reps", ()))
            | {r.index for r in reps if out_of_range(r, th.rom_outlier_share)})


def speed_comparable(rep: Rep, step: Any, rom_outlier_share: float) -> bool:
    """Whether a rep's speed reads like the first reps': not out of range
    (segmentation.out_of_range at rom_outlier_share), and before any change of film speed
    (step: tempo.TempoStep or None). The set's velocity loss and reps in reserve are read
    off such reps only."""
    return not out_of_range(rep, rom_outlier_share) and (step is None or rep.index < step.rep)


def _fresh_concentric_s(reps: Sequence[Rep], concentric_s: Sequence[float],
                        baseline: Sequence[int]) -> float | None:
    """The median concentric duration (s) of the set's baseline reps; None without one."""
    got = [c for r, c in zip(reps, concentric_s)
           if r.index in baseline and r.completed and np.isfinite(c) and c > 0]
    return float(np.median(got)) if got else None


def judge(reps: Sequence[Rep], metrics: Any, eccentric_first: bool, th: VerdictThresholds,
          tempos: Sequence[RepTempo], *, fps: float = 30.0) -> list[Verdict]:
    """Every verdict of the set, ordered by rep then by kind priority.

    metrics: the set's SetMetrics (analysis.py): per-rep table, drift, track, baseline.
    """
    ecc = [tp.eccentric_s for tp in tempos]
    con = [tp.concentric_s for tp in tempos]
    # Fatigue is judged from the first baseline rep on (a rep the clip began inside is
    # before it: Rep.cut_start).
    first_judged = min(metrics.baseline_reps, default=1)
    stalls = concentric_verdicts(reps, metrics.track, lockout_share=th.partial_rom_share,
                                 baseline=metrics.baseline_reps, fps=fps,
                                 stall_speed_share=th.stall_speed_share,
                                 stall_lockout_share=th.stall_lockout_share)
    stalled = None if stalls else trailing_stall(
        reps, metrics.track, eccentric_first=eccentric_first, fps=fps,
        lockout_share=th.stall_lockout_share, attempt_share=th.attempt_min_share,
        seen=getattr(metrics, "seen", None),
        driver=getattr(metrics, "driver", None))
    if stalled is not None:
        stalls = [*stalls, stalled]
    failed = frozenset(v.rep_index for v in stalls)
    verdicts = (stalls + technical_verdicts(reps, metrics, th, failed=failed)
                + tempo_verdicts(reps, metrics, con, th, first_judged=first_judged, failed=failed,
                                 frame_s=1.0 / fps if fps > 0 else 0.0)
                + eccentric_verdicts(reps, ecc, th.eccentric_speedup, n_frames=len(metrics.track),
                                     first_judged=first_judged,
                                     lifted_s=_fresh_concentric_s(reps, con, metrics.baseline_reps))
                + isometric_verdicts(reps, metrics.track, metrics.baseline_reps, fps=fps,
                                     first_judged=first_judged, tempos=tempos))
    skip = unjudged_reps(reps, metrics, th)
    return sorted((v for v in verdicts if v.rep_index not in skip),
                  key=lambda v: (v.rep_index, VERDICT_KINDS.index(v.kind)))
