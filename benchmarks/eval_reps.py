"""Rep-count and boundary evaluation of the segmenter on the team's real clips.

    python benchmarks/eval_reps.py                       # every clip with a label file
    python benchmarks/eval_reps.py --json out.json       # also write the rows as JSON
    python benchmarks/eval_reps.py --only squat          # clips whose name contains "squat"
    python benchmarks/eval_reps.py --events              # also each labelled event's signed error

Labels live in benchmarks/labels/<clip>.json (hand-checked; each says how). Each names the
exercise profile to use (one profile's defaults for every clip of that exercise: nothing
is tuned per clip), the count of reps whose concentric reached lockout inside the clip
(partials excluded), and optionally event times in seconds: `start_s` (rep starts),
`end_s` (the lifter back at rest after the rep) or `turnaround_s` (bottom of a press),
each optionally with `<kind>_confidence` per event. Boundary error matches each labelled
time to the nearest detected one (within 1 s); the figure is also given without the
events labelled low confidence, and for each kind of event apart. `lowering_s` (the start of
a lift's lowering, for a lift that raises first) is scored on its own line, outside that
figure.

Then, when ../shared/synthetic is there, the rendered clips with exact truth: rep count
and the error of each of the four phase boundaries.

Poses come from the pose cache (`repsight extract` or any earlier analysis fills it);
clips not in the cache are run through the pose model (about 20 ms a frame).
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
LABELS = ROOT / "benchmarks" / "labels"
VIDEOS = ROOT.parent / "shared" / "videos"
RENDERED = ROOT.parent / "shared" / "synthetic"
# Exercise names in the rendered clips' truth files -> profiles.
RENDERED_EXERCISE = {"curl": "biceps_curl", "biceps_curl": "biceps_curl", "press": "overhead_press",
                     "overhead_press": "overhead_press", "push_up": "pushup", "pushup": "pushup",
                     "squat": "squat"}
MATCH_WINDOW_S = 1.0


@dataclass
class Row:
    clip: str
    exercise: str
    labelled: int
    detected: int
    partial: int = 0
    incomplete: int = 0
    events: int = 0
    matched: int = 0
    mean_err_ms: float = float("nan")
    max_err_ms: float = float("nan")
    note: str = ""
    auto_exercise: str = ""
    auto_count: int = -1
    errors_ms: list[float] = field(default_factory=list)
    # whether each matched event's label is marked low confidence (`<kind>_confidence`)
    low: list[bool] = field(default_factory=list)
    # (event kind, labelled time s, detected - labelled in ms) for every matched event
    signed: list[tuple[str, float, float]] = field(default_factory=list)
    # detected - labelled in ms of each labelled lowering start (`lowering_s`: a lift that
    # raises first), kept apart from the boundaries above
    lowering_ms: list[float] = field(default_factory=list)

    @property
    def verdict(self) -> str:
        d = self.detected - self.labelled
        return "exact" if d == 0 else ("+-1" if abs(d) == 1 else "FAIL")


def clip_rep_count(analysis) -> int:
    """Reps counted over the whole clip (the labels count every take of a spliced clip)."""
    return sum(one.rep_count for one in analysis.every_set)


def clip_verdicts(analysis) -> list[tuple[str, int]]:
    """(kind, rep number through the clip) of every set's verdicts."""
    return [(v.kind, offset + v.rep_index)
            for one, offset in analysis.numbered_sets for v in one.verdicts]


def detected_events(analysis, kind: str) -> np.ndarray:
    """Times (s) of one event type for every detected rep, over all of the clip's sets."""
    t = analysis.timestamps_s
    reps = [r for one in analysis.every_set for r in one.reps]
    if kind == "start_s":
        return np.array([t[r.start] for r in reps])
    if kind == "end_s":
        # The lifter is back at rest when the second moving phase ends.
        return np.array([t[max(r.eccentric[1], r.concentric[1])] for r in reps])
    if kind == "turnaround_s":
        return np.array([t[r.turnaround] for r in reps])
    if kind == "lowering_s":
        return np.array([t[r.eccentric[0]] for r in reps])
    raise ValueError(kind)


def matched_event(found: np.ndarray, x: float) -> float | None:
    """The detected time nearest the labelled time x (s), if within MATCH_WINDOW_S."""
    if found.size == 0:
        return None
    nearest = float(found[np.argmin(np.abs(found - x))])
    return nearest if abs(nearest - x) <= MATCH_WINDOW_S else None


def evaluate(label_path: Path, videos: Path, cache_dir: Path | None) -> Row:
    """Analyse one labelled clip and compare."""
    from repsight.analysis import analyse_pose
    from repsight.cache import extract_cached
    from repsight.config import build_config

    label = json.loads(label_path.read_text(encoding="utf-8"))
    video = videos / label["clip"]
    row = Row(clip=label["clip"], exercise=label["exercise"], labelled=int(label["reps"]), detected=-1)
    if not video.is_file():
        row.note = "video missing"
        return row
    cfg = build_config(exercise=label["exercise"])
    seq = extract_cached(video, model=cfg.model, cache_dir=cache_dir)
    an = analyse_pose(seq, cfg)
    row.detected = clip_rep_count(an)
    row.partial = sum(1 for one in an.every_set for r in one.reps if r.partial)
    row.incomplete = sum(1 for one in an.every_set for r in one.reps if not r.completed)
    auto = analyse_pose(seq, build_config(exercise="auto"))
    row.auto_exercise, row.auto_count = auto.exercise, clip_rep_count(auto)
    for kind in ("start_s", "end_s", "turnaround_s"):
        if kind not in label:
            continue
        truth = np.asarray(label[kind], dtype=float)
        found = detected_events(an, kind)
        row.events += len(truth)
        confidence = label.get(f"{kind}_confidence") or []
        if len(confidence) != len(truth):
            confidence = [None] * len(truth)  # none given, or not one per event: not used
        for x, conf in zip(truth, confidence):
            nearest = matched_event(found, x)
            if nearest is not None:
                row.matched += 1
                row.errors_ms.append(1000.0 * abs(nearest - x))
                row.low.append(conf == "low")
                row.signed.append((kind, float(x), 1000.0 * (nearest - x)))
    if "lowering_s" in label:
        found = detected_events(an, "lowering_s")
        for x in label["lowering_s"]:
            nearest = matched_event(found, x)
            if nearest is not None:
                row.lowering_ms.append(1000.0 * (nearest - x))
    if row.errors_ms:
        row.mean_err_ms = float(np.mean(row.errors_ms))
        row.max_err_ms = float(np.max(row.errors_ms))
    return row


def evaluate_rendered(folder: Path, cache_dir: Path | None) -> None:
    """Rendered clips with exact truth: count and the four phase boundaries, in ms."""
    from repsight.analysis import analyse_pose
    from repsight.cache import extract_cached
    from repsight.config import build_config

    truths = sorted(folder.glob("*.json"))
    if not truths:
        return
    print()
    print("rendered clips (exact truth): error in ms of detected - true, mean |err| (mean signed)")
    head = f"{'clip':22s} {'exercise':15s} {'reps':>5s}  {'start':>12s} {'1st end':>12s} {'2nd start':>12s} {'end':>12s}"
    print(head)
    print("-" * len(head))
    all_err = []
    for path in truths:
        truth = json.loads(path.read_text(encoding="utf-8"))
        video = path.with_suffix(".mp4")
        if not video.is_file():
            continue
        ex = RENDERED_EXERCISE.get(truth["exercise"], truth["exercise"])
        cfg = build_config(exercise=ex)
        an = analyse_pose(extract_cached(video, model=cfg.model, cache_dir=cache_dir), cfg)
        t = an.timestamps_s
        errs = []
        for r, tr in zip(an.reps, truth["reps"]):
            first, second = ((r.eccentric, r.concentric) if r.eccentric_first
                             else (r.concentric, r.eccentric))
            errs.append([t[first[0]] - tr["start"], t[first[1]] - tr["ecc_end"],
                         t[second[0]] - tr["bottom_end"], t[second[1]] - tr["end"]])
        e = 1000.0 * np.array(errs) if errs else np.zeros((0, 4))
        all_err.append(e)
        cells = " ".join(f"{np.abs(e[:, k]).mean():5.0f} ({e[:, k].mean():+4.0f})" if len(e) else " " * 12
                         for k in range(4))
        print(f"{path.stem:22s} {ex:15s} {an.rep_count:2d}/{len(truth['reps']):<2d}  {cells}")
    if all_err:
        e = np.concatenate(all_err)
        print("-" * len(head))
        print(f"boundaries: {e.size} matched, mean |error| {np.abs(e).mean():.0f} ms, "
              f"median {np.median(np.abs(e)):.0f} ms, max {np.abs(e).max():.0f} ms")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--videos", type=Path, default=VIDEOS)
    ap.add_argument("--labels", type=Path, default=LABELS)
    ap.add_argument("--cache-dir", type=Path, default=None)
    ap.add_argument("--only", default="", help="evaluate clips whose name contains this")
    ap.add_argument("--json", type=Path, default=None, help="write the rows here")
    ap.add_argument("--events", action="store_true",
                    help="print each labelled event's error, detected - labelled (ms)")
    ap.add_argument("--rendered", type=Path, default=RENDERED,
                    help="folder of rendered clips with .json truth (skipped when absent)")
    args = ap.parse_args(argv)
    if not args.videos.is_dir():
        print(f"no clips at {args.videos} (the team's shared data); nothing to evaluate")
        return 0
    rows = [evaluate(p, args.videos, args.cache_dir)
            for p in sorted(args.labels.glob("*.json")) if args.only in p.stem]
    head = f"{'clip':38s} {'exercise':15s} {'label':>5s} {'found':>5s} {'part':>4s} {'inc':>3s}  {'count':6s} {'events':>7s} {'mean ms':>8s} {'max ms':>7s}  auto"
    print(head)
    print("-" * len(head))
    for r in rows:
        ev = f"{r.matched}/{r.events}" if r.events else ""
        mean = f"{r.mean_err_ms:8.0f}" if r.errors_ms else " " * 8
        mx = f"{r.max_err_ms:7.0f}" if r.errors_ms else " " * 7
        found = f"{r.detected:5d}" if r.detected >= 0 else "    -"
        print(f"{r.clip[:-4]:38s} {r.exercise:15s} {r.labelled:5d} {found} {r.partial:4d} {r.incomplete:3d}  "
              f"{r.verdict if r.detected >= 0 else 'skip':6s} {ev:>7s} {mean} {mx}  "
              f"{r.auto_exercise}:{r.auto_count}{' ' + r.note if r.note else ''}")
    done = [r for r in rows if r.detected >= 0]
    if args.events:
        print("-" * len(head))
        print("events: detected - labelled, ms (negative: detected earlier than the label)")
        for r in done:
            for kind in dict.fromkeys(k for k, _, _ in r.signed):
                cells = " ".join(f"{e:+5.0f}" for k, _, e in r.signed if k == kind)
                print(f"  {r.clip[:-4]:36s} {kind:12s} {cells}")
    exact = sum(r.verdict == "exact" for r in done)
    within = sum(r.verdict != "FAIL" for r in done)
    errs = [e for r in done for e in r.errors_ms]
    n_ev = sum(r.events for r in done)
    print("-" * len(head))
    print(f"clips {len(done)}: count exact {exact}/{len(done)}, within one {within}/{len(done)}; "
          f"reps labelled {sum(r.labelled for r in done)}, counted {sum(r.detected for r in done)}")
    same = [r for r in done if r.auto_exercise == r.exercise]
    print(f"auto: picked the labelled exercise on {len(same)}/{len(done)} clips; count exact on "
          f"{sum(r.auto_count == r.labelled for r in done)}/{len(done)}")
    if errs:
        print(f"boundaries: {len(errs)}/{n_ev} labelled events matched within {MATCH_WINDOW_S:.0f} s, "
              f"mean error {np.mean(errs):.0f} ms, median {np.median(errs):.0f} ms, max {np.max(errs):.0f} ms")
        sure = [e for r in done for e, low in zip(r.errors_ms, r.low) if not low]
        if len(sure) < len(errs):
            print(f"  without the {len(errs) - len(sure)} labels marked low confidence: mean error "
                  f"{np.mean(sure):.0f} ms, median {np.median(sure):.0f} ms ({len(sure)} events)")
        for kind in ("start_s", "end_s", "turnaround_s"):
            ms = [abs(e) for r in done for k, _, e in r.signed if k == kind]
            if ms:
                print(f"  {kind}: {len(ms)} events, mean error {np.mean(ms):.0f} ms, "
                      f"median {np.median(ms):.0f} ms")
    low = [e for r in done for e in r.lowering_ms]
    if low:
        print(f"lowering starts (a lift that raises first; not in the boundaries above): {len(low)} "
              f"events on {sum(1 for r in done if r.lowering_ms)} clips, mean error "
              f"{np.mean(np.abs(low)):.0f} ms, median {np.median(np.abs(low)):.0f} ms, "
              f"mean signed {np.mean(low):+.0f} ms")
    if args.json:
        args.json.write_text(json.dumps([asdict(r) for r in rows], indent=2, allow_nan=True) + "\n")
    if args.rendered.is_dir() and not args.only:
        evaluate_rendered(args.rendered, args.cache_dir)
    return 0


if __name__ == "__main__":
    sys.exit(main())
