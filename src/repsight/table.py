"""Plain-text per-rep table and set summary for the analyze command (velocity, drift, verdicts)."""

from __future__ import annotations

import math
from typing import Any

from .metrics import MAX_RIR


def _num(x: Any, fmt: str, missing: str = "-") -> str:
    """Format a number, or `missing` for None / NaN."""
    if x is None or (isinstance(x, float) and not math.isfinite(x)):
        return missing
    return format(x, fmt)


def _rir(x: float | None) -> str:
    """RIR estimate as '~3', '10+' at the cap, '-' when there is none."""
    if x is None:
        return "-"
    return f"{MAX_RIR:.0f}+" if x >= MAX_RIR else f"~{x:.0f}"


def _drift(drift: dict) -> str:
    """The largest measurable drift as 'trunk +12', or '-'."""
    vals = [(abs(v), k, v) for k, v in drift.items() if v is not None]
    if not vals:
        return "-"
    _, name, v = max(vals)
    return f"{name} {v:+.0f}"


def rep_table(analysis: Any) -> str:
    """One line per rep: tempo, concentric velocity, loss, RIR estimate, worst drift, verdicts."""
    metrics = {m.index: m for m in analysis.metrics}
    tempo = dict(zip((r.index for r in analysis.reps), analysis.tempo))
    kinds: dict[int, list[str]] = {}
    for v in analysis.verdicts:
        kinds.setdefault(v.rep_index, []).append(v.kind)
    setup = set(analysis.assessment.metrics.setup_reps) if analysis.assessment else set()
    head = (f"{'rep':>3}  {'tempo':<13} {'conc s':>6} {'v m/s':>6} {'peak':>5} {'ROM m':>5} "
            f"{'loss %':>6} {'RIR*':>4}  {'drift deg':<14} verdict")
    lines = [head, "-" * len(head)]
    for r in analysis.reps:
        m, t = metrics.get(r.index), tempo.get(r.index)
        flags = ", ".join(kinds.get(r.index, []))
        if r.index in setup:
            flags = "set-up (not judged)"
        elif r.partial:
            flags = ", ".join(filter(None, ["partial", flags]))
        lines.append(
            f"{r.index:>3}  {t.notation() if t else '-':<13} {_num(t.concentric_s if t else None, '.2f'):>6} "
            f"{_num(m.mean_velocity_mps if m else None, '.2f'):>6} {_num(m.peak_velocity_mps if m else None, '.2f'):>5} "
            f"{_num(m.rom_m if m else None, '.2f'):>5} {_num(m.velocity_loss_pct if m else None, '.0f'):>6} "
            f"{_rir(m.rir_estimate if m else None):>4}  {_drift(m.drift_deg) if m else '-':<14} {flags}")
    # Verdicts for a rep the segmentation left out (a stalled last rep) still get a line.
    known = {r.index for r in analysis.reps}
    for idx in sorted(set(kinds) - known):
        lines.append(f"{idx:>3}  {'(stalled, not a full rep)':<62} {', '.join(kinds[idx])}")
    return "\n".join(lines)


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
        out.append(f"scale {a.scale.describe()}; view {m.view} ({sides}); "
                   f"velocity baseline {_num(m.baseline_velocity_mps, '.2f')} m/s "
                   f"(reps {', '.join(map(str, m.baseline_reps)) or '-'})")
    out.append("* RIR is an estimate from velocity loss (Rodriguez-Rosell et al. 2020); "
               "expect +/- a few reps")
    for w in s.warnings:
        out.append(f"warning: {w}")
    return "\n".join(out)
