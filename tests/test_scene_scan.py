"""Shot statistics ride on the pose model's decode (video.SceneScan): one decode, same rows per chunk."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from repsight import container as container_mod
from repsight.pose import extract_pose, sample_times_s
from repsight.video import FrameChanges, SceneScan, VideoReader, VideoWriter


def _cut_clip(path: Path, n: int = 90, cut: int = 50, fps: float = 30.0) -> Path:
    """A square moving over a dark wall, then (from frame `cut`) over a bright green one."""
    w, h = 160, 96
    with VideoWriter(path, width=w, height=h, fps=fps) as out:
        for i in range(n):
            frame = np.full((h, w, 3), (40, 40, 60) if i < cut else (90, 200, 90), dtype=np.uint8)
            x = int((w - 20) * i / (n - 1))
            frame[10:30, x:x + 20] = (250, 200, 30)
            out.write(frame, i / fps)
    return path


def _full_scan(clip: Path, samples: np.ndarray) -> SceneScan:
    reader = VideoReader(clip)
    reader.scan = SceneScan(reader.info, sample_times_s=samples)
    for _ in reader:
        pass
    return reader.scan


def test_extraction_decodes_once_and_keeps_the_statistics(tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    clip = _cut_clip(tmp_path / "cut.mp4")
    opened: list[str] = []
    real_open = container_mod.open_video

    def counting_open(p):
        opened.append(str(p))
        return real_open(p)

    monkeypatch.setattr(container_mod, "open_video", counting_open)
    seq = extract_pose(clip, model="lite")
    # The probe (packets, first frame) and the one read the model and the statistics share.
    assert len(opened) == 2
    scene = seq.meta["scene"]
    np.testing.assert_allclose(scene["times_s"], seq.timestamps_s, atol=1e-6)
    pixels = np.array([np.nan if v is None else v for v in scene["pixels"]])
    assert np.isnan(pixels[0]) and int(np.nanargmax(pixels)) == 50  # the cut
    assert scene["people"] == [{"t": round(t, 4), "bodies": []}
                               for t in seq.timestamps_s[np.searchsorted(
                                   seq.timestamps_s, sample_times_s(3.0))]]


@pytest.mark.parametrize("start_s, warmup_s", [(1.5, 1.0), (1.5, 0.0), (1.51, 0.2)])
def test_a_chunks_scan_gives_the_rows_of_a_full_read(tmp_path: Path, start_s: float,
                                                     warmup_s: float) -> None:
    """A chunk that reads from its warm-up on (as a pose worker does) gets the full read's
    rows and sampled frames for the frames it keeps, its first row included."""
    clip = _cut_clip(tmp_path / "cut.mp4")
    samples = np.array([0.01, 0.7, 1.49, 1.5, 1.52, 2.2, 2.99])
    full = _full_scan(clip, samples)
    ref = full.changes()
    got_rows, got_samples = [], []
    for keep in ((-np.inf, start_s), (start_s, np.inf)):
        reader = VideoReader(clip)
        reader.scan = scan = SceneScan(reader.info, sample_times_s=samples, keep=keep,
                                       on_sample=lambda t, rgb: got_samples.append((t, rgb)))
        frames = iter(reader) if keep[0] == -np.inf else reader.frames_from(keep[0] - warmup_s)
        for frame in frames:
            if frame.time_s >= keep[1]:
                break
        got_rows.append(scan.changes())
    for name in FrameChanges.FIELDS:
        np.testing.assert_array_equal(np.concatenate([getattr(r, name) for r in got_rows]),
                                      getattr(ref, name))
    assert [t for t, _ in sorted(got_samples, key=lambda s: s[0])] == [t for t, _ in full.samples]
    for (_, a), (_, b) in zip(sorted(got_samples, key=lambda s: s[0]), full.samples):
        np.testing.assert_array_equal(a, b)
