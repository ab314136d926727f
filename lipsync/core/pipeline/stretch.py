"""Time-stretching speech without changing its pitch: WSOLA (waveform-similarity overlap-add).

Arrays in, arrays out: ``float32 (n,)`` mono at any rate. The output has exactly the length
asked for, so a line stretched to a slot ends on the sample it should. Phoneme events of
synthesised speech are moved with the audio (:func:`scale_events`).
"""

from __future__ import annotations

import numpy as np

from lipsync.core.speech.phone_events import PhoneEvents, PhonemeEvent

FRAME_SECONDS = 0.030  # s; analysis window (about two pitch periods of a low voice)
TOLERANCE_SECONDS = 0.010  # s; how far each window may move to match the waveform


def wsola(samples: np.ndarray, length: int, sample_rate: int) -> np.ndarray:
    """``samples`` (``float32 (n,)``) played ``n / length`` times faster without a pitch change,
    as ``float32 (length,)``.

    Output windows of :data:`FRAME_SECONDS` advance by half a window; the matching input window
    advances by half a window times the speed factor and is moved by up to
    :data:`TOLERANCE_SECONDS` to where it best continues the previous one (cross-correlation),
    then overlap-added with a Hann window.
    """
    x = np.asarray(samples, dtype=np.float32).reshape(-1)
    length = max(0, int(length))
    n = x.shape[0]
    if length == 0 or n == 0:
        return np.zeros(length, np.float32)
    if length == n:
        return x.copy()
    win = max(16, round(FRAME_SECONDS * sample_rate) // 2 * 2)
    if n < 2 * win:  # too short to stretch by windows: resample it
        positions = np.linspace(0.0, n - 1, num=length)
        return np.interp(positions, np.arange(n), x).astype(np.float32)
    hop_out = win // 2
    speed = n / length
    hop_in = hop_out * speed
    tol = round(TOLERANCE_SECONDS * sample_rate)
    window = np.hanning(win).astype(np.float32)
    frames = int(np.ceil(length / hop_out)) + 1
    padded = np.concatenate(
        [np.zeros(tol, np.float32), x, np.zeros(win + 2 * tol + hop_out, np.float32)]
    )
    out = np.zeros(frames * hop_out + win, np.float32)
    norm = np.zeros_like(out)
    prev = tol  # where the previous window was taken from, in ``padded``
    for k in range(frames):
        nominal = round(k * hop_in) + tol
        if k == 0:
            pos = nominal
        else:
            target = padded[prev + hop_out : prev + hop_out + win]  # natural continuation
            lo = max(0, nominal - tol)
            region = padded[lo : nominal + tol + win]
            if region.shape[0] < win or not target.any():
                pos = nominal
            else:
                corr = np.correlate(region, target, mode="valid")
                pos = lo + int(np.argmax(corr))
        piece = padded[pos : pos + win]
        if piece.shape[0] < win:
            piece = np.pad(piece, (0, win - piece.shape[0]))
        start = k * hop_out
        out[start : start + win] += piece * window
        norm[start : start + win] += window
        prev = pos
    norm[norm < 1e-3] = 1.0
    result = out / norm
    return result[:length].astype(np.float32)


def scale_events(events: PhoneEvents, length: int) -> PhoneEvents:
    """``events`` of an utterance of ``events.num_samples`` samples, moved to the same places
    in its stretched version of ``length`` samples."""
    ratio = length / events.num_samples if events.num_samples else 1.0
    moved = tuple(PhonemeEvent(e.label, round(e.sample * ratio)) for e in events.events)
    return PhoneEvents(moved, events.sample_rate, int(length), events.text, events.lang)
