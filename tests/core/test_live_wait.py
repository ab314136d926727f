"""Live mode waits for a frame's speech as long as the frame can still be rendered in time.

Speech reaches the filter in jumps, not at an even pace: a NUT packet holds 20-64 ms of audio,
and the analysing process publishes a step at a time. Judging "it cannot come in time" from how
far behind the speech is (as if it came at one second per second) gave up on frames whose
speech came a few milliseconds later: on retalking_face1 at 1x, 36 of 183 frames rendered from
speech not yet analysed; waiting until the frame must start rendering, 0-1 (three runs each).
"""

from __future__ import annotations

import threading
import time
from types import SimpleNamespace

import numpy as np

from lipsync.core.live import LiveStream, _Slot


class _Speech:
    """The two calls of a sync stream that the wait uses: how far the speech is known, and
    taking a frame's mouth again (counted)."""

    def __init__(self) -> None:
        self.known = -np.inf
        self.retargeted = 0

    def known_until(self) -> float:
        return self.known

    def retarget(self, entry: object) -> None:
        self.retargeted += 1


def _waited(jump_after: float, due_in: float) -> tuple[bool, float, int]:
    """(known when rendering, seconds waited, retargets): a frame at 5 s of the stream whose
    speech is known up to 0 s, and then, ``jump_after`` s later, far past it at once."""
    speech = _Speech()
    live = LiveStream(speech, delay=0.2)  # type: ignore[arg-type]  # the wait's two calls
    slot = _Slot(item=None, due=time.monotonic() + due_in)
    slot.entry = SimpleNamespace(time=5.0)
    speech.known = 0.0
    timer = threading.Timer(jump_after, lambda: setattr(speech, "known", 6.0))
    timer.start()
    started = time.monotonic()
    live._await_speech(slot)
    waited = time.monotonic() - started
    timer.cancel()
    return slot.known, waited, speech.retargeted


def test_a_frame_waits_for_speech_that_comes_in_a_jump_before_it_must_render():
    known, waited, retargeted = _waited(jump_after=0.1, due_in=0.6)
    assert known  # 5 s behind and 0.6 s left: it came all at once, in time
    assert 0.09 <= waited < 0.55
    assert retargeted == 1  # its mouth taken again from the speech now known


def test_a_frame_whose_speech_does_not_come_renders_when_it_must():
    known, waited, retargeted = _waited(jump_after=5.0, due_in=0.3)
    assert not known
    assert waited < 0.3  # it starts rendering before it is due, from what is known
    assert retargeted == 1
