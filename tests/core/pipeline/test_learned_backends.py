"""The learned backends through their real loading and decoding code, on tiny models built
here with random weights (nothing downloaded): Whisper (a checkpoint from whisper's own
ModelDimensions), MarianMT (a model and a sentencepiece tokenizer trained on a few
sentences, saved and loaded from disk). Coqui TTS: the model-folder checks and the missing
extra (no tiny Coqui model is built)."""

from __future__ import annotations

import dataclasses
import json
import sys
from pathlib import Path

import numpy as np
import pytest

from lipsync.core.errors import InputError, MissingDependencyError
from lipsync.core.pipeline import TranslateOptions, translate_video

SOURCE = ["Hello everyone.", "Today we talk about the stars.", "Good morning to you.",
          "How are you today?", "The moon is bright tonight."]  # fmt: skip
TARGET = ["Hola a todos.", "Hoy hablamos de las estrellas.", "Buenos días a ti.",
          "¿Cómo estás hoy?", "La luna brilla esta noche."]  # fmt: skip


pytestmark = pytest.mark.slow  # torch; run by `make test`, skipped by -m 'not slow'


@pytest.fixture(scope="module")
def whisper_checkpoint(tmp_path_factory) -> Path:
    """A 1-layer, 16-wide Whisper with random weights, except that its decoder always
    prefers the token " hello" (so the decoding yields text, words and timestamps)."""
    torch = pytest.importorskip("torch")
    pytest.importorskip("whisper")
    from whisper.model import ModelDimensions, Whisper
    from whisper.tokenizer import get_tokenizer

    dims = ModelDimensions(n_mels=80, n_audio_ctx=1500, n_audio_state=16, n_audio_head=2,
                           n_audio_layer=1, n_vocab=51865, n_text_ctx=8, n_text_state=16,
                           n_text_head=2, n_text_layer=1)  # fmt: skip
    torch.manual_seed(0)
    model = Whisper(dims)
    hello = get_tokenizer(multilingual=True).encode(" hello")[0]
    with torch.no_grad():
        # whisper leaves the decoder's positional embedding uninitialised (torch.empty):
        # whatever was in memory, NaN included, would go into the checkpoint
        model.decoder.positional_embedding.normal_(0.0, 0.02)
        direction = torch.randn(dims.n_text_state)
        model.decoder.ln.weight.zero_()
        model.decoder.ln.bias.copy_(direction)
        model.decoder.token_embedding.weight[hello] = direction * 5
    path = tmp_path_factory.mktemp("whisper") / "tiny.pt"
    torch.save({"dims": dataclasses.asdict(dims), "model_state_dict": model.state_dict()}, path)
    return path


@pytest.fixture(scope="module")
def marian_folder(tmp_path_factory) -> Path:
    """A tiny MarianMT model and its tokenizer (sentencepiece trained on a few sentences)."""
    torch = pytest.importorskip("torch")
    spm = pytest.importorskip("sentencepiece")
    transformers = pytest.importorskip("transformers")
    folder = tmp_path_factory.mktemp("marian")
    pieces = ["</s>", "<unk>", "<pad>"]
    for name, lines in (("source", SOURCE), ("target", TARGET)):
        spm.SentencePieceTrainer.train(
            sentence_iterator=iter(lines * 4), model_prefix=str(folder / name), vocab_size=36,
            character_coverage=1.0, bos_id=-1, eos_id=-1, pad_id=-1, unk_id=0, minloglevel=2,
        )  # fmt: skip
        (folder / f"{name}.model").rename(folder / f"{name}.spm")
        sp = spm.SentencePieceProcessor(model_file=str(folder / f"{name}.spm"))
        pieces += [p for p in map(sp.id_to_piece, range(sp.get_piece_size())) if p not in pieces]
    vocab = {p: i for i, p in enumerate(pieces)}
    (folder / "vocab.json").write_text(json.dumps(vocab), encoding="utf-8")
    tokenizer = transformers.MarianTokenizer(
        source_spm=str(folder / "source.spm"), target_spm=str(folder / "target.spm"),
        vocab=str(folder / "vocab.json"), source_lang="en", target_lang="es",
    )  # fmt: skip
    config = transformers.MarianConfig(
        vocab_size=len(vocab), d_model=16, encoder_layers=1, decoder_layers=1,
        encoder_attention_heads=2, decoder_attention_heads=2, encoder_ffn_dim=32,
        decoder_ffn_dim=32, max_position_embeddings=256, pad_token_id=vocab["<pad>"],
        eos_token_id=vocab["</s>"], decoder_start_token_id=vocab["<pad>"],
    )  # fmt: skip
    torch.manual_seed(0)
    model_dir = folder / "model"
    tokenizer.save_pretrained(model_dir)
    transformers.MarianMTModel(config).save_pretrained(model_dir)
    return model_dir


def noise(seconds: float) -> np.ndarray:
    return (np.random.default_rng(0).standard_normal(int(16_000 * seconds)) * 0.1).astype(
        np.float32
    )


@pytest.fixture
def seeded():
    """Whisper falls back to sampling when greedy decoding of this tiny model repeats itself:
    seed torch's generator so the decoding does not depend on the tests that ran before."""
    torch = pytest.importorskip("torch")
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(0)
        yield


def test_whisper_checkpoint_loads_and_decodes_with_words(whisper_checkpoint, seeded):
    import whisper

    from lipsync.core.pipeline.asr_whisper import WhisperRecognizer

    segments, language = WhisperRecognizer(str(whisper_checkpoint)).transcribe(noise(3.0))
    assert language in whisper.tokenizer.LANGUAGES  # detected
    assert segments
    for segment in segments:
        assert segment.text.split()[0] == "hello"
        assert 0.0 <= segment.start < segment.end <= 3.1
        assert segment.words and all(w.text == "hello" for w in segment.words)
        assert all(segment.start <= w.start <= w.end <= segment.end + 0.01 for w in segment.words)
    _, forced = WhisperRecognizer(str(whisper_checkpoint), language="es").transcribe(noise(1.0))
    assert forced == "es"


def test_whisper_model_errors_are_one_sentence(tmp_path):
    pytest.importorskip("whisper")
    from lipsync.core.pipeline.asr_whisper import WhisperRecognizer

    with pytest.raises(InputError, match="neither a checkpoint file nor"):
        WhisperRecognizer(str(tmp_path / "missing.pt"))
    bad = tmp_path / "bad.pt"
    bad.write_bytes(b"not a checkpoint")
    with pytest.raises(InputError, match="could not be loaded"):
        WhisperRecognizer(str(bad))


def test_marian_model_translates_in_batches(marian_folder):
    from lipsync.core.pipeline.translate_marian import MarianTranslator

    translator = MarianTranslator(str(marian_folder), batch_size=2)
    progress = []
    out = translator.translate(SOURCE[:3], lambda done, total: progress.append((done, total)))
    assert len(out) == 3 and all(isinstance(t, str) and t for t in out)
    assert progress == [(0, 3), (2, 3), (3, 3)]
    with pytest.raises(InputError, match="could not be loaded"):
        MarianTranslator(str(marian_folder.parent))


def test_pipeline_with_whisper_and_marian(whisper_checkpoint, marian_folder, tmp_path, seeded):
    from translate_media import make_clip

    clip = make_clip(tmp_path)
    options = TranslateOptions(target="es", asr="whisper", asr_model=str(whisper_checkpoint),
                               mt="marian", mt_model=str(marian_folder), lipsync=False,
                               workdir=tmp_path / "w")  # fmt: skip
    report = translate_video(clip.video, None, options)
    assert report.lines and report.lines[0]["source"].startswith("hello")
    assert report.lines[0]["target"]
    assert (tmp_path / "w" / "translation.json").is_file()
    assert Path(report.outputs["mix"]).is_file()


@pytest.mark.parametrize(
    ("module", "backend", "extra"),
    [("whisper", "asr_whisper.WhisperRecognizer", "whisper"),
     ("transformers", "translate_marian.MarianTranslator", "translate"),
     ("TTS", "tts_coqui.CoquiSynthesizer", "tts")],
)  # fmt: skip
def test_a_missing_extra_names_it(module, backend, extra, monkeypatch, tmp_path):
    import importlib

    monkeypatch.setitem(sys.modules, module, None)
    monkeypatch.setitem(sys.modules, f"{module}.api", None)
    (tmp_path / "config.json").write_text("{}", encoding="utf-8")
    name, cls = backend.split(".")
    backend_class = getattr(importlib.import_module(f"lipsync.core.pipeline.{name}"), cls)
    with pytest.raises(MissingDependencyError, match=rf"lipsync-studio\[{extra}\]"):
        backend_class(str(tmp_path))


def test_coqui_model_folder_is_checked(tmp_path):
    from lipsync.core.pipeline.tts_coqui import find_config

    with pytest.raises(InputError, match="needs --tts-model"):
        find_config(None)
    with pytest.raises(InputError, match=r"has no config\.json"):
        find_config(str(tmp_path))


def test_whisper_transcript_goes_to_the_aligner(whisper_checkpoint, seeded, caplog, tmp_path):
    """``lipsync sync --asr whisper``: Whisper loads and transcribes through its real code and
    its words go to the aligner. This tiny model hears "hello" a varying number of times (its
    decoding falls back to sampling): where they fit the speech, the track is aligned on them;
    where no alignment fits, the speech is analysed audio-only, with a warning that says so."""
    import logging
    import subprocess

    from lipsync.core.media import load_audio
    from lipsync.core.speech.recognised import recognise_and_align, recogniser
    from lipsync.core.speech.track import analyse_speech

    # espeak-ng in a process of its own: synthesis here would change the speech later tests make
    wav = tmp_path / "hello.wav"
    subprocess.run(["espeak-ng", "-v", "en-us", "-w", str(wav), "Hello. Hello."], check=True)
    samples = load_audio(wav, sample_rate=16_000)
    heard = recognise_and_align(samples, recogniser("whisper", str(whisper_checkpoint)))
    assert heard is not None and heard.utterances == 1  # its segments joined: no pause between
    assert set(heard.transcript.split()) == {"hello"}
    caplog.set_level(logging.INFO, logger="lipsync")
    track = analyse_speech(
        samples, 16_000, 25.0, asr="whisper", asr_model=str(whisper_checkpoint), lang="en"
    )
    if "whisper heard (en, " in caplog.text:  # aligned
        assert track.source == "alignment"
        assert {"HH", "L", "OW"} <= {p.label for p in track.phones}  # "hello", as aligned
    else:
        assert "could be aligned: using the audio-only analysis" in caplog.text
        assert track.source == "audio"
