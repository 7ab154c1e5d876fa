"""repsight.dsp against scipy.signal: same numbers, without scipy.signal's import cost."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import signal as sps

from repsight import dsp


@pytest.mark.parametrize("order", range(1, 9))
@pytest.mark.parametrize("wn", [0.05, 0.27, 0.6, 0.9])
def test_butter_matches_scipy(order: int, wn: float) -> None:
    ours = dsp.butter_lowpass_sos(order, wn)
    ref = sps.butter(order, wn, btype="low", output="sos")
    assert ours.shape == ref.shape
    # Same filter: the same response at every frequency (section order may differ).
    _, h_ours = sps.sosfreqz(ours, worN=256)
    _, h_ref = sps.sosfreqz(ref, worN=256)
    np.testing.assert_allclose(h_ours, h_ref, atol=1e-10)


@pytest.mark.parametrize("shape", [(200,), (57, 3), (31, 2, 4)])
@pytest.mark.parametrize("order", [1, 2, 3])
def test_sosfiltfilt_matches_scipy(shape: tuple, order: int) -> None:
    rng = np.random.default_rng(len(shape) * 10 + order)
    x = np.cumsum(rng.normal(size=shape), axis=0)
    sos = sps.butter(order, 0.2, output="sos")
    for pad in (0, 1, 3 * (2 * len(sos) + 1), len(x) - 1):
        ours = dsp.sosfiltfilt(sos, x, padlen=pad)
        ref = sps.sosfiltfilt(sos, x, axis=0, padtype="odd", padlen=pad)
        np.testing.assert_allclose(ours, ref, rtol=1e-12, atol=1e-12)
    with pytest.raises(ValueError, match="padlen"):
        dsp.sosfiltfilt(sos, x, padlen=len(x))


def test_find_peaks_matches_scipy() -> None:
    rng = np.random.default_rng(7)
    for k in range(200):
        n = int(rng.integers(3, 300))
        x = np.round(np.cumsum(rng.normal(size=n)), 1)  # rounded: plateaus happen
        for prominence in (0.0, 0.5, 2.0):
            ref, _ = sps.find_peaks(x, prominence=prominence)
            np.testing.assert_array_equal(dsp.find_peaks(x, prominence=prominence), ref)
    flat = np.array([0, 1, 3, 3, 3, 3, 1, 0, 2, 2, 0], dtype=float)
    assert dsp.find_peaks(flat, prominence=1.0).tolist() == [3, 8]
