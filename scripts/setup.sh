#!/usr/bin/env bash
# One-time setup on a fresh Debian/Ubuntu machine with Python >= 3.11:
# system libraries, a project virtualenv in .venv, repsight and its test tools.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
if command -v apt-get >/dev/null 2>&1; then
  # ffmpeg gives ffprobe for checking outputs; libgl1/libglib2.0-0 are what OpenCV's
  # and MediaPipe's wheels link against on a bare image; chromium opens the HTML reports
  # headless in tests/test_report_browser.py (skipped without it); Debian's Python makes
  # virtualenvs only with its pythonX.Y-venv package.
  need=()
  for pkg in ffmpeg libgl1 libglib2.0-0 chromium; do
    dpkg -s "$pkg" >/dev/null 2>&1 || need+=("$pkg")
  done
  "$PY" -c "import ensurepip" >/dev/null 2>&1 ||
    need+=("$("$PY" -c 'import sys; print("python%d.%d-venv" % sys.version_info[:2])')")
  if [ ${#need[@]} -gt 0 ] && [ "$(id -u)" = 0 ]; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
  elif [ ${#need[@]} -gt 0 ]; then
    echo "setup.sh: not root, so these system packages are not installed: ${need[*]}" \
         "(sudo apt-get install ${need[*]})" >&2
  fi
fi
# A .venv left without pip (a first run that stopped at ensurepip) gets pip: venv over an
# existing one keeps its contents and adds what is missing.
if ! { [ -x .venv/bin/python ] && .venv/bin/python -m pip --version >/dev/null 2>&1; }; then
  "$PY" -m venv .venv
fi
.venv/bin/python -m pip install -q --upgrade pip
.venv/bin/python -m pip install -q -e ".[dev,dask]"
.venv/bin/python -c "import repsight.pose as p; [p.model_path(m) for m in ('lite', 'full')]"
echo "repsight installed in .venv ($(.venv/bin/repsight --version))"
