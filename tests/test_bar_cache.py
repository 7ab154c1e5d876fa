"""The bar track is cached beside the poses: reused, re-tracked when its key changes or its file is damaged."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("cv2")

from repsight import barpath  # noqa: E402
from repsight.cache import bar_cache_key, bar_cache_path, extract_cached, load_bar_track, track_bar_cached  # noqa: E402
from repsight.errors import CacheError  # noqa: E402

from helpers import run_ffmpeg, shared_video  # noqa: E402


@pytest.fixture(scope="module")
def deadlift(tmp_path_factory: pytest.TempPathFactory):
    """The first 3 s of the side-view deadlift clip (a plate at the hands) and its poses."""
    folder = tmp_path_factory.mktemp("bar")
    clip = folder / "deadlift_3s.mp4"
    run_ffmpeg("-i", str(shared_video("deadlift_side_overlay.mp4")), "-t", "3", "-an",
               "-c", "copy", str(clip))
    return clip, extract_cached(clip, model="full", cache_dir=folder / "poses")


@pytest.fixture
def passes(monkeypatch: pytest.MonkeyPatch) -> list[dict]:
    """Each real bar pass run (barpath.track_bar), with its keyword arguments."""
    runs: list[dict] = []
    real = barpath.track_bar

    def counted(video, seq, anchor, **kw):
        runs.append(kw)
        return real(video, seq, anchor, **kw)

    monkeypatch.setattr(barpath, "track_bar", counted)
    return runs


def _same(a: barpath.BarTrack, b: barpath.BarTrack) -> None:
    np.testing.assert_array_equal(a.xy_px, b.xy_px)
    np.testing.assert_array_equal(a.radius_px, b.radius_px)
    np.testing.assert_array_equal(a.source, b.source)
    assert (a.anchor, a.dropped_by_pose, a.frames_read, a.work_scale, a.notes, a.seconds) == \
        (b.anchor, b.dropped_by_pose, b.frames_read, b.work_scale, b.notes, b.seconds)


def test_the_track_is_stored_beside_the_poses_and_reused(deadlift, passes, tmp_path: Path) -> None:
    clip, seq = deadlift
    first = track_bar_cached(clip, seq, "hands", plate_diameter_m=0.45, cache_dir=tmp_path)
    assert len(passes) == 1 and first.coverage > 0.9 and first.frames_read == seq.n_frames
    entries = list(tmp_path.glob("bar_*.npz"))
    assert len(entries) == 1 and entries[0].name.startswith(f"bar_{seq.content_hash[:24]}")
    again = track_bar_cached(clip, seq, "hands", plate_diameter_m=0.45, cache_dir=tmp_path)
    assert len(passes) == 1  # no second decode
    _same(first, again)
    # --no-cache neither reads nor writes it
    track_bar_cached(clip, seq, "hands", plate_diameter_m=0.45, cache_dir=tmp_path, use_cache=False)
    assert len(passes) == 2 and len(list(tmp_path.glob("bar_*.npz"))) == 1


def test_changed_settings_poses_or_tracker_version_track_again(deadlift, passes, tmp_path: Path,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    clip, seq = deadlift
    track_bar_cached(clip, seq, "hands", plate_diameter_m=0.45, cache_dir=tmp_path)
    bigger = track_bar_cached(clip, seq, "hands", plate_diameter_m=0.50, cache_dir=tmp_path)
    assert len(passes) == 2 and passes[-1]["plate_diameter_m"] == 0.50
    track_bar_cached(clip, seq, "hands", plate_diameter_m=0.45, px_per_m=300.0, cache_dir=tmp_path)
    track_bar_cached(clip, seq, "hands", plate_diameter_m=0.45, max_bridge_s=0.2, cache_dir=tmp_path)
    assert len(passes) == 4
    # poses that differ by one landmark are another key: the pass looks where they say
    image = seq.image.copy()
    image[40, 15, 0] += 0.01
    moved = type(seq)(**{**seq.__dict__, "image": image})
    track_bar_cached(clip, moved, "hands", plate_diameter_m=0.45, cache_dir=tmp_path)
    assert len(passes) == 5
    # each key kept its own entry: the second plate size is still served from the cache
    _same(bigger, track_bar_cached(clip, seq, "hands", plate_diameter_m=0.50, cache_dir=tmp_path))
    assert len(passes) == 5
    monkeypatch.setattr(barpath, "BAR_TRACKER_VERSION", barpath.BAR_TRACKER_VERSION + 1)
    track_bar_cached(clip, seq, "hands", plate_diameter_m=0.45, cache_dir=tmp_path)
    assert len(passes) == 6 and len(list(tmp_path.glob("bar_*.npz"))) == 6


@pytest.mark.parametrize("damage", ["garbage", "truncated", "bit flip", "other key"])
def test_a_damaged_entry_is_tracked_again_without_a_traceback(deadlift, passes, tmp_path: Path,
                                                              damage: str) -> None:
    clip, seq = deadlift
    first = track_bar_cached(clip, seq, "hands", cache_dir=tmp_path)
    key = bar_cache_key(seq, "hands")
    entry = bar_cache_path(key, tmp_path)
    data = entry.read_bytes()
    if damage == "garbage":
        entry.write_bytes(b"not a zip file at all")
    elif damage == "truncated":
        entry.write_bytes(data[: len(data) // 2])
    elif damage == "bit flip":
        # an uncompressed entry, so that one flipped byte lands in an array, not in zlib
        import io
        import zipfile

        with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(entry, "w") as dst:
            for name in src.namelist():
                dst.writestr(name, src.read(name))
        raw = bytearray(entry.read_bytes())
        at = raw.find(b"source.npy") + 200  # inside the source array's bytes
        raw[at] ^= 0x01
        entry.write_bytes(bytes(raw))
    else:  # a file at this key's path that holds another key's track
        track_bar_cached(clip, seq, "hands", plate_diameter_m=0.5, cache_dir=tmp_path)
        other = bar_cache_path(bar_cache_key(seq, "hands", plate_diameter_m=0.5), tmp_path)
        entry.write_bytes(other.read_bytes())
    with pytest.raises(CacheError):
        load_bar_track(entry, key)
    runs = len(passes)
    again = track_bar_cached(clip, seq, "hands", cache_dir=tmp_path)
    assert len(passes) == runs + 1
    for name, value in first.__dict__.items():
        if name == "seconds":  # the pass's own wall time
            continue
        if isinstance(value, np.ndarray):
            np.testing.assert_array_equal(getattr(again, name), value)
        else:
            assert getattr(again, name) == value, name
    _same(load_bar_track(entry, key), again)  # the rebuilt entry is sound


def test_the_view_the_set_was_read_in_shares_the_cache_entry(deadlift, tmp_path: Path) -> None:
    clip, seq = deadlift
    from repsight.form import detect_view

    # the analysis hands over the view it detected from these poses: the same key
    view = detect_view(seq)
    assert bar_cache_key(seq, "hands", view=view) == bar_cache_key(seq, "hands")
    first = track_bar_cached(clip, seq, "hands", cache_dir=tmp_path)
    again = track_bar_cached(clip, seq, "hands", view=view, cache_dir=tmp_path)
    assert len(list(tmp_path.glob("bar_*.npz"))) == 1
    np.testing.assert_array_equal(again.xy_px, first.xy_px)
    # a front view given by the caller is taken as read: no plate is looked for
    front = barpath.track_bar(clip, seq, "hands", view="front")
    assert not np.isfinite(front.xy_px).any() and "front view" in front.notes[0]
