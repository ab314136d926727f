"""Speech synthesis with Coqui TTS (the ``tts`` extra, package ``coqui-tts``): a model folder
holding ``config.json`` and its weights. XTTS models clone each speaker's voice from their own
original speech (the reference the pipeline cuts from the video); multi-speaker models use the
speaker named in the voice map (``--voice S1=coqui:NAME``).

Coqui gives no phoneme timing: the lip sync then analyses the synthesised audio itself.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from lipsync.core.errors import InputError, ProcessingError
from lipsync.core.optional import require
from lipsync.core.pipeline.voices import Voice
from lipsync.core.speech.track import SpeechAudio

CONFIG_NAME = "config.json"
# The checkpoint names Coqui's own model manager looks for in a model folder.
CHECKPOINT_NAMES = ("model_file.pth", "model_file.pth.tar", "model.pth", "checkpoint.pth")


def find_config(model: str | None) -> tuple[Path, Path]:
    """(model folder, its config.json) or :class:`InputError` saying what to give."""
    if not model:
        raise InputError(
            "--tts coqui needs --tts-model: a folder with a Coqui model's config.json and weights."
        )
    folder = Path(model).expanduser()
    config = folder / CONFIG_NAME
    if not folder.is_dir() or not config.is_file():
        raise InputError(
            f"The Coqui model folder '{model}' has no {CONFIG_NAME}: give the folder a Coqui "
            "model was saved or downloaded to."
        )
    return folder, config


def find_checkpoint(folder: Path) -> Path:
    """The folder's checkpoint file, found as Coqui's model manager finds it (a usual name, or
    the only ``*.pt*`` file); the folder itself when there is none (models such as Bark and
    Tortoise load themselves from their folder, but VITS and the like need the file)."""
    named = [folder / name for name in CHECKPOINT_NAMES if (folder / name).is_file()]
    if named:
        return named[0]
    found = sorted(folder.rglob("*.pt*"))
    return found[0] if len(found) == 1 else folder


def brief(error: Exception, limit: int = 200) -> str:
    """The first two lines of ``error`` on one line (PyTorch lists every mismatched weight)."""
    text = " ".join(line.strip() for line in str(error).splitlines()[:2] if line.strip())
    return text if len(text) <= limit else text[: limit - 1] + "…"


class CoquiSynthesizer:
    """``synthesize(text, lang, voice, rate_factor, reference)`` -> :class:`SpeechAudio` (no
    events)."""

    name = "coqui"

    def __init__(self, model: str | None, device: str = "cpu") -> None:
        folder, config = find_config(model)
        api = require("TTS.api", "tts", "Coqui speech synthesis")
        try:
            self.tts = api.TTS(
                model_path=str(find_checkpoint(folder)), config_path=str(config), progress_bar=False
            ).to(device)
        except (OSError, ValueError, KeyError, RuntimeError, TypeError) as e:
            raise InputError(
                f"The Coqui model in '{folder}' could not be loaded ({brief(e)}): check that its "
                "config.json and weights belong together."
            ) from e
        self.folder = folder
        self.is_xtts = "xtts" in type(self.tts.synthesizer.tts_model).__name__.lower()
        self.can_change_rate = self.is_xtts  # XTTS takes a speed; other models do not
        self.sample_rate = int(self.tts.synthesizer.output_sample_rate)
        self._mtime = config.stat().st_mtime_ns

    def key(self) -> list[object]:
        return [self.name, str(self.folder.resolve()), self._mtime]

    def synthesize(
        self,
        text: str,
        lang: str,
        voice: Voice,
        rate_factor: float = 1.0,
        reference: Path | None = None,
    ) -> SpeechAudio:
        kwargs: dict[str, object] = {}
        if self.tts.is_multi_lingual:
            kwargs["language"] = lang
        if self.is_xtts:
            if reference is None and voice.speaker is None:
                raise InputError("XTTS needs the speaker's reference audio or a speaker name.")
            kwargs["speed"] = float(rate_factor)
        if voice.speaker is not None:
            kwargs["speaker"] = voice.speaker
        elif reference is not None and (self.is_xtts or self.tts.is_multi_speaker):
            kwargs["speaker_wav"] = str(reference)
        try:
            wav = self.tts.tts(text=text, **kwargs)
        except (RuntimeError, ValueError, KeyError) as e:
            raise ProcessingError(f"Coqui TTS failed to synthesise '{text[:40]}' ({e}).") from e
        samples = np.asarray(wav, dtype=np.float32).reshape(-1)
        return SpeechAudio(samples, self.sample_rate, None)
