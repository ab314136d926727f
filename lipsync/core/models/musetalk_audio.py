"""MuseTalk's audio features: whisper-tiny encoder states of every layer, in per-frame windows.

MuseTalk 1.5 (``musetalk/utils/audio_processor.py``) cuts the 16 kHz speech into 30 s segments,
turns each into Whisper's log-mel input (80 bands x 3000 frames, the segment padded with
zeros to 30 s), runs the whisper-tiny encoder and keeps the hidden states of all its layers
(the embedding output and every block: 5 for tiny), 50 per second of audio. For the video
frame ``i`` at ``fps`` it takes the 10 states starting at ``floor(i * 50 / fps)`` of the
sequence padded with ``2 * floor(50 / fps)`` zero states in front (so the window runs from
two frames before the frame to two after), and flattens (10 states x layers) into the 50
tokens the UNet attends to.

The log-mel is computed here in numpy with the filter bank the export saved from the user's
``preprocessor_config.json`` (so no transformers at run time). Two deliberate differences
from the published script, both at the edges: the states are kept up to the end of the speech
(MuseTalk drops its last partial second), and the frame rate is used as it is (MuseTalk
rounds it down to an integer).
"""

from __future__ import annotations

import math
from collections import OrderedDict
from collections.abc import Callable

import numpy as np

from lipsync.core.constants import SPEECH_SAMPLE_RATE

SAMPLE_RATE = SPEECH_SAMPLE_RATE  # Hz, 16 kHz mono
N_FFT = 400  # samples per STFT frame (25 ms)
HOP = 160  # samples between STFT frames (10 ms)
MEL_BANDS = 80
SEGMENT_SECONDS = 30  # Whisper's input length
SEGMENT_SAMPLES = SEGMENT_SECONDS * SAMPLE_RATE  # 480000
MEL_FRAMES = SEGMENT_SAMPLES // HOP  # 3000 per segment
STATES_PER_SECOND = 50  # encoder states per second (its stride-2 convolution over 100 mel/s)
SAMPLES_PER_STATE = SAMPLE_RATE // STATES_PER_SECOND  # 320
SEGMENT_STATES = SEGMENT_SECONDS * STATES_PER_SECOND  # 1500
PAD_LEFT = 2  # video frames of audio context before the frame
PAD_RIGHT = 2  # ... and after it
WINDOW_STATES = 2 * (PAD_LEFT + PAD_RIGHT + 1)  # 10 states per video frame
LOG_FLOOR = 1e-10  # power floor before log10
DYNAMIC_RANGE = 8.0  # log10 units kept below the segment's maximum
SILENCE_DBFS = -50.0  # dB: a window quieter than this is silence (see AudioFeatures.silent)
_SILENCE_AT = 500  # state of a silent segment whose window stands for every silence

Encoder = Callable[[np.ndarray], np.ndarray]


def hann(n: int = N_FFT) -> np.ndarray:
    """The periodic Hann window of ``n`` samples (as ``torch.hann_window`` and Whisper)."""
    return (0.5 - 0.5 * np.cos(2 * np.pi * np.arange(n) / n)).astype(np.float64)


def log_mel(segment: np.ndarray, filters: np.ndarray) -> np.ndarray:
    """``float32 (80, 3000)``: Whisper's log-mel input of one segment of at most 30 s.

    ``segment``: ``float32 (n,)`` at 16 kHz, ``n <= 480000`` (zero-padded to 30 s);
    ``filters``: ``float32 (201, 80)``, the mel filter bank of ``preprocessor_config.json``.
    Centred STFT (reflect padding), power spectrum, mel, ``log10``, floored 8 below the maximum,
    then ``(x + 4) / 4``."""
    x = np.zeros(SEGMENT_SAMPLES, np.float64)
    seg = np.asarray(segment, np.float64)[:SEGMENT_SAMPLES]
    x[: seg.shape[0]] = seg
    padded = np.pad(x, N_FFT // 2, mode="reflect")
    frames = np.lib.stride_tricks.sliding_window_view(padded, N_FFT)[::HOP]  # (3001, 400)
    power = np.abs(np.fft.rfft(frames * hann(), axis=1)) ** 2  # (3001, 201)
    mel = power @ np.asarray(filters, np.float64)  # (3001, 80)
    logs = np.log10(np.maximum(mel, LOG_FLOOR)).T[:, :MEL_FRAMES]
    logs = np.maximum(logs, logs.max() - DYNAMIC_RANGE)
    return ((logs + 4.0) / 4.0).astype(np.float32)


def state_range(index: int, fps: float) -> tuple[int, int]:
    """(first, end) state numbers (of the unpadded sequence; may lie outside it) of the
    window of video frame ``index`` at ``fps`` frames/s."""
    per_frame = STATES_PER_SECOND / fps
    pad = math.floor(per_frame) * PAD_LEFT
    first = math.floor(index * per_frame + 1e-9) - pad
    return first, first + WINDOW_STATES


class AudioFeatures:
    """The encoder states of a whole speech, computed a 30 s segment at a time when first
    needed (a few segments kept), and the per-frame windows the UNet is given.

    ``encode``: log-mel ``float32 (B, 80, 3000)`` -> states ``float32 (B, 1500, L, D)``.
    """

    def __init__(
        self, samples: np.ndarray, encode: Encoder, filters: np.ndarray, keep: int = 3
    ) -> None:
        self.samples = np.asarray(samples, np.float32)
        self.encode = encode
        self.filters = filters
        self.keep = keep
        #: States that belong to the speech (beyond them the window holds zeros).
        self.length = -(-self.samples.shape[0] // SAMPLES_PER_STATE)
        self._segments: OrderedDict[int, np.ndarray] = OrderedDict()
        self._shape: tuple[int, int] | None = None
        self._silence: np.ndarray | None = None

    def _segment(self, k: int) -> np.ndarray:
        if k in self._segments:
            self._segments.move_to_end(k)
            return self._segments[k]
        start = k * SEGMENT_SAMPLES
        mel = log_mel(self.samples[start : start + SEGMENT_SAMPLES], self.filters)
        states = self.encode(mel[None])[0]  # (1500, L, D)
        self._shape = states.shape[1:]
        self._segments[k] = states
        while len(self._segments) > self.keep:
            self._segments.popitem(last=False)
        return states

    def states(self, first: int, end: int) -> np.ndarray:
        """``float32 (end - first, L, D)``: states ``first..end-1``, zeros outside the speech."""
        if self._shape is None:
            self._segment(0)
        assert self._shape is not None
        out = np.zeros((end - first, *self._shape), np.float32)
        for n in range(max(first, 0), min(end, self.length)):
            out[n - first] = self._segment(n // SEGMENT_STATES)[n % SEGMENT_STATES]
        return out

    def window(self, index: int, fps: float) -> np.ndarray:
        """``float32 (10 * L, D)``: the UNet's audio tokens for video frame ``index``
        (states in time order, each with its layers in order)."""
        first, end = state_range(index, fps)
        w = self.states(first, end)
        return w.reshape(-1, w.shape[-1])

    def silent(self, index: int, fps: float, dbfs: float = SILENCE_DBFS) -> bool:
        """Whether the speech under frame ``index``'s window is quieter than ``dbfs``."""
        first, end = state_range(index, fps)
        a, b = max(first, 0) * SAMPLES_PER_STATE, max(end, 0) * SAMPLES_PER_STATE
        part = self.samples[a:b]
        if part.size == 0:
            return True
        rms = float(np.sqrt(np.mean(part.astype(np.float64) ** 2)))
        return rms < 10 ** (dbfs / 20)

    def silence(self) -> np.ndarray:
        """``float32 (10 * L, D)``: the window of digital silence, the same for every silent
        frame (the mouth rests instead of following noise)."""
        if self._silence is None:
            mel = log_mel(np.zeros(0, np.float32), self.filters)
            states = self.encode(mel[None])[0]
            w = states[_SILENCE_AT : _SILENCE_AT + WINDOW_STATES]
            self._silence = np.ascontiguousarray(w.reshape(-1, w.shape[-1]))
        return self._silence
