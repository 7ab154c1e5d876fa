"""Failure verdicts on the team's real clips against the hand labels (issue 12, item 8).

    python benchmarks/eval_verdicts_real.py                    # every clip with a label file
    python benchmarks/eval_verdicts_real.py --clips pullup,curl
    python benchmarks/eval_verdicts_real.py --json rows.json   # also dump the per-clip rows ("-": stdout)

Each clip in ../shared/videos with a `benchmarks/labels/<clip>.json` that has a `form` key
is analysed exactly as a user would: `analyse_video(path, build_config(exercise=<the
labelled exercise>))` (profile defaults, nothing tuned per clip; poses come from the
cache in ~/.cache/repsight/poses, a clip not in it goes through the pose model). The
label schema is in benchmarks/labels/README.md.

Matching analyser reps to labelled reps
    When the label file lists one event time per counted rep (`start_s` preferred, else
    `end_s`, else `turnaround_s`), each labelled event is paired with the analyser rep
    whose same event (eval_reps.detected_events) is nearest, within eval_reps'
    MATCH_WINDOW_S (1 s), one-to-one, closest pairs first. Otherwise (most files have no
    times) the analyser's counted reps (completed, not partial) are paired with labelled
    reps 1..n in order; the `match` column says which, and flags `order!=` when the two
    counts differ. Analyser reps paired with no labelled rep are shown as `a<k>`.

Scoring technical calls (score_technical; per rep, every technical verdict on a rep is one call)
    - positive reps: labelled `breakdown: true`, or inside the labelled failure run
      (min..max of `technical_failure_reps`, inclusive).
    - neutral reps: `breakdown: null` (cannot be judged) outside that run; a call there
      is neither true nor false and is left out of precision.
    - a call on a positive rep is true; a call on any other labelled rep, or on an
      analyser rep matched to no labelled rep (a fragment, an extra rep), is false.
    - a verdict that says the fault is there "from rep 1" (see rep1_call) is true when the
      label says `rep1_faulty: true`, else false, whatever rep it sits on.
    - precision = true calls / (true + false calls); recall = positive reps with a call /
      positive reps (an unmatched labelled rep is a miss).
    - "clips with a false call" counts clips with at least one false call; the second
      count leaves out false calls on reps whose label confidence is `low` (calls on
      unmatched analyser reps have no label and always count).

Concentric duration: analyser `tempo[k].concentric_s` minus the labelled `concentric_s`,
over matched reps where both are known (error in ms: median and mean of |error|, bias =
mean signed error; also over `high`-confidence labels only, the concentric's own
confidence where it was labelled frame by frame). Reps labelled frame by frame also have
`concentric_start_s` / `concentric_end_s`: their onset and arrival errors (analyser minus
label, median signed) and duration errors are printed on their own line.

"From rep 1": the analyser has no such output as of this script (Verdict has kind,
rep_index, reason). rep1_call looks for a field (REP1_FIELDS) on the verdicts, the
summary and the analysis, then for a verdict reason or warning saying "from rep 1" / "from
the first rep"; with neither, the column prints n/a.

The header prints the date, git HEAD (with `+dirty` when src/ has uncommitted changes in
the shared tree, which the run then includes) and the exact config.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import re
import subprocess
import sys
import time
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from eval_reps import (LABELS, MATCH_WINDOW_S, ROOT, VIDEOS, clip_rep_count,  # noqa: E402
                       detected_events)

EVENT_KINDS = ("start_s", "end_s", "turnaround_s")
REP1_FIELDS = ("from_rep1", "from_rep_1", "rep1_faulty", "faulty_from_rep1", "baseline_faulty",
               "fault_from_rep1")
REP1_TEXT = re.compile(r"from (rep 1\b|the first rep\b|the start)", re.IGNORECASE)


# ---------------------------------------------------------------------------- scoring (pure)

@dataclass(frozen=True)
class Call:
    """One technical call: the labelled rep it landed on (None: no labelled rep matched)."""

    rep: int | None
    from_rep1: bool = False
    analyser_rep: int = 0


@dataclass
class TechScore:
    tp: int = 0
    fp: int = 0
    neutral: int = 0
    positives: int = 0
    found: int = 0  # positive reps with a call
    fp_not_low: int = 0  # false calls not on a low-confidence label
    tp_not_low: int = 0
    true_calls: list = field(default_factory=list)
    false_calls: list = field(default_factory=list)

    @property
    def precision(self) -> float:
        n = self.tp + self.fp
        return self.tp / n if n else float("nan")

    @property
    def recall(self) -> float:
        return self.found / self.positives if self.positives else float("nan")


def positive_reps(form: dict) -> set[int]:
    """Labelled reps a technical call is right on: breakdown reps and the failure run."""
    pos = {int(r["rep"]) for r in form.get("reps", []) if r.get("breakdown") is True}
    run = [int(r) for r in form.get("technical_failure_reps", [])]
    if run:
        pos |= set(range(min(run), max(run) + 1))
    return pos


def score_technical(form: dict, calls: list[Call]) -> TechScore:
    """Score one clip's technical calls against its `form` label (rules in the docstring)."""
    reps = {int(r["rep"]): r for r in form.get("reps", [])}
    pos = positive_reps(form)
    s = TechScore(positives=len(pos))
    hit: set[int] = set()
    seen: set[tuple] = set()
    for c in calls:
        key = (c.rep if c.rep is not None else f"a{c.analyser_rep}", c.from_rep1)
        if key in seen:  # several verdicts of one kind on one rep are one call
            continue
        seen.add(key)
        lab = reps.get(c.rep) if c.rep is not None else None
        low = lab is not None and lab.get("confidence") == "low"
        if c.from_rep1:
            ok = bool(form.get("rep1_faulty"))
        elif c.rep is not None and c.rep in pos:
            ok = True
        elif lab is not None and lab.get("breakdown") is None:
            s.neutral += 1
            continue
        else:
            ok = False
        name = c.rep if c.rep is not None else f"a{c.analyser_rep}"
        if ok:
            s.tp += 1
            s.tp_not_low += not low
            s.true_calls.append(name)
            if c.rep is not None and not c.from_rep1:
                hit.add(c.rep)
        else:
            s.fp += 1
            s.fp_not_low += not low
            s.false_calls.append(name)
    s.found = len(hit & pos)
    return s


def match_reps(label_times: np.ndarray, found_times: np.ndarray, window: float = MATCH_WINDOW_S) -> dict[int, int]:
    """Labelled rep index (0-based) -> analyser rep position, nearest first, one-to-one."""
    pairs = sorted((abs(float(f) - float(x)), i, j) for i, x in enumerate(label_times)
                   for j, f in enumerate(found_times) if abs(float(f) - float(x)) <= window)
    out: dict[int, int] = {}
    used: set[int] = set()
    for _, i, j in pairs:
        if i not in out and j not in used:
            out[i] = j
            used.add(j)
    return out


# ------------------------------------------------------------------------- analyser side

def rep1_call(an) -> tuple[str, set[int]]:
    """('yes'/'no'/'n/a', analyser reps of verdicts that are "from rep 1")."""
    reps: set[int] = set()
    field_value = None
    for obj in (an, an.verdict_summary, an.assessment, *an.verdicts):
        if obj is None:
            continue
        for name in REP1_FIELDS:
            v = getattr(obj, name, None)
            if isinstance(v, (bool, np.bool_)):
                field_value = bool(field_value) or bool(v)
                if v and hasattr(obj, "rep_index"):  # a verdict carrying the flag
                    reps.add(obj.rep_index)
    for v in an.verdicts:
        if REP1_TEXT.search(v.reason):
            reps.add(v.rep_index)
    texts = list(an.warnings) + list(getattr(an.verdict_summary, "warnings", ()) or ())
    text_hit = any(REP1_TEXT.search(w) for w in texts)
    if reps or text_hit or field_value:
        return "yes", reps
    if field_value is False:
        return "no", reps
    return "n/a", reps


@dataclass
class Row:
    clip: str
    exercise: str
    labelled: int
    counted: int = -1
    match: str = ""
    matched: int = 0
    label_tech: list = field(default_factory=list)
    label_breakdown: list = field(default_factory=list)
    label_unclear: list = field(default_factory=list)
    tech_calls: list = field(default_factory=list)  # labelled rep numbers, or "a<k>"
    tech_reasons: list = field(default_factory=list)
    rep1_label: bool = False
    rep1_analyser: str = "n/a"
    other: list = field(default_factory=list)  # "kind rep"
    tp: int = 0
    fp: int = 0
    neutral: int = 0
    positives: int = 0
    found: int = 0
    fp_not_low: int = 0
    tp_not_low: int = 0
    false_calls: list = field(default_factory=list)
    conc: list = field(default_factory=list)  # [rep, analyser s, label s, confidence]
    # Reps whose concentric was labelled frame by frame: [rep, onset error s, arrival error s,
    # duration error s, confidence] (analyser minus label).
    conc_frames: list = field(default_factory=list)
    # [labelled rep, analyser velocity loss %, labelled frame-level concentric s]
    loss: list = field(default_factory=list)
    note: str = ""


def rep_name(k: int, to_label: dict[int, int]) -> str | int:
    """Label rep number for analyser rep k, or 'a<k>' when it matched none."""
    return to_label.get(k, f"a{k}")


def evaluate(label_path: Path, videos: Path, cache_dir: Path | None) -> Row | None:
    from repsight.analysis import analyse_video
    from repsight.config import build_config

    label = json.loads(label_path.read_text(encoding="utf-8"))
    form = label.get("form")
    if form is None:
        return None
    row = Row(clip=label["clip"], exercise=label["exercise"], labelled=int(label["reps"]))
    row.label_tech = [int(r) for r in form.get("technical_failure_reps", [])]
    row.label_breakdown = [int(r["rep"]) for r in form["reps"] if r.get("breakdown") is True]
    row.label_unclear = [int(r["rep"]) for r in form["reps"] if r.get("breakdown") is None]
    row.rep1_label = bool(form.get("rep1_faulty"))
    video = videos / label["clip"]
    if not video.is_file():
        row.note = "video missing"
        return row
    an = analyse_video(video, build_config(exercise=label["exercise"]), cache_dir=cache_dir)
    row.counted = clip_rep_count(an)
    # A clip a camera cut split into sets: its reps numbered through the clip, in the
    # order detected_events lists them (set by set), as the labels number them.
    flat = [(off + rep.index, rep, tempo) for one, off in an.numbered_sets
            for rep, tempo in zip(one.reps, one.tempo)]
    # analyser rep number (1-based through the clip) -> labelled rep number
    to_label: dict[int, int] = {}
    kind = next((k for k in EVENT_KINDS if len(label.get(k, [])) == row.labelled), None)
    if kind is not None and flat:
        m = match_reps(np.asarray(label[kind], float), detected_events(an, kind))
        to_label = {flat[j][0]: i + 1 for i, j in m.items()}
        row.match = kind.replace("_s", "")
    else:
        counted = [g for g, rep, _ in flat if rep.counted]
        to_label = {k: i + 1 for i, k in enumerate(counted[:row.labelled])}
        row.match = "order" if len(counted) == row.labelled else f"order!={len(counted)}"
    row.matched = len(to_label)
    answers, r1_reps = [], set()
    for one, off in an.numbered_sets:
        answer, reps = rep1_call(one)
        answers.append(answer)
        r1_reps |= {off + k for k in reps}
    row.rep1_analyser = "yes" if "yes" in answers else ("no" if "no" in answers else "n/a")
    calls = []
    for one, off in an.numbered_sets:
        for v in one.verdicts:
            g = off + v.rep_index
            if v.kind == "technical" or g in r1_reps:
                calls.append(Call(to_label.get(g), g in r1_reps, g))
                row.tech_calls.append(rep_name(g, to_label))
                row.tech_reasons.append(v.reason)
            else:
                row.other.append(f"{v.kind} {rep_name(g, to_label)}")
        # A last rep past a threshold yet too close to call (summary.borderline): no call.
        for b in one.verdict_summary.borderline if one.verdict_summary is not None else ():
            row.other.append(f"too close: {b.kind} {rep_name(off + b.rep_index, to_label)} "
                             f"({b.value:g} vs {b.threshold:g})")
    row.tech_calls = sorted(set(row.tech_calls), key=str)
    s = score_technical(form, calls)
    for name in ("tp", "fp", "neutral", "positives", "found", "fp_not_low", "tp_not_low", "false_calls"):
        setattr(row, name, getattr(s, name))
    labs = {int(r["rep"]): r for r in form["reps"]}
    t = an.timestamps_s
    for g, rep, tempo in flat:
        n = to_label.get(g)
        lab = labs.get(n) if n is not None else None
        if lab is None or lab.get("concentric_s") is None or not np.isfinite(tempo.concentric_s):
            continue
        row.conc.append([n, round(float(tempo.concentric_s), 4), float(lab["concentric_s"]),
                         lab.get("concentric_confidence", lab.get("confidence"))])
        if lab.get("concentric_start_s") is not None and lab.get("concentric_end_s") is not None:
            on = float(t[rep.concentric[0]]) - float(lab["concentric_start_s"])
            arr = float(t[rep.concentric[1]]) - float(lab["concentric_end_s"])
            row.conc_frames.append([n, round(on, 4), round(arr, 4),
                                    round(float(tempo.concentric_s) - float(lab["concentric_s"]), 4),
                                    lab.get("concentric_confidence")])
    losses = {off + m.index: m.velocity_loss_pct for one, off in an.numbered_sets for m in one.metrics}
    for g, n in to_label.items():
        lab = labs.get(n)
        loss = losses.get(g)
        if (lab is not None and lab.get("concentric_start_s") is not None and loss is not None
                and np.isfinite(loss)):
            row.loss.append([n, round(float(loss), 2), float(lab["concentric_s"])])
    return row


def implied_loss(row: Row, baseline_reps: int = 2) -> list[tuple[int, float, float]]:
    """(rep, analyser loss %, the loss its labelled concentric time implies %) for a clip
    whose first reps and at least five others are labelled frame by frame: the labels give
    no travel, so at a constant travel velocity goes as 1 / duration, against the fastest
    of the first `baseline_reps` (the analyser's baseline rule)."""
    by = {n: (loss, d) for n, loss, d in row.loss}
    if not all(k in by for k in range(1, baseline_reps + 1)) or len(by) < baseline_reps + 5:
        return []
    best = min(by[k][1] for k in range(1, baseline_reps + 1))
    return [(n, by[n][0], 100.0 * (1.0 - best / by[n][1])) for n in sorted(by) if n > 1]


# ------------------------------------------------------------------------------- printing

def _reps(xs) -> str:
    return ",".join(map(str, xs)) if xs else "-"


def _pct(x: float) -> str:
    return "n/a" if not np.isfinite(x) else f"{x:.2f}"


def git_head() -> str:
    def run(*a):
        return subprocess.run(["git", *a], cwd=ROOT, capture_output=True, text=True).stdout
    head = run("rev-parse", "--short", "HEAD").strip() or "unknown"
    dirty = [line[3:] for line in run("status", "--porcelain", "--", "src").splitlines() if line.strip()]
    return head + (f" +uncommitted changes in {', '.join(dirty)}" if dirty else "")


def header(cfg_example) -> str:
    cfg = {k: v for k, v in dataclasses.asdict(cfg_example).items()}
    cfg["exercise"] = "<labelled exercise>"
    now = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    return (f"eval_verdicts_real  {now}  HEAD {git_head()}\n"
            f"config: build_config(exercise=<labelled exercise>) = AnalysisConfig({', '.join(f'{k}={v!r}' for k, v in cfg.items())})")


def print_table(rows: list[Row]) -> None:
    head = (f"{'clip':31s} {'exercise':14s} {'lab/cnt':>7s} {'match':10s} {'label tech':11s} {'repsight tech':13s} "
            f"{'rep1 lab/rs':11s} {'TP FP':5s} {'conc err ms':>13s}  other verdicts")
    print(head)
    print("-" * len(head))
    for r in rows:
        if r.counted < 0:
            print(f"{r.clip[:-4]:31s} {r.exercise:14s} skipped: {r.note}")
            continue
        lab = _reps(r.label_tech)
        if r.label_unclear:
            lab += f" ?{_reps(r.label_unclear)}"
        err = [1000 * (a - b) for _, a, b, _ in r.conc]
        conc = f"{np.median(err):+5.0f} (n={len(err)})" if err else "-"
        rep1 = f"{'yes' if r.rep1_label else 'no'}/{r.rep1_analyser}"
        print(f"{r.clip[:-4][:31]:31s} {r.exercise:14s} {r.labelled:3d}/{r.counted:<3d} {r.match:10s} {lab:11s} "
              f"{_reps(r.tech_calls):13s} {rep1:11s} {r.tp:2d} {r.fp:2d} {conc:>13s}  {'; '.join(r.other) or '-'}")
    print("-" * len(head))
    print("label tech: labelled technical-failure reps (?n: breakdown unclear); repsight tech: reps with a "
          "technical verdict, in label numbering (a<k>: analyser rep k, matched to no labelled rep); "
          "conc err: median analyser - label concentric duration")


def totals(rows: list[Row]) -> dict:
    done = [r for r in rows if r.counted >= 0]
    tp, fp = sum(r.tp for r in done), sum(r.fp for r in done)
    pos, found = sum(r.positives for r in done), sum(r.found for r in done)
    tpn, fpn = sum(r.tp_not_low for r in done), sum(r.fp_not_low for r in done)
    conc = [c for r in done for c in r.conc]
    err = np.array([1000 * (a - b) for _, a, b, _ in conc])
    err_hi = np.array([1000 * (a - b) for _, a, b, cf in conc if cf == "high"])
    return dict(
        clips=len(done), calls=tp + fp, true_calls=tp, false_calls=fp,
        neutral_calls=sum(r.neutral for r in done),
        precision=tp / (tp + fp) if tp + fp else float("nan"),
        positives=pos, found=found, recall=found / pos if pos else float("nan"),
        precision_excl_low=tpn / (tpn + fpn) if tpn + fpn else float("nan"),
        clips_false_call=sum(r.fp > 0 for r in done),
        clips_false_call_excl_low=sum(r.fp_not_low > 0 for r in done),
        rep1_labelled_faulty=sum(r.rep1_label for r in done),
        rep1_analyser=sorted({r.rep1_analyser for r in done}),
        conc_n=len(err),
        conc_median_abs_ms=float(np.median(np.abs(err))) if len(err) else float("nan"),
        conc_mean_abs_ms=float(np.mean(np.abs(err))) if len(err) else float("nan"),
        conc_bias_ms=float(np.mean(err)) if len(err) else float("nan"),
        conc_hi_n=len(err_hi),
        conc_hi_median_abs_ms=float(np.median(np.abs(err_hi))) if len(err_hi) else float("nan"),
        conc_hi_bias_ms=float(np.mean(err_hi)) if len(err_hi) else float("nan"),
        **_frame_level([c for r in done for c in r.conc_frames]),
        reps_labelled=sum(r.labelled for r in done), reps_matched=sum(r.matched for r in done),
    )


def _frame_level(rows: list) -> dict:
    """Onset, arrival and duration errors (ms) over the reps labelled frame by frame."""
    if not rows:
        return dict(frames_n=0)
    a = 1000 * np.array([r[1:4] for r in rows], dtype=np.float64)
    return dict(frames_n=len(a), frames_onset_median_ms=float(np.median(a[:, 0])),
                frames_arrival_median_ms=float(np.median(a[:, 1])),
                frames_duration_median_abs_ms=float(np.median(np.abs(a[:, 2]))),
                frames_duration_bias_ms=float(np.mean(a[:, 2])),
                frames_duration_within_100ms=float(np.mean(np.abs(a[:, 2]) <= 100)))


def print_loss_check(rows: list[Row]) -> None:
    """Per clip with enough frame-level labels: the analyser's velocity loss against the
    loss the labelled concentric times imply (implied_loss)."""
    for r in rows:
        pairs = implied_loss(r)
        if pairs:
            d = np.array([a - b for _, a, b in pairs])
            print(f"velocity loss vs the loss its labelled concentric times imply (constant travel): "
                  f"{r.clip}, reps {pairs[0][0]}-{pairs[-1][0]} ({len(pairs)}): mean |diff| "
                  f"{np.mean(np.abs(d)):.1f} points, bias {np.mean(d):+.1f}")


def print_totals(t: dict) -> None:
    print(f"clips {t['clips']}; labelled reps {t['reps_labelled']}, matched to analyser reps {t['reps_matched']}")
    print(f"technical calls: {t['calls']} ({t['true_calls']} true, {t['false_calls']} false, "
          f"{t['neutral_calls']} more on unclear reps, not scored); precision {_pct(t['precision'])}, "
          f"recall {_pct(t['recall'])} ({t['found']}/{t['positives']} labelled failure reps called)")
    print(f"clips with a false technical call: {t['clips_false_call']}/{t['clips']}; leaving out "
          f"low-confidence labels: {t['clips_false_call_excl_low']}/{t['clips']} "
          f"(precision without calls on low-confidence labels {_pct(t['precision_excl_low'])})")
    print(f"rep 1 faulty: labelled on {t['rep1_labelled_faulty']}/{t['clips']} clips; analyser output: "
          f"{', '.join(t['rep1_analyser'])}")
    if t["conc_n"]:
        print(f"concentric duration, analyser - label, {t['conc_n']} matched reps: median |err| "
              f"{t['conc_median_abs_ms']:.0f} ms, mean |err| {t['conc_mean_abs_ms']:.0f} ms, bias "
              f"{t['conc_bias_ms']:+.0f} ms; high-confidence labels only ({t['conc_hi_n']}): median |err| "
              f"{t['conc_hi_median_abs_ms']:.0f} ms, bias {t['conc_hi_bias_ms']:+.0f} ms")
    if t.get("frames_n"):
        print(f"  of them labelled frame by frame ({t['frames_n']} reps): onset {t['frames_onset_median_ms']:+.0f} ms "
              f"and arrival {t['frames_arrival_median_ms']:+.0f} ms (median, signed); duration median |err| "
              f"{t['frames_duration_median_abs_ms']:.0f} ms, bias {t['frames_duration_bias_ms']:+.0f} ms, "
              f"within 100 ms on {t['frames_duration_within_100ms']:.0%}")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--videos", type=Path, default=VIDEOS)
    ap.add_argument("--labels", type=Path, default=LABELS)
    ap.add_argument("--cache-dir", type=Path, default=None, help="pose cache (default ~/.cache/repsight/poses)")
    ap.add_argument("--clips", default="", help="comma-separated substrings; keep clips whose name has one")
    ap.add_argument("--json", default=None, help="write the per-clip rows and totals here ('-': stdout)")
    ap.add_argument("--reasons", action="store_true", help="print every technical verdict's reason")
    args = ap.parse_args(argv)
    if not args.videos.is_dir():
        print(f"skipped: no clips at {args.videos} (the team's shared data is not on this machine)")
        return 0
    from repsight.config import build_config

    keys = [k for k in args.clips.split(",") if k]
    paths = [p for p in sorted(args.labels.glob("*.json")) if not keys or any(k in p.stem for k in keys)]
    head = header(build_config(exercise="squat"))
    print(head)
    t0 = time.perf_counter()
    rows = [r for r in (evaluate(p, args.videos, args.cache_dir) for p in paths) if r is not None]
    print()
    print_table(rows)
    if args.reasons:
        for r in rows:
            for why in r.tech_reasons:
                print(f"  {r.clip[:-4]}: {why}")
    tot = totals(rows)
    print_totals(tot)
    print_loss_check(rows)
    print(f"({time.perf_counter() - t0:.1f} s)")
    if args.json:
        text = json.dumps({"run": head, "rows": [asdict(r) for r in rows], "totals": tot}, indent=2, default=str) + "\n"
        if args.json == "-":
            sys.stdout.write(text)
        else:
            Path(args.json).write_text(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
