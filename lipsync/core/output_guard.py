"""Every output of a command checked against every input before any work starts.

A command names its inputs and its outputs by the option (or argument) that gave them, so
that a clash is one sentence naming both: ``--subtitles 'talk_es.es.srt'`` and the target
subtitles written beside ``talk_es.mp4``. Two names are one file when they resolve to the
same path, or, when both exist, have the same device and inode (a symbolic or hard link).

Checked for each output: it is none of the inputs, none of the other outputs, its folder
exists and is writable, it is not a read-only file, and (with ``-n/--no-overwrite``) it does
not exist yet, nor when it is put in place (:func:`~.media.atomic.create_only`). Files a
command reads and rewrites by design (the voice map of ``translate``) are "updates": checked
like outputs, except that they may exist. Work folders, whose file
names the command chooses itself, are checked with :func:`check_work_folder`.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from lipsync.core.errors import OutputError
from lipsync.core.media.atomic import check_output_path, create_only
from lipsync.core.media.container import PathLike
from lipsync.core.write_log import plan_outputs

#: role (the option or argument, e.g. "--report", "VIDEO") -> path, or None when not given
Named = Mapping[str, "PathLike | None"]


def check_outputs(
    outputs: Named,
    inputs: Named,
    *,
    updates: Named | None = None,
    no_overwrite: bool = False,
    new_folder: PathLike | None = None,
) -> dict[str, Path]:
    """Check ``outputs`` (and ``updates``) against ``inputs`` and each other; return the
    outputs given, as Paths. ``new_folder`` is where the command creates the folders of its
    outputs (the batch ``output_dir``): an output in it whose folder does not exist yet skips
    the folder checks. Raises :class:`~lipsync.core.errors.OutputError` (exit 3)."""
    outs = _given(outputs)
    ups = _given(updates or {})
    ins = _given(inputs)
    written = {**outs, **ups}
    read: dict[object, list[str]] = {}
    for role, src in ins.items():
        read.setdefault(_identity(src), []).append(role)
    seen: dict[object, str] = {}
    for role, path in written.items():
        key = _identity(path)
        clash = [r for r in read.get(key, []) if r != role]
        if clash:
            raise OutputError(
                f"The output {_name(role, path)} is the same file as the input "
                f"{_name(clash[0], ins[clash[0]])}: choose another name for the output (inputs "
                "are never overwritten)."
            )
        if key in seen:
            other = seen[key]
            raise OutputError(
                f"The outputs {_name(other, written[other])} and {_name(role, path)} are the "
                "same file: give each its own name."
            )
        seen[key] = role
    made = Path(new_folder).absolute() if new_folder else None
    for role, path in written.items():
        if made is None or path.parent.exists() or made not in path.absolute().parents:
            check_output_path(path)
        if no_overwrite and role in outs and (path.exists() or path.is_symlink()):
            raise OutputError(
                f"The output {_name(role, path)} exists and -n/--no-overwrite was given: "
                "remove it or choose another name."
            )
    if no_overwrite:
        create_only(outs.values())  # and the final rename refuses one that appears meanwhile
    plan_outputs(outs.values())
    return outs


def check_work_folder(
    root: PathLike,
    what: str,
    option: str,
    owns: Callable[[Path], str | None],
    inputs: Named,
) -> None:
    """Refuse an input that lies where the work folder ``root`` writes or deletes its own
    files: ``owns(relative)`` names the work file a path relative to the folder would be (or
    None when the folder leaves that path alone). ``what`` says what the folder is ("the work
    directory") and ``option`` chooses another."""
    folder = Path(root)
    for role, src in _given(inputs).items():
        for relative in _relative(src, folder):
            mine = owns(relative)
            if mine is not None:
                raise OutputError(
                    f"The input {_name(role, src)} is in {what} '{folder}', where the run "
                    f"writes its own '{mine}': move the input elsewhere or choose another "
                    f"{option}."
                )


def _given(named: Named) -> dict[str, Path]:
    return {role: Path(p) for role, p in named.items() if p is not None and str(p) != ""}


def _identity(path: Path) -> object:
    """What makes two names one file: device and inode when it exists (a symbolic or hard
    link counts), else the fully resolved path (see :func:`~.atomic.same_file`)."""
    try:
        st = path.stat()
    except OSError:
        pass
    else:
        return (st.st_dev, st.st_ino)
    try:
        return path.resolve()
    except (OSError, RuntimeError):  # a symlink loop
        return Path(os.path.abspath(path))


def _name(role: str, path: Path) -> str:
    return f"'{path}' ({role})"


def _spellings(path: Path) -> list[Path]:
    """The absolute path as given and fully resolved (a link into the folder counts)."""
    absolute = Path(path).absolute()
    try:
        resolved = absolute.resolve()
    except (OSError, RuntimeError):
        return [absolute]
    return [absolute] if resolved == absolute else [absolute, resolved]


def _relative(path: Path, folder: Path) -> list[Path]:
    """``path`` relative to ``folder``, for each spelling of both where it lies inside."""
    found = []
    for candidate in _spellings(path):
        for base in _spellings(folder):
            if base in candidate.parents and candidate.relative_to(base) not in found:
                found.append(candidate.relative_to(base))
    return found


def check_stream_output(stream: Any, inputs: Named, stdin: Any = None) -> None:
    """Refuse an output ``stream`` (stdout) that is a regular file also read as an input
    (``inputs``, or the ``stdin`` stream): ``>> dub.wav`` would grow or damage it."""
    out = _fstat(stream)
    if out is None:
        return
    if not stat.S_ISREG(out.st_mode):
        return  # a pipe, a terminal or a device: nothing to overwrite
    ident = (out.st_dev, out.st_ino)
    st = _fstat(stdin)
    if st is not None and (st.st_dev, st.st_ino) == ident:
        raise OutputError("stdout is the same file as stdin: write the output to another file.")
    for role, src in _given(inputs).items():
        try:
            st = src.stat()
        except OSError:
            continue
        if (st.st_dev, st.st_ino) == ident:
            raise OutputError(
                f"stdout is the same file as the input {_name(role, src)}: write the "
                "output to another file (inputs are never overwritten)."
            )


def _fstat(stream: Any) -> os.stat_result | None:
    """The status of an open stream's file, or None (no descriptor, e.g. in a test runner)."""
    if stream is None:
        return None
    try:
        return os.fstat(stream.fileno())
    except (OSError, ValueError, AttributeError):
        return None
