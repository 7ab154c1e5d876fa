#!/usr/bin/env python3
"""Rebuild the MediaPipe Pose Landmarker bundles in models/ from registry packages.

Usage:  python models/build_models.py [lite full heavy] [--workdir DIR]

Why this exists: mediapipe 1.2.x ships no model files, nothing may be downloaded at
run time, and the Tasks API refuses a .tflite without image-input metadata. So we:

1. take the BlazePose detector ``pose_detection.tflite`` from the PyPI wheel
   ``mediapipe==0.10.21`` and the landmark models ``pose_landmark_{lite,full,heavy}.tflite``
   from the npm package ``@mediapipe/pose`` (both Apache-2.0, pinned below);
2. add image-input normalisation metadata with the metadata writer of mediapipe 0.10.21
   (the one in 1.2.x imports a module its wheel lacks), inside a throw-away venv so the
   project's own mediapipe is untouched;
3. zip each pair into ``pose_landmarker_<variant>.task`` with fixed timestamps, so the
   same inputs give byte-identical bundles.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import subprocess
import sys
import tarfile
import tempfile
import venv
import zipfile
from pathlib import Path

MEDIAPIPE_WHEEL_VERSION = "0.10.21"
NPM_POSE_PACKAGE = "@mediapipe/pose@0.5.1675469404"
VARIANTS = ("lite", "full", "heavy")
MODELS_DIR = Path(__file__).resolve().parent
# Detector expects pixels in [-1, 1]; landmark model expects [0, 1] (MediaPipe graph configs).
DETECTOR_NORM = (127.5, 127.5)
LANDMARK_NORM = (0.0, 255.0)
ZIP_TIME = (2024, 1, 1, 0, 0, 0)


def _run(cmd: list[str], **kw) -> None:
    print("+", " ".join(cmd), flush=True)
    subprocess.run(cmd, check=True, **kw)


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def fetch_sources(workdir: Path) -> tuple[Path, Path]:
    """Download the pinned wheel and npm tarball; return (build python, npm package dir)."""
    workdir.mkdir(parents=True, exist_ok=True)
    env_dir = workdir / "venv"
    py = env_dir / "bin" / "python"
    if not py.exists():
        venv.EnvBuilder(with_pip=True).create(env_dir)
        _run([str(py), "-m", "pip", "install", "-q", f"mediapipe=={MEDIAPIPE_WHEEL_VERSION}"])
    npm_dir = workdir / "npm"
    pkg_dir = npm_dir / "package"
    if not pkg_dir.exists():
        npm_dir.mkdir(exist_ok=True)
        _run(["npm", "pack", "--silent", NPM_POSE_PACKAGE], cwd=npm_dir)
        tgz = next(npm_dir.glob("*.tgz"))
        with tarfile.open(tgz) as tf:
            tf.extractall(npm_dir, filter="data")
    return py, pkg_dir


def _add_metadata(src: Path, dst: Path, name: str, mean: float, std: float) -> None:
    """Inside the mediapipe 0.10.21 venv: write image-input metadata into a tflite."""
    from mediapipe.tasks.python.metadata.metadata_writers import metadata_writer

    writer = metadata_writer.MetadataWriter.create(bytearray(src.read_bytes()))
    writer.add_general_info(name, f"{name} with image-input metadata (repsight build)")
    writer.add_image_input(norm_mean=[mean], norm_std=[std])
    model, _ = writer.populate()
    dst.write_bytes(bytes(model))


def _inner(pkg_dir: Path, out_dir: Path, variants: list[str]) -> None:
    import mediapipe

    detector_src = Path(mediapipe.__file__).parent / "modules/pose_detection/pose_detection.tflite"
    with tempfile.TemporaryDirectory() as tmp:
        tmpd = Path(tmp)
        detector = tmpd / "pose_detector.tflite"
        _add_metadata(detector_src, detector, "pose_detection", *DETECTOR_NORM)
        for variant in variants:
            landmarks = tmpd / f"pose_landmarks_detector_{variant}.tflite"
            _add_metadata(pkg_dir / f"pose_landmark_{variant}.tflite", landmarks,
                          f"pose_landmark_{variant}", *LANDMARK_NORM)
            bundle = out_dir / f"pose_landmarker_{variant}.task"
            with zipfile.ZipFile(bundle, "w", compression=zipfile.ZIP_STORED) as zf:
                for arcname, path in (("pose_detector.tflite", detector),
                                      ("pose_landmarks_detector.tflite", landmarks)):
                    info = zipfile.ZipInfo(arcname, date_time=ZIP_TIME)
                    info.external_attr = 0o644 << 16
                    zf.writestr(info, path.read_bytes())
            print(f"{bundle.name}  {bundle.stat().st_size} bytes  sha256 {_sha256(bundle)}")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("variants", nargs="*", default=["lite", "full"],
                    help="which bundles to build (default: lite full; heavy is built on demand)")
    ap.add_argument("--workdir", type=Path,
                    default=Path(tempfile.gettempdir()) / "repsight-model-build")
    ap.add_argument("--out", type=Path, default=MODELS_DIR)
    ap.add_argument("--inner", type=Path, help=argparse.SUPPRESS)
    args = ap.parse_args()
    variants = args.variants
    unknown = sorted(set(variants) - set(VARIANTS))
    if unknown:
        ap.error(f"unknown model variant(s) {unknown}; choose from {list(VARIANTS)}")
    if args.inner:
        _inner(args.inner, args.out, variants)
        return 0
    py, pkg_dir = fetch_sources(args.workdir)
    _run([str(py), os.path.abspath(__file__), *variants, "--inner", str(pkg_dir),
          "--out", str(args.out)])
    return 0


if __name__ == "__main__":
    sys.exit(main())
