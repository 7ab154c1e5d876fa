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

Two side-by-side sections time whole processes (wall clock, interleaved repeats):

  scale   one clip of >= 30 s: `repsight extract --workers 1` and `--workers <cores>`, the
          pose model alone, and the loop most open-source rep counters use
          (cv2.VideoCapture + mp.solutions.pose.Pose(model_complexity=1), mediapipe 0.10.14,
          run from a throw-away venv this script makes under ~/.cache/repsight/, never the
          project's)
  cli     `repsight --help`, `repsight info` and `repsight analyze` on cached poses

    .venv/bin/python benchmarks/speed.py                  # default shared clip, full model
    .venv/bin/python benchmarks/speed.py --clip my.mp4 --repeats 5
    .venv/bin/python benchmarks/speed.py --only memory --memory-minutes 0.5,2,10
    .venv/bin/python benchmarks/speed.py --only scale --only cli --repeats 3

Stages whose module does not exist yet are skipped with a note.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import platform
import resource
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
# Four clips of 322-365 frames: two workers can split them almost evenly (<= 1.99x).
BATCH_CLIPS = ("curl_dumbbell_side.mp4", "pullup_side_short.mp4",
               "squat_air_45deg_white.mp4", "squat_bodyweight_side_plain.mp4")


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
    c0, t0 = time.process_time(), time.perf_counter()
    with PoseEstimator(p["model"]) as est:
        t1 = time.perf_counter()
        for f in frames:
            est.detect(f.rgb, f.time_s)
        t2 = time.perf_counter()
    return {"seconds": t2 - t0, "load_s": t1 - t0, "detect_s": t2 - t1,
            "cpu_s": time.process_time() - c0, "frames": len(frames)}


def stage_extract(p: dict) -> dict:
    from repsight.cache import save_pose
    from repsight.pose import extract_pose

    c0, t0 = time.process_time(), time.perf_counter()
    seq = extract_pose(p["clip"], model=p["model"])
    seconds = time.perf_counter() - t0
    cpu_s = time.process_time() - c0
    if p.get("save"):
        save_pose(seq, p["save"])
    return {"seconds": seconds, "cpu_s": cpu_s, "frames": seq.n_frames,
            "video_s": seq.duration_s, "detection_rate": seq.detection_rate}


def stage_decode(p: dict) -> dict:
    from repsight.video import VideoReader

    t0 = time.perf_counter()
    n = sum(1 for _ in VideoReader(p["clip"]))
    return {"seconds": time.perf_counter() - t0, "frames": n}


def _config(exercise: str, model: str = "full"):
    from repsight.config import build_config

    return build_config(exercise=exercise, model=model)


def _tiled(seq, minutes: float):
    """The sequence repeated end to end until it lasts `minutes` (for scaling checks)."""
    import numpy as np

    from repsight.types import PoseSequence

    k = max(1, int(np.ceil(minutes * 60.0 / seq.duration_s)))
    span = seq.duration_s
    times = np.concatenate([seq.timestamps_s + i * span for i in range(k)])
    return PoseSequence(image=np.concatenate([seq.image] * k),
                        world=np.concatenate([seq.world] * k), timestamps_s=times,
                        fps=seq.fps, width=seq.width, height=seq.height, source=seq.source,
                        content_hash=seq.content_hash, model=seq.model,
                        rotation=seq.rotation, meta=seq.meta)


def stage_analyse(p: dict) -> dict:
    from repsight.analysis import analyse_pose
    from repsight.cache import load_pose

    cfg = _config(p["exercise"])
    t0 = time.perf_counter()
    seq = load_pose(p["poses"])
    analysis = analyse_pose(seq, cfg)
    first = time.perf_counter() - t0  # cold: first load + analysis in a fresh process
    runs, loads = [], []
    for _ in range(p.get("inner", 5)):
        t0 = time.perf_counter()
        seq = load_pose(p["poses"])
        t1 = time.perf_counter()
        analysis = analyse_pose(seq, cfg)
        runs.append(time.perf_counter() - t1)
        loads.append(t1 - t0)
    long = _tiled(seq, p.get("long_minutes", 10.0))
    t0 = time.perf_counter()
    analyse_pose(long, cfg)
    long_s = time.perf_counter() - t0
    return {"seconds": median(runs), "load_s": median(loads), "cold_s": first,
            "frames": seq.n_frames, "video_s": seq.duration_s, "reps": len(analysis.reps),
            "long_s": long_s, "long_video_s": long.duration_s}


def stage_render(p: dict) -> dict:
    from repsight.analysis import analyse_pose
    from repsight.annotate import render_video
    from repsight.cache import load_pose

    if p.get("preset"):  # try another x264 preset than the library's default
        import repsight.video as video_mod

        class Writer(video_mod.VideoWriter):
            def __init__(self, *a, **k):
                k["preset"] = p["preset"]
                super().__init__(*a, **k)

        video_mod.VideoWriter = Writer
    seq = load_pose(p["poses"])
    analysis = analyse_pose(seq, _config(p["exercise"]))
    c0, t0 = time.process_time(), time.perf_counter()
    render_video(p["clip"], analysis, seq, p["out"])
    return {"seconds": time.perf_counter() - t0, "cpu_s": time.process_time() - c0,
            "frames": seq.n_frames, "size_mb": Path(p["out"]).stat().st_size / 1e6}


def stage_batch(p: dict) -> dict:
    from repsight.batch import BatchOptions, run_batch

    cfg = _config(p["exercise"], p["model"])
    options = BatchOptions(exercise=p["exercise"], use_cache=False,
                           cache_dir=p["cache_dir"], annotate=p.get("annotate", False))
    t0 = time.perf_counter()
    if p.get("scheduler"):
        from repsight.dask_backend import dask_executor

        with dask_executor(p["scheduler"]) as executor:
            report = run_batch(p["folder"], p["out"], cfg, options, executor=executor)
    else:
        report = run_batch(p["folder"], p["out"], cfg, options, workers=p["workers"])
    seconds = time.perf_counter() - t0
    ru = resource.getrusage(resource.RUSAGE_CHILDREN)
    statuses = [r.status for r in getattr(report, "results", [])]
    return {"seconds": seconds, "statuses": statuses, "cpu_s": ru.ru_utime + ru.ru_stime,
            "children_peak_rss_mb": children_peak_rss_mb()}


STAGES = {"model": stage_model, "extract": stage_extract, "decode": stage_decode,
          "analyse": stage_analyse, "render": stage_render, "batch": stage_batch}


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
    lines = [f"clip {clip.name}, model {args.model}, {args.repeats} repeats (medians; "
             f"runs interleaved b, a, d); {load_note()} at start"]
    exercise = args.exercise
    poses = tmp / "poses.npz"
    missing_c = module_missing("repsight.analysis")
    missing_d = module_missing("repsight.annotate") or missing_c
    model_runs, extract_runs, render_runs = [], [], []
    for r in range(args.repeats):
        extract_runs.append(run_stage("extract", clip=str(clip), model=args.model,
                                      save=str(poses) if r == 0 else None))
        model_runs.append(run_stage("model", clip=str(clip), model=args.model))
        if not missing_d and poses.is_file():
            render_runs.append(run_stage("render", clip=str(clip), poses=str(poses),
                                         exercise=exercise, out=str(tmp / f"annotated{r}.mp4"),
                                         preset=args.render_preset))
        print(f"  repeat {r + 1}: extract {fmt(extract_runs[-1].get('seconds'))} s, "
              f"model {fmt(model_runs[-1].get('seconds'))} s, render "
              f"{fmt(render_runs[-1].get('seconds')) if render_runs else '-'} s; {load_note()}",
              file=sys.stderr)

    def ok(runs):
        good = [x for x in runs if "error" not in x]
        return good, [x["error"] for x in runs if "error" in x]

    def med(runs, key):
        return median([x[key] for x in runs])

    good_a, err_a = ok(model_runs)
    good_b, err_b = ok(extract_runs)
    if err_a or err_b:
        lines.extend(f"error: {e}" for e in err_a + err_b)
    if not good_a or not good_b:
        return lines
    frames = good_b[0]["frames"]
    video_s = good_b[0]["video_s"]
    t_a, t_b = med(good_a, "seconds"), med(good_b, "seconds")
    cpu_a, cpu_b = med(good_a, "cpu_s"), med(good_b, "cpu_s")
    t_a_detect = med(good_a, "detect_s")
    rows = [("(a) pose model alone (load+detect)", t_a, cpu_a, frames / t_a,
             med(good_a, "peak_rss_mb"),
             f"load {med(good_a, 'load_s'):.2f} s + detect {t_a_detect:.2f} s; "
             "frames decoded beforehand (RSS holds them all)"),
            ("(b) extract_pose, no cache", t_b, cpu_b, frames / t_b, med(good_b, "peak_rss_mb"),
             f"ratio (b)/(a) = {t_b / t_a:.3f} (target <= 1.10); CPU ratio "
             f"{cpu_b / cpu_a:.3f}; (b) vs detect only {t_b / t_a_detect:.3f}")]

    if missing_c:
        rows.append(("(c) analyse_pose from cache", None, None, None, None, missing_c))
    else:
        c = run_stage("analyse", poses=str(poses), exercise=exercise)
        if "error" in c:
            rows.append(("(c) analyse_pose from cache", None, None, None, None, c["error"]))
        else:
            per_min = c["seconds"] / (video_s / 60.0)
            long_per_min = c["long_s"] / (c["long_video_s"] / 60.0)
            rows.append(("(c) analyse_pose from cache", c["seconds"], None,
                         frames / c["seconds"], c["peak_rss_mb"],
                         f"{per_min:.3f} s per minute of video (target < 0.5); "
                         f"{c['reps']} reps; .npz load {c['load_s']:.3f} s; first call in a "
                         f"fresh process {c['cold_s']:.2f} s; tiled to "
                         f"{c['long_video_s'] / 60:.1f} min: {c['long_s']:.2f} s = "
                         f"{long_per_min:.3f} s/min"))

    if missing_d:
        rows.append(("(d) annotated export", None, None, None, None, missing_d))
    else:
        good_d, err_d = ok(render_runs)
        if not good_d:
            rows.append(("(d) annotated export", None, None, None, None,
                         err_d[0] if err_d else "not run"))
        else:
            t_d, cpu_d = med(good_d, "seconds"), med(good_d, "cpu_s")
            label = "(d) annotated export" + (f" ({args.render_preset})" if args.render_preset else "")
            rows.append((label, t_d, cpu_d, frames / t_d,
                         med(good_d, "peak_rss_mb"),
                         f"adds {t_d / t_b:.0%} to extraction (target <= 35%); CPU "
                         f"{cpu_d / cpu_b:.0%} of extraction's; "
                         f"{med(good_d, 'size_mb'):.1f} MB file"))
    lines.append(table(["stage", "wall s", "CPU s", "frames/s", "peak RSS MB", "note"], [
        (name, fmt(t), fmt(cpu), fmt(fps, ".1f"), fmt(rss, ".0f"), note)
        for name, t, cpu, fps, rss, note in rows]))
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
    results: dict[int | str, list[dict]] = {}
    # Dask's local cluster (starting it is part of the time) beside the process pool.
    kinds: list[int | str] = sorted({1, ncpu})
    if importlib.util.find_spec("distributed") is not None:
        kinds.append(f"dask local:{ncpu}")
    for r in range(args.batch_repeats):
        for workers in kinds:
            tag = str(workers).replace(" ", "_").replace(":", "")
            res = run_stage("batch", folder=str(folder), out=str(tmp / f"bout_{tag}_{r}"),
                            cache_dir=str(tmp / f"bcache_{tag}_{r}"),
                            workers=workers if isinstance(workers, int) else ncpu,
                            scheduler=None if isinstance(workers, int) else f"local:{ncpu}",
                            model=args.model, exercise="auto")
            if "error" in res:
                return [f"(e) batch: {res['error']}"]
            results.setdefault(workers, []).append(res)
            print(f"  batch repeat {r + 1}, {workers} worker(s): {res['seconds']:.1f} s",
                  file=sys.stderr)
    one = median([x["seconds"] for x in results[1]])
    frames = sum(_frame_count(c) for c in clips)
    rows = []
    for w, runs in results.items():
        t = median([x["seconds"] for x in runs])
        statuses = sorted(set(s for x in runs for s in x["statuses"]))
        rows.append((f"{w}", fmt(t), fmt(median([x["cpu_s"] for x in runs]), ".1f"),
                     fmt(frames / t, ".1f"), fmt(one / t, ".2f"),
                     fmt(max(x["children_peak_rss_mb"] for x in runs), ".0f"),
                     fmt(max(x["peak_rss_mb"] for x in runs), ".0f"), ",".join(statuses)))
    return [f"(e) batch.run_batch over {len(clips)} clips ({frames} frames: "
            f"{', '.join(c.name for c in clips)}), exercise auto, no pose cache, "
            f"{args.batch_repeats} repeat(s); target speed-up with 2 workers >= 1.8; "
            f"{load_note()}",
            table(["workers", "wall s", "workers' CPU s", "frames/s", "speed-up",
                   "worker peak RSS MB",
                   "parent peak RSS MB", "clip statuses"], rows)]


def _frame_count(clip: Path) -> int:
    from repsight.video import probe

    return probe(clip).frame_count


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


# ------------------------------------------------------- side by side: whole processes

USUAL_MEDIAPIPE = "0.10.14"
USUAL_VENV = Path.home() / ".cache" / "repsight" / f"usual-loop-mp{USUAL_MEDIAPIPE}"
USUAL_LOOP = """
import sys, cv2, mediapipe as mp
cap = cv2.VideoCapture(sys.argv[1])
n = 0
with mp.solutions.pose.Pose(model_complexity=1) as pose:
    while True:
        ok, frame = cap.read()
        if not ok:
            break
        pose.process(cv2.cvtColor(frame, cv2.COLOR_BGR2RGB))
        n += 1
print(n)
"""


def usual_venv(path: Path) -> Path | None:
    """Python of a throw-away venv with mediapipe 0.10.14 (made on first use); None if it fails."""
    python = path / "bin" / "python"
    check = [str(python), "-c", "import mediapipe, cv2; mediapipe.solutions.pose.Pose"]
    if python.is_file() and subprocess.run(check, capture_output=True).returncode == 0:
        return python
    print(f"  making {path} (mediapipe {USUAL_MEDIAPIPE}; once)", file=sys.stderr)
    try:
        subprocess.run([sys.executable, "-m", "venv", "--clear", str(path)], check=True,
                       capture_output=True)
        subprocess.run([str(python), "-m", "pip", "install", "-q",
                        f"mediapipe=={USUAL_MEDIAPIPE}"], check=True, capture_output=True)
    except (subprocess.CalledProcessError, OSError) as exc:
        print(f"  could not make the venv: {exc}", file=sys.stderr)
        return None
    return python if subprocess.run(check, capture_output=True).returncode == 0 else None


def long_clip(min_s: float = 30.0) -> Path | None:
    """The shortest shared clip lasting at least min_s seconds."""
    from repsight.video import probe

    found = []
    for clip in sorted(SHARED_VIDEOS.glob("*.mp4")):
        try:
            d = probe(clip).duration_s
        except Exception:  # noqa: BLE001 - an unreadable clip is simply not a candidate
            continue
        if d >= min_s:
            found.append((d, clip))
    return min(found)[1] if found else None


def timed(cmd: list[str]) -> tuple[float, subprocess.CompletedProcess]:
    """Wall seconds of a whole process; its CPU seconds (user + sys, with its children)
    are in proc.cpu_s, which moves much less than wall time with other load."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True)
    seconds = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    proc.cpu_s = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return seconds, proc


def scale_section(args, tmp: Path) -> list[str]:
    clip = Path(args.scale_clip) if args.scale_clip else long_clip()
    if clip is None:
        return ["scale: no clip of >= 30 s in ../shared/videos (give --scale-clip)"]
    from repsight.video import probe

    info = probe(clip)
    ncpu = os.cpu_count() or 1
    repsight = [str(Path(sys.executable).with_name("repsight"))]
    variants: dict[str, list[str]] = {}
    for w in sorted({1, ncpu}):
        variants[f"repsight extract --workers {w}"] = repsight + [
            "extract", str(clip), "-o", str(tmp / f"scale{w}.npz"), "--no-cache", "-q",
            "--workers", str(w), "--model", args.model]
    variants["pose model alone (frames decoded first)"] = [
        sys.executable, str(Path(__file__).resolve()), "--stage", "model",
        "--params", json.dumps({"clip": str(clip), "model": args.model})]
    usual = usual_venv(Path(args.usual_venv))
    if usual is not None:
        script = tmp / "usual_loop.py"
        script.write_text(USUAL_LOOP)
        variants[f"usual loop (cv2 + mp.solutions.pose, mediapipe {USUAL_MEDIAPIPE})"] = [
            str(usual), str(script), str(clip)]
    runs: dict[str, list[float]] = {k: [] for k in variants}
    cpu: dict[str, list[float]] = {k: [] for k in variants}
    notes: dict[str, str] = {}
    names = list(variants)
    for r in range(args.repeats):
        for name in names[r % len(names):] + names[:r % len(names)]:  # rotate the order
            seconds, proc = timed(variants[name])
            if proc.returncode != 0:
                notes[name] = f"exit {proc.returncode}: " + \
                    (proc.stderr.strip().splitlines() or ["?"])[-1][:120]
                continue
            runs[name].append(seconds)
            cpu[name].append(proc.cpu_s)
            if name.startswith("repsight"):
                from repsight.cache import load_pose

                meta = load_pose(tmp / f"scale{name.split()[-1]}.npz").meta
                notes[name] = (f"stderr lines: {len(proc.stderr.splitlines())}; chunks "
                               f"{meta.get('chunks', 1)}, frames carried over "
                               f"{meta.get('seam_frames_carried', 0)}")
            elif name.startswith("usual"):
                notes[name] = f"{proc.stdout.strip()} frames; stderr lines: " \
                              f"{len(proc.stderr.splitlines())}"
            print(f"  repeat {r + 1}: {name}: {seconds:.2f} s; {load_note()}", file=sys.stderr)
    one = median(runs[names[0]])
    usual_t = median(next((v for k, v in runs.items() if k.startswith("usual")), []))
    rows = []
    for name in names:
        t = median(runs[name])
        rows.append((name, fmt(t), fmt(min(runs[name]) if runs[name] else None),
                     fmt(median(cpu[name])),
                     fmt(info.frame_count / t, ".1f") if t == t else "-",
                     fmt(t / one, ".2f"), fmt(t / usual_t, ".2f"), notes.get(name, "")))
    return [f"scale: {clip.name} ({info.frame_count} frames, {info.duration_s:.1f} s, "
            f"{info.width}x{info.height}), model {args.model}, {args.repeats} interleaved "
            f"repeats of each whole process (median wall); targets: all workers <= 0.60x "
            f"of --workers 1 and <= 0.55x of the usual loop; {load_note()}",
            table(["run", "wall s (median)", "wall s (min)", "CPU s (median)", "frames/s",
                   "vs --workers 1", "vs usual loop", "note"], rows)]


def cli_section(args, tmp: Path) -> list[str]:
    clip = Path(args.clip)
    repsight = str(Path(sys.executable).with_name("repsight"))
    cache = tmp / "cli_cache"
    prep = subprocess.run([repsight, "extract", str(clip), "-o", str(tmp / "cli.npz"),
                           "--cache-dir", str(cache), "-q", "--model", args.model],
                          capture_output=True, text=True)
    if prep.returncode != 0:
        return [f"cli: could not fill the pose cache: {prep.stderr.strip()[-200:]}"]
    # One analysis first: a barbell clip's bar track is cached beside the poses by it.
    prep = subprocess.run([repsight, "analyze", str(clip), "-q", "--cache-dir", str(cache),
                           "--model", args.model], capture_output=True, text=True)
    if prep.returncode != 0:
        return [f"cli: could not fill the bar-track cache: {prep.stderr.strip()[-200:]}"]
    commands = {
        "repsight --help": [repsight, "--help"],
        "repsight info CLIP": [repsight, "info", str(clip)],
        "repsight analyze CLIP (poses cached)": [repsight, "analyze", str(clip), "-q",
                                                 "--cache-dir", str(cache), "--model",
                                                 args.model],
    }
    targets = {"repsight --help": 0.3, "repsight info CLIP": 0.3}
    rows = []
    for name, cmd in commands.items():
        times, cpu = [], []
        for _ in range(args.cli_repeats):
            seconds, proc = timed(cmd)
            if proc.returncode != 0:
                times = []
                break
            times.append(seconds)
            cpu.append(proc.cpu_s)
        target = targets.get(name, 0.6)
        rows.append((name, fmt(median(times)), fmt(min(times) if times else None),
                     fmt(median(cpu)), f"<= {target}",
                     "ok" if times and median(times) <= target else "over"))
    return [f"cli: {clip.name}, {args.cli_repeats} runs each (whole process); {load_note()}",
            table(["command", "wall s (median)", "wall s (min)", "CPU s (median)",
                   "target wall s", ""], rows)]


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
    ap.add_argument("--render-preset", default=None,
                    help="x264 preset for (d) [default: the VideoWriter default]")
    ap.add_argument("--batch-clips", type=int, default=4)
    ap.add_argument("--batch-repeats", type=int, default=1)
    ap.add_argument("--memory-minutes", default="0.5,1,2",
                    help="lengths of the generated 1080p clips, comma separated")
    ap.add_argument("--memory-extract-max", type=float, default=10.0,
                    help="run extraction only on clips up to this many minutes")
    ap.add_argument("--memory-model", default="lite", choices=["lite", "full", "heavy"])
    ap.add_argument("--only", choices=["speed", "batch", "memory", "scale", "cli"],
                    action="append", help="run only these sections (repeatable)")
    ap.add_argument("--scale-clip", default=None,
                    help="clip for the scale section [default: the shortest shared clip >= 30 s]")
    ap.add_argument("--usual-venv", default=str(USUAL_VENV),
                    help="throw-away venv for the usual loop (made when missing)")
    ap.add_argument("--cli-repeats", type=int, default=10)
    ap.add_argument("--stage", help=argparse.SUPPRESS)
    ap.add_argument("--params", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.stage:
        return stage_main(args.stage, args.params)

    sections = args.only or ["speed", "batch", "memory", "scale", "cli"]
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
                         ("memory", memory_section), ("scale", scale_section),
                         ("cli", cli_section)):
            if name in sections:
                print()
                print("\n".join(fn(args, tmp)), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
