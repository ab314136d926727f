"""Messages that used to mislead: text encodings of subtitles, extras that do not exist, voice
maps, unsafe-loading advice, models that would be downloaded, folders given as files."""

from __future__ import annotations

import datetime
import re
import time
from pathlib import Path

import pytest

from lipsync.core.errors import InputError, MissingDependencyError
from lipsync.core.optional import package_extras, require
from lipsync.core.pipeline.subtitles import read_subtitles
from lipsync.core.pipeline.voices import read_voice_map
from lipsync.core.text_encoding import decode_text

SRT = (
    "1\r\n00:00:01,000 --> 00:00:02,500\r\nHola, ¿qué tal?\r\n\r\n"
    "2\r\n00:00:03,000 --> 00:00:04,000\r\nÑandú — ça va\r\n"
)
ENCODINGS = {
    "utf-8": SRT.encode("utf-8"),
    "utf-8 with BOM": SRT.encode("utf-8-sig"),
    "utf-16 le with BOM": b"\xff\xfe" + SRT.encode("utf-16-le"),
    "utf-16 be with BOM": b"\xfe\xff" + SRT.encode("utf-16-be"),
}


@pytest.mark.parametrize("name", sorted(ENCODINGS))
def test_subtitles_read_in_every_usual_encoding(tmp_path, name):
    path = tmp_path / "film.es.srt"
    path.write_bytes(ENCODINGS[name])
    assert decode_text(ENCODINGS[name], "x") == SRT
    cues = read_subtitles(path)
    assert [c.text for c in cues] == ["Hola, ¿qué tal?", "Ñandú — ça va"]
    assert [c.start for c in cues] == [1.0, 3.0]


@pytest.mark.parametrize("name", sorted(ENCODINGS))
def test_srt_adapter_reads_utf16_and_writes_the_same_bytes_back(name):
    from lipsync.otio_adapters.subtitles import format_srt, parse_srt

    doc = parse_srt(ENCODINGS[name], "'film.srt'")
    assert [c.text for c in doc.cues] == ["Hola, ¿qué tal?", "Ñandú — ça va"]
    assert format_srt(doc) == ENCODINGS[name]


def test_text_that_is_no_unicode_is_one_sentence(tmp_path):
    path = tmp_path / "latin1.srt"
    path.write_bytes(SRT.encode("latin-1", errors="replace"))
    with pytest.raises(InputError, match=r"latin1.srt' is not UTF-8 or UTF-16 text \(line 3\)"):
        read_subtitles(path)


def test_a_folder_given_as_subtitles_is_called_a_folder(tmp_path):
    with pytest.raises(InputError, match="are a folder"):
        read_subtitles(tmp_path)


def test_missing_packages_name_only_extras_that_exist():
    extras = package_extras()
    assert {"whisper", "translate", "tts", "gpu"} <= extras
    with pytest.raises(MissingDependencyError) as info:
        require("mediapipe_is_not_here", "mediapipe", "the 'mediapipe' face backend")
    assert "[mediapipe]" not in str(info.value)
    assert "pip install 'mediapipe_is_not_here'" in str(info.value)
    with pytest.raises(MissingDependencyError, match=r"pip install 'lipsync-studio\[whisper\]'"):
        require("whisper_is_not_here", "whisper", "the Whisper recogniser")
    # every extra named by the package's own require() calls is one pip can install, or none
    root = Path(__file__).resolve().parents[2] / "lipsync"
    calls = re.findall(r'require\(\s*"([\w.]+)",\s*"(\w+)"', _sources(root))
    assert len(calls) >= 10
    for module, extra in calls:
        with pytest.raises(MissingDependencyError) as info:
            require(f"{module}_missing_for_the_test", extra, "a test")
        named = re.findall(r"lipsync-studio\[(\w+)\]", str(info.value))
        assert all(n in extras for n in named), (module, extra, str(info.value))


def _sources(root: Path) -> str:
    return "\n".join(p.read_text(encoding="utf-8") for p in sorted(root.rglob("*.py")))


def test_voice_map_errors_never_advise_deleting_the_file(tmp_path):
    video = tmp_path / "interview.mp4"
    video.write_bytes(bytes(range(256)) * 40)
    for bad in (video, tmp_path / "notes.json"):
        if bad.suffix == ".json":
            bad.write_text('["a list"]', encoding="utf-8")
        with pytest.raises(InputError) as info:
            read_voice_map(bad)
        text = str(info.value)
        assert "delete" not in text and "not a lipsync voice map" in text and str(bad) in text
    with pytest.raises(InputError, match="is a folder"):
        read_voice_map(tmp_path)
    assert read_voice_map(tmp_path / "new.json") == {}


def test_whisper_loader_never_suggests_unsafe_loading(tmp_path):
    torch = pytest.importorskip("torch")
    pytest.importorskip("whisper")
    from lipsync.core.pipeline.asr_whisper import WhisperRecognizer

    evil = tmp_path / "evil.pt"  # a pickle with a global torch's safe loader refuses
    torch.save({"dims": {"when": datetime.datetime(2020, 1, 1)}}, evil)
    not_a_model = tmp_path / "speech.pt"
    not_a_model.write_bytes(b"RIFF" + bytes(200))
    for path in (evil, not_a_model):
        with pytest.raises(InputError) as info:
            WhisperRecognizer(str(path))
        text = str(info.value)
        assert "weights_only" not in text and "False" not in text
        assert "\n" not in text and len(text) < 300
    with pytest.raises(InputError, match="other than weights"):
        WhisperRecognizer(str(evil))


def test_marian_model_name_fails_at_once_offline(tmp_path, monkeypatch):
    pytest.importorskip("transformers")
    pytest.importorskip("sentencepiece")
    from lipsync.core.pipeline.translate_marian import MarianTranslator

    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf"))  # an empty cache: nothing is there
    started = time.perf_counter()
    with pytest.raises(InputError, match="downloads nothing") as info:
        MarianTranslator("Helsinki-NLP/opus-mt-en-es")
    assert time.perf_counter() - started < 30
    assert "huggingface-cli download Helsinki-NLP/opus-mt-en-es" in str(info.value)
    assert not (tmp_path / "hf").exists() or not any((tmp_path / "hf").rglob("*.bin"))
    with pytest.raises(InputError, match=r"could not be loaded: it has no config\.json"):
        MarianTranslator(str(tmp_path))
    (tmp_path / "model.bin").write_bytes(b"x")
    with pytest.raises(InputError, match="is a file"):
        MarianTranslator(str(tmp_path / "model.bin"))
