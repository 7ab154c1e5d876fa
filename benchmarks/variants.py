"""The labelled real clips as other people would film them: mirrored, at half the frame
rate, at half the size, made at 10 fps, or a quicker set (issues 12 and 13).

    python benchmarks/variants.py                       # every labelled clip, every variant
    python benchmarks/variants.py --only curl,squat     # clips whose name contains one of these
    python benchmarks/variants.py --variants mirror     # one variant (and the original)

Each clip with a `benchmarks/labels/<clip>.json` is re-encoded with ffmpeg (libx264,
crf 18) into ~/.cache/repsight/variants/ (never into the repo) as

    mirror  the frame flipped left to right (the lifter faces the other way, the other
            side of the body is nearer the camera)
    fps15   every other frame dropped (the same timing at 15 fps, as a phone's low-light
            mode or a re-upload gives)
    half    half the width and height
    rep10   made at 10 fps and stored at 30 (each new picture shown three times, as a
            converted or screen-recorded clip gives)
    fast    played 1.6 times faster, at 30 fps (a quick set: most sets here then move a
            rep every 1.0-1.4 s, the speed at which issue 13 saw reps lost); its
            velocities are compared with the original's times 1.6
    tight   framed tighter: the top three quarters of the picture and its middle 70 %
            (feet and hands of a wide stance often out of frame). Not among the default
            variants: `--variants tight`
    shake   a hand-held camera: an 88 % crop of the frame whose place swings by up to 6 %
            of the frame (two sways, 0.7 and 1.9 Hz across, 0.5 and 1.3 Hz up and down),
            scaled back to the frame's size. Not among the default variants: run it with
            `--variants shake` (and `--no-steady` to see it without the camera held still)
    zoom    a camera zooming in 1.3 times about the picture's centre over the middle 40 %
            of the clip (composed_clips.zoomed_copy; made with OpenCV, not ffmpeg). Not
            among the defaults either: `--variants zoom` (`--no-steady`: not scaled back)

and analysed the way a user would: the labelled exercise's profile defaults, and
`--exercise auto`, poses from the pose cache in that folder (the first run puts every
variant through the pose model: about 18 minutes on 2 cores). A variant changes nothing
about the lift, so a count, an exercise or a verdict that changes with it is the
analyser reading the footage, not the lifter. The table shows, per clip and variant, the
count against the label, the auto exercise and count, and the verdicts (kind and rep);
the summary counts the variants whose count is still exact, whose auto exercise is still
the labelled one, whose verdicts are the original's, and whose result names repeated
frames (the warning a clip made at a lower frame rate gets). It asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np

from composed_clips import sway_filter, zoomed_copy

ROOT = Path(__file__).resolve().parents[1]
LABELS = ROOT / "benchmarks" / "labels"
VIDEOS = ROOT.parent / "shared" / "videos"
CACHE = Path.home() / ".cache" / "repsight" / "variants"
FAST = 1.6  # the "fast" variant's speed-up
# How much faster each variant plays the lift (its velocities are that much higher).
SPEED = {"fast": FAST}
# ffmpeg video filters; None: the clip as it is.
VARIANTS = {"orig": None, "mirror": "hflip", "fps15": "fps=15",
            "half": "scale=trunc(iw/4)*2:trunc(ih/4)*2",
            "rep10": "fps=10,fps=30",
            "fast": f"setpts=PTS/{FAST},fps=30",
            "tight": "crop=trunc(iw*0.7/2)*2:trunc(ih*0.75/2)*2:trunc(iw*0.15/2)*2:0",
            "shake": sway_filter(),  # composed_clips.py's hand-held clip, as a filter
            "zoom": zoomed_copy}  # made frame by frame (an ffmpeg crop cannot change size)
DEFAULT_VARIANTS = "mirror,fps15,half,rep10,fast"


def variant_path(clip: str, variant: str, folder: Path) -> Path:
    """The clip re-encoded as `variant` (made once, kept in folder)."""
    if VARIANTS[variant] is None:
        return VIDEOS / clip
    out = folder / f"{Path(clip).stem}__{variant}.mp4"
    if not out.exists():
        tmp = out.with_suffix(".part.mp4")
        if callable(VARIANTS[variant]):
            VARIANTS[variant](VIDEOS / clip, tmp)
        else:
            subprocess.run(["ffmpeg", "-v", "error", "-y", "-i", str(VIDEOS / clip), "-vf",
                            VARIANTS[variant], "-an", "-c:v", "libx264", "-crf", "18",
                            "-pix_fmt", "yuv420p", str(tmp)], check=True)
        tmp.replace(out)
    return out


def analyse(job: tuple[dict, str, str, dict]) -> dict:
    """One clip and variant: counts, auto exercise and verdicts (settings: config overrides)."""
    label, variant, folder, settings = job
    from repsight.analysis import analyse_pose
    from repsight.cache import extract_cached
    from repsight.config import build_config

    from eval_reps import clip_rep_count, clip_verdicts

    path = variant_path(label["clip"], variant, Path(folder))
    seq = extract_cached(path, model="full", cache_dir=Path(folder) / "poses")
    an = analyse_pose(seq, build_config(exercise=label["exercise"], **settings))
    auto = analyse_pose(seq, build_config(exercise="auto", **settings))
    return {"clip": label["clip"], "variant": variant, "exercise": label["exercise"],
            "label": int(label["reps"]), "count": clip_rep_count(an), "auto": auto.exercise,
            "auto_count": clip_rep_count(auto),
            "verdicts": sorted(set(clip_verdicts(an))),
            "repeats_named": any(w.startswith("repeated frames") for w in an.warnings),
            "camera_sway": an.camera_sway, "steadied": an.camera_steadied,
            "camera_zoom": an.camera_zoom, "zoomed": an.camera_zoomed,
            "velocities": [m.mean_velocity_mps for m in an.metrics]}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--only", default="", help="comma-separated parts of clip names")
    ap.add_argument("--no-steady", action="store_true",
                    help="leave the landmarks as the picture shows them however the camera "
                    "moved or zoomed")
    ap.add_argument("--variants", default=DEFAULT_VARIANTS,
                    help=f"comma-separated, of {', '.join(v for v in VARIANTS if v != 'orig')}")
    ap.add_argument("--cache", type=Path, default=CACHE)
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--json", type=Path, default=None, help="write the rows here")
    args = ap.parse_args(argv)
    sys.path.insert(0, str(ROOT / "src"))
    wanted = ["orig"] + [v for v in args.variants.split(",") if v and v != "orig"]
    unknown = [v for v in wanted if v not in VARIANTS]
    if unknown:
        ap.error(f"unknown variant(s): {', '.join(unknown)}")
    if not VIDEOS.is_dir():
        print(f"variants: no clips at {VIDEOS}")
        return 0
    parts = [p for p in args.only.split(",") if p]
    labels = [json.loads(p.read_text(encoding="utf-8")) for p in sorted(LABELS.glob("*.json"))]
    labels = [lb for lb in labels if (VIDEOS / lb["clip"]).is_file()
              and (not parts or any(p in lb["clip"] for p in parts))]
    args.cache.mkdir(parents=True, exist_ok=True)
    settings = {"camera_sway_limit": 1.0, "camera_zoom_limit": 10.0} if args.no_steady else {}
    jobs = [(lb, v, str(args.cache), settings) for lb in labels for v in wanted]
    with ProcessPoolExecutor(max(1, args.jobs)) as ex:
        rows = list(ex.map(analyse, jobs))
    if args.json:
        args.json.write_text(json.dumps(rows, indent=1), encoding="utf-8")
    orig = {r["clip"]: r for r in rows if r["variant"] == "orig"}
    print(f"variants: {len(labels)} labelled clips x {', '.join(wanted)}; labelled exercise's "
          "profile defaults, and auto")
    print()
    print("| clip | variant | count (label) | auto | verdicts (kind rep) | camera sway | zoom "
          "| velocity vs the original | same as the original |")
    print("|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        o = orig[r["clip"]]
        same = [w for w, ok in (("count", r["count"] == o["count"]),
                                ("auto", r["auto"] == o["auto"]),
                                ("verdicts", r["verdicts"] == o["verdicts"])) if not ok]
        verdicts = ", ".join(f"{k} {i}" for k, i in r["verdicts"]) or "-"
        print(f"| {r['clip'].removesuffix('.mp4')} | {r['variant']} | {r['count']} ({r['label']}) "
              f"| {r['auto']} {r['auto_count']} | {verdicts} | {_sway(r)} | {_zoom(r)} "
              f"| {_off(r, o)} | "
              f"{'yes' if not same or r['variant'] == 'orig' else 'no: ' + ', '.join(same)} |")
    print()
    print("| variant | count exact | auto = labelled exercise | verdicts as the original "
          "| technical calls | repeated frames named | read against the background "
          "| scaled back | rep velocity off by (median clip) |")
    print("|---|---|---|---|---|---|---|---|---|")
    for v in wanted:
        rs = [r for r in rows if r["variant"] == v]
        n = len(rs)
        print(f"| {v} | {sum(r['count'] == r['label'] for r in rs)}/{n} "
              f"| {sum(r['auto'] == r['exercise'] for r in rs)}/{n} "
              f"| {sum(r['verdicts'] == orig[r['clip']]['verdicts'] for r in rs)}/{n} "
              f"| {sum(k == 'technical' for r in rs for k, _ in r['verdicts'])} "
              f"| {sum(r['repeats_named'] for r in rs)}/{n} "
              f"| {sum(r['steadied'] for r in rs)}/{n} | {sum(r['zoomed'] for r in rs)}/{n} "
              f"| {_median_off(rs, orig)} |")
    return 0


def _sway(row: dict) -> str:
    """The camera's sway over the reps (share of the frame), * when it was held still."""
    if row["camera_sway"] is None:
        return "-"
    return f"{row['camera_sway']:.3f}{' *' if row['steadied'] else ''}"


def _zoom(row: dict) -> str:
    """How much the lifter's size changed over the reps, * when it was scaled back."""
    if row["camera_zoom"] is None:
        return "-"
    return f"{row['camera_zoom']:.2f}{' *' if row['zoomed'] else ''}"


def _velocity_off(row: dict, orig: dict) -> float | None:
    """The largest |velocity / the original's - 1| over the reps both measured (a variant
    played faster: its velocity over the speed-up); None when the counts differ (the reps
    cannot be paired) or no rep has both."""
    if len(row["velocities"]) != len(orig["velocities"]):
        return None
    speed = SPEED.get(row["variant"], 1.0)
    pairs = [(v / speed, o) for v, o in zip(row["velocities"], orig["velocities"])
             if v is not None and o is not None and np.isfinite(v) and np.isfinite(o) and o > 0]
    return max(abs(v / o - 1.0) for v, o in pairs) if pairs else None


def _off(row: dict, orig: dict) -> str:
    off = _velocity_off(row, orig)
    return "-" if off is None else f"{off:.0%}"


def _median_off(rows: list[dict], orig: dict) -> str:
    offs = [x for x in (_velocity_off(r, orig[r["clip"]]) for r in rows) if x is not None]
    return f"{float(np.median(offs)):.0%} ({len(offs)} clips)" if offs else "-"


if __name__ == "__main__":
    raise SystemExit(main())
