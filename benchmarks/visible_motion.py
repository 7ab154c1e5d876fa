"""How much of the renderer's concentric a camera can see, against what repsight reads.

Issue 12, item 5 (concentric duration error <= 60 ms, velocity |bias| <= 0.02 m/s on
rendered truth). The renderer times its phases in the lifter's joint space (progress q,
eased with minimum-jerk profiles, render/motion.py); the truth's concentric duration and
mean velocity (render/truth.py) are taken over that whole phase. The tracked point's own
height, which is all a camera shows, barely moves at either end of it: a joint starting
to bend from straight moves the point by the cosine of a small angle. This script reads
those ends from the renderer's exact keypoints (no pose model, no video) and, where the
range's clips have been posed, what repsight reads for the same reps:

  leaves 1 %   ms after the true concentric start at which the tracked point has risen
               1 % of its travel (3 %: the same for 3 %)
  99 % before  ms before the true concentric end at which it has reached 99 % of its travel
  visible      share of the true concentric spent between those two (1 % .. 99 %)
  ideal v      the mean velocity of a reader that timed the concentric exactly over the
               1-99 % span (its 98 % of the travel over that time), over the true one
  read onset   repsight's concentric start minus the true start, ms (median)
  read end     repsight's concentric end minus the true end, ms (median)
  read dur     repsight's concentric duration over the true one (median)

A reader of the visible movement alone would read every concentric short and every
velocity high by the amounts in "visible" and "ideal v"; repsight's flank fit
(segmentation._flank_ends) extrapolates each end to where the speed was zero.

    .venv/bin/python benchmarks/visible_motion.py --seeds dev5 dev7   # needs the [synth] extra
    .venv/bin/python benchmarks/visible_motion.py --seeds dev5 --no-reads  # truth only (~15 s a range)
"""

from __future__ import annotations

import argparse
import collections
import contextlib
import io
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))
import synthetic_eval as se  # noqa: E402  (the ranges, their specs and their caches)

# Shares of the travel the ends are read at: 1 % of a 0.4 m press is 4 mm, half a pixel
# for a lifter 200 px tall.
LOW, HIGH = 0.01, 0.99
SAMPLES = 400  # points per concentric: 2 ms apart for a 0.8 s one


def travel_crossings(t: np.ndarray, z: np.ndarray, shares: tuple[float, ...]) -> list[float]:
    """Times (linear between samples) at which z, going from z[0] to z[-1], first covers
    each share of that travel; NaN for a share it never reaches."""
    from repsight.segmentation import _crossing

    travel = float(z[-1] - z[0])
    if travel == 0.0:
        return [float("nan")] * len(shares)
    u = (z - z[0]) / travel
    at = [_crossing(u, s) for s in shares]
    return [float("nan") if k is None else float(np.interp(k, np.arange(len(t)), t)) for k in at]


def true_ends(spec, body=None) -> list[dict]:
    """Per completed rep of a clip spec: the tracked point's 1/3/97/99 % crossings of its
    concentric travel, from the renderer's keypoints (ms from the phase's start or end)."""
    from repsight.render.motion import plan_set, pose
    from repsight.render.truth import concentric_complete, tracked_height

    if body is None:
        from repsight.render.body import make_body  # torch and the body model: [synth] extra

        body = make_body(spec.body, spec.clothing)
    plan = plan_set(spec)
    out = []
    for rep in plan.reps:
        if not rep.completed or not concentric_complete(plan, rep):
            continue
        con = rep.phase("concentric")
        t = np.linspace(con.start, con.end, SAMPLES)
        kp = pose(spec.exercise, body.rest, plan.q(t), spec.fault.kind, plan.fault_magnitude(t),
                  barbell=spec.barbell.enabled).keypoints
        z = tracked_height(spec.exercise, kp)
        c1, c3, c97, c99 = travel_crossings(t, z, (LOW, 0.03, 0.97, HIGH))
        span = c99 - c1
        out.append({"rep": rep.rep, "leaves_1": 1000 * (c1 - con.start),
                    "leaves_3": 1000 * (c3 - con.start), "before_97": 1000 * (con.end - c97),
                    "before_99": 1000 * (con.end - c99), "visible": span / con.duration,
                    "ideal_v": (HIGH - LOW) / span * con.duration if span > 0 else float("nan")})
    return out


def read_ends(name: str, spec, folder: Path) -> dict[int, tuple[float, float, float]] | None:
    """Per true rep: repsight's (onset - true start, end - true end, ms; read / true
    duration) from the clip's cached pose; None when the clip has not been posed."""
    import json

    mp4 = folder / f"{name}.mp4"
    if not (mp4.with_suffix(".pose.npz").exists() and (folder / f"{name}.json").exists()):
        return None
    truth = json.loads((folder / f"{name}.json").read_text())
    result, _ = se.analyse(se.load_pose(mp4), spec.exercise)
    if result is None:
        return None
    t = result.timestamps_s
    reps = list(result.reps)
    out = {}
    for r, tr in zip(reps, se.match_reps(truth["reps"], [t[r.start] for r in reps])):
        if not (tr["completed"] and r.completed) or tr["concentric_end"] is None:
            continue
        a, b = r.concentric
        out[tr["rep"]] = (1000 * (t[a] - tr["concentric_start"]), 1000 * (t[b] - tr["concentric_end"]),
                          (t[b] - t[a]) / tr["concentric_s"])
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", nargs="+", choices=tuple(se.SEED_RANGES), default=["dev5"])
    ap.add_argument("--no-reads", action="store_true",
                    help="the renderer's truth only (skip repsight's reading of posed clips)")
    ap.add_argument("--cache", help="the ranges' cache folder (default ~/.cache/repsight/synth)")
    args = ap.parse_args(argv)
    from repsight.render.body import make_body

    rows: dict[tuple[str, str], list[dict]] = collections.defaultdict(list)
    bodies: dict[str, object] = {}
    posed = clips = 0
    for rng in args.seeds:
        folder = se.cache_dir(rng, args.cache)
        for name, spec in se.select(rng):
            clips += 1
            key = repr((spec.body, spec.clothing))
            # The body model's kernel library announces itself on stdout: kept off the table
            # (its one-line note of the missing GPU goes to stderr from native code).
            with contextlib.redirect_stdout(io.StringIO()):
                if key not in bodies:
                    try:
                        bodies[key] = make_body(spec.body, spec.clothing)
                    except ImportError as e:
                        print(f"visible_motion: the body model needs the [synth] extra "
                              f"(bash scripts/setup_synth.sh): {e}", file=sys.stderr)
                        return 2
                ends = true_ends(spec, bodies[key])
            reads = None if args.no_reads else read_ends(name, spec, folder)
            posed += reads is not None
            for e in ends:
                got = (reads or {}).get(e["rep"])
                e["read"] = got
                rows[(spec.exercise, spec.camera.view)].append(e)
    print(f"visible_motion: {clips} clips of {', '.join(args.seeds)}; repsight read on {posed} posed clips"
          + (" (--no-reads)" if args.no_reads else ""))
    print()
    head = ("| exercise / view | reps | leaves 1 % (3 %) ms | 99 % (97 %) before end ms | visible "
            "| ideal v | read onset ms | read end ms | read dur |")
    print(head)
    print("|" + "---|" * (head.count("|") - 1))
    every: list[dict] = []

    def line(label: str, rs: list[dict]) -> str:
        med = {k: float(np.nanmedian([r[k] for r in rs]))
               for k in ("leaves_1", "leaves_3", "before_99", "before_97", "visible", "ideal_v")}
        read = np.array([r["read"] for r in rs if r["read"] is not None]).reshape(-1, 3)
        rd = ("| - | - | -" if read.size == 0 else
              f"| {np.median(read[:, 0]):+.0f} | {np.median(read[:, 1]):+.0f} | {np.median(read[:, 2]):.2f}")
        return (f"| {label} | {len(rs)} | {med['leaves_1']:.0f} ({med['leaves_3']:.0f}) "
                f"| {med['before_99']:.0f} ({med['before_97']:.0f}) | {med['visible']:.2f} "
                f"| {med['ideal_v']:.2f} {rd} |")

    for (ex, view), rs in sorted(rows.items()):
        every += rs
        print(line(f"{ex} / {view}", rs))
    if every:
        print(line("all", every))
    return 0


if __name__ == "__main__":
    sys.exit(main())
