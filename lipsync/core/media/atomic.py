"""Atomic outputs: write beside the destination, rename when complete.

An interrupted or failed run leaves no half file under the final name and no temporary file
behind, and an input is never overwritten.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

from lipsync.core.constants import TEMP_PREFIX
from lipsync.core.errors import OutputError
from lipsync.core.media.container import PathLike


def check_output_path(dest: PathLike, inputs: Iterable[PathLike] = ()) -> Path:
    """Check that ``dest`` can be written and is none of ``inputs``; return it as a Path."""
    path = Path(dest)
    if path.is_dir():
        raise OutputError(f"The output '{path}' is a folder: give a file name for the output.")
    for src in inputs:
        if _same_file(path, Path(src)):
            raise OutputError(
                f"The output '{path}' is the same file as the input '{src}': "
                "choose another output name (inputs are never overwritten)."
            )
    parent = path.parent if str(path.parent) else Path(".")
    if not parent.is_dir():
        raise OutputError(
            f"The output folder '{parent}' does not exist: create it or choose another output."
        )
    if not os.access(parent, os.W_OK | os.X_OK):
        raise OutputError(
            f"The output folder '{parent}' is not writable: choose another output location."
        )
    return path


def temp_path_for(dest: Path) -> Path:
    """A unique hidden temporary name beside ``dest`` with the same extension."""
    return dest.with_name(f"{TEMP_PREFIX}{uuid.uuid4().hex[:8]}-{dest.name}")


@contextmanager
def atomic_output(dest: PathLike, inputs: Iterable[PathLike] = ()) -> Iterator[Path]:
    """Yield a temporary path to write to; on success it replaces ``dest`` in one rename.

    On any exception, ``KeyboardInterrupt`` included, the temporary file is removed and the
    exception propagates.
    """
    path = check_output_path(dest, inputs)
    tmp = temp_path_for(path)
    try:
        with open(tmp, "xb"):  # claim the name, and learn now if the folder refuses files
            pass
    except OSError as e:
        raise OutputError(
            f"The output folder '{path.parent}' is not writable ({e.strerror}): "
            "choose another output location."
        ) from e
    try:
        yield tmp
        if not tmp.exists() or tmp.stat().st_size == 0:
            raise OutputError(f"Nothing was written for the output '{path}'.")
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def _same_file(a: Path, b: Path) -> bool:
    try:
        if a.exists() and b.exists():
            return os.path.samefile(a, b)
    except OSError:
        pass
    return a.resolve() == b.resolve()


def write_text(dest: PathLike, text: str, inputs: Iterable[PathLike] = ()) -> Path:
    """Write ``text`` (UTF-8) to ``dest`` atomically; ``inputs`` are never overwritten."""
    with atomic_output(dest, inputs) as tmp:
        tmp.write_text(text, encoding="utf-8")
    return Path(dest)


def make_folder(path: PathLike, what: str, option: str) -> Path:
    """Create the folder ``path`` (with its parents) unless it exists; one sentence naming
    ``what`` it is ("the work directory") and the ``option`` that chooses another otherwise."""
    p = Path(path)
    name = f"{what[:1].upper()}{what[1:]} '{p}'"
    if p.exists() and not p.is_dir():
        raise OutputError(f"{name} is a file: give a folder with {option}.")
    try:
        p.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise OutputError(
            f"{name} cannot be created ({e.strerror}): choose another with {option}."
        ) from e
    return p
