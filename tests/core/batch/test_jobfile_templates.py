"""Job-file templates substitute the documented names only and never lead outside output_dir."""

from __future__ import annotations

import json
import os

import pytest

from lipsync.core.batch.jobfile import load_job_file
from lipsync.core.batch.templates import TemplateError, fill, output_path, template_fields
from lipsync.core.errors import InputError


@pytest.fixture
def folder(tmp_path):
    for name in ("a.mp4", "a_es.wav", "a_de.wav", "x.es.srt"):
        (tmp_path / name).write_bytes(b"data")
    return tmp_path


def jobs(folder, output=None, **item):
    entry = {"video": "a.mp4", "dubs": {"es": "a_es.wav"}, **item}
    if output is not None:
        entry["output"] = output
    path = folder / "jobs.json"
    path.write_text(json.dumps({"inputs": [entry]}), encoding="utf-8")
    return path


def test_every_documented_name_is_substituted(folder):
    fields = template_fields(folder / "talks" / "intro.mov", "es")
    text = fill("{dir}|{stem}|{name}|{ext}|{lang}|{{lit}}", fields)
    assert text == f"{folder / 'talks'}|intro|intro.mov|.mov|es|{{lit}}"


def test_substituted_values_are_never_parsed_again(folder):
    fields = template_fields(folder / "{lang}{stem.__class__}.mp4", "es")
    assert fill("{stem}", fields) == "{lang}{stem.__class__}"


def test_documented_templates_still_work(folder):
    (folder / "a.fr.srt").write_bytes(b"1")
    path = jobs(folder, "sub/{stem}.{lang}{ext}", dubs="{dir}/{stem}_{lang}.wav",
                languages=["es", "de"])  # fmt: skip
    spec = load_job_file(path)
    assert [j.output for j in spec.jobs] == [
        str(folder / "dubbed" / "sub" / "a.es.mp4"),
        str(folder / "dubbed" / "sub" / "a.de.mp4"),
    ]
    assert [j.dub for j in spec.jobs] == [str(folder / "a_es.wav"), str(folder / "a_de.wav")]


@pytest.mark.parametrize(
    ("template", "words"),
    [
        ("{stem.__class__.__mro__}", ["'{stem.__class__.__mro__}'", "unknown field"]),
        ("{stem.upper}.mp4", ["unknown field '{stem.upper}'"]),
        ("{dir[0]}.mp4", ["unknown field '{dir[0]}'"]),
        ("{stem!r}.mp4", ["unknown field '{stem!r}'"]),
        ("{stem:>40}.mp4", ["unknown field '{stem:>40}'"]),
        ("{0}.mp4", ["unknown field '{0}'"]),
        ("{}.mp4", ["unknown field '{}'"]),
        ("{STEM}.mp4", ["unknown field '{STEM}'"]),
        ("{stem.mp4", ["lone '{'"]),
        ("stem}.mp4", ["lone '}'"]),
    ],
)
def test_anything_but_a_documented_name_is_refused(folder, template, words):
    with pytest.raises(InputError) as err:
        load_job_file(jobs(folder, template))
    message = str(err.value)
    assert "\n" not in message and message.endswith(".")
    assert "jobs.json" in message and "inputs[0].output" in message and "a.es" in message
    for word in words:
        assert word in message
    assert "{stem}, {name}, {ext}, {dir}, {lang}" in message or "lone" in message


@pytest.mark.parametrize(
    "template",
    ["../{stem}.mp4", "../../{stem}.mp4", "sub/../../{stem}.mp4", "{dir}/{stem}_x.mp4",
     "/tmp/{stem}.mp4", "..", ".", "sub/", "{{}}/../.."],
)  # fmt: skip
def test_outputs_that_leave_output_dir_are_refused(folder, template):
    if template == "/tmp/{stem}.mp4":
        template = str(folder.parent / "{stem}.mp4")
    doc = {"inputs": [{"video": "a.mp4", "dubs": {"es": "a_es.wav"}, "output": template}]}
    path = folder / "jobs.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    with pytest.raises(InputError) as err:
        load_job_file(path)
    message = str(err.value)
    assert "\n" not in message and "inputs[0].output (job a.es)" in message
    assert "output folder" in message


def test_a_symlink_inside_output_dir_cannot_lead_outside(folder):
    out = folder / "dubbed"
    out.mkdir()
    outside = folder / "elsewhere"
    outside.mkdir()
    os.symlink(outside, out / "link")
    with pytest.raises(InputError, match="leads outside the output folder"):
        load_job_file(jobs(folder, "link/{stem}.mp4"))
    os.symlink(out, out / "self")  # a link back inside is fine
    spec = load_job_file(jobs(folder, "self/{stem}.mp4"))
    assert spec.jobs[0].output == str(out / "self" / "a.mp4")


def test_output_path_checks_the_filled_name(tmp_path):
    fields = template_fields(tmp_path / "v.mp4", "es")
    assert output_path(tmp_path / "o", "{stem}/{lang}{ext}", fields) == tmp_path / "o/v/es.mp4"
    with pytest.raises(TemplateError, match="outside"):
        output_path(tmp_path / "o", "{stem}/../../{lang}", fields)


def test_dub_and_subtitle_templates_are_checked_too(folder):
    path = jobs(folder, dubs="{stem.__init__}_{lang}.wav", languages=["es"])
    with pytest.raises(InputError, match=r"inputs\[0\]\.dubs.*unknown field"):
        load_job_file(path)
    doc = {"inputs": [{"video": "a.mp4", "kind": "translate", "languages": ["es"],
                       "options": {"subtitles": "x.{lang[0]}.srt"}}]}  # fmt: skip
    (folder / "jobs.json").write_text(json.dumps(doc), encoding="utf-8")
    with pytest.raises(InputError, match=r"options\.subtitles.*unknown field '\{lang\[0\]\}'"):
        load_job_file(folder / "jobs.json")
    doc["inputs"][0]["options"]["subtitles"] = "x.{lang}.srt"
    (folder / "jobs.json").write_text(json.dumps(doc), encoding="utf-8")
    assert load_job_file(folder / "jobs.json").jobs[0].options["subtitles"] == str(
        folder / "x.es.srt"
    )
