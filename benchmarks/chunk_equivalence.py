#!/usr/bin/env python
"""Chunked (parallel) extraction against the sequential one on every dev clip.

For each clip in ../shared/videos and ../shared/synthetic: the sequential PoseSequence
(from the pose cache, else extracted) and a chunked one (`extract_pose(workers=N)` with a
small `--min-chunk` so that every clip gets at least one seam), then:

- landmark differences in pixels (visible landmarks, both runs), before the first seam
  (must be 0), in the first `--window` frames after each seam, and further on;
- the analysis of both (labelled exercise, else auto): exercise, rep count, largest
  difference of any rep event (start, phase boundaries, turnaround, end) in frames, and
  whether the verdicts (kind, rep) are the same. Where they differ, the clip is also run
  in one process that starts tracking one frame late: a clip whose result that changes
  too sits on a knife edge of the pose model or the analysis, not of the seams.

    .venv/bin/python benchmarks/chunk_equivalence.py                # 2 workers, every clip
    .venv/bin/python benchmarks/chunk_equivalence.py --only squat --workers 3

Prints a table; asserts nothing (tests/test_pose.py checks one clip).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
LABELS = ROOT / "benchmarks" / "labels"
VIDEOS = ROOT.parent / "shared" / "videos"
RENDERED = ROOT.parent / "shared" / "synthetic"
RENDERED_EXERCISE = {"curl": "biceps_curl", "biceps_curl": "biceps_curl",
                     "press": "overhead_press", "overhead_press": "overhead_press",
                     "push_up": "pushup", "pushup": "pushup", "squat": "squat"}


def exercise_of(clip: Path) -> str:
    """The labelled exercise (real clips) or the truth file's (rendered), else auto."""
    label = LABELS / f"{clip.stem}.json"
    if label.is_file():
        return json.loads(label.read_text(encoding="utf-8")).get("exercise", "auto")
    truth = clip.with_suffix(".json")
    if truth.is_file():
        ex = json.loads(truth.read_text(encoding="utf-8")).get("exercise", "auto")
        return RENDERED_EXERCISE.get(ex, ex)
    return "auto"


def pixel_diff(a, b) -> np.ndarray:
    """float[T,33] distance in px between two sequences' landmarks; NaN where either hides it."""
    wh = np.array([a.width, a.height], dtype=np.float64)
    d = np.linalg.norm((a.image[..., :2].astype(np.float64) - b.image[..., :2]) * wh, axis=-1)
    seen = (a.image[..., 3] > 0.5) & (b.image[..., 3] > 0.5)
    return np.where(seen, d, np.nan)


def events(analysis) -> np.ndarray:
    return np.array([(r.start, r.eccentric[0], r.eccentric[1], r.turnaround, r.concentric[0],
                      r.concentric[1], r.end) for r in analysis.reps], dtype=int).reshape(-1, 7)


def compare(clip: Path, args) -> dict:
    from repsight.analysis import analyse_pose
    from repsight.cache import extract_cached
    from repsight.config import build_config
    from repsight.pose import extract_pose

    one = extract_cached(clip, model=args.model)
    t0 = time.perf_counter()
    par = extract_pose(clip, model=args.model, workers=args.workers, min_chunk_s=args.min_chunk)
    seconds = time.perf_counter() - t0
    row = {"clip": clip.name, "frames": one.n_frames, "seconds": seconds,
           "chunks": par.meta.get("chunks", 1), "fallback": par.meta.get("parallel_fallback", ""),
           "carried": par.meta.get("seam_frames_carried", 0)}
    if not np.array_equal(par.timestamps_s, one.timestamps_s):
        row["error"] = "timestamps differ"
        return row
    d = pixel_diff(par, one)
    seams = [int(np.searchsorted(par.timestamps_s, s)) for s in par.meta.get("seams_s", [])]
    near = np.zeros(len(d), dtype=bool)
    for k in seams:
        near[k:k + args.window] = True
    after = np.zeros(len(d), dtype=bool)
    if seams:
        after[seams[0]:] = True
    row["before_max"] = float(np.nanmax(d[~after], initial=0.0)) if (~after).any() else 0.0
    row["near"] = d[near][np.isfinite(d[near])]
    row["far"] = d[after & ~near][np.isfinite(d[after & ~near])]
    ex = exercise_of(clip)
    cfg = build_config(exercise=ex)
    a, b = analyse_pose(one, cfg), analyse_pose(par, cfg)
    ea, eb = events(a), events(b)
    row.update(exercise=f"{a.exercise}" + ("" if a.exercise == b.exercise else f"/{b.exercise}"),
               reps=f"{len(a.reps)}" + ("" if len(a.reps) == len(b.reps) else f"/{len(b.reps)}"),
               event_max=int(np.abs(ea - eb).max(initial=0)) if ea.shape == eb.shape else None,
               verdicts_same=[(v.kind, v.rep_index) for v in a.verdicts]
               == [(v.kind, v.rep_index) for v in b.verdicts],
               verdicts=len(a.verdicts))
    if "/" in row["reps"] or "/" in row["exercise"] or not row["verdicts_same"]:
        # How fragile is this clip anyway? One process started one frame late.
        late = analyse_pose(shifted(one, clip, args.model), cfg)
        row["shift_same"] = (len(late.reps) == len(a.reps) and [(v.kind, v.rep_index) for v in
                             late.verdicts] == [(v.kind, v.rep_index) for v in a.verdicts])
    return row


def shifted(seq, clip: Path, model: str):
    """seq re-extracted in one process that starts tracking on the second frame."""
    from repsight.pose import PoseEstimator
    from repsight.types import PoseSequence
    from repsight.video import VideoReader

    image, world = seq.image.copy(), seq.world.copy()
    with PoseEstimator(model) as est:
        for k, frame in enumerate(VideoReader(clip)):
            if k:
                image[k], world[k] = est.detect(frame.rgb, frame.time_s)
    return PoseSequence(**{**seq.__dict__, "image": image, "world": world})


def pct(x: np.ndarray, q: float) -> str:
    return f"{np.percentile(x, q):.2f}" if len(x) else "-"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--model", default="full", choices=["lite", "full", "heavy"])
    ap.add_argument("--min-chunk", type=float, default=2.0,
                    help="shortest chunk in s (small, so that every clip gets a seam)")
    ap.add_argument("--window", type=int, default=30, help="frames after a seam that count as near it")
    ap.add_argument("--only", default="", help="clips whose name contains this")
    args = ap.parse_args(argv)
    clips = sorted(VIDEOS.glob("*.mp4")) + sorted(RENDERED.glob("*.mp4"))
    clips = [c for c in clips if args.only in c.name]
    if not clips:
        print("no clips (is ../shared there?)", file=sys.stderr)
        return 1
    print(f"# chunked vs sequential extraction, {args.workers} workers, model {args.model}, "
          f"min chunk {args.min_chunk:g} s, near = first {args.window} frames after a seam")
    head = ("| clip | frames | chunks | before seam max px | near seam median / p95 / max px "
            "| further on median / p95 / max px | exercise | reps | rep events max diff (frames) "
            "| verdicts same | frames carried over | started 1 frame late: same |")
    print(head)
    print("|" + "|".join("---" for _ in range(12)) + "|")
    near_all, far_all, same, exact, total, worst = [], [], 0, 0, 0, 0
    for clip in clips:
        row = compare(clip, args)
        if "error" in row:
            print(f"| {clip.name} | {row['frames']} | error: {row['error']} |")
            continue
        near_all.append(row["near"])
        far_all.append(row["far"])
        total += 1
        same += bool(row["verdicts_same"] and "/" not in row["reps"] and "/" not in row["exercise"])
        exact += row["event_max"] == 0
        if row["event_max"] is not None:  # None: different rep counts, events not paired
            worst = max(worst, row["event_max"])
        near, far = row["near"], row["far"]
        print(f"| {clip.name} | {row['frames']} | {row['chunks']}{' (' + row['fallback'] + ')' if row['fallback'] else ''} "
              f"| {row['before_max']:.2f} | {pct(near, 50)} / {pct(near, 95)} / "
              f"{near.max() if len(near) else float('nan'):.1f} | {pct(far, 50)} / {pct(far, 95)} / "
              f"{far.max() if len(far) else float('nan'):.1f} | {row['exercise']} | {row['reps']} "
              f"| {row['event_max']} | {'yes' if row['verdicts_same'] else 'NO'} ({row['verdicts']}) "
              f"| {row['carried']} | {dict(((True, 'yes'), (False, 'no'))).get(row.get('shift_same'), '-')} |",
              flush=True)
    near_all = np.concatenate(near_all) if near_all else np.zeros(0)
    far_all = np.concatenate(far_all) if far_all else np.zeros(0)
    print(f"\n{total} clips: same exercise, rep count and verdicts on {same}; every rep event "
          f"on the same frame on {exact}, largest difference {worst} frame(s) where the counts "
          f"agree; landmarks near seams median {pct(near_all, 50)} px, "
          f"p95 {pct(near_all, 95)} px; further on median {pct(far_all, 50)} px, "
          f"p95 {pct(far_all, 95)} px")
    return 0


if __name__ == "__main__":
    sys.exit(main())
