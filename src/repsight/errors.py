"""Project exceptions: every message names the bad value and fits on one line."""

from __future__ import annotations

import re

# Control characters (terminal escape codes among them) that a file name may carry, and
# the lone surrogates Python reads a name's non-UTF-8 bytes as (a Latin-1 "caf\xe9.mp4"
# from a Windows zip): printed as they are, they raise UnicodeEncodeError.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\ud800-\udfff]")


def _shown(ch: str) -> str:
    code = ord(ch)
    if 0xDC80 <= code <= 0xDCFF:  # surrogateescape's stand-in for the byte code - 0xDC00
        return f"\\x{code - 0xDC00:02x}"
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def printable(text: object) -> str:
    """Text safe to print on a terminal: control characters (escape codes) shown as \\xNN."""
    return _CONTROL.sub(lambda m: _shown(m.group()), str(text))


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


class UnknownSettings(ConfigError):
    """A config file names settings AnalysisConfig does not have: hints maps each, in order,
    to what it may have meant ("" for nothing)."""

    def __init__(self, path: object, hints: dict[str, str]) -> None:
        self.path, self.hints = path, dict(hints)
        told = [f"{name} ({hint})" if hint else name for name, hint in self.hints.items()]
        super().__init__(f"unknown setting(s) in {path}: {', '.join(told)}")


class AnalysisError(RepsightError):
    """The pose data cannot support the requested analysis."""


class OutputError(RepsightError):
    """A result file could not be written."""
