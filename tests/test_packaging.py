"""A real, non-editable install: build the wheel, install it in a fresh venv, run the README.

The fresh venv borrows this venv's third-party packages through a .pth path line (so
nothing is downloaded); repsight itself comes only from the wheel, and the command runs
outside the source tree, so the pose models must come from the wheel's package data.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "sample_videos" / "squat_side_trunk_lean.mp4"


def _run(*args: str | Path, **kw) -> subprocess.CompletedProcess:
    return subprocess.run([str(a) for a in args], capture_output=True, text=True, **kw)


@pytest.mark.slow
def test_the_wheel_installs_and_runs_the_readme_command(tmp_path: Path) -> None:
    pytest.importorskip("hatchling", reason="the dev extra installs hatchling to build offline")
    dist = tmp_path / "dist"
    built = _run(sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
                 "-q", "-w", dist, ROOT)
    assert built.returncode == 0, built.stderr
    (wheel,) = dist.glob("repsight-*.whl")

    venv = tmp_path / "venv"
    assert _run(sys.executable, "-m", "venv", "--without-pip", venv).returncode == 0
    py = venv / "bin" / "python"
    site = _run(py, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])")
    # A plain path line: this venv's packages become importable, but its .pth files (the
    # editable repsight among them) are not processed, so repsight comes from the wheel.
    Path(site.stdout.strip(), "_borrowed_deps.pth").write_text(
        sysconfig.get_paths()["purelib"] + "\n")
    installed = _run(sys.executable, "-m", "pip", "--python", py, "install", "-q",
                     "--no-deps", wheel)
    assert installed.returncode == 0, installed.stderr

    env = {k: v for k, v in os.environ.items() if k not in ("REPSIGHT_MODELS_DIR", "PYTHONPATH")}
    env["REPSIGHT_CACHE_DIR"] = str(tmp_path / "cache")
    where = _run(py, "-c", "import repsight, repsight.pose as p; "
                 "print(repsight.__file__); print(p.model_path('full'))",
                 cwd=tmp_path, env=env)
    package, model = where.stdout.split()
    assert Path(package).is_relative_to(venv) and Path(model).is_relative_to(venv), where

    out = tmp_path / "results"
    readme = _run(venv / "bin" / "repsight", "analyze", SAMPLE, "--exercise", "squat",
                  "--annotate", out / "squat_annotated.mp4", "--plot", out / "squat.png",
                  "--json", out / "squat.json", "--csv", out / "squat.csv", "-q",
                  cwd=tmp_path, env=env)
    assert readme.returncode == 0, readme.stderr
    assert "Traceback" not in readme.stderr
    result = json.loads((out / "squat.json").read_text())
    assert result["summary"]["reps"] == 5
    assert all((out / n).stat().st_size > 0 for n in ("squat_annotated.mp4", "squat.png",
                                                       "squat.csv"))
