"""Gap filling and zero-phase filtering."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from repsight.smoothing import (despike, diff_noise_gain, fill_gaps, lowpass, nan_free_runs, noise_std,
                                seen_mean, seen_reduce, smooth)


def test_nan_free_runs() -> None:
    x = np.array([np.nan, 1, 2, np.nan, np.nan, 3, 4, 5, np.nan])
    assert nan_free_runs(x) == [(1, 3), (5, 8)]
    assert nan_free_runs(np.zeros(0)) == []
    xy = np.ones((4, 2))
    xy[2, 1] = np.nan  # a row with any NaN breaks the run
    assert nan_free_runs(xy) == [(0, 2), (3, 4)]


def test_fill_gaps_bridges_short_interior_gaps_only() -> None:
    x = np.array([np.nan, 0.0, np.nan, 2.0, np.nan, np.nan, np.nan, np.nan, 7.0, np.nan])
    y = fill_gaps(x, max_gap=2)
    assert y[2] == pytest.approx(1.0)
    assert np.isnan(y[4:8]).all()  # 4 frames > max_gap
    assert np.isnan(y[0]) and np.isnan(y[-1])  # never extrapolated at the ends
    assert np.isnan(x[2])  # input untouched
    xy = np.array([[0.0, 10.0], [np.nan, np.nan], [2.0, 30.0]])
    np.testing.assert_allclose(fill_gaps(xy, max_gap=1)[1], [1.0, 20.0])
    with pytest.raises(ValueError):
        fill_gaps(x, max_gap=-1)


def test_lowpass_is_zero_phase_and_removes_noise() -> None:
    fps = 30.0
    t = np.arange(0, 10, 1 / fps)
    slow = np.sin(2 * np.pi * 0.5 * t)
    rng = np.random.default_rng(0)
    noisy = slow + rng.normal(0, 0.2, t.size)
    out = lowpass(noisy, fps, cutoff_hz=3.0)
    inner = slice(30, -30)
    # no lag: a slow movement passes through unshifted (a one-way filter would trail it)
    np.testing.assert_allclose(lowpass(slow, fps, cutoff_hz=3.0)[inner], slow[inner], atol=0.01)
    assert np.std(out[inner] - slow[inner]) < 0.5 * np.std(noisy[inner] - slow[inner])  # 3 of 15 Hz pass
    # at or above Nyquist nothing is filtered
    np.testing.assert_array_equal(lowpass(noisy, fps, cutoff_hz=15.0), noisy)
    with pytest.raises(ValueError):
        lowpass(noisy, 0.0, cutoff_hz=3.0)
    with pytest.raises(ValueError):
        lowpass(noisy, fps, cutoff_hz=0.0)


def test_lowpass_filters_each_run_and_keeps_nans() -> None:
    fps = 30.0
    x = np.concatenate([np.full(40, 1.0), [np.nan] * 5, np.full(40, 5.0), [np.nan], [3.0, 3.0]])
    out = lowpass(x, fps, cutoff_hz=2.0)
    assert np.isnan(out[40:45]).all() and np.isnan(out[85])
    # no leakage across the gap: each constant run stays constant
    np.testing.assert_allclose(out[:40], 1.0, atol=1e-9)
    np.testing.assert_allclose(out[45:85], 5.0, atol=1e-9)
    np.testing.assert_array_equal(out[86:], [3.0, 3.0])  # too short to filter


def test_noise_estimate_and_gain() -> None:
    rng = np.random.default_rng(1)
    t = np.arange(0, 20, 1 / 30)
    x = 3 * np.sin(2 * np.pi * 0.3 * t) + rng.normal(0, 0.05, t.size)
    assert noise_std(x) == pytest.approx(0.05, rel=0.15)
    assert noise_std(np.full(10, 2.0)) == 0.0
    # the gain is what white noise actually shows after filtering and differencing
    white = rng.normal(0, 1.0, 20000)
    measured = np.std(np.diff(lowpass(white, 30.0, cutoff_hz=4.0)))
    assert diff_noise_gain(30.0, cutoff_hz=4.0) == pytest.approx(measured, rel=0.05)


def test_smooth_combines_both() -> None:
    x = np.array([0.0, 1.0, np.nan, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0])
    out = smooth(x, 30.0, cutoff_hz=5.0, max_gap_s=0.1)
    assert np.isfinite(out).all()
    np.testing.assert_allclose(out, np.arange(10.0), atol=0.05)  # a ramp passes through


def test_seen_mean_skips_nan_and_never_warns() -> None:
    stack = np.array([[1.0, np.nan, np.nan], [3.0, 5.0, np.nan]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # an empty-slice warning would fail the test
        out = seen_mean(stack, axis=0)
    assert out[0] == 2.0 and out[1] == 5.0 and np.isnan(out[2])
    assert seen_mean([[1.0, 2.0], [3.0, 4.0]], axis=1).tolist() == [1.5, 3.5]


def test_seen_reduce_and_despike_leave_unseen_windows_nan_without_a_warning() -> None:
    stack = np.array([[1.0, 7.0, np.nan], [3.0, np.nan, np.nan], [2.0, 9.0, np.nan]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        med = seen_reduce(np.nanmedian, stack, axis=0)
        top = seen_reduce(np.nanmax, stack, axis=1)
        one = seen_reduce(np.nanmedian, np.full(4, np.nan))
        y = despike(np.r_[np.full(6, np.nan), 1.0, 1.0, 40.0, 1.0, 1.0], 30.0, window_s=0.1)
    assert med[0] == 2.0 and med[1] == 8.0 and np.isnan(med[2])
    assert top.tolist() == [7.0, 3.0, 9.0]
    assert np.isnan(one)
    assert np.isnan(y[:6]).all() and y[8] == 1.0  # the spike is removed, unseen stays NaN


def test_a_signal_with_dropped_frames_is_smoothed_in_time_not_by_frame_count() -> None:
    """A variable-frame-rate clip (every 7th and 11th frame dropped, and a 9-frame hole):
    velocities read from the smoothed height with the real timestamps kept their peak
    within a few per cent, where smoothing by frame count read it 15-20 % high."""
    from repsight.smoothing import smooth, smooth_timed

    fps = 30.0
    n = np.arange(600)
    keep = (n % 7 != 3) & (n % 11 != 5) & ~((n >= 100) & (n <= 108))
    t = n[keep] / fps
    h = 0.25 * (1 - np.cos(2 * np.pi * 0.4 * t))  # metres; true peak speed 0.2 pi m/s
    true_peak = 0.25 * 2 * np.pi * 0.4
    timed = np.gradient(smooth_timed(h, t, fps, cutoff_hz=4.0, max_gap_s=0.25), t)
    assert np.nanmax(np.abs(timed[20:-20])) == pytest.approx(true_peak, rel=0.03)
    by_count = np.gradient(smooth(h, fps, cutoff_hz=4.0, max_gap_s=0.25), t)
    assert np.nanmax(np.abs(by_count[20:-20])) > 1.08 * true_peak
    # Evenly spaced samples take exactly the frame-count path.
    even = np.arange(300) / fps
    y = np.sin(even)
    np.testing.assert_array_equal(smooth_timed(y, even, fps, cutoff_hz=4.0, max_gap_s=0.25),
                                  smooth(y, fps, cutoff_hz=4.0, max_gap_s=0.25))
    # A missing stretch stays missing.
    holed = h.copy()
    holed[200:220] = np.nan
    out = smooth_timed(holed, t, fps, cutoff_hz=4.0, max_gap_s=0.25)
    assert np.isnan(out[200:220]).all() and np.isfinite(out[:190]).all()


def test_condition_removes_a_landmark_thrown_for_one_frame():
    # A hold at the top of a lift with the landmark thrown down for one frame: low-passed
    # alone it dips by a fifth of the throw over several frames, a dip a rep can be read
    # in; the running median before the low-pass leaves the hold flat. On a smooth
    # movement the median changes nothing.
    from repsight.smoothing import condition, lowpass

    hold = np.ones(60)
    thrown = hold.copy()
    thrown[30] = 0.6
    values, _ = condition(thrown, 30.0, cutoff_hz=4.0, max_gap_s=0.25)
    assert np.max(np.abs(values - 1.0)) < 1e-9
    assert np.min(lowpass(thrown, 30.0, cutoff_hz=4.0)) < 0.95
    ramp = 0.5 - 0.5 * np.cos(np.linspace(0.0, np.pi, 60))
    values, _ = condition(ramp, 30.0, cutoff_hz=4.0, max_gap_s=0.25)
    assert np.allclose(values, lowpass(ramp, 30.0, cutoff_hz=4.0), atol=1e-9)


def test_a_clip_whose_frame_rate_drops_part_way_is_filtered_on_real_time():
    # A phone dropping from 30 to 15 fps in a dim gym: filtered by frame count at the
    # clip's average rate (22.6 fps), the 15 fps half is low-passed at two thirds of the
    # cut-off, a fast rep's movement flattens and its concentric reads long. With the
    # frames' timestamps it is filtered as the same clip filmed at 15 fps throughout.
    from repsight.smoothing import condition

    t = np.concatenate([np.arange(0.0, 5.0, 1 / 30), 5.0 + np.arange(0.0, 5.0, 1 / 15)])
    fps = (len(t) - 1) / (t[-1] - t[0])
    y = np.sin(2 * np.pi * 2.5 * t)
    t15 = np.arange(0.0, 10.0, 1 / 15)
    steady, _ = condition(np.sin(2 * np.pi * 2.5 * t15), 15.0, cutoff_hz=4.0, max_gap_s=0.25)
    late, late15 = (t > 6) & (t < 9), (t15 > 6) & (t15 < 9)
    want = np.ptp(steady[late15])
    timed, _ = condition(y, fps, cutoff_hz=4.0, max_gap_s=0.25, t=t)
    by_count, _ = condition(y, fps, cutoff_hz=4.0, max_gap_s=0.25)
    assert np.ptp(timed[late]) > 0.85 * want
    assert np.ptp(by_count[late]) < 0.7 * want
    # The 30 fps half reads as the clip filmed at 30 fps throughout (by count it was
    # filtered at 5.3 Hz there).
    t30 = np.arange(0.0, 10.0, 1 / 30)
    steady30, _ = condition(np.sin(2 * np.pi * 2.5 * t30), 30.0, cutoff_hz=4.0, max_gap_s=0.25)
    early, early30 = (t > 1) & (t < 4), (t30 > 1) & (t30 < 4)
    assert np.ptp(timed[early]) == pytest.approx(np.ptp(steady30[early30]), rel=0.02)


def test_only_a_lasting_change_of_frame_rate_moves_the_rep_signals_onto_real_time():
    # One dropped frame, or timestamps jittering about an even rate, changed a real clip's
    # velocities by 7 % once the whole clip was filtered on a time grid; such clips are
    # filtered by frame count as before, and only a lasting change (30 to 15 fps) is not.
    from repsight.smoothing import condition, rate_changes

    rng = np.random.default_rng(0)
    even = np.arange(300) / 30.0
    dropped = np.delete(even, 150)
    jittered = even + rng.uniform(-0.2, 0.2, 300) / 30.0
    halved = np.concatenate([np.arange(0.0, 5.0, 1 / 30), 5.0 + np.arange(0.0, 5.0, 1 / 15)])
    assert [rate_changes(t) for t in (even, dropped, jittered, halved)] == [False, False, False, True]
    y = np.sin(2 * np.pi * 1.5 * dropped)
    np.testing.assert_array_equal(condition(y, 30.0, cutoff_hz=4.0, max_gap_s=0.25, t=dropped)[0],
                                  condition(y, 30.0, cutoff_hz=4.0, max_gap_s=0.25)[0])


def test_a_time_grid_keeps_the_clips_last_frame_and_a_sample_before_a_hole():
    # At 29.97 fps (t[-1] - t[0]) / step read 470.9999 and the grid lost the last frame;
    # a grid point on a sample, up to rounding, was taken as between it and a hole.
    from repsight.smoothing import smooth_timed

    for fps, n in ((29.97, 472), (25.0, 233)):
        t = np.delete(np.arange(n) / fps, n // 2)  # one frame dropped: the grid path
        x = t.copy()  # a steady rise, value = time
        out = smooth_timed(x, t, fps, cutoff_hz=4.0, max_gap_s=0.25)
        np.testing.assert_allclose(out[-3:], x[-3:], atol=1e-3)
    t = np.delete(np.arange(472) / 29.97, 100)
    x = t.copy()
    x[361:] = np.nan  # the set over, nobody in the picture
    out = smooth_timed(x, t, 29.97, cutoff_hz=4.0, max_gap_s=0.25)
    np.testing.assert_allclose(out[357:361], x[357:361], atol=1e-3)
