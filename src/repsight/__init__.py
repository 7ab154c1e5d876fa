"""repsight: rep-by-rep tempo, velocity, form drift and failure from a training video."""

from .errors import RepsightError

__version__ = "0.1.0"
__all__ = ["PoseSequence", "RepsightError", "VideoInfo", "__version__"]


def __getattr__(name: str):
    # The data types need numpy; `repsight --help` and `repsight info` must not pay for it.
    if name in ("PoseSequence", "VideoInfo"):
        from . import types

        return getattr(types, name)
    raise AttributeError(f"module 'repsight' has no attribute {name!r}")
