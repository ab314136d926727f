"""From dub audio to a per-frame mouth track, using the best timing source available.

Sources, best first (chosen automatically by :func:`analyse_speech`):

1. ``"espeak"``: the exact phoneme events of our own espeak-ng synthesis (given as
   ``espeak_events``, or found by :func:`analyse_speech_file` in the sidecar beside the audio,
   see :mod:`~.phone_events`);
2. ``"alignment"``: the transcript is known, so it is force-aligned to the audio
   (:mod:`~.alignment`); if the text does not match the audio, a warning is logged and the
   audio-only source is used instead;
3. ``"audio"``: no transcript, any language: phone-loop recognition (:mod:`~.phone_loop`)
   cleaned and shaped by acoustic measures (:mod:`~.acoustics`).

Audio of silence only gives a neutral, closed track from every source, without running a
recogniser (``source`` is then ``"silence"``).
"""

from __future__ import annotations

import dataclasses
import functools
import logging
import math
import os
from dataclasses import dataclass
from fractions import Fraction

import numpy as np

from lipsync.core.constants import OPEN_AT_WIDE
from lipsync.core.errors import InputError, ProcessingError
from lipsync.core.progress import CountCallback
from lipsync.core.speech import parameters as P
from lipsync.core.speech.acoustics import analyse as analyse_acoustics
from lipsync.core.speech.coarticulation import Parts, build_parts, parts_values
from lipsync.core.speech.phone_events import PhoneEvents, events_to_segments, read_sidecar
from lipsync.core.types import MOUTH_PARAMS, MouthTrack, PhoneSegment

log = logging.getLogger("lipsync")

SOURCES = ("espeak", "alignment", "audio", "silence")
_OPEN = MOUTH_PARAMS.index("open")
_BLOCK_SAMPLES = 1 << 20  # samples checked at a time (65 s at 16 kHz)


@dataclass(frozen=True, eq=False)
class SpeechAudio:
    """Audio ready for analysis: mono float32 (n,) ``samples`` at ``sample_rate`` Hz, and the
    synthesis events from a matching sidecar, if any."""

    samples: np.ndarray
    sample_rate: int
    events: PhoneEvents | None = None

    @property
    def duration(self) -> float:
        return self.samples.shape[0] / self.sample_rate


def to_mono(samples: np.ndarray) -> np.ndarray:
    """Mono float32 (n,) from (n,), (n, channels) or (channels, n) audio (channels averaged)."""
    x = np.asarray(samples)
    if x.ndim == 2:
        x = x.mean(axis=1) if x.shape[1] <= x.shape[0] else x.mean(axis=0)
    if x.ndim != 1:
        raise InputError(
            f"Audio samples must be (n,) or (n, channels), not shape {np.shape(samples)}: "
            "pass one channel or interleaved channels."
        )
    if np.issubdtype(x.dtype, np.integer):
        x = x.astype(np.float32) / float(np.iinfo(x.dtype).max)
    return np.asarray(x, dtype=np.float32)


def resample(samples: np.ndarray, sample_rate: int, target: int = P.ANALYSIS_RATE) -> np.ndarray:
    """Polyphase resampling of float32 (n,) from ``sample_rate`` to ``target`` Hz."""
    if int(sample_rate) == int(target):
        return np.asarray(samples, dtype=np.float32)
    from scipy.signal import resample_poly

    ratio = Fraction(int(target), int(sample_rate))
    out = resample_poly(samples.astype(np.float64), ratio.numerator, ratio.denominator)
    return out.astype(np.float32)


def _check_rate(sample_rate: int) -> int:
    try:
        rate = int(sample_rate)
    except (TypeError, ValueError) as e:
        raise InputError(f"The sample rate {sample_rate!r} is not a number: give Hz.") from e
    if rate <= 0:
        raise InputError(f"The sample rate {sample_rate} Hz is not positive: give a rate in Hz.")
    return rate


def _count_nonfinite(x: np.ndarray) -> int:
    """NaN and infinities in float32 (n,) ``x``, counted a block at a time (a whole-length mask
    is 10 MB per 10 minutes)."""
    return sum(
        int(np.count_nonzero(~np.isfinite(x[i : i + _BLOCK_SAMPLES])))
        for i in range(0, x.shape[0], _BLOCK_SAMPLES)
    )


def _prepare(samples: np.ndarray, sample_rate: int, in_place: bool = False) -> np.ndarray:
    """Mono float32 (n,) audio at ``ANALYSIS_RATE``, its DC offset removed, clipped to -1..1.

    The audio is copied once and the copy worked on in place (long audio: a copy is 38 MB per
    10 minutes); ``in_place``: ``samples`` (when already mono float32 at that rate) is worked
    on itself, no copy at all (its owner no longer needs it as it was)."""
    rate = _check_rate(sample_rate)
    x = to_mono(samples)
    owned = in_place or not np.may_share_memory(x, np.asarray(samples))
    bad = _count_nonfinite(x)
    if bad:
        log.warning("Replacing %d non-finite audio samples with silence.", bad)
        x = np.where(np.isfinite(x), x, 0.0).astype(np.float32)
        owned = True
    if rate != P.ANALYSIS_RATE:
        x = resample(x, rate)  # a new array
    elif not owned:
        x = np.array(x, dtype=np.float32)
    if x.shape[0]:
        x -= np.float32(x.mean())  # remove DC offset (it would read as loudness)
    return np.clip(x, -1.0, 1.0, out=x)


def _prepared_length(samples: np.ndarray, sample_rate: int) -> int:
    """The length :func:`_prepare` gives ``samples``, without preparing them."""
    rate = _check_rate(sample_rate)
    shape = np.shape(samples)
    if len(shape) == 2:
        n = shape[0] if shape[1] <= shape[0] else shape[1]
    elif len(shape) == 1:
        n = shape[0]
    else:
        return to_mono(samples).shape[0]  # raises InputError for other shapes
    if rate == P.ANALYSIS_RATE:
        return n
    ratio = Fraction(P.ANALYSIS_RATE, rate)  # resample_poly's output: ceil(n * up / down)
    return -(-n * ratio.numerator // ratio.denominator)


def frame_times_for(duration: float, fps: float) -> np.ndarray:
    """Frame times 0, 1/fps, … covering ``duration`` seconds (at least one frame if > 0)."""
    n = max(1, math.ceil(duration * fps - 1e-9)) if duration > 0 else 0
    return np.arange(n, dtype=np.float64) / float(fps)


def _check_fps(fps: float) -> float:
    try:
        value = float(fps)
    except (TypeError, ValueError) as e:
        raise InputError(f"The frame rate {fps!r} is not a number: give frames per second.") from e
    if not math.isfinite(value) or value <= 0:
        raise InputError(f"The frame rate {fps} is not positive: give frames per second, e.g. 25.")
    return value


@dataclass(frozen=True, eq=False)
class MouthCurve:
    """The mouth of a whole speech, to be sampled at any frame times (streaming video).

    ``phones``: the segments it comes from; ``source``: one of :data:`SOURCES`; ``fps``: the
    video rate (contacts are held for at least the frame nearest their centre);
    ``loudness``: for the audio-only source, ``(times, values)`` float arrays that scale the
    opening with the energy of the speech; ``open_gain``: the level of ``open`` (see
    :func:`levelled`); ``open_spread``: seconds over which ``open`` is spread before the
    contacts are imposed (:data:`~.parameters.AUDIO_OPEN_SPREAD_SECONDS` for the audio-only
    analysis, see there; 0 elsewhere), out to ``open_reach`` seconds at most on each side
    (live speech: its look-ahead).
    """

    phones: tuple[PhoneSegment, ...]
    source: str
    fps: float
    loudness: tuple[np.ndarray, np.ndarray] | None = None
    open_gain: float = 1.0
    open_spread: float = 0.0
    open_reach: float = math.inf

    def values(self, times: np.ndarray) -> np.ndarray:
        """``float32 (N, P)`` mouth parameters at ``times`` (float64 (N,) s, ascending).

        Each frame's value depends on its own time and its immediate neighbours' (which frame
        is nearest a short contact), so a block evaluated with one frame of margin on each side
        equals the same frames evaluated with the whole video (to about 1e-5: phones further
        than ``CONTEXT_SECONDS`` from a block are left out of it).
        """
        times = np.asarray(times, dtype=np.float64).reshape(-1)
        if not self.phones:
            return np.zeros((times.shape[0], len(MOUTH_PARAMS)), dtype=np.float32)
        values = parts_values(self._parts, times, self.fps, self.open_spread, self.open_reach)
        if self.loudness is not None and times.shape[0]:
            loud = np.interp(times, *self.loudness) if self.loudness[0].size else 0 * times
            loud = loud.astype(np.float32)
            w = np.float32(P.ENERGY_OPEN_WEIGHT)
            values[:, _OPEN] *= (1.0 - w) + w * loud
        if self.open_gain != 1.0:
            values[:, _OPEN] = np.minimum(values[:, _OPEN] * np.float32(self.open_gain), 1.0)
        return values

    @functools.cached_property
    def _parts(self) -> Parts:
        """The phones' viseme parts, built once (a stream samples the curve a few frames at a
        time)."""
        return build_parts(self.phones)

    def track(self, times: np.ndarray) -> MouthTrack:
        """The :class:`MouthTrack` at ``times``."""
        times = np.asarray(times, dtype=np.float64).reshape(-1)
        return MouthTrack(self.fps, times, self.values(times), self.phones, self.source)


def levelled(curve: MouthCurve) -> MouthCurve:
    """``curve`` with ``open`` scaled so that its speech reaches the level of exact-timing
    tracks (:data:`~lipsync.core.constants.OPEN_AT_WIDE` at the 95th percentile of
    ``open x (1 - closure)``). Recognised phones and the loudness weighting open the mouth
    less than exact synthesis events do (on real recordings about half as wide), and the
    renderer draws the speaker's own widest opening at that level. Never lowers the level;
    at most ``LEVEL_GAIN_MAX``. The level is measured without the curve's own gain, so a
    levelled curve levelled again keeps its gain."""
    if not curve.phones:
        return curve
    times = np.arange(0.0, curve.phones[-1].end, P.LEVEL_STEP_SECONDS)
    values = dataclasses.replace(curve, open_gain=1.0).values(times)
    effective = values[:, _OPEN] * (1.0 - values[:, MOUTH_PARAMS.index("closure")])
    speaking = effective[effective > P.LEVEL_SPEECH_MIN]
    if speaking.size < P.LEVEL_MIN_SAMPLES:
        return curve
    level = float(np.percentile(speaking, 95.0))
    gain = float(np.clip(OPEN_AT_WIDE / max(level, 1e-3), 1.0, P.LEVEL_GAIN_MAX))
    return dataclasses.replace(curve, open_gain=gain)


def analyse_speech(
    samples: np.ndarray,
    sample_rate: int,
    fps: float,
    frame_times: np.ndarray | None = None,
    text: str | None = None,
    lang: str | None = None,
    espeak_events: PhoneEvents | None = None,
    on_progress: CountCallback | None = None,
    in_place: bool = False,
    asr: str | None = None,
    asr_model: str | None = None,
) -> MouthTrack:
    """The mouth track of speech ``samples`` sampled at video frames.

    ``samples``: float (n,) or (n, channels) audio at ``sample_rate`` Hz, any rate; integers are
    scaled from their full range. ``fps``: video frame rate; ``frame_times`` (float64 (N,)
    seconds) overrides the regular grid ``k / fps`` (for variable frame rate video). ``text``
    and ``lang`` (espeak-ng code, default English) enable forced alignment; ``espeak_events``
    (exact synthesis timing) takes precedence over both. ``on_progress(done, total)`` is called
    after each stage. ``in_place``: the analysis may overwrite ``samples`` (mono float32 at
    16 kHz) instead of working on a copy of them (long audio: 38 MB per 10 minutes).
    ``asr``/``asr_model``: recognise the words, then align them (see
    :func:`analyse_speech_curve`).
    """
    fps = _check_fps(fps)
    if frame_times is None:
        duration = _prepared_length(samples, sample_rate) / P.ANALYSIS_RATE
        times = frame_times_for(duration, fps)
    else:
        times = np.asarray(frame_times, dtype=np.float64).reshape(-1)
        if times.shape[0] and not np.all(np.isfinite(times)):
            raise InputError("The frame times contain NaN or infinity: give times in seconds.")
    curve = analyse_speech_curve(
        samples, sample_rate, fps, text, lang, espeak_events, on_progress, in_place, asr,
        asr_model,
    )  # fmt: skip
    return curve.track(times)


def analyse_speech_curve(
    samples: np.ndarray,
    sample_rate: int,
    fps: float,
    text: str | None = None,
    lang: str | None = None,
    espeak_events: PhoneEvents | None = None,
    on_progress: CountCallback | None = None,
    in_place: bool = False,
    asr: str | None = None,
    asr_model: str | None = None,
) -> MouthCurve:
    """:func:`analyse_speech` without frame times: the :class:`MouthCurve` to sample later.

    ``asr`` (``"pocketsphinx"`` or ``"whisper"`` with ``asr_model``): without ``text`` nor
    ``espeak_events``, recognise the words and align them (:mod:`~.recognised`); where nothing
    is recognised, the audio-only analysis."""
    report = on_progress or (lambda done, total: None)
    fps = _check_fps(fps)
    report(0, 3)
    if espeak_events is not None:
        report(3, 3)
        return MouthCurve(events_to_segments(espeak_events), "espeak", fps)

    x = _prepare(samples, sample_rate, in_place)
    acoustics = analyse_acoustics(x, with_formants=False)
    report(1, 3)
    if not acoustics.speech.any():
        report(3, 3)
        return MouthCurve((), "silence", fps)

    source = "audio"
    phones: tuple[PhoneSegment, ...] = ()
    if text is not None and text.strip():
        from lipsync.core.speech.alignment import align

        try:
            phones = align(x, text, lang)
            source = "alignment"
        except ProcessingError as e:
            log.warning("%s Using the audio-only analysis instead.", e)
    elif asr is not None:
        from lipsync.core.speech.recognised import recognise_once

        heard = recognise_once(x, asr, asr_model, lang)
        if heard is None:
            log.warning("%s heard no words: using the audio-only analysis.", asr)
        elif not heard.aligned:
            log.warning(
                "None of the %d utterances %s heard (%s) could be aligned: using the "
                "audio-only analysis.", heard.utterances, asr, heard.language,
            )  # fmt: skip
        else:
            log.info(
                "%s heard (%s, %d of %d utterances aligned): %s", asr, heard.language,
                heard.aligned, heard.utterances, heard.transcript[:200],
            )  # fmt: skip
            phones, source = heard.phones, "alignment"
    report(2, 3)
    loudness, spread = None, 0.0
    if source == "audio":
        from lipsync.core.speech.phone_loop import recognise_phones

        phones = recognise_phones(x, acoustics)
        loudness = (acoustics.times, acoustics.loudness.astype(np.float64))
        spread = P.AUDIO_OPEN_SPREAD_SECONDS
    report(3, 3)
    return levelled(MouthCurve(tuple(phones), source, fps, loudness, open_spread=spread))


def load_speech_audio(path: str | os.PathLike[str], use_sidecar: bool = True) -> SpeechAudio:
    """Decode ``path`` (any audio or video file) to 16 kHz mono, with its phone sidecar.

    Raises the media layer's :class:`~lipsync.core.errors.MediaError` subclasses for missing or
    unreadable files.
    """
    from lipsync.core.media import load_audio

    samples = load_audio(path, sample_rate=P.ANALYSIS_RATE)
    events = None
    if use_sidecar:
        events = read_sidecar(path, audio_duration=samples.shape[0] / P.ANALYSIS_RATE)
    return SpeechAudio(samples, P.ANALYSIS_RATE, events)


def analyse_speech_file(
    path: str | os.PathLike[str],
    fps: float = 25.0,
    frame_times: np.ndarray | None = None,
    text: str | None = None,
    lang: str | None = None,
    use_sidecar: bool = True,
    on_progress: CountCallback | None = None,
    asr: str | None = None,
    asr_model: str | None = None,
) -> MouthTrack:
    """:func:`analyse_speech` on a file, using the ``<file>.phones.json`` sidecar if present
    (the decoded audio is analysed in place: it is held once); ``asr``/``asr_model`` as for
    :func:`analyse_speech_curve`."""
    audio = load_speech_audio(path, use_sidecar=use_sidecar)
    return analyse_speech(
        audio.samples,
        audio.sample_rate,
        fps,
        frame_times=frame_times,
        text=text,
        lang=lang,
        espeak_events=audio.events,
        on_progress=on_progress,
        in_place=True,
        asr=asr,
        asr_model=asr_model,
    )
