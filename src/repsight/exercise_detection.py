"""Which exercise a clip shows: from its file name (batch) or from how the body moves (auto)."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from .config import AnalysisConfig
from .kinematics import BOTH, body_scale_px, in_picture, joint_angle, point_height, trunk_inclination
from .landmarks import LM
from .profiles import ExerciseProfile, exercise_names, get_profile, name_tokens
from .smoothing import seen_mean
from .types import PoseSequence


def exercise_from_name(path: str | os.PathLike) -> str | None:
    """Profile named in a clip's file name (then its folder names), longest match wins.

    'floor_press_dumbbell_front.mp4' -> bench_press (alias floor_press), 'squat_01.mp4'
    -> squat; plurals count ('dips_set2.mp4' -> dip, 'squats/clip3.mp4' -> squat).
    """
    found = exercise_in_name(path)
    return found[0] if found is not None else None


def exercise_in_name(path: str | os.PathLike) -> tuple[str, str] | None:
    """(profile, where the path names it) as exercise_from_name finds it: where is "the
    file name" or "the folder name 'squats'" (the nearest folder that names one)."""
    p = Path(path)
    names = exercise_names()
    for k, part in enumerate((p.stem, *[q.name for q in p.parents if q.name])):
        toks = name_tokens(part)
        for seq, profile in names:
            n = len(seq)
            if any(tuple(toks[i:i + n]) == seq for i in range(len(toks) - n + 1)):
                return profile, "the file name" if k == 0 else f"the folder name {part!r}"
    return None


def _robust_range(x: np.ndarray) -> float:
    """5th-95th percentile spread of the finite values (0 when there are none)."""
    x = x[np.isfinite(x)]
    return float(np.percentile(x, 95) - np.percentile(x, 5)) if x.size else 0.0


def _world_trunk_inclination(seq: PoseSequence) -> float:
    """Median angle (deg) of the hip->shoulder line from vertical in the 3D world landmarks.

    The world landmarks keep the body's 3D shape, so a lifter lying along the camera's
    line of sight (a bench press filmed from the feet or at 45 degrees) reads lying here
    while the foreshortened 2D torso reads upright. NaN when never seen.
    """
    w = seq.world.astype(np.float64)
    v = (w[:, LM.LEFT_SHOULDER] + w[:, LM.RIGHT_SHOULDER]) / 2 - (w[:, LM.LEFT_HIP] + w[:, LM.RIGHT_HIP]) / 2
    norm = np.linalg.norm(v, axis=1)
    ok = np.isfinite(norm) & (norm > 0)
    if not ok.any():
        return float("nan")
    # World y points down, like the image's.
    return float(np.degrees(np.median(np.arccos(np.clip(-v[ok, 1] / norm[ok], -1.0, 1.0)))))


def _world_elbow_range(seq: PoseSequence, min_visibility: float) -> float:
    """5-95 % spread (deg) of the elbow's 3D angle in the world landmarks, the two arms'
    mean where both are seen (0 when never seen).

    Seen head-on, a curl's forearm swings towards the camera and its 2D elbow angle
    barely changes, as a raise's straight arm does; in 3D the curl bends the elbow
    60-100 degrees (rendered and real curls from every view), a raise about 10.
    """
    w = seq.world.astype(np.float64)
    sides = []
    for s, e, h in ((LM.LEFT_SHOULDER, LM.LEFT_ELBOW, LM.LEFT_WRIST),
                    (LM.RIGHT_SHOULDER, LM.RIGHT_ELBOW, LM.RIGHT_WRIST)):
        a, b = w[:, s] - w[:, e], w[:, h] - w[:, e]
        with np.errstate(invalid="ignore", divide="ignore"):
            cos = np.sum(a * b, axis=1) / (np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1))
        angle = np.degrees(np.arccos(np.clip(cos, -1.0, 1.0)))
        hidden = np.min(seq.image[:, [s, e, h], 3], axis=1) < min_visibility
        sides.append(np.where(hidden, np.nan, angle))
    return _robust_range(seen_mean(np.stack(sides)))


def _leg_length(seq: PoseSequence, scale: float, min_visibility: float) -> float:
    """Median 2D thigh + shin length in torso lengths, on frames where a knee is seen.

    A standing or sitting lifter's legs read 1.0-1.6 torso lengths; legs pointing at the
    camera (lying, seen from the feet) read far shorter, legs in the foreground far longer.
    The better-seen leg of each frame is read. NaN when no knee is seen on most frames (a
    cropped clip says nothing about lying).
    """
    img = seq.image
    left = img[:, LM.LEFT_KNEE, 3] >= img[:, LM.RIGHT_KNEE, 3]
    knee_vis = np.where(left, img[:, LM.LEFT_KNEE, 3], img[:, LM.RIGHT_KNEE, 3])
    seen = knee_vis >= max(min_visibility, 0.5)
    if seen.sum() < max(10, 0.3 * seq.n_frames):
        return float("nan")

    def side(lm_left: LM, lm_right: LM) -> np.ndarray:
        return np.where(left[:, None], seq.pixels(lm_left), seq.pixels(lm_right))

    hip, knee = side(LM.LEFT_HIP, LM.RIGHT_HIP), side(LM.LEFT_KNEE, LM.RIGHT_KNEE)
    ankle = side(LM.LEFT_ANKLE, LM.RIGHT_ANKLE)
    ankle_vis = np.where(left, img[:, LM.LEFT_ANKLE, 3], img[:, LM.RIGHT_ANKLE, 3])
    thigh = np.linalg.norm(hip - knee, axis=1)
    # An ankle out of frame is extrapolated; the thigh alone then stands for the shin.
    shin = np.where(ankle_vis >= 0.5, np.linalg.norm(knee - ankle, axis=1), thigh)
    return float(np.nanmedian((thigh + shin)[seen]) / scale)


# The trunk's lean from vertical over the knees' bend, at the bottom of the lift (see
# _hinge_ratio): rendered deadlifts side-on and at 45 degrees read 0.60-0.83 and the real
# side-on one 0.9; rendered squats 0.26-0.52 (the highest leaning far forward, which
# already reads as a hinge) and the six real squats 0.23-0.41.
HINGE_RATIO = 0.55


def _hinge_ratio(seq: PoseSequence, hip_height: np.ndarray, min_visibility: float) -> float:
    """The 2D trunk's angle from vertical over the knee's flexion (180 - knee angle), each
    the median over the frames where the hips are lowest (their lowest tenth); NaN when
    either is not seen there. A deadlift folds at the hips with the knees bent little, a
    squat bends the knees far with the trunk more upright; seen head-on both read near 0.
    """
    if not np.isfinite(hip_height).any():
        return float("nan")
    low = hip_height <= np.nanpercentile(hip_height, 10)
    lean = trunk_inclination(seq, min_visibility=min_visibility)[low]
    knee = joint_angle(seq, "knee", BOTH, min_visibility=min_visibility)[low]
    if not (np.isfinite(lean).any() and np.isfinite(knee).any()):
        return float("nan")
    bend = 180.0 - float(np.nanmedian(knee))
    return float(np.nanmedian(lean)) / bend if bend > 1.0 else float("nan")


# The most a deadlift's wrists move against its shoulders (torso lengths, 5-95 % range):
# rendered deadlifts 0.05-0.32 and the real ones 0.14 and 0.29, against 0.68-1.02 for
# rendered air squats, whose arms swing forward (a squat leaning far forward, 8 of 442
# rendered clips, read as a deadlift).
HINGE_MAX_ARMS = 0.5
# A squat or a hinge lowers the shoulders at least as far as the hips come down to the
# ankles (shoulders over legs, 5-95 % ranges: 1.08-2.1 on the real squats and deadlifts
# and their copies, 1.19 and up on 630 rendered clips). Legs that read as folding while the
# shoulders stay are legs foreshortened towards the camera, jittering: a lifter lying along
# the line of sight (the real floor press seen from the feet, 0.15-0.25 on its copies).
SQUAT_MIN_SHOULDERS = 0.6
# Framed with the feet below the picture (ankles shown on under FEET_SHOWN_SHARE of the
# frames), the legs' fold cannot be read; the hips' drop (torso lengths, 5-95 % range)
# still tells a squat: 0.67-1.0 on the real squats, 0.9-0.95 on two of them cropped to
# their top three quarters (which read as a Romanian deadlift), against 0.05 for a
# rendered RDL and 0.51 for a rendered dip. No rendered clip leaves its ankles out.
FEET_SHOWN_SHARE = 0.5
SQUAT_MIN_HIP_DROP = 0.6
# Shoulders out of the picture on more than a tenth of the frames say nothing about how far
# they moved (a squat whose head leaves the top of the picture at standing).
SHOULDERS_SHOWN_SHARE = 0.9
# An arm lift moves the hands this far against the shoulders (torso lengths, 5-95 % range;
# a press, and a lift named that keeps the legs still): 0.57-1.41 on the rendered barbell
# curls.
ARM_LIFT_MIN = 0.4
# The 2-D torso's median angle from vertical past which it reads upside down: a decline
# push-up reads 110-115 degrees (the real one on a glute-ham bench), the floor press seen
# from the feet 166-167 where the pose model turned its torso round.
UPSIDE_DOWN_DEG = 150.0


def _shown_share(seq: PoseSequence, left: LM, right: LM) -> float:
    """Share of the frames with a person where either side's landmark is in the picture."""
    xy = seq.image[seq.detected][:, [left, right], :2]
    return float(in_picture(xy).any(axis=1).mean()) if len(xy) else 0.0


def detect_exercise(seq: PoseSequence, cfg: AnalysisConfig, *,
                    still_legs_given: bool = False) -> tuple[str, str]:
    """Pick a profile from how the body moves; returns (profile name, reason)."""
    name, reason, _ = _detect(seq, cfg, still_legs_given=still_legs_given)
    return name, reason


def _detect(seq: PoseSequence, cfg: AnalysisConfig, *,
            still_legs_given: bool = False) -> tuple[str, str, bool]:
    """(profile name, reason, whether the pick is only a guess: nothing moved).

    Body-relative movement features (in torso lengths or degrees, robust 5-95 % ranges)
    decide the family: legs bending (hip-to-ankle height), arms moving (wrist relative to
    the shoulder, elbow angle), the whole body moving (shoulder height with straight
    legs), and the torso's orientation (horizontal for push-ups and bench).
    still_legs_given: checking a lift the user named that does not bend the legs (not a
    squat or hinge; exercise_misfit): legs that only seem to fold, under still shoulders
    while the hands move, are then taken as misread rather than as a squat.
    """
    vis = cfg.min_visibility
    scale = body_scale_px(seq)
    if not np.isfinite(scale) or seq.detection_rate == 0:
        return "squat", "no person found; fell back to squat", True

    def h(names):
        return point_height(seq, names, BOTH, min_visibility=vis, scale_px=scale)

    incl = trunk_inclination(seq, min_visibility=vis)
    incl_med = float(np.nanmedian(incl)) if np.isfinite(incl).any() else 0.0
    incl_max = float(np.nanpercentile(incl, 95)) if np.isfinite(incl).any() else 0.0
    hip_h = h(("HIP",))
    legs = _robust_range(hip_h - h(("ANKLE",)))
    arms = _robust_range(h(("WRIST",)) - h(("SHOULDER",)))
    wrist_over = h(("WRIST",)) - h(("SHOULDER",))
    seen = np.isfinite(wrist_over).any()
    wrist_top = float(np.nanpercentile(wrist_over, 95)) if seen else 0.0
    wrist_mid = float(np.nanmedian(wrist_over)) if seen else 0.0
    body = _robust_range(h(("SHOULDER",)))
    hands = _robust_range(h(("WRIST",)))  # in the image, not relative to the shoulders
    elbow = _robust_range(joint_angle(seq, "elbow", BOTH, min_visibility=vis))
    world_incl = _world_trunk_inclination(seq)
    leg_len = _leg_length(seq, scale, vis)
    hips = _robust_range(hip_h)
    feet_shown = _shown_share(seq, LM.LEFT_ANKLE, LM.RIGHT_ANKLE)
    def f(v: float, digits: int = 2) -> str:  # a figure not read (too few frames) as "?"
        return f"{v:.{digits}f}" if np.isfinite(v) else "?"

    facts = (f"legs {f(legs)}, arms {f(arms)}, shoulders {f(body)}, hands {f(hands)}, "
             f"hands over shoulders {f(wrist_mid)}, leg length {f(leg_len)} torso lengths; "
             f"elbow {f(elbow, 0)} deg; trunk {f(incl_med, 0)} deg from vertical, "
             f"{f(world_incl, 0)} deg in 3D; ankles in the picture on {feet_shown:.0%} of frames")
    # Lying along the line of sight (from the feet, at 45 degrees, head-on): the 3D torso
    # lies down, or the legs are foreshortened towards the camera or loom in the foreground.
    lying = (world_incl > 50.0 or leg_len < 0.7 or leg_len > 2.2)
    # No lift here turns the torso upside down (a decline push-up reads 110-115 degrees):
    # one read so is the pose model turning round a body that lies with its feet towards
    # the camera (the floor press seen from the feet, mirrored or quicker: 166-167).
    upside_down = incl_med > UPSIDE_DOWN_DEG
    lifting = arms > ARM_LIFT_MIN and wrist_top > 0.3
    pressing = lifting and body < 0.5 * arms
    # A torso turned round is the model misplacing the body, shoulders with it: they read
    # half the hands' travel or more there (0.46 against 0.85 on the quicker floor press
    # from the feet, encoded by another ffmpeg), which is no body rising between the hands.
    pressing_turned = upside_down and lifting and body < arms
    legs_fold = legs > 0.3 and legs >= 0.5 * arms
    # Legs that read as folding under still shoulders are not a squat or a hinge (see
    # SQUAT_MIN_SHOULDERS): pressing hands make it a press lying down (below). Where the
    # user named a lift that keeps the legs still, such legs are taken as misread (a
    # barbell curl's plate drags the hips, knees and ankles with it from the side, so the
    # shoulders are read in the picture, not against the feet) and do not overrule the
    # lift named. Not for `auto`: a camera tilting to follow a squatter's head also stills
    # the shoulders in the picture. Shoulders out of the picture on many frames are no
    # evidence of stillness, and the lift named must move the hands against them.
    still_shoulders = bool(body < SQUAT_MIN_SHOULDERS * legs)
    legs_misread = (still_legs_given and still_shoulders and arms > ARM_LIFT_MIN
                    and _shown_share(seq, LM.LEFT_SHOULDER, LM.RIGHT_SHOULDER)
                    >= SHOULDERS_SHOWN_SHARE)
    if (pressing and incl_med <= 55.0 and lying) or pressing_turned:
        name = "bench_press"  # hands rise from a still, lying torso
    elif wrist_mid > 0.2 and body > 0.4 and hands < 0.3 and body > 2.0 * hands:
        name = "pullup"  # hands fixed overhead (on the bar), the body rises between them
    elif incl_med > 55.0 and not (hands > 0.5 * body and legs > 0.3):
        # (A short deadlift set that rests bent over at the floor also leans past 55
        # degrees; its hands travel with the shoulders and its legs bend, while a
        # push-up's hands stay planted: that goes on to the legs' branch below.)
        if body > 0.5 * arms:
            name = "pushup"
        else:
            # A bent-over row's hands hang below the shoulders; a bench press pushes them
            # away from the chest, which reads as above the shoulders in the image.
            name = "bench_press" if incl_med > 75.0 or wrist_mid > 0.3 else "row"
    elif wrist_mid > 0.5 and body > 0.4:
        name = "pullup"  # hands above the head all along, the body rises between them
    elif legs_fold and pressing and still_shoulders:
        name = "bench_press"  # the hands press from still shoulders; the legs only look bent
    elif ((legs_fold and not legs_misread)
          or (feet_shown < FEET_SHOWN_SHARE and hips > SQUAT_MIN_HIP_DROP)):
        # (With the feet below the frame the legs' fold is the model's guess; the hips
        # dropping far tells a squat or a hinge, not a straight-legged RDL or a dip.)
        # A hinge tips the trunk far forward (side view); from the front, the giveaway is
        # the hands hanging straight down and moving with the body (a bar or dumbbells) and
        # the hinge shows as the torso foreshortening to half its length or less.
        torso = np.linalg.norm(
            (seq.pixels(11) + seq.pixels(12)) / 2 - (seq.pixels(23) + seq.pixels(24)) / 2, axis=1) / scale
        folds = bool(np.isfinite(torso).any()) and float(np.nanpercentile(torso, 5)) < 0.5
        hanging = wrist_mid < -0.85 and arms < 0.3 and folds
        # Filmed at 45 degrees the trunk's lean is foreshortened under 50 degrees, but a
        # hinge still tips the trunk far for how little the knees bend.
        hinge = _hinge_ratio(seq, hip_h, vis)
        # A deadlift's hands hold the bar at arm's length below the shoulders all through
        # the pull; hands that swing up towards the shoulders (an air squat's arms held
        # out at the bottom) are a squat, however far the trunk leans.
        holds = arms < HINGE_MAX_ARMS
        name = ("deadlift" if holds and (incl_max > 50.0 or hanging or hinge > HINGE_RATIO)
                else "squat")
    elif body > 0.4 and legs < 0.3:
        if wrist_top > 0.3:
            name = "pullup"  # hands above the head, the body rises between them
        elif _robust_range(incl) > 30.0:
            name = "romanian_deadlift"  # straight legs, the trunk hinges
        else:
            name = "dip"
    elif elbow < 40.0 and not _world_elbow_range(seq, vis) > 40.0:
        # Straight arms swinging up: a raise, however high the hands go (a press bends and
        # straightens the elbows; hands ending just above the shoulders made a raise read
        # as a press). Head-on, a curl's 2D elbow also stays nearly straight: its 3D
        # elbow bends.
        name = "raise"
    elif wrist_top > 0.4:
        name = "overhead_press"
    else:
        name = "biceps_curl"
    moved = [x for x in (legs, arms, body, hands) if np.isfinite(x)]
    if moved and max(moved) < STILL_BODY:
        # Nothing moved that a lift moves (a clip of a few frames, a still turned video):
        # the branch above is a guess, and "picked raise from how the body moves" read
        # as if a raise had been seen.
        return name, (f"a guess, {name}: the body barely moves ({facts}); name the lift "
                      "with --exercise"), True
    return name, f"picked {name} from how the body moves ({facts})", False


# Under this range (torso lengths) in the legs, arms, shoulders and hands alike, nothing
# moved as a lift moves them: the real clips' reps move one of them 0.3 or more.
STILL_BODY = 0.1


# Families the detector does not tell apart reliably: a deadlift filmed at 45 degrees
# reads as a squat (11 of the 14 rendered in dev9 and dev10), and a squat leaning far
# forward as a deadlift. Between these an exercise given is not questioned.
LOOKALIKE_FAMILIES = frozenset({"squat", "hinge"})


def _read_alike(a: ExerciseProfile, b: ExerciseProfile) -> bool:
    """Whether two profiles find and time reps on the same signal, the same way round, and
    read velocity off the same point (they differ at most in the faults they judge)."""
    return (a.driver == b.driver and a.concentric_increases == b.concentric_increases
            and a.eccentric_first == b.eccentric_first and a.velocity_point == b.velocity_point
            and a.view_drivers == b.view_drivers)


def exercise_misfit(seq: PoseSequence, given: ExerciseProfile, cfg: AnalysisConfig, *,
                    tracked_doubted: bool = False) -> tuple[str, str] | None:
    """(warning, why no verdict is called, "" when the set is judged) when the body moves
    like another lift than the exercise given (detect_exercise), or None when it fits or
    nothing is seen (nobody, or a body that barely moves).

    The given exercise is the user's and stays: the reps are still found and shown. Its
    verdicts are judged on evidence read the given lift's way (a squat's hips read as a
    curl's elbow), so where the lift it looks like reads its reps differently they are
    not called. Where both read them alike (a press and a raise both follow the wrists)
    the reps stand and only the faults judged may be the wrong ones: a warning of another
    family, nothing within one. tracked_doubted: the tracked body may not be the lifter
    (the warning says to check that too).
    """
    if seq.detection_rate == 0:
        return None
    name, _, guess = _detect(seq, cfg, still_legs_given=given.family not in LOOKALIKE_FAMILIES)
    if guess:
        # A body that barely moves looks like no lift: "looks like a raise" on a still clip
        # named a squat contradicted the user on nothing seen.
        return None
    seen = get_profile(name)
    if seen.family in LOOKALIKE_FAMILIES and given.family in LOOKALIKE_FAMILIES:
        return None
    alike = _read_alike(seen, given)
    if alike and seen.family == given.family:
        return None
    # The exercise may have come from --exercise, a manifest row or the file's name.
    # tracked_doubted: the people scan saw another body move more (ShotSplit.other_lifter),
    # so the body read may be a spotter's or a bystander's, not the lift's.
    check = ("check the exercise given, and that the tracked body is the lifter"
             if tracked_doubted else "check the exercise given")
    said = (f"the movement looks like {seen.a_words}, not {given.a_words} (how the body "
            f"moves): {check}")
    if alike:
        return (f"{said}; both read the reps alike, but the form faults judged are "
                f"{given.a_words}'s", "")
    return (f"{said}; no verdicts called, as {given.a_words}'s reps are read another way "
            f"(--exercise-check off if {given.words} is right)",
            f"the movement does not look like {given.a_words}")
