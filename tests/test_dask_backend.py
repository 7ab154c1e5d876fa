"""repsight batch on Dask: the same summary as the process pool, resume, error rows."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from repsight.batch import BatchOptions, run_batch
from repsight.config import AnalysisConfig
from repsight.dask_backend import dask_executor, parse_scheduler
from repsight.errors import ConfigError

from helpers import shared_video


def test_parse_scheduler() -> None:
    assert parse_scheduler("local:2") == (None, 2)
    assert parse_scheduler("local") == (None, None)
    assert parse_scheduler("tcp://10.0.0.5:8786") == ("tcp://10.0.0.5:8786", None)
    assert parse_scheduler("gym-server:8786") == ("tcp://gym-server:8786", None)
    for bad in ("local:0", "local:x", "8786", "http//x", ""):
        with pytest.raises(ConfigError, match="scheduler"):
            parse_scheduler(bad)
    # Plausible slips get one line each, not a Dask traceback later.
    for bad, words in (("tcp://127.0.0.1", "tcp://HOST:PORT"), ("tcp://127.0.0.1:99999", "1-65535"),
                       ("tls://127.0.0.1:1", "tls:// is not supported"),
                       ("inproc://x", "inproc:// is not supported"),
                       ("ucx://127.0.0.1:1", "ucx:// is not supported")):
        with pytest.raises(ConfigError, match=words):
            parse_scheduler(bad)


def test_a_scheduler_with_no_workers_is_a_one_line_error(monkeypatch) -> None:
    from repsight import dask_backend
    from repsight.errors import RepsightError

    class Idle:
        closed = False

        def scheduler_info(self):
            return {"workers": {}}

        def close(self):
            self.closed = True

    monkeypatch.setattr(dask_backend, "NO_WORKER_WAIT_S", 0.2)
    idle = Idle()
    with pytest.raises(RepsightError, match="has no workers: start some with `dask worker"):
        dask_backend._wait_for_workers(idle, "tcp://gym:8786")
    assert idle.closed


def _summary(out: Path) -> list[dict]:
    with open(out / "summary.csv", newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


@pytest.mark.slow
def test_a_local_dask_cluster_gives_the_process_pools_summary(tmp_path: Path) -> None:
    pytest.importorskip("distributed")
    folder = tmp_path / "clips"
    folder.mkdir()
    for name in ("pushup_ghd_side.mp4", "front_raise_side.mp4"):
        (folder / name).symlink_to(shared_video(name))
    (folder / "broken.mp4").write_bytes(b"\x00\x00\x00\x18ftypmp42" + bytes(500))
    cfg = AnalysisConfig(model="lite")

    def options(name: str) -> BatchOptions:
        return BatchOptions(cache_dir=str(tmp_path / f"cache_{name}"), plot=False)

    pool = run_batch(folder, tmp_path / "pool", cfg, options("pool"), workers=2)
    with dask_executor("local:2") as executor:
        first = run_batch(folder, tmp_path / "dask", cfg, options("dask"), executor=executor)
        summary = _summary(tmp_path / "dask")
        # Run again: every finished clip is reused, the broken one stays an error row.
        again = run_batch(folder, tmp_path / "dask", cfg, options("dask"), executor=executor)
    assert summary == _summary(tmp_path / "pool")
    assert sorted(r.status for r in first.results) == ["error", "ok", "ok"]
    assert sorted(r.status for r in pool.results) == ["error", "ok", "ok"]
    assert sorted(r.status for r in again.results) == ["error", "reused", "reused"]
    rows = {r["clip"]: r for r in _summary(tmp_path / "dask")}
    assert rows["broken.mp4"]["error"] and int(rows["pushup_ghd_side.mp4"]["reps"]) >= 5
