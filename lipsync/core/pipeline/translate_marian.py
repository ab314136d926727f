"""Machine translation with MarianMT (the ``translate`` extra: transformers + sentencepiece):
a model folder saved with ``save_pretrained`` (or a Hugging Face model name, fetched to its
cache on first use), translated in batches."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from lipsync.core.errors import InputError, ProcessingError
from lipsync.core.optional import require
from lipsync.core.progress import CountCallback

BATCH_SIZE = 8  # lines per generate() call
MAX_TOKENS_PER_INPUT_TOKEN = 3  # generation stops at this many output tokens per input token
MIN_NEW_TOKENS = 16

MODEL_FILES = ("config.json", "source.spm")  # what a saved MarianMT folder holds at least


class MarianTranslator:
    """``translate(texts)`` -> the same number of translated texts."""

    name = "marian"

    def __init__(self, model: str | None, batch_size: int = BATCH_SIZE, beams: int = 1) -> None:
        transformers = require("transformers", "translate", "Marian translation")
        require("sentencepiece", "translate", "Marian translation")
        self.torch = require("torch", "translate", "Marian translation")
        if not model:
            raise InputError(
                "--mt marian needs --mt-model: a folder with a MarianMT model and tokenizer "
                "(e.g. Helsinki-NLP/opus-mt-en-es saved locally)."
            )
        path = Path(model).expanduser()
        if path.exists() and not path.is_dir():
            raise InputError(
                f"The Marian model '{model}' is a file: give --mt-model the folder saved with "
                "save_pretrained that holds the model and its tokenizer."
            )
        missing = [n for n in MODEL_FILES if path.is_dir() and not (path / n).is_file()]
        if missing:
            raise InputError(
                f"The Marian model folder '{model}' could not be loaded: it has no "
                f"{' and no '.join(missing)}; give "
                "--mt-model the folder saved with save_pretrained that holds the model and its "
                "tokenizer."
            )
        source = str(path) if path.is_dir() else model
        try:  # offline: a folder, or a model already in the Hugging Face cache; never a download
            self.tokenizer = transformers.MarianTokenizer.from_pretrained(
                source, local_files_only=True
            )
            self.model = transformers.MarianMTModel.from_pretrained(source, local_files_only=True)
        except (OSError, ValueError, TypeError) as e:  # TypeError: files missing
            if not path.is_dir():
                raise InputError(
                    f"The Marian model '{model}' is not a folder and not in the Hugging Face "
                    "cache, and lipsync downloads nothing: fetch it once where you are online "
                    f"(huggingface-cli download {model} --local-dir FOLDER) and give --mt-model "
                    "that folder."
                ) from e
            raise InputError(
                f"The Marian model '{model}' could not be loaded ({_first_line(e)}): give a "
                "folder saved with save_pretrained that holds the model and its tokenizer."
            ) from e
        self.model.eval()
        # the decoder cannot look past its position table
        self.max_length = int(getattr(self.model.config, "max_position_embeddings", 512)) - 1
        self.batch_size = max(1, int(batch_size))
        self.beams = max(1, int(beams))
        self.model_id = str(path.resolve()) if path.is_dir() else model

    def key(self) -> list[object]:
        return [self.name, self.model_id, self.beams]

    def translate(
        self, texts: Sequence[str], on_progress: CountCallback | None = None
    ) -> list[str]:
        report = on_progress or (lambda done, total: None)
        out: list[str] = []
        report(0, len(texts))
        for k in range(0, len(texts), self.batch_size):
            batch = [t if t.strip() else "." for t in texts[k : k + self.batch_size]]
            try:
                inputs = self.tokenizer(batch, return_tensors="pt", padding=True)
                longest = int(inputs["input_ids"].shape[1])
                if longest > self.max_length:
                    raise InputError(
                        f"A line is {longest} tokens long, more than the Marian model takes "
                        f"({self.max_length}): split it in the subtitles ('{batch[0][:40]}…')."
                    )
                with self.torch.inference_mode():
                    generated = self.model.generate(
                        **inputs,
                        num_beams=self.beams,
                        max_new_tokens=min(
                            self.max_length,
                            max(MIN_NEW_TOKENS, MAX_TOKENS_PER_INPUT_TOKEN * longest),
                        ),
                    )
            except (RuntimeError, IndexError) as e:
                raise ProcessingError(f"Marian translation failed ({e}).") from e
            decoded = self.tokenizer.batch_decode(generated, skip_special_tokens=True)
            out.extend(d.strip() for d in decoded)
            report(len(out), len(texts))
        return out


def _first_line(e: BaseException) -> str:
    lines = str(e).strip().splitlines()
    return (lines[0].strip().rstrip(".") if lines else "") or type(e).__name__
