"""Rendering one chunk: a frame-exact lossless excerpt of the video, the matching slice of the
dub (with its phone timing), the engine over both, and the chunk's done-marker.

The render keeps the handle frames (``lead`` before, ``tail`` after the kept frames); the join
drops them. A chunk that is the whole video is rendered straight from the video and the dub.
"""

from __future__ import annotations

import dataclasses
import logging
import os
import time
from fractions import Fraction
from pathlib import Path
from typing import Any

from lipsync.core.batch import settings
from lipsync.core.batch.plan import Chunk
from lipsync.core.batch.state import write_json
from lipsync.core.constants import SPEECH_SAMPLE_RATE
from lipsync.core.errors import ProcessingError

log = logging.getLogger("lipsync")

_ENGINES: dict[str, Any] = {}  # per worker process: engines by options (models load once)


def slice_events(events: Any, start: int, count: int) -> Any:
    """The phone events (:class:`~lipsync.core.speech.PhoneEvents`) of samples ``start`` ..
    ``start + count - 1`` (at the events' own rate), the first starting at 0 with the phone
    sounding at ``start``."""
    from lipsync.core.speech.phone_events import PhoneEvents, PhonemeEvent

    ordered = sorted(events.events, key=lambda e: e.sample)
    before = [e for e in ordered if e.sample <= start]
    kept = [PhonemeEvent(before[-1].label, 0)] if before else []
    kept += [PhonemeEvent(e.label, e.sample - start) for e in ordered
             if start < e.sample < start + count]  # fmt: skip
    return PhoneEvents(tuple(kept), events.sample_rate, count, events.text, events.lang)


def write_dub_slice(dub: Path, dest: Path, start: float, duration: float) -> Path:
    """``duration`` s of ``dub`` from ``start`` s (silence past its ends) as a 16 kHz WAV at
    ``dest``, with the matching slice of the dub's phone sidecar when it has a valid one."""
    from lipsync.core.media import probe, save_audio
    from lipsync.core.media.mix import read_span
    from lipsync.core.speech.phone_events import read_sidecar, write_sidecar

    samples = read_span(dub, start, duration, SPEECH_SAMPLE_RATE)
    save_audio(dest, samples, SPEECH_SAMPLE_RATE)
    info = probe(dub)
    length = info.audio[0].duration if info.audio and info.audio[0].duration else info.duration
    events = read_sidecar(dub, audio_duration=length)
    if events is not None:
        rate = events.sample_rate
        count = round(samples.shape[0] / SPEECH_SAMPLE_RATE * rate)
        write_sidecar(dest, slice_events(events, round(start * rate), count))
    return dest


def render_chunk(payload: dict[str, Any]) -> dict[str, Any]:
    """Render the chunk described by ``payload`` (see :func:`chunk_payload`) and write its
    render and then its done-marker; return the marker."""
    started = time.perf_counter()
    chunk = Chunk(**payload["chunk"])
    video, dub = Path(payload["video"]), Path(payload["dub"])
    render, marker = Path(payload["render"]), Path(payload["marker"])
    render.parent.mkdir(parents=True, exist_ok=True)
    sync = settings.sync_options(payload["options"], payload["language"])
    expected = chunk.count + chunk.lead + chunk.tail
    scratch: list[Path] = []
    try:
        if chunk.whole:
            engine = _engine(settings.for_chunk(sync, None))
            report = engine.run(video, dub, render)
        else:
            from lipsync.core.media.excerpt import (
                LOSSLESS,
                FrameRange,
                check_frame_count,
                write_excerpt,
            )

            fps = Fraction(payload["fps"])
            offset = Fraction(chunk.first - chunk.lead) / fps
            span = FrameRange(chunk.first - chunk.lead, expected, chunk.lead, chunk.tail)
            stem = render.with_suffix("")
            excerpt = stem.with_name(stem.name + ".src" + settings.CHUNK_CONTAINER)
            audio = stem.with_name(stem.name + ".dub.wav")
            scratch += [excerpt, audio, audio.with_name(audio.name + ".phones.json")]
            options = settings.for_chunk(sync, float(offset))
            # the excerpt in the chunk's codec: FFV1 for FFV1 jobs (x264 holds no 12 bits)
            lossless = dataclasses.replace(LOSSLESS, codec=options.encode.codec)
            check_frame_count(video, span, write_excerpt(video, excerpt, span, options=lossless))
            write_dub_slice(dub, audio, float(offset), float(expected / fps))
            engine = _engine(options)
            report = engine.run(excerpt, audio, render)
    finally:
        for path in scratch:
            path.unlink(missing_ok=True)
    if report.frames != expected:
        render.unlink(missing_ok=True)
        raise ProcessingError(
            f"Chunk {chunk.index} of '{video}' gave {report.frames} frames where {expected} "
            "were expected: the video may be damaged or of variable frame rate."
        )
    done = {
        "plan_key": payload["plan_key"],
        "index": chunk.index,
        "frames": [chunk.first, chunk.end - 1],
        "handles": [chunk.lead, chunk.tail],
        "rendered": report.rendered,
        "passed_through": report.passed_through,
        "faces": list(report.faces),
        "mouth_source": report.mouth_source,
        "seconds": round(time.perf_counter() - started, 3),
        "attempt": payload.get("attempt", 1),
        "worker": f"{os.uname().nodename}:{os.getpid()}",
        "warnings": [w for w in report.warnings if "untouched copy" not in w],
    }
    write_json(marker, done)
    return done


def _engine(options: Any) -> Any:
    from lipsync.core.engine import LipSyncEngine

    key = repr(options)
    engine = _ENGINES.get(key)
    if engine is None:
        engine = _ENGINES[key] = LipSyncEngine(options)
    return engine
