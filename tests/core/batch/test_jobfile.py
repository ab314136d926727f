"""The job file: inputs and defaults become (video, language) jobs; every mistake is one
sentence naming the file and the field."""

from __future__ import annotations

import json

import pytest

from lipsync.core.batch.jobfile import load_job_file
from lipsync.core.errors import InputError


@pytest.fixture
def folder(tmp_path):
    for name in ("a.mp4", "b.mp4", "a_es.wav", "a_de.wav", "b_es.wav", "b_de.wav", "x.srt"):
        (tmp_path / name).write_bytes(b"data")
    (tmp_path / "season").mkdir()
    for name in ("e1.mp4", "e2.mp4", "e1_es.wav", "e2_es.wav"):
        (tmp_path / "season" / name).write_bytes(b"data")
    return tmp_path


def write(folder, doc, name="jobs.json"):
    path = folder / name
    path.write_text(doc if isinstance(doc, str) else json.dumps(doc), encoding="utf-8")
    return path


def test_inputs_become_one_job_per_video_and_language(folder):
    doc = {
        "defaults": {"crf": 20, "chunk_seconds": 30},
        "inputs": [
            {"video": "a.mp4", "dubs": {"es": "a_es.wav", "de": "a_de.wav"},
             "options": {"face": 1}},
            {"directory": "season", "languages": ["es"], "dubs": "{dir}/{stem}_{lang}.wav",
             "output": "{stem}.{lang}.mkv"},
            {"video": "b.mp4", "kind": "translate", "languages": ["fr"],
             "options": {"subtitles": "x.srt", "asr": "none"}},
        ],
    }  # fmt: skip
    spec = load_job_file(write(folder, doc))
    ids = [j.id for j in spec.jobs]
    assert ids == ["a.es", "a.de", "e1.es", "e2.es", "b.fr"]
    a_es = spec.jobs[0]
    assert a_es.kind == "sync" and a_es.dub == str(folder / "a_es.wav")
    assert a_es.output == str(folder / "dubbed" / "a_es.mp4")
    assert a_es.options == {"crf": 20, "chunk_seconds": 30, "face": 1}
    assert spec.jobs[2].dub == str(folder / "season" / "e1_es.wav")
    assert spec.jobs[2].output.endswith("e1.es.mkv")
    assert spec.jobs[4].kind == "translate" and spec.jobs[4].options["subtitles"] == str(
        folder / "x.srt"
    )
    assert spec.work_dir == str(folder / "dubbed" / ".lipsync-batch")


def test_yaml_job_files_are_read(folder):
    pytest.importorskip("yaml")
    text = "inputs:\n  - video: a.mp4\n    dubs: {es: a_es.wav}\n"
    spec = load_job_file(write(folder, text, "jobs.yaml"))
    assert [j.id for j in spec.jobs] == ["a.es"]


@pytest.mark.parametrize(
    ("doc", "words"),
    [
        ("{not json", ["jobs.json", "not valid JSON", "line 1"]),
        ([1, 2], ["must hold a mapping"]),
        ({"inputs": []}, ["inputs", "non-empty list"]),
        ({"inputs": [{"video": "a.mp4", "dubs": {"es": "a_es.wav"}}], "outputs": 1},
         ["unknown field 'outputs'"]),
        ({"inputs": [{"video": "missing.mp4", "dubs": {"es": "a_es.wav"}}]},
         ["job missing.es", "missing.mp4", "does not exist"]),
        ({"inputs": [{"video": "a.mp4", "dubs": {"es": "nope.wav"}}]},
         ["dub audio (es)", "nope.wav"]),
        ({"inputs": [{"video": "a.mp4", "dubs": {"es": "a_es.wav"},
                      "options": {"fase": 1}}]}, ["inputs[0].options", "unknown option 'fase'"]),
        ({"inputs": [{"video": "a.mp4", "dubs": {"es": "a_es.wav"},
                      "options": {"crf": "high"}}]}, ["inputs[0].options.crf", "'high'"]),
        ({"inputs": [{"video": "a.mp4", "languages": ["es"], "dubs": "{stm}.wav"}]},
         ["inputs[0].dubs", "unknown field"]),
        ({"inputs": [{"video": "a.mp4", "dubs": {"es": "a_es.wav"}, "output": "x.mp4"},
                     {"video": "b.mp4", "dubs": {"es": "b_es.wav"}, "output": "x.mp4"}]},
         ["two jobs write", "x.mp4"]),
        ({"inputs": [{"video": "a.mp4", "kind": "dub", "dubs": {"es": "a_es.wav"}}]},
         ["inputs[0].kind", "'dub'"]),
        ({"inputs": [{"video": "a.mp4", "languages": "es", "kind": "translate"}]},
         ["inputs[0].languages"]),
        ({"inputs": [{"directory": "nowhere", "languages": ["es"], "dubs": "{stem}.wav"}]},
         ["inputs[0].directory", "does not exist"]),
        ({"inputs": [{"video": "a.mp4", "dubs": {"es": "a_es.wav"},
                      "options": {"chunk_seconds": 0}}]}, ["chunk_seconds", "out of range"]),
        ({"inputs": [{"video": "a.mp4", "dubs": {"es": "a_es.wav"},
                      "options": {"face": "0,x"}}]}, ["inputs[0].options.face", "commas"]),
        ({"inputs": [{"video": "a.mp4", "dubs": {"es": "a_es.wav"},
                      "options": {"face": [0, "a"]}}]}, ["inputs[0].options.face", "face choice"]),
    ],
)  # fmt: skip
def test_mistakes_are_one_sentence_naming_the_field(folder, doc, words):
    with pytest.raises(InputError) as err:
        load_job_file(write(folder, doc))
    message = str(err.value)
    assert "\n" not in message and "jobs.json" in message
    for word in words:
        assert word in message
