"""repsight.tempo on hand-built reps and timelines with known answers.

Durations must come from the container timestamps (float seconds), never from frame
counts divided by a rounded fps: at 29.97 fps or with variable frame rate the two differ.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from repsight.tempo import rep_tempo, set_rhythm, set_tempo
from repsight.types import Rep, RepTempo

NTSC = 30000 / 1001  # 29.97 fps


def uniform(n, fps=30.0, t0=0.0):
    return t0 + np.arange(n, dtype=np.float64) / fps


def ecc_first(index=1, start=0, ecc=30, bottom=6, con=24, top=15):
    """Eccentric-first rep (squat): eccentric, bottom pause, concentric, top pause (frames)."""
    a = start
    b = a + ecc
    c = b + bottom
    d = c + con
    end = d + top
    return Rep(index=index, start=a, end=end, turnaround=(b + c) // 2,
               eccentric=(a, b), concentric=(c, d), eccentric_first=True)


def con_first(index=1, start=0, con=24, top=12, ecc=30, bottom=6):
    """Concentric-first rep (curl, deadlift): concentric, top pause, eccentric, bottom pause."""
    a = start
    b = a + con
    c = b + top
    d = c + ecc
    end = d + bottom
    return Rep(index=index, start=a, end=end, turnaround=(b + c) // 2,
               eccentric=(c, d), concentric=(a, b), eccentric_first=False)


def test_eccentric_first_rep_at_30fps():
    """1.0 s down, 0.2 s hold, 0.8 s up, 0.5 s at the top, at exactly 30 fps."""
    rep = ecc_first()
    tempo = rep_tempo(rep, uniform(rep.end + 1))
    assert tempo.eccentric_s == pytest.approx(1.0)
    assert tempo.bottom_pause_s == pytest.approx(0.2)
    assert tempo.concentric_s == pytest.approx(0.8)
    assert tempo.top_pause_s == pytest.approx(0.5)
    assert tempo.time_under_tension_s == pytest.approx(2.0)  # top pause is rest, not tension
    assert tempo.notation() == "1-0.2-0.8-0.5"


def test_concentric_first_rep_keeps_tempo_order():
    """A curl lifts first, but RepTempo and its notation still read eccentric first.

    Concentric 0.8 s (frames 0-24), top pause 0.4 s (24-36), eccentric 1.0 s (36-66),
    bottom pause 0.2 s (66-72, the trailing pause runs to rep.end).
    """
    rep = con_first()
    assert rep.top_pause == (24, 36) and rep.bottom_pause == (66, 72)
    tempo = rep_tempo(rep, uniform(rep.end + 1))
    assert (tempo.eccentric_s, tempo.bottom_pause_s, tempo.concentric_s,
            tempo.top_pause_s) == pytest.approx((1.0, 0.2, 0.8, 0.4))
    assert tempo.notation() == "1-0.2-0.8-0.4"


def test_same_phases_in_either_order_give_the_same_tempo():
    """Swapping the phase order (with the same phase lengths) does not change the tempo."""
    t = uniform(200)
    a = rep_tempo(ecc_first(ecc=60, bottom=9, con=27, top=12), t)
    b = rep_tempo(con_first(con=27, top=12, ecc=60, bottom=9), t)
    assert (a.eccentric_s, a.bottom_pause_s, a.concentric_s, a.top_pause_s) == pytest.approx(
        (b.eccentric_s, b.bottom_pause_s, b.concentric_s, b.top_pause_s))
    assert a.notation() == b.notation() == "2-0.3-0.9-0.4"


def test_ntsc_float_timeline():
    """At 29.97 fps, 90 frames are 3.003 s, not the 3.000 s an integer 30 fps would give."""
    rep = ecc_first(start=10, ecc=90, bottom=30, con=60, top=0)
    t = np.arange(rep.end + 1) * 1001 / 30000
    tempo = rep_tempo(rep, t)
    assert tempo.eccentric_s == pytest.approx(90 * 1001 / 30000, rel=1e-12)  # 3.003
    assert tempo.bottom_pause_s == pytest.approx(30 * 1001 / 30000, rel=1e-12)  # 1.001
    assert tempo.concentric_s == pytest.approx(60 * 1001 / 30000, rel=1e-12)  # 2.002
    assert tempo.top_pause_s == 0.0
    assert abs(tempo.eccentric_s - 90 / 30) > 0.002  # would be hidden by an int fps
    assert tempo.notation() == "3-1-2-0"


def test_long_ntsc_set_does_not_drift():
    """A rep 10 minutes into a 29.97 fps clip still measures 2.002 s for 60 frames.

    Frame counting with fps=30 would place that rep 0.6 s early; durations from the
    timestamps stay exact wherever the rep sits.
    """
    start = int(600 * NTSC)
    rep = ecc_first(start=start, ecc=60, bottom=0, con=60, top=0)
    t = np.arange(rep.end + 1) * 1001 / 30000
    tempo = rep_tempo(rep, t)
    assert tempo.eccentric_s == pytest.approx(2.002, abs=1e-9)
    assert tempo.concentric_s == pytest.approx(2.002, abs=1e-9)
    assert tempo.bottom_pause_s == 0.0


def test_variable_frame_rate_uses_timestamps():
    """A phone clip drops to 15 fps mid-rep: the concentric has 15 frames but lasts 1.0 s.

    Frames 0..40 are at 30 fps (t = 0 .. 1.333 s), frames from 40 on at 15 fps. The
    eccentric (frames 0-30) lasts 1.0 s, the bottom pause (30-40) 0.333 s, the concentric
    (40-55) 15 frames = 1.0 s, the top pause (55-61) 6 frames = 0.4 s.
    """
    t = np.concatenate([np.arange(41) / 30.0, 40 / 30.0 + np.arange(1, 30) / 15.0])
    rep = ecc_first(ecc=30, bottom=10, con=15, top=6)
    tempo = rep_tempo(rep, t)
    assert tempo.eccentric_s == pytest.approx(1.0)
    assert tempo.bottom_pause_s == pytest.approx(1 / 3)
    assert tempo.concentric_s == pytest.approx(1.0)  # 15 frames / 30 fps would say 0.5 s
    assert tempo.top_pause_s == pytest.approx(0.4)


def test_irregular_timestamps_and_offset_origin():
    """Jittered timestamps starting at t = 12.5 s: each phase is t[b] - t[a] exactly."""
    rng = np.random.default_rng(7)
    t = 12.5 + np.cumsum(rng.uniform(0.02, 0.05, 120))
    rep = con_first(start=5, con=20, top=7, ecc=33, bottom=4)
    tempo = rep_tempo(rep, t)
    assert tempo.concentric_s == t[25] - t[5]
    assert tempo.top_pause_s == t[32] - t[25]
    assert tempo.eccentric_s == t[65] - t[32]
    assert tempo.bottom_pause_s == t[69] - t[65]


def test_rep_beyond_timestamps_is_an_error_naming_it():
    rep = ecc_first(index=3, start=0)
    with pytest.raises(ValueError, match=r"rep 3 ends at frame 75, beyond 50 timestamps"):
        rep_tempo(rep, uniform(50))


def test_set_tempo_keeps_rep_order():
    t = uniform(400)
    reps = (ecc_first(1, 0, con=24), ecc_first(2, 75, con=30), ecc_first(3, 156, con=36))
    tempos = set_tempo(reps, t)
    assert isinstance(tempos, tuple) and len(tempos) == 3
    assert [x.concentric_s for x in tempos] == pytest.approx([0.8, 1.0, 1.2])
    assert set_tempo((), t) == ()


def test_notation_rounding():
    """Whole seconds from 0.95 s up and below 0.05 s; tenths in between."""
    assert RepTempo(3.0, 1.0, 1.0, 0.0).notation() == "3-1-1-0"
    assert RepTempo(2.96, 0.04, 0.5, 1.49).notation() == "3-0-0.5-1.5"
    # A concentric past a 1.2 s limit never reads as "1"
    assert RepTempo(2.0, 1.0, 1.47, 1.0).notation() == "2-1-1.5-1"
    assert RepTempo(0.94, 0.05, 0.25, 0.949).notation() == "0.9-0.1-0.2-0.9"


# ----------------------------------------------------------------------------- rhythm

def fatigue_set():
    """Four eccentric-first reps, starts every 2.5 s, concentric 0.8, 0.9, 1.0, 1.1 s."""
    t = uniform(400)
    reps, start = [], 0
    for k, con in enumerate((24, 27, 30, 33)):
        top = 75 - (30 + 6 + con)  # every rep lasts 75 frames = 2.5 s
        reps.append(ecc_first(k + 1, start, ecc=30, bottom=6, con=con, top=top))
        start += 75
    reps = tuple(reps)
    return reps, set_tempo(reps, t), t


def test_rhythm_of_a_slowing_set():
    reps, tempos, t = fatigue_set()
    r = set_rhythm(reps, tempos, t)
    assert r.interval_s == pytest.approx((2.5, 2.5, 2.5))
    assert r.mean_interval_s == pytest.approx(2.5)
    assert r.interval_cv == pytest.approx(0.0, abs=1e-12)  # metronome-steady starts
    assert r.concentric_trend_s_per_rep == pytest.approx(0.1)  # 0.1 s slower each rep
    assert r.concentric_slowdown_pct == pytest.approx(100 * (1.1 / 0.8 - 1))  # 37.5 %
    # TUT = 1.0 + 0.2 + concentric; mean concentric 0.95 s
    assert r.mean_time_under_tension_s == pytest.approx(1.2 + 0.95)


def test_rhythm_intervals_and_slowdown_vs_fastest_of_first_two():
    """Uneven starts (2 s then 3 s) and a slowdown measured against the faster of reps 1-2."""
    t = uniform(400)
    reps = (ecc_first(1, 0, con=27, top=3), ecc_first(2, 60, con=24, top=30),
            ecc_first(3, 150, con=36, top=0))
    tempos = set_tempo(reps, t)
    r = set_rhythm(reps, tempos, t)
    assert r.interval_s == pytest.approx((2.0, 3.0))
    assert r.mean_interval_s == pytest.approx(2.5)
    assert r.interval_cv == pytest.approx(0.5 / 2.5)  # population std 0.5 s
    assert r.concentric_slowdown_pct == pytest.approx(50.0)  # 1.2 s vs 0.8 s (rep 2)
    assert r.concentric_trend_s_per_rep == pytest.approx(np.polyfit([0, 1, 2], [0.9, 0.8, 1.2], 1)[0])


def test_rhythm_of_a_29_97_fps_set_from_timestamps():
    """Starts every 75 frames at 29.97 fps are 2.5025 s apart."""
    reps, _, _ = fatigue_set()
    t = np.arange(400) * 1001 / 30000
    r = set_rhythm(reps, set_tempo(reps, t), t)
    assert r.interval_s == pytest.approx((2.5025,) * 3, abs=1e-9)


def test_rhythm_needs_enough_reps():
    """One rep: no interval, no trend. Two reps: an interval but still no trend (needs 3)."""
    t = uniform(200)
    one = (ecc_first(1, 0),)
    r1 = set_rhythm(one, set_tempo(one, t), t)
    assert r1.interval_s == ()
    assert math.isnan(r1.mean_interval_s) and math.isnan(r1.interval_cv)
    assert math.isnan(r1.concentric_trend_s_per_rep) and math.isnan(r1.concentric_slowdown_pct)
    assert r1.mean_time_under_tension_s == pytest.approx(2.0)
    two = (ecc_first(1, 0, top=30), ecc_first(2, 90))  # back to back: rep 1 ends where 2 starts
    r2 = set_rhythm(two, set_tempo(two, t), t)
    assert r2.interval_s == pytest.approx((3.0,))
    assert math.isnan(r2.concentric_trend_s_per_rep) and math.isnan(r2.concentric_slowdown_pct)
    r0 = set_rhythm((), (), t)
    assert r0.interval_s == () and math.isnan(r0.mean_time_under_tension_s)


def test_rhythm_leaves_out_rests_and_a_rep_the_clip_began_inside():
    # Two reps, a 20 s rest, three more, one every 3 s within each cluster: "a rep every
    # 6.82 s (variation 112 %)" counted the rest as an interval. A rep the clip began
    # inside starts on the clip's first frame, not where the lifter started it.
    import dataclasses

    t = uniform(1400)
    starts = [0, 90, 780, 870, 960]
    reps = tuple(ecc_first(k + 1, s, top=30 if k not in (1, 4) else 15) for k, s in enumerate(starts))
    assert [r.rested_before(n) for r, n in zip(reps, reps[1:])] == [False, True, False, False]
    r = set_rhythm(reps, set_tempo(reps, t), t)
    assert r.interval_s == pytest.approx((3.0, 3.0, 3.0))
    assert r.mean_interval_s == pytest.approx(3.0) and r.interval_cv == pytest.approx(0.0, abs=1e-12)
    cut = (dataclasses.replace(reps[2], cut_start=True), *reps[3:])
    assert set_rhythm(cut, set_tempo(cut, t), t).interval_s == pytest.approx((3.0,))


# ------------------------------------------------------------ against synthetic truth

def test_tempo_of_synthetic_truth_matches_its_plan():
    """Reps built from the generator's truth frames at 29.97 fps give the planned phases
    within one frame (the generator rounds phase boundaries to frames)."""
    from repsight.synthetic import plan_set, synthesize

    plans = plan_set(3, eccentric_s=2.0, bottom_pause_s=0.5, concentric_s=1.0,
                     top_pause_s=0.6, fatigue=0.2)
    seq, truth = synthesize("squat", plans, fps=NTSC, seed=0)
    reps = tuple(Rep(index=r.index, start=r.start, end=r.end, turnaround=r.turnaround,
                     eccentric=r.eccentric, concentric=r.concentric,
                     eccentric_first=truth.eccentric_first) for r in truth.reps)
    tempos = set_tempo(reps, seq.timestamps_s)
    frame = 1 / NTSC
    for tempo, plan in zip(tempos, plans):
        assert tempo.eccentric_s == pytest.approx(plan.eccentric_s, abs=frame)
        assert tempo.bottom_pause_s == pytest.approx(plan.bottom_pause_s, abs=frame)
        assert tempo.concentric_s == pytest.approx(plan.concentric_s, abs=frame)
    # the concentric slows by 20 % a rep: 1.0, 1.2, 1.44 s
    assert [x.concentric_s for x in tempos] == pytest.approx([1.0, 1.2, 1.44], abs=frame)


def _set_of(phases: list[tuple[int, int]]) -> tuple[tuple[Rep, ...], tuple[RepTempo, ...]]:
    """Squat reps with these (eccentric, concentric) frame counts, back to back, at 30 fps."""
    reps, start = [], 0
    for k, (ecc, con) in enumerate(phases, 1):
        r = ecc_first(k, start, ecc=ecc, con=con)
        reps.append(r)
        start = r.end
    reps = tuple(reps)
    return reps, set_tempo(reps, uniform(start + 1))


def test_a_slow_motion_section_is_found_where_every_phase_stretches():
    """Reps 1-4 at 1.0 / 0.8 s, reps 5-7 filmed at half speed (2.0 / 1.6 s): the step is at
    rep 5, 2x."""
    from repsight.tempo import tempo_step

    reps, tempos = _set_of([(30, 24)] * 4 + [(60, 48)] * 3)
    step = tempo_step(reps, tempos, 1.6)
    assert step is not None and step.rep == 5 and step.factor == pytest.approx(2.0, rel=0.05)
    assert "a slow-motion section" in step.warning() and "from rep 5 on" in step.warning()
    fast = tempo_step(*_set_of([(30, 24)] * 5 + [(15, 12)] * 2), 1.6)
    assert fast is not None and fast.rep == 6 and "a sped-up section" in fast.warning()


def test_a_last_rep_played_again_in_slow_motion_is_a_slow_motion_section():
    """A set's last rep replayed at 0.4x after it (as edits for social media do): both its
    phases take 2.5x as long, which fatigue does not do; it was judged a tempo failure."""
    from repsight.tempo import tempo_step

    step = tempo_step(*_set_of([(30, 24)] * 4 + [(75, 60)]), 1.6)
    assert step is not None and step.rep == 5 and step.factor == pytest.approx(2.5, rel=0.05)


@pytest.mark.parametrize("phases", [
    [(30, 24), (30, 27), (31, 32), (30, 40), (31, 52), (32, 66)],  # fatigue: the lift slows
    [(30, 24)] * 5 + [(33, 48)],  # a last rep that grinds: the lift slows, not the lowering
    [(30, 24)] * 5 + [(51, 60)],  # a grind lowered slower too (1.7x, 2.5x): not alike
    [(30, 24)] * 2 + [(45, 36)] * 4,  # 1.5x: within what real sets show
])
def test_fatigue_and_one_off_reps_are_not_a_change_of_film_speed(phases):
    from repsight.tempo import tempo_step

    assert tempo_step(*_set_of(phases), 1.6) is None


def test_a_slow_motion_section_is_not_judged_for_speed():
    """A squat set whose last reps are filmed at half speed: the rendered velocity loss
    there would be a tempo failure; it is named instead, and the set is not said to end
    with its tempo intact."""
    import dataclasses

    from repsight.analysis import analyse_pose
    from repsight.config import AnalysisConfig
    from repsight.synthetic import synthesize

    seq, _ = synthesize("squat", 7, seed=4, noise_px=0.5)
    cut = seq.n_frames * 4 // 7
    t = seq.timestamps_s.copy()
    t[cut:] = t[cut] + 2.0 * (t[cut:] - t[cut])  # from there on, half speed
    slowed = dataclasses.replace(seq, timestamps_s=t)
    cfg = AnalysisConfig(exercise="squat", goal="power")
    plain = analyse_pose(seq, cfg)
    one = analyse_pose(slowed, cfg)
    assert not any("both took" in w for w in plain.verdict_summary.warnings)
    said = [w for w in one.verdict_summary.warnings if "both took" in w]
    assert len(said) == 1 and "slow-motion section" in said[0], one.verdict_summary.warnings
    # Read as filmed, reps 5-7 are slower than power's 1.2 s limit: each a tempo failure.
    assert all(tp.concentric_s > 1.2 for tp in one.tempo[4:]) and not plain.verdicts
    assert not any(v.kind in ("tempo", "eccentric") for v in one.verdicts)
    assert "tempo intact" not in one.verdict_summary.line()
    # The ratio is the config's: past the 2x slowing, nothing is said.
    loose = analyse_pose(slowed, dataclasses.replace(cfg, tempo_step_ratio=2.5))
    assert not any("both took" in w for w in loose.verdict_summary.warnings)
    # The set's loss and reps in reserve are read before the change of film speed.
    from repsight.export import set_summary

    before = {m.index: m for m in one.metrics}[4]
    assert one.assessment.tempo_step.rep == 5
    assert set_summary(one)["velocity_loss_pct"] == pytest.approx(before.velocity_loss_pct)
    assert one.verdict_summary.rir_estimate == before.rir_estimate
    # Nor do the reps filmed at the other speed show a loss or reps in reserve of their own.
    assert all(m.velocity_loss_pct is None or np.isnan(m.velocity_loss_pct) for m in one.metrics[4:])
    assert all(m.rir_estimate is None for m in one.metrics[4:])
    assert np.isfinite(one.metrics[3].velocity_loss_pct)
