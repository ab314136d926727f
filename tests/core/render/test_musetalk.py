"""The ``musetalk`` renderer with a real ONNX export of a tiny random-weight MuseTalk, on NASA's
astronaut portrait: crops and model inputs against a transcription of MuseTalk's published
steps (``musetalk/utils/preprocessing.py``, ``musetalk/models/vae.py``, v1.5
``scripts/inference.py``), where the frame may change, the reference and silence rules, bad
model folders, and ``lipsync sync`` end to end."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys

import cv2
import numpy as np
import pytest
from clitools import assert_one_sentence_error, lipsync
from face_media import background, write_video
from render_media import astronaut_frame, lower_face_region, psnr, track_face, with_landmarks

torch = pytest.importorskip("torch")
pytest.importorskip("diffusers")

from musetalk_models import MuseTalkPositionalEncoding, exported_musetalk  # noqa: E402

from lipsync.core.errors import InputError, ProcessingError  # noqa: E402
from lipsync.core.render import RenderJob, get_renderer  # noqa: E402
from lipsync.core.render.musetalk import MuseTalkOptions, MuseTalkRenderer  # noqa: E402
from lipsync.core.render.musetalk_crop import crop, musetalk_box, to_model_size  # noqa: E402
from lipsync.core.types import FaceObservation  # noqa: E402

pytestmark = pytest.mark.slow

SIZE = (640, 360)


@pytest.fixture(scope="module")
def exported():
    return exported_musetalk()


@pytest.fixture(scope="module")
def frame() -> np.ndarray:
    return astronaut_frame(*SIZE, scale=1.25)


@pytest.fixture(scope="module")
def face(frame) -> FaceObservation:
    return track_face(frame)


def speech(seconds: float = 2.0, silent_until: float = 0.0) -> np.ndarray:
    t = np.arange(int(16000 * seconds)) / 16000
    voiced = np.sin(2 * np.pi * 150 * t) + 0.5 * np.sin(2 * np.pi * 450 * t)
    s = 0.3 * voiced * (np.sin(2 * np.pi * 2 * t) > -0.5)
    s[t < silent_until] = 0.0
    return s.astype(np.float32)


@pytest.fixture
def renderer(exported) -> MuseTalkRenderer:
    r = get_renderer("musetalk", model=str(exported.folder))
    r.prepare(speech(), 16000, 25.0)
    return r


def job(image, face, index=10, strength=1.0) -> RenderJob:
    return RenderJob(image, face, np.zeros(6, np.float32), None, strength, index, index / 25, 25.0)


def untracked(face: FaceObservation) -> FaceObservation:
    return FaceObservation(face.box, face.landmarks, face.pose, face.confidence, -1)


# --- a transcription of MuseTalk's preprocessing --------------------------------------------------


def landmarks68(face: FaceObservation) -> np.ndarray:
    """Our groups at their 68-point places; the brows (17..26), which we do not track, put a
    little above the eyes (they bound neither the width nor the chin)."""
    lm = face.landmarks
    io = face.inter_ocular
    brows = np.concatenate([lm["left_eye"][[0, 1, 2, 3, 3]], lm["right_eye"][[0, 0, 1, 2, 3]]])
    brows = brows - np.array([0, 0.3 * io], np.float32)
    return np.concatenate(
        [lm["jaw"], brows, lm["nose"], lm["left_eye"], lm["right_eye"], lm["outer_lip"],
         lm["inner_lip"]]
    ).astype(np.float32)  # fmt: skip


def musetalk_crop(frame_bgr, points, bbox_shift=0, extra_margin=10):
    """get_landmark_and_bbox for one face, then inference.py's v1.5 margin, crop and resize."""
    face_land_mark = points.astype(np.int32)
    half_face_coord = face_land_mark[29].copy()
    if bbox_shift != 0:
        half_face_coord[1] = bbox_shift + half_face_coord[1]
    half_face_dist = np.max(face_land_mark[:, 1]) - half_face_coord[1]
    upper_bond = half_face_coord[1] - half_face_dist
    x1, y1, x2, y2 = (np.min(face_land_mark[:, 0]), int(upper_bond),
                      np.max(face_land_mark[:, 0]), np.max(face_land_mark[:, 1]))  # fmt: skip
    y2 = min(y2 + extra_margin, frame_bgr.shape[0])
    crop_frame = frame_bgr[y1:y2, x1:x2]
    return (x1, y1, x2, y2), cv2.resize(crop_frame, (256, 256), interpolation=cv2.INTER_LANCZOS4)


def musetalk_preprocess(img_bgr, half_mask):
    """vae.py's preprocess_img: RGB, [0, 1], lower half zeroed, normalised to [-1, 1]."""
    img = cv2.cvtColor(img_bgr, cv2.COLOR_BGR2RGB)
    img = cv2.resize(img, (256, 256), interpolation=cv2.INTER_LANCZOS4)
    x = np.asarray([img]) / 255.0
    x = np.transpose(x, (3, 0, 1, 2))
    x = torch.squeeze(torch.FloatTensor(x))
    if half_mask:
        mask = torch.zeros((256, 256))
        mask[: 256 // 2, :] = 1
        x = x * (mask > 0.5)
    x = (x - 0.5) / 0.5
    return x.unsqueeze(0)


class Spy:
    """A real session that records the images the renderer encodes."""

    def __init__(self, session) -> None:
        self.inner = session
        self.images: list[np.ndarray] = []

    def __getattr__(self, name):
        return getattr(self.inner, name)

    def encode_image(self, image):
        self.images.append(image.copy())
        return self.inner.encode_image(image)


# --- tests ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("shift", [0, -6, 7])
def test_crop_is_placed_as_musetalk_places_it(frame, face, shift):
    box, expected = musetalk_crop(frame[:, :, ::-1], landmarks68(face), bbox_shift=shift)
    ours = musetalk_box(face, bbox_shift=shift, height=frame.shape[0])
    assert (ours.x1, ours.y1, ours.x2, ours.y2) == tuple(int(v) for v in box)
    assert np.array_equal(to_model_size(crop(frame, ours)), expected[:, :, ::-1])


def test_bottom_margin_stops_at_the_frame(frame, face):
    low = frame[: int(musetalk_box(face).y2) - 4]
    box = musetalk_box(face, height=low.shape[0])
    assert box.y2 == low.shape[0]
    (_, _, _, y2), _ = musetalk_crop(low[:, :, ::-1], landmarks68(face))
    assert box.y2 == y2


def test_one_frame_through_the_model_as_musetalk_runs_it(exported, frame, face):
    """The whole step for a face whose own crop is its reference (MuseTalk's way), against
    the transcription run on the same ONNX graphs' torch originals."""
    from lipsync.core.models.musetalk import load_musetalk
    from lipsync.core.models.musetalk_audio import AudioFeatures

    f = exported.files
    parts = load_musetalk(f.unet, f.unet_config, f.vae, f.whisper)
    r = get_renderer("musetalk", model=str(exported.folder))
    r.session = Spy(r.session)
    s = speech()
    r.prepare(s, 16000, 25.0)
    me = untracked(face)
    _, crop_bgr = musetalk_crop(frame[:, :, ::-1], landmarks68(face))
    ours = r.generate([job(frame, me, index=12)], [crop_bgr[:, :, ::-1].copy()])

    masked = musetalk_preprocess(crop_bgr, half_mask=True)
    full = musetalk_preprocess(crop_bgr, half_mask=False)
    seen = r.session.images[0]
    assert np.abs(seen[:1] - masked.numpy()).max() < 1e-5
    assert np.abs(seen[1:2] - full.numpy()).max() < 1e-5
    scale = parts.scaling_factor
    with torch.no_grad():
        latents = torch.cat([parts.vae.encode(masked).latent_dist.mean * scale,
                             parts.vae.encode(full).latent_dist.mean * scale], dim=1)  # fmt: skip
        audio = AudioFeatures(s, r.session.encode_audio, r.session.mel_filters).window(12, 25.0)
        pe = MuseTalkPositionalEncoding(d_model=parts.d_model)
        pred = parts.unet(
            latents, torch.tensor([0]), encoder_hidden_states=pe(torch.from_numpy(audio[None]))
        ).sample
        image = parts.vae.decode(pred / scale).sample
        image = (image / 2 + 0.5).clamp(0, 1).permute(0, 2, 3, 1).numpy() * 255
    assert np.abs(ours - image).max() < 0.5  # grey levels


def test_only_the_lower_face_changes(renderer, frame, face):
    (out,) = renderer.render_batch([job(frame, face)])
    assert out.shape == frame.shape and out.dtype == np.uint8
    region = lower_face_region(face, frame.shape[:2], margin=0.6)
    assert np.array_equal(out[~region], frame[~region])  # bit for bit
    box = musetalk_box(face, height=frame.shape[0])
    assert np.array_equal(out[: (box.y1 + box.y2) // 2], frame[: (box.y1 + box.y2) // 2])
    diff = np.abs(out.astype(int) - frame.astype(int)).max(axis=2)
    assert (diff[region] > 8).mean() > 0.05  # the random model redrew the lower face


def test_strength_zero_and_tiny_faces_pass_through(renderer, frame, face):
    small = FaceObservation(
        (0, 0, 10, 10), {k: v * 0.05 for k, v in face.landmarks.items()}, face.pose, 1.0, 3
    )
    a, b = renderer.render_batch([job(frame, face, strength=0.0), job(frame, small)])
    assert np.array_equal(a, frame) and np.array_equal(b, frame)


def test_reference_is_the_tracks_most_neutral_mouth(renderer, frame, face):
    inner = np.asarray(face.landmarks["inner_lip"], np.float32)

    def opened(px: float) -> FaceObservation:
        moved = inner.copy()
        moved[5:8, 1] += px  # lower inner lip down
        return with_landmarks(face, inner_lip=moved)

    renderer.render_batch([job(frame, opened(12.0), index=0)])
    first = renderer._references[face.track_id]
    renderer.render_batch([job(frame, opened(11.0), index=1)])  # hardly more closed: kept
    assert renderer._references[face.track_id][0] == first[0]
    renderer.render_batch([job(frame, opened(0.0), index=2)])  # clearly closed: replaces it
    assert renderer._references[face.track_id][0] < first[0] - 0.03


def test_silent_windows_all_get_the_silence_window(exported):
    r = get_renderer("musetalk", model=str(exported.folder))
    r.prepare(speech(3.0, silent_until=1.2), 16000, 25.0)
    fake = FaceObservation((0, 0, 1, 1), {}, None, 1.0, 0)  # type: ignore[arg-type]
    quiet = [r.audio_window(job(None, fake, index=i)) for i in (3, 10, 20)]
    assert all(np.array_equal(q, r._audio.silence()) for q in quiet)
    loud = r.audio_window(job(None, fake, index=50))
    assert not np.array_equal(loud, quiet[0])
    assert np.array_equal(loud, r._audio.window(50, 25.0))


def test_bbox_shift_and_margin_from_the_environment(monkeypatch, exported, face):
    monkeypatch.setenv("LIPSYNC_MUSETALK_BBOX_SHIFT", "5")
    monkeypatch.setenv("LIPSYNC_MUSETALK_EXTRA_MARGIN", "0")
    r = get_renderer("musetalk", model=str(exported.folder))
    assert r.options == MuseTalkOptions(bbox_shift=5, extra_margin=0)
    plain = musetalk_box(face)
    shifted = r.box(face)
    assert shifted.y1 == plain.y1 + 10 and shifted.y2 == plain.y2 - 10
    monkeypatch.setenv("LIPSYNC_MUSETALK_BBOX_SHIFT", "five")
    with pytest.raises(InputError, match="LIPSYNC_MUSETALK_BBOX_SHIFT='five'"):
        get_renderer("musetalk", model=str(exported.folder))


def test_render_alone_and_before_prepare_are_refused(exported, frame, face):
    r = get_renderer("musetalk", model=str(exported.folder))
    with pytest.raises(ProcessingError, match="prepare"):
        r.render_batch([job(frame, face)])
    with pytest.raises(ProcessingError, match="render_batch"):
        r.render(frame, face, np.zeros(6, np.float32))


def test_bad_model_folders_are_one_sentence(tmp_path, exported):
    def refused(model, *words):
        with pytest.raises(InputError) as err:
            get_renderer("musetalk", model=model)
        message = str(err.value)
        assert "\n" not in message and "lipsync models export musetalk" in message
        for w in words:
            assert w in message

    refused(None, "--model")
    refused(str(tmp_path / "nowhere"), "does not exist")
    refused(str(exported.folder / "unet.onnx"), "is a file")
    refused(str(tmp_path), "no manifest.json")
    copy = tmp_path / "copy"
    shutil.copytree(exported.folder, copy)
    manifest = json.loads((copy / "manifest.json").read_text())
    with open(copy / "vae_decoder.onnx", "ab") as f:
        f.write(b"\0")
    refused(str(copy), "vae_decoder.onnx", "SHA-256")
    manifest["format"] = "something-else/3"
    (copy / "manifest.json").write_text(json.dumps(manifest))
    refused(str(copy), "something-else/3")


def test_renderer_module_does_not_import_torch():
    code = "import sys, lipsync.core.render.musetalk\nprint('torch' in sys.modules)\n"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_lipsync_sync_end_to_end(tmp_path, exported):
    from lipsync.core.media import iter_frames, save_audio
    from lipsync.core.speech import synthesize, write_sidecar

    face_frame = astronaut_frame(480, 270, scale=1.0)
    frames = [background(480, 270, seed=1) if i < 3 else face_frame for i in range(12)]
    clip = write_video(tmp_path / "clip.mp4", frames)
    syn = synthesize("Bob bought a map.", "en-us")
    audio = save_audio(tmp_path / "line.wav", syn.samples, syn.sample_rate)
    write_sidecar(audio, syn.events)
    out = tmp_path / "out.mp4"
    proc = lipsync("sync", str(clip), str(audio), "-o", str(out), "--renderer", "musetalk",
                   "--model", str(exported.folder), "--crf", "0")  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    src, dst = list(iter_frames(clip)), list(iter_frames(out))
    assert [(f.pts, f.time_base) for f in src] == [(f.pts, f.time_base) for f in dst]
    for a, b in zip(src[:3], dst[:3], strict=True):
        assert psnr(a.image, b.image) > 40  # no face: untouched (only re-encoded)
    face = track_face(src[5].image)
    region = lower_face_region(face, src[5].image.shape[:2], margin=0.6)
    changed = 0.0
    for a, b in zip(src[3:], dst[3:], strict=True):
        assert psnr(a.image[~region], b.image[~region]) > 40
        diff = np.abs(a.image.astype(int) - b.image.astype(int)).max(axis=2)
        assert (diff[~region] > 12).mean() < 1e-4
        changed = max(changed, (diff[region] > 12).mean())
    assert changed > 0.05  # the lower face was redrawn


def test_a_bad_model_folder_in_lipsync_sync_is_one_sentence(tmp_path):
    clip = write_video(tmp_path / "clip.mp4", [background(64, 64)] * 3)
    proc = lipsync("sync", str(clip), str(clip), "-o", str(tmp_path / "o.mp4"), "--renderer",
                   "musetalk", "--model", str(tmp_path))  # fmt: skip
    assert_one_sentence_error(proc, 3, "manifest.json", "lipsync models export musetalk")
