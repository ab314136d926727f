"""Recognise, then align: a dub without a transcript aligned on the words a recogniser heard
(pocketsphinx's bundled en-US model here; Whisper with a tiny random model in
tests/core/pipeline/test_learned_backends.py), measured against espeak-ng's own events."""

from __future__ import annotations

import numpy as np
import pytest

from lipsync.core.errors import InputError
from lipsync.core.speech.recognised import check_asr, recognise_and_align, recogniser
from lipsync.core.speech.track import analyse_speech


def test_english_without_transcript_aligns_the_words_pocketsphinx_heard(truth, english):
    syn = english.synthesis
    track = analyse_speech(syn.samples, syn.sample_rate, truth.FPS, asr="pocketsphinx")
    assert track.source == "alignment"
    # aligned phones cover the speech from its first to its last phone, in time order
    spoken = [p for p in track.phones if p.label != "SIL"]
    assert spoken[0].start < english.truth[1].end and spoken[-1].end > english.truth[-2].start
    pairs = zip(track.phones, track.phones[1:], strict=False)
    assert all(a.end <= b.start + 1e-6 for a, b in pairs)
    # the recogniser mishears some words (pocketsphinx's model is small), so the track is not
    # the transcript's; it still follows the speech as the audio-only one does
    assert truth.open_correlation(track, english.reference) >= 0.5


def test_each_utterance_is_aligned_on_its_own_audio(truth, english):
    syn = english.synthesis
    pause = np.zeros(syn.sample_rate, np.float32)  # 1 s of silence between two copies
    samples = np.concatenate([syn.samples, pause, syn.samples])
    heard = recognise_and_align(samples, recogniser("pocketsphinx"))
    assert heard is not None and heard.utterances >= 2 and heard.aligned == heard.utterances
    assert heard.language == "en" and heard.transcript.strip()
    second = syn.samples.shape[0] / syn.sample_rate + 1.0
    later = [p for p in heard.phones if p.start >= second and p.label != "SIL"]
    earlier = [p for p in heard.phones if p.end <= second - 1.0 and p.label != "SIL"]
    assert later and earlier  # both copies have their phones


def test_silence_is_closed_without_recognising(truth):
    track = analyse_speech(np.zeros(32_000, np.float32), 16_000, truth.FPS, asr="pocketsphinx")
    assert track.source == "silence"
    assert float(np.abs(track.values).max()) == 0.0


@pytest.mark.parametrize(
    ("asr", "model", "lang", "expected"),
    [
        ("kaldi", None, None, "Unknown recogniser 'kaldi': use one of pocketsphinx, whisper."),
        (None, "small", None, "--asr-model needs --asr whisper: give both, or neither."),
        ("pocketsphinx", "small", None, "--asr-model is for --asr whisper"),
        ("pocketsphinx", None, "es", "pocketsphinx recognises English only, not 'es'"),
        ("whisper", None, None, "--asr whisper needs --asr-model"),
    ],
)
def test_bad_recogniser_choices_are_one_sentence(asr, model, lang, expected):
    with pytest.raises(InputError) as e:
        if asr is None:
            check_asr(asr, model)
        else:
            recogniser(asr, model, lang)
    assert str(e.value).startswith(expected)
    assert "\n" not in str(e.value)


def test_an_utterance_that_cannot_be_aligned_keeps_the_phone_loops_label(english):
    """An utterance the aligner refuses (here: a language espeak-ng has no voice for) is
    analysed audio-only, and its phones say so: they are not labelled as aligned."""
    syn = english.synthesis
    heard = recognise_and_align(syn.samples, recogniser("pocketsphinx"), lang="xx-nowhere")
    assert heard is not None and heard.aligned == 0 and heard.utterances >= 1
    assert heard.phones and {p.source for p in heard.phones} == {"audio"}


def test_the_same_audio_is_recognised_once(english, monkeypatch):
    """The run and its report analyse the same speech: the second analysis reuses the first
    recognition (same phones, the recogniser not run again); other audio is recognised anew."""
    from lipsync.core.speech import recognised

    calls = []
    real = recognised.recognise_and_align

    def counted(*args, **kwargs):
        calls.append(args[0].shape)
        return real(*args, **kwargs)

    monkeypatch.setattr(recognised, "recognise_and_align", counted)
    monkeypatch.setattr(recognised, "_last", None)
    samples = english.synthesis.samples[:32_000].copy()
    first = recognised.recognise_once(samples, "pocketsphinx")
    again = recognised.recognise_once(samples.copy(), "pocketsphinx")
    assert len(calls) == 1 and again is first
    samples[:100] += 0.01  # other audio
    recognised.recognise_once(samples, "pocketsphinx")
    assert len(calls) == 2
