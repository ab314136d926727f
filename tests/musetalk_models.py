"""Tiny random-weight MuseTalk models built from the real classes (diffusers'
``UNet2DConditionModel`` and ``AutoencoderKL``, transformers' Whisper), saved in the layout
MuseTalk's ``download_weights.sh`` produces:

    models/musetalkV15/unet.pth, musetalk.json
    models/sd-vae/config.json, diffusion_pytorch_model.bin
    models/whisper/config.json, pytorch_model.bin, preprocessor_config.json
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path

D_MODEL = 64  # whisper width (tiny: 384); the UNet's cross-attention width matches it
ENCODER_LAYERS = 2  # -> 3 hidden states per time step (tiny: 4 -> 5)

UNET_CONFIG = {
    "_class_name": "UNet2DConditionModel",
    "_diffusers_version": "0.6.0.dev0",
    "act_fn": "silu",
    "attention_head_dim": 2,
    "block_out_channels": [32, 64],
    "center_input_sample": False,
    "cross_attention_dim": D_MODEL,
    "down_block_types": ["CrossAttnDownBlock2D", "DownBlock2D"],
    "downsample_padding": 1,
    "flip_sin_to_cos": True,
    "freq_shift": 0,
    "in_channels": 8,
    "layers_per_block": 1,
    "mid_block_scale_factor": 1,
    "norm_eps": 1e-05,
    "norm_num_groups": 8,
    "out_channels": 4,
    "sample_size": 32,
    "up_block_types": ["UpBlock2D", "CrossAttnUpBlock2D"],
}
VAE_CONFIG = {
    "_class_name": "AutoencoderKL",
    "act_fn": "silu",
    "block_out_channels": [8, 8, 16, 16],
    "down_block_types": ["DownEncoderBlock2D"] * 4,
    "up_block_types": ["UpDecoderBlock2D"] * 4,
    "in_channels": 3,
    "out_channels": 3,
    "latent_channels": 4,
    "layers_per_block": 1,
    "norm_num_groups": 4,
    "sample_size": 256,
}


@dataclass(frozen=True)
class MuseTalkFiles:
    """Paths of one tiny model in MuseTalk's layout."""

    root: Path
    unet: Path
    unet_config: Path
    vae: Path
    whisper: Path


def whisper_config():
    from transformers import WhisperConfig

    return WhisperConfig(
        d_model=D_MODEL, encoder_layers=ENCODER_LAYERS, decoder_layers=1,
        encoder_attention_heads=2, decoder_attention_heads=2, encoder_ffn_dim=64,
        decoder_ffn_dim=64, vocab_size=100, pad_token_id=0, bos_token_id=1, eos_token_id=2,
        decoder_start_token_id=1, max_source_positions=1500, max_target_positions=32,
        num_mel_bins=80,
    )  # fmt: skip


def build_musetalk_files(root: Path, seed: int = 0) -> MuseTalkFiles:
    """Write a tiny MuseTalk with seeded random weights under ``root/models``."""
    import torch
    from diffusers import AutoencoderKL, UNet2DConditionModel
    from transformers import WhisperFeatureExtractor, WhisperForConditionalGeneration

    models = root / "models"
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        unet = UNet2DConditionModel.from_config(UNET_CONFIG)
        vae = AutoencoderKL.from_config(VAE_CONFIG)
        whisper = WhisperForConditionalGeneration(whisper_config())
        with torch.no_grad():  # zero-initialised output layers would hide mistakes
            for p in unet.parameters():
                if not p.abs().sum():
                    p.normal_(0.0, 0.05)
    v15 = models / "musetalkV15"
    v15.mkdir(parents=True)
    torch.save(unet.state_dict(), v15 / "unet.pth")
    (v15 / "musetalk.json").write_text(json.dumps(UNET_CONFIG, indent=2))
    sd = models / "sd-vae"
    sd.mkdir()
    torch.save(vae.state_dict(), sd / "diffusion_pytorch_model.bin")
    (sd / "config.json").write_text(json.dumps(dict(vae.config), indent=2))
    wd = models / "whisper"
    wd.mkdir()
    torch.save(whisper.state_dict(), wd / "pytorch_model.bin")
    whisper.config.to_json_file(wd / "config.json")
    WhisperFeatureExtractor(feature_size=80).to_json_file(wd / "preprocessor_config.json")
    return MuseTalkFiles(root, v15 / "unet.pth", v15 / "musetalk.json", sd, wd)


def _torch_module():
    import torch

    return torch.nn.Module


class MuseTalkPositionalEncoding(_torch_module()):
    """A transcription of musetalk/models/unet.py's PositionalEncoding."""

    def __init__(self, d_model=384, max_len=5000):
        import torch

        super().__init__()
        pe = torch.zeros(max_len, d_model)
        position = torch.arange(0, max_len, dtype=torch.float).unsqueeze(1)
        div_term = torch.exp(torch.arange(0, d_model, 2).float() * (-math.log(10000.0) / d_model))
        pe[:, 0::2] = torch.sin(position * div_term)
        pe[:, 1::2] = torch.cos(position * div_term)
        self.register_buffer("pe", pe.unsqueeze(0))

    def forward(self, x):
        _b, seq_len, _d_model = x.size()
        return x + self.pe[:, :seq_len, :]


@dataclass(frozen=True)
class ExportedMuseTalk:
    """A tiny MuseTalk's source files and its export folder."""

    files: MuseTalkFiles
    folder: Path


_EXPORTED: list[ExportedMuseTalk] = []


def exported_musetalk() -> ExportedMuseTalk:
    """One tiny MuseTalk built and exported per test process (shared by the test modules;
    removed when the process ends)."""
    if not _EXPORTED:
        import atexit
        import shutil
        import tempfile

        from lipsync.core.models.musetalk_export import export_musetalk

        root = Path(tempfile.mkdtemp(prefix="lipsync-musetalk-"))
        atexit.register(shutil.rmtree, root, True)
        files = build_musetalk_files(root)
        export_musetalk(files.unet, files.unet_config, files.vae, files.whisper, root / "export")
        _EXPORTED.append(ExportedMuseTalk(files, root / "export"))
    return _EXPORTED[0]
