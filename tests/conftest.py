"""Shared fixtures."""

from __future__ import annotations

from pathlib import Path

import pytest

from helpers import write_test_video


@pytest.fixture
def small_video(tmp_path: Path) -> Path:
    return write_test_video(tmp_path / "small.mp4")
