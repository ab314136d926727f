"""What a lip-sync run is asked to do (:class:`SyncOptions`) and what it did (the report)."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from lipsync.core.constants import DEFAULT_RENDERER, MAX_LOOKAHEAD_SECONDS
from lipsync.core.errors import InputError
from lipsync.core.media import EncodeOptions
from lipsync.core.render.speaker import SpeakerProfile
from lipsync.core.selection import SelectionOptions


@dataclass(frozen=True)
class SyncOptions:
    """Everything a run can be asked to do differently.

    ``start``/``end``: seconds from the first frame; only frames in [start, end) change.
    ``renderer``/``model``: the mouth renderer by name and its model file (learned renderers
    only). ``text``/``lang``: the transcript of the speech, for forced alignment; ``asr``
    (``"pocketsphinx"`` or ``"whisper"`` with ``asr_model``): without a transcript, recognise the
    words and align those (:mod:`~lipsync.core.speech.recognised`). ``allow_no_face``:
    write an untouched copy instead of failing when no usable face is found. ``profile``: a
    :class:`~lipsync.core.render.speaker.SpeakerProfile` (``lipsync profile build``).
    """

    renderer: str = DEFAULT_RENDERER
    model: str | None = None
    selection: SelectionOptions = field(default_factory=SelectionOptions)
    start: float | None = None
    end: float | None = None
    text: str | None = None
    lang: str | None = None
    asr: str | None = None  # without ``text``: recognise the words, then align them
    asr_model: str | None = None
    encode: EncodeOptions = field(default_factory=EncodeOptions)
    detect_every: int | None = None
    allow_no_face: bool = False
    #: s of video held back; None: LOOKAHEAD_SECONDS, shortened for large frames to what
    #: LOOKAHEAD_MEMORY holds (:func:`~lipsync.core.sync_stream.lookahead_frames`)
    lookahead: float | None = None
    allow_truncated: bool = False  # lip-sync the part of a truncated video that is there
    profile: SpeakerProfile | None = None  # a speaker's mouths to start every track from

    def __post_init__(self) -> None:
        from lipsync.core.speech.recognised import check_asr

        check_asr(self.asr, self.asr_model)
        for name in ("start", "end"):
            value = getattr(self, name)
            if value is not None and not (value >= 0 and np.isfinite(value)):
                raise InputError(f"--{name} {value} is not a time: give seconds, 0 or more.")
        if self.lookahead is not None and not (0 <= self.lookahead <= MAX_LOOKAHEAD_SECONDS):
            raise InputError(
                f"--lookahead {self.lookahead} is out of range: give 0 to "
                f"{MAX_LOOKAHEAD_SECONDS:g} seconds."
            )
        if self.start is not None and self.end is not None and self.end <= self.start:
            raise InputError(
                f"--end {self.end} is not after --start {self.start}: give a non-empty range."
            )


@dataclass(frozen=True)
class SyncReport:
    """What a run did. Times in seconds. ``passed_through`` counts untouched frames by reason;
    ``audio_cut`` is speech past the video's end that was dropped; ``audio_short_by`` how long
    the video runs on after the speech ends (the mouth rests at neutral there)."""

    video: str
    audio: str
    output: str
    frames: int
    rendered: int
    passed_through: dict[str, int]
    faces: tuple[int, ...]
    renderer: str
    mouth_source: str
    video_duration: float
    audio_duration: float
    audio_cut: float
    audio_short_by: float
    seconds: float
    warnings: tuple[str, ...] = ()
    renderer_tracks: dict[str, str] = field(default_factory=dict)  # face id -> renderer, why

    def to_json(self) -> dict[str, Any]:
        return dataclasses.asdict(self)
