"""Mixing pieces of audio files into one track: the dub heard over one timeline clip.

Pure part (arrays in, arrays out): :func:`place` lays ``float32 (n,)`` pieces onto silence at
sample offsets and sums them; :func:`retime` stretches a piece to a new length (a speed change);
:func:`digest` names the result by its samples. I/O part: :func:`read_span` decodes just one
stretch of a file (mono, at a given rate), :func:`write_mix` saves a WAV.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Iterable
from pathlib import Path

import av
import numpy as np

from lipsync.core.constants import AUDIO_OUT_SAMPLE_RATE
from lipsync.core.errors import NoStreamError
from lipsync.core.media.audio import save_audio
from lipsync.core.media.container import PathLike, media_error, open_input

MIX_SAMPLE_RATE = AUDIO_OUT_SAMPLE_RATE  # Hz; the rate dub mixes are made and saved at
SEEK_MARGIN = 1.0  # s; seek this far before the span, then decode forward


# --- pure -------------------------------------------------------------------------------------


def place(length: int, pieces: Iterable[tuple[int, np.ndarray]]) -> np.ndarray:
    """``float32 (length,)``: silence with each ``(offset, samples)`` piece added at sample
    ``offset`` (negative offsets and overhangs are cut). Overlapping pieces are summed and the
    sum kept within -1..1."""
    out = np.zeros(max(0, int(length)), dtype=np.float32)
    for offset, samples in pieces:
        data = np.asarray(samples, dtype=np.float32).reshape(-1)
        start, skip = int(offset), 0
        if start < 0:
            skip, start = -start, 0
        stop = min(out.shape[0], start + data.shape[0] - skip)
        if stop > start:
            out[start:stop] += data[skip : skip + stop - start]
    np.clip(out, -1.0, 1.0, out=out)
    return out


def retime(samples: np.ndarray, length: int) -> np.ndarray:
    """``samples`` (``float32 (n,)``) stretched or squeezed to ``length`` samples by linear
    interpolation: the same sound over a different duration (pitch follows the speed, as in
    an editor's speed change without pitch correction)."""
    data = np.asarray(samples, dtype=np.float32).reshape(-1)
    length = max(0, int(length))
    if length == data.shape[0] or data.shape[0] == 0:
        return data.copy() if length == data.shape[0] else np.zeros(length, np.float32)
    positions = np.linspace(0.0, data.shape[0] - 1, num=length) if length > 1 else np.zeros(1)
    return np.interp(positions, np.arange(data.shape[0]), data).astype(np.float32)


def digest(samples: np.ndarray, sample_rate: int) -> str:
    """SHA-256 (hex) of ``samples`` as 16-bit PCM (what the mix is saved as), with the rate."""
    pcm = (np.clip(np.asarray(samples, np.float32), -1, 1) * 32767.0).round().astype("<i2")
    h = hashlib.sha256(f"{int(sample_rate)}:".encode())
    h.update(pcm.tobytes())
    return h.hexdigest()


# --- I/O --------------------------------------------------------------------------------------


def read_span(
    path: PathLike, start: float, duration: float, sample_rate: int = MIX_SAMPLE_RATE
) -> np.ndarray:
    """``float32 (round(duration * sample_rate),)`` mono: the sound of ``path`` from ``start``
    s after its beginning, silence where the file has none (before 0 or past its end). Only that
    stretch (plus a second before it) is decoded."""
    n = max(0, round(duration * sample_rate))
    if n == 0:
        return np.zeros(0, np.float32)
    with open_input(path, "audio") as container:
        if not container.streams.audio:
            raise NoStreamError(
                f"The file '{path}' has no audio stream: give a file that contains sound."
            )
        stream = container.streams.audio[0]
        origin = float(stream.start_time * stream.time_base) if stream.start_time else 0.0
        if start - SEEK_MARGIN > 0:
            target = math.floor((origin + start - SEEK_MARGIN) / stream.time_base)
            try:
                container.seek(target, stream=stream, backward=True)
            except av.error.FFmpegError:
                container.seek(0)
        resampler = av.AudioResampler(format="fltp", layout="mono", rate=sample_rate)
        blocks: list[np.ndarray] = []
        first_time, have, decoded = None, 0, 0
        want_end = start + duration
        try:
            for frame in container.decode(stream):
                decoded += 1
                if first_time is None:
                    t = frame.pts * frame.time_base if frame.pts is not None else origin
                    first_time = float(t) - origin
                frame.pts = None  # resample on sample counts, not on gaps in pts
                for out in resampler.resample(frame):
                    block = out.to_ndarray().reshape(-1)
                    blocks.append(block)
                    have += block.shape[0]
                if first_time + have / sample_rate >= want_end:
                    break
            else:
                for out in resampler.resample(None):
                    blocks.append(out.to_ndarray().reshape(-1))
        except av.error.FFmpegError as e:
            if decoded == 0:
                raise media_error(path, "audio", e) from e
    if not blocks or first_time is None:
        return np.zeros(n, np.float32)
    data = np.concatenate(blocks).astype(np.float32)
    return place(n, [(round((first_time - start) * sample_rate), data)])


def write_mix(path: PathLike, samples: np.ndarray, sample_rate: int = MIX_SAMPLE_RATE) -> Path:
    """Save a mix as 16-bit WAV (atomically)."""
    return save_audio(path, samples, sample_rate)
