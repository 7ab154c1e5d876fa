"""Seeded sweep of synthetic squat sets: does the first failure verdict land on the right rep?

Each seed draws a set (view, fps, px/m, stature, depth, tempo, noise, rep count, goal) and
one scenario: clean, velocity loss past the goal's threshold, concentric past the time
limit, trunk lean growing (side view), knee cave (front view), shortened range of motion,
a stalled rep, or an uncontrolled eccentric, starting at a drawn rep k. Faults are drawn
clear of the thresholds (at least a few degrees / per cent past them, and clean reps at
least as far inside), so "exact" means the verdict found the rep the fault was put in.

Two modes: reps from the truth (tests metrics + verdicts alone), and reps from
repsight's own segmentation via analysis.analyse_pose (end to end, when it is present).

    .venv/bin/python benchmarks/verdict_sweep.py [--seeds 200] [--mode truth|pipeline|both]
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import Counter, defaultdict

import numpy as np

from repsight.config import GOAL_VELOCITY_LOSS_PCT, AnalysisConfig
from repsight.analysis import assess_set
from repsight.profiles import DEFAULT_DRIFT_TOLERANCE_DEG, get_profile
from repsight.synthetic import make_squat_set

SCENARIOS = ("clean", "velocity_loss", "time_limit", "trunk_lean", "knee_cave", "short_rom",
             "stalled", "eccentric")
EXPECTED_KIND = {"velocity_loss": "tempo", "time_limit": "tempo", "trunk_lean": "technical",
                 "knee_cave": "technical", "short_rom": "technical", "stalled": "concentric",
                 "eccentric": "eccentric"}


def draw_case(seed: int) -> dict:
    """One seeded case: generator arguments, config overrides, the expected verdict."""
    rng = np.random.default_rng(seed)
    scenario = SCENARIOS[seed % len(SCENARIOS)]
    n = int(rng.integers(6, 13))
    k = int(rng.integers(3, n + 1))  # the first bad rep (1-based); baseline reps 1-2 stay clean
    goal = str(rng.choice(["power", "strength", "hypertrophy"]))
    base_con = rng.uniform(0.5, 0.75)
    jit = lambda s: 1 + rng.uniform(-s, s, n)  # noqa: E731
    args = dict(
        n_reps=n, fps=float(rng.choice([24.0, 25.0, 29.97, 30.0, 50.0, 60.0])),
        px_per_m=rng.uniform(120, 450), height_m=rng.uniform(1.5, 1.95),
        depth_m=rng.uniform(0.3, 0.5), eccentric_s=rng.uniform(0.8, 1.5) * jit(0.06),
        concentric_s=base_con * jit(0.03), bottom_pause_s=rng.uniform(0.0, 0.3),
        top_pause_s=rng.uniform(0.3, 1.0), trunk_lean_deg=rng.uniform(-1.5, 1.5, n),
        noise_px=rng.uniform(0.5, 2.0), proportions_jitter=0.04, seed=seed,
        view="front" if scenario == "knee_cave" else str(rng.choice(["side", "front"])),
    )
    cfg = dict(goal=goal)
    thr = GOAL_VELOCITY_LOSS_PCT[goal]
    if scenario == "clean":
        # A little fatigue, well inside every goal's threshold and the power time limit.
        loss = np.linspace(0, rng.uniform(0, 7), n) / 100
        args["concentric_s"] = base_con * jit(0.03) / (1 - loss)
    elif scenario == "velocity_loss":
        # Reps 1-2 are the baseline (no loss); later clean reps ramp up to 8 points short.
        before = np.concatenate([np.zeros(2), np.linspace(0, max(thr - 8, 0), k - 3)])[:k - 1]
        after = thr + 8 + np.arange(n - k + 1) * rng.uniform(2, 6)
        loss = np.clip(np.concatenate([before, after]) / 100, 0, 0.7)
        args["concentric_s"] = base_con * jit(0.02) / (1 - loss)
        cfg["concentric_time_limit_s"] = 10.0  # judge the loss, not the clock
    elif scenario == "time_limit":
        con = np.where(np.arange(1, n + 1) < k, rng.uniform(0.6, 0.95), rng.uniform(1.35, 1.8))
        args["concentric_s"] = con * jit(0.02)
        cfg.update(goal="power", velocity_loss_pct=90.0)  # judge the clock, not the loss
    elif scenario == "trunk_lean":
        args["view"] = "side"
        lean = np.zeros(n)
        lean[k - 1:] = DEFAULT_DRIFT_TOLERANCE_DEG + 5 + np.arange(n - k + 1) * 2
        args["trunk_lean_deg"] = lean + rng.uniform(-1.5, 1.5, n)
    elif scenario == "knee_cave":
        cave = np.zeros(n)
        cave[k - 1:] = DEFAULT_DRIFT_TOLERANCE_DEG + 5 + np.arange(n - k + 1) * 2
        args["knee_cave_deg"] = cave
    elif scenario == "short_rom":
        share = np.ones(n)
        share[k - 1:] = rng.uniform(0.5, 0.65)
        args["rom_share"] = share
    elif scenario == "stalled":
        args["n_reps"], args["failed_rep"] = k, k
        for key in ("eccentric_s", "concentric_s", "trunk_lean_deg"):
            args[key] = np.asarray(args[key])[:k] if np.ndim(args[key]) else args[key]
    elif scenario == "eccentric":
        ecc = np.asarray(args["eccentric_s"]).copy()
        ecc[k - 1] = ecc[k - 1] / rng.uniform(2.6, 3.5)  # well past the default 2x speed-up
        args["eccentric_s"] = ecc
    expected = None if scenario == "clean" else (EXPECTED_KIND[scenario], k)
    return {"seed": seed, "scenario": scenario, "args": args, "cfg": cfg, "expected": expected}


# Other lifts through repsight.synthetic (side view, per-rep RepPlans and faults).
PROFILE_LIFTS = ("deadlift", "overhead_press", "biceps_curl", "pushup", "pullup", "bench_press")
PROFILE_SCENARIOS = ("clean", "velocity_loss", "trunk_lean", "short_rom")
LEAN_PROFILES = ("deadlift", "overhead_press", "biceps_curl")  # trunk among their form angles


def draw_profile_case(seed: int) -> dict:
    """One seeded case on another lift, drawn like draw_case."""
    from repsight.synthetic import RepPlan

    rng = np.random.default_rng(10_000 + seed)
    scenario = PROFILE_SCENARIOS[seed % len(PROFILE_SCENARIOS)]
    lift = str(rng.choice(LEAN_PROFILES if scenario == "trunk_lean" else PROFILE_LIFTS))
    n = int(rng.integers(6, 11))
    k = int(rng.integers(3, n + 1))
    goal = str(rng.choice(["power", "strength", "hypertrophy"]))
    thr = GOAL_VELOCITY_LOSS_PCT[goal]
    con = rng.uniform(0.6, 0.9) * (1 + rng.uniform(-0.03, 0.03, n))
    share = np.ones(n)
    lean = np.zeros(n)
    cfg = dict(goal=goal, concentric_time_limit_s=10.0)
    if scenario == "clean":
        con = con / (1 - np.linspace(0, rng.uniform(0, 7), n) / 100)
    elif scenario == "velocity_loss":
        before = np.concatenate([np.zeros(2), np.linspace(0, max(thr - 8, 0), k - 3)])[:k - 1]
        after = thr + 8 + np.arange(n - k + 1) * rng.uniform(2, 6)
        con = con / (1 - np.clip(np.concatenate([before, after]) / 100, 0, 0.7))
    elif scenario == "trunk_lean":
        lean[k - 1:] = DEFAULT_DRIFT_TOLERANCE_DEG + 6 + np.arange(n - k + 1) * 2
    elif scenario == "short_rom":
        share[k - 1:] = rng.uniform(0.5, 0.62)
    plans = tuple(RepPlan(eccentric_s=float(rng.uniform(0.9, 1.4)), bottom_pause_s=0.2,
                          concentric_s=float(c), top_pause_s=0.5, rom_share=float(r))
                  for c, r in zip(con, share))
    args = dict(reps=plans, fps=float(rng.choice([25.0, 29.97, 30.0, 60.0])), seed=seed,
                noise_px=float(rng.uniform(0.3, 1.2)), body_height_m=float(rng.uniform(1.55, 1.95)),
                faults={"trunk_lean_deg": tuple(lean)}, size=(960, 720))
    # A short concentric on a lift that starts with it (press, curl, pull-up, deadlift) and
    # returns to the start is a failed concentric; on a squat-like lift, a shallow rep.
    short_kind = "technical" if get_profile(lift).eccentric_first else "concentric"
    expected = None if scenario == "clean" else (
        {"velocity_loss": "tempo", "trunk_lean": "technical", "short_rom": short_kind}[scenario], k)
    return {"seed": seed, "scenario": f"{lift}:{scenario}", "lift": lift, "args": args,
            "cfg": cfg, "expected": expected, "generator": "profiles"}


def run_profile_case(case: dict, mode: str) -> dict:
    """Analyse one repsight.synthetic case."""
    from repsight.synthetic import synthesize
    from repsight.types import Rep

    seq, truth = synthesize(case["lift"], **case["args"])
    cfg = AnalysisConfig(exercise=case["lift"], **case["cfg"])
    profile = get_profile(case["lift"])
    true_reps = tuple(Rep(index=r.index, start=r.start, end=r.end, turnaround=r.turnaround,
                          eccentric=r.eccentric, concentric=r.concentric,
                          eccentric_first=truth.eccentric_first, rom_share=r.rom_share,
                          partial=r.rom_share < cfg.partial_rom_share) for r in truth.reps)
    if mode == "truth":
        reps, tempos = true_reps, None
    else:
        from repsight.analysis import analyse_pose

        analysis = analyse_pose(seq, cfg)
        reps, tempos = analysis.reps, analysis.tempo
    assessment = assess_set(seq, tuple(reps), profile, cfg, tempos)
    m, summary = assessment.metrics, assessment.summary
    got = None if summary.first_failure_rep is None else (summary.kind, summary.first_failure_rep)
    vel_err = float("nan")
    if mode == "truth":
        y = truth.point_m(profile.velocity_point)[:, 1]
        t = seq.timestamps_s
        true_v = np.array([(y[r.concentric[1]] - y[r.concentric[0]]) / (t[r.concentric[1]] - t[r.concentric[0]])
                           for r in true_reps])
        vel_err = float(np.nanmax(np.abs(np.array([x.mean_velocity_mps for x in m.reps]) - true_v)))
    return {"got": got, "n_reps_found": len(reps), "n_reps_true": len(true_reps),
            "vel_err": vel_err, "reason": summary.reason}


def run_case(case: dict, mode: str) -> dict:
    """Analyse one case; the first failure found against the one expected."""
    truth = make_squat_set(**case["args"])
    cfg = AnalysisConfig(exercise="squat", **case["cfg"])
    profile = get_profile("squat")
    if mode == "truth":
        reps, tempos = truth.reps, None
    else:
        from repsight.analysis import analyse_pose

        analysis = analyse_pose(truth.seq, cfg)
        reps, tempos = analysis.reps, analysis.tempo
    assessment = assess_set(truth.seq, tuple(reps), profile, cfg, tempos)
    m, summary = assessment.metrics, assessment.summary
    got = None if summary.first_failure_rep is None else (summary.kind, summary.first_failure_rep)
    vel_err = frame_err = float("nan")
    if mode == "truth":
        got_v = np.array([r.mean_velocity_mps for r in m.reps])
        vel_err = float(np.nanmax(np.abs(got_v - truth.mean_velocity_mps)))
        frame_err = float(np.nanmax(np.abs(got_v - truth.frame_velocity_mps())))
    return {"got": got, "n_reps_found": len(reps), "n_reps_true": len(truth.reps),
            "vel_err": vel_err, "frame_err": frame_err, "reason": summary.reason}


def main() -> int:
    """Run the sweep and print the table."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, default=200)
    ap.add_argument("--mode", choices=("truth", "pipeline", "both"), default="both")
    ap.add_argument("-v", "--verbose", action="store_true", help="print every miss")
    ap.add_argument("--generator", choices=("squat", "profiles", "both"), default="both",
                    help="squat: the metric squat lifter (side and front views, all scenarios); "
                         "profiles: other lifts through repsight.synthetic")
    args = ap.parse_args()
    modes = ("truth", "pipeline") if args.mode == "both" else (args.mode,)
    for mode in modes:
        if mode == "pipeline":
            try:
                import repsight.analysis  # noqa: F401
            except ImportError as exc:
                print(f"pipeline mode skipped: {exc}")
                continue
        t0 = time.perf_counter()
        per = defaultdict(Counter)
        vel_errs = []
        frame_errs = []
        cases = []
        if args.generator in ("squat", "both"):
            cases += [(draw_case, run_case, seed) for seed in range(args.seeds)]
        if args.generator in ("profiles", "both"):
            cases += [(draw_profile_case, run_profile_case, seed) for seed in range(args.seeds)]
        for draw, run, seed in cases:
            case = draw(seed)
            res = run(case, mode)
            exp, got = case["expected"], res["got"]
            c = per[case["scenario"]]
            c["n"] += 1
            if exp is None:
                c["exact"] += got is None
                c["false"] += got is not None
            else:
                c["exact"] += got == exp
                c["right_rep_other_kind"] += got is not None and got[1] == exp[1] and got[0] != exp[0]
                c["early"] += got is not None and got[1] < exp[1]
                c["late_or_missed"] += got is None or got[1] > exp[1]
            if np.isfinite(res["vel_err"]):
                vel_errs.append((res["vel_err"], case["scenario"]))
            if np.isfinite(res.get("frame_err", np.nan)) and case["scenario"] == "clean":
                frame_errs.append(res["frame_err"])
            if args.verbose and got != exp:
                print(f"  miss seed {seed} {case['scenario']}: expected {exp}, got {got} "
                      f"(reps {res['n_reps_found']}/{res['n_reps_true']}) {res['reason'][:120]}")
        dt = time.perf_counter() - t0
        print(f"\n== mode {mode}: {args.seeds} seeds, {dt:.0f} s")
        print(f"{'scenario':15s} {'n':>4s} {'exact':>6s} {'rate':>6s} {'early':>6s} {'late/miss':>9s} {'false':>6s}")
        tot_n = tot_exact = 0
        for sc in sorted(per, key=lambda x: (":" in x, x)):
            c = per[sc]
            if not c["n"]:
                continue
            tot_n += c["n"]
            tot_exact += c["exact"]
            print(f"{sc:15s} {c['n']:4d} {c['exact']:6d} {c['exact'] / c['n']:6.1%} {c['early']:6d} "
                  f"{c['late_or_missed']:9d} {c['false']:6d}")
        faulty = [sc for sc in per if not sc.endswith("clean")]
        clean = [sc for sc in per if sc.endswith("clean")]
        f_n = sum(per[s]["n"] for s in faulty)
        f_exact = sum(per[s]["exact"] for s in faulty)
        print(f"exact-rep rate on sets with a failure: {f_exact}/{f_n} = {f_exact / max(f_n, 1):.1%}")
        print(f"clean sets with a false verdict: {sum(per[s]['false'] for s in clean)}/"
              f"{sum(per[s]['n'] for s in clean)}")
        print(f"all cases right (exact rep and kind, or none on clean): {tot_exact}/{tot_n} = "
              f"{tot_exact / max(tot_n, 1):.1%}")
        clean_err = [e for e, sc in vel_errs if sc.endswith("clean")]
        if clean_err:
            print(f"clean sets, worst rep's mean-velocity error per set (against exact-time truth, "
                  f"includes frame quantisation of the phase boundaries): median "
                  f"{np.median(clean_err):.3f} m/s, max {np.max(clean_err):.3f} m/s")
        if frame_errs:
            print(f"clean squat sets against the truth over the same frames (tracking and scale "
                  f"error only): median {np.median(frame_errs):.3f} m/s, max {np.max(frame_errs):.3f} m/s")
        if vel_errs:
            worst = max(vel_errs)
            print(f"all sets, worst rep's mean-velocity error: max {worst[0]:.3f} m/s ({worst[1]})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
