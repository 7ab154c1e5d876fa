"""The few scipy.signal functions repsight uses, in numpy: Butterworth design, zero-phase
filtering and peak finding.

Why not scipy.signal: importing it imports scipy.stats, scipy.interpolate, scipy.optimize
and more, about 1 s of CPU, while `repsight analyze` on cached poses has 0.6 s for
everything (the analysis itself takes ~0.02 s). Each function here follows scipy's
definition (same padding, initial conditions, plateau and prominence rules);
tests/test_dsp.py checks them against scipy.signal to 1e-12.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np


def butter_lowpass_sos(order: int, wn: float) -> np.ndarray:
    """Digital Butterworth low-pass as second-order sections, like
    scipy.signal.butter(order, wn, "low", output="sos").

    order: 1..8; wn: cut-off as a share of the Nyquist frequency, 0 < wn < 1.
    """
    if not 1 <= order <= 8:
        raise ValueError(f"order must be 1..8, got {order}")
    if not 0 < wn < 1:
        raise ValueError(f"wn must be between 0 and 1, got {wn!r}")
    # Analogue prototype poles, pre-warped to the cut-off, then the bilinear transform
    # (sampling rate 2 in units of Nyquist, as scipy does).
    m = np.arange(-order + 1, order, 2)
    p = -np.exp(1j * np.pi * m / (2 * order))
    warped = 4.0 * np.tan(np.pi * wn / 2.0)
    p = p * warped
    k = warped ** order
    pz = (4.0 + p) / (4.0 - p)
    k = float(np.real(k / np.prod(4.0 - p)))
    # One section a conjugate pair (upper half plane), plus a first-order one for a real
    # pole; all zeros sit at z = -1. Sections farthest from the unit circle come first.
    pairs = sorted((q for q in pz if q.imag > 1e-12), key=lambda q: abs(q))
    real = [q.real for q in pz if abs(q.imag) <= 1e-12]
    sos = []
    for q in real:
        sos.append([1.0, 1.0, 0.0, 1.0, -q, 0.0])
    for q in pairs:
        sos.append([1.0, 2.0, 1.0, 1.0, -2.0 * q.real, abs(q) ** 2])
    out = np.array(sos, dtype=np.float64)
    out[0, :3] *= k
    return out


def _section_zi(b: np.ndarray, a: np.ndarray) -> np.ndarray:
    """Steady-state of one section's two delays for a unit step (scipy.signal.lfilter_zi)."""
    i_minus_a = np.array([[1.0 + a[1], -1.0], [a[2], 1.0]])
    return np.linalg.solve(i_minus_a, b[1:] - a[1:] * b[0])


def sosfilt_zi(sos: np.ndarray) -> np.ndarray:
    """Initial delays [n_sections, 2] for a unit step's steady state (scipy.signal.sosfilt_zi)."""
    zi = np.empty((len(sos), 2))
    scale = 1.0
    for s, section in enumerate(sos):
        b, a = section[:3] / section[3], section[3:] / section[3]
        zi[s] = scale * _section_zi(b, a)
        scale *= b.sum() / a.sum()
    return zi


# Samples per block of the block-recursive filter below: long enough that numpy's matrix
# products do the work, short enough that the block matrices stay small (64 x 64).
_BLOCK = 64


def _state_space(sos: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, float]:
    """(A, B, C, D) of the sections in series, each in direct form II transposed:
    delays z' = A z + B v, output y = C z + D v."""
    n = 2 * len(sos)
    a_m, b_v, c_v, d = np.zeros((n, n)), np.zeros(n), np.zeros(n), 1.0
    for s, section in enumerate(sos):
        b0, b1, b2, _, a1, a2 = section / section[3]
        k = 2 * s
        # This section's input is the previous sections' output: C_prev z + D_prev v.
        src_c, src_d = c_v.copy(), d
        a_m[k, k], a_m[k, k + 1], a_m[k + 1, k] = -a1, 1.0, -a2
        a_m[k] += (b1 - a1 * b0) * src_c
        a_m[k + 1] += (b2 - a2 * b0) * src_c
        b_v[k], b_v[k + 1] = (b1 - a1 * b0) * src_d, (b2 - a2 * b0) * src_d
        c_v = b0 * src_c
        c_v[k] += 1.0
        d = b0 * src_d
    return a_m, b_v, c_v, d


def _block_matrices(sos: np.ndarray, size: int):
    """For one block of `size` samples: y = H v + G z0 and z_end = F v + P z0."""
    return _block_matrices_cached(np.ascontiguousarray(sos, dtype=np.float64).tobytes(),
                                  len(sos), size)


@lru_cache(maxsize=64)
def _block_matrices_cached(sos_bytes: bytes, n_sections: int, size: int):
    # A set uses a handful of filters (one per cut-off and frame rate), each many times.
    sos = np.frombuffer(sos_bytes, dtype=np.float64).reshape(n_sections, 6)
    a_m, b_v, c_v, d = _state_space(sos)
    n = len(b_v)
    powers = [np.eye(n)]
    for _ in range(size):
        powers.append(a_m @ powers[-1])
    h = np.zeros(size)
    h[0] = d
    for k in range(1, size):
        h[k] = c_v @ powers[k - 1] @ b_v
    idx = np.arange(size)
    lag = idx[:, None] - idx[None, :]
    big_h = np.where(lag >= 0, h[np.clip(lag, 0, size - 1)], 0.0)
    big_g = np.stack([c_v @ powers[k] for k in range(size)])
    big_f = np.stack([powers[size - 1 - j] @ b_v for j in range(size)], axis=1)
    for m in (big_h, big_g, big_f, powers[size]):
        m.setflags(write=False)  # shared by every caller through the cache
    return big_h, big_g, big_f, powers[size]


def sosfilt(sos: np.ndarray, x: np.ndarray, zi: np.ndarray) -> np.ndarray:
    """Filter x along axis 0 through the sections (scipy.signal.sosfilt with zi), starting
    from delays zi [n_sections, 2, *x.shape[1:]].

    Computed a block of samples at a time from the state-space form (the recursion
    carried between blocks), so the work is matrix products rather than a Python loop.
    """
    x = np.asarray(x, dtype=np.float64)
    shape = x.shape
    flat = x.reshape(len(x), -1)
    m = flat.shape[1]
    z = np.broadcast_to(np.asarray(zi, dtype=np.float64), (len(sos), 2) + shape[1:])
    z = z.reshape(2 * len(sos), m).copy()
    size = min(_BLOCK, max(len(x), 1))
    big_h, big_g, big_f, big_p = _block_matrices(sos, size)
    y = np.empty_like(flat)
    for start in range(0, len(x), size):
        v = flat[start:start + size]
        k = len(v)
        y[start:start + k] = big_h[:k, :k] @ v + big_g[:k] @ z
        if k == size:
            z = big_f @ v + big_p @ z
    return y.reshape(shape)


def sosfiltfilt(sos: np.ndarray, x: np.ndarray, *, padlen: int) -> np.ndarray:
    """Zero-phase forward-backward filtering along axis 0 with odd extension of padlen
    samples (scipy.signal.sosfiltfilt(sos, x, axis=0, padtype="odd", padlen=padlen)).

    padlen: 0 <= padlen < len(x).
    """
    x = np.asarray(x, dtype=np.float64)
    if not 0 <= padlen < len(x):
        raise ValueError(f"padlen must be in 0..{len(x) - 1}, got {padlen}")
    if padlen:
        left = 2 * x[0] - x[padlen:0:-1]
        right = 2 * x[-1] - x[-2:-(padlen + 2):-1]
        ext = np.concatenate([left, x, right])
    else:
        ext = x
    zi = sosfilt_zi(sos).reshape((len(sos), 2) + (1,) * (x.ndim - 1))
    y = sosfilt(sos, ext, zi * ext[0])
    y = sosfilt(sos, y[::-1], zi * y[-1])[::-1]
    return y[padlen:len(y) - padlen] if padlen else y


def find_peaks(x: np.ndarray, *, prominence: float) -> np.ndarray:
    """Indices of the local maxima of x whose prominence is at least `prominence`, like
    scipy.signal.find_peaks(x, prominence=prominence)[0].

    A flat peak is reported at its middle (the lower of two middles); the prominence is
    the peak's height above the higher of the lowest points on each side before the
    signal rises above the peak (or ends). x: 1-D, no NaN.
    """
    x = np.asarray(x, dtype=np.float64)
    values = x.tolist()
    n = len(values)
    peaks = []
    i = 1
    while i < n - 1:
        if values[i - 1] < values[i]:
            ahead = i + 1
            while ahead < n - 1 and values[ahead] == values[i]:
                ahead += 1
            if values[ahead] < values[i]:
                peaks.append((i + ahead - 1) // 2)
                i = ahead
        i += 1
    keep = []
    for p in peaks:
        higher_left = np.flatnonzero(x[:p] > x[p])
        higher_right = np.flatnonzero(x[p + 1:] > x[p])
        lo = higher_left[-1] + 1 if len(higher_left) else 0
        hi = p + 1 + higher_right[0] if len(higher_right) else n
        base = max(x[lo:p + 1].min(), x[p:hi].min())
        if x[p] - base >= prominence:
            keep.append(p)
    return np.array(keep, dtype=np.intp)
