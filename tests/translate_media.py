"""Test media for the translation pipeline: a talking-portrait clip whose sound is English
lines spoken by espeak-ng at known times, and translated subtitles for it. Nothing is
downloaded."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from mediatools import ffmpeg

from lipsync.core.demo import write_portrait_clip
from lipsync.core.media import save_audio
from lipsync.core.pipeline.subtitles import Cue, format_srt
from lipsync.core.speech import synthesize

SIZE = (480, 270)  # px; small, for speed
RATE = 22_050  # Hz; espeak-ng's


@dataclass(frozen=True)
class Line:
    text: str  # English, spoken
    translation: str  # Spanish, for the subtitles
    voice: str  # espeak-ng voice of the original speaker
    start: float  # s
    speaker: str | None = None  # label written into the subtitles


@dataclass(frozen=True)
class Clip:
    video: Path
    subtitles: Path
    lines: tuple[tuple[float, float], ...]  # (start, end) s of each spoken line
    duration: float


DEFAULT_LINES = (
    Line("Hello everyone.", "Hola a todos.", "en+m3", 0.3),
    Line("Today we talk about the stars.", "Hoy hablamos de las estrellas.", "en+m3", 2.0),
)


def make_clip(
    folder: Path, lines: Sequence[Line] = DEFAULT_LINES, tail: float = 0.6, name: str = "talk"
) -> Clip:
    """``folder/<name>.mp4`` (portrait video + the spoken lines) and ``<name>.es.srt``."""
    pieces, spans = [], []
    for line in lines:
        s = synthesize(line.text, "en", voice=line.voice)
        x = s.samples
        loud = np.flatnonzero(np.abs(x) > 0.01)
        x = x[loud[0] : loud[-1] + 1]
        pieces.append((int(line.start * RATE), x))
        spans.append((line.start, line.start + x.shape[0] / RATE))
    duration = spans[-1][1] + tail
    audio = np.zeros(int(duration * RATE), np.float32)
    for offset, x in pieces:
        audio[offset : offset + x.shape[0]] += x * 0.8
    wav = save_audio(folder / f"{name}_speech.wav", audio, RATE)
    silent = write_portrait_clip(folder / f"{name}_silent.mp4", duration, SIZE, preset="ultrafast")
    video = folder / f"{name}.mp4"
    ffmpeg("-i", str(silent), "-i", str(wav), "-c:v", "copy", "-c:a", "aac", str(video))
    cues = [
        Cue(a, b, line.translation, line.speaker) for line, (a, b) in zip(lines, spans, strict=True)
    ]
    srt = folder / f"{name}.es.srt"
    srt.write_text(format_srt(cues, with_speaker=True), encoding="utf-8")
    return Clip(video, srt, tuple(spans), duration)
