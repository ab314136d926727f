"""Live mode's cheaper frame: mouth targets evaluated a block at a time, and a large face
rendered smaller with its change enlarged back (lipsync.core.live.shrink / enlarge)."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from lipsync.core.demo import write_portrait_clip
from lipsync.core.engine import LipSyncEngine, SyncOptions, decoded_frames
from lipsync.core.live import LIVE_EYES_PX, enlarge, shrink
from lipsync.core.media import open_video
from lipsync.core.media.convert import frame_to_rgb
from lipsync.core.sync_stream import REGION_MARGIN, lower_face_bounds

#: Mouth parameters (0..1 ranges) of a frame evaluated in a block of 27 times and with only its
#: two neighbours differ by up to ~0.003 (the blend sees the times around it; measured on
#: espeak-ng speech): 0.5 % of a parameter's range; a frame of misalignment moves them by up to ~0.7
BLOCK_TOLERANCE = 5e-3
SIZE = (1280, 720)  # the portrait's eyes are ~87 px apart here: above LIVE_EYES_PX


@pytest.fixture(scope="module")
def portrait(tmp_path_factory, spoken_portrait):
    media = spoken_portrait(seconds=2.0)
    clip = write_portrait_clip(tmp_path_factory.mktemp("live") / "big.mp4", 1.2, size=SIZE)
    return clip, media["line"]


def enlarged_in_full(before, small, small_after):
    """The plain way: the whole change enlarged with cv2.resize."""
    change = small_after.astype(np.float32) - small.astype(np.float32)
    change = cv2.resize(change, (before.shape[1], before.shape[0]))
    return np.clip(np.rint(before + change), 0, 255).astype(np.uint8)


@pytest.mark.parametrize("box", [(40, 70, 30, 80), (0, 5, 0, 117), (130, 135, 100, 117)])
def test_enlarge_changes_what_the_whole_change_enlarged_changes(box):
    rng = np.random.default_rng(sum(box))
    before = rng.integers(0, 256, (300, 260, 3), np.uint8)
    small = cv2.resize(before, (117, 135), interpolation=cv2.INTER_AREA)
    after = small.copy()
    y0, y1, x0, x1 = box
    after[y0:y1, x0:x1] = rng.integers(0, 256, (y1 - y0, x1 - x0, 3), np.uint8)
    got, full = enlarge(before, small, after), enlarged_in_full(before, small, after)
    assert np.abs(got.astype(int) - full).max() <= 1  # rounding of the bilinear weights
    assert (got != full).any(axis=2).mean() < 0.001
    # every pixel the plain way leaves alone keeps its exact value
    untouched = (full == before).all(axis=2)
    assert (got[untouched] == before[untouched]).mean() > 0.999
    assert enlarge(before, small, small.copy()) is not before
    assert np.array_equal(enlarge(before, small, small.copy()), before)


def test_shrink_scales_the_picture_and_the_face_together(portrait):
    clip, _ = portrait
    engine = LipSyncEngine(SyncOptions())
    with open_video(clip) as reader:
        frame = next(iter(reader.iter_decoded()))[1]
        image = frame_to_rgb(frame, reader.info)
    stream = engine.open_stream(reader.info, portrait[1])
    face = stream.tracker().update(image)[0]
    assert face.inter_ocular > LIVE_EYES_PX
    small, small_face = shrink(image, face, LIVE_EYES_PX)
    assert small_face.inter_ocular == pytest.approx(LIVE_EYES_PX, rel=0.01)
    assert small.shape[1] == round(image.shape[1] * LIVE_EYES_PX / face.inter_ocular)
    assert shrink(small, small_face, LIVE_EYES_PX * 1.05) is None  # already small enough


def render_live(clip, speech, eyes, frames=12):
    """Output RGB pictures of ``frames`` frames rendered one by one as live mode does."""
    engine = LipSyncEngine(SyncOptions())
    pictures, faces = [], []
    with open_video(clip) as reader:
        info = reader.info
        stream = engine.open_stream(info, speech)
        tracker = stream.tracker()
        for item in decoded_frames(reader.iter_decoded(), info):
            stream.begin(item)
            entry = stream.render_now(item, tracker, eyes)
            faces.append(next(iter(entry.faces.values())))
            pictures.append(frame_to_rgb(stream.emit(entry).coded(info), info))
            if len(pictures) == frames:
                break
    return pictures, faces, stream


def test_the_reduced_render_changes_only_the_lower_face_and_looks_like_the_full_one(portrait):
    clip, speech = portrait
    full, faces, _ = render_live(clip, speech, None)
    reduced, _, stream = render_live(clip, speech, LIVE_EYES_PX)
    with open_video(clip) as reader:
        sources = [frame_to_rgb(f, reader.info) for _, f in reader.iter_decoded()][: len(full)]
    assert stream.rendered == len(full)
    moved = []
    for source, a, b, face in zip(sources, full, reduced, faces, strict=True):
        x0, y0, x1, y1 = (int(v) for v in lower_face_bounds(face, REGION_MARGIN))
        outside = np.ones(source.shape[:2], bool)
        outside[max(0, y0) : y1, max(0, x0) : x1] = False
        assert np.array_equal(b[outside], source[outside])  # bit-exact outside the lower face
        region = (slice(max(0, y0), y1), slice(max(0, x0), x1))
        changed = (a[region] != source[region]).any(axis=2)
        if changed.sum() < 50:
            continue
        change = np.abs(a[region].astype(int) - source[region])[changed].mean()
        moved.append((np.abs(b[region].astype(int) - a[region])[changed].mean(), change))
    assert len(moved) >= len(full) // 2  # the mouth was moved in most frames
    # where the full render changed the mouth, the reduced one is within a few code values,
    # far less than the change itself
    apart, change = np.median(np.array(moved), axis=0)
    assert apart < 5 and apart < 0.5 * change, moved


def test_live_mouth_targets_in_blocks_equal_frame_by_frame_evaluation(portrait):
    clip, speech = portrait
    engine = LipSyncEngine(SyncOptions())
    with open_video(clip) as reader:
        stream = engine.open_stream(reader.info, speech)
    step = 1 / stream.fps
    for k in range(60):
        t = k * step
        one = stream.curve.values(np.array([t - step, t, t + step]))[1]
        np.testing.assert_allclose(stream._live_target(t), one, atol=BLOCK_TOLERANCE)
    # a frame off the stream's rate is evaluated on its own
    t = 7.5 * step
    one = stream.curve.values(np.array([t - step, t, t + step]))[1]
    np.testing.assert_allclose(stream._live_target(t), one, atol=BLOCK_TOLERANCE)
