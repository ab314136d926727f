"""MuseTalk 1.5 export: tiny random-weight models built from the real classes and saved in
MuseTalk's download layout are exported, loaded and compared with torch; the audio features
are compared with a transcription of MuseTalk's published steps
(``musetalk/utils/audio_processor.py``, ``musetalk/models/unet.py``); wrong files give one
sentence."""

from __future__ import annotations

import json
import math
import shutil

import numpy as np
import pytest
from clitools import assert_one_sentence_error, lipsync

torch = pytest.importorskip("torch")
pytest.importorskip("diffusers")
pytest.importorskip("transformers")

from musetalk_models import (  # noqa: E402
    MuseTalkPositionalEncoding,
    build_musetalk_files,
    exported_musetalk,
)

from lipsync.core.errors import InputError  # noqa: E402
from lipsync.core.models.musetalk_audio import AudioFeatures  # noqa: E402
from lipsync.core.models.musetalk_session import open_musetalk  # noqa: E402
from lipsync.core.models.registry import file_sha256  # noqa: E402

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def exported():
    return exported_musetalk()


@pytest.fixture(scope="module")
def session(exported):
    return open_musetalk(exported.folder)


@pytest.fixture(scope="module")
def parts(exported):
    from lipsync.core.models.musetalk import load_musetalk

    f = exported.files
    return load_musetalk(f.unet, f.unet_config, f.vae, f.whisper)


# --- a transcription of MuseTalk 1.5's published inference steps ---------------------------------


def musetalk_whisper_chunks(wav, whisper_dir, fps=25, left=2, right=2):
    """AudioProcessor.get_audio_feature + get_whisper_chunk: (T, 10 * layers, D)."""
    from transformers import AutoFeatureExtractor, WhisperModel

    extractor = AutoFeatureExtractor.from_pretrained(str(whisper_dir))
    whisper = WhisperModel.from_pretrained(str(whisper_dir)).eval()
    sr = 16000
    segment_length = 30 * sr
    segments = [wav[i : i + segment_length] for i in range(0, len(wav), segment_length)]
    features = [
        extractor(s, return_tensors="pt", sampling_rate=sr).input_features for s in segments
    ]
    per_frame = 2 * (left + right + 1)
    with torch.no_grad():
        states = [
            torch.stack(whisper.encoder(f, output_hidden_states=True).hidden_states, dim=2)
            for f in features
        ]
    feature = torch.cat(states, dim=1)
    multiplier = 50 / int(fps)
    num_frames = math.floor(len(wav) / sr) * int(fps)
    actual_length = math.floor(len(wav) / sr) * 50
    feature = feature[:, :actual_length]
    pad = math.floor(multiplier)
    feature = torch.cat(
        [
            torch.zeros_like(feature[:, : pad * left]),
            feature,
            torch.zeros_like(feature[:, : pad * 3 * right]),
        ],
        1,
    )
    prompts = []
    for i in range(num_frames):
        index = math.floor(i * multiplier)
        clip = feature[:, index : index + per_frame]
        assert clip.shape[1] == per_frame
        prompts.append(clip)
    prompts = torch.cat(prompts, dim=0)  # T, 10, layers, D
    return prompts.reshape(prompts.shape[0], -1, prompts.shape[-1]).numpy()


def speech_signal(seconds: float, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    t = np.arange(int(16000 * seconds)) / 16000
    voiced = np.sin(2 * np.pi * 140 * t) + 0.4 * np.sin(2 * np.pi * 420 * t)
    gate = np.sin(2 * np.pi * 1.5 * t) > -0.2
    return (0.25 * voiced * gate + 0.01 * rng.normal(size=t.shape)).astype(np.float32)


# --- tests ---------------------------------------------------------------------------------------


def test_export_writes_four_checked_graphs_and_a_manifest(exported, session):
    folder = exported.folder
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["format"] == "lipsync-musetalk/1" and manifest["model"] == "MuseTalk 1.5"
    assert set(manifest["versions"]) >= {"lipsync", "torch", "diffusers", "transformers"}
    assert manifest["sources"]["unet"] == file_sha256(exported.files.unet)
    assert set(manifest["parts"]) == {"whisper_encoder", "vae_encoder", "unet", "vae_decoder"}
    for name, entry in manifest["parts"].items():
        assert entry["max_difference"] <= 1e-3, name
        for filename, info in entry["files"].items():
            assert file_sha256(folder / filename) == info["sha256"]
    assert manifest["audio"]["layers"] == 3 and manifest["audio"]["d_model"] == 64
    assert session.provider == "CPUExecutionProvider" and session.layers == 3
    assert session.mel_filters.shape == (201, 80)
    assert sorted(p.name for p in folder.iterdir()) == [
        "manifest.json", "mel_filters.npy", "unet.fp16.onnx", "unet.onnx",
        "vae_decoder.fp16.onnx", "vae_decoder.onnx", "vae_encoder.fp16.onnx",
        "vae_encoder.onnx", "whisper_encoder.onnx",
    ]  # fmt: skip
    assert "fp16" not in manifest["parts"]["whisper_encoder"]
    for name in ("vae_encoder", "unet", "vae_decoder"):
        assert manifest["parts"][name]["fp16"]["max_difference"] <= 5e-2


def test_half_precision_copies_run_close_to_float32(exported, session):
    half = open_musetalk(exported.folder, fp16=True)
    assert half.precision == "float16" and session.precision == "float32"
    rng = np.random.default_rng(5)
    latents = rng.normal(size=(2, 8, 32, 32)).astype(np.float32)
    audio = rng.normal(scale=0.5, size=(2, 30, 64)).astype(np.float32)
    a, b = half.unet(latents, audio), session.unet(latents, audio)
    assert a.dtype == np.float32 and 0 < np.abs(a - b).max() <= 5e-2 * np.abs(b).max()
    image = rng.uniform(-1, 1, (1, 3, 256, 256)).astype(np.float32)
    a, b = half.decode(half.encode_image(image)), session.decode(session.encode_image(image))
    assert np.abs(a - b).max() <= 5e-2 * np.abs(b).max()


def test_onnx_matches_torch_on_fresh_input(session, parts):
    from lipsync.core.models.musetalk_export import _modules, random_inputs

    modules = _modules(parts)
    runs = {
        "whisper_encoder": session.encode_audio,
        "vae_encoder": session.encode_image,
        "unet": session.unet,
        "vae_decoder": session.decode,
    }
    for name, run in runs.items():
        arrays = random_inputs(name, 3, parts.layers, parts.d_model, seed=11)
        with torch.no_grad():
            expected = modules[name](*(torch.from_numpy(a) for a in arrays)).numpy()
        got = run(*arrays)
        assert got.shape == expected.shape
        assert np.abs(got - expected).max() <= 1e-3 * max(1.0, np.abs(expected).max()), name


def test_audio_windows_match_musetalks_steps_across_segments(exported, session):
    wav = speech_signal(31.0)  # two 30 s segments, whole seconds (MuseTalk drops a partial one)
    expected = musetalk_whisper_chunks(wav, exported.files.whisper, fps=25)
    features = AudioFeatures(wav, session.encode_audio, session.mel_filters)
    got = np.stack([features.window(i, 25.0) for i in range(expected.shape[0])])
    assert got.shape == expected.shape == (31 * 25, 30, 64)
    scale = np.abs(expected).max()
    assert np.abs(got - expected).max() <= 2e-3 * scale
    # the frames around the segment boundary (30 s) mix both segments
    assert np.abs(got[748:752]).sum() > 0


def test_unet_step_matches_musetalks_call(exported, session):
    from diffusers import UNet2DConditionModel

    config = json.loads(exported.files.unet_config.read_text())
    unet = UNet2DConditionModel(**{k: v for k, v in config.items() if not k.startswith("_")})
    unet.load_state_dict(torch.load(exported.files.unet, map_location="cpu"))
    unet.eval()
    pe = MuseTalkPositionalEncoding(d_model=64)
    rng = np.random.default_rng(3)
    latents = rng.normal(size=(2, 8, 32, 32)).astype(np.float32)
    audio = rng.normal(scale=0.5, size=(2, 30, 64)).astype(np.float32)
    timesteps = torch.tensor([0])
    with torch.no_grad():
        expected = unet(
            torch.from_numpy(latents), timesteps, encoder_hidden_states=pe(torch.from_numpy(audio))
        ).sample.numpy()
    got = session.unet(latents, audio)
    assert np.abs(got - expected).max() <= 1e-3 * max(1.0, np.abs(expected).max())


def test_cli_export_prints_each_part(tmp_path):
    files = build_musetalk_files(tmp_path, seed=4)
    out = tmp_path / "musetalk"
    proc = lipsync("models", "export", "musetalk", "--unet", str(files.unet), "--unet-config",
                   str(files.unet_config), "--vae", str(files.vae), "--whisper",
                   str(files.whisper), "-o", str(out), "--no-fp16")  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert not list(out.glob("*.fp16.onnx"))
    for name in ("whisper_encoder", "vae_encoder", "unet", "vae_decoder"):
        assert name in proc.stdout and (out / f"{name}.onnx").is_file()
    assert f"wrote {out}" in proc.stdout
    again = lipsync("models", "export", "musetalk", "--unet", str(files.unet), "--unet-config",
                    str(files.unet_config), "--vae", str(files.vae), "--whisper",
                    str(files.whisper), "-o", str(out))  # fmt: skip
    assert_one_sentence_error(again, 3, str(out), "already exists")
    missing = lipsync("models", "export", "musetalk", "--unet", str(files.unet), "-o", "x")
    assert missing.returncode == 2 and "--vae" in missing.stderr


# --- wrong files ----------------------------------------------------------------------------------


def _copy_layout(src, dst):
    shutil.copytree(src.root / "models", dst / "models")
    return build_paths(dst)


def build_paths(root):
    from musetalk_models import MuseTalkFiles

    m = root / "models"
    return MuseTalkFiles(root, m / "musetalkV15" / "unet.pth", m / "musetalkV15" / "musetalk.json",
                         m / "sd-vae", m / "whisper")  # fmt: skip


def _edit_json(path, **changes):
    data = json.loads(path.read_text())
    data.update(changes)
    path.write_text(json.dumps(data))


class Evil:
    def __reduce__(self):
        return (print, ("ran code",))


def _musetalk_v1(f):
    v1 = f.root / "models" / "musetalk"
    v1.mkdir()
    shutil.copy(f.unet, v1 / "pytorch_model.bin")
    shutil.copy(f.unet_config, v1 / "musetalk.json")
    return {"unet": v1 / "pytorch_model.bin", "unet_config": v1 / "musetalk.json"}


def _vae_other_shape(f):
    _edit_json(f.vae / "config.json", block_out_channels=[8, 8, 16, 32])
    return {}


def _vae_three_blocks(f):
    _edit_json(f.vae / "config.json", block_out_channels=[8, 16, 16],
               down_block_types=["DownEncoderBlock2D"] * 3,
               up_block_types=["UpDecoderBlock2D"] * 3)  # fmt: skip
    return {}


def _sd_unet_config(f):
    _edit_json(f.unet_config, in_channels=4)
    return {}


def _unet_garbage(f):
    f.unet.write_bytes(b"not a checkpoint at all" * 10)
    return {}


def _unet_with_code(f):
    torch.save({"weights": Evil()}, f.unet)
    return {}


def _whisper_as_vae(f):
    return {"vae": f.whisper}


def _whisper_other_width(f):
    _edit_json(f.whisper / "config.json", d_model=32)
    return {}


def _no_preprocessor(f):
    (f.whisper / "preprocessor_config.json").unlink()
    return {}


def _vae_weights_for_unet(f):
    return {"unet": f.vae / "diffusion_pytorch_model.bin"}


BAD = [
    (_musetalk_v1, ["MuseTalk 1.0", "musetalkV15/unet.pth"]),
    (_vae_other_shape, ["VAE weights", "does not fit", "sd-vae-ft-mse"]),
    (_vae_three_blocks, ["1/8", "sd-vae-ft-mse"]),
    (_sd_unet_config, ["in_channels 4", "musetalk.json"]),
    (_unet_garbage, ["cannot be read as weights", "--unet"]),
    (_unet_with_code, ["other than weights", "could run code"]),
    (_whisper_as_vae, ["--vae", "sd-vae-ft-mse"]),
    (_whisper_other_width, ["Whisper weights", "does not fit"]),
    (_no_preprocessor, ["preprocessor_config.json", "does not exist"]),
    (_vae_weights_for_unet, ["UNet weights", "does not fit", "unet.pth"]),
]


@pytest.mark.parametrize(("damage", "words"), BAD, ids=[d.__name__.strip("_") for d, _ in BAD])
def test_wrong_files_give_one_sentence(tmp_path, exported, damage, words):
    from lipsync.core.models.musetalk import load_musetalk

    f = _copy_layout(exported.files, tmp_path)
    paths = {"unet": f.unet, "unet_config": f.unet_config, "vae": f.vae, "whisper": f.whisper}
    paths.update(damage(f))
    with pytest.raises(InputError) as err:
        load_musetalk(**paths)
    message = str(err.value)
    assert "\n" not in message and message.endswith(".")
    for word in words:
        assert word in message


def test_a_wrong_file_through_the_cli_is_one_sentence_and_writes_nothing(tmp_path, exported):
    f = _copy_layout(exported.files, tmp_path)
    v1 = _musetalk_v1(f)
    out = tmp_path / "musetalk"
    proc = lipsync("models", "export", "musetalk", "--unet", str(v1["unet"]), "--unet-config",
                   str(f.unet_config), "--vae", str(f.vae), "--whisper", str(f.whisper),
                   "-o", str(out))  # fmt: skip
    assert_one_sentence_error(proc, 3, "MuseTalk 1.0")
    assert not out.exists()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".musetalk")]
