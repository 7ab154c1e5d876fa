"""Signal conditioning: fill short dropouts, zero-phase low-pass filter per NaN-free run."""

from __future__ import annotations

from functools import lru_cache

import numpy as np


def seen_mean(values: np.ndarray | list, axis: int = 0) -> np.ndarray:
    """Mean over `axis` of the finite entries; NaN where there are none.

    np.nanmean's empty-slice warning is avoided, not silenced: warnings.catch_warnings
    changes process-wide state, and the decode and encode threads could let the warning
    through to the user's terminal (it reached a batch test's output once).
    """
    v = np.asarray(values, dtype=np.float64)
    seen = np.isfinite(v)
    n = seen.sum(axis=axis)
    total = np.where(seen, v, 0.0).sum(axis=axis)
    return np.divide(total, n, out=np.full(total.shape, np.nan), where=n > 0)


def seen_reduce(reduce, values: np.ndarray | list, axis: int = 0) -> np.ndarray | float:
    """`reduce` (np.nanmedian, np.nanmax, ...) over `axis`, NaN where nothing is finite.

    Only the slices with a finite entry are handed to numpy, so its all-NaN warning never
    fires (see seen_mean for why it is not silenced instead).
    """
    v = np.moveaxis(np.asarray(values, dtype=np.float64), axis, -1)
    flat = v.reshape(-1, v.shape[-1])
    seen = np.isfinite(flat).any(axis=1)
    out = np.full(len(flat), np.nan)
    if seen.any():
        out[seen] = reduce(flat[seen], axis=1)
    out = out.reshape(v.shape[:-1])
    return float(out) if out.ndim == 0 else out


def seen_correlation(a: np.ndarray, b: np.ndarray, min_frames: int = 5) -> float:
    """Pearson r over the frames where both are finite (NaN with fewer than min_frames,
    at least 5, or no spread in either)."""
    ok = np.isfinite(a) & np.isfinite(b)
    if ok.sum() < max(min_frames, 5) or np.std(a[ok]) == 0 or np.std(b[ok]) == 0:
        return float("nan")
    return float(np.corrcoef(a[ok], b[ok])[0, 1])


def nan_free_runs(x: np.ndarray) -> list[tuple[int, int]]:
    """[start, stop) index pairs of the maximal runs of rows without NaN (axis 0)."""
    x = np.asarray(x, dtype=np.float64)
    if len(x) == 0:
        return []
    ok = ~np.isnan(x.reshape(len(x), -1)).any(axis=1)
    return true_runs(ok)


def true_runs(mask: np.ndarray) -> list[tuple[int, int]]:
    """[start, stop) pairs of the runs of True in a boolean vector."""
    if mask.size == 0:
        return []
    padded = np.concatenate(([False], mask.astype(bool), [False]))
    edges = np.flatnonzero(np.diff(padded.astype(np.int8)))
    return [(int(a), int(b)) for a, b in zip(edges[::2], edges[1::2])]


def fill_gaps(x: np.ndarray, *, max_gap: int) -> np.ndarray:
    """Linearly interpolate interior NaN gaps of at most `max_gap` frames (axis 0).

    max_gap: longest gap to bridge, in frames (>= 0). Longer gaps and gaps touching either
    end stay NaN: inventing motion across a real dropout would invent reps.
    """
    if max_gap < 0:
        raise ValueError(f"max_gap must be >= 0, got {max_gap}")
    x = np.array(x, dtype=np.float64, copy=True)
    if len(x) == 0:
        return x  # nothing to bridge (reshape(0, -1) raises)
    flat = x.reshape(len(x), -1)
    missing = np.isnan(flat).any(axis=1)
    for a, b in true_runs(missing):
        if a == 0 or b == len(x) or b - a > max_gap:
            continue
        w = (np.arange(a, b) - (a - 1)) / (b - (a - 1))
        flat[a:b] = flat[a - 1] + w[:, None] * (flat[b] - flat[a - 1])
    return x


def lowpass(x: np.ndarray, fps: float, *, cutoff_hz: float, order: int = 2) -> np.ndarray:
    """Zero-phase Butterworth low-pass along axis 0, applied to each NaN-free run separately.

    cutoff_hz: -3 dB frequency in Hz, > 0; at or above 0.95 x Nyquist nothing is filtered.
    order: Butterworth order per pass, 1..8 (forward-backward doubles the effective order).
    Runs too short for the filter's edge padding are filtered with a shorter pad; runs of
    fewer than 3 frames are left as they are.
    """
    if not np.isfinite(fps) or fps <= 0:
        raise ValueError(f"fps must be positive, got {fps!r}")
    if cutoff_hz <= 0:
        raise ValueError(f"cutoff_hz must be positive, got {cutoff_hz!r}")
    if not 1 <= order <= 8:
        raise ValueError(f"order must be 1..8, got {order}")
    x = np.array(x, dtype=np.float64, copy=True)
    nyquist = fps / 2.0
    if cutoff_hz >= 0.95 * nyquist:
        return x
    # Imported here: scipy.signal takes about a second to import (it pulls scipy.stats),
    # which commands that never filter (--help, info, extract) should not pay.
    from scipy import signal as sps

    # A copy: scipy's filter kernel wants a writable array, and the design is shared.
    sos = _butter_sos(order, cutoff_hz / nyquist).copy()
    # Default sosfiltfilt padding; shorter runs get what fits.
    default_pad = 3 * (2 * len(sos) + 1)
    for a, b in nan_free_runs(x):
        n = b - a
        if n < 3:
            continue
        pad = min(default_pad, n - 1)
        x[a:b] = sps.sosfiltfilt(sos, x[a:b], axis=0, padtype="odd", padlen=pad)
    return x


@lru_cache(maxsize=64)
def _butter_sos(order: int, wn: float) -> np.ndarray:
    """Low-pass Butterworth second-order sections, designed once per (order, wn).

    An analysis filters a few hundred signals at a handful of cut-offs; designing the
    filter each time was a third of the filtering time.
    """
    from scipy import signal as sps

    return sps.butter(order, wn, btype="low", output="sos")


def smooth(x: np.ndarray, fps: float, *, cutoff_hz: float, max_gap_s: float | None) -> np.ndarray:
    """fill_gaps for dropouts up to `max_gap_s` seconds (0..2; None bridges every interior
    gap), then lowpass at `cutoff_hz`. The one smoothing entry point of the signal layer."""
    x = np.asarray(x, dtype=np.float64)
    max_gap = len(x) if max_gap_s is None else int(round(max_gap_s * fps))
    return lowpass(fill_gaps(x, max_gap=max_gap), fps, cutoff_hz=cutoff_hz)


# Frame intervals within this share of the median one are an even frame rate (container
# timestamps round to a tick); a longer or shorter one is a dropped or doubled frame.
EVEN_STEP_SHARE = 0.25


def smooth_timed(x: np.ndarray, t: np.ndarray, fps: float, *, cutoff_hz: float,
                 max_gap_s: float | None) -> np.ndarray:
    """smooth() for samples at timestamps t (s, increasing) that need not be evenly spaced.

    The filter works on samples evenly spaced in time: over a variable-frame-rate clip
    (frames dropped here and there) it would spread the longer step across a dropped
    frame onto its neighbours, and velocities read from the result with the real
    timestamps came out 15-20 % high at their peak. Such a signal is read onto an even
    grid at the median frame interval, filtered there and read back at t; an evenly
    spaced one goes through smooth() unchanged (fps: its frame rate).
    """
    x = np.asarray(x, dtype=np.float64)
    t = np.asarray(t, dtype=np.float64)
    dt = np.diff(t)
    step = float(np.median(dt)) if dt.size else 0.0
    if dt.size < 2 or not step > 0 or np.all(np.abs(dt - step) <= EVEN_STEP_SHARE * step):
        return smooth(x, fps, cutoff_hz=cutoff_hz, max_gap_s=max_gap_s)
    max_gap = len(x) if max_gap_s is None else int(round(max_gap_s * fps))
    filled = fill_gaps(x, max_gap=max_gap)
    ok = np.isfinite(filled)
    if ok.sum() < 2:
        return filled
    # With a little slack: (t[-1] - t[0]) / step reads 470.9999 at 29.97 fps, and the
    # grid lost the clip's last frame.
    grid = t[0] + step * np.arange(int(np.floor((t[-1] - t[0]) / step + 1e-6)) + 1)
    on_grid = np.interp(grid, t[ok], filled[ok])
    # A grid point between two samples one of which is missing stays missing, so the
    # filter still treats each seen stretch on its own (a point on a sample, up to float
    # rounding, is that sample's).
    near = 1e-6 * step
    left = np.clip(np.searchsorted(t, grid + near, side="right") - 1, 0, len(t) - 1)
    right = np.minimum(left + 1, len(t) - 1)
    on_grid[~ok[left] | (~ok[right] & (grid > t[left] + near))] = np.nan
    even = lowpass(on_grid, 1.0 / step, cutoff_hz=cutoff_hz)
    seen = np.isfinite(even)
    out = np.full_like(filled, np.nan)
    if seen.sum() >= 2:
        out = np.interp(t, grid[seen], even[seen])
        out[~ok] = np.nan
    return out


def despike(y: np.ndarray, fps: float, *, window_s: float = 0.1) -> np.ndarray:
    """Running median over ~window_s seconds (0.05..0.5; at least 3 frames), NaN-aware.

    MediaPipe now and then throws a joint for one or two frames (an elbow "closing" to 20
    degrees as the hands pass the face); a low-pass filter only spreads such a spike into
    a bump that reads as drift, a median removes it.
    """
    k = max(3, int(round(window_s * fps)) | 1)
    y = np.asarray(y, dtype=np.float64)
    pad = k // 2
    padded = np.pad(y, pad, mode="edge")
    win = np.lib.stride_tricks.sliding_window_view(padded, k)
    out = seen_reduce(np.nanmedian, win, axis=1)  # all-NaN windows stay NaN
    out[~np.isfinite(y)] = np.nan
    return out


def noise_std(x: np.ndarray) -> float:
    """Robust std of white measurement noise in a 1-D signal, from its second differences.

    Second differences cancel slow motion (at video rates a lift's acceleration moves a
    point far less per frame than the landmark jitter does); for white noise of std s they
    have std s * sqrt(6). Median absolute deviation keeps jumps from inflating it.
    """
    x = np.asarray(x, dtype=np.float64)
    d2 = np.concatenate([np.diff(x[a:b], n=2) for a, b in nan_free_runs(x) if b - a >= 3] or [np.zeros(0)])
    if d2.size == 0:
        return 0.0
    return float(1.4826 * np.median(np.abs(d2 - np.median(d2))) / np.sqrt(6.0))


def condition(raw: np.ndarray, fps: float, *, cutoff_hz: float, max_gap_s: float,
              t: np.ndarray | None = None) -> tuple[np.ndarray, float]:
    """(smoothed values, std of their frame-to-frame changes due to noise) of a raw driving
    signal: how every signal the reps are found on is conditioned (despike, smooth,
    noise_std). t: the frames' timestamps (s); given, a clip whose frame rate changes
    part-way is low-passed on real time (smooth_frames), alike on both sides of the change.

    The running median first removes a landmark thrown for a frame, which the low-pass
    alone spreads into a dip a rep can be read in (a rendered press's wrist, thrown 0.17
    of the picture down for one frame in its top hold, dipped the smoothed signal by 0.38
    of a body height); on a moving stretch it changes nothing, as a median of three
    points of a monotone run is its middle one.
    """
    raw = np.asarray(raw, dtype=np.float64)
    if len(raw) == 0:
        return raw.copy(), 0.0
    values = smooth_frames(despike(raw, fps), t, fps, cutoff_hz=cutoff_hz, max_gap_s=max_gap_s)
    return values, noise_std(raw) * diff_noise_gain(fps, cutoff_hz=cutoff_hz)


def smooth_frames(x: np.ndarray, t: np.ndarray | None, fps: float, *, cutoff_hz: float,
                  max_gap_s: float | None) -> np.ndarray:
    """smooth_timed at the frames' timestamps t where the frame rate changes for a while
    (rate_changes), else smooth() at fps (and when there are no timestamps).

    A phone that drops from 30 to 15 fps in a dim gym gives a clip whose average rate
    (22 fps) filtered the 15 fps stretch at two thirds of the cut-off: its concentrics
    read 0.1-0.3 s long, and the set's shared velocity shape carried that to every rep.
    """
    if t is None or len(t) != len(x) or not rate_changes(t):
        return smooth(x, fps, cutoff_hz=cutoff_hz, max_gap_s=max_gap_s)
    return smooth_timed(x, t, fps, cutoff_hz=cutoff_hz, max_gap_s=max_gap_s)


# Frames over which a clip's frame interval is read (half a second at 30 fps).
RATE_WINDOW = 15


def rate_changes(t: np.ndarray, *, window: int = RATE_WINDOW, share: float = EVEN_STEP_SHARE) -> bool:
    """Whether a clip's frame rate changes for a while (a phone dropping from 30 to 15 fps
    in low light): the median frame interval over some `window` frames departs from the
    clip's by more than `share`. A dropped frame here and there, or timestamps jittering
    about an even rate, is no change: the signals the reps are found on stay filtered by
    frame count there, as they always were (a stretch-wise grid moved one such clip's
    velocities 7 %, its first rep's too)."""
    dt = np.diff(np.asarray(t, dtype=np.float64))
    if dt.size < window:
        return False
    whole = float(np.median(dt))
    if not whole > 0:
        return False
    local = np.median(np.lib.stride_tricks.sliding_window_view(dt, window), axis=1)
    return bool(np.any(np.abs(local - whole) > share * whole))


def diff_noise_gain(fps: float, *, cutoff_hz: float, order: int = 2) -> float:
    """Std of frame-to-frame differences of `lowpass`-ed unit white noise (gain per unit std)."""
    n = 401
    impulse = np.zeros(n)
    impulse[n // 2] = 1.0
    h = lowpass(impulse, fps, cutoff_hz=cutoff_hz, order=order)
    return float(np.sqrt(np.sum(np.diff(h) ** 2)))
