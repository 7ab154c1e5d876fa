#!/usr/bin/env python
"""Speed and memory benchmark for repsight; prints a table of figures, asserts nothing.

Stages, each timed in a fresh subprocess (so its peak RSS is its own), medians over
--repeats runs, the (a)/(b) runs interleaved so that load from other processes hits both:

  (a) model   the pose model alone (load + detect) over frames decoded beforehand
  (b) extract repsight.pose.extract_pose on the file (probe, hash, decode, model), no cache
  (c) analyse repsight.analysis.analyse_pose on the cached PoseSequence
  (d) render  repsight.annotate.render_video (annotated export)
  (e) batch   `repsight batch` over N clips with 1 worker and with one per core

and a memory check: peak RSS of extraction on a generated 1080p clip at several lengths
(made by re-muxing one encoded segment, never holding the frames), plus decode-only.

    .venv/bin/python benchmarks/speed.py                  # default shared clip, full model
    .venv/bin/python benchmarks/speed.py --clip my.mp4 --repeats 5
    .venv/bin/python benchmarks/speed.py --only memory --memory-minutes 0.5,2,10

Stages whose module does not exist yet are skipped with a note.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from fractions import Fraction
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED_VIDEOS = ROOT.parent / "shared" / "videos"
DEFAULT_CLIP = SHARED_VIDEOS / "squat_bodyweight_side_plain.mp4"
# Batch clips: similar lengths so that two workers can share the work evenly.
BATCH_CLIPS = ("squat_bodyweight_side_plain.mp4", "pullup_side_short.mp4",
               "deadlift_front.mp4", "curl_dumbbell_side.mp4")


# ----------------------------------------------------------------------------- helpers

def peak_rss_mb() -> float:
    """Peak resident set size of this process (VmHWM), in MB."""
    try:
        with open("/proc/self/status") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def children_peak_rss_mb() -> float:
    """Largest peak RSS of any waited-for child process, in MB."""
    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024


def load_note() -> str:
    try:
        return "load average " + " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "load average n/a"


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def fmt(x: float | None, spec: str = ".2f") -> str:
    if x is None or x != x:  # None or NaN
        return "-"
    return format(x, spec)


# --------------------------------------------------------------- generated test clips

def make_synthetic_clip(path: Path, *, seconds: float = 10.0, fps: float = 30.0,
                        size: tuple[int, int] = (960, 540)) -> Path:
    """A clip with a moving figure-like shape, for when ../shared is absent (no real person)."""
    import numpy as np

    from repsight.video import VideoWriter

    w, h = size
    n = int(seconds * fps)
    with VideoWriter(path, width=w, height=h, fps=fps) as out:
        for i in range(n):
            frame = np.full((h, w, 3), 90, dtype=np.uint8)
            y = int(h * (0.3 + 0.1 * np.sin(2 * np.pi * i / (3 * fps))))
            frame[y:y + h // 2, w // 2 - 30:w // 2 + 30] = (200, 160, 140)
            frame[y - 50:y, w // 2 - 25:w // 2 + 25] = (220, 180, 160)
            out.write(frame, i / fps)
    return path


def make_1080p_segment(src: Path, dst: Path, *, seconds: float = 10.0) -> Path:
    """Re-encode the first `seconds` of src at 1920x1080 (one GOP per second), streaming."""
    import av

    with av.open(str(src)) as inp, av.open(str(dst), mode="w") as out:
        in_stream = inp.streams.video[0]
        rate = in_stream.average_rate or Fraction(30)
        stream = out.add_stream("libx264", rate=rate)
        stream.width, stream.height, stream.pix_fmt = 1920, 1080, "yuv420p"
        stream.options = {"preset": "ultrafast", "crf": "23", "g": str(round(float(rate)))}
        limit = int(seconds * float(rate))
        for i, frame in enumerate(inp.decode(in_stream)):
            if i >= limit:
                break
            big = frame.reformat(width=1920, height=1080, format="yuv420p")
            big.pts = i
            big.time_base = 1 / Fraction(rate)
            for packet in stream.encode(big):
                out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)
    return dst


def loop_segment(segment: Path, dst: Path, *, minutes: float) -> Path:
    """Concatenate copies of an encoded segment (packet copy, no decode) to `minutes` long."""
    import av

    with av.open(str(segment)) as inp:
        in_stream = inp.streams.video[0]
        packets = []
        seg_end = 0
        for packet in inp.demux(in_stream):
            if packet.dts is None:
                continue
            packets.append((packet.pts, packet.dts, packet.duration, packet.is_keyframe,
                            bytes(packet)))
            seg_end = max(seg_end, packet.pts + (packet.duration or 0))
        tb = in_stream.time_base
        with av.open(str(dst), mode="w") as out:
            stream = out.add_stream_from_template(in_stream)
            target = minutes * 60.0
            offset = 0
            while float(offset * tb) < target:
                for pts, dts, duration, key, data in packets:
                    if float((pts + offset) * tb) >= target:
                        continue
                    pkt = av.Packet(data)
                    pkt.pts, pkt.dts, pkt.duration = pts + offset, dts + offset, duration
                    pkt.is_keyframe = key
                    pkt.time_base = tb
                    pkt.stream = stream
                    out.mux(pkt)
                offset += seg_end
    return dst


# --------------------------------------------------------------- stages (subprocesses)

def stage_model(p: dict) -> dict:
    from repsight.pose import PoseEstimator
    from repsight.video import VideoReader

    frames = list(VideoReader(p["clip"]))
    t0 = time.perf_counter()
    with PoseEstimator(p["model"]) as est:
        t1 = time.perf_counter()
        for f in frames:
            est.detect(f.rgb, f.time_s)
        t2 = time.perf_counter()
    return {"seconds": t2 - t0, "load_s": t1 - t0, "detect_s": t2 - t1,
            "frames": len(frames)}


def stage_extract(p: dict) -> dict:
    from repsight.cache import save_pose
    from repsight.pose import extract_pose

    t0 = time.perf_counter()
    seq = extract_pose(p["clip"], model=p["model"])
    seconds = time.perf_counter() - t0
    if p.get("save"):
        save_pose(seq, p["save"])
    return {"seconds": seconds, "frames": seq.n_frames, "video_s": seq.duration_s,
            "detection_rate": seq.detection_rate}


def stage_decode(p: dict) -> dict:
    from repsight.video import VideoReader

    t0 = time.perf_counter()
    n = sum(1 for _ in VideoReader(p["clip"]))
    return {"seconds": time.perf_counter() - t0, "frames": n}


def _config(exercise: str):
    from repsight.config import build_config

    return build_config(exercise=exercise)


def stage_analyse(p: dict) -> dict:
    from repsight.analysis import analyse_pose
    from repsight.cache import load_pose

    seq = load_pose(p["poses"])
    cfg = _config(p["exercise"])
    analyse_pose(seq, cfg)  # warm imports and caches
    runs = []
    for _ in range(p.get("inner", 5)):
        t0 = time.perf_counter()
        analyse_pose(seq, cfg)
        runs.append(time.perf_counter() - t0)
    return {"seconds": median(runs), "frames": seq.n_frames, "video_s": seq.duration_s}


def stage_render(p: dict) -> dict:
    from repsight.analysis import analyse_pose
    from repsight.annotate import render_video
    from repsight.cache import load_pose

    seq = load_pose(p["poses"])
    analysis = analyse_pose(seq, _config(p["exercise"]))
    t0 = time.perf_counter()
    render_video(p["clip"], analysis, p["out"])
    return {"seconds": time.perf_counter() - t0, "frames": seq.n_frames}


STAGES = {"model": stage_model, "extract": stage_extract, "decode": stage_decode,
          "analyse": stage_analyse, "render": stage_render}


def run_stage(name: str, **params) -> dict:
    """Run one stage in a fresh interpreter; returns its figures or {'error': ...}."""
    cmd = [sys.executable, str(Path(__file__).resolve()), "--stage", name,
           "--params", json.dumps(params)]
    proc = subprocess.run(cmd, capture_output=True, text=True)
    for line in reversed(proc.stdout.strip().splitlines()):
        if line.startswith("{"):
            return json.loads(line)
    tail = (proc.stderr.strip().splitlines() or ["no output"])[-1]
    return {"error": f"exit {proc.returncode}: {tail[:200]}"}


def stage_main(name: str, params: str) -> int:
    try:
        result = STAGES[name](json.loads(params))
    except ImportError as exc:
        result = {"error": f"missing module: {exc}"}
    except Exception as exc:  # reported in the table, not a traceback
        result = {"error": f"{type(exc).__name__}: {exc}"}
    result["peak_rss_mb"] = peak_rss_mb()
    print(json.dumps(result))
    return 0


# -------------------------------------------------------------------------- reports

def module_missing(name: str) -> str | None:
    import importlib.util

    try:
        found = importlib.util.find_spec(name) is not None
    except ModuleNotFoundError:
        found = False
    return None if found else f"skipped: {name} does not exist yet"


def speed_section(args, tmp: Path) -> list[str]:
    clip = Path(args.clip)
    lines = [f"clip {clip.name}, model {args.model}, {args.repeats} repeats (medians); "
             f"{load_note()} at start"]
    model_runs, extract_runs = [], []
    poses = tmp / "poses.npz"
    for r in range(args.repeats):
        model_runs.append(run_stage("model", clip=str(clip), model=args.model))
        extract_runs.append(run_stage("extract", clip=str(clip), model=args.model,
                                      save=str(poses) if r == 0 else None))
        print(f"  repeat {r + 1}: model {fmt(model_runs[-1].get('seconds'))} s, "
              f"extract {fmt(extract_runs[-1].get('seconds'))} s", file=sys.stderr)
    rows = []

    def ok(runs):
        good = [x for x in runs if "error" not in x]
        return good, [x["error"] for x in runs if "error" in x]

    good_a, err_a = ok(model_runs)
    good_b, err_b = ok(extract_runs)
    if err_a or err_b:
        lines.extend(f"error: {e}" for e in err_a + err_b)
    if not good_a or not good_b:
        return lines
    frames = good_b[0]["frames"]
    video_s = good_b[0]["video_s"]
    t_a = median([x["seconds"] for x in good_a])
    t_a_detect = median([x["detect_s"] for x in good_a])
    t_a_load = median([x["load_s"] for x in good_a])
    t_b = median([x["seconds"] for x in good_b])
    rows.append(("(a) pose model alone (load+detect)", t_a, frames / t_a,
                 median([x["peak_rss_mb"] for x in good_a]),
                 f"load {t_a_load:.2f} s + detect {t_a_detect:.2f} s; frames pre-decoded"))
    rows.append(("(b) extract_pose, no cache", t_b, frames / t_b,
                 median([x["peak_rss_mb"] for x in good_b]),
                 f"ratio (b)/(a) = {t_b / t_a:.3f} (target <= 1.10); "
                 f"vs detect only {t_b / t_a_detect:.3f}"))

    exercise = args.exercise
    missing = module_missing("repsight.analysis")
    if missing:
        rows.append(("(c) analyse_pose from cache", None, None, None, missing))
    else:
        c = run_stage("analyse", poses=str(poses), exercise=exercise)
        if "error" in c:
            rows.append(("(c) analyse_pose from cache", None, None, None, c["error"]))
        else:
            per_min = c["seconds"] / (video_s / 60.0)
            rows.append(("(c) analyse_pose from cache", c["seconds"], frames / c["seconds"],
                         c["peak_rss_mb"],
                         f"{per_min:.3f} s per minute of video (target < 0.5)"))

    missing = module_missing("repsight.annotate") or module_missing("repsight.analysis")
    if missing:
        rows.append(("(d) annotated export", None, None, None, missing))
    else:
        d_runs = [run_stage("render", clip=str(clip), poses=str(poses), exercise=exercise,
                            out=str(tmp / f"annotated{i}.mp4"))
                  for i in range(args.repeats)]
        good_d, err_d = ok(d_runs)
        if not good_d:
            rows.append(("(d) annotated export", None, None, None, err_d[0]))
        else:
            t_d = median([x["seconds"] for x in good_d])
            rows.append(("(d) annotated export", t_d, frames / t_d,
                         median([x["peak_rss_mb"] for x in good_d]),
                         f"adds {t_d / t_b:.0%} to extraction (target <= 35%)"))
    lines.append(table(["stage", "seconds", "frames/s", "peak RSS MB", "note"], [
        (name, fmt(t), fmt(fps, ".1f"), fmt(rss, ".0f"), note)
        for name, t, fps, rss, note in rows]))
    lines.append(f"video: {frames} frames, {video_s:.2f} s; {load_note()} at end")
    return lines


def batch_section(args, tmp: Path) -> list[str]:
    missing = module_missing("repsight.batch")
    if missing:
        return [f"(e) batch: {missing}"]
    clips = [SHARED_VIDEOS / n for n in BATCH_CLIPS[:args.batch_clips]]
    if not all(c.is_file() for c in clips):
        clips = [make_synthetic_clip(tmp / f"batch{i}.mp4", seconds=8)
                 for i in range(args.batch_clips)]
    folder = tmp / "batch_in"
    folder.mkdir(exist_ok=True)
    for c in clips:
        link = folder / c.name
        if not link.exists():
            link.symlink_to(c)
    ncpu = os.cpu_count() or 1
    results = {}
    for workers in sorted({1, ncpu}):
        runs = []
        for r in range(args.batch_repeats):
            out = tmp / f"batch_out_{workers}_{r}"
            env = dict(os.environ, REPSIGHT_CACHE_DIR=str(tmp / f"cache_{workers}_{r}"))
            cmd = [sys.executable, "-m", "repsight", "batch", str(folder), "-o", str(out),
                   "--workers", str(workers), "--model", args.model, "-q"]
            t0 = time.perf_counter()
            proc = subprocess.run(cmd, capture_output=True, text=True, env=env)
            seconds = time.perf_counter() - t0
            if proc.returncode != 0:
                tail = (proc.stderr.strip() or proc.stdout.strip()).splitlines()[-1:]
                return [f"(e) batch: `{' '.join(cmd[1:])}` exit {proc.returncode}: "
                        f"{tail[0][:200] if tail else ''}"]
            runs.append(seconds)
        results[workers] = median(runs)
    one = results[1]
    lines = [f"(e) batch over {len(clips)} clips ({', '.join(c.name for c in clips)}), "
             f"{args.batch_repeats} repeat(s), median wall time incl. start-up:"]
    rows = [(f"{w} worker(s)", fmt(t), fmt(one / t, ".2f")) for w, t in results.items()]
    lines.append(table(["workers", "seconds", "speed-up"], rows))
    lines.append(f"target: speed-up with 2 workers >= 1.8; peak RSS of any child "
                 f"{children_peak_rss_mb():.0f} MB; {load_note()}")
    return lines


def memory_section(args, tmp: Path) -> list[str]:
    src = Path(args.clip)
    seg = tmp / "seg1080.mp4"
    t0 = time.perf_counter()
    make_1080p_segment(src, seg, seconds=10.0)
    minutes = [float(m) for m in args.memory_minutes.split(",")]
    rows = []
    for m in minutes:
        long_clip = loop_segment(seg, tmp / f"long_{m:g}min.mp4", minutes=m)
        size_mb = long_clip.stat().st_size / 1e6
        dec = run_stage("decode", clip=str(long_clip))
        ext = run_stage("extract", clip=str(long_clip), model=args.memory_model) \
            if m <= args.memory_extract_max else {"skipped": True}
        rows.append((f"{m:g} min ({size_mb:.0f} MB)",
                     fmt(dec.get("frames"), "d") if "frames" in dec else dec.get("error", "-"),
                     fmt(dec.get("peak_rss_mb"), ".0f"),
                     fmt(dec.get("frames", 0) / dec["seconds"], ".0f") if "seconds" in dec else "-",
                     fmt(ext.get("peak_rss_mb"), ".0f") if "peak_rss_mb" in ext
                     else ext.get("error", "not run"),
                     fmt(ext.get("frames", 0) / ext["seconds"], ".1f") if "seconds" in ext else "-"))
        long_clip.unlink()
    return [f"1080p clips made by looping a 10 s segment of {src.name} "
            f"({time.perf_counter() - t0:.0f} s incl. runs); decode = VideoReader only, "
            f"extract = extract_pose --model {args.memory_model}; {load_note()}",
            table(["length", "frames", "decode peak RSS MB", "decode fps",
                   "extract peak RSS MB", "extract fps"], rows)]


def table(header: list[str], rows: list[tuple]) -> str:
    cells = [list(map(str, header))] + [[str(c) for c in r] for r in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(header))]
    out = ["| " + " | ".join(c.ljust(w) for c, w in zip(row, widths)) + " |" for row in cells]
    out.insert(1, "|" + "|".join("-" * (w + 2) for w in widths) + "|")
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--clip", default=None, help="video to time [default: a shared clip]")
    ap.add_argument("--model", default="full", choices=["lite", "full", "heavy"])
    ap.add_argument("--exercise", default="squat", help="exercise for analysis/render")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--batch-clips", type=int, default=4)
    ap.add_argument("--batch-repeats", type=int, default=1)
    ap.add_argument("--memory-minutes", default="0.5,1,2",
                    help="lengths of the generated 1080p clips, comma separated")
    ap.add_argument("--memory-extract-max", type=float, default=10.0,
                    help="run extraction only on clips up to this many minutes")
    ap.add_argument("--memory-model", default="lite", choices=["lite", "full", "heavy"])
    ap.add_argument("--only", choices=["speed", "batch", "memory"], action="append",
                    help="run only these sections (repeatable)")
    ap.add_argument("--stage", help=argparse.SUPPRESS)
    ap.add_argument("--params", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.stage:
        return stage_main(args.stage, args.params)

    sections = args.only or ["speed", "batch", "memory"]
    with tempfile.TemporaryDirectory(prefix="repsight_speed_") as tmp_name:
        tmp = Path(tmp_name)
        if args.clip is None:
            if DEFAULT_CLIP.is_file():
                args.clip = str(DEFAULT_CLIP)
            else:
                print("../shared is absent: timing a generated clip with no real person",
                      file=sys.stderr)
                args.clip = str(make_synthetic_clip(tmp / "generated.mp4"))
        print(f"# repsight speed benchmark, {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}")
        print(f"machine: {os.cpu_count()} cores, {cpu_model()}, Python "
              f"{platform.python_version()}")
        for name, fn in (("speed", speed_section), ("batch", batch_section),
                         ("memory", memory_section)):
            if name in sections:
                print()
                print("\n".join(fn(args, tmp)), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
