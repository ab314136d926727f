"""MuseTalk 1.5's parts in torch, read from the files its download script fetches (needs the
``musetalk`` extra: torch, diffusers, transformers).

MuseTalk (TMElyralab/MuseTalk, MIT; weights "available for any purpose, even commercially")
inpaints the lower half of a 256x256 face in one step in the latent space of Stable Diffusion's
autoencoder:

- ``models/musetalkV15/unet.pth`` + ``musetalk.json``: a diffusers ``UNet2DConditionModel``
  with 8 input channels (masked face latent + reference latent) and 4 out, cross-attending to
  the audio tokens (``cross_attention_dim`` = whisper's ``d_model``, 384 for tiny);
- ``models/sd-vae/``: ``sd-vae-ft-mse``, a diffusers ``AutoencoderKL`` (``config.json`` and
  ``diffusion_pytorch_model.bin`` or ``.safetensors``), 256x256x3 <-> 32x32x4;
- ``models/whisper/``: ``openai/whisper-tiny`` (``config.json``, ``pytorch_model.bin`` or
  ``model.safetensors``, ``preprocessor_config.json``); only its encoder is used.

Every file is read as weights only (``torch.load(weights_only=True)`` or safetensors) and must
fit its model exactly; anything else is one :class:`InputError` sentence naming the file.
"""

from __future__ import annotations

import json
import logging
import pickle
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from lipsync.core.errors import InputError
from lipsync.core.optional import require

torch = require("torch", "musetalk", "the MuseTalk model (exporting it to ONNX)")
diffusers = require("diffusers", "musetalk", "the MuseTalk model (exporting it to ONNX)")
transformers = require("transformers", "musetalk", "the MuseTalk model (exporting it to ONNX)")
nn = torch.nn

logger = logging.getLogger("lipsync")

UNET_IN = 8  # masked face latent (4) + reference latent (4)
LATENT_CHANNELS = 4
CROP = 256  # px, the face crop
LATENT_SIZE = 32  # CROP / the autoencoder's factor of 8
VAE_DOWNSAMPLE = CROP // LATENT_SIZE
AUDIO_TOKENS = 50  # 10 encoder states x 5 layers (whisper-tiny)
MEL_BANDS = 80
MEL_FRAMES = 3000
DOWNLOAD_HINT = "MuseTalk's download_weights.sh fetches it"


@dataclass(frozen=True)
class MuseTalkParts:
    """The loaded parts, in eval mode on the CPU, and what the export needs to know."""

    unet: Any
    vae: Any
    encoder: Any
    mel_filters: np.ndarray  # float32 (201, 80)
    scaling_factor: float
    layers: int  # encoder states per time step (embedding + blocks)
    d_model: int
    preprocessor: Mapping[str, Any]


class PositionalEncoding(nn.Module):
    """MuseTalk's sinusoidal encoding added to the audio tokens (token ``t``, channel ``2k``:
    ``sin(t / 10000^(2k/d))``, channel ``2k+1`` the cosine)."""

    def __init__(self, d_model: int, max_len: int = 5000) -> None:
        super().__init__()
        position = torch.arange(0, max_len, dtype=torch.float32).unsqueeze(1)
        div = torch.exp(torch.arange(0, d_model, 2).float() * (-np.log(10000.0) / d_model))
        pe = torch.zeros(max_len, d_model)
        pe[:, 0::2] = torch.sin(position * div)
        pe[:, 1::2] = torch.cos(position * div)
        self.register_buffer("pe", pe.unsqueeze(0))

    def forward(self, x):
        return x + self.pe[:, : x.shape[1]]


class UNetStep(nn.Module):
    """One denoising step at timestep 0: ``(latents (B, 8, 32, 32), audio (B, T, D))`` ->
    ``(B, 4, 32, 32)``; the positional encoding is added to the audio here."""

    def __init__(self, unet, d_model: int) -> None:
        super().__init__()
        self.unet = unet
        self.pe = PositionalEncoding(d_model)

    def forward(self, latents, audio):
        t = torch.zeros((), dtype=torch.long)
        return self.unet(latents, t, encoder_hidden_states=self.pe(audio)).sample


class VaeEncode(nn.Module):
    """``image (B, 3, 256, 256)`` RGB in [-1, 1] -> latent ``(B, 4, 32, 32)``, scaled: the
    posterior's mean (MuseTalk's inference draws a sample; its training used the mode)."""

    def __init__(self, vae, scaling_factor: float) -> None:
        super().__init__()
        self.vae = vae
        self.scaling_factor = scaling_factor

    def forward(self, image):
        return self.vae.encode(image).latent_dist.mean * self.scaling_factor


class VaeDecode(nn.Module):
    """Scaled latent ``(B, 4, 32, 32)`` -> image ``(B, 3, 256, 256)`` RGB, about [-1, 1]."""

    def __init__(self, vae, scaling_factor: float) -> None:
        super().__init__()
        self.vae = vae
        self.scaling_factor = scaling_factor

    def forward(self, latents):
        return self.vae.decode(latents / self.scaling_factor).sample


class WhisperStates(nn.Module):
    """Log-mel ``(B, 80, 3000)`` -> the hidden states of every encoder layer,
    ``(B, 1500, L, D)`` (``L`` = blocks + 1: the embedding output first, the last normalised)."""

    def __init__(self, encoder) -> None:
        super().__init__()
        self.encoder = encoder

    def forward(self, features):
        states = self.encoder(features, output_hidden_states=True).hidden_states
        return torch.stack(states, dim=2)


# --- reading files -----------------------------------------------------------------------------


def _first_line(e: BaseException) -> str:
    text = str(e).strip().splitlines()
    return text[0][:160] if text else type(e).__name__


def _existing(path: Path, what: str, option: str, folder: bool = False) -> Path:
    if not path.exists():
        raise InputError(f"The {what} '{path}' ({option}) does not exist: {DOWNLOAD_HINT}.")
    if folder and not path.is_dir():
        raise InputError(f"The {what} '{path}' ({option}) is not a folder: give the folder.")
    if not folder and not path.is_file():
        raise InputError(f"The {what} '{path}' ({option}) is not a file: give the file.")
    return path


def read_json(path: Path, what: str, option: str) -> dict[str, Any]:
    """A JSON object from ``path``; :class:`InputError` naming it otherwise."""
    _existing(path, what, option)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as e:
        raise InputError(
            f"The {what} '{path}' ({option}) is not readable JSON ({_first_line(e)}): "
            f"{DOWNLOAD_HINT}."
        ) from e
    if not isinstance(data, dict):
        raise InputError(f"The {what} '{path}' ({option}) is not a JSON object: {DOWNLOAD_HINT}.")
    return data


def read_weights(path: Path, what: str, option: str) -> dict[str, Any]:
    """A state dict from a ``.safetensors`` file or a ``torch.save`` file (weights only)."""
    _existing(path, what, option)
    with open(path, "rb") as f:
        head = f.read(2)
    if path.suffix != ".safetensors" and head != b"PK" and head[:1] != b"\x80":
        raise InputError(
            f"The {what} '{path}' ({option}) cannot be read as weights (it is neither a "
            "torch.save file nor safetensors): it is damaged or not a weights file, download "
            "it again."
        )
    try:
        if path.suffix == ".safetensors":
            from safetensors.torch import load_file

            state = load_file(str(path))
        else:
            state = torch.load(path, map_location="cpu", weights_only=True)
    except pickle.UnpicklingError as e:
        raise InputError(
            f"The {what} '{path}' ({option}) holds Python objects other than weights, which "
            "lipsync does not load (loading them could run code): give the file as published."
        ) from e
    except (RuntimeError, EOFError, OSError, ValueError, zipfile.BadZipFile) as e:
        raise InputError(
            f"The {what} '{path}' ({option}) cannot be read as weights ({_first_line(e)}): "
            "it is damaged or not a weights file, download it again."
        ) from e
    if isinstance(state, Mapping) and isinstance(state.get("state_dict"), Mapping):
        state = state["state_dict"]
    if (
        not isinstance(state, Mapping)
        or not state
        or not all(isinstance(k, str) and isinstance(v, torch.Tensor) for k, v in state.items())
    ):
        raise InputError(
            f"The {what} '{path}' ({option}) is not a state dict of weights: give the file "
            "as published."
        )
    return {k.removeprefix("module."): v for k, v in state.items()}


def fit_exactly(model, state: Mapping[str, Any], path: Path, what: str, hint: str) -> None:
    """Load ``state`` into ``model`` with strict keys and shapes; :class:`InputError` naming
    the first difference and ``hint`` (what to give instead) otherwise."""
    expected = model.state_dict()
    missing = [k for k in expected if k not in state]
    unknown = [k for k in state if k not in expected]
    if missing or unknown:
        parts = []
        if missing:
            parts.append(f"{len(missing)} weights missing (e.g. '{missing[0]}')")
        if unknown:
            parts.append(f"{len(unknown)} unknown (e.g. '{unknown[0]}')")
        raise InputError(f"The {what} '{path}' does not fit: {', '.join(parts)}; {hint}.")
    for key, tensor in expected.items():
        if tuple(state[key].shape) != tuple(tensor.shape):
            raise InputError(
                f"The {what} '{path}' does not fit: '{key}' has shape "
                f"{tuple(state[key].shape)}, expected {tuple(tensor.shape)}; {hint}."
            )
    model.load_state_dict(state, strict=True)


def _weights_in(folder: Path, names: tuple[str, ...], what: str, option: str) -> Path:
    for name in names:
        if (folder / name).is_file():
            return folder / name
    raise InputError(
        f"The {what} folder '{folder}' ({option}) holds none of {', '.join(names)}: "
        f"{DOWNLOAD_HINT}."
    )


# --- the three parts ---------------------------------------------------------------------------


def load_unet(weights: str | Path, config: str | Path) -> Any:
    """MuseTalk 1.5's UNet from ``unet.pth`` and ``musetalk.json``."""
    weights, config = Path(weights), Path(config)
    cfg = read_json(config, "UNet config", "--unet-config")
    _existing(weights, "UNet weights", "--unet")
    if weights.name == "pytorch_model.bin" and weights.parent.name != "musetalkV15":
        raise InputError(
            f"The UNet weights '{weights}' (--unet) look like MuseTalk 1.0 "
            "(models/musetalk/pytorch_model.bin): give MuseTalk 1.5's models/musetalkV15/unet.pth."
        )
    if cfg.get("in_channels") != UNET_IN or cfg.get("out_channels") != LATENT_CHANNELS:
        raise InputError(
            f"The UNet config '{config}' (--unet-config) has in_channels "
            f"{cfg.get('in_channels')} and out_channels {cfg.get('out_channels')}, MuseTalk's "
            f"UNet has {UNET_IN} and {LATENT_CHANNELS}: give models/musetalkV15/musetalk.json."
        )
    try:
        unet = diffusers.UNet2DConditionModel.from_config(cfg)
    except (TypeError, ValueError, KeyError) as e:
        raise InputError(
            f"The UNet config '{config}' (--unet-config) does not describe a "
            f"UNet2DConditionModel ({_first_line(e)}): give models/musetalkV15/musetalk.json."
        ) from e
    state = read_weights(weights, "UNet weights", "--unet")
    fit_exactly(unet, state, weights, "UNet weights (--unet)",
                "give models/musetalkV15/unet.pth with the musetalk.json beside it")  # fmt: skip
    return unet.eval()


def load_vae(folder: str | Path) -> tuple[Any, float]:
    """``sd-vae-ft-mse`` from its folder, and its latent scaling factor."""
    folder = _existing(Path(folder), "VAE folder", "--vae", folder=True)
    cfg = read_json(folder / "config.json", "VAE config", "--vae")
    blocks = cfg.get("block_out_channels") or []
    if cfg.get("latent_channels") != LATENT_CHANNELS or 2 ** (len(blocks) - 1) != VAE_DOWNSAMPLE:
        raise InputError(
            f"The VAE in '{folder}' (--vae) has {cfg.get('latent_channels')} latent channels "
            f"and {len(blocks)} blocks, MuseTalk needs {LATENT_CHANNELS} channels at 1/8 "
            "size: give stabilityai/sd-vae-ft-mse (models/sd-vae)."
        )
    try:
        vae = diffusers.AutoencoderKL.from_config(cfg)
    except (TypeError, ValueError, KeyError) as e:
        raise InputError(
            f"The VAE config in '{folder}' (--vae) does not describe an AutoencoderKL "
            f"({_first_line(e)}): give stabilityai/sd-vae-ft-mse (models/sd-vae)."
        ) from e
    path = _weights_in(folder, ("diffusion_pytorch_model.safetensors",
                                "diffusion_pytorch_model.bin"), "VAE", "--vae")  # fmt: skip
    fit_exactly(vae, read_weights(path, "VAE weights", "--vae"), path, "VAE weights (--vae)",
                "give stabilityai/sd-vae-ft-mse (models/sd-vae)")  # fmt: skip
    return vae.eval(), float(vae.config.scaling_factor)


def load_whisper(folder: str | Path) -> tuple[Any, dict[str, Any], np.ndarray]:
    """whisper-tiny's encoder, its preprocessor config and mel filter bank ``(201, 80)``."""
    folder = _existing(Path(folder), "Whisper folder", "--whisper", folder=True)
    cfg = read_json(folder / "config.json", "Whisper config", "--whisper")
    pre = read_json(folder / "preprocessor_config.json", "Whisper preprocessor config",
                    "--whisper")  # fmt: skip
    if cfg.get("model_type") != "whisper" or cfg.get("num_mel_bins", MEL_BANDS) != MEL_BANDS:
        raise InputError(
            f"The model in '{folder}' (--whisper) is not an 80-band Whisper model "
            f"(model_type {cfg.get('model_type')!r}): give openai/whisper-tiny (models/whisper)."
        )
    try:
        config = transformers.WhisperConfig(**cfg)
        extractor = transformers.WhisperFeatureExtractor(**pre)
    except (TypeError, ValueError, KeyError) as e:
        raise InputError(
            f"The Whisper configs in '{folder}' (--whisper) cannot be read ({_first_line(e)}): "
            "give openai/whisper-tiny (models/whisper)."
        ) from e
    if (extractor.n_fft, extractor.hop_length, extractor.n_samples) != (400, 160, 480000):
        raise InputError(
            f"The Whisper preprocessor in '{folder}' (--whisper) is not Whisper's 30 s, 10 ms "
            "log-mel: give openai/whisper-tiny (models/whisper)."
        )
    encoder = transformers.models.whisper.modeling_whisper.WhisperEncoder(config)
    path = _weights_in(folder, ("model.safetensors", "pytorch_model.bin"), "Whisper",
                       "--whisper")  # fmt: skip
    state = read_weights(path, "Whisper weights", "--whisper")
    prefix = next((p for p in ("model.encoder.", "encoder.") if any(k.startswith(p)
                   for k in state)), "")  # fmt: skip
    encoder_state = {k[len(prefix) :]: v for k, v in state.items() if k.startswith(prefix)}
    # the sinusoidal position table is fixed; some exports leave it out
    if "embed_positions.weight" not in encoder_state:
        encoder_state["embed_positions.weight"] = encoder.state_dict()["embed_positions.weight"]
    fit_exactly(encoder, encoder_state, path, "Whisper weights (--whisper)",
                "give openai/whisper-tiny (models/whisper)")  # fmt: skip
    filters = np.asarray(extractor.mel_filters, np.float32)
    return encoder.eval(), dict(pre), filters


def load_musetalk(
    unet: str | Path, unet_config: str | Path, vae: str | Path, whisper: str | Path
) -> MuseTalkParts:
    """All parts, checked to belong together (the UNet attends to the encoder's width)."""
    unet_model = load_unet(unet, unet_config)
    vae_model, scaling = load_vae(vae)
    encoder, pre, filters = load_whisper(whisper)
    d_model = int(encoder.config.d_model)
    cross = unet_model.config.cross_attention_dim
    if cross != d_model:
        raise InputError(
            f"The UNet '{unet}' attends to {cross}-wide audio tokens but the Whisper model in "
            f"'{whisper}' gives {d_model}: give the whisper-tiny MuseTalk was trained with."
        )
    layers = int(encoder.config.encoder_layers) + 1
    logger.debug("MuseTalk parts loaded: whisper %d layers x %d, VAE scale %g", layers,
                 d_model, scaling)  # fmt: skip
    return MuseTalkParts(unet_model, vae_model, encoder, filters, scaling, layers, d_model, pre)
