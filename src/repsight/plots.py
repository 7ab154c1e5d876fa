"""One PNG per set: velocity per rep (with the velocity-loss limit), phase durations, drift.

`set_plot_data` pulls per-rep numbers out of a SetAnalysis (pure); `make_figure` draws
them; `plot_set` writes the PNG atomically. `make_figure` puts its figure on an Agg canvas
itself and never calls pyplot or `matplotlib.use`, so repsight does not change a
notebook's or an application's backend, at import or later.
"""

from __future__ import annotations

import math
import os
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from .drift import shown_drift
from .summary import count_words
from .export import atomic_path

PHASES = ("eccentric", "bottom pause", "concentric", "top pause")
PHASE_COLOURS = ("#f28e2b", "#edc948", "#59a14f", "#76b7b2")
FAILURE_COLOUR = "#e15759"
UNCONFIRMED_COLOUR = "#f1b05a"


@dataclass(frozen=True, eq=False)
class SetPlotData:
    """Per-rep series for the plot; arrays are aligned with `reps` (NaN = not measured)."""

    title: str
    reps: np.ndarray  # int[R] 1-based rep numbers
    velocity_mps: np.ndarray  # float[R] mean concentric velocity
    velocity_threshold_mps: float | None  # velocity below which tempo failure is called
    phases_s: np.ndarray  # float[R,4] eccentric, bottom pause, concentric, top pause
    # fault words -> float[R] drift towards the fault (negative: stricter than the first
    # reps); when no fault is measured, angle name -> float[R] signed angle drift instead
    drift_deg: dict[str, np.ndarray] = field(default_factory=dict)
    # series name -> the threshold its technical verdicts were called past (floor and spread)
    drift_threshold_deg: dict[str, float] = field(default_factory=dict)
    failures: dict[int, str] = field(default_factory=dict)  # rep -> verdict kinds
    velocity_unit: str = "m/s"
    # The bar (barbell lifts): each rep's path, float[N,2] horizontal (towards the toes)
    # and vertical metres from the first rep's start, NaN where not followed; and the
    # other velocity of each rep (the body point's when the bar is of record, else the
    # bar's), drawn as markers beside the bars, with its label.
    bar_paths: tuple[np.ndarray, ...] = ()
    other_velocity_mps: np.ndarray | None = None
    other_velocity_label: str = ""
    # rep -> why its phases have no duration, when not "not tracked" (a rep the clip began
    # or ended inside: Rep.cut_start, Rep.cut_end)
    phase_gaps: dict[int, str] = field(default_factory=dict)


def make_figure(data: SetPlotData):
    """A matplotlib Figure with the three panels (Agg backend, nothing shown on screen)."""
    # A bare Figure on an Agg canvas: no pyplot, no global backend switch, so this is safe
    # beside a notebook's own backend and in threads (MediaPipe imports pyplot itself).
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    with_bar = any(np.isfinite(p).any() for p in data.bar_paths)
    fig = Figure(figsize=(8.0, 13.0 if with_bar else 9.0), dpi=110, layout="constrained")
    FigureCanvasAgg(fig)
    if with_bar:
        ax_v, ax_p, ax_d, ax_b = fig.subplots(4, 1, height_ratios=(1, 1, 1, 1.6))
        ax_p.sharex(ax_v)
        ax_d.sharex(ax_v)
        _bar_panel(ax_b, data.bar_paths)
    else:
        ax_v, ax_p, ax_d = fig.subplots(3, 1, sharex=True)
    # A clip's name is text, not mathtext: two "$" in it made matplotlib parse the span
    # between them as maths and fail ("squat_$1_$2.mp4"), losing a batch clip's outputs.
    fig.suptitle(data.title, parse_math=False)
    x = data.reps.astype(float)
    has_reps = len(x) > 0

    # Velocity per rep, failures in red, the threshold as a dashed line; a rep under the
    # line with no verdict (the loss did not last, a baseline rep, a rep not judged) in amber, so
    # a bar below the line is never left to read as a missed failure.
    v = data.velocity_mps
    thr = data.velocity_threshold_mps
    below = [thr is not None and math.isfinite(thr) and math.isfinite(vi) and vi < thr for vi in v]
    colours = [FAILURE_COLOUR if int(r) in data.failures else UNCONFIRMED_COLOUR if low
               else "#4e79a7" for r, low in zip(data.reps, below)]
    if has_reps and np.isfinite(v).any():
        ax_v.bar(x, np.nan_to_num(v, nan=0.0), color=colours, width=0.6)
        if UNCONFIRMED_COLOUR in colours:
            ax_v.bar([np.nan], [np.nan], color=UNCONFIRMED_COLOUR,
                     label="slower than the limit line, not called (did not last, or not judged)")
        for xi, vi in zip(x, v):
            if not math.isfinite(vi):
                ax_v.text(xi, 0, "n/a", ha="center", va="bottom", fontsize=8, color="grey")
    else:
        ax_v.text(0.5, 0.5, "no velocity measured", transform=ax_v.transAxes, ha="center",
                  va="center", color="grey")
    other = data.other_velocity_mps
    if has_reps and other is not None and np.isfinite(other).any():
        ax_v.plot(x, other, linestyle="none", marker="D", color="black", markersize=5,
                  label=data.other_velocity_label)
    if data.velocity_threshold_mps is not None and math.isfinite(data.velocity_threshold_mps):
        ax_v.axhline(data.velocity_threshold_mps, color=FAILURE_COLOUR, linestyle="--",
                     linewidth=1.2,
                     label=f"velocity-loss limit {data.velocity_threshold_mps:.2f} {data.velocity_unit}")
    if ax_v.get_legend_handles_labels()[0]:
        ax_v.legend(loc="upper right", fontsize=8)
    # Headroom above the tallest bar for the legend and the failure labels.
    tops = [t for t in (np.nanmax(v) if np.isfinite(v).any() else np.nan,
                        data.velocity_threshold_mps or np.nan,
                        np.nanmax(other) if other is not None and np.isfinite(other).any()
                        else np.nan) if math.isfinite(t)]
    if tops:
        ax_v.set_ylim(0, 1.3 * max(tops))
    ax_v.set_ylabel(f"mean concentric\nvelocity ({data.velocity_unit})")

    # Phase durations stacked per rep, in the order they happen in the tempo notation.
    if has_reps and np.isfinite(data.phases_s).any():
        bottom = np.zeros(len(x))
        for k, (name, colour) in enumerate(zip(PHASES, PHASE_COLOURS)):
            h = np.nan_to_num(data.phases_s[:, k], nan=0.0)
            ax_p.bar(x, h, bottom=bottom, color=colour, width=0.6, label=name)
            bottom += h
        # A rep partly not tracked, or cut by the clip's edge, has phases with no duration:
        # say so, not a short bar.
        for xi, i, row in zip(x, data.reps, data.phases_s):
            if not np.isfinite(row).all():
                ax_p.text(xi, 0, data.phase_gaps.get(int(i), "not\ntracked"), ha="center",
                          va="bottom", fontsize=8, color="grey")
        ax_p.set_ylim(0, 1.3 * max(float(bottom.max()), 1e-3))
        ax_p.legend(loc="upper right", fontsize=8, ncols=4)
    else:
        ax_p.text(0.5, 0.5, "no phase timings", transform=ax_p.transAxes, ha="center",
                  va="center", color="grey")
    ax_p.set_ylabel("phase duration (s)")

    # Drift of each form angle against the baseline reps.
    drawn = False
    for name, series in data.drift_deg.items():
        if has_reps and np.isfinite(series).any():
            line, = ax_d.plot(x, series, marker="o", label=name)
            drawn = True
            thr = data.drift_threshold_deg.get(name)
            if thr is not None and math.isfinite(thr):
                # The threshold in the fault's direction, in the series' own colour,
                # exactly as the verdicts applied it; below zero is stricter form.
                ax_d.axhline(thr, color=line.get_color(), linestyle="--", linewidth=0.8, alpha=0.7)
    if drawn:
        ax_d.axhline(0.0, color="grey", linewidth=0.8)
        ax_d.legend(loc="upper left", fontsize=8)
    else:
        ax_d.text(0.5, 0.5, "no angle drift measured", transform=ax_d.transAxes,
                  ha="center", va="center", color="grey")
    ax_d.set_ylabel("towards the fault vs first reps (deg)" if data.drift_threshold_deg
                    else "drift vs first reps (deg)")
    ax_d.set_xlabel("rep")
    if has_reps:
        ax_d.set_xticks(x)
        previous = None
        for r, kind in sorted(data.failures.items()):
            for ax in (ax_v, ax_p, ax_d):
                ax.axvspan(r - 0.45, r + 0.45, color=FAILURE_COLOUR, alpha=0.08, zorder=0)
            # A run of reps failing the same way is named once, on its first rep: a
            # 30-rep set's 19 "tempo" labels ran into one another.
            if previous == (r - 1, kind):
                previous = (r, kind)
                continue
            previous = (r, kind)
            k = int(np.flatnonzero(data.reps == r)[0]) if (data.reps == r).any() else -1
            top = float(v[k]) if k >= 0 and math.isfinite(v[k]) else 0.0
            ax_v.annotate(kind, (r, top), xytext=(0, 3), textcoords="offset points",
                          ha="center", va="bottom", fontsize=9, color=FAILURE_COLOUR,
                          fontweight="bold")
    else:
        ax_d.set_xticks([])
    return fig


# Rep colours of the bar path, as in the annotated video (annotate.BAR_COLOURS).
BAR_PATH_COLOURS = ("#ff5ac8", "#5ac8ff", "#e6c800", "#4cc24c", "#ff963c")


def _bar_panel(ax: Any, paths: tuple[np.ndarray, ...]) -> None:
    """The bar's path per rep as a coach sees it from the side: equal metres both ways."""
    for k, p in enumerate(paths):
        if np.isfinite(p).any():
            ax.plot(p[:, 0], p[:, 1], color=BAR_PATH_COLOURS[k % len(BAR_PATH_COLOURS)],
                    linewidth=1.4, label=f"rep {k + 1}")
    ax.set_aspect("equal", adjustable="datalim")
    ax.set_xlabel("bar horizontal (m, towards the toes)")
    ax.set_ylabel("bar height (m)")
    ax.legend(loc="upper right", fontsize=8, ncols=min(5, max(1, len(paths))))
    ax.grid(alpha=0.3)


# Matplotlib warns for each character its font lacks: a clip named with an emoji shows a
# box in the title, and the warning (with a source line) reached the user's terminal. A
# filter set once, for that message only: warnings.catch_warnings around each drawing
# would not be thread-safe (a batch draws in threads).
warnings.filterwarnings("ignore", message=r"Glyph \d+ .*missing from", category=UserWarning)


def save_figure(fig: Any, path: str | os.PathLike) -> Path:
    """Write a Figure atomically as PNG, PDF or SVG, as its name says (outputs.PLOT_FORMATS)."""
    from .outputs import check_plot_output

    path = Path(path)
    fmt = check_plot_output(path)
    with atomic_path(path) as tmp:
        fig.savefig(tmp, format=fmt)
    return path


def _baseline_velocity(analysis: Any) -> float:
    """The analysis's velocity baseline (m/s): its own field when it has one, else read
    back from any rep's velocity and loss (loss = 1 - v / baseline), which holds however
    the metrics stage chose the baseline."""
    holders = (analysis, getattr(getattr(analysis, "assessment", None), "metrics", None))
    for holder in holders:
        v = getattr(holder, "baseline_velocity_mps", None)
        if v is not None:
            return float(v)
    for m in getattr(analysis, "metrics", ()):
        v, loss = _num(m.mean_velocity_mps), _num(m.velocity_loss_pct)
        if math.isfinite(v) and math.isfinite(loss) and loss < 100:
            return v / (1 - loss / 100.0)
    return float("nan")


def set_plot_data(analysis: Any) -> SetPlotData:
    """Per-rep series of a SetAnalysis for make_figure."""
    reps = tuple(analysis.reps)
    n = len(reps)
    idx = np.array([r.index for r in reps], dtype=int)
    metrics = {m.index: m for m in getattr(analysis, "metrics", ())}
    tempo = dict(zip(idx.tolist(), analysis.tempo))
    vel = np.array([_num(getattr(metrics.get(i), "mean_velocity_mps", None)) for i in idx])
    phases = np.full((n, 4), np.nan)
    for k, i in enumerate(idx):
        t = tempo.get(int(i))
        if t is not None:
            phases[k] = (t.eccentric_s, t.bottom_pause_s, t.concentric_s, t.top_pause_s)
    # What the technical verdicts judged: each fault's drift towards it, and its threshold,
    # read from the result, never recomputed. Without fault measures, the angles' drift.
    drift_stage = getattr(getattr(getattr(analysis, "assessment", None), "metrics", None), "drift", None)
    faults = dict(getattr(drift_stage, "faults", {}) or {})
    position = {r.index: k for k, r in enumerate(reps)}
    drift: dict[str, np.ndarray] = {}
    thresholds: dict[str, float] = {}
    for f in faults.values():
        # The same signed reading as the table and the report (negative: stricter).
        drift[f.words] = np.array([shown_drift(f.toward_deg[position[int(i)]],
                                               f.stricter_deg[position[int(i)]]) for i in idx])
        thresholds[f.words] = float(f.threshold_deg)
    if not faults:
        angles: list[str] = []
        for m in metrics.values():
            angles.extend(a for a in m.drift_deg if a not in angles)
        drift = {a: np.array([_num(getattr(metrics.get(i), "drift_deg", {}).get(a)) for i in idx])
                 for a in angles}
    cfg = analysis.config
    base = _baseline_velocity(analysis)
    # No loss read on any rep (the first reps too slow to judge, velocity.MIN_BASELINE_MPS),
    # or none but the baseline's own 0 % (a one-rep set, whose result reads no loss): no
    # limit to draw either.
    summary = getattr(analysis, "verdict_summary", None)
    judged = any(math.isfinite(_num(m.velocity_loss_pct)) for m in getattr(analysis, "metrics", ())) \
        and (summary is None or summary.loss_rep is not None)
    threshold = (base * (1 - cfg.effective_velocity_loss_pct / 100.0)
                 if math.isfinite(base) and judged else None)
    failures: dict[int, str] = {}
    for v in getattr(analysis, "verdicts", ()):
        failures[v.rep_index] = "+".join(filter(None, (failures.get(v.rep_index), v.kind)))
    from .errors import printable

    # printable: a control character in a clip's name has no glyph (a matplotlib warning).
    title = (f"{printable(Path(analysis.source).name) or 'set'} - {analysis.exercise}, "
             f"{count_words(reps)}")
    paths, other, label = _bar_series(analysis, reps)
    gaps = {r.index: "began\nbefore clip" if getattr(r, "cut_start", False) else "cut by\nclip end"
            for r in reps if getattr(r, "cut_start", False) or getattr(r, "cut_end", False)}
    return SetPlotData(title=title, reps=idx, velocity_mps=vel, velocity_threshold_mps=threshold,
                       phases_s=phases, drift_deg=drift, drift_threshold_deg=thresholds,
                       failures=failures, bar_paths=paths, other_velocity_mps=other,
                       other_velocity_label=label, phase_gaps=gaps)


def _bar_series(analysis: Any, reps: tuple[Any, ...]) -> tuple[tuple[np.ndarray, ...],
                                                              np.ndarray | None, str]:
    """Per-rep bar paths (m, from the first rep's start, towards the toes) and the velocity
    shown beside the one of record, read from the analysis's bar result."""
    bar = getattr(analysis, "bar", None)
    if bar is None or not bar.shown or not reps:
        return (), None, ""
    sign = bar.forward or 1
    seen = np.flatnonzero(np.isfinite(bar.x_m[reps[0].start:]))
    if not seen.size:
        return (), None, ""
    k0 = reps[0].start + int(seen[0])  # the first frame with the bar, from rep 1 on
    x0, y0 = bar.x_m[k0], bar.y_m[k0]
    paths = tuple(np.stack([(bar.x_m[r.start:r.end + 1] - x0) * sign,
                            bar.y_m[r.start:r.end + 1] - y0], axis=1) for r in reps)
    if bar.of_record:
        other = np.array([_num(b.body_mean_mps) for b in bar.reps])
        label = "body point (not of record)"
    else:
        other = np.array([_num(b.mean_mps) for b in bar.reps])
        label = "bar (not of record)"
    return paths, other, label


def _num(x: Any) -> float:
    return float(x) if x is not None and math.isfinite(float(x)) else float("nan")


def plot_set(analysis: Any, path: str | os.PathLike) -> Path:
    """Write the set's PNG (velocity, phase durations, drift per rep) atomically."""
    fig = make_figure(set_plot_data(analysis))
    return save_figure(fig, path)
