"""Bar pass: a drawn plate on a moving background is found and followed; the pose gate."""

from __future__ import annotations

import numpy as np
import pytest

cv2 = pytest.importorskip("cv2")

from repsight.barpath import (CIRCLE, FLOW, NONE, _flow_shift, find_circles,  # noqa: E402
                              follow_plate, gate_by_pose, rides_above)


def _plate_clip(n: int = 90, *, radius: int = 36, seed: int = 3, hide: range = range(0)):
    """Grey frames of a dark plate (rim, hub) rising and sinking over a drifting textured wall.

    Returns (frames, true centre float[n,2], hand anchor float[n,2]).
    """
    rng = np.random.default_rng(seed)
    wall = cv2.GaussianBlur(rng.integers(90, 200, (400, 520), dtype=np.uint8), (0, 0), 2.0)
    t = np.arange(n) / 30.0
    centre = np.stack([260 + 12 * np.sin(2 * np.pi * t / 3.0),
                       200 - 70 * np.sin(2 * np.pi * t / 1.5)], axis=1)
    frames = []
    for i, (x, y) in enumerate(centre):
        shift = int(round(3 * np.sin(i / 7.0)))  # the background slides: no static template
        img = np.roll(wall, shift, axis=1)[80:320, 60:460].copy()
        cx, cy = x - 60, y - 80
        if i not in hide:
            cv2.circle(img, (int(round(cx)), int(round(cy))), radius, 35, -1, lineType=cv2.LINE_AA)
            cv2.circle(img, (int(round(cx)), int(round(cy))), radius // 3, 150, 3, lineType=cv2.LINE_AA)
            # texture on the plate's face for the optical-flow bridge
            for k in range(6):
                a = k * np.pi / 3
                cv2.circle(img, (int(cx + 0.6 * radius * np.cos(a)), int(cy + 0.6 * radius * np.sin(a))),
                           3, 120, -1)
        else:
            # an arm and a hand across the plate: most of the rim is hidden, the face's marks show
            cv2.circle(img, (int(round(cx)), int(round(cy))), radius, 35, -1, lineType=cv2.LINE_AA)
            for k in range(6):
                a = k * np.pi / 3
                cv2.circle(img, (int(cx + 0.6 * radius * np.cos(a)), int(cy + 0.6 * radius * np.sin(a))),
                           3, 120, -1)
            for x0 in (-radius - 6, radius - 6):
                cv2.rectangle(img, (int(cx + x0), int(cy - radius - 6)), (int(cx + x0 + 12), int(cy + radius + 6)),
                              170, -1)
            cv2.rectangle(img, (int(cx - radius), int(cy + 0.8 * radius)), (int(cx + radius), int(cy + radius + 6)),
                          170, -1)
            cv2.rectangle(img, (int(cx - radius), int(cy - radius - 6)), (int(cx + radius), int(cy - 0.8 * radius)),
                          170, -1)
        frames.append(img)
    true = centre - np.array([60.0, 80.0])
    hands = true + np.array([4.0, -10.0]) + rng.normal(0, 3, true.shape)
    return frames, true, hands


def test_finds_a_drawn_plate_and_its_rim_not_its_hub():
    frames, true, hands = _plate_clip(1)
    circles = find_circles(frames[0], tuple(hands[0]), 100, 20, 60)
    assert len(circles) >= 1
    best = circles[np.argmin(np.hypot(*(circles[:, :2] - true[0]).T))]
    assert np.hypot(*(best[:2] - true[0])) < 2.0
    assert abs(best[2] - 36) < 3.0
    # the hub (radius 12) is merged into the rim, not reported as a second plate here
    assert not any(np.hypot(*(c[:2] - true[0])) < 5 and c[2] < 20 for c in circles)


def test_follows_the_plate_along_its_known_path():
    frames, true, hands = _plate_clip()
    xy, rad, src = follow_plate(frames, hands, 40.0, fps=30.0)
    found = np.isfinite(xy[:, 0])
    assert found.mean() >= 0.95
    err = np.hypot(*(xy[found] - true[found]).T)
    assert np.median(err) < 1.5 and err.max() < 5.0
    assert np.nanmedian(rad) == pytest.approx(36, abs=2.5)
    assert (src[found] == CIRCLE).mean() > 0.9


def test_keeps_the_plate_through_an_occlusion():
    hidden = range(40, 46)
    frames, true, hands = _plate_clip(hide=hidden)
    xy, rad, src = follow_plate(frames, hands, 40.0, fps=30.0)
    assert all(src[i] in (CIRCLE, FLOW) for i in hidden)
    err = np.hypot(*(xy[list(hidden)] - true[list(hidden)]).T)
    # a circle fitted to a broken rim can sit a quarter radius off; most frames hold
    assert np.median(err) < 3.0 and err.max() < 0.3 * 36
    assert src[50] == CIRCLE  # and back on the rim afterwards


def test_flow_shift_reads_how_far_the_plate_face_moved():
    frames, true, _ = _plate_clip(2)
    shift = _flow_shift(frames[0], frames[1], true[0], 0.9 * 36)
    assert shift is not None
    assert np.hypot(*(shift - (true[1] - true[0]))) < 1.0


def test_no_plate_no_track_and_the_probe_stops_early():
    frames, true, hands = _plate_clip(60)
    blank = [np.full_like(f, 120) for f in frames]
    xy, rad, src = follow_plate(iter(blank), hands, 40.0, fps=30.0, probe_frames=20)
    assert not np.isfinite(xy).any() and (src == NONE).all()


def test_pose_gate_drops_what_leaves_the_hands_and_short_runs():
    n = 60
    anchors = np.stack([np.full(n, 100.0), np.linspace(100, 200, n)], axis=1)
    xy = anchors + np.array([5.0, 3.0])
    xy[30:40] += np.array([120.0, 0.0])  # something round 3 radii away
    xy[50:53] = np.nan
    xy[53:55] = anchors[53:55]  # a 2-frame blip after a gap
    xy[55:] = np.nan
    kept, dropped = gate_by_pose(xy, anchors, 40.0, 30.0, min_run_s=0.2)
    assert np.isfinite(kept[:30, 0]).all() and np.isfinite(kept[40:50, 0]).all()
    assert not np.isfinite(kept[30:40, 0]).any() and dropped[30:40].all()
    assert not np.isfinite(kept[53:55, 0]).any()


def test_pose_gate_keeps_a_plate_the_hands_lag_behind():
    # A curl seen from the side: the plate rises 100 px in 12 frames while the wrists
    # stay down until the top, then catch up; the plate never jumps.
    n, r = 60, 30.0
    y = np.concatenate([np.full(20, 200.0), np.linspace(200, 100, 13)[1:], np.full(28, 100.0)])
    xy = np.stack([np.full(n, 100.0), y], axis=1)
    hands = xy.copy()
    hands[20:32, 1] = 200.0  # the pose trails the whole rise
    kept, dropped = gate_by_pose(xy, hands, r, 30.0)
    assert np.isfinite(kept[:, 0]).all() and not dropped.any()
    # The same frames are dropped when the plate jumps in and out of them (something
    # else round), or when the clip ends before the hands catch up (nothing vouches for
    # the far end of the run).
    jumpy = xy.copy()
    jumpy[20:32, 0] += 3 * r
    assert dropped_frames(jumpy, hands, r) == set(range(20, 32))
    assert set(range(24, 30)) <= dropped_frames(xy[:30], hands[:30], r)


def dropped_frames(xy, anchors, r):
    return set(np.flatnonzero(gate_by_pose(xy, anchors, r, 30.0)[1]).tolist())


def test_real_deadlift_plate_stays_at_the_hands(tmp_path):
    """The side-view deadlift clip's first 3 s: the plate is followed and rides with the hands."""
    from helpers import shared_video

    from repsight.barpath import anchor_px, track_bar
    from repsight.cache import extract_cached

    video = shared_video("deadlift_side_overlay.mp4")
    seq = extract_cached(video, model="full", cache_dir=tmp_path).slice(0, 90)
    track = track_bar(video, seq, "hands")
    assert track.coverage >= 0.95
    assert (track.source == CIRCLE).mean() >= 0.8
    # The bar is in the hands: the plate centre stays close to them (the hand landmarks,
    # both sides averaged, sit on the grip above the bar's axis) and keeps its offset to
    # them while both rise (a track on anything else would not).
    hands = anchor_px(seq, "hands")
    offset = track.xy_px - hands
    ok = np.isfinite(offset[:, 0])
    dist = np.hypot(*offset[ok].T)
    assert np.median(dist) < 1.5 * track.plate_radius_px
    assert np.hypot(*np.std(offset[ok], axis=0)) < 0.5 * track.plate_radius_px
    # and it moves: the first pull lifts the bar by more than a plate radius
    y = track.xy_px[track.found, 1]
    assert y.max() - y.min() > track.plate_radius_px


def test_annotated_frame_draws_each_reps_bar_path_in_its_colour():
    from repsight.annotate import BAR_COLOURS, make_plan, draw_bar_path, _Layout
    from repsight.types import Rep

    reps = (Rep(1, 0, 19, 10, (0, 10), (10, 19), True), Rep(2, 20, 39, 30, (20, 30), (30, 39), True))
    y = np.concatenate([np.linspace(0.2, 0.8, 10), np.linspace(0.8, 0.2, 10)] * 2)
    track = np.stack([np.repeat([0.3, 0.7], 20), y], axis=1)
    track[25] = np.nan  # a frame without the bar leaves a gap, not a jump
    plan = make_plan(exercise="squat", reps=reps, bar_track=track)
    img = np.zeros((200, 200, 3), dtype=np.uint8)
    draw_bar_path(img, plan, 35, layout=_Layout(200, 200))

    def nearest(colour, x0, x1):  # smallest colour distance in a column band (lines are anti-aliased)
        return np.abs(img[:, x0:x1].astype(int) - colour).sum(axis=2).min()

    assert nearest(BAR_COLOURS[0], 50, 70) < 60 and nearest(BAR_COLOURS[1], 130, 150) < 60
    assert nearest(BAR_COLOURS[0], 130, 150) > 100  # each rep in its own colour
    assert tuple(img[100, 60]) != (0, 0, 0) and tuple(img[100, 140]) != (0, 0, 0)  # on the paths
    assert tuple(img[100, 100]) == (0, 0, 0)  # between them


def test_a_plate_seen_at_an_angle_is_found_with_its_full_diameter():
    """An upright ellipse (a plate seen 45 degrees off its axis, hub and sleeve drawn) is one
    plate: its centre, and its long axis as the radius, not a circle inscribed in it."""
    img = np.full((240, 320), 185, np.uint8)
    centre, axes = (170, 120), (27, 38)
    cv2.ellipse(img, centre, axes, 0, 0, 360, 40, -1, lineType=cv2.LINE_AA)
    cv2.ellipse(img, centre, (6, 9), 0, 0, 360, 170, -1, lineType=cv2.LINE_AA)
    cv2.rectangle(img, (170, 115), (260, 125), 150, -1)  # the sleeve, off to one side
    circles = find_circles(img, (150.0, 125.0), 90, 20, 60)
    assert len(circles) >= 1
    best = circles[np.argmax(circles[:, 2])]
    assert np.hypot(best[0] - centre[0], best[1] - centre[1]) < 4
    assert best[2] == pytest.approx(38, rel=0.1)


def test_a_coloured_plate_as_grey_as_the_floor_is_found_by_its_colour():
    """A red bumper plate on a grey floor of the same luminance: invisible in grey, found
    in the chroma view frame_channels adds."""
    from repsight.barpath import frame_channels

    rgb = np.zeros((240, 320, 3), np.uint8)
    rgb[:] = (82, 82, 82)
    cv2.circle(rgb, (160, 120), 40, (180, 40, 40), -1, lineType=cv2.LINE_AA)
    grey = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)
    assert abs(int(grey[120, 160]) - int(grey[10, 10])) < 10  # the same grey
    assert len(find_circles(grey, (160.0, 120.0), 90, 25, 60)) == 0
    found = find_circles(frame_channels(rgb), (160.0, 120.0), 90, 25, 60)
    assert len(found) == 1 and found[0] == pytest.approx([160, 120, 40], abs=3)


def _held_bar_clip(other_dy: float, other_dx: float, other_radius: int, *, n: int = 60,
                   appear: int = 20):
    """Grey frames of a still plate (radius 36) at a lockout, and from frame `appear` on a
    larger dark disc at (other_dx, other_dy) from it: the head under a pressed bar, or the
    near plate where the far one was taken first. Returns (frames, plate centre, anchors)."""
    rng = np.random.default_rng(11)
    wall = cv2.GaussianBlur(rng.integers(90, 200, (300, 420), dtype=np.uint8), (0, 0), 2.0)
    plate = np.array([150.0, 90.0])
    frames = []
    for i in range(n):
        img = wall.copy()
        cv2.circle(img, (int(plate[0]), int(plate[1])), 36, 35, -1, lineType=cv2.LINE_AA)
        if i >= appear:
            cv2.circle(img, (int(plate[0] + other_dx), int(plate[1] + other_dy)), other_radius, 40,
                       -1, lineType=cv2.LINE_AA)
        frames.append(img)
    hands = np.tile(plate + np.array([-50.0, 15.0]), (n, 1)) + rng.normal(0, 1.5, (n, 2))
    return frames, plate, hands


def test_a_larger_round_thing_below_the_held_bar_is_not_taken_for_the_near_plate():
    # A head two radii under the bar, larger than the plate as fitted, appears and holds
    # still: the plate stays followed (a level bar's plates sit at one height).
    frames, plate, hands = _held_bar_clip(other_dy=85, other_dx=-10, other_radius=46)
    xy, _, _ = follow_plate(frames, hands, 40.0, fps=30.0)
    late = xy[30:]
    assert np.isfinite(late[:, 0]).all()
    assert np.hypot(*(late - plate).T).max() < 5.0


def test_a_larger_plate_at_the_same_height_replaces_the_far_one():
    # The near plate (larger) comes into view beside the one followed, at the bar's height.
    frames, plate, hands = _held_bar_clip(other_dy=4, other_dx=110, other_radius=46)
    xy, rad, _ = follow_plate(frames, hands, 40.0, fps=30.0)
    assert np.hypot(*(xy[-1] - (plate + [110, 4]))) < 5.0
    assert rad[-1] == pytest.approx(46, abs=4)


def test_a_track_above_the_shoulders_is_a_head():
    # Shoulders at y=200; a plate on the back rides at their height, a head one radius
    # and more above them.
    n, r = 40, 30.0
    shoulders = np.stack([np.full(n, 100.0), np.full(n, 200.0)], axis=1)
    on_back = shoulders + np.array([0.0, -0.4 * r])
    head = shoulders + np.array([0.0, -1.25 * r])
    assert not rides_above(on_back, shoulders, r)
    assert rides_above(head, shoulders, r)
    head[:30] = np.nan  # followed on a few frames only: still the median of those
    assert rides_above(head, shoulders, r)
    assert not rides_above(np.full((n, 2), np.nan), shoulders, r)


def test_the_bar_pass_runs_by_default_for_every_barbell_lift_the_curl_included() -> None:
    # A side-view barbell curl's plate covers the hands and scrambles the elbow angle the
    # body pass counts on; without the bar pass rendered sets of 3 were counted as 9.
    from repsight.barpath import bar_wanted
    from repsight.profiles import PROFILES, get_profile

    with_bar = [p for p in PROFILES.values() if p.bar is not None]
    assert get_profile("biceps_curl") in with_bar
    assert all(bar_wanted(p, "auto") and not bar_wanted(p, "off") for p in with_bar)
    assert not bar_wanted(get_profile("pushup"), "on")  # no barbell, no pass
