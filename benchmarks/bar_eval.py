"""Score the bar pass (issue 16) against rendered barbell lifts with an exact bar path.

    python benchmarks/bar_eval.py                  # dev seeds: render what is missing, score
    python benchmarks/bar_eval.py --seeds final    # the held-out range: report, never tune
    python benchmarks/bar_eval.py --render-only    # build the cache, no analysis

Each range holds one clip per row of LIFTS (a lift and a view) for each of its seeds:
deadlift, back squat, overhead press and barbell curl, from the side and at 45 degrees,
with a 2.2 m bar and 450 mm plates (the renderer's BarbellSpec). The seed draws reps,
tempo, frame rate, camera height and distance, body, plate colour and image quality.
Clips are rendered once into a cache folder (default ~/.cache/repsight/synth/bar_<range>/,
or $REPSIGHT_SYNTH_CACHE), posed with MediaPipe once (a .pose.npz beside each clip, as
synthetic_eval.py does), then analysed with the library (analyse_pose + analyse_bar, the
bar pass on) and compared with the truth file:

- bar found: share of frames where the bar pass gives a position (its coverage), and
  share where that position is on the near plate (within half a plate radius of the
  true centre of its outer face in the image);
- bar mean concentric velocity: the bar pass's per-rep figure against the true vertical
  velocity of the bar (reps matched by start time);
- bar path horizontal error: the bar's smoothed horizontal position in metres (image
  right, the plate's own scale) against the true position of the near plate's face in
  the image scaled by its true pixels per metre, both less their median difference over
  the clip (the path's shape and scale, not where it sits in the frame);
- the track alone: the bar's mean velocity over each rep's true concentric frames against
  the true bar's over the same frames (the segmentation's rep boundaries left out);
- for comparison, the body point's mean concentric velocity against its own truth (hips
  for the squat and deadlift, wrists for the press and curl) and against the bar's.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from repsight.render.spec import (BarbellSpec, BodySpec, CameraSpec,  # noqa: E402
                                  DegradeSpec, RenderSpec, TempoSpec)
from synthetic_eval import cache_dir, load_pose, match_reps, render_missing  # noqa: E402

# "dev2" is a second development range (32 clips), to find a failure on more clips than
# dev's two seeds show before the final range is looked at; "dev3" a third (32 clips),
# rendered after the final range had shown a failure (a side squat read as a front view)
# that dev and dev2 never did: whether it recurs is judged there, not on the final clip.
# "dev4" (32 clips) was rendered after the bar pass became the curl's default, to look
# for its false calls on clips other than the final range's.
SEED_RANGES = {"dev": range(3000, 3002), "final": range(4000, 4002), "dev2": range(3002, 3006),
               "dev3": range(3006, 3010), "dev4": range(3010, 3014)}
LIFTS = (("deadlift", "side"), ("squat", "oblique"), ("press", "side"), ("curl", "oblique"),
         ("deadlift", "oblique"), ("squat", "side"), ("press", "oblique"), ("curl", "side"))
ANALYSER_EXERCISE = {"squat": "squat", "deadlift": "deadlift", "press": "overhead_press",
                     "curl": "biceps_curl"}
# Bumper plates: black, and the competition colours.
PLATE_COLOURS = ((34, 34, 37), (180, 40, 40), (40, 80, 170), (40, 130, 60))
ON_PLATE_RADII = 0.5  # a position within this many plate radii of the truth is on the plate
TARGETS = {"velocity": 0.03, "path": 0.02, "found": 0.95}


def clip_spec(seed: int, index: int) -> tuple[str, RenderSpec]:
    """The clip of one seed and one row of LIFTS."""
    ex, view = LIFTS[index]
    rng = np.random.default_rng([seed, index])
    reps = int(rng.integers(3, 5))
    tempo = TempoSpec(eccentric_s=round(float(rng.uniform(0.8, 1.5)), 2),
                      concentric_s=round(float(rng.uniform(0.5, 1.0)), 2),
                      bottom_pause_s=round(float(rng.choice([0.0, 0.1, 0.3])), 2),
                      top_pause_s=round(float(rng.uniform(0.3, 0.7)), 2), jitter=0.05,
                      fatigue=round(float(rng.uniform(0.0, 0.15)), 2))
    fps = float(rng.choice([25.0, 29.97, 30.0]))
    degrade = DegradeSpec()
    if rng.random() < 0.3:
        degrade = DegradeSpec(noise_sigma=round(float(rng.uniform(2, 6)), 2),
                              blur_sigma=round(float(rng.uniform(0.0, 0.8)), 2), crf=28)
    camera = CameraSpec(view=view, height_m=round(float(rng.uniform(0.7, 1.3)), 2),
                        distance_m=round(float(rng.uniform(2.6, 3.4)), 2))
    body = BodySpec(gender=round(float(rng.uniform(0.2, 1.0)), 2),
                    height=round(float(rng.uniform(0.4, 0.7)), 2),
                    muscle=round(float(rng.uniform(0.4, 0.8)), 2))
    plate = PLATE_COLOURS[int(rng.integers(len(PLATE_COLOURS)))]
    spec = RenderSpec(exercise=ex, reps=reps, body=body, camera=camera, width=480, height=360,
                      supersample=1, fps=fps, tempo=tempo, lead_in_s=0.4, lead_out_s=0.4,
                      degrade=degrade, seed=seed,
                      barbell=BarbellSpec(enabled=True, plate_rgb=plate))
    return f"{seed}_{ex}_{view}", spec


def suite(which: str) -> list[tuple[str, RenderSpec]]:
    """Every clip of a seed range."""
    return [clip_spec(s, i) for s in SEED_RANGES[which] for i in range(len(LIFTS))]


def score_clip(name: str, folder: str) -> dict:
    """Pose (cached), analyse with the bar pass and compare with the truth: one row."""
    from repsight.analysis import analyse_bar, analyse_pose
    from repsight.config import build_config

    folder = Path(folder)
    truth = json.loads((folder / f"{name}.json").read_text())
    mp4 = folder / f"{name}.mp4"
    seq = load_pose(mp4)
    cfg = build_config(exercise=ANALYSER_EXERCISE[truth["exercise"]], bar_path="on")
    t0 = time.perf_counter()
    a = analyse_bar(mp4, seq, analyse_pose(seq, cfg))
    seconds = time.perf_counter() - t0
    bar = a.bar
    tb = truth["barbell"]
    face = np.array(tb["near_plate_face2d"])
    ppm = np.array(tb["near_plate_px_per_m"])
    n = min(len(face), seq.n_frames)
    row = {"name": name, "exercise": truth["exercise"], "view": truth["view"],
           "frames": n, "true_reps": truth["n_reps"], "reps": len(a.reps),
           "bar_seconds": round(seconds, 2)}
    if bar is None:
        row["note"] = "no bar pass"
        return row
    track = bar.track
    xy = track.xy_px[:n]
    found = np.isfinite(xy[:, 0])
    r_true = 0.5 * tb["spec"]["plate_diameter_m"] * ppm[:n]
    err_px = np.hypot(*(xy - face[:n]).T)
    on = found & (err_px <= ON_PLATE_RADII * r_true)
    row.update(found=float(found.mean()), on_plate=float(on.mean()),
               off_plate_frames=int((found & ~on).sum()),
               centre_err_px=float(np.median(err_px[found])) if found.any() else math.nan,
               scale=bar.scale.method, of_record=bool(bar.of_record), reason=bar.reason,
               scale_err_pct=(100.0 * (bar.scale.px_per_m / float(np.median(ppm)) - 1.0)
                              if bar.scale.valid else math.nan))
    # path: horizontal, image right, metres; less the median difference over the clip
    x_true = face[:n, 0] / ppm[:n]
    d = bar.x_m[:n] - x_true
    ok = np.isfinite(d)
    row["path_err_m"] = (np.abs(d[ok] - np.median(d[ok])).tolist() if ok.sum() >= 3 else [])
    t = np.asarray(seq.timestamps_s)
    matched = match_reps(truth["reps"], [t[r.start] for r in a.reps])
    vel, body, body_vs_bar, missing = [], [], [], 0
    for br, tr in zip(bar.reps, matched):
        if not tr.get("bar_velocity"):
            continue
        true_bar = tr["bar_velocity"]["concentric_mean_mps"]
        if math.isfinite(br.mean_mps):
            vel.append(br.mean_mps - true_bar)
        else:
            missing += 1
        if math.isfinite(br.body_mean_mps):
            body.append(br.body_mean_mps - tr["velocity"]["concentric_mean_mps"])
            body_vs_bar.append(br.body_mean_mps - true_bar)
    # the track alone: the bar's mean velocity over each rep's true concentric frames,
    # against the true bar's over the same frames (no segmentation in it)
    z = np.array(tb["centre3d"])[:n, 2]
    own = []
    for tr in truth["reps"]:
        if not tr.get("bar_velocity"):
            continue
        a_, b_ = int(math.ceil(tr["concentric_start"] * truth["fps"] - 1e-9)), int(
            math.floor(tr["concentric_end"] * truth["fps"] + 1e-9))
        if b_ < n and b_ > a_ and np.isfinite(bar.y_m[[a_, b_]]).all():
            dt = t[b_] - t[a_]
            own.append((bar.y_m[b_] - bar.y_m[a_]) / dt - (z[b_] - z[a_]) / dt)
    row.update(vel_err=vel, body_err=body, body_vs_bar=body_vs_bar, reps_without_bar=missing,
               track_vel_err=own)
    return row


def _med(vals, digits=3, absolute=True) -> str:
    if not vals:
        return "n/a"
    a = np.abs(vals) if absolute else np.asarray(vals)
    return f"{np.median(a):.{digits}f}"


def table(which: str, rows: list[dict]) -> str:
    """The figures as markdown: overall against the targets, then per lift and view."""
    rng = SEED_RANGES[which]
    scored = [r for r in rows if "found" in r]
    frames = sum(r["frames"] for r in scored)

    def share(key):
        return sum(r[key] * r["frames"] for r in scored) / frames if frames else math.nan

    def pool(key, rs=scored):
        return [x for r in rs for x in r.get(key, [])]

    vel, path = pool("vel_err"), pool("path_err_m")
    # A clip with no bar pass (its verdicts withheld, e.g. the lift taken for another) has
    # nothing to score here; it is named, not dropped silently.
    unscored = [f"{r['name']} ({r.get('note', 'not scored')}, {r['reps']} reps for {r['true_reps']})"
                for r in rows if "found" not in r]
    lines = [f"bar_eval: {len(scored)} clips, seeds '{which}' ({rng.start}..{rng.stop - 1})"
             + (" -- report only, never tune on these" if which == "final" else ""),
             *([f"not scored: {len(unscored)} of {len(rows)}: " + "; ".join(unscored)]
               if unscored else []), "",
             "| measure | value | target |", "|---|---|---|",
             f"| bar mean concentric velocity abs error, median (m/s) | {_med(vel)} "
             f"(n={len(vel)} reps; bias {np.mean(vel) if vel else math.nan:+.3f}) | "
             f"<= {TARGETS['velocity']} |",
             f"| bar path horizontal error, median over frames (cm) | "
             f"{100 * float(np.median(path)) if path else math.nan:.2f} (p90 "
             f"{100 * float(np.percentile(path, 90)) if path else math.nan:.2f}) | "
             f"<= {100 * TARGETS['path']:.0f} |",
             f"| frames with the bar found and on the plate | {100 * share('on_plate'):.1f} % | "
             f">= {100 * TARGETS['found']:.0f} % |",
             f"| frames with a bar position (any) | {100 * share('found'):.1f} % | |",
             f"| the track alone: bar mean velocity over the true concentric frames, abs error "
             f"median (m/s) | {_med(pool('track_vel_err'))} (n={len(pool('track_vel_err'))}) | |",
             f"| reps with no bar velocity (concentric not followed) | "
             f"{sum(r['reps_without_bar'] for r in scored)} | |",
             f"| body-point mean velocity abs error vs its own truth, median (m/s) | "
             f"{_med(pool('body_err'))} | |",
             f"| body-point mean velocity vs the bar's true velocity, median abs (m/s) | "
             f"{_med(pool('body_vs_bar'))} | |",
             f"| plate scale error, median abs (%) | "
             f"{_med([r['scale_err_pct'] for r in scored if math.isfinite(r['scale_err_pct'])], 1)} | |",
             f"| bar of record | {sum(r['of_record'] for r in scored)}/{len(scored)} clips | |",
             "", "| lift | view | clips | bar vel err | body vel err | body vs bar | "
             "path err cm | on plate | found | of record |", "|---|---|---|---|---|---|---|---|---|---|"]
    for ex, view in sorted(set((r["exercise"], r["view"]) for r in scored)):
        rs = [r for r in scored if (r["exercise"], r["view"]) == (ex, view)]
        fr = sum(r["frames"] for r in rs)
        p = pool("path_err_m", rs)
        lines.append(
            f"| {ex} | {view} | {len(rs)} | {_med(pool('vel_err', rs))} | "
            f"{_med(pool('body_err', rs))} | {_med(pool('body_vs_bar', rs))} | "
            f"{100 * float(np.median(p)) if p else math.nan:.2f} | "
            f"{100 * sum(r['on_plate'] * r['frames'] for r in rs) / fr:.1f} % | "
            f"{100 * sum(r['found'] * r['frames'] for r in rs) / fr:.1f} % | "
            f"{sum(r['of_record'] for r in rs)}/{len(rs)} |")
    lines += ["", "| clip | reps (true) | on plate | found | centre err px | scale err % | "
              "bar vel err (per rep) | of record / why |", "|---|---|---|---|---|---|---|---|"]
    for r in scored:
        v = ", ".join(f"{x:+.3f}" for x in r["vel_err"]) or "-"
        lines.append(f"| {r['name']} | {r['reps']} ({r['true_reps']}) | {100 * r['on_plate']:.0f} % | "
                     f"{100 * r['found']:.0f} % | {r['centre_err_px']:.1f} | "
                     f"{r['scale_err_pct']:+.1f} | {v} | "
                     f"{'yes' if r['of_record'] else 'no: ' + r['reason']} |")
    text = "\n".join(lines)
    print(text)
    return text


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", choices=tuple(SEED_RANGES), default="dev")
    ap.add_argument("--cache", help="cache folder (default ~/.cache/repsight/synth)")
    ap.add_argument("--jobs", type=int, default=2, help="processes (default 2)")
    ap.add_argument("--only", help="comma-separated lifts to keep (deadlift, squat, press, curl)")
    ap.add_argument("--render-only", action="store_true")
    ap.add_argument("--json", help="write per-clip rows here")
    a = ap.parse_args(argv)
    clips = suite(a.seeds)
    if a.only:
        keep = {x.strip() for x in a.only.split(",")}
        clips = [(n, s) for n, s in clips if s.exercise in keep]
    folder = cache_dir(f"bar_{a.seeds}", a.cache)
    render_missing(clips, folder, a.jobs)
    if a.render_only:
        return 0
    names = [n for n, _ in clips if (folder / f"{n}.mp4").exists()]
    if a.jobs > 1 and len(names) > 1:
        with ProcessPoolExecutor(max_workers=a.jobs) as pool:
            rows = list(pool.map(score_clip, names, [str(folder)] * len(names)))
    else:
        rows = [score_clip(n, str(folder)) for n in names]
    table(a.seeds, rows)
    if a.json:
        Path(a.json).write_text(json.dumps(rows, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
