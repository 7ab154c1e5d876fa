"""Project exceptions: every message names the bad value and fits on one line."""

from __future__ import annotations

import re

# Control characters (terminal escape codes among them) that a file name may carry.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def printable(text: object) -> str:
    """Text safe to print on a terminal: control characters (escape codes) shown as \\xNN."""
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", str(text))


class RepsightError(Exception):
    """Base class for every error repsight raises on purpose."""


class VideoError(RepsightError):
    """A problem with an input video."""


class VideoNotFoundError(VideoError):
    """The video path does not exist or is not a readable file."""


class NotAVideoError(VideoError):
    """The file exists but no video stream could be decoded from it."""


class CorruptVideoError(VideoError):
    """The container opened but frames stopped decoding early or are damaged."""


class EmptyVideoError(VideoError):
    """The video stream holds zero decodable frames."""


class ModelNotFoundError(RepsightError):
    """A pose model bundle is missing from models/."""


class CacheError(RepsightError):
    """A pose cache file is unreadable or from an incompatible version."""


class ConfigError(RepsightError):
    """A configuration value is invalid."""


class AnalysisError(RepsightError):
    """The pose data cannot support the requested analysis."""


class OutputError(RepsightError):
    """A result file could not be written."""
