"""The Coqui TTS backend through Coqui's real loading and synthesis code, on a tiny VITS built
here from coqui-tts's own config classes with random weights (nothing downloaded; characters,
no phonemizer). XTTS voice cloning is not covered: no tiny XTTS can be built this way."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from lipsync.core.errors import InputError

pytest.importorskip(
    "TTS.api",
    reason="coqui-tts is not importable (it also needs torchaudio and, from torch 2.9, torchcodec)",
    exc_type=ImportError,
)

SAMPLE_RATE = 16000


pytestmark = pytest.mark.slow  # torch; run by `make test`, skipped by -m 'not slow'


def tiny_vits_config(hidden: int = 8):
    from TTS.tts.configs.shared_configs import CharactersConfig
    from TTS.tts.configs.vits_config import VitsArgs, VitsConfig

    args = VitsArgs(
        hidden_channels=hidden,
        hidden_channels_ffn_text_encoder=16,
        num_heads_text_encoder=2,
        num_layers_text_encoder=1,
        num_layers_flow=1,
        num_layers_posterior_encoder=1,
        resblock_type_decoder="2",
        resblock_kernel_sizes_decoder=[3],
        resblock_dilation_sizes_decoder=[[1, 3]],
        upsample_rates_decoder=[8, 8, 4],
        upsample_kernel_sizes_decoder=[16, 16, 8],
        upsample_initial_channel_decoder=16,
        use_sdp=False,
        init_discriminator=False,
    )  # fmt: skip  (the decoder's upsampling, 8*8*4, is the default hop length 256)
    characters = CharactersConfig(
        characters_class="TTS.tts.models.vits.VitsCharacters", pad="_", eos="", bos="",
        blank=None, characters="abcdefghijklmnopqrstuvwxyz", punctuations=" .,!?'-",
        phonemes=None,
    )  # fmt: skip
    config = VitsConfig(model_args=args, use_phonemes=False, text_cleaner="basic_cleaners",
                        characters=characters)  # fmt: skip
    config.audio.sample_rate = SAMPLE_RATE
    return config


@pytest.fixture(scope="module")
def vits_folder(tmp_path_factory) -> Path:
    """A model folder as Coqui saves one: config.json and model.pth ({"model": state dict})."""
    import torch
    from TTS.tts.models.vits import Vits

    config = tiny_vits_config()
    torch.manual_seed(0)
    model = Vits(config)
    folder = tmp_path_factory.mktemp("vits")
    config.save_json(str(folder / "config.json"))
    torch.save({"model": model.state_dict()}, folder / "model.pth")
    return folder


def test_coqui_synthesises_with_a_real_model(vits_folder):
    from lipsync.core.pipeline.tts_coqui import CoquiSynthesizer
    from lipsync.core.pipeline.voices import Voice

    synth = CoquiSynthesizer(str(vits_folder))
    assert synth.sample_rate == SAMPLE_RATE
    assert not synth.is_xtts and not synth.can_change_rate
    take = synth.synthesize("hello there, how are you today?", "en", Voice())
    assert take.samples.dtype == np.float32 and take.samples.ndim == 1
    assert take.sample_rate == SAMPLE_RATE and take.events is None
    assert take.duration > 0.2 and np.all(np.isfinite(take.samples))
    assert np.abs(take.samples).max() > 0
    longer = synth.synthesize("hello there, how are you today? we talk about the stars.",
                              "en", Voice())  # fmt: skip
    assert longer.duration > take.duration

    assert synth.key() == synth.key() == CoquiSynthesizer(str(vits_folder)).key()
    assert synth.key()[:2] == ["coqui", str(vits_folder.resolve())]


def test_coqui_weights_that_do_not_match_the_config_are_an_input_error(vits_folder, tmp_path):
    from lipsync.core.pipeline.tts_coqui import CoquiSynthesizer

    tiny_vits_config(hidden=12).save_json(str(tmp_path / "config.json"))
    (tmp_path / "model.pth").write_bytes((vits_folder / "model.pth").read_bytes())
    with pytest.raises(InputError, match=r"could not be loaded .*belong together\.$"):
        CoquiSynthesizer(str(tmp_path))


def test_coqui_folder_without_weights_is_an_input_error(vits_folder, tmp_path):
    from lipsync.core.pipeline.tts_coqui import CoquiSynthesizer

    config = json.loads((vits_folder / "config.json").read_text(encoding="utf-8"))
    (tmp_path / "config.json").write_text(json.dumps(config), encoding="utf-8")
    with pytest.raises(InputError, match="could not be loaded"):
        CoquiSynthesizer(str(tmp_path))
