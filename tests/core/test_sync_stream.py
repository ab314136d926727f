"""The single-pass stream: batches give the same pixels, the lookahead bounds the frames held,
blockwise mouth targets equal the whole-video ones, and live speech is analysed in chunks."""

from __future__ import annotations

import dataclasses
import itertools
import logging
import shutil
import sys

import numpy as np
import pytest

from lipsync.core.demo import write_portrait_clip
from lipsync.core.engine import LipSyncEngine, SyncOptions, decoded_frames
from lipsync.core.face import tracking_process
from lipsync.core.media import new_video_info, open_video, save_audio
from lipsync.core.render import WarpRenderer
from lipsync.core.speech import analyse_speech_curve, synthesize, write_sidecar
from lipsync.core.speech.incremental import IncrementalCurve
from lipsync.core.sync_stream import PLAN_AHEAD, held_frame_bytes, lookahead_frames
from lipsync.core.types import MOUTH_PARAMS

TEXT = "Bob bought a map. Pam made more maps, for Mom and the baby."


@pytest.fixture(scope="module")
def media(tmp_path_factory):
    folder = tmp_path_factory.mktemp("stream")
    syn = synthesize(TEXT, "en-us")
    speech = save_audio(folder / "line.wav", syn.samples, syn.sample_rate)
    write_sidecar(speech, syn.events)
    clip = write_portrait_clip(folder / "clip.mp4", 1.6, size=(640, 360))
    return clip, speech, syn


class Recording:
    """The warp renderer behind the batch interface, remembering what it was given."""

    name = "recording"

    def __init__(self, batch_size: int) -> None:
        self.batch_size = batch_size
        self.warp = WarpRenderer()
        self.batches: list[int] = []
        self.targets: dict[int, np.ndarray] = {}

    def render_batch(self, jobs):
        self.batches.append(len(jobs))
        out = []
        for j in jobs:
            self.targets[j.index] = j.target
            out.append(self.warp.render(j.image, j.face, j.target, j.appearance, j.strength))
        return out


def run_stream(clip, speech, renderer=None, **options):
    engine = LipSyncEngine(SyncOptions(**options))
    if renderer is not None:
        engine.renderer = renderer
    with open_video(clip) as reader:
        stream = engine.open_stream(reader.info, speech)
        pulled = [0]
        held = []

        def source():
            for item in decoded_frames(reader.iter_decoded(), reader.info):
                pulled[0] += 1
                yield item

        pictures = []
        for out in stream.run(source()):
            held.append(pulled[0] - out.index - 1)
            pictures.append(out.coded(reader.info).to_ndarray())
    return stream, pictures, held


def test_batches_give_the_same_pixels_as_one_frame_at_a_time(media):
    clip, speech, _ = media
    _, single, _ = run_stream(clip, speech, renderer=WarpRenderer())  # no batch: one at a time
    batched = Recording(batch_size=7)
    _, pictures, _ = run_stream(clip, speech, renderer=batched)
    assert max(batched.batches) == 7 and len(batched.batches) > 1
    assert len(pictures) == len(single)
    for a, b in zip(pictures, single, strict=True):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("lookahead", [0.0, 0.5])
def test_the_lookahead_bounds_the_frames_held(media, lookahead):
    """The window bounds what is held, plus the batches in hand: the one rendering and
    those planned ahead of it (PLAN_AHEAD queued, one being gathered), each of one frame
    with the warp, of 8 with a renderer that draws frames in batches (the default auto, to
    choose its samples along a path); and where the tracker runs in a process of its own,
    the frames in its hands but the one collected (DEPTH - 1)."""
    clip, speech, _ = media
    ahead = PLAN_AHEAD + 2  # batches in hand
    tracking = tracking_process.DEPTH - 1 if tracking_process.available() else 0
    stream, pictures, held = run_stream(clip, speech, renderer=WarpRenderer(), lookahead=lookahead)
    assert len(pictures) == 40
    assert max(held) <= stream.window + ahead - 1 + tracking
    assert stream.window == max(6, round(lookahead * 25))
    stream, pictures, held = run_stream(clip, speech, lookahead=lookahead)
    assert len(pictures) == 40 and stream.batch_size == 8
    assert stream.window < max(held) <= stream.window + ahead * stream.batch_size - 1 + tracking


def test_the_default_lookahead_holds_3_s_up_to_1080p_and_no_more_than_2_gib_beyond():
    """A frame held takes its planes and an RGB picture; the default window is 3 s where
    that fits in LOOKAHEAD_MEMORY (2 GiB), shorter where it does not, never under 1 s; a
    given lookahead is taken as it is, however large the frames."""
    hd, uhd = new_video_info(1920, 1080, 25), new_video_info(3840, 2160, 25)
    assert held_frame_bytes(hd) == 1920 * 1080 * (1.5 + 3)
    assert held_frame_bytes(uhd) == 3840 * 2160 * (1.5 + 3)
    deep = dataclasses.replace(uhd, pix_fmt="yuv422p10le", bit_depth=10)
    assert held_frame_bytes(deep) == 3840 * 2160 * (4 + 3)
    odd = dataclasses.replace(hd, pix_fmt="no-such-format", bit_depth=12)
    assert held_frame_bytes(odd) == 1920 * 1080 * (6 + 3)
    assert lookahead_frames(None, 25, held_frame_bytes(hd)) == 75
    assert lookahead_frames(None, 60, held_frame_bytes(hd)) == 180
    fit = (2 << 30) // held_frame_bytes(uhd)
    assert lookahead_frames(None, 25, held_frame_bytes(uhd)) == fit == 57  # 2.3 s
    assert lookahead_frames(None, 60, held_frame_bytes(uhd)) == 60  # 1 s at least
    assert lookahead_frames(3.0, 60, held_frame_bytes(uhd)) == 180  # asked for
    assert lookahead_frames(0.0, 25, held_frame_bytes(hd)) == 0


def test_tracking_in_a_process_of_its_own_gives_the_same_pixels(media, monkeypatch):
    """The default (the tracker in a child process, where there are two cores) and tracking
    in this process give the same frames, with the default renderer (auto: it learns
    exemplars from every frame's faces)."""
    clip, speech, _ = media
    if not tracking_process.available():
        pytest.skip("one core: the tracker runs in this process anyway")
    _, child, _ = run_stream(clip, speech)
    monkeypatch.setenv(tracking_process.ENV, "0")
    _, inline, _ = run_stream(clip, speech)
    assert len(child) == len(inline) == 40
    for a, b in zip(child, inline, strict=True):
        np.testing.assert_array_equal(a, b)


def test_a_tracking_process_that_cannot_start_leaves_the_tracker_here(media, monkeypatch, caplog):
    """A child that dies before it answers (here: ``sys.executable`` is not a Python) costs a
    warning; the stream tracks in this process, with the same pixels."""
    clip, speech, _ = media
    if not tracking_process.available():
        pytest.skip("one core: the tracker runs in this process anyway")
    _, want, _ = run_stream(clip, speech, renderer=WarpRenderer())
    tracking_process.close_idle()  # no child already running to borrow
    monkeypatch.setattr(sys, "executable", shutil.which("false"))
    with caplog.at_level(logging.WARNING, logger="lipsync"):
        _, got, _ = run_stream(clip, speech, renderer=WarpRenderer())
    assert "face-tracking process ended unexpectedly" in caplog.text
    assert "tracking in this process instead" in caplog.text
    for a, b in zip(got, want, strict=True):
        np.testing.assert_array_equal(a, b)


def test_blockwise_mouth_targets_equal_the_whole_video_evaluation(media):
    clip, speech, _ = media
    recording = Recording(batch_size=1)
    stream, _, _ = run_stream(clip, speech, renderer=recording, lookahead=0.3)
    times = np.arange(40) / 25.0
    whole = stream.curve.values(times)
    assert len(recording.targets) == 40
    for i, target in recording.targets.items():
        # phones > 0.6 s away are cut: a far rounded vowel's tail moves `round` by 1e-3 on
        # this line as espeak-ng renders it alone, and by up to 5.5e-3 on the renderings it
        # gives after other syntheses in the same process (the same text comes out a few ms
        # differently from call to call); 1e-2 is 1 % of a parameter's range, under a pixel
        np.testing.assert_allclose(target, whole[i], atol=1e-2)


def test_speech_arriving_live_is_analysed_in_chunks_cut_in_pauses(media):
    _, _, syn = media
    samples = syn.samples.astype(np.float32)
    if samples.dtype.kind != "f" or np.abs(samples).max() > 1.5:
        samples = samples / 32768.0
    from lipsync.core.speech.track import resample

    line = resample(samples, syn.sample_rate)
    x = np.concatenate([line, np.zeros(8000, np.float32), line])  # two sentences, a pause
    curve = IncrementalCurve(25.0)
    known = []
    for at in range(0, x.shape[0], 1600):  # 0.1 s packets
        curve.add(x[at : at + 1600])
        known.append(curve.known_until)
    assert np.isfinite(known[-1]) and known[-1] > 0  # analysed before the end
    assert all(b >= a for a, b in itertools.pairwise(known))
    curve.finish()
    assert curve.known_until == np.inf and curve.source == "audio"
    whole = analyse_speech_curve(x, 16000, 25.0)
    times = np.arange(int(x.shape[0] / 16000 * 25)) / 25.0
    opened = MOUTH_PARAMS.index("open")
    live, full = curve.values(times)[:, opened], whole.values(times)[:, opened]
    assert np.corrcoef(live, full)[0, 1] > 0.7
