"""Live speech analysed in a process of its own.

pocketsphinx holds Python's interpreter lock while it decodes (measured: a thread spinning
beside a decoding thread ran at 15 % of its speed). A live pipe analyses 1.2 s of speech every
0.08 s (~45 ms of decoding each), so in a thread of the filter's process it stalled the frames'
tracking and rendering for most of every frame: at 720p25 with the stream's own speech, 197
of 200 frames passed through untouched. In a child process it runs on the other core, and the
filter's threads only copy its results.

    parent: LiveCurve.add ──► sender thread ──pipe──► child: LiveCurve (analyses at once)
    parent: LiveCurve.values ◄── receiver thread ◄──pipe── the child's state after each step

The child analyses the newest window only (audio that came while it was busy is appended
first), so a slow step never builds a backlog, as the thread before it did not. It is started
as ``python -m lipsync.core.speech.live_process FPS`` (:mod:`lipsync.core.child_process`).
"""

from __future__ import annotations

import logging
import signal
import subprocess
import sys
import threading
from collections import deque
from multiprocessing.connection import Connection
from typing import TYPE_CHECKING

import numpy as np

from lipsync.core.child_process import child_connections, start_child

if TYPE_CHECKING:
    from lipsync.core.speech.incremental import LiveCurve

log = logging.getLogger("lipsync")

_END = b""  # the audio has ended (samples are never empty on the pipe)
JOIN_SECONDS = 30.0  # s finish() waits for the child's last analysis at most


class RemoteAnalysis:
    """The background half of a :class:`~.incremental.LiveCurve`: its audio goes to a child
    process, whose state after every analysis step comes back into ``curve``."""

    def __init__(self, curve: LiveCurve) -> None:
        self.curve = curve
        self._process, self._out_conn, self._in_conn = start_child(__name__, repr(curve.fps))
        self._out: deque[bytes | None] = deque()
        self._cond = threading.Condition()
        self._ended = threading.Event()
        self._sender = threading.Thread(target=self._send, name="lipsync-live-speech-out")
        self._receiver = threading.Thread(target=self._receive, name="lipsync-live-speech-in")
        self._sender.daemon = self._receiver.daemon = True
        self._sender.start()
        self._receiver.start()

    def add(self, samples: np.ndarray) -> None:
        """Queue ``float32 (n,)`` samples for the child (never waits)."""
        if samples.shape[0] == 0:
            return
        with self._cond:
            self._out.append(np.ascontiguousarray(samples, np.float32).tobytes())
            self._cond.notify()

    def finish(self) -> None:
        """Send the end; wait for the child's last analysis and its exit."""
        with self._cond:
            self._out.append(None)
            self._cond.notify()
        self._ended.wait(JOIN_SECONDS)
        try:
            self._process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()
        self._out_conn.close()
        self._in_conn.close()

    def _send(self) -> None:
        while True:
            with self._cond:
                while not self._out:
                    self._cond.wait()
                data = self._out.popleft()
            try:
                self._out_conn.send_bytes(_END if data is None else data)
            except (OSError, ValueError):  # the child is gone: the curve stays as it is
                return
            if data is None:
                return

    def _receive(self) -> None:
        try:
            while True:
                message = self._in_conn.recv()
                if message is None:  # the child's last analysis came before
                    return
                self.curve.restore(message)
        except (EOFError, OSError, ValueError):
            if not self._ended.is_set():
                log.warning("live speech: the analysing process ended early")
        finally:
            self._ended.set()


def serve(source: Connection, sink: Connection, fps: float) -> None:
    """The child: audio in from ``source``, the curve's state out to ``sink`` after each
    analysis step (the newest window only); on the end, the last window's analysis, then
    None."""
    from lipsync.core.speech.incremental import LiveCurve, StreamingPhones

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    curve = LiveCurve(fps)
    curve._recogniser = StreamingPhones()  # its model loaded before the first audio comes
    ended = False
    try:
        while not ended:
            data = source.recv_bytes()
            while True:
                if data == _END:
                    ended = True
                    break
                curve._append(np.frombuffer(data, np.float32))
                if not source.poll():
                    break
                data = source.recv_bytes()
            if ended:
                curve.finish()
                sink.send(curve.snapshot())
                sink.send(None)
            elif curve._due():
                # the step's phones go out first: the gain's estimate (~10 ms once a second)
                # made a frame a second miss its speech
                curve._step(regain=False)
                sink.send(curve.snapshot())
                if curve.regain():
                    sink.send(curve.snapshot())
    except (EOFError, OSError):  # the parent has gone
        return
    finally:
        source.close()
        sink.close()


def main(argv: list[str]) -> None:
    """``python -m lipsync.core.speech.live_process FPS``: :func:`serve` on stdin / stdout
    (anything printed goes to stderr: stdout carries the results)."""
    serve(*child_connections(), float(argv[0]))


if __name__ == "__main__":
    main(sys.argv[1:])
