"""Preflight checks of the dub audio: is there speech, how noisy is it, what plays under it,
how fast is it spoken (pure numpy on samples; the caller decodes the file).

Measures are taken on mono audio at :data:`~lipsync.core.speech.parameters.ANALYSIS_RATE` in
frames of :data:`~lipsync.core.speech.parameters.HOP_SECONDS`, the grid of speech analysis:
frame energy and the voice-activity mask come from :mod:`lipsync.core.speech.acoustics`;
voicing (periodicity in the pitch range of voices) from the normalised autocorrelation, and
spectral flatness from the power spectrum, both computed here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from lipsync.core.quality.checks import FAIL, PASS, WARN, Check, grade, ranges_from_mask
from lipsync.core.speech import parameters as SP
from lipsync.core.speech.acoustics import analyse as analyse_acoustics
from lipsync.core.speech.track import resample, to_mono

RATE = SP.ANALYSIS_RATE  # Hz, the rate every measure here works at
HOP = SP.HOP_SAMPLES  # samples per frame (10 ms)
VOICING_WINDOW = round(RATE * 0.040)  # samples; 40 ms holds two periods of a 50 Hz voice
PITCH_RANGE = (70.0, 400.0)  # Hz; fundamental frequencies of speaking voices
VOICED_HARMONICITY = 0.5  # normalised autocorrelation peak above which a frame is voiced
FLATNESS_BAND = (100.0, 6000.0)  # Hz; band the spectral flatness is measured in
CHUNK_FRAMES = 512  # frames analysed at once (bounds memory on long audio: about 20 MB)

MIN_SPEECH_SECONDS = 0.25  # s of voiced audio below which there is no speech
TONE_PITCH_SPREAD = 0.03  # octaves; voiced audio whose pitch varies less is a steady tone
SNR_WARN_DB = 20.0  # dB; below this the speech analysis starts to misplace phones
SNR_FAIL_DB = 8.0  # dB; below this the mouth follows the noise as much as the speech
SNR_CAP_DB = 60.0  # dB; reported for digital silence between the words
FLOOR_PERCENTILE = 10.0  # percentile of frame energies taken as the background level
SPEECH_PERCENTILE = 90.0  # percentile of the speech frames' energies taken as its level
BED_AUDIBLE_DB = 35.0  # dB below the speech; a quieter background is inaudible here
BED_MUSIC_WARN_DB = 30.0  # dB below the speech; music or a tone louder than this is flagged
BED_NOISE_WARN_DB = SNR_WARN_DB  # dB below the speech; noise louder than this is flagged
BED_HARMONICITY = 0.45  # median periodicity of background frames above which it is tonal
BED_FLATNESS = 0.02  # median spectral flatness below which the background is tonal
SYLLABLE_PROMINENCE_DB = 2.5  # dB; an energy peak this far above its dips is a syllable
SYLLABLE_MIN_GAP = 0.06  # s between syllable nuclei
SYLLABLE_SMOOTH = 0.03  # s; moving average of the energy before peak picking
FAST_SPEECH_RATE = 7.5  # syllables/s; faster speech makes the mouth flutter
MIN_SYLLABLE_RATE = 1.0  # syllables/s; voiced sound with less rhythm than this is not speech
AROUND_VOICE = 10  # frames (100 ms) around voiced frames that belong to the same speech
RANGE_MERGE_GAP = 0.3  # s; stretches closer than this are reported as one
RANGE_MIN_LENGTH = 0.1  # s; shorter stretches are not reported


@dataclass(frozen=True, eq=False)
class AudioMeasures:
    """Per-frame measures of a clip. Arrays are ``(M,)`` over frame centres ``times`` (s):
    ``energy_db`` dBFS, ``active`` (energy-based voice activity), ``harmonicity`` 0..1,
    ``f0`` Hz (0 where unvoiced), ``voiced``, ``flatness`` 0..1. ``duration`` in seconds."""

    duration: float
    times: np.ndarray
    energy_db: np.ndarray
    active: np.ndarray
    harmonicity: np.ndarray
    f0: np.ndarray
    voiced: np.ndarray
    flatness: np.ndarray

    @property
    def hop(self) -> float:
        return HOP / RATE

    @property
    def speech_seconds(self) -> float:
        return float(self.voiced.sum()) * self.hop


def measure_audio(samples: np.ndarray, sample_rate: int, in_place: bool = False) -> AudioMeasures:
    """Measure ``samples`` (``float (n,)`` or ``(n, channels)`` at ``sample_rate`` Hz);
    ``in_place``: mono float32 ``samples`` at :data:`RATE` may be overwritten, not copied."""
    # at most one copy of the audio, worked in place (long audio: 38 MB per 10 minutes)
    x = resample(to_mono(samples), int(sample_rate))
    if not in_place and np.may_share_memory(x, np.asarray(samples)):
        x = np.array(x, dtype=np.float32)
    if x.size:
        x -= np.float32(x.mean())
    x = np.nan_to_num(x, copy=False)
    acoustics = analyse_acoustics(x, with_formants=False)
    m = len(acoustics)
    harmonicity, f0, flatness = (np.zeros(m, np.float32) for _ in range(3))
    for a in range(0, m, CHUNK_FRAMES):
        b = min(m, a + CHUNK_FRAMES)
        frames = _windows(x, m, a, b)
        harmonicity[a:b], f0[a:b] = _voicing(frames)
        flatness[a:b] = _flatness(frames)
    audible = acoustics.energy_db > SP.SILENCE_FLOOR_DB
    voiced = (harmonicity >= VOICED_HARMONICITY) & audible & acoustics.speech
    return AudioMeasures(
        duration=x.shape[0] / RATE,
        times=acoustics.times,
        energy_db=acoustics.energy_db.astype(np.float64),
        active=acoustics.speech,
        harmonicity=harmonicity,
        f0=np.where(voiced, f0, 0.0).astype(np.float32),
        voiced=voiced,
        flatness=flatness,
    )


def _windows(x: np.ndarray, m: int, a: int, b: int) -> np.ndarray:
    """``float32 (b - a, VOICING_WINDOW)`` windows centred on acoustic frames ``a`` to ``b``
    of ``m`` (a view of a zero-padded copy of just their samples)."""
    pad = VOICING_WINDOW // 2
    lo = a * HOP - pad  # x's index of the chunk's first sample
    padded = np.zeros((b - a - 1) * HOP + VOICING_WINDOW, np.float32)
    n = min(x.shape[0], m * HOP + VOICING_WINDOW - pad)  # x's samples the windows reach
    src = x[max(lo, 0) : min(n, lo + padded.shape[0])]
    padded[max(-lo, 0) : max(-lo, 0) + src.shape[0]] = src
    return np.lib.stride_tricks.sliding_window_view(padded, VOICING_WINDOW)[::HOP]


def _voicing(frames: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Periodicity 0..1 and its period as f0 Hz per frame (normalised autocorrelation)."""
    n = frames.shape[1]
    x = frames.astype(np.float64) - frames.mean(axis=1, keepdims=True)
    spec = np.fft.rfft(x, n=2 * n, axis=1)
    r = np.fft.irfft(np.abs(spec) ** 2, axis=1)[:, :n]
    lo, hi = round(RATE / PITCH_RANGE[1]), round(RATE / PITCH_RANGE[0])
    lags = np.arange(lo, hi + 1)
    norm = r[:, lags] / np.maximum(r[:, :1], 1e-12) * (n / (n - lags))[None, :]
    best = norm.max(axis=1)
    # the shortest lag near the best avoids picking a multiple of the period
    first = np.argmax(norm >= 0.95 * best[:, None], axis=1)
    return np.clip(best, 0.0, 1.0), RATE / lags[first]


def _flatness(frames: np.ndarray) -> np.ndarray:
    """Spectral flatness 0..1 (geometric over arithmetic mean power) in :data:`FLATNESS_BAND`."""
    n = frames.shape[1]
    power = np.abs(np.fft.rfft(frames * np.hanning(n)[None, :], axis=1)) ** 2 + 1e-12
    freqs = np.fft.rfftfreq(n, 1.0 / RATE)
    band = (freqs >= FLATNESS_BAND[0]) & (freqs <= FLATNESS_BAND[1])
    p = power[:, band]
    return (np.exp(np.log(p).mean(axis=1)) / p.mean(axis=1)).astype(np.float32)


# --- checks -----------------------------------------------------------------------------------


def check_speech(m: AudioMeasures, fps: float | None = None) -> Check:
    """Is there speech at all (voiced audio whose pitch moves, not a steady tone)?"""
    seconds = m.speech_seconds
    spread = float(np.std(np.log2(m.f0[m.voiced]))) if m.voiced.sum() > 2 else 0.0
    values = {"speech_seconds": seconds, "audio_seconds": m.duration, "pitch_spread": spread}
    base: dict[str, Any] = dict(name="speech", title="Speech present", group="audio", values=values)
    if seconds < MIN_SPEECH_SECONDS:
        return Check(
            **base,
            status=FAIL,
            message=f"No speech found in {m.duration:.1f} s of audio.",
            advice="Give the dub's speech (dialogue) track: this audio is silent or has no voice.",
        )
    if spread < TONE_PITCH_SPREAD:
        return Check(
            **base,
            status=FAIL,
            message=f"{seconds:.1f} s of a steady tone, not speech (its pitch does not move).",
            advice="Give the dub's speech track, not a test tone or music.",
        )
    speaking = m.active & _dilate(m.voiced, AROUND_VOICE)
    ranges = ranges_from_mask(
        m.times, speaking, m.hop, fps, merge_gap=RANGE_MERGE_GAP, min_length=RANGE_MIN_LENGTH
    )
    count, spoken = syllables(m)
    if count < MIN_SYLLABLE_RATE * spoken:
        return Check(
            **base,
            status=WARN,
            ranges=ranges,
            message=f"{seconds:.1f} s of voiced sound without the rhythm of syllables.",
            advice="Check that the audio is speech: this sounds like music or a held note.",
        )
    return Check(
        **base,
        status=PASS,
        ranges=ranges,
        message=f"{seconds:.1f} s of voiced speech in {m.duration:.1f} s of audio.",
    )


def has_speech(m: AudioMeasures) -> bool:
    """Enough voiced audio whose pitch moves: what the other audio checks measure against."""
    if m.speech_seconds < MIN_SPEECH_SECONDS:
        return False
    return float(np.std(np.log2(m.f0[m.voiced]))) >= TONE_PITCH_SPREAD


def syllables(m: AudioMeasures) -> tuple[int, float]:
    """(syllable nuclei, speaking seconds): energy peaks in the voiced stretches."""
    from lipsync.core.quality.peaks import find_peaks  # scipy's, without importing scipy.signal

    speaking = m.active & _dilate(m.voiced, 5)
    seconds = float(speaking.sum()) * m.hop
    if not speaking.any():
        return 0, seconds
    width = max(1, round(SYLLABLE_SMOOTH / m.hop))
    smooth = np.convolve(m.energy_db, np.ones(width) / width, mode="same")
    envelope = np.where(speaking, smooth, float(smooth.min()))
    peaks, _ = find_peaks(
        envelope,
        prominence=SYLLABLE_PROMINENCE_DB,
        distance=max(1, round(SYLLABLE_MIN_GAP / m.hop)),
    )
    return int(_dilate(m.voiced, 3)[peaks].sum()), seconds


def speech_and_floor_levels(m: AudioMeasures) -> tuple[float, float]:
    """(speech level, background level) in dBFS: the loud speech frames and the quiet frames."""
    speaking = m.active & _dilate(m.voiced, AROUND_VOICE)
    pool = m.energy_db[speaking] if speaking.any() else m.energy_db
    if pool.size == 0:
        return float("nan"), float("nan")
    speech = float(np.percentile(pool, SPEECH_PERCENTILE))
    floor = float(np.percentile(m.energy_db, FLOOR_PERCENTILE))
    return speech, floor


def check_noise(m: AudioMeasures) -> Check:
    """Signal-to-noise: the level of the speech over the level between and under the words."""
    speech, floor = speech_and_floor_levels(m)
    snr = min(SNR_CAP_DB, speech - floor) if np.isfinite(speech) else float("nan")
    status = grade(snr, SNR_WARN_DB, SNR_FAIL_DB, higher_is_worse=False)
    if not has_speech(m):
        return _not_measured("noise", "Signal-to-noise")
    values = {"snr_db": snr, "speech_dbfs": speech, "background_dbfs": floor}
    advice = {
        PASS: "",
        WARN: "Use a cleaner dialogue stem, or denoise it: noise blurs the timing of the phones.",
        FAIL: "Denoise the speech or use the dialogue stem: the mouth would follow the noise.",
    }[status]
    text = f"{snr:.0f} dB" if snr < SNR_CAP_DB else f"over {SNR_CAP_DB:.0f} dB"
    return Check(
        name="noise",
        title="Signal-to-noise",
        group="audio",
        status=status,
        message=f"Speech is {text} above the background.",
        advice=advice,
        values=values,
    )


def check_background(m: AudioMeasures, fps: float | None = None) -> Check:
    """What plays under the speech: nothing, steady noise, or music / a tone."""
    speech, floor = speech_and_floor_levels(m)
    below = speech - floor if np.isfinite(speech) else float("inf")
    quiet = m.energy_db <= floor + 3.0
    kind = "none"
    if below < BED_AUDIBLE_DB and floor > SP.SILENCE_FLOOR_DB and quiet.any():
        tonal = (
            float(np.median(m.harmonicity[quiet])) >= BED_HARMONICITY
            or float(np.median(m.flatness[quiet])) <= BED_FLATNESS
        )
        kind = "music" if tonal else "noise"
    values = {"kind": kind, "below_speech_db": min(below, SNR_CAP_DB), "level_dbfs": floor}
    base: dict[str, Any] = dict(
        name="background", title="Music or noise under the speech", group="audio"
    )
    if not has_speech(m):
        return _not_measured(base["name"], base["title"])
    limit = BED_MUSIC_WARN_DB if kind == "music" else BED_NOISE_WARN_DB
    if kind == "none" or below >= limit:
        text = "No audible background" if kind == "none" else f"A faint {kind} background"
        return Check(**base, status=PASS, message=f"{text} under the speech.", values=values)
    what = "Music or a tone" if kind == "music" else "Steady noise"
    bed = ranges_from_mask(
        m.times,
        quiet & ~m.voiced,
        m.hop,
        fps,
        merge_gap=RANGE_MERGE_GAP,
        min_length=RANGE_MIN_LENGTH,
    )
    return Check(
        **base,
        status=WARN,
        values=values,
        ranges=bed,
        message=f"{what} plays under the speech, {below:.0f} dB below it.",
        advice="Lip-sync to the dialogue stem alone and mix the music and effects in afterwards.",
    )


def check_speech_rate(m: AudioMeasures) -> Check:
    """Syllables per second of speaking time (energy peaks in the voiced stretches)."""
    if not has_speech(m):
        return _not_measured("speech_rate", "Speech rate")
    count, seconds = syllables(m)
    rate = count / max(seconds, m.hop)
    status = WARN if rate > FAST_SPEECH_RATE else PASS
    advice = (
        "Slow the speech down or give it more time: the mouth cannot articulate this fast."
        if status == WARN
        else ""
    )
    return Check(
        name="speech_rate",
        title="Speech rate",
        group="audio",
        status=status,
        advice=advice,
        message=f"About {rate:.1f} syllables/s over {seconds:.1f} s of speaking.",
        values={"syllables_per_second": rate, "syllables": count, "speaking_seconds": seconds},
    )


def audio_checks(m: AudioMeasures, fps: float | None = None) -> list[Check]:
    """Every audio check, in report order."""
    return [check_speech(m, fps), check_noise(m), check_background(m, fps), check_speech_rate(m)]


def _not_measured(name: str, title: str) -> Check:
    return Check(
        name=name, title=title, group="audio", status=PASS, message="Not measured: no speech."
    )


def _dilate(mask: np.ndarray, frames: int) -> np.ndarray:
    """``mask`` widened by ``frames`` on each side."""
    if frames <= 0 or mask.size == 0:
        return mask.copy()
    kernel = np.ones(2 * frames + 1)
    return np.convolve(mask.astype(np.float64), kernel, mode="same") > 0.5
