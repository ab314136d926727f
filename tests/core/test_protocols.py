"""The engine's parts meet the protocols SyncStream is typed with, and SyncStream uses a
renderer's optional capabilities exactly when the renderer has them."""

from __future__ import annotations

import numpy as np
import pytest
from mediatools import lavfi_clip

from lipsync.core import protocols
from lipsync.core.media import VideoStreamInfo, open_video
from lipsync.core.render import get_renderer, registry
from lipsync.core.render.warp import WarpRenderer
from lipsync.core.speech import MouthCurve
from lipsync.core.sync_options import SyncOptions
from lipsync.core.sync_stream import SyncStream

CAPABILITIES = (
    protocols.BatchRenderer,
    protocols.SpeechReader,
    protocols.RegionRenderer,
    protocols.ExemplarUser,
    protocols.TrackForgetter,
)


@pytest.fixture(scope="module")
def info(tmp_path_factory) -> VideoStreamInfo:
    clip = lavfi_clip(tmp_path_factory.mktemp("protocols") / "clip.mp4", size="64x48", duration=0.4)
    with open_video(clip) as reader:
        return reader.info


def _silence() -> MouthCurve:
    return MouthCurve((), "silence", 25.0)


def test_the_registry_reexports_the_one_renderer_protocol():
    assert registry.Renderer is protocols.Renderer


def test_warp_is_a_plain_renderer():
    warp = get_renderer("warp")
    assert isinstance(warp, WarpRenderer)
    assert isinstance(warp, protocols.Renderer)
    assert not any(isinstance(warp, cap) for cap in CAPABILITIES)


class _Batched(WarpRenderer):
    """The warp with the batch capability: renders each job as the warp does, and counts."""

    batch_size = 3

    def __init__(self) -> None:
        super().__init__()
        self.calls: list[int] = []

    def render_batch(self, jobs):
        self.calls.append(len(jobs))
        return [self.render(j.image, j.face, j.target, j.appearance, j.strength) for j in jobs]


def test_capabilities_are_seen_once_and_used(info):
    batched = _Batched()
    assert isinstance(batched, protocols.BatchRenderer)
    stream = SyncStream(batched, SyncOptions(), info, _silence())
    assert stream.batch_size == 3
    assert stream._batch is batched and stream._bounds is None and stream._growing is None

    plain = SyncStream(get_renderer("warp"), SyncOptions(), info, _silence())
    assert plain.batch_size == 1 and plain._batch is None


def test_a_speech_reader_is_prepared_with_the_speech(info):
    class _Reading(WarpRenderer):
        def __init__(self) -> None:
            super().__init__()
            self.got: tuple[int, int, float] | None = None

        def prepare(self, speech: np.ndarray, sample_rate: int, fps: float) -> None:
            self.got = (speech.shape[0], sample_rate, fps)

    reading = _Reading()
    assert isinstance(reading, protocols.SpeechReader)
    speech = (np.zeros(16_000, np.float32), 16_000)
    SyncStream(reading, SyncOptions(), info, _silence(), speech=speech)
    assert reading.got == (16_000, 16_000, 25.0)
    SyncStream(reading, SyncOptions(), info, _silence(), speech=None)
    assert reading.got == (16_000, 16_000, 25.0)


def test_a_whole_speech_curve_is_final_everywhere(info):
    stream = SyncStream(get_renderer("warp"), SyncOptions(), info, _silence())
    assert not isinstance(_silence(), protocols.GrowingCurve)
    assert stream._known_until() == np.inf


def test_wav2lip_declares_its_capabilities_on_the_class():
    """Checked on the class: building one needs a model file."""
    from lipsync.core.render.wav2lip import Wav2LipRenderer

    for member in ("render", "render_batch", "prepare", "bounds", "forget"):
        assert callable(getattr(Wav2LipRenderer, member)), member


def test_a_growing_curve_holds_frames_until_its_speech_is_known(info):
    from lipsync.core.speech.incremental import IncrementalCurve

    curve = IncrementalCurve(25.0)
    assert isinstance(curve, protocols.GrowingCurve)
    stream = SyncStream(get_renderer("warp"), SyncOptions(), info, curve)
    assert stream._known_until() == curve.known_until
