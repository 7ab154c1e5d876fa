"""The labelled real clips cut to start or end inside a rep, as real uploads often are
(issues 12 and 13).

    python benchmarks/edges.py                  # every labelled clip
    python benchmarks/edges.py --only pushup    # clips whose name contains this

Each clip's poses (from the pose cache; a clip not in it goes through the pose model) are
analysed whole with the labelled exercise's profile defaults, then cut, without running
the pose model again (PoseSequence.slice):

    start@f   the clip starts f (0.3, 0.6) of the way through rep 1's first moving phase
    end@P f   the clip ends f of the way through the last rep's phase P (eccentric,
              concentric)
    after k   the clip ends right after rep k (k = 1..5): a shorter set, no edge inside a rep

Nothing about the lifting changes: a technical or concentric failure that a cut clip gets
and the whole clip does not is the edge read as evidence. The table lists each such
call; the summary counts them over all cuts. (Other verdict kinds are counted too: on a
shorter set a tempo call can rightly appear, since velocity loss on a set's last rep is
judged differently.) An `after k` cut holds k whole reps, so its count is also checked
against the whole clip's count of its first k reps (of its main set, the one with the
most reps, when a cut splits the clip); the other cuts' counts depend on how much of
the cut rep a viewer would call a rep. It asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LABELS = ROOT / "benchmarks" / "labels"
VIDEOS = ROOT.parent / "shared" / "videos"
EDGE_KINDS = ("technical", "concentric")


def cuts(an, n_frames: int) -> list[tuple[str, int, int]]:
    """(name, first frame, stop frame) of every cut of one analysed clip."""
    r1, rl = an.reps[0], an.reps[-1]
    first = r1.eccentric if r1.eccentric_first else r1.concentric
    out = [(f"start@{f}", first[0] + int((first[1] - first[0]) * f), n_frames) for f in (0.3, 0.6)]
    for name, ph in (("eccentric", rl.eccentric), ("concentric", rl.concentric)):
        out += [(f"end@{name} {f}", 0, ph[0] + int((ph[1] - ph[0]) * f) + 1) for f in (0.3, 0.6)]
    out += [(f"after {k}", 0, an.reps[k - 1].end + 1) for k in range(1, min(len(an.reps), 6))]
    return [c for c in out if c[2] - c[1] >= 20]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--only", default="", help="evaluate clips whose name contains this")
    ap.add_argument("--cache-dir", type=Path, default=None)
    args = ap.parse_args(argv)
    sys.path.insert(0, str(ROOT / "src"))
    from repsight.analysis import analyse_pose
    from repsight.cache import extract_cached
    from repsight.config import build_config

    if not VIDEOS.is_dir():
        print(f"edges: no clips at {VIDEOS}")
        return 0
    rows, n_cuts, whole_calls = [], 0, 0
    after_cuts, after_ok, after_misses = 0, 0, []
    per_kind: dict[str, int] = {}
    for path in sorted(LABELS.glob("*.json")):
        label = json.loads(path.read_text(encoding="utf-8"))
        video = VIDEOS / label["clip"]
        if args.only not in label["clip"] or not video.is_file():
            continue
        cfg = build_config(exercise=label["exercise"])
        seq = extract_cached(video, model=cfg.model, cache_dir=args.cache_dir)
        whole = analyse_pose(seq, cfg)
        if not whole.reps:
            continue
        whole_calls += sum(v.kind in EDGE_KINDS for v in whole.verdicts)
        for name, a, b in cuts(whole, seq.n_frames):
            an = analyse_pose(seq.slice(a, b), cfg)
            n_cuts += 1
            # Rep numbers of a cut that drops rep 1 are shifted by one against the whole clip.
            shift = 1 if a > 0 and len(an.reps) < len(whole.reps) else 0
            before = {(v.kind, v.rep_index) for v in whole.verdicts}
            new = sorted({(v.kind, v.rep_index + shift) for v in an.verdicts} - before)
            for kind, _ in new:
                per_kind[kind] = per_kind.get(kind, 0) + 1
            if new:
                rows.append((label["clip"].removesuffix(".mp4"), name, f"{a}:{b}", new))
            if name.startswith("after "):
                k = int(name.split()[1])
                expected = sum(r.counted for r in whole.reps[:k])
                after_cuts += 1
                after_ok += an.rep_count == expected
                if an.rep_count != expected:
                    after_misses.append(f"{label['clip'].removesuffix('.mp4')} {name}: "
                                        f"{an.rep_count} of {expected}")
    print(f"edges: {n_cuts} cuts of the labelled clips; technical and concentric calls on the "
          f"whole clips: {whole_calls}")
    print()
    print("| clip | cut | frames | verdicts the whole clip does not have (kind, rep) |")
    print("|---|---|---|---|")
    for clip, name, span, new in rows:
        print(f"| {clip} | {name} | {span} | {', '.join(f'{k} {i}' for k, i in new)} |")
    print()
    print("new calls on the cuts: " + (", ".join(f"{k} {n}" for k, n in sorted(per_kind.items()))
                                       or "none")
          + f"; of them technical or concentric: {sum(per_kind.get(k, 0) for k in EDGE_KINDS)}")
    print(f"counts on the 'after k' cuts: {after_ok}/{after_cuts} as the whole clip counted its "
          f"first k reps" + (f" (off: {'; '.join(after_misses)})" if after_misses else ""))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
