"""Helpers for timeline tests: test media, whole-timeline comparison, undoing a render."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import opentimelineio as otio
from mediatools import ffmpeg

RT, TR = otio.opentime.RationalTime, otio.opentime.TimeRange
RATE = 25.0


def tr(start: float, duration: float, rate: float = RATE) -> otio.opentime.TimeRange:
    return TR(RT(start, rate), RT(duration, rate))


def picture(path: Path, seconds: float, timecode: str | None = None, source: str = "testsrc2"):
    """A 96x64 25 fps H.264 picture (no sound), keyframe every 10 frames, optionally with a
    start timecode (QuickTime tmcd)."""
    extra = ["-timecode", timecode] if timecode else []
    ffmpeg(
        "-f", "lavfi", "-i", f"{source}=size=96x64:rate=25:duration={seconds}",
        "-c:v", "libx264", "-preset", "ultrafast", "-crf", "10", "-g", "10",
        "-pix_fmt", "yuv420p", *extra, str(path),
    )  # fmt: skip
    return path


def tone(path: Path, frequency: float, seconds: float) -> Path:
    """A sine tone WAV at 48 kHz."""
    ffmpeg(
        "-f", "lavfi", "-i", f"sine=frequency={frequency}:duration={seconds}:sample_rate=48000",
        str(path),
    )  # fmt: skip
    return path


def clip(name: str, url: str | None, source: TR, available: TR | None = None, enabled=True):
    """A clip of ``url`` (None: a MissingReference)."""
    ref = (
        otio.schema.ExternalReference(target_url=url, available_range=available)
        if url is not None
        else otio.schema.MissingReference()
    )
    made = otio.schema.Clip(name=name, media_reference=ref, source_range=source)
    made.enabled = enabled
    return made


def as_json(obj) -> str:
    return otio.adapters.write_to_string(obj, "otio_json")


def undo_render(obj):
    """A copy of ``obj`` with every lip-sync render undone: each clip's replaced media
    reference put back from ``metadata["lipsync"]["source_reference"]`` and our metadata
    removed. A render must change nothing else."""
    copy = obj.deepcopy()
    clips = copy.find_clips() if hasattr(copy, "find_clips") else [copy]
    for c in clips:
        meta = c.metadata.get("lipsync")
        if meta is None:
            continue
        stored = meta.get("source_reference")
        if stored is not None:
            c.media_reference = otio.adapters.read_from_string(stored, "otio_json")
        del c.metadata["lipsync"]
    return copy


def assert_same_except_renders(before, after) -> None:
    """``after`` is ``before`` plus media swaps and metadata, nothing else (diffed whole)."""
    a, b = as_json(before), as_json(undo_render(after))
    if a != b:
        import difflib

        diff = "\n".join(
            difflib.unified_diff(a.splitlines(), b.splitlines(), "input", "output", lineterm="")
        )
        raise AssertionError(f"the timeline changed beyond the renders:\n{diff[:4000]}")


def clips_by_name(obj) -> dict[str, otio.schema.Clip]:
    return {c.name: c for c in obj.find_clips()}


def dominant_frequency(samples: np.ndarray, rate: int) -> float:
    spectrum = np.abs(np.fft.rfft(samples * np.hanning(len(samples))))
    return float(np.fft.rfftfreq(len(samples), 1 / rate)[spectrum.argmax()])
