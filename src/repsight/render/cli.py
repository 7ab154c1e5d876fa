"""Command line: ``python -m repsight.render ...`` renders one set and its truth file."""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import replace

from .spec import CUT_PHASES, EXERCISES, FAULTS, VIEWS, RenderSpec


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m repsight.render",
        description="Render a lifter doing a set, with an exact truth JSON next to the MP4.")
    p.add_argument("-o", "--output", required=True, help="output .mp4 (truth goes to .json)")
    p.add_argument("--spec", help="spec file (.json or .toml); options below override it")
    p.add_argument("--truth", help="truth JSON path (default: output with .json)")
    p.add_argument("--exercise", choices=EXERCISES)
    p.add_argument("--view", choices=VIEWS)
    p.add_argument("--reps", type=int)
    p.add_argument("--fps", type=float, help="e.g. 24, 25, 29.97, 30, 60")
    p.add_argument("--size", help="WIDTHxHEIGHT, e.g. 640x480")
    p.add_argument("--supersample", type=int)
    p.add_argument("--eccentric", type=float, help="eccentric seconds")
    p.add_argument("--concentric", type=float, help="concentric seconds")
    p.add_argument("--bottom-pause", type=float)
    p.add_argument("--top-pause", type=float)
    p.add_argument("--fatigue", type=float, help="concentric slowing per rep, e.g. 0.1")
    p.add_argument("--fault", choices=FAULTS)
    p.add_argument("--fault-onset", type=int, help="1-based rep where the fault starts")
    p.add_argument("--fault-start", type=float, help="magnitude at the onset rep")
    p.add_argument("--fault-growth", type=float, help="extra magnitude per later rep")
    p.add_argument("--fault-per-rep", help="explicit magnitude of every rep, comma-separated "
                   "(e.g. 12,8,4,0: a fault that shrinks); overrides onset/start/growth")
    p.add_argument("--fail-last", action="store_true", help="the last rep fails")
    p.add_argument("--cut-phase", choices=CUT_PHASES,
                   help="end the clip inside the last rep's eccentric or concentric")
    p.add_argument("--cut-fraction", type=float, help="how far into that phase (0.05..0.95)")
    p.add_argument("--barbell", action="store_true",
                   help="the lifter uses a barbell with 450 mm plates (squat: on the back; "
                        "deadlift, press, curl: in the hands)")
    p.add_argument("--noise", type=float, help="pixel noise sigma (0..255)")
    p.add_argument("--blur", type=float, help="Gaussian blur sigma (pixels)")
    p.add_argument("--crf", type=int, help="H.264 CRF (quality; higher = worse)")
    p.add_argument("--seed", type=int)
    p.add_argument("--no-frames", action="store_true", help="leave per-frame truth out")
    p.add_argument("--print-spec", action="store_true", help="print the spec as JSON and exit")
    return p


def spec_from_args(a: argparse.Namespace) -> RenderSpec:
    spec = RenderSpec.from_file(a.spec) if a.spec else RenderSpec()
    top: dict = {}
    if a.exercise:
        top["exercise"] = a.exercise
    if a.reps is not None:
        top["reps"] = a.reps
    if a.fps is not None:
        top["fps"] = a.fps
    if a.size:
        w, h = a.size.lower().split("x")
        top["width"], top["height"] = int(w), int(h)
    if a.supersample is not None:
        top["supersample"] = a.supersample
    if a.seed is not None:
        top["seed"] = a.seed
    if a.fail_last:
        top["failed_last_rep"] = True
    if a.cut_phase:
        top["cut_phase"] = a.cut_phase
    if a.cut_fraction is not None:
        top["cut_fraction"] = a.cut_fraction
    if a.barbell:
        top["barbell"] = replace(spec.barbell, enabled=True)
    if a.view:
        top["camera"] = replace(spec.camera, view=a.view)
    tempo = {k: v for k, v in (("eccentric_s", a.eccentric), ("concentric_s", a.concentric),
                               ("bottom_pause_s", a.bottom_pause), ("top_pause_s", a.top_pause),
                               ("fatigue", a.fatigue)) if v is not None}
    if tempo:
        top["tempo"] = replace(spec.tempo, **tempo)
    fault = {k: v for k, v in (("kind", a.fault), ("onset_rep", a.fault_onset),
                               ("start", a.fault_start), ("growth", a.fault_growth))
             if v is not None}
    if a.fault_per_rep:
        fault["per_rep"] = tuple(float(x) for x in a.fault_per_rep.split(","))
    if fault:
        if fault.get("kind", spec.fault.kind) != "none" and "onset_rep" not in fault \
                and spec.fault.onset_rep < 1:
            fault["onset_rep"] = 1
        top["fault"] = replace(spec.fault, **fault)
    degrade = {k: v for k, v in (("noise_sigma", a.noise), ("blur_sigma", a.blur),
                                 ("crf", a.crf)) if v is not None}
    if degrade:
        top["degrade"] = replace(spec.degrade, **degrade)
    return replace(spec, **top)


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    a = parser.parse_args(argv)
    try:
        spec = spec_from_args(a)
    except ValueError as e:
        parser.error(str(e))
    if a.print_spec:
        print(json.dumps(spec.to_dict(), indent=2))
        return 0
    try:
        from .renderer import render

        # The renderer imports its heavy modules (trimesh, pyrender, the body model) when
        # it starts, so a missing extra shows here too.
        truth = render(spec, a.output, a.truth, progress=sys.stderr.isatty(),
                       include_frames=not a.no_frames)
    except ImportError as e:
        print(f"rendering needs the [synth] extra (bash scripts/setup_synth.sh): {e}",
              file=sys.stderr)
        return 2
    print(f"wrote {a.output} ({truth['n_frames']} frames, {truth['n_reps']} reps, "
          f"{truth['render_seconds']} s)")
    return 0
