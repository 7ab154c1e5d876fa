"""How much the camera sways under a still camera, and what holding the landmarks still changes.

    python benchmarks/camera_motion.py                          # the labelled real clips
    python benchmarks/camera_motion.py --seeds dev5 dev7 final  # rendered clips too

For each clip the analysis runs twice, as a user would with the labelled exercise: with
the defaults (a set whose camera sways more than `camera_sway_limit` over its reps is
read against the background, camera.py) and with the camera left as filmed
(`camera_sway_limit=1`). The table shows the sway read over the set's reps (RMS, share
of the frame's long side), whether the set was held still, and the count and verdicts
both ways. Real clips come from the pose cache (`--cache`, shared with variants.py);
rendered clips from synthetic_eval.py's cache, whose pose files predate the tile shifts:
their frames are decoded again here (video.SceneScan alone, no pose model) and the
shifts put into the poses' meta, as a fresh extraction would. Swayed copies of the real
clips are `python benchmarks/variants.py --variants shake`. It asserts nothing.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "benchmarks"))
LABELS = ROOT / "benchmarks" / "labels"
VIDEOS = ROOT.parent / "shared" / "videos"
CACHE = Path.home() / ".cache" / "repsight" / "variants" / "poses"


def _both(seq, exercise: str) -> dict:
    """Count, verdicts, sway and steadied, with the defaults and with the camera as filmed."""
    from repsight.analysis import analyse_pose
    from repsight.config import build_config

    from eval_reps import clip_rep_count, clip_verdicts

    held = analyse_pose(seq, build_config(exercise=exercise))
    left = analyse_pose(seq, build_config(exercise=exercise, camera_sway_limit=1.0))
    return {"sway": held.camera_sway, "steadied": held.camera_steadied,
            "count": clip_rep_count(held), "count_left": clip_rep_count(left),
            "verdicts": sorted(set(clip_verdicts(held))),
            "verdicts_left": sorted(set(clip_verdicts(left)))}


def real_row(job: tuple[dict, str]) -> dict:
    """One labelled real clip."""
    label, cache = job
    from repsight.cache import extract_cached

    seq = extract_cached(VIDEOS / label["clip"], model="full", cache_dir=Path(cache))
    return {"clip": label["clip"].removesuffix(".mp4"), "label": int(label["reps"]),
            **_both(seq, label["exercise"])}


def with_fresh_scan(seq, mp4: Path):
    """seq with meta["scene"] as a fresh extraction of mp4 would write it (tile shifts)."""
    from repsight.pose import _scene_meta
    from repsight.video import SceneScan, VideoReader

    reader = VideoReader(mp4)
    reader.scan = scan = SceneScan(reader.info)
    for _ in reader:
        pass
    scene = _scene_meta(scan.changes(), (seq.meta.get("scene") or {}).get("people", []))
    return dataclasses.replace(seq, meta={**seq.meta, "scene": scene})


def rendered_row(job: tuple[str, str, str]) -> dict:
    """One rendered clip (its cached poses, its frames scanned again)."""
    name, exercise, folder = job
    import synthetic_eval as se

    mp4 = Path(folder) / f"{name}.mp4"
    seq = with_fresh_scan(se.load_pose(mp4), mp4)
    truth = json.loads((Path(folder) / f"{name}.json").read_text())
    return {"clip": name, "label": int(truth["n_reps"]),
            **_both(seq, se.ANALYSER_EXERCISE[exercise])}


def _fmt(v: float | None) -> str:
    return "-" if v is None else f"{v:.4f}"


def summary(name: str, rows: list[dict]) -> str:
    """One line: sway median / max, sets held still, counts and verdicts changed."""
    sways = np.array([r["sway"] for r in rows if r["sway"] is not None])
    held = sum(r["steadied"] for r in rows)
    counts = sum(r["count"] != r["count_left"] for r in rows)
    verdicts = sum(r["verdicts"] != r["verdicts_left"] for r in rows)
    exact = sum(r["count"] == r["label"] for r in rows)
    med = f"{np.median(sways):.4f}" if sways.size else "-"
    top = f"{sways.max():.4f}" if sways.size else "-"
    return (f"| {name} | {len(rows)} | {len(sways)} | {med} | {top} | {held} | {exact}/{len(rows)} "
            f"| {counts} | {verdicts} |")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", nargs="*", default=[], help="rendered ranges (synthetic_eval.py)")
    ap.add_argument("--cache", type=Path, default=CACHE)
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--json", type=Path, default=None, help="write the rows here")
    args = ap.parse_args(argv)
    groups: dict[str, list[dict]] = {}
    with ProcessPoolExecutor(max(1, args.jobs)) as ex:
        if VIDEOS.is_dir():
            labels = [json.loads(p.read_text(encoding="utf-8")) for p in sorted(LABELS.glob("*.json"))]
            labels = [lb for lb in labels if (VIDEOS / lb["clip"]).is_file()]
            args.cache.mkdir(parents=True, exist_ok=True)
            groups["real"] = list(ex.map(real_row, [(lb, str(args.cache)) for lb in labels]))
        import synthetic_eval as se

        for which in args.seeds:
            folder = se.cache_dir(which, None)
            jobs = [(name, spec.exercise, str(folder)) for name, spec in se.suite(which)
                    if (folder / f"{name}.mp4").is_file()]
            groups[which] = list(ex.map(rendered_row, jobs))
    if args.json:
        args.json.write_text(json.dumps(groups, indent=1), encoding="utf-8")
    for which, rows in groups.items():
        # Every real clip is listed; a rendered range's clips only when they sway (the
        # range is summed up below).
        listed = [r for r in rows if which == "real" or r["steadied"] or (r["sway"] or 0) > 0.005]
        if not listed:
            continue
        print(f"{which}: clip, label, sway over the reps, held still (*), count / verdicts "
              "with the defaults, and with the camera as filmed where they differ")
        for r in listed:
            differ = ""
            if (r["count"], r["verdicts"]) != (r["count_left"], r["verdicts_left"]):
                differ = f"   as filmed: {r['count_left']} {r['verdicts_left'] or '-'}"
            print(f"  {r['clip']:40s} {r['label']:3d} {_fmt(r['sway'])}{' *' if r['steadied'] else '  '} "
                  f"{r['count']:3d} {r['verdicts'] or '-'}{differ}")
        print()
    print("| clips | n | sway read | median sway | max sway | held still | count exact "
          "| count changed | verdicts changed |")
    print("|---|---|---|---|---|---|---|---|---|")
    for which, rows in groups.items():
        print(summary(which, rows))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
