"""A Python child process talking through two pipes (a leaf module: standard library only).

Started as ``python -m MODULE ARGS`` with its stdin and stdout as the pipes, wrapped as
:class:`multiprocessing.connection.Connection` (pickled messages), not by
:mod:`multiprocessing`, whose spawned child imports the caller's main module again: a script
calling the library without a ``__main__`` guard would run twice. The child is in a session of
its own, so Ctrl-C at a terminal is the parent's to handle, and it sees the end of its input
when the parent closes the pipe or dies.
"""

from __future__ import annotations

import os
import subprocess
import sys
from multiprocessing.connection import Connection


def start_child(module: str, *args: str) -> tuple[subprocess.Popen, Connection, Connection]:
    """(the process, the connection to send to it, the one to receive from it)."""
    process = subprocess.Popen(
        [sys.executable, "-m", module, *args],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        start_new_session=True,  # Ctrl-C at a terminal is the parent's to handle
    )
    assert process.stdin is not None and process.stdout is not None
    to_child = Connection(os.dup(process.stdin.fileno()), readable=False)
    from_child = Connection(os.dup(process.stdout.fileno()), writable=False)
    process.stdin.close()
    process.stdout.close()
    return process, to_child, from_child


def child_connections() -> tuple[Connection, Connection]:
    """In the child: (the connection from the parent, the one to it). Its stdin then reads
    nothing and its stdout goes to stderr, so nothing printed can corrupt the messages."""
    source = Connection(os.dup(0), writable=False)
    sink = Connection(os.dup(1), readable=False)
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)
    os.dup2(2, 1)
    return source, sink
