"""Audio in and out: decoding any file to float32 samples, and writing WAV files."""

from __future__ import annotations

import math
import os
import wave
from collections.abc import Generator
from contextlib import closing
from pathlib import Path

import av
import numpy as np

from lipsync.core.constants import SPEECH_SAMPLE_RATE
from lipsync.core.errors import InputError, MediaFormatError, NoStreamError
from lipsync.core.media.atomic import atomic_output
from lipsync.core.media.container import PathLike, media_error, open_input

MAX_SAMPLE_RATE = 768_000  # Hz; anything above is surely a mistake
LOAD_CHUNK_SECONDS = 10  # s; blocks load_audio takes from the decoder
MAX_LOAD_SECONDS = 4 * 3600  # s; a stated duration beyond this is not trusted for sizing


def iter_audio(
    path: PathLike,
    sample_rate: int | None = None,
    channels: int | None = None,
    stream_index: int = 0,
    chunk: int | None = None,
) -> Generator[np.ndarray, None, None]:
    """Decode an audio stream of ``path`` and yield ``float32 (channels, n)`` chunks.

    ``sample_rate`` (Hz) and ``channels`` default to the stream's own; ``chunk`` fixes the
    number of samples per yielded block (the last may be shorter). Memory stays bounded by one
    chunk plus the decoder's buffers, whatever the file's length.
    """
    if sample_rate is not None:
        _check_rate(sample_rate)
    with open_input(path, "audio") as container:
        stream = _audio_stream(container, path, stream_index)
        yield from _decode(container, stream, path, sample_rate, channels, chunk)


def _audio_stream(
    container: av.container.InputContainer, path: PathLike, stream_index: int, what: str = ""
) -> av.audio.stream.AudioStream:
    """The audio stream ``stream_index`` of the open ``container`` of ``path``, or one
    sentence (``what``: the file's role, e.g. "audio", for the message)."""
    if len(container.streams.audio) <= stream_index:
        role = f"{what} " if what else ""
        raise NoStreamError(
            f"The {role}file '{path}' has no audio stream: give a file that contains sound."
        )
    return container.streams.audio[stream_index]


def _decode(
    container: av.container.InputContainer,
    stream: av.audio.stream.AudioStream,
    path: PathLike,
    sample_rate: int | None,
    channels: int | None,
    chunk: int | None,
) -> Generator[np.ndarray, None, None]:
    """:func:`iter_audio`'s blocks of ``stream`` in the open ``container`` of ``path``."""
    stream.thread_type = "AUTO"
    rate = sample_rate or stream.codec_context.sample_rate
    n_ch = channels or stream.codec_context.channels or 1
    layout = {1: "mono", 2: "stereo"}.get(n_ch) or f"{n_ch}c"
    resampler = av.AudioResampler(format="fltp", layout=layout, rate=rate, frame_size=chunk)
    decoded = 0
    try:
        for frame in container.decode(stream):
            frame.pts = None  # let the resampler run on sample counts, not on gaps in pts
            for out in resampler.resample(frame):
                decoded += 1
                yield out.to_ndarray().reshape(n_ch, -1)
        for out in resampler.resample(None):
            yield out.to_ndarray().reshape(n_ch, -1)
    except av.error.FFmpegError as e:
        if decoded == 0:
            raise media_error(path, "audio", e) from e


def load_audio(
    path: PathLike, sample_rate: int = SPEECH_SAMPLE_RATE, stream_index: int = 0
) -> np.ndarray:
    """Decode the audio of any audio or video file as ``float32 (n,)`` mono at ``sample_rate``
    Hz (channels averaged). Raises a :class:`~lipsync.core.errors.MediaError` subclass for a
    missing, unreadable or soundless file."""
    # Decoded into one buffer, sized from the stream's duration (its pages untouched until
    # written), grown if the stream runs longer and trimmed in place (realloc: large buffers
    # move by remapping, not copying). A list of PyAV's small blocks joined at the end held the
    # audio about three times over: 100 MB for 10 minutes at 16 kHz; growing from nothing by
    # half again each time, up to half as much again. The file is opened once (an open reads
    # and parses up to 5 MB of it: 7 ms of CPU for a 40 s WAV).
    _check_rate(sample_rate)
    chunk = int(sample_rate) * LOAD_CHUNK_SECONDS
    with open_input(path, "audio") as container:
        stream = _audio_stream(container, path, stream_index)
        try:
            out = np.empty(_expected_samples(path, container, stream, sample_rate), np.float32)
        except MemoryError:  # a stated duration far beyond the real one (estimated from bitrate)
            out = np.empty(0, dtype=np.float32)
        n = 0
        for block in _decode(container, stream, path, sample_rate, 1, chunk):
            k = block.shape[1]
            if n + k > out.shape[0]:
                out.resize(max(out.shape[0] * 3 // 2, n + k), refcheck=False)
            out[n : n + k] = block[0]
            n += k
    out.resize(n, refcheck=False)
    return out


def _expected_samples(
    path: PathLike,
    container: av.container.InputContainer,
    stream: av.audio.stream.AudioStream,
    sample_rate: int,
) -> int:
    """Samples (plus one load block of margin) the audio ``stream`` of the open ``container``
    of ``path`` decodes to at ``sample_rate`` Hz, from its stated duration; 0 when it states
    none or ``path`` is not a regular file (a pipe's header may state anything)."""
    if not os.path.isfile(path):
        return 0
    if stream.duration is not None and stream.time_base is not None:
        seconds = float(stream.duration * stream.time_base)
    elif container.duration is not None:
        seconds = container.duration / av.time_base
    else:
        return 0
    if not 0 < seconds < MAX_LOAD_SECONDS:
        return 0
    return math.ceil(seconds * int(sample_rate)) + int(sample_rate) * LOAD_CHUNK_SECONDS


def save_audio(path: PathLike, samples: np.ndarray, sample_rate: int) -> Path:
    """Write ``samples`` (``float (n,)`` or ``(n, channels)``, -1..1) as 16-bit PCM WAV,
    atomically. Values beyond -1..1 are clipped."""
    _check_rate(sample_rate)
    data = np.asarray(samples, dtype=np.float32)
    if data.ndim == 1:
        data = data[:, None]
    if data.ndim != 2:
        raise InputError(f"Audio samples must be (n,) or (n, channels), not shape {data.shape}.")
    pcm = (np.clip(data, -1.0, 1.0) * 32767.0).round().astype("<i2")
    with atomic_output(path) as tmp, wave.open(str(tmp), "wb") as w:
        w.setnchannels(pcm.shape[1])
        w.setsampwidth(2)
        w.setframerate(int(sample_rate))
        w.writeframes(pcm.tobytes())
    return Path(path)


def _check_rate(sample_rate: int) -> None:
    if not (1 <= int(sample_rate) <= MAX_SAMPLE_RATE):
        raise InputError(
            f"The sample rate {sample_rate} Hz is out of range: give a rate from 1 to "
            f"{MAX_SAMPLE_RATE} Hz."
        )


FLOAT_CODECS = ("pcm_f16le", "pcm_f24le", "pcm_f32be", "pcm_f32le", "pcm_f64be", "pcm_f64le")


def check_audio_samples(path: PathLike, what: str = "audio", stream_index: int = 0) -> None:
    """Refuse an audio stream of ``path`` that has no samples at all, or (for float PCM, the
    only kind that can hold them) a sample that is not a number (NaN or infinity): one
    sentence naming the file, and the time of the first bad sample. Other codecs are decoded
    only up to their first samples."""
    seen = 0
    with open_input(path, what) as container:
        stream = _audio_stream(container, path, stream_index, what)
        cc = stream.codec_context
        scan, rate = cc.name in FLOAT_CODECS, int(cc.sample_rate or 1)
        with closing(_decode(container, stream, path, None, None, None)) as blocks:
            for block in blocks:
                bad = ~np.isfinite(block).all(axis=0) if scan else None
                if bad is not None and bad.any():
                    first = (seen + int(np.flatnonzero(bad)[0])) / rate
                    raise MediaFormatError(
                        f"The {what} file '{path}' has a sample that is not a number (NaN or "
                        f"infinity) at {first:.3f} s: re-export it, or convert it to 16- or "
                        "24-bit PCM."
                    )
                seen += block.shape[-1]
                if seen and not scan:
                    return
    if seen == 0:
        raise MediaFormatError(
            f"The {what} file '{path}' has no sound (0 samples): export the {what} again and "
            "give a file that contains speech."
        )
