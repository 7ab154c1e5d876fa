"""Technical calls on the labelled real clips cut into shorter sets, as uploads are trimmed
(issue 12, item 8; issue 13, item 4).

    python benchmarks/real_slices.py                 # every labelled clip
    python benchmarks/real_slices.py --clips squat   # clips whose name contains one of these
    python benchmarks/real_slices.py --longest 4     # sub-sets of 3 to 6 reps (the default 4: 3-6)

A whole clip is judged against its own first two reps; a clip trimmed to start at rep k
is judged against reps k and k+1, and one trimmed to end at rep m ends with rep m, which
no later rep confirms. Each labelled clip (`benchmarks/labels/<clip>.json`) is analysed
once whole with its labelled exercise (poses from the cache in ~/.cache/repsight/poses),
then its pose sequence is cut from 3 frames before rep k's start to half-way between rep
m's end and rep m+1's start, for every k and every m from k+2 to k+2+longest-1, and each
cut is analysed the same way. Cutting the pose sequence is not re-encoding the video (a
trimmed file is read afresh by the pose model and its landmarks differ a little), so this
measures the baseline and the last rep, not the pose model's start.

Every technical verdict is mapped to the whole clip's rep nearest its start and scored
against the labels as eval_verdicts_real scores the whole clips: a call on a rep it counts
positive (eval_verdicts_real.positive_reps: `breakdown: true`, or inside the labelled
failure run) is true, a call on another rep labelled `breakdown: null` is neutral, any
other call is false. The summary gives the
cuts with a false call, the false and true calls, and each false call's reason.
It asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
LABELS = ROOT / "benchmarks" / "labels"
VIDEOS = ROOT.parent / "shared" / "videos"


def cuts(n_reps: int, longest: int) -> list[tuple[int, int]]:
    """(first, last) rep positions of every cut of 3 to longest + 2 reps."""
    return [(k, m) for k in range(n_reps) for m in range(k + 2, min(n_reps, k + 2 + longest))]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--clips", default="", help="comma-separated parts of clip names")
    ap.add_argument("--longest", type=int, default=4, help="cuts of 3 up to this + 2 reps")
    a = ap.parse_args()
    from eval_verdicts_real import positive_reps
    from repsight.analysis import analyse_pose
    from repsight.cache import extract_cached
    from repsight.config import build_config

    wanted = [w for w in a.clips.split(",") if w]
    n_cuts = n_false_cuts = n_true = n_false = n_neutral = 0
    lines = []
    for path in sorted(LABELS.glob("*.json")):
        label = json.loads(path.read_text(encoding="utf-8"))
        if "form" not in label or (wanted and not any(w in label["clip"] for w in wanted)):
            continue
        video = VIDEOS / label["clip"]
        if not video.is_file():
            print(f"{label['clip']}: video missing", file=sys.stderr)
            continue
        form = label["form"]
        positive = positive_reps(form)
        neutral = {int(r["rep"]) for r in form.get("reps", []) if r.get("breakdown") is None} - positive
        cfg = build_config(exercise=label["exercise"])
        seq = extract_cached(video, model=cfg.model)
        whole = [r for one in analyse_pose(seq, cfg).every_set for r in one.reps]
        starts = np.array([seq.timestamps_s[r.start] for r in whole])
        for k, m in cuts(len(whole), a.longest):
            lo = max(0, whole[k].start - 3)
            hi = (whole[m].end + (whole[m + 1].start - whole[m].end) // 2 if m + 1 < len(whole)
                  else seq.n_frames)
            an = analyse_pose(seq.slice(lo, hi), cfg)
            n_cuts += 1
            false_here = False
            for one, _ in an.numbered_sets:
                for v in one.verdicts:
                    if v.kind != "technical":
                        continue
                    at = seq.timestamps_s[lo + one.reps[v.rep_index - 1].start]
                    rep = int(np.argmin(np.abs(starts - at))) + 1
                    if rep in positive:
                        n_true += 1
                    elif rep in neutral:
                        n_neutral += 1
                    else:
                        n_false += 1
                        false_here = True
                        lines.append(f"  {label['clip']:32s} reps {k + 1}-{m + 1}: rep {rep} "
                                     f"{v.reason.split(': ', 1)[-1]}")
            n_false_cuts += false_here
    print(f"cuts analysed: {n_cuts}; cuts with a false technical call: {n_false_cuts}")
    print(f"technical calls: {n_true} true, {n_false} false, {n_neutral} on unclear reps (not scored)")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
