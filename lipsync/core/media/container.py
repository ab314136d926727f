"""Opening media files with PyAV, with every failure turned into one clear sentence."""

from __future__ import annotations

import os
from pathlib import Path

import av

from lipsync.core.errors import MediaFormatError, MediaNotFoundError, NotAFileError

PathLike = str | os.PathLike[str]


def check_input_path(path: PathLike, what: str = "input") -> Path:
    """Return ``path`` as a Path after checking it is an existing, non-empty, readable file."""
    p = Path(path)
    if not p.exists():
        raise MediaNotFoundError(f"The {what} file '{p}' does not exist: check the path.")
    if p.is_dir():
        raise NotAFileError(f"The {what} '{p}' is a folder, not a media file: give a file.")
    if not p.is_file():
        raise NotAFileError(f"The {what} '{p}' is not a regular file: give a media file.")
    if p.stat().st_size == 0:
        raise MediaFormatError(f"The {what} file '{p}' is empty (0 bytes): give a media file.")
    if not os.access(p, os.R_OK):
        raise MediaNotFoundError(f"The {what} file '{p}' cannot be read: check its permissions.")
    return p


def open_input(path: PathLike, what: str = "input") -> av.container.InputContainer:
    """Open a media file for reading; the caller closes it (use ``with``)."""
    p = check_input_path(path, what)
    try:
        return av.open(str(p), mode="r", metadata_errors="replace")
    except av.error.FileNotFoundError as e:
        raise MediaNotFoundError(f"The {what} file '{p}' does not exist: check the path.") from e
    except av.error.PermissionError as e:
        raise MediaNotFoundError(
            f"The {what} file '{p}' cannot be read: check its permissions."
        ) from e
    except (av.error.FFmpegError, UnicodeDecodeError) as e:
        raise MediaFormatError(
            f"The {what} file '{p}' is not media ffmpeg can read ({_reason(e)}): "
            "check that it is a complete audio or video file."
        ) from e


def media_error(path: PathLike, what: str, e: BaseException) -> MediaFormatError:
    """A :class:`MediaFormatError` for a decoding failure in the middle of ``path``."""
    return MediaFormatError(
        f"The {what} file '{path}' could not be decoded ({_reason(e)}): "
        "the file may be truncated or damaged."
    )


def _reason(e: BaseException) -> str:
    text = getattr(e, "strerror", None) or str(e) or type(e).__name__
    return str(text).strip().rstrip(".")
