"""Per-rep velocity/form table and set summary for the analyze command (velocity, drift, verdicts)."""

from __future__ import annotations

import math
from typing import Any

from rich.table import Table

from .drift import shown_drift
from .profiles import fault_short
from .summary import closest_to_limits, velocity_source
from .velocity import rir_note, rir_text, rpe_text


def format_number(x: Any, fmt: str, missing: str = "-") -> str:
    """Format a number, or `missing` for None / NaN."""
    if x is None or not math.isfinite(float(x)):
        return missing
    text = format(x, fmt)
    # A value that rounds to zero is shown as 0, not "-0" (a loss of -0.3 %, -0.001 m/s),
    # or "+0" where the format signs every value.
    if text.startswith("-") and not any(c in "123456789" for c in text):
        text = ("+" if "+" in fmt else "") + text[1:]
    return text


def edge_flags(start: int, end: int, cut_start: bool, cut_end: bool,
               span: tuple[int, int] | list[int] | None, n_frames: int) -> list[str]:
    """How a rep cut by an edge is flagged: its set's own edge (the first or last frame of
    `span` [start, stop), of the clip or, where camera cuts split it, of the shot) or the
    tracking's, lost or found inside it; span None: the whole clip of n_frames."""
    first, stop = span if span else (0, n_frames)
    last = stop - 1
    edge = "clip" if (first, stop) == (0, n_frames) else "shot"
    out = []
    # A picture fading to or from a card loses the pose a frame or two before its edge.
    if cut_start:
        out.append(f"began before the {edge}" if start <= first + EDGE_FRAMES
                   else "under way when tracking began")
    if cut_end:
        out.append(f"cut by the {edge}'s end" if end >= last - EDGE_FRAMES
                   else "tracking lost before its end")
    return out


# Frames between a cut rep's last tracked frame and its set's edge that still make the
# edge, not the tracking, what cut it (see edge_flags).
EDGE_FRAMES = 2


def _drift(drift: dict) -> str:
    """The largest measurable angle drift as 'trunk +12', or '-'."""
    vals = [(abs(v), k, v) for k, v in drift.items() if v is not None]
    if not vals:
        return "-"
    _, name, v = max(vals)
    return f"{name} {format_number(v, '+.0f')}"


def _form(faults: dict, k: int) -> str:
    """Rep k's largest fault reading as the report and the plot show it (drift.shown_drift:
    towards a fault 'lean fwd +12', stricter 'lean fwd -8 stricter'); '-' under 1 deg.
    A move the other way is named stricter only past the fault's floor: below it, it is the
    rep-to-rep wobble of the first reps themselves."""
    readings = [(shown_drift(f.toward_deg[k], f.stricter_deg[k]), f) for f in faults.values()]
    readings = [(v, f) for v, f in readings if math.isfinite(v) and abs(v) >= 1]
    if not readings:
        return "-"
    value, f = max(readings, key=lambda r: abs(r[0]))
    name = fault_short(f.measure, f.direction)
    return f"{name} {value:+.0f}" + (" stricter" if value < 0 and -value >= f.floor_deg else "")


def rep_table(analysis: Any) -> Table:
    """One row per rep: concentric velocity, peak, ROM, loss, RIR estimate, worst drift, verdicts."""
    metrics = {m.index: m for m in analysis.metrics}
    kinds: dict[int, list[str]] = {}
    for v in analysis.verdicts:
        kinds.setdefault(v.rep_index, []).append(v.kind)
    setup = set(analysis.assessment.metrics.setup_reps) if analysis.assessment else set()
    # The baseline reps' losses are against each other (rep 1 slower than rep 2 reads a
    # loss): marked, so a loss past the limit there is not read as a missed verdict.
    # A baseline too slow to read a loss on (velocity.MIN_BASELINE_MPS) sets no reference.
    base = (set(analysis.assessment.metrics.baseline_reps)
            if analysis.assessment and not analysis.assessment.metrics.velocity.too_slow else set())
    table = Table(title=f"velocity and form ({analysis.config.goal} goal)", title_justify="left")
    faults = analysis.assessment.metrics.drift.faults if analysis.assessment else {}
    form_col = "form vs first reps, deg" if faults else "drift deg"
    for col in ("rep", "v m/s", "peak", "ROM m", "loss %", "RIR*", form_col, "verdict"):
        table.add_column(col, justify="left" if col in (form_col, "verdict") else "right")
    for k, r in enumerate(analysis.reps):
        m = metrics.get(r.index)
        flags = ", ".join(f"{k} failure" for k in kinds.get(r.index, []))
        if r.index in setup:
            flags = "set-up (not judged)"
        elif r.index in base and len(base) > 1:
            flags = ", ".join(filter(None, ("velocity baseline", flags)))
        table.add_row(
            str(r.index), format_number(m.mean_velocity_mps if m else None, ".2f"),
            format_number(m.peak_velocity_mps if m else None, ".2f"),
            format_number(m.rom_m if m else None, ".2f"),
            format_number(m.velocity_loss_pct if m else None, ".0f"),
            rir_text(m.rir_estimate if m else None),
            _form(faults, k) if faults else (_drift(m.drift_deg) if m else "-"), flags)
    # Verdicts for a rep the segmentation left out (a stalled last rep) still get a row.
    known = {r.index for r in analysis.reps}
    for idx in sorted(set(kinds) - known):
        table.add_row(str(idx), "-", "-", "-", "-", "-", "(stalled, not a full rep)",
                      ", ".join(f"{k} failure" for k in kinds[idx]))
    return table


def summary_block(analysis: Any) -> str:
    """The set summary line, every verdict's reason, the scale and the caveats."""
    s = analysis.verdict_summary
    if s is None:
        return ""
    out = [f"set: {s.line()}"]
    for v in analysis.verdicts:
        out.append(f"  {v.kind:<10} {v.reason}")
    a = analysis.assessment
    if a is not None:
        m = a.metrics
        sides = "both sides" if m.side == "BOTH" else f"{m.side.lower()} side"
        reps = ', '.join(map(str, m.baseline_reps)) or '-'
        base = (f"first reps {format_number(m.baseline_velocity_mps, '.2f')} m/s (reps {reps}; "
                "too slow to read a velocity loss)" if m.velocity.too_slow else
                f"velocity baseline {format_number(m.baseline_velocity_mps, '.2f')} m/s (reps {reps})")
        bar = getattr(analysis, "bar", None)
        of = velocity_source(analysis.exercise, bool(bar is not None and bar.of_record))
        out.append(f"velocity of {of}; scale {a.scale.describe()}; view {m.view} ({sides}); {base}")
    if s.ending == "tolerance":
        # How close the set came to each limit, as the report says it: "stopped with
        # technique intact" beside a knee cave past its limit on one rep (not for long
        # enough to be called) left the terminal's reader to find it in the JSON.
        closest = closest_to_limits(s.ending_evidence)
        if closest:
            out.append("closest to the limits: " + "; ".join(closest))
    if s.rpe_estimate is not None and s.ending != "tolerance":  # a tolerance line says it
        out.append(f"effort: {rir_text(s.rir_estimate)} rep(s) in reserve after rep {s.loss_rep}, "
                   f"RPE {rpe_text(s.rpe_estimate)}*")
    out.append("* RIR is an estimate from velocity loss (Rodriguez-Rosell et al. 2020); "
               f"expect +/- a few reps; {rir_note()}; RPE is that RIR on the reps-in-reserve "
               "scale (Zourdos et al. 2016: 10 = no rep left, 9 = one, 8 = two)")
    for w in s.warnings:
        out.append(f"warning: {w}")
    return "\n".join(out)
