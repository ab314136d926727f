"""``--audio-url``: the speech read as it arrives from a second input, by PyAV.

Anything ffmpeg opens can carry the speech: a FIFO (``mkfifo``) another ffmpeg writes into, a
network stream (``srt://``, ``rtmp://``, ``http://``), a plain file. It is read in a thread of
its own, decoded to 16 kHz mono and analysed as it comes (:class:`~lipsync.core.speech.
incremental.LiveCurve` with ``--live``, else :class:`~lipsync.core.speech.incremental.
IncrementalCurve`, whose frames wait until the speech around them is known). The speech's
first sample is taken to be simultaneous with the first video frame. A speech input that
stalls stalls no frame in live mode (they leave on time, with the mouth known so far); one
that breaks off ends the speech there (a warning).
"""

from __future__ import annotations

import logging
import threading

import av
import numpy as np

from lipsync.core.constants import DEFAULT_FPS
from lipsync.core.engine import LipSyncEngine, ProgressCallback, SyncStream
from lipsync.core.errors import InputError, MediaFormatError, NoStreamError
from lipsync.core.media import VideoStreamInfo
from lipsync.core.speech import parameters as SP
from lipsync.core.speech.incremental import IncrementalCurve, LiveCurve

log = logging.getLogger("lipsync")

OPEN_TIMEOUT_SECONDS = 10  # s a network input may take to answer (a FIFO waits for its writer)


class SpeechFeed:
    """The first audio stream of ``url`` decoded into ``curve`` by a thread of its own::

    feed = SpeechFeed("speech.fifo", curve)   # opened now: a bad input fails here
    feed.start()                              # curve.add(...) as it comes, curve.finish() at end
    feed.close()                              # stop reading (the curve is finished)
    """

    def __init__(self, url: str, curve: IncrementalCurve | LiveCurve) -> None:
        self.url = url
        self.curve = curve
        self.samples = 0  # decoded so far, at the analysis rate
        self._closed = False
        self._thread: threading.Thread | None = None
        options = {"rw_timeout": str(OPEN_TIMEOUT_SECONDS * 1_000_000)}
        if "://" not in url:
            options = {}
        try:
            self._container = av.open(url, mode="r", options=options, timeout=None)
        except av.error.FileNotFoundError as e:
            raise InputError(f"--audio-url '{url}' does not exist: check the path.") from e
        except (av.error.FFmpegError, OSError) as e:
            raise MediaFormatError(
                f"--audio-url '{url}' could not be opened as media "
                f"({getattr(e, 'strerror', None) or e}): check that it is "
                "reachable and carries audio ffmpeg can read."
            ) from e
        if not self._container.streams.audio:
            self._container.close()
            raise NoStreamError(
                f"--audio-url '{url}' has no audio stream: give an input that carries the speech."
            )

    def start(self) -> None:
        self._thread = threading.Thread(target=self._read, name="lipsync-audio-url")
        self._thread.daemon = True
        self._thread.start()

    def close(self) -> None:
        """Stop reading (a reading thread blocked on a stalled input is left behind)."""
        self._closed = True
        if self._thread is not None:
            self._thread.join(timeout=1.0)

    def _read(self) -> None:
        stream = self._container.streams.audio[0]
        resampler = av.AudioResampler(format="flt", layout="mono", rate=SP.ANALYSIS_RATE)
        try:
            for frame in self._container.decode(stream):
                if self._closed:
                    break
                frame.pts = None  # sample counts, not gaps in the stamps
                for out in resampler.resample(frame):
                    self._add(out)
            for out in resampler.resample(None):
                self._add(out)
        except (av.error.FFmpegError, OSError) as e:
            log.warning("--audio-url '%s' broke off (%s): the speech ends there.", self.url, e)
        finally:
            self._container.close()
            self.curve.finish()

    def _add(self, frame: av.AudioFrame) -> None:
        samples = np.ascontiguousarray(frame.to_ndarray().reshape(-1), np.float32)
        self.samples += samples.shape[0]
        self.curve.add(samples)


def stream_with_audio_url(
    engine: LipSyncEngine,
    info: VideoStreamInfo,
    url: str,
    on_progress: ProgressCallback | None,
    live: float | None = None,
) -> tuple[SyncStream, SpeechFeed]:
    """The engine's stream for frames described by ``info``, driven by the speech at ``url``
    as it arrives, and the (started) feed reading it."""
    if hasattr(engine.renderer, "prepare"):
        raise InputError(
            f"The {engine.renderer.name} renderer reads the whole speech before the first "
            "frame: give the speech with --audio FILE."
        )
    if engine.options.text:
        raise InputError("--text needs the speech as a file: give it with --audio FILE.")
    fps = float(info.fps or DEFAULT_FPS)
    curve = LiveCurve(fps, background=True) if live is not None else IncrementalCurve(fps)
    feed = SpeechFeed(url, curve)
    stream = SyncStream(engine.renderer, engine.options, info, curve, None, on_progress)
    feed.start()
    return stream, feed
