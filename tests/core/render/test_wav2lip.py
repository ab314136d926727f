"""The ``wav2lip`` renderer with a real ONNX export of a seeded random generator, on NASA's
astronaut portrait: what the generator is fed, where the frame may change, and the engine end
to end (frame count, timestamps, frames without a face passed through)."""

from __future__ import annotations

import shutil
import subprocess
import sys

import numpy as np
import pytest
from face_media import background, write_video
from render_media import astronaut_frame, lower_face_region, psnr, track_face

torch = pytest.importorskip("torch")

from lipsync.core.errors import InputError, ProcessingError  # noqa: E402
from lipsync.core.models.wav2lip import random_wav2lip  # noqa: E402
from lipsync.core.models.wav2lip_audio import mel_window, melspectrogram  # noqa: E402
from lipsync.core.models.wav2lip_export import export_wav2lip  # noqa: E402
from lipsync.core.render import RenderJob, get_renderer  # noqa: E402
from lipsync.core.render.wav2lip import Wav2LipRenderer  # noqa: E402
from lipsync.core.render.wav2lip_paste import (  # noqa: E402
    SIDE_PER_SCALE,
    crop,
    crop_box,
    face_scale,
    to_model_size,
)

SIZE = (640, 360)


pytestmark = pytest.mark.slow  # torch; run by `make test`, skipped by -m 'not slow'


@pytest.fixture(scope="module")
def onnx_model(tmp_path_factory):
    folder = tmp_path_factory.mktemp("wav2lip")
    checkpoint = folder / "wav2lip.pth"
    torch.save(random_wav2lip(seed=5).state_dict(), checkpoint)
    path = export_wav2lip(checkpoint, folder / "wav2lip.onnx").path
    checkpoint.unlink()
    yield path
    shutil.rmtree(folder)


@pytest.fixture(scope="module")
def small_frame() -> np.ndarray:
    return astronaut_frame(*SIZE, scale=1.25)


@pytest.fixture(scope="module")
def small_face(small_frame):
    return track_face(small_frame)


@pytest.fixture(scope="module")
def speech() -> np.ndarray:
    t = np.arange(16000 * 2) / 16000
    voiced = np.sin(2 * np.pi * 150 * t) + 0.5 * np.sin(2 * np.pi * 450 * t)
    return (0.3 * voiced * (np.sin(2 * np.pi * 2 * t) > 0)).astype(np.float32)


class SpySession:
    """A real session that records what the renderer feeds it."""

    def __init__(self, session, batch_size: int = 16) -> None:
        self.inner = session
        self.batch_size = batch_size
        self.calls: list[tuple[np.ndarray, np.ndarray]] = []

    def run(self, mel, face):
        self.calls.append((mel.copy(), face.copy()))
        return self.inner.run(mel, face)


@pytest.fixture
def renderer(onnx_model, speech) -> Wav2LipRenderer:
    r = get_renderer("wav2lip", model=str(onnx_model))
    r.prepare(speech, 16000, 25.0)
    return r


def jobs_for(image, face, indices, strength=1.0):
    target = np.zeros(6, np.float32)
    return [RenderJob(image, face, target, None, strength, i, i / 25.0, 25.0) for i in indices]


def test_needs_a_model_file():
    with pytest.raises(InputError, match=r"--model") as err:
        get_renderer("wav2lip")
    assert "lipsync models export wav2lip" in str(err.value)


def test_only_the_lower_face_changes(renderer, small_frame, small_face):
    out = renderer.render_batch(jobs_for(small_frame, small_face, [10]))[0]
    assert out.shape == small_frame.shape and out.dtype == np.uint8
    changed = (out != small_frame).any(axis=2)
    region = lower_face_region(small_face, small_frame.shape[:2], margin=0.6)
    assert changed.sum() > 0.5 * region.sum() * 0.5  # a real change over the mouth and chin
    assert not changed[~region].any()
    # nothing in the half the generator saw, little of the nose, nothing outside the crop
    box = crop_box(small_face)
    nose_base = float(np.asarray(small_face.landmarks["nose"])[4:, 1].min())
    ys, xs = np.nonzero(changed)
    assert ys.min() >= box.y0 + box.side / 2
    assert ys.min() > nose_base - 0.2 * small_face.inter_ocular
    assert ys.max() < box.y0 + box.side and box.x0 <= xs.min() and xs.max() < box.x0 + box.side


def test_strength_scales_the_change(renderer, small_frame, small_face):
    full, half, none = (
        renderer.render_batch(jobs_for(small_frame, small_face, [10], strength=s))[0]
        for s in (1.0, 0.5, 0.0)
    )
    np.testing.assert_array_equal(none, small_frame)
    d_full = np.abs(full.astype(int) - small_frame).sum()
    d_half = np.abs(half.astype(int) - small_frame).sum()
    assert 0.35 * d_full < d_half < 0.65 * d_full


def test_the_generator_gets_wav2lips_inputs_in_batches(onnx_model, speech, small_frame,
                                                       small_face):  # fmt: skip
    from lipsync.core.models import open_wav2lip

    spy = SpySession(open_wav2lip(onnx_model), batch_size=8)
    r = Wav2LipRenderer(spy)
    r.prepare(speech, 16000, 25.0)
    indices = list(range(0, 40, 2))  # 20 jobs: batches of 8, 8, 4
    outs = r.render_batch(jobs_for(small_frame, small_face, indices))
    assert len(outs) == 20
    assert [len(mel) for mel, _ in spy.calls] == [8, 8, 4]
    mel = np.concatenate([m for m, _ in spy.calls])
    face = np.concatenate([f for _, f in spy.calls])
    assert mel.shape == (20, 1, 80, 16) and face.shape == (20, 6, 96, 96)
    features = melspectrogram(speech)
    for k, i in enumerate(indices):
        np.testing.assert_array_equal(mel[k, 0], mel_window(features, i, 25.0))
    # BGR in [0, 1]: the crop unmasked in channels 3..5, masked below row 48 in 0..2
    side = SIDE_PER_SCALE * face_scale(small_face)
    expected = to_model_size(crop(small_frame, crop_box(small_face, side)))
    np.testing.assert_allclose(face[0, 3:].transpose(1, 2, 0), expected[:, :, ::-1] / 255.0,
                               atol=1e-6)  # fmt: skip
    assert (face[:, :3, 48:] == 0).all()
    np.testing.assert_array_equal(face[:, :3, :48], face[:, 3:, :48])


def test_paste_removes_a_colour_cast_and_leaves_no_box(small_frame, small_face):
    """A generator output that is blurred and tinted (Wav2Lip's usual faults) pastes back
    with the tint gone around the mouth and no step at the crop's edges."""
    import cv2

    from lipsync.core.render.wav2lip_paste import paste

    box = crop_box(small_face)
    source96 = to_model_size(crop(small_frame, box))
    tint = np.array([14.0, -9.0, 6.0], np.float32)
    generated = cv2.GaussianBlur(source96.astype(np.float32), (0, 0), 1.2) + tint
    out = paste(small_frame, small_face, box, source96, generated)
    region = lower_face_region(small_face, small_frame.shape[:2], margin=0.0)
    lips = np.asarray(small_face.landmarks["outer_lip"])
    mouth = np.zeros_like(region)
    x0, y0 = (lips.min(axis=0) - 0.3 * small_face.inter_ocular).astype(int)
    x1, y1 = (lips.max(axis=0) + 0.3 * small_face.inter_ocular).astype(int)
    mouth[y0:y1, x0:x1] = True
    skin = region & ~mouth
    cast = (out[skin].astype(float) - small_frame[skin]).mean(axis=0)
    assert np.abs(cast).max() < 2.0, cast  # the tint (14, -9, 6) is gone
    # the box's outline is untouched: no hard rectangle
    s = box.side
    border = np.zeros(small_frame.shape[:2], bool)
    border[box.y0 : box.y0 + s, box.x0 : box.x0 + s] = True
    border[box.y0 + 2 : box.y0 + s - 2, box.x0 + 2 : box.x0 + s - 2] = False
    np.testing.assert_array_equal(out[border], small_frame[border])


def test_the_crop_size_is_smoothed_along_the_track(renderer, small_frame, small_face):
    from lipsync.core.render.wav2lip_paste import SideSmoother

    smooth = SideSmoother()
    sides = [smooth(3, i, s) for i, s in enumerate([100, 100, 100, 100, 150])]
    assert sides[:4] == [100, 100, 100, 100] and sides[4] == pytest.approx(110)
    assert smooth(3, 20, 150) == 150  # a gap starts afresh
    assert smooth(-1, 21, 80) == 80  # untracked faces are not smoothed


def test_render_alone_and_render_before_prepare_are_refused(onnx_model, small_frame,
                                                            small_face):  # fmt: skip
    r = get_renderer("wav2lip", model=str(onnx_model))
    with pytest.raises(ProcessingError, match=r"prepare"):
        r.render_batch(jobs_for(small_frame, small_face, [0]))
    with pytest.raises(ProcessingError, match=r"render_batch"):
        r.render(small_frame, small_face, np.zeros(6, np.float32))


def test_speech_at_other_rates_is_resampled(renderer, onnx_model, speech):
    from scipy.signal import resample_poly

    other = get_renderer("wav2lip", model=str(onnx_model))
    other.prepare(resample_poly(speech, 3, 1).astype(np.float32), 48000, 25.0)
    assert other._mel.shape == renderer._mel.shape
    assert np.abs(other._mel - renderer._mel)[:, 2:-2].mean() < 0.05


def test_renderer_module_does_not_import_torch():
    code = "import sys, lipsync.core.render.wav2lip\nprint('torch' in sys.modules)\n"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_engine_end_to_end(tmp_path, onnx_model):
    from lipsync.core.engine import LipSyncEngine, SyncOptions
    from lipsync.core.media import iter_frames, save_audio
    from lipsync.core.speech import synthesize, write_sidecar

    face_frame = astronaut_frame(480, 270, scale=1.0)
    frames = [background(480, 270, seed=1) if i < 3 else face_frame for i in range(14)]
    clip = write_video(tmp_path / "clip.mp4", frames)
    syn = synthesize("Bob bought a map.", "en-us")
    audio = save_audio(tmp_path / "line.wav", syn.samples, syn.sample_rate)
    write_sidecar(audio, syn.events)
    out = tmp_path / "out.mp4"
    options = SyncOptions(renderer="wav2lip", model=str(onnx_model))
    report = LipSyncEngine(options).run(clip, audio, out)
    assert report.renderer == "wav2lip"
    assert report.frames == 14 and report.rendered == 11
    assert report.passed_through == {"no_face": 3}

    src, dst = list(iter_frames(clip)), list(iter_frames(out))
    assert [(f.pts, f.time_base) for f in src] == [(f.pts, f.time_base) for f in dst]
    for a, b in zip(src[:3], dst[:3], strict=True):
        assert psnr(a.image, b.image) > 40  # untouched: only re-encoded
    face = track_face(src[5].image)
    region = lower_face_region(face, src[5].image.shape[:2], margin=0.6)
    for a, b in zip(src[3:], dst[3:], strict=True):
        assert psnr(a.image[~region], b.image[~region]) > 38  # only re-encoded
        diff = np.abs(a.image.astype(int) - b.image.astype(int)).max(axis=2)
        assert (diff[region] > 12).mean() > 0.05  # the lower face was redrawn
        assert (diff[~region] > 12).mean() < 1e-4
