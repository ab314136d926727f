"""Speech analysis: dub audio -> phones -> visemes -> coarticulated per-frame mouth track.

Entry points: :func:`analyse_speech` (numpy in), :func:`analyse_speech_file` (a path, with the
``.phones.json`` sidecar), :func:`synthesize` (espeak-ng with exact phoneme events), and the
JSON form in :mod:`~.track_json`. Heavy parts (pocketsphinx, libespeak-ng, matplotlib) load on
first use.
"""

from __future__ import annotations

from lipsync.core.speech.espeak import Synthesis, synthesize
from lipsync.core.speech.phone_events import (
    PhoneEvents,
    PhonemeEvent,
    read_sidecar,
    sidecar_path,
    write_sidecar,
)
from lipsync.core.speech.track import (
    MouthCurve,
    analyse_speech,
    analyse_speech_curve,
    analyse_speech_file,
    load_speech_audio,
)
from lipsync.core.speech.track_json import track_from_json, track_to_json

__all__ = [
    "MouthCurve",
    "PhoneEvents",
    "PhonemeEvent",
    "Synthesis",
    "analyse_speech",
    "analyse_speech_curve",
    "analyse_speech_file",
    "load_speech_audio",
    "read_sidecar",
    "sidecar_path",
    "synthesize",
    "track_from_json",
    "track_to_json",
    "write_sidecar",
]
