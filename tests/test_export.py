"""Exports: atomic writes, JSON without NaN, CSV cells."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest

from repsight.errors import OutputError
from repsight.export import atomic_path, atomic_write, csv_text, jsonable, pose_summary
from repsight.types import PoseSequence, Rep, RepMetrics


def test_atomic_write_replaces_whole_file_and_leaves_no_temp(tmp_path: Path) -> None:
    target = tmp_path / "sub" / "r.json"
    atomic_write(target, '{"a": 1}')
    atomic_write(target, '{"a": 2}')
    assert json.loads(target.read_text()) == {"a": 2}
    assert [p.name for p in target.parent.iterdir()] == ["r.json"]


def test_failed_write_keeps_the_old_file(tmp_path: Path) -> None:
    target = tmp_path / "r.csv"
    target.write_text("old\n")
    with pytest.raises(RuntimeError):
        with atomic_path(target) as tmp:
            tmp.write_text("half a fi")
            raise RuntimeError("killed mid-write")
    assert target.read_text() == "old\n"
    assert [p.name for p in tmp_path.iterdir()] == ["r.csv"]


def test_atomic_write_into_a_file_path_is_an_output_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(OutputError, match="cannot write"):
        atomic_write(blocker / "r.json", "{}")


def test_jsonable_turns_nan_into_null_and_dataclasses_into_dicts() -> None:
    m = RepMetrics(index=2, mean_velocity_mps=0.5, drift_deg={"knee": np.float32(3.5)})
    d = jsonable({"m": m, "arr": np.array([1.0, np.nan]), "n": np.int64(3), "t": (1, 2)})
    text = json.dumps(d, allow_nan=False)
    back = json.loads(text)
    assert back["m"]["index"] == 2 and back["m"]["peak_velocity_mps"] is None
    assert back["m"]["drift_deg"] == {"knee": 3.5}
    assert back["arr"] == [1.0, None] and back["n"] == 3 and back["t"] == [1, 2]
    rep = jsonable(Rep(1, 0, 10, 5, (0, 5), (6, 10), True))
    assert rep["eccentric"] == [0, 5] and math.isnan(Rep(1, 0, 1, 0, (0, 0), (0, 1), True).rom)
    assert rep["rom"] is None


def test_pose_sequence_is_summarised_not_dumped() -> None:
    n = 5
    seq = PoseSequence(image=np.zeros((n, 33, 5), np.float32), world=np.zeros((n, 33, 3), np.float32),
                       timestamps_s=np.arange(n) / 25.0, fps=25.0, width=64, height=48,
                       source="x.mp4", content_hash="abc", model="full")
    d = jsonable({"pose": seq})["pose"]
    assert d == pose_summary(seq)
    assert d["n_frames"] == 5 and d["fps"] == 25.0 and "image" not in d


def test_csv_cells_blank_for_missing_values() -> None:
    text = csv_text(["a", "b", "c", "d"], [{"a": 1.234567, "b": float("nan"), "c": None,
                                            "d": ("x", "y")}])
    assert text.splitlines() == ["a,b,c,d", "1.2346,,,x; y"]
