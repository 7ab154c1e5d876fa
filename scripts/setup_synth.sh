#!/usr/bin/env bash
# Optional: what re-rendering lifters (repsight.render) needs on top of scripts/setup.sh.
# torch goes in first and pinned to a CPU build, or a dependency would pull a CUDA build
# of several GB; pyrender pins PyOpenGL 3.1.0, which lacks OSMesa, hence the upgrade last.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x .venv/bin/python ] || bash scripts/setup.sh
if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ] && ! dpkg -s libosmesa6 >/dev/null 2>&1; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libosmesa6 >/dev/null
fi
TORCH_SPEC=${TORCH_SPEC:-torch==2.13.0}
.venv/bin/python -m pip install -q "$TORCH_SPEC"
.venv/bin/python -m pip install -q -e ".[synth]"
.venv/bin/python -m pip install -q "PyOpenGL==3.1.10"
.venv/bin/python -c "import repsight.render, torch; print('repsight.render ready (torch', torch.__version__ + ')')"
