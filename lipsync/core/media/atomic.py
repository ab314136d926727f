"""Atomic outputs: write beside the destination, rename when complete.

An interrupted or failed run leaves no half file under the final name and no temporary file
behind, and an input is never overwritten. Replacing an existing file keeps its permission
bits; a read-only file is refused, never replaced. A temporary file carries the id of the
process writing it (``.lipsync-tmp-<pid>-<random>-<name>``), so one left by a process that
was killed outright (SIGKILL, power loss) is removed by the next write into that folder.

With ``-n/--no-overwrite`` an output is created, never replaced, up to the last moment: the
final rename refuses a file that appeared under the name while the run worked
(``renameat2(RENAME_NOREPLACE)`` where the kernel offers it, else a hard link, which also
fails on an existing name). :func:`create_only` marks the outputs a command checked with ``-n``.

Every completed write is recorded in :mod:`lipsync.core.write_log`, so that a command
interrupted half way can say exactly what it wrote and what it did not.
"""

from __future__ import annotations

import ctypes
import errno
import os
import stat
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

from lipsync.core import write_log
from lipsync.core.constants import STALE_TEMP_SECONDS, TEMP_PREFIX
from lipsync.core.disk_full import disk_full_error
from lipsync.core.errors import OutputError
from lipsync.core.media.container import PathLike


def same_file(a: PathLike, b: PathLike) -> bool:
    """Whether ``a`` and ``b`` name one file: the same device and inode when both exist (a
    symbolic or hard link counts), else the same fully resolved path."""
    pa, pb = Path(a), Path(b)
    try:
        sa, sb = pa.stat(), pb.stat()
    except OSError:
        pass
    else:
        return (sa.st_dev, sa.st_ino) == (sb.st_dev, sb.st_ino)
    try:
        return pa.resolve() == pb.resolve()
    except (OSError, RuntimeError):  # a symlink loop
        return os.path.abspath(pa) == os.path.abspath(pb)


def read_only(path: Path) -> bool:
    """Whether the existing file ``path`` must not be replaced: no write permission bit at all
    (mode 444, root included), or not writable by this user."""
    try:
        mode = path.stat().st_mode
    except OSError:
        return False
    return not (mode & 0o222) or not os.access(path, os.W_OK)


def check_output_path(dest: PathLike, inputs: Iterable[PathLike] = ()) -> Path:
    """Check that ``dest`` can be written and is none of ``inputs``; return it as a Path."""
    path = Path(dest)
    if path.is_dir():
        raise OutputError(f"The output '{path}' is a folder: give a file name for the output.")
    for src in inputs:
        if same_file(path, src):
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
    if path.exists() and read_only(path):
        raise OutputError(
            f"The output '{path}' exists and is read-only: make it writable, remove it, or "
            "choose another output name (read-only files are never replaced)."
        )
    return path


def temp_path_for(dest: Path) -> Path:
    """A unique hidden temporary name beside ``dest``, with this process's id and the same
    extension: ``.lipsync-tmp-<pid>-<random>-<name>``."""
    return dest.with_name(f"{TEMP_PREFIX}{os.getpid()}-{uuid.uuid4().hex[:8]}-{dest.name}")


def remove_stale_temps(folder: PathLike, min_age: float = STALE_TEMP_SECONDS) -> list[Path]:
    """Remove this user's temporary outputs in ``folder`` whose writing process no longer
    exists and that nothing touched for ``min_age`` seconds (a process of another machine or
    container writing into a shared folder keeps its file fresh); return them."""
    removed: list[Path] = []
    now = time.time()
    with suppress(OSError):
        for entry in os.scandir(folder):
            pid = _temp_owner(entry.name)
            if pid is None or pid == os.getpid() or _alive(pid):
                continue
            with suppress(OSError):
                st = entry.stat(follow_symlinks=False)
                if not stat.S_ISREG(st.st_mode) or st.st_uid != os.getuid():
                    continue
                if now - st.st_mtime < min_age:
                    continue
                os.unlink(entry.path)
                removed.append(Path(entry.path))
    return removed


_CREATE_ONLY: set[Path] = set()  # outputs checked with -n and not yet written by this run
_CREATE_ONLY_LOCK = threading.Lock()


def create_only(paths: Iterable[PathLike]) -> None:
    """Mark ``paths`` as outputs that must not exist when they are put in place (``-n``):
    their first :func:`atomic_output` refuses a file that appeared under the name meanwhile.
    Later writes of the same output in this process replace this run's own file."""
    with _CREATE_ONLY_LOCK:
        _CREATE_ONLY.update(_key(p) for p in paths)


def _key(path: PathLike) -> Path:
    return Path(os.path.abspath(path))


def _is_create_only(path: Path) -> bool:
    with _CREATE_ONLY_LOCK:
        return _key(path) in _CREATE_ONLY


@contextmanager
def atomic_output(
    dest: PathLike, inputs: Iterable[PathLike] = (), *, no_replace: bool = False
) -> Iterator[Path]:
    """Yield a temporary path to write to; on success it replaces ``dest`` in one rename,
    with the permission bits of the file it replaces. With ``no_replace`` (or ``dest``
    marked by :func:`create_only`), the rename refuses an existing ``dest``, even one created
    while the caller was writing.

    On any exception, ``KeyboardInterrupt`` included, the temporary file is removed and the
    exception propagates.
    """
    path = check_output_path(dest, inputs)
    no_replace = no_replace or _is_create_only(path)
    if no_replace and (path.exists() or path.is_symlink()):
        raise _exists_error(path)
    remove_stale_temps(path.parent if str(path.parent) else ".")
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
        if no_replace:
            rename_no_replace(tmp, path)
        else:
            _keep_mode(path, tmp)
            os.replace(tmp, path)
    except BaseException as e:
        tmp.unlink(missing_ok=True)
        full = disk_full_error(e, path)  # one sentence naming the folder
        if full is not None:
            raise full from e
        raise
    if no_replace:
        with _CREATE_ONLY_LOCK:
            _CREATE_ONLY.discard(_key(path))
    write_log.written(path)


def _exists_error(path: Path, meanwhile: bool = False) -> OutputError:
    if meanwhile:
        return OutputError(
            f"The output '{path}' appeared while lipsync was writing it and -n/--no-overwrite "
            "was given: it was left as it is; remove it or choose another name."
        )
    return OutputError(
        f"The output '{path}' exists and -n/--no-overwrite was given: remove it or choose "
        "another name."
    )


_RENAME_NOREPLACE = 1  # <linux/fs.h>
_AT_FDCWD = -100


def _renameat2() -> Callable[..., int] | None:
    """glibc's ``renameat2`` (Linux 3.15+, glibc 2.28+), or None."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        fn = libc.renameat2
    except (OSError, AttributeError):
        return None
    fn.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    fn.restype = ctypes.c_int
    return fn


_RENAMEAT2 = _renameat2()


def rename_no_replace(src: PathLike, dest: PathLike) -> None:
    """Rename ``src`` to ``dest`` unless ``dest`` exists, in one step: no file that appears
    under ``dest`` at any moment is replaced. ``renameat2(RENAME_NOREPLACE)`` where the kernel
    and file system offer it, else a hard link and an unlink (a link never replaces a name).
    Raises :class:`~lipsync.core.errors.OutputError` when ``dest`` exists."""
    src_b, dest_b = os.fsencode(src), os.fsencode(dest)
    if _RENAMEAT2 is not None:
        if _RENAMEAT2(_AT_FDCWD, src_b, _AT_FDCWD, dest_b, _RENAME_NOREPLACE) == 0:
            return
        err = ctypes.get_errno()
        if err == errno.EEXIST:
            raise _exists_error(Path(dest), meanwhile=True)
        if err not in (errno.EINVAL, errno.ENOSYS, errno.EOPNOTSUPP):
            raise OSError(err, os.strerror(err), os.fsdecode(dest))
    try:
        os.link(src, dest)
    except FileExistsError as e:
        raise _exists_error(Path(dest), meanwhile=True) from e
    except OSError as e:
        if e.errno not in (errno.EPERM, errno.EOPNOTSUPP, errno.EXDEV, errno.EMLINK):
            raise
        # no hard links here (FAT, some network file systems): the narrowest check left
        if os.path.lexists(dest):
            raise _exists_error(Path(dest), meanwhile=True) from e
        os.rename(src, dest)
        return
    os.unlink(src)


def _keep_mode(path: Path, tmp: Path) -> None:
    """Give ``tmp`` the permission bits of the existing ``path`` (refusing it if it became
    read-only since the check)."""
    try:
        st = path.stat()
    except OSError:
        return
    if read_only(path):
        raise OutputError(
            f"The output '{path}' became read-only while it was being written: it was left as "
            "it was; make it writable or choose another output name."
        )
    os.chmod(tmp, stat.S_IMODE(st.st_mode))


def _temp_owner(name: str) -> int | None:
    """The process id in a temporary name of ours, or None for any other name."""
    if not name.startswith(TEMP_PREFIX):
        return None
    pid, _, rest = name[len(TEMP_PREFIX) :].partition("-")
    return int(pid) if pid.isdigit() and rest else None


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OSError):
        return True  # it exists (another user's), or we cannot tell: keep its file
    return True


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
