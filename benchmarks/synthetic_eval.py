"""Score repsight against rendered lifters with exact truth (issues 8 and 12).

    python benchmarks/synthetic_eval.py                 # dev seeds, render what is missing
    python benchmarks/synthetic_eval.py --seeds final   # the held-out seed range
    python benchmarks/synthetic_eval.py --render-only   # build the cache, no analysis
    python benchmarks/synthetic_eval.py --from-index 40 --kinds subtle,gross --jobs 2

A seeded suite of 70 clips per range is rendered: indices 0-39 the issue-8 suite (clean,
fault, fatigue; frozen), 40-69 the issue-12 scenarios of V2_CLIPS (subtle and gross fault
onsets in every view, stricter form, fatigue-only, clips cut mid-rep, clean). Clips are
rendered once into a cache folder (default ~/.cache/repsight/synth/<seeds>/, or
$REPSIGHT_SYNTH_CACHE), posed with MediaPipe once (cached .npz next to each clip), then
analysed; the table compares each number with the truth file written at render time.

Seed ranges: "dev" and "dev2" for development (a change is made on one and checked on the
other), "final" for reported figures; never tune the analyser on the final range. Rendering needs the [synth] extra (anny, torch, pyrender,
OSMesa); scoring a cache that is already rendered does not.

Columns the analyser cannot fill yet (missing module or attribute) are printed as
"n/a (reason)"; no number is ever filled in from the truth side.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
import time
import traceback
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from composed_clips import ZOOM_TO, zoomed_copy  # noqa: E402
from repsight.render.spec import (CameraSpec, DegradeSpec, FaultSpec,  # noqa: E402
                                  RenderSpec, TempoSpec)

# "dev2" is a second development range: a change made on "dev" is checked there before
# "final" is looked at, so one range's quirks are not mistaken for a general fix. "dev3",
# "dev4" to "dev26" are fresh ranges rendered later: a rule found on the older ones is
# judged on clips it was not found on.
SEED_RANGES = {"dev": range(1000, 1070), "final": range(2000, 2070),
               "dev2": range(3000, 3070), "dev3": range(5000, 5070), "dev4": range(6000, 6070),
               "dev5": range(7000, 7070), "dev6": range(8000, 8070),
               "dev7": range(9000, 9070), "dev8": range(10000, 10070),
               "dev9": range(11000, 11070), "dev10": range(12000, 12070),
               "dev11": range(13000, 13070),
               "dev12": range(14000, 14070),
               "dev13": range(15000, 15070),
               "dev14": range(16000, 16070),
               "dev15": range(17000, 17070),
               "dev16": range(18000, 18070),
               "dev17": range(19000, 19070),
               "dev18": range(20000, 20070),
               "dev19": range(21000, 21070),
               "dev20": range(22000, 22070),
               "dev21": range(23000, 23070),
               "dev22": range(24000, 24070),
               "dev23": range(25000, 25070),
               "dev24": range(26000, 26070),
               "dev25": range(27000, 27070),
               "dev26": range(28000, 28070)}
# Indices below this are the first suite (issue 8): their specs must never change, or
# every cached clip is rendered again (tests/test_synthetic_eval_scoring.py pins them).
V1_CLIPS = 40
EXERCISES = ("squat", "deadlift", "press", "curl", "pushup")
VIEWS_FOR = {"squat": ("side", "front", "oblique"), "deadlift": ("side", "oblique"),
             "press": ("side", "front", "oblique"), "curl": ("side", "oblique", "front"),
             "pushup": ("side", "oblique")}
ANALYSER_EXERCISE = {"squat": "squat", "deadlift": "deadlift", "press": "overhead_press",
                     "curl": "biceps_curl", "pushup": "pushup"}
TECHNICAL_FAULTS = ("trunk_lean", "knee_cave", "elbow_drift", "hip_sag")
# The faults the first suite drew from (FAULTS_FOR as it was then; hip_sag came later).
V1_FAULTS_FOR = {"squat": ("trunk_lean", "knee_cave", "short_rom"),
                 "deadlift": ("trunk_lean", "short_rom"),
                 "press": ("trunk_lean", "elbow_drift", "short_rom"),
                 "curl": ("trunk_lean", "elbow_drift", "short_rom"),
                 "pushup": ("short_rom",)}

# The second part of each range (issue 12): one clip per row, in this order, from index
# V1_CLIPS on. kind: subtle / gross fault onsets (growing), stricter (a fault from rep 1
# that shrinks to nothing), fatigue_only (concentric slowing that stays under the
# strength goal's 30 % velocity-loss threshold, no failed rep), cut (the clip ends
# inside the last rep: "concentric" or "eccentric"), clean.
V2_CLIPS = (
    ("subtle", "squat", "front", "trunk_lean"),
    ("clean", "press", "oblique", None),
    ("gross", "deadlift", "oblique", "trunk_lean"),
    ("stricter", "curl", "side", "trunk_lean"),
    ("subtle", "pushup", "side", "hip_sag"),
    ("fatigue_only", "squat", "side", None),
    ("gross", "press", "front", "trunk_lean"),
    ("subtle", "curl", "oblique", "elbow_drift"),
    ("cut", "curl", "oblique", "eccentric"),
    ("subtle", "squat", "front", "knee_cave"),
    ("gross", "curl", "side", "elbow_drift"),
    ("subtle", "deadlift", "side", "trunk_lean"),
    ("stricter", "press", "front", "trunk_lean"),
    ("subtle", "press", "side", "trunk_lean"),
    ("gross", "pushup", "oblique", "hip_sag"),
    ("fatigue_only", "deadlift", "oblique", None),
    ("subtle", "curl", "side", "trunk_lean"),
    ("gross", "squat", "oblique", "knee_cave"),
    ("subtle", "press", "oblique", "elbow_drift"),
    ("stricter", "curl", "oblique", "elbow_drift"),
    ("gross", "squat", "side", "trunk_lean"),
    ("cut", "squat", "side", "concentric"),
    ("subtle", "squat", "oblique", "trunk_lean"),
    ("gross", "press", "side", "elbow_drift"),
    ("fatigue_only", "pushup", "side", None),
    ("subtle", "press", "oblique", "trunk_lean"),
    ("gross", "curl", "front", "trunk_lean"),
    ("stricter", "squat", "oblique", "trunk_lean"),
    ("subtle", "curl", "oblique", "trunk_lean"),
    ("clean", "pushup", "oblique", None),
)
GROSS_MAX = 35.0  # degrees: a gross fault grows to at most this
FATIGUE_ONLY_MAX_LOSS = 0.22  # fatigue_only sets: slowest vs fastest concentric, at most
FATIGUE_ONLY_JITTER = 0.02  # less timing noise there, so the slowing is the fatigue


# ------------------------------------------------------------------------------------
# The suite
# ------------------------------------------------------------------------------------
def suite_kind(index: int) -> str:
    """The scenario kind of the clip at ``index`` in its range."""
    if index < V1_CLIPS:
        return ("clean", "fault", "fatigue")[(index // len(EXERCISES)) % 3]
    return V2_CLIPS[index - V1_CLIPS][0]


def suite_spec(seed: int, index: int) -> tuple[str, RenderSpec]:
    """The clip of one seed and its index in the range."""
    if index < V1_CLIPS:
        return _suite_spec_v1(seed, index)
    return _suite_spec_v2(seed, index)


def _base_tempo(rng) -> TempoSpec:
    return TempoSpec(eccentric_s=round(float(rng.uniform(0.7, 1.6)), 2),
                     concentric_s=round(float(rng.uniform(0.5, 1.0)), 2),
                     bottom_pause_s=round(float(rng.choice([0.0, 0.1, 0.3, 0.6])), 2),
                     top_pause_s=round(float(rng.uniform(0.3, 0.8)), 2), jitter=0.05)


def concentric_spread(spec: RenderSpec) -> float:
    """1 - fastest / slowest concentric duration over the set (jitter and fatigue in):
    the largest true velocity loss any baseline can give when the range is unchanged."""
    from repsight.render.motion import plan_set

    con = [r.phase("concentric").duration for r in plan_set(spec).reps]
    return 1.0 - min(con) / max(con)


def _suite_spec_v2(seed: int, index: int) -> tuple[str, RenderSpec]:
    """Issue 12's scenarios: the row of V2_CLIPS fixes kind, exercise, view and fault;
    the seed draws reps, tempo, onset, magnitudes, frame rate and image quality."""
    kind, ex, view, extra = V2_CLIPS[index - V1_CLIPS]
    rng = np.random.default_rng(seed)
    tempo = _base_tempo(rng)
    reps = int(rng.integers(4, 7)) if kind != "clean" else int(rng.integers(3, 6))
    fault = FaultSpec()
    cut_phase, cut_fraction = "", 0.5
    if kind == "subtle":
        onset = int(rng.integers(2, reps))  # 2..reps-1: at least two faulty reps
        fault = FaultSpec(extra, onset, round(float(rng.uniform(8.0, 10.0)), 1),
                          round(float(rng.uniform(2.0, 4.0)), 1))
    elif kind == "gross":
        onset = int(rng.integers(2, reps))
        start = round(float(rng.uniform(16.0, 22.0)), 1)
        growth = min(float(rng.uniform(4.0, 7.0)), (GROSS_MAX - start) / max(reps - onset, 1))
        fault = FaultSpec(extra, onset, start, round(growth, 1))
    elif kind == "stricter":
        first = float(rng.uniform(10.0, 14.0))
        # from `first` at rep 1 down to 0 at the second-last rep, then 0
        per = [max(0.0, first * (1.0 - (k - 1) / (reps - 2))) for k in range(1, reps + 1)]
        fault = FaultSpec(extra, 1, per_rep=tuple(round(v, 1) for v in per))
    elif kind == "cut":
        cut_phase = extra
        # an eccentric cut ends soon after the turnaround (a curl stopped at the top);
        # a concentric cut ends part-way up
        lo, hi = (0.05, 0.35) if extra == "eccentric" else (0.3, 0.7)
        cut_fraction = round(float(rng.uniform(lo, hi)), 2)
    fatigue = round(float(rng.uniform(0.035, 0.055)), 3) if kind == "fatigue_only" else 0.0
    jitter = FATIGUE_ONLY_JITTER if kind == "fatigue_only" else 0.05
    fps = float(rng.choice([24.0, 25.0, 29.97, 30.0]))
    degrade = DegradeSpec()
    if rng.random() < 0.3:
        degrade = DegradeSpec(noise_sigma=round(float(rng.uniform(2, 8)), 2),
                              blur_sigma=round(float(rng.uniform(0.0, 1.0)), 2), crf=28)
    height_m = round(float(rng.uniform(0.7, 1.3)), 2)

    def build(fat: float) -> RenderSpec:
        return RenderSpec(exercise=ex, reps=reps, camera=CameraSpec(view=view, height_m=height_m),
                          width=320, height=240, supersample=1, fps=fps,
                          tempo=TempoSpec(eccentric_s=tempo.eccentric_s,
                                          concentric_s=tempo.concentric_s,
                                          bottom_pause_s=tempo.bottom_pause_s,
                                          top_pause_s=tempo.top_pause_s, jitter=jitter,
                                          fatigue=fat),
                          fault=fault, lead_in_s=0.4, lead_out_s=0.4, degrade=degrade,
                          seed=seed, cut_phase=cut_phase, cut_fraction=cut_fraction)

    spec = build(fatigue)
    # fatigue_only: keep the true velocity loss under FATIGUE_ONLY_MAX_LOSS whatever the
    # jitter drew (deterministic: the jitter does not depend on the fatigue rate)
    while kind == "fatigue_only" and fatigue > 0 and concentric_spread(spec) > FATIGUE_ONLY_MAX_LOSS:
        fatigue = round(fatigue - 0.005, 3)
        spec = build(max(fatigue, 0.0))
    label = f"{kind}_{extra}" if kind in ("subtle", "gross", "stricter", "cut") else kind
    return f"{seed}_{ex}_{view}_{label}", spec


def _suite_spec_v1(seed: int, index: int) -> tuple[str, RenderSpec]:
    """The first suite (issue 8): exercise cycles with the index, the rest is drawn.
    Frozen: changing anything here re-renders the cached clips."""
    rng = np.random.default_rng(seed)
    ex = EXERCISES[index % len(EXERCISES)]
    view = VIEWS_FOR[ex][int(rng.integers(len(VIEWS_FOR[ex])))]
    reps = int(rng.integers(3, 5))
    kind = ("clean", "fault", "fatigue")[(index // len(EXERCISES)) % 3]
    ecc = float(rng.uniform(0.7, 1.6))
    con = float(rng.uniform(0.5, 1.0))
    tempo = TempoSpec(eccentric_s=round(ecc, 2), concentric_s=round(con, 2),
                      bottom_pause_s=round(float(rng.choice([0.0, 0.1, 0.3, 0.6])), 2),
                      top_pause_s=round(float(rng.uniform(0.3, 0.8)), 2),
                      jitter=0.05)
    fault = FaultSpec()
    failed = False
    if kind == "fault":
        fk = V1_FAULTS_FOR[ex][int(rng.integers(len(V1_FAULTS_FOR[ex])))]
        onset = int(rng.integers(2, reps + 1))
        fault = (FaultSpec(fk, onset, 0.3, 0.1) if fk == "short_rom"
                 else FaultSpec(fk, onset, 14.0, 6.0))
    elif kind == "fatigue":
        tempo = TempoSpec(eccentric_s=tempo.eccentric_s, concentric_s=tempo.concentric_s,
                          bottom_pause_s=tempo.bottom_pause_s, top_pause_s=tempo.top_pause_s,
                          jitter=0.05, fatigue=round(float(rng.uniform(0.12, 0.3)), 2))
        failed = bool(rng.random() < 0.5)
    fps = float(rng.choice([24.0, 25.0, 29.97, 30.0]))
    degrade = DegradeSpec()
    if rng.random() < 0.3:
        degrade = DegradeSpec(noise_sigma=float(rng.uniform(2, 8)),
                              blur_sigma=float(rng.uniform(0.0, 1.0)), crf=28)
    spec = RenderSpec(exercise=ex, reps=reps, camera=CameraSpec(view=view,
                      height_m=round(float(rng.uniform(0.7, 1.3)), 2)),
                      width=320, height=240, supersample=1, fps=fps, tempo=tempo,
                      fault=fault, failed_last_rep=failed, lead_in_s=0.4, lead_out_s=0.4,
                      degrade=degrade, seed=seed)
    name = f"{seed}_{ex}_{view}_{kind}"
    return name, spec


def suite(which: str) -> list[tuple[str, RenderSpec]]:
    return [suite_spec(s, i) for i, s in enumerate(SEED_RANGES[which])]


def cache_dir(which: str, override: str | None, size: tuple[int, int] | None = None) -> Path:
    """The range's cache folder; another size than the suite's gets its own."""
    base = Path(override or os.environ.get("REPSIGHT_SYNTH_CACHE",
                                           Path.home() / ".cache" / "repsight" / "synth"))
    if size is None or tuple(size) == SUITE_SIZE:
        return base / which
    return base / f"{which}@{size[0]}x{size[1]}"


def _render_one(name: str, spec_dict: dict, folder: str) -> tuple[str, float, str]:
    from repsight.render.renderer import render

    t0 = time.time()
    spec = RenderSpec.from_dict(spec_dict)
    mp4 = Path(folder) / f"{name}.mp4"
    try:
        render(spec, mp4, Path(folder) / f"{name}.json", include_frames=False)
        return name, time.time() - t0, ""
    except Exception:  # report, keep going: one bad clip must not stop the suite
        return name, time.time() - t0, traceback.format_exc(limit=3)


def stale_clips(clips, folder: Path, *, needs: tuple[str, ...] = ()) -> list:
    """(name, spec) of the clips whose video or truth is missing, unreadable, rendered from
    another spec, or without the truth keys in `needs`: the ones to render (again)."""
    todo = []
    for name, spec in clips:
        js, mp4 = folder / f"{name}.json", folder / f"{name}.mp4"
        if js.exists() and mp4.exists():
            try:
                d = json.loads(js.read_text())
                if d.get("spec") == spec.to_dict() and all(d.get(k) for k in needs):
                    continue
            except ValueError:
                pass
        todo.append((name, spec))
    return todo


def render_missing(clips, folder: Path, jobs: int) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    todo = stale_clips(clips, folder)
    if not todo:
        return
    print(f"rendering {len(todo)} clips into {folder} with {jobs} processes ...", flush=True)
    t0 = time.time()
    with ProcessPoolExecutor(max_workers=jobs) as pool:
        futs = [pool.submit(_render_one, n, s.to_dict(), str(folder)) for n, s in todo]
        for k, f in enumerate(as_completed(futs), 1):
            name, dt, err = f.result()
            status = "ok" if not err else "FAILED\n" + err
            print(f"  [{k}/{len(todo)}] {name} {dt:.0f} s {status}", flush=True)
    print(f"rendered in {time.time() - t0:.0f} s", flush=True)


# ------------------------------------------------------------------------------------
# Running repsight
# ------------------------------------------------------------------------------------
def load_pose(mp4: Path, npz: Path | None = None):
    """PoseSequence of a clip, cached as npz (default <clip>.pose.npz) in the analyser's own
    pose-file format (repsight.cache), so a cached run sees exactly what a fresh one does.

    The sequence's meta goes with it: the scene statistics and people counts that shot
    detection reads. A file in the benchmark's first format (arrays only, no meta) is
    stale and is extracted again; scoring it would differ from a fresh run.
    """
    from repsight.cache import load_pose as read_pose, save_pose
    from repsight.errors import CacheError
    from repsight.pose import extract_pose

    npz = mp4.with_suffix(".pose.npz") if npz is None else npz
    if npz.exists():
        try:
            return read_pose(npz)
        except CacheError:
            pass  # the first format, or damaged: extracted again below
    seq = extract_pose(mp4)
    save_pose(seq, npz)  # written then renamed: a parallel run never reads half a file
    return seq


def analyse(seq, exercise: str):
    """(SetAnalysis, config) from the analyser, or (None, reason)."""
    try:
        from repsight import analysis
        from repsight.config import build_config
    except ImportError as e:
        return None, f"repsight.analysis unavailable: {e}"
    if not hasattr(analysis, "analyse_pose"):
        return None, "repsight.analysis.analyse_pose missing"
    cfg = build_config(exercise=ANALYSER_EXERCISE[exercise])
    return analysis.analyse_pose(seq, cfg), cfg


# ------------------------------------------------------------------------------------
# Scoring
# ------------------------------------------------------------------------------------
# Verdict kinds that are not failure calls (an analyser may add informational ones, e.g.
# "stopped with technique and tempo intact"); everything else counts as a verdict in the
# "no verdict" rates.
NOT_A_FAILURE = ("intact", "no_failure", "info")
# Sets that must get no verdict at all, by category (see no_verdict_category).
NO_VERDICT_CATEGORIES = ("clean", "fatigue_no_tempo_failure", "stricter", "cut")
# The three the "done when" combines (a cut clip is reported on its own).
NO_VERDICT_COMBINED = ("clean", "fatigue_no_tempo_failure", "stricter")


@dataclass
class Tally:
    count_exact: list = field(default_factory=list)
    count_abs_err: list = field(default_factory=list)
    boundary_ms: list = field(default_factory=list)
    phase_ms: list = field(default_factory=list)
    ecc_ms: list = field(default_factory=list)
    con_ms: list = field(default_factory=list)
    vel_err: list = field(default_factory=list)
    vel_signed: list = field(default_factory=list)
    loss_err: list = field(default_factory=list)
    tempo_exact: list = field(default_factory=list)
    tempo_within1: list = field(default_factory=list)
    tech_tp: int = 0
    tech_fp: int = 0
    tech_fn: int = 0
    tech_exact: list = field(default_factory=list)
    # the same, with faults a camera barely shows left neutral (see visible_status)
    seen_tp: int = 0
    seen_fp: int = 0
    seen_fn: int = 0
    seen_exact: list = field(default_factory=list)
    seen_unknown: int = 0  # faulty clips whose visibility could not be computed
    clean_false: list = field(default_factory=list)
    # (kind, failure due on that rep by the truth) per last rep left too close to call
    borderline: list = field(default_factory=list)
    no_verdict: dict = field(default_factory=dict)  # category -> [verdict count per clip]
    detection: list = field(default_factory=list)
    # --exercise auto (exercise_detection.detect_exercise) picked the lift's family
    auto_family: list = field(default_factory=list)
    missing: set = field(default_factory=set)

    def merge(self, other: "Tally") -> None:
        for f in self.__dataclass_fields__:
            a, b = getattr(self, f), getattr(other, f)
            if isinstance(a, list):
                a.extend(b)
            elif isinstance(a, set):
                a |= b
            elif isinstance(a, dict):
                for k, v in b.items():
                    a.setdefault(k, []).extend(v)
            else:
                setattr(self, f, a + b)


def _get(obj, *names):
    for n in names:
        if obj is not None and hasattr(obj, n):
            return getattr(obj, n)
    return None


def cut_rep(truth: dict) -> int | None:
    """The rep the clip ends inside (None: filmed to the end; older truth files have no
    "cut" key and are never cut)."""
    c = truth.get("cut")
    return c["rep"] if c else None


def failed_reps(truth: dict) -> list[int]:
    """Reps the lifter failed (a cut rep is not a failed one)."""
    cut = cut_rep(truth)
    return [r["rep"] for r in truth["reps"] if not r["completed"] and r["rep"] != cut]


def truth_velocity_loss(truth: dict, baseline_reps: int) -> list[float | None]:
    """Loss of each rep's mean concentric velocity vs the best of the first N reps (%);
    None for a rep whose concentric the clip cuts off."""
    v = [r["velocity"]["concentric_mean_mps"] if r.get("velocity") else None
         for r in truth["reps"]]
    base = [x for x in v[:baseline_reps] if x is not None]
    best = max(base) if base else max(x for x in v if x is not None)
    return [None if x is None else 100.0 * (1.0 - x / best) for x in v]


def tempo_inputs(truth: dict, cfg, read: dict[int, float]) -> dict:
    """What the tempo verdict is decided from, per true rep, for benchmarks/tempo_noise.py:
    true and read mean concentric velocity (m/s; None where there is none; read: by true
    rep number, completed reps), whether the rep was completed, the failed reps, and the
    analyser's loss limit, lone-last-rep margin and baseline size."""
    return {"true_v": [round(r["velocity"]["concentric_mean_mps"], 4) if r.get("velocity") else None
                       for r in truth["reps"]],
            "read_v": [read.get(r["rep"]) for r in truth["reps"]],
            "completed": [bool(r["completed"]) for r in truth["reps"]],
            "failed": failed_reps(truth), "loss_limit": cfg.effective_velocity_loss_pct,
            "lone_margin": cfg.lone_loss_margin_pct, "baseline_reps": cfg.baseline_reps}


def truth_tempo_failure(truth: dict, cfg) -> int | None:
    """First rep whose true velocity loss passes the analyser's threshold (same rule, true
    inputs), or the first failed rep; None if neither. A cut rep is neither."""
    loss = truth_velocity_loss(truth, cfg.baseline_reps)
    thr = cfg.effective_velocity_loss_pct
    failed = set(failed_reps(truth))
    for r, l in zip(truth["reps"], loss):
        if (l is not None and l >= thr) or r["rep"] in failed:
            return r["rep"]
    return None


def truth_technical(truth: dict) -> list[bool | None]:
    """Per rep: True = a coach calls technical failure, False = a call is wrong, None =
    neutral (shortened range, or a cut rep). Read from the truth file when it has it,
    else derived from the injected magnitudes by the same rule (older truth files)."""
    if all("technical_failure" in r for r in truth["reps"]):
        return [r["technical_failure"] for r in truth["reps"]]
    from repsight.render.truth import technical_failure

    f = truth["fault"]
    return technical_failure(f["kind"], f["per_rep_magnitude"], cut_rep(truth))


# A fault whose direction (render.truth.fault_visible_deg) turned less than this from rep
# 1's is one a coach would not see on video: the golden tests' standard, and issue 12's
# "subtle" faults start at 8-10 degrees.
COACH_VISIBLE_DEG = 8.0


def truth_visible(truth: dict) -> list[float | None] | None:
    """Per rep: degrees the fault's direction turned from rep 1's (the truth file's
    fault_visible_deg, else computed from the spec with the renderer's pose model), or
    None when the renderer's extra is not installed."""
    if all("fault_visible_deg" in r for r in truth["reps"]):
        return [r["fault_visible_deg"] for r in truth["reps"]]
    try:
        from repsight.render.body import make_body
        from repsight.render.motion import plan_set
        from repsight.render.spec import RenderSpec
        from repsight.render.truth import fault_visible_deg
    except ImportError:
        return None
    spec = RenderSpec.from_dict(truth["spec"])
    return fault_visible_deg(plan_set(spec), make_body(spec.body, spec.clothing).rest)


def visible_status(status: list[bool | None], visible: list[float | None]) -> list[bool | None]:
    """truth_technical's status with the failure reps whose fault turned its direction by
    less than COACH_VISIBLE_DEG made neutral (a call there is neither right nor wrong)."""
    return [None if s and v is not None and v < COACH_VISIBLE_DEG else s
            for s, v in zip(status, visible)]


def first_technical_exact(status: list[bool | None], called: list[int]) -> bool | None:
    """Whether the first technical call off the neutral reps is on the first failure rep
    (None when the truth has no failure rep)."""
    true_tech = [k for k, s in enumerate(status, 1) if s]
    if not true_tech:
        return None
    neutral = {k for k, s in enumerate(status, 1) if s is None}
    calls = [k for k in called if k not in neutral]
    return bool(calls) and min(calls) == min(true_tech)


def technical_counts(status: list[bool | None], called: set[int]) -> tuple[int, int, int]:
    """(tp, fp, fn) over reps: calls on neutral reps (None) count neither way; a call on
    a rep number the truth does not have (e.g. an extra rep) is a false positive."""
    true = {k for k, s in enumerate(status, 1) if s}
    neutral = {k for k, s in enumerate(status, 1) if s is None}
    calls = set(called) - neutral
    return len(calls & true), len(calls - true), len(true - calls)


def first_rep_scores(true_first: int | None, called: list[int]) -> tuple[bool, bool] | None:
    """(exact, within one) of the first called rep against the true first rep; None when
    neither side has one (the clip does not count)."""
    if true_first is None and not called:
        return None
    if true_first is None or not called:
        return False, False
    first = min(called)
    return first == true_first, abs(first - true_first) <= 1


def rep_count_ok(n_found: int, truth: dict) -> tuple[bool, int]:
    """(exact, abs error). A rep the clip cuts off may be counted or not: both n-1 and
    n are exact, and the error is the distance to the nearer of the two."""
    n = truth["n_reps"]
    ok = {n - 1, n} if cut_rep(truth) else {n}
    err = min(abs(n_found - k) for k in ok)
    return err == 0, err


def no_verdict_category(truth: dict, true_tempo: int | None) -> str | None:
    """Which "must get no verdict" category a set belongs to, or None.

    clean: no fault, no fatigue, nothing failed, filmed to the end.
    fatigue_no_tempo_failure: concentric slowing that stays under the threshold, no fault,
    no failed rep. stricter: a fault that shrinks over the set (no technical reps), no
    tempo failure. cut: a clip ending mid-rep with no fault and no tempo failure.
    """
    if failed_reps(truth) or true_tempo is not None:
        return None
    status = truth_technical(truth)
    if any(status):
        return None
    kind = truth["fault"]["kind"]
    mags = truth["fault"]["per_rep_magnitude"]
    fatigue = truth.get("spec", {}).get("tempo", {}).get("fatigue", 0.0)
    if kind == "none":
        if cut_rep(truth):
            return "cut"
        return "fatigue_no_tempo_failure" if fatigue > 0 else "clean"
    if kind != "short_rom" and len(mags) > 1 and mags[-1] < mags[0]:
        return "stricter" if not cut_rep(truth) and fatigue == 0 else None
    return None


def f1(tp: int, fp: int, fn: int) -> tuple[float, float, float]:
    """(precision, recall, F1); nan where undefined."""
    p = tp / (tp + fp) if tp + fp else float("nan")
    r = tp / (tp + fn) if tp + fn else float("nan")
    f = 2 * tp / (2 * tp + fp + fn) if tp + fp + fn else float("nan")  # = 2PR / (P + R)
    return p, r, f


def match_reps(true_reps: list[dict], starts_s: list[float]) -> list[dict]:
    """The true rep each analyser rep matches: the one with the nearest start."""
    return [min(true_reps, key=lambda tr: abs(tr["start"] - s)) for s in starts_s]


def verdict_true_rep(v, to_true: dict, true_reps: list[dict], t) -> int:
    """The true rep a verdict is on: through its analyser rep's match, or, for a rep the
    analyser's list does not hold (a stalled last rep found after segmentation), the true
    rep whose start is nearest the verdict's first evidence frame; -1 if neither."""
    if v.rep_index in to_true:
        return to_true[v.rep_index]
    frames = (getattr(v, "evidence", None) or {}).get("frames")
    if not frames or not true_reps:
        return -1
    at = float(t[min(int(frames[0]), len(t) - 1)])
    inside = [tr for tr in true_reps if tr["start"] <= at <= tr.get("end", tr["start"])]
    return (inside[0] if inside else match_reps(true_reps, [at])[0])["rep"]


def score_clip(truth: dict, seq, result, cfg, tally: Tally) -> dict:
    row = {"detection": float(seq.detection_rate), "fault": truth["fault"]["kind"],
           "view": truth["view"]}
    tally.detection.append(row["detection"])
    try:  # what --exercise auto would have analysed the clip as (the scoring uses the true one)
        from repsight.config import build_config
        from repsight.exercise_detection import detect_exercise
        from repsight.profiles import get_profile

        auto = detect_exercise(seq, build_config())[0]
        row["auto_exercise"] = auto
        tally.auto_family.append(get_profile(auto).family
                                 == get_profile(ANALYSER_EXERCISE[truth["exercise"]]).family)
    except ImportError:
        pass
    if result is None:
        return row
    t = seq.timestamps_s
    reps = list(_get(result, "reps") or [])
    cut = cut_rep(truth)
    row["reps"] = len(reps)
    row["exercise"] = truth["exercise"]
    ok, err = rep_count_ok(len(reps), truth)
    row["count_exact"] = ok
    b0, v0 = len(tally.boundary_ms), len(tally.vel_err)
    tally.count_exact.append(ok)
    tally.count_abs_err.append(err)
    matched = list(zip(reps, match_reps(truth["reps"], [t[r.start] for r in reps])))
    for r, tr in matched:
        tally.boundary_ms.append(1000 * abs(t[r.start] - tr["start"]))
        move_end = r.concentric[1] if r.eccentric_first else r.eccentric[1]
        true_end = tr["concentric_end"] if truth["rep_starts_with"] == "eccentric" else tr["eccentric_end"]
        if true_end is not None and tr["rep"] != cut:  # a cut rep has no true end
            tally.boundary_ms.append(1000 * abs(t[move_end] - true_end))
    tempos = _get(result, "tempo", "tempos")
    if tempos is None:
        tally.missing.add("phase durations (SetAnalysis.tempo)")
    else:
        by_index = dict(zip((r.index for r in reps), tempos))
        for r, tr in matched:
            tp = by_index.get(r.index)
            if tp is not None and tr["completed"]:
                e = 1000 * abs(tp.eccentric_s - tr["eccentric_s"])
                c = 1000 * abs(tp.concentric_s - tr["concentric_s"])
                # A phase the analyser did not time (a rep it read as cut by the clip's
                # end) is left out here; the rep count and boundaries still see the rep.
                for err, into in ((e, tally.ecc_ms), (c, tally.con_ms)):
                    if math.isfinite(err):
                        tally.phase_ms.append(err)
                        into.append(err)
                # signed, for the per-clip rows: onset, arrival and duration (ms, read - true)
                a, b = r.concentric
                if math.isfinite(tp.concentric_s):
                    row.setdefault("concentric_signed_ms", []).append(
                        (tr["rep"], round(1000 * (t[a] - tr["concentric_start"])),
                         round(1000 * (t[b] - tr["concentric_end"])),
                         round(1000 * (tp.concentric_s - tr["concentric_s"]))))
                a, b = r.eccentric
                if tr.get("eccentric_start") is not None and math.isfinite(tp.eccentric_s):
                    row.setdefault("eccentric_signed_ms", []).append(
                        (tr["rep"], round(1000 * (t[a] - tr["eccentric_start"])),
                         round(1000 * (t[b] - tr["eccentric_end"])),
                         round(1000 * (tp.eccentric_s - tr["eccentric_s"]))))
    metrics = _get(result, "metrics", "rep_metrics")
    true_loss = truth_velocity_loss(truth, cfg.baseline_reps)
    read_v: dict[int, float] = {}  # completed reps' read velocity by true rep (tempo_inputs)
    if metrics is None:
        tally.missing.add("velocity (SetAnalysis.metrics)")
    else:
        if hasattr(metrics, "reps"):  # a SetMetrics
            metrics = metrics.reps
        by_index = {m.index: m for m in metrics}
        for r, tr in matched:
            m = by_index.get(r.index)
            if m is not None and r.completed and math.isfinite(m.mean_velocity_mps):
                read_v[tr["rep"]] = round(m.mean_velocity_mps, 4)
            if m is None or not tr.get("velocity"):
                continue
            if math.isfinite(m.mean_velocity_mps):
                d = m.mean_velocity_mps - tr["velocity"]["concentric_mean_mps"]
                tally.vel_err.append(abs(d))
                tally.vel_signed.append(d)
                row.setdefault("vel_signed", []).append((tr["rep"], round(d, 3)))
                # Velocity = displacement / duration: which of the two the error is in
                # (read / true each; the body's concentric window).
                a, b = r.concentric
                true_v = tr["velocity"]
                if tr["completed"] and t[b] > t[a] and true_v["concentric_displacement_m"]:
                    row.setdefault("vel_split", []).append(
                        (tr["rep"], round(m.rom_m / abs(true_v["concentric_displacement_m"]), 3),
                         round((t[b] - t[a]) / tr["concentric_s"], 3),
                         round(m.mean_velocity_mps / true_v["concentric_mean_mps"], 3)))
            if math.isfinite(m.velocity_loss_pct) and true_loss[tr["rep"] - 1] is not None:
                tally.loss_err.append(abs(m.velocity_loss_pct - true_loss[tr["rep"] - 1]))
    row["boundary_ms"] = tally.boundary_ms[b0:]
    row["vel_err"] = tally.vel_err[v0:]
    verdicts = _get(result, "verdicts")
    if verdicts is None:
        tally.missing.add("verdicts (SetAnalysis.verdicts)")
        return row
    # analyser rep index -> true rep number via the match
    to_true = {r.index: tr["rep"] for r, tr in matched}
    true_rep = {id(v): verdict_true_rep(v, to_true, truth["reps"], t) for v in verdicts}
    v_tempo = sorted(true_rep[id(v)] for v in verdicts if v.kind in ("tempo", "concentric"))
    v_tech = sorted({true_rep[id(v)] for v in verdicts if v.kind == "technical"})
    true_tempo = truth_tempo_failure(truth, cfg)
    sc = first_rep_scores(true_tempo, v_tempo)
    if sc is not None:
        tally.tempo_exact.append(sc[0])
        tally.tempo_within1.append(sc[1])
        row["tempo_exact"], row["tempo_within1"] = sc
    status = truth_technical(truth)
    tp, fp, fn = technical_counts(status, set(v_tech))
    tally.tech_tp += tp
    tally.tech_fp += fp
    tally.tech_fn += fn
    row["tech"] = (tp, fp, fn)
    true_tech = [k for k, s in enumerate(status, 1) if s]
    ex = first_technical_exact(status, v_tech)
    if ex is not None:
        tally.tech_exact.append(ex)
        row["tech_exact"] = ex
    visible = truth_visible(truth) if truth["fault"]["kind"] != "none" else None
    if visible is None and truth["fault"]["kind"] != "none":
        tally.seen_unknown += 1
    seen = status if visible is None else visible_status(status, visible)
    tp, fp, fn = technical_counts(seen, set(v_tech))
    tally.seen_tp += tp
    tally.seen_fp += fp
    tally.seen_fn += fn
    ex = first_technical_exact(seen, v_tech)
    if ex is not None:
        tally.seen_exact.append(ex)
    row["fault_visible_deg"] = visible
    n_failure_verdicts = sum(1 for v in verdicts if v.kind not in NOT_A_FAILURE)
    cat = no_verdict_category(truth, true_tempo)
    if cat is not None:
        tally.no_verdict.setdefault(cat, []).append(n_failure_verdicts)
        row["no_verdict_category"] = cat
    if cat in ("clean", "fatigue_no_tempo_failure"):
        tally.clean_false.append(n_failure_verdicts)  # the issue-8 row: no fault, no failure
    row["verdicts"] = [(v.kind, v.rep_index, true_rep[id(v)]) for v in verdicts]
    summary = getattr(_get(result, "assessment"), "summary", None)
    row["borderline"] = []
    for b in getattr(summary, "borderline", ()):
        k = to_true.get(b.rep_index)
        due = (k is not None and (true_tempo is not None and true_tempo <= k if b.kind == "tempo"
                                  else bool(status[k - 1])))
        tally.borderline.append((b.kind, due))
        row["borderline"].append((b.kind, b.rep_index, k, b.measure, b.value, due))
    row["true_tempo_failure"] = true_tempo
    row["tempo_inputs"] = tempo_inputs(truth, cfg, read_v)
    row["true_technical_reps"] = true_tech
    drift = getattr(getattr(_get(result, "assessment"), "metrics", None), "drift", None)
    if drift is not None:  # per-rep readings, for looking into misses (true rep numbers)
        row["fault_readings"] = {
            name: {"threshold": f.threshold_deg, "source": f.source,
                   "toward": {to_true.get(r.index): x for r, x in zip(reps, f.toward_deg)},
                   "stricter": {to_true.get(r.index): x for r, x in zip(reps, f.stricter_deg)}}
            for name, f in drift.faults.items()}
    return row


def _fmt(vals, kind="mean", unit="", digits=0):
    if not vals:
        return "n/a"
    a = np.asarray(vals, dtype=float)
    if kind == "rate":
        return f"{100 * a.mean():.0f} % ({int(a.sum())}/{len(a)})"
    return f"{np.median(a):.{digits}f} / {np.mean(a):.{digits}f}{unit} (n={len(a)})"


def _no_verdict_rate(counts: list[int]) -> str:
    if not counts:
        return "n/a (no such clips)"
    ok = sum(1 for c in counts if c == 0)
    return f"{100 * ok / len(counts):.0f} % ({ok}/{len(counts)}; {sum(counts)} verdicts)"


def _rate(xs: list) -> str:
    xs = [x for x in xs if x is not None]
    return f"{sum(map(bool, xs))}/{len(xs)}" if xs else "-"


def breakdown(rows: dict, key) -> list[str]:
    """Markdown rows: per group (key(row)), where the misses come from."""
    groups: dict = {}
    for name, r in rows.items():
        if "exercise" not in r:
            continue
        groups.setdefault(key(name, r), []).append(r)
    out = []
    for g in sorted(groups):
        rs = groups[g]
        tp, fp, fn = (sum(r.get("tech", (0, 0, 0))[i] for r in rs) for i in range(3))
        nv = [r for r in rs if "no_verdict_category" in r]
        nv_ok = sum(1 for r in nv if not [v for v in r.get("verdicts", []) if v[0] not in NOT_A_FAILURE])
        out.append(f"| {g} | {len(rs)} | {_rate([r['count_exact'] for r in rs])} | "
                   f"{tp} / {fp} / {fn} | {_rate([r.get('tech_exact') for r in rs])} | "
                   f"{_rate([r.get('tempo_exact') for r in rs])} | "
                   f"{_rate([r.get('tempo_within1') for r in rs])} | "
                   f"{f'{nv_ok}/{len(nv)}' if nv else '-'} |")
    return out


TARGETS = (  # issue 12 "done when", final seeds
    ("technical failure F1", ">= 0.85"), ("technical first rep exact", ">= 80 %"),
    ("tempo-failure first rep exact", ">= 80 %"), ("tempo-failure first rep within one", ">= 95 %"),
    ("no verdict on clean / fatigue-only / stricter sets", ">= 95 %"),
    ("concentric duration error median", "<= 60 ms"), ("velocity |bias|", "<= 0.02 m/s"),
    ("velocity mean abs error", "<= 0.04 m/s"),
)


def print_table(which: str, tally: Tally, analyser_reason: str | None, n_clips: int,
                rows: dict | None = None, kinds: dict | None = None) -> str:
    rng = SEED_RANGES[which]
    lines = [f"synthetic_eval: {n_clips} clips, seeds '{which}' ({rng.start}..{rng.stop - 1})"
             + ("" if which != "final" else " -- report only, never tune on these"), ""]
    lines.append("| measure | value (median / mean, or rate) |")
    lines.append("|---|---|")
    lines.append(f"| MediaPipe detection rate (frames with a person) | "
                 f"{_fmt(tally.detection, digits=3)} |")
    if tally.auto_family:
        lines.append(f"| --exercise auto picks the lift's family | {_fmt(tally.auto_family, 'rate')} |")
    if analyser_reason:
        na = f"n/a ({analyser_reason})"
        for m in ("rep count exact", "boundary error", "phase-duration error",
                  "concentric velocity error", "velocity-loss error", "tempo-failure rep exact",
                  "technical failure precision / recall / F1 / rep exact",
                  "no verdict on clean / fatigue-only / stricter / cut sets"):
            lines.append(f"| {m} | {na} |")
    else:
        p, r, f = f1(tally.tech_tp, tally.tech_fp, tally.tech_fn)
        sp, sr, sf = f1(tally.seen_tp, tally.seen_fp, tally.seen_fn)
        bias = np.mean(tally.vel_signed) if tally.vel_signed else float("nan")
        mae = np.mean(tally.vel_err) if tally.vel_err else float("nan")
        nv = tally.no_verdict
        combined = [c for k in NO_VERDICT_COMBINED for c in nv.get(k, [])]
        lines += [
            f"| rep count exact (a cut last rep may be counted or not) | {_fmt(tally.count_exact, 'rate')}; "
            f"mean abs error {np.mean(tally.count_abs_err):.2f} |" if tally.count_exact else "| rep count exact | n/a |",
            f"| boundary error (ms: rep start, end of movement) | {_fmt(tally.boundary_ms)} |",
            f"| phase-duration error (ms: eccentric, concentric) | {_fmt(tally.phase_ms)} |",
            f"| concentric duration error (ms) | {_fmt(tally.con_ms)} |",
            f"| eccentric duration error (ms) | {_fmt(tally.ecc_ms)} |",
            f"| concentric mean velocity abs error (m/s) | {_fmt(tally.vel_err, digits=3)}; bias "
            f"{bias:+.3f} |",
            f"| velocity bias / mean abs error (m/s) | {bias:+.3f} / {mae:.3f} |",
            f"| velocity-loss abs error (percentage points) | {_fmt(tally.loss_err, digits=1)} |",
            f"| tempo-failure rep exact (first tempo/concentric verdict) | {_fmt(tally.tempo_exact, 'rate')} |",
            f"| tempo-failure first rep within one | {_fmt(tally.tempo_within1, 'rate')} |",
            f"| technical failure precision / recall (reps) | {p:.2f} / {r:.2f} "
            f"(tp {tally.tech_tp}, fp {tally.tech_fp}, fn {tally.tech_fn}) |",
            f"| technical failure F1 | {f:.2f} |",
            f"| technical failure first rep exact | {_fmt(tally.tech_exact, 'rate')} |",
            f"| technical, faults a camera shows (turned >= {COACH_VISIBLE_DEG:.0f} deg from rep 1; "
            f"smaller ones neutral): P / R / F1 | {sp:.2f} / {sr:.2f} / {sf:.2f} "
            f"(tp {tally.seen_tp}, fp {tally.seen_fp}, fn {tally.seen_fn}) |",
            f"| technical, faults a camera shows: first rep exact | {_fmt(tally.seen_exact, 'rate')}"
            + (f" (visibility unknown on {tally.seen_unknown} faulty clips, scored as the headline:"
               " install the [synth] extra)" if tally.seen_unknown else "") + " |",
            f"| false verdicts on clean sets | {sum(1 for c in tally.clean_false if c)} of "
            f"{len(tally.clean_false)} clean clips had a verdict ({sum(tally.clean_false)} verdicts) |",
            f"| no verdict: clean sets | {_no_verdict_rate(nv.get('clean', []))} |",
            f"| no verdict: fatigue-only, no tempo failure | {_no_verdict_rate(nv.get('fatigue_no_tempo_failure', []))} |",
            f"| no verdict: stricter form (shrinking fault) | {_no_verdict_rate(nv.get('stricter', []))} |",
            f"| no verdict: the three combined | {_no_verdict_rate(combined)} |",
            f"| no verdict: clip cut mid-rep (clean form) | {_no_verdict_rate(nv.get('cut', []))} |",
            "| too close to call (a last rep past a threshold, not called): tempo / technical, "
            "failure due there by the truth | " + " / ".join(
                f"{sum(1 for k, d in tally.borderline if k == kind and d)} of "
                f"{sum(1 for k, _ in tally.borderline if k == kind)}"
                for kind in ("tempo", "technical")) + " |",
        ]
        for m in sorted(tally.missing):
            lines.append(f"| {m} | n/a (not in the analyser's output) |")
    if rows and not analyser_reason:
        lines += ["", "| exercise | clips | rep count exact | boundary error ms (median) | "
                  "velocity abs error m/s (median) |", "|---|---|---|---|---|"]
        for ex in EXERCISES:
            rs = [r for r in rows.values() if r.get("exercise") == ex]
            if not rs:
                continue
            b = [x for r in rs for x in r.get("boundary_ms", [])]
            v = [x for r in rs for x in r.get("vel_err", [])]
            lines.append(f"| {ex} | {len(rs)} | {sum(r['count_exact'] for r in rs)}/{len(rs)} | "
                         f"{np.median(b) if b else float('nan'):.0f} | "
                         f"{np.median(v) if v else float('nan'):.3f} |")
        split = {}
        for r in rows.values():
            for _, *ratios in r.get("vel_split", []):
                split.setdefault((r["exercise"], r["view"]), []).append(ratios)
        if split:
            lines += ["", "Velocity read / true, split into its two factors (medians over completed "
                      "reps; velocity = displacement / concentric duration):", "",
                      "| exercise / view | reps | displacement | concentric duration | velocity |",
                      "|---|---|---|---|---|"]
            for (ex, view), x in sorted(split.items(), key=lambda kv: (EXERCISES.index(kv[0][0])
                                                                      if kv[0][0] in EXERCISES else 99,
                                                                      kv[0][1])):
                med = np.nanmedian(np.array(x, dtype=np.float64), axis=0)
                lines.append(f"| {ex} / {view} | {len(x)} | {med[0]:.2f} | {med[1]:.2f} | {med[2]:.2f} |")
        head = ("| clips | rep count exact | technical tp / fp / fn | technical first rep exact | "
                "tempo first rep exact | tempo within one | no verdict where none is due |")
        sep = "|---|---|---|---|---|---|---|---|"
        lines += ["", "Where the misses come from, by scenario kind:", "",
                  "| kind " + head, sep]
        lines += breakdown(rows, lambda n, r: (kinds or {}).get(n, "?"))
        faulty = {n: r for n, r in rows.items() if r.get("fault", "none") != "none"}
        if faulty:
            lines += ["", "By fault and view (clips with an injected fault):", "",
                      "| fault / view " + head, sep]
            lines += breakdown(faulty, lambda n, r: f"{r['fault']} / {r['view']}")
    text = "\n".join(lines)
    print(text)
    return text


def _score_one(name: str, exercise: str, folder: str) -> tuple[str, dict, Tally, str | None]:
    """Pose (cached), analyse and score one rendered clip: (name, row, tally, reason the
    analyser could not run or None). Runs in a worker process with --jobs > 1."""
    folder = Path(folder)
    tally = Tally()
    truth = json.loads((folder / f"{name}.json").read_text())
    seq = load_pose(folder / f"{name}.mp4")
    result, cfg = analyse(seq, exercise)
    row = score_clip(truth, seq, result, cfg, tally)
    row["truth_reps"] = truth["n_reps"]
    return name, row, tally, (cfg if result is None else None)


# The suite renders at 320x240 (render time); --size renders the same specs larger, into
# their own cache folder, to measure how much of an error is the frame's resolution.
SUITE_SIZE = (320, 240)


def parse_size(text: str) -> tuple[int, int]:
    """'640x480' -> (640, 480)."""
    try:
        w, h = (int(x) for x in text.lower().split("x"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"size must look like 640x480, not {text!r}") from None
    if w < 64 or h < 64:
        raise argparse.ArgumentTypeError(f"size {text!r} is too small (at least 64x64)")
    return w, h


def select(which: str, from_index: int = 0, limit: int | None = None,
           kinds: tuple[str, ...] | None = None,
           size: tuple[int, int] = SUITE_SIZE) -> list[tuple[str, RenderSpec]]:
    """The clips of a range from index ``from_index`` on (at most ``limit`` of them),
    optionally only the scenario kinds in ``kinds``, rendered at ``size``."""
    out = []
    for i, seed in enumerate(SEED_RANGES[which]):
        if i < from_index or (kinds and suite_kind(i) not in kinds):
            continue
        name, spec = suite_spec(seed, i)
        if size != SUITE_SIZE:
            spec = replace(spec, width=size[0], height=size[1])
        out.append((name, spec))
    return out[:limit]


ALL_KINDS = tuple(dict.fromkeys(("clean", "fault", "fatigue") + tuple(k for k, *_ in V2_CLIPS)))


def _zoomed_one(src: str, dst: str) -> None:
    import shutil

    shutil.copyfile(Path(src).with_suffix(".json"), Path(dst).with_suffix(".json"))
    zoomed_copy(Path(src), Path(dst))


def zoomed_folder(folder: Path, names: list[str], jobs: int) -> Path:
    """<folder>@zoom with a zoomed copy (and the truth) of each rendered clip in names,
    made where missing; a copy whose poses were read before is kept with them."""
    out = folder.parent / f"{folder.name}@zoom"
    out.mkdir(parents=True, exist_ok=True)
    todo = [(str(folder / f"{n}.mp4"), str(out / f"{n}.mp4")) for n in names
            if (folder / f"{n}.mp4").exists() and not (out / f"{n}.mp4").exists()]
    if jobs > 1 and len(todo) > 1:
        with ProcessPoolExecutor(max_workers=jobs) as pool:
            for f in [pool.submit(_zoomed_one, *job) for job in todo]:
                f.result()
    else:
        for job in todo:
            _zoomed_one(*job)
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", choices=tuple(SEED_RANGES), default="dev")
    ap.add_argument("--cache", help="cache folder (default ~/.cache/repsight/synth)")
    ap.add_argument("--jobs", type=int, default=2,
                    help="processes for rendering and for analysis (default 2)")
    ap.add_argument("--limit", type=int, help="only the first N clips (after the filters)")
    ap.add_argument("--from-index", type=int, default=0,
                    help=f"skip the clips before this index in the range (e.g. {V1_CLIPS}: "
                         "only the issue-12 scenarios)")
    ap.add_argument("--kinds", help="comma-separated scenario kinds to keep, from "
                                    + ", ".join(ALL_KINDS))
    ap.add_argument("--render-only", action="store_true")
    ap.add_argument("--no-render", action="store_true", help="score only clips already cached")
    ap.add_argument("--json", help="write per-clip rows here")
    ap.add_argument("--size", type=parse_size, default=SUITE_SIZE,
                    help="render the same clips at WxH (default 320x240, the suite's) into "
                         "their own cache folder, <seeds>@WxH")
    ap.add_argument("--zoom", action="store_true",
                    help="score copies of the rendered clips filmed by a camera zooming in "
                         f"{ZOOM_TO:g} times over the middle 40 %% of each clip "
                         "(composed_clips.zoomed_copy), made into <folder>@zoom")
    a = ap.parse_args(argv)

    kinds = tuple(k.strip() for k in a.kinds.split(",")) if a.kinds else None
    if kinds and set(kinds) - set(ALL_KINDS):
        ap.error(f"unknown kinds {sorted(set(kinds) - set(ALL_KINDS))}; choose from {ALL_KINDS}")
    clips = select(a.seeds, a.from_index, a.limit, kinds, a.size)
    folder = cache_dir(a.seeds, a.cache, a.size)
    if not a.no_render:
        render_missing(clips, folder, a.jobs)
    if a.render_only:
        return 0
    if a.zoom:
        folder = zoomed_folder(folder, [name for name, _ in clips], a.jobs)
    tally = Tally()
    rows = {}
    reason = None
    todo = []
    for name, spec in clips:
        if not ((folder / f"{name}.mp4").exists() and (folder / f"{name}.json").exists()):
            print(f"  {name}: not rendered, skipped", file=sys.stderr)
            continue
        todo.append((name, spec.exercise, str(folder)))
    if a.jobs > 1 and len(todo) > 1:
        with ProcessPoolExecutor(max_workers=a.jobs) as pool:
            done = [f.result() for f in [pool.submit(_score_one, *job) for job in todo]]
    else:
        done = [_score_one(*job) for job in todo]
    for name, row, part, why in done:  # in suite order, whatever finished first
        rows[name] = row
        tally.merge(part)
        reason = why or reason
    kinds_of = {suite_spec(sd, i)[0]: suite_kind(i) for i, sd in enumerate(SEED_RANGES[a.seeds])}
    if a.size != SUITE_SIZE:
        print(f"rendered at {a.size[0]}x{a.size[1]} (the suite's clips are "
              f"{SUITE_SIZE[0]}x{SUITE_SIZE[1]}), cache {folder}")
    if a.zoom:
        print(f"filmed zooming in {ZOOM_TO:g} times over the middle 40 % of each clip, cache {folder}")
    print_table(a.seeds, tally, reason, len(done), rows, kinds_of)
    if a.json:
        Path(a.json).write_text(json.dumps(rows, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
