"""The set in one line: first failure, how the set ended, and the caveats a coach should read.

Reads the verdicts and the velocity/drift results; judges nothing itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Sequence

from .drift import read_faults
from .errors import RepsightError
from .form import FAULT_ANGLE
from .types import VERDICT_KINDS, Borderline, Rep, Verdict
from .velocity import rir_text, rpe_from_rir, rpe_text

# A lifter shorter than this in the frame (pixels, from the scale at the lifter and a
# typical stature) is read less reliably. The same 70 rendered clips posed at two frame
# sizes (benchmarks/synthetic_eval.py --seeds dev4, then --size 640x480): lifters 135-192 px
# tall got 3 false and 13 missed technical reps and a velocity-loss error of 1.9 points
# (median); 268-386 px tall, 0 false, 10 missed and 1.2 points. The limit lies between.
SMALL_LIFTER_PX = 240.0
TYPICAL_STATURE_M = 1.75
# Under this (pixels, as above) form is not judged at all: it is below the smallest lifters
# whose form readings were measured (135 px), and a clean side-view squat copied at 160x120
# (a lifter about 100 px tall) read 8 degrees of trunk lean on reps 2-3 and got technical
# calls the full-size clip does not.
MIN_FORM_PX = 120.0
# Baseline reps that differ by more than this (degrees) in an angle mean the angle itself is
# hard to measure on this clip (occlusion, a small or cluttered figure).
NOISY_SPREAD_DEG = 15.0
ANGLE_WORDS = {
    "knee": "knee angle", "hip": "hip angle", "elbow": "elbow angle", "shoulder": "shoulder angle",
    "trunk": "trunk lean", "ankle": "ankle angle", "knee_valgus": "knee cave (valgus)",
    "asymmetry": "left/right tilt", "trunk_lean": "trunk lean", "knee_cave": "knee cave",
    "elbow_forward": "elbow position", "hip_sag": "hip line",
}


@dataclass(frozen=True)
class SetSummary:
    """The set in one line: first failure rep, its kind, reps before it, and caveats."""

    n_reps: int  # reps counted (Rep.counted: finished at full range), as the rep table's header
    first_failure_rep: int | None
    kind: str | None
    reason: str
    reps_before: int  # reps counted (full range, finished) before the first failure, a set-up rep left out
    warnings: tuple[str, ...] = ()
    # How the set ended, in the coaches' terms: "absolute" (concentric, then isometric,
    # then eccentric failure), "tolerance" (stopped with form and tempo intact), or "".
    ending: str = ""
    # What the ending rests on (verdicts.ending_evidence): the three failures' reps for
    # "absolute", how close the set came to each limit for "tolerance"; None for none.
    ending_evidence: dict | None = None
    rir_estimate: float | None = None  # of loss_rep, from its velocity loss
    # The set's RPE on the RIR-based scale, from rir_estimate (velocity.rpe_from_rir).
    rpe_estimate: float | None = None
    # Why the set is not judged at all (a montage of several scenes or people): no verdict
    # was looked for, so "no failure" would claim what nobody checked. "" when judged.
    withheld: str = ""
    # The set's speed, computed here once for every output: the mean concentric velocity of
    # its counted reps (a set-up "rep" left out: its speed is not a lift's), and its
    # velocity loss, read off loss_rep: the last rep lifted to lockout (a short one too,
    # once two full reps were lifted) after the first baseline rep whose speed was read and
    # compares with the first reps' (verdicts.speed_comparable).
    mean_velocity_mps: float = float("nan")
    velocity_loss_pct: float = float("nan")
    loss_rep: int | None = None
    # The last rep's readings past a threshold that were too close to call on a last rep
    # alone (verdicts.borderline): with one, the set is not said to end intact.
    borderline: tuple[Borderline, ...] = ()
    # Whether any form fault was judged (False: the lift's profile has none, as a pull-up
    # or bench press, or none could be read here): technique then means the range of
    # motion alone, and the reps before a failure are not called good form.
    form_faults_judged: bool = True
    # The lift's fault measures not judged on this set (not measurable in the view, or
    # never read): a tolerance ending's "technique intact" names them (intact_words).
    faults_not_judged: tuple[str, ...] = ()

    def line(self) -> str:
        """The summary line for the CLI table."""
        if self.withheld:
            return f"verdicts withheld: {self.withheld}; {self.n_reps} rep(s) counted"
        if self.first_failure_rep is None and self.n_reps == 0:
            return "no full rep counted: nothing to judge"
        if self.first_failure_rep is None:
            out = f"no failure detected in {self.n_reps} rep(s)"
            rir = ("" if self.rir_estimate is None
                   else f"; {rir_text(self.rir_estimate)} rep(s) in reserve by velocity loss, "
                        f"RPE {rpe_text(self.rpe_estimate)} (estimates)")
            if self.ending == "tolerance":
                kept = intact_words(self.form_faults_judged, self.faults_not_judged)
                out += f"; stopped with {kept}: tolerance failure or reps left{rir}"
            elif self.borderline:
                out += "; " + "; ".join(b.short() for b in self.borderline) + rir
            elif self.n_reps == 1:
                # "No failure" in one rep says little: fatigue and form drift compare reps.
                out += "; one rep: nothing to compare it with, so fatigue and form drift are not judged"
            return out
        before = (f"{self.reps_before} good rep(s) before it" if self.form_faults_judged
                  else f"{self.reps_before} rep(s) before it (no form fault is judged for "
                       "this lift here)")
        out = f"first failure: rep {self.first_failure_rep} ({self.kind}), {before}; {self.reason}"
        if self.ending == "absolute":
            out += "; absolute failure: concentric, then isometric, then eccentric failure"
        return out


def velocity_source(exercise: str, bar_of_record: bool) -> str:
    """What a set's velocities are of, in words: the bar's plate when the bar pass took over
    (bar_metrics: its velocities are the set's), else the body point the profile follows
    ("the hips"). A coach read 0.31 m/s as the hips' speed where the hips moved at 0.21."""
    if bar_of_record:
        return "the bar (its near plate's centre)"
    from .profiles import get_profile

    try:
        points = get_profile(exercise).velocity_point
    except RepsightError:
        return "the tracked point"
    return "the " + " and ".join(f"{p.lower()}s" for p in points)


def count_words(reps: Sequence[Rep]) -> str:
    """The rep count as every output says it: "2 rep(s) (+1 partial)" (partial and
    unfinished reps are found, not counted)."""
    extra = [f"{n} {w}" for n, w in ((sum(r.partial for r in reps), "partial"),
                                     (sum(not r.completed for r in reps), "incomplete")) if n]
    counted = sum(1 for r in reps if r.counted)
    return f"{counted} rep(s)" + (f" (+{', '.join(extra)})" if extra else "")


def intact_words(form_faults_judged: bool, not_judged: Sequence[str] = ()) -> str:
    """What a tolerance ending says the set kept: technique only where a form fault was
    judged, and then the fault measures that were not (not_judged: measure names), else
    the range of motion, which every lift's verdicts check."""
    if form_faults_judged and not_judged:
        names = ", ".join(ANGLE_WORDS.get(m, m.replace("_", " ")) for m in not_judged)
        return f"technique and tempo intact as far as read ({names} not judged here)"
    if form_faults_judged:
        return "technique and tempo intact"
    return "range of motion and tempo intact (no form fault is judged for this lift here)"


def too_small_for_form(scale: Any) -> str:
    """Why the lifter is too small in the picture for form to be judged (MIN_FORM_PX), or ""."""
    tall_px = scale.px_per_m * TYPICAL_STATURE_M
    if not (scale.valid and tall_px < MIN_FORM_PX):
        return ""
    return (f"the lifter is about {tall_px:.0f} px tall in the picture, under the "
            f"{MIN_FORM_PX:.0f} px at which joint angles can be told from landmark noise")


def quality_warnings(metrics: Any, *, detection_rate: float = 1.0, n_reps: int = 0,
                     baseline_reps: int = 2, counted: int | None = None,
                     loss_rep: int | None = None) -> list[str]:
    """Reasons a verdict may be unreliable: the view, landmark quality, the lifter's size in
    the frame, scale, too few reps. n_reps: reps found; counted: of them, reps counted
    (Rep.counted), n_reps when None; loss_rep: the rep the set's velocity loss is read on
    (SetSummary.loss_rep), None when the set has no loss."""
    if n_reps == 0:
        # Nothing to judge: only say why the pose may have been too poor to find reps (no
        # one at all is said where the pose was read, and "found on 0 %" would repeat it).
        return ([f"person found on only {detection_rate:.0%} of frames"]
                if 0 < detection_rate < 0.9 else [])
    out = list(metrics.warnings)
    if metrics.view == "oblique":
        out.append("oblique camera view: joint angles are projected and drift is approximate")
    elif metrics.view == "unknown":
        out.append("camera view unknown: form verdicts skipped")
    # A fault measure covers the form angle it reads (knee cave, trunk lean): when the
    # fault cannot be judged its own reason says so, and when it is judged another way
    # (3-D landmarks, the torso's foreshortening head-on, the image at 45 degrees) the
    # angle's absence limits nothing the verdicts say. "Trunk lean not measurable" beside
    # a verdict of the trunk leaning further forward would contradict it.
    covered = {angle for fault, angle in FAULT_ANGLE.items()
               if fault in metrics.not_measurable or fault in read_faults(metrics.drift.faults)}
    for name, why in metrics.not_measurable.items():
        if name in covered:
            continue
        out.append(f"{ANGLE_WORDS.get(name, name)} not measurable: {why}")
    noisy = {k: v for k, v in metrics.drift.spread_deg.items() if v > NOISY_SPREAD_DEG}
    if noisy:
        worst = max(noisy, key=noisy.get)
        out.append(f"joint angles are noisy here: the {ANGLE_WORDS.get(worst, worst)} already "
                   f"differs by {noisy[worst]:.0f} deg between the first reps; technical verdicts "
                   "are less reliable")
    for f in metrics.drift.faults.values():
        if f.unread_reps:
            reps = ", ".join(map(str, f.unread_reps))
            out.append(f"{ANGLE_WORDS.get(f.measure, f.measure)} not judged on rep(s) {reps}: "
                       "read on too little of them (a limb it needs left the picture or was "
                       "not found)")
        if f.breaks_standard:
            out.append(f"form fault from rep 1: {f.words}, {abs(f.baseline_extreme_deg):.0f} deg in the "
                       f"first reps (standard: within {f.standard_deg:.0f} deg); later reps are "
                       "judged against that, so only a further change is called")
    if detection_rate < 0.9:
        out.append(f"person found on only {detection_rate:.0%} of frames")
    tall_px = metrics.scale.px_per_m * TYPICAL_STATURE_M
    if metrics.scale.valid and tall_px < SMALL_LIFTER_PX:
        # Said as the scale, not a height seen: a lifter squatting or lying down never
        # stands that tall in the picture (and "208 px tall" in a 180 px frame puzzled).
        out.append(f"lifter small in the frame (about {metrics.scale.px_per_m:.0f} px a metre: "
                   f"{tall_px:.0f} px for a {TYPICAL_STATURE_M:g} m person standing): form "
                   f"and tempo readings are less precise; film closer or at a higher "
                   f"resolution ({SMALL_LIFTER_PX:.0f} px or more)")
    if metrics.scale.valid and metrics.scale.rel_uncertainty > 0.1:
        out.append(f"pixel-to-metre scale uncertain (+/- {100 * metrics.scale.rel_uncertainty:.0f} %): "
                   "absolute velocities are rough, velocity loss is unaffected")
    few = n_reps if counted is None else counted
    if few == 1:
        out.append("1 rep: no velocity loss to read (it needs a second rep to compare with)")
    elif 1 < few <= baseline_reps and loss_rep is not None:
        # Said of the loss the set has: with none (no clean rep, no scale, too slow) the
        # velocity stage says why, and "read against the baseline" would contradict it.
        base = tuple(metrics.baseline_reps)
        if loss_rep in base:
            # Each later rep's loss is still read against the fastest (the table, RIR and a
            # clear tempo failure use it), but with no rep after the baseline to confirm it.
            out.append(f"{few} reps, no more than the {baseline_reps}-rep velocity baseline: "
                       "velocity loss is read against the baseline's fastest rep, with no "
                       "later rep to confirm it")
        else:
            # A short baseline (a rep cut by the clip's edge or partly unseen sets none):
            # the loss rep is read against it alone, and may read faster (a negative loss).
            against = (f"rep {base[0]} alone" if len(base) == 1 else
                       f"the fastest of reps {', '.join(map(str, base))}")
            out.append(f"{few} reps: velocity loss is read on rep {loss_rep} against "
                       f"{against}, with no later rep to confirm it")
    return out


def set_ending(verdicts: Sequence[Verdict], n_reps: int, baseline_reps: int = 2) -> str:
    """"absolute" when concentric, isometric and eccentric failure follow in that order,
    "tolerance" when a set longer than its baseline ends with no failure at all, else ""."""
    if not verdicts:
        return "tolerance" if n_reps > baseline_reps else ""
    first = {k: min((v.rep_index for v in verdicts if v.kind == k), default=None)
             for k in ("concentric", "isometric", "eccentric")}
    if all(x is not None for x in first.values()) and \
            first["concentric"] <= first["isometric"] <= first["eccentric"]:
        return "absolute"
    return ""


def summarise(reps: Sequence[Rep], verdicts: Sequence[Verdict], warnings: Sequence[str] = (),
              *, setup_reps: Sequence[int] = (), rir_estimate: float | None = None,
              baseline_reps: int = 2, form_judged: bool = True, tempo_judged: bool = True,
              ended_at_rest: bool = True, mean_velocity_mps: float = float("nan"),
              velocity_loss_pct: float = float("nan"), loss_rep: int | None = None,
              borderline: Sequence[Borderline] = (), form_faults_judged: bool = True,
              faults_not_judged: Sequence[str] = ()) -> SetSummary:
    """First failure rep, its kind and reason, reps before it (set-up excluded), how the
    set ended (absolute / tolerance failure), and caveats. form_judged / tempo_judged:
    False when the form could not be read, or the last reps' speed was not judged (a
    slow-motion section, tempo.tempo_step), so a set without failure is not said to end
    "with technique and tempo intact" (tolerance failure), nor when its last rep was
    partly not tracked (Rep.unseen), nor when the clip ends inside a rep or away from rest
    (ended_at_rest False): the lifter was not seen to stop. The set's speed figures
    (mean_velocity_mps, velocity_loss_pct of loss_rep, rir_estimate) are carried as given,
    with the RPE that rir_estimate reads as. borderline: the last rep's readings too close
    to their thresholds to call (verdicts.borderline); with any, no tolerance ending.
    form_faults_judged: False when no form fault was judged (SetSummary.form_faults_judged);
    faults_not_judged: the lift's fault measures that were not (SetSummary.faults_not_judged)."""
    # The count a lifter reads, as the rep table's header gives it: a rep left unfinished
    # or cut short is not one more rep done without failure.
    counted = sum(1 for r in reps if r.counted)
    speed = dict(rir_estimate=rir_estimate, rpe_estimate=rpe_from_rir(rir_estimate),
                 mean_velocity_mps=mean_velocity_mps,
                 velocity_loss_pct=velocity_loss_pct, loss_rep=loss_rep,
                 borderline=tuple(borderline), form_faults_judged=form_faults_judged,
                 faults_not_judged=tuple(faults_not_judged) if form_faults_judged else ())
    reps = [r for r in reps if r.index not in set(setup_reps)]
    done = [r for r in reps if r.completed]
    # A rep the clip began inside is neither a baseline rep nor judged for fatigue: it
    # cannot make a set longer than its baseline (a mid-lift fragment in front of two reps
    # turned "no ending" into "stopped with technique and tempo intact").
    ending = set_ending(verdicts, sum(1 for r in done if not r.cut_start), baseline_reps)
    if ending == "tolerance" and (not form_judged or not tempo_judged or not done[-1].seen_whole
                                  or not reps[-1].completed or reps[-1].cut_end
                                  or not ended_at_rest or borderline):
        ending = ""
    if not verdicts:
        return SetSummary(counted, None, None, "", sum(1 for r in reps if r.counted),
                          tuple(warnings), ending=ending, **speed)
    first = min(verdicts, key=lambda v: (v.rep_index, VERDICT_KINDS.index(v.kind)))
    # Reps done before it, as the rep count counts them: a partial or unfinished rep is
    # not one of the "good reps before it".
    before = sum(1 for r in reps if r.index < first.rep_index and r.counted)
    same = sorted((v for v in verdicts if v.rep_index == first.rep_index),
                  key=lambda v: VERDICT_KINDS.index(v.kind))
    # Every kind of failure on that rep, the most decisive first.
    reason = "; ".join(f"{v.kind}: {v.reason.split(': ', 1)[-1]}" if len(same) > 1 else
                       v.reason.split(": ", 1)[-1] for v in same)
    return SetSummary(counted, first.rep_index, first.kind, reason, before, tuple(warnings),
                      ending=ending, **speed)


def closest_to_limits(evidence: Any) -> list[str]:
    """A tolerance ending's evidence (SetSummary.ending_evidence, or its JSON) as short
    phrases: how close the set came to each limit judged ("velocity loss 18 % at rep 8,
    limit 30 %"), as the report and the terminal say it."""
    if not isinstance(evidence, dict):
        return []
    out = []
    for key, ev in evidence.items():
        if not isinstance(ev, dict) or ev.get("value") is None or ev.get("threshold") is None:
            continue
        unit = str(ev.get("unit") or "")
        short, spec = {"%": ("%", ".0f"), "s": ("s", ".2f")}.get(
            unit, ("deg", ".1f") if unit.startswith("deg") else ("", ".2f"))
        name = {"velocity_loss": "velocity loss", "concentric": "slowest concentric"}.get(
            key, str(ev.get("fault") or key.replace("_", " ")))
        # A fault past its limit that did not last as a called fault must is not a failure,
        # but said plainly: "closest to a limit" beside a reading past it read as a
        # contradiction. (The evidence keeps the largest reading only, not how many reps.)
        past = ev["value"] > ev["threshold"]
        limit = (f"past its limit of {ev['threshold']:g} {short} but not for long enough to "
                 "be called" if past else f"limit {ev['threshold']:g} {short}")
        out.append(f"{name} {ev['value']:{spec}} {short} at rep {ev.get('rep')}, "
                   f"{limit}".replace("  ", " "))
    return out
