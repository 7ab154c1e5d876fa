"""SetAnalysis -> JSON (versioned schema, docs/output_schema.md) and CSV (one row a rep).

Conversion (`analysis_to_dict`, `rep_rows`) is pure; writing goes through `atomic_write`,
which writes a temp file beside the target and renames it over, so a kill never leaves
half a result file behind.
"""

from __future__ import annotations

import contextlib
import csv
import dataclasses
import io
import json
import math
import os
import tempfile
from enum import Enum
from pathlib import Path
from typing import Any, Iterator, Mapping, Sequence

import numpy as np

from .errors import OutputError

# Bump the major part when a field changes meaning or disappears, the minor part when
# fields are added; readers should accept any minor version of their major one.
SCHEMA_VERSION = "1.0"


# ---------------------------------------------------------------- atomic writes


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike) -> Iterator[Path]:
    """Yield a temp path beside `path`; on success it replaces `path` in one rename.

    The temp name keeps the target's suffix because some writers (video muxers,
    matplotlib) choose the format by it. On any error the temp file is removed and
    the target is left as it was.
    """
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.stem}.",
                                        suffix=f".part{path.suffix}")
        os.close(fd)
    except OSError as exc:
        raise OutputError(f"cannot write {path}: {exc.strerror or exc}") from None
    tmp = Path(tmp_name)
    try:
        yield tmp
        # Flush to disk before the rename so a power cut cannot leave an empty target.
        with open(tmp, "rb+") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except OSError as exc:
        raise OutputError(f"cannot write {path}: {exc.strerror or exc}") from None
    finally:
        with contextlib.suppress(OSError):
            tmp.unlink()


def atomic_write(path: str | os.PathLike, data: str | bytes) -> Path:
    """Write text (UTF-8) or bytes to path atomically; returns the path."""
    path = Path(path)
    payload = data.encode("utf-8") if isinstance(data, str) else data
    with atomic_path(path) as tmp:
        tmp.write_bytes(payload)
    return path


# ---------------------------------------------------------------- JSON


def jsonable(obj: Any) -> Any:
    """Plain JSON types from dataclasses, numpy values, paths and enums; NaN/inf -> None.

    JSON has no NaN; a null reads as "not measured", which is what NaN means here.
    """
    if obj is None or isinstance(obj, (bool, str)):
        return obj
    if isinstance(obj, (int, np.integer)):
        return int(obj)
    if isinstance(obj, (float, np.floating)):
        x = float(obj)
        return x if math.isfinite(x) else None
    if isinstance(obj, np.bool_):
        return bool(obj)
    if isinstance(obj, np.ndarray):
        return jsonable(obj.tolist())
    if isinstance(obj, Enum):
        return jsonable(obj.value)
    if isinstance(obj, os.PathLike):
        return os.fspath(obj)
    if _is_pose_sequence(obj):
        return pose_summary(obj)
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return {f.name: jsonable(getattr(obj, f.name)) for f in dataclasses.fields(obj)}
    if isinstance(obj, Mapping):
        return {str(k): jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple, set, frozenset)):
        return [jsonable(v) for v in obj]
    if hasattr(obj, "to_dict"):
        return jsonable(obj.to_dict())
    return str(obj)


def _is_pose_sequence(obj: Any) -> bool:
    from .types import PoseSequence

    return isinstance(obj, PoseSequence)


def pose_summary(seq: Any) -> dict[str, Any]:
    """What a JSON reader needs to know about the poses (the arrays stay in the .npz cache)."""
    return {
        "source": seq.source, "content_hash": seq.content_hash, "model": seq.model,
        "n_frames": seq.n_frames, "fps": float(seq.fps), "width": seq.width,
        "height": seq.height, "rotation": seq.rotation,
        "detection_rate": float(seq.detection_rate),
        "duration_s": float(seq.duration_s),
    }


def analysis_to_dict(analysis: Any) -> dict[str, Any]:
    """The whole SetAnalysis as plain JSON types, with schema_version and repsight version."""
    from . import __version__

    body = jsonable(analysis)
    if not isinstance(body, dict):
        body = {"analysis": body}
    return {"schema_version": SCHEMA_VERSION, "repsight_version": __version__, **body}


def to_json(analysis: Any) -> str:
    """JSON text of a SetAnalysis (indented, stable key order, no NaN)."""
    return json.dumps(analysis_to_dict(analysis), indent=2, allow_nan=False,
                      ensure_ascii=False) + "\n"


def write_json(analysis: Any, path: str | os.PathLike) -> Path:
    """Write the SetAnalysis JSON atomically."""
    return atomic_write(path, to_json(analysis))


# ---------------------------------------------------------------- CSV


def csv_text(fieldnames: Sequence[str], rows: Sequence[Mapping[str, Any]]) -> str:
    """CSV text with a header; NaN and None become empty cells, floats keep 4 decimals."""
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=list(fieldnames), extrasaction="ignore",
                            lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: _cell(row.get(k)) for k in fieldnames})
    return buf.getvalue()


def _cell(v: Any) -> Any:
    if v is None:
        return ""
    if isinstance(v, (bool, np.bool_)):
        return "true" if v else "false"
    if isinstance(v, (float, np.floating)):
        return "" if not math.isfinite(float(v)) else round(float(v), 4)
    if isinstance(v, (list, tuple)):
        return "; ".join(str(x) for x in v)
    return v
