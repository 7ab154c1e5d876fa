"""The HTML reports in a real browser: headless Chromium (Debian's `chromium` package, which
scripts/setup.sh installs) loads the pages from disk, plays the video's metadata, and
screenshots them at phone and desktop width. Skipped with a reason where Chromium is absent.
"""

from __future__ import annotations

import concurrent.futures as cf
import json
import os
import re
import shutil
import subprocess
from pathlib import Path
from urllib.parse import unquote, urljoin, urlparse

import pytest

from result_helpers import good_clip

LEAN = {"trunk_lean_deg": [0, 0, 0, 15, 20]}
BROWSERS = ("chromium", "chromium-browser")


def chromium() -> str:
    for name in BROWSERS:
        exe = shutil.which(name)
        if exe:
            return exe
    pytest.skip("needs headless Chromium (Debian package 'chromium', installed by "
                "scripts/setup.sh when run as root)")


def run_browser(page: Path, profile: Path, *args: str) -> str:
    """Chromium headless on a local page; returns stdout (the DOM with --dump-dom)."""
    cmd = [chromium(), "--headless", "--disable-gpu", "--no-first-run", "--mute-audio",
           "--hide-scrollbars", f"--user-data-dir={profile}", *args, page.as_uri()]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        cmd.insert(1, "--no-sandbox")  # Chromium's sandbox refuses to run as root
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


@pytest.fixture(scope="module")
def results(tmp_path_factory) -> Path:
    """A batch with --html over two athletes' clips (poses cached: no pose model runs)."""
    from repsight.batch import BatchOptions, run_batch
    from repsight.config import AnalysisConfig

    chromium()
    tmp = tmp_path_factory.mktemp("browser")
    cache = tmp / "cache"
    root = tmp / "clips"
    good_clip(root / "ana" / "squat_monday.mp4", cache, "squat", 5, seed=1, faults=LEAN,
              size=(320, 240))
    good_clip(root / "ben" / "pushup set.mp4", cache, "pushup", 3, seed=2, size=(320, 240))
    out = tmp / "results"
    with cf.ThreadPoolExecutor(max_workers=2) as pool:
        report = run_batch(root, out, AnalysisConfig(),
                           BatchOptions(cache_dir=str(cache), html=True), executor=pool)
    assert report.ok
    return out


def test_clip_page_plays_its_video_and_has_a_row_per_rep(results: Path, tmp_path: Path) -> None:
    page = results / "ana" / "squat_monday" / "squat_monday.html"
    data = json.loads(page.with_suffix(".json").read_text(encoding="utf-8"))
    dom = run_browser(page, tmp_path / "profile", "--virtual-time-budget=10000", "--dump-dom")
    # The page's own script writes video.duration once the browser has read the metadata.
    m = re.search(r'id="video-duration">([0-9.]+)<', dom)
    assert m, "the browser did not load the video's metadata: " + \
        (re.search(r'id="video-duration">([^<]*)<', dom) or [""])[0]
    frame = 1.0 / data["fps"]
    assert float(m.group(1)) == pytest.approx(data["summary"]["duration_s"], abs=1.5 * frame)
    assert len(re.findall(r'<tr class="rep[ "]', dom)) == len(data["reps"]) == 5
    assert len(re.findall(r'<span class="tag fail">technical</span>', dom)) >= 2
    for width, name in ((390, "phone"), (1200, "desktop")):
        shot = tmp_path / f"clip_{name}.png"
        run_browser(page, tmp_path / "profile", f"--window-size={width},2600",
                    f"--screenshot={shot}")
        assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and shot.stat().st_size > 20_000


def test_index_links_resolve_to_each_clip_page(results: Path, tmp_path: Path) -> None:
    index = results / "index.html"
    dom = run_browser(index, tmp_path / "profile", "--virtual-time-budget=2000", "--dump-dom")
    hrefs = re.findall(r'<a href="([^"]+)"', dom)
    pages = [Path(unquote(urlparse(urljoin(index.as_uri(), h.replace("&amp;", "&"))).path))
             for h in hrefs]
    assert sorted(p.relative_to(results).as_posix() for p in pages) == [
        "ana/squat_monday/squat_monday.html", "ben/pushup set/pushup set.html"]
    assert all(p.is_file() for p in pages)
    assert len(re.findall(r'<tr class="clip', dom)) == 2
    shot = tmp_path / "index_phone.png"
    run_browser(index, tmp_path / "profile", "--window-size=390,900", f"--screenshot={shot}")
    assert shot.stat().st_size > 5_000
