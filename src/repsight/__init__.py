"""repsight: rep-by-rep tempo, velocity, form drift and failure from a training video."""

from .errors import RepsightError
from .types import PoseSequence, VideoInfo

__version__ = "0.1.0"
__all__ = ["PoseSequence", "RepsightError", "VideoInfo", "__version__"]
