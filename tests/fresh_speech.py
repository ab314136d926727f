"""espeak-ng speech made in a process of its own, so every test run, in any order, gets the same
audio: libespeak-ng's wave generator keeps running state between syntheses, and the same text
came out a few samples different (and analysed differently) depending on what was spoken
before in the same process."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile

import numpy as np

from lipsync.core.speech.espeak import Synthesis
from lipsync.core.speech.phone_events import events_from_json

_FRESH = (
    "import sys, numpy as np\n"
    "from lipsync.core.speech.espeak import synthesize\n"
    "from lipsync.core.speech.phone_events import events_to_json\n"
    "text, lang, voice, out = sys.argv[1:]\n"
    "syn = synthesize(text, lang=lang, voice=voice or None)\n"
    "np.save(out + '.npy', syn.samples)\n"
    "open(out + '.json', 'w', encoding='utf-8').write(events_to_json(syn.events))\n"
)


def fresh_synthesize(text: str, lang: str = "en", voice: str | None = None) -> Synthesis:
    """:func:`~lipsync.core.speech.espeak.synthesize` in a new process (espeak-ng in its
    initial state): the audio and its exact phoneme events."""
    with tempfile.TemporaryDirectory() as folder:
        out = os.path.join(folder, "speech")
        subprocess.run([sys.executable, "-c", _FRESH, text, lang, voice or "", out], check=True)
        samples = np.load(out + ".npy")
        with open(out + ".json", encoding="utf-8") as f:
            events = events_from_json(f.read())
    return Synthesis(samples, events.sample_rate, events)
