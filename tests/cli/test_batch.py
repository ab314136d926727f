"""``lipsync batch``: a run, a re-run that reuses everything, and bad job files as one
sentence with a non-zero exit code."""

from __future__ import annotations

import json
import logging

import pytest
from mediatools import lavfi_clip

from lipsync.cli.main import cli, run


@pytest.fixture(autouse=True)
def fresh_log_handler():
    """Each run installs its stderr handler anew (a handler of an earlier test would write to
    that test's closed capture)."""
    logger = logging.getLogger("lipsync")
    saved = logger.handlers[:]
    logger.handlers = [h for h in saved if not getattr(h, "_lipsync", False)]
    yield
    logger.handlers = saved


@pytest.fixture
def inputs(tmp_path):
    """A 1 s faceless clip and a 1 s dub beside a job file writer."""
    lavfi_clip(tmp_path / "clip.mp4", size="160x90", audio=False)
    lavfi_clip(tmp_path / "dub.m4a", video=False)

    def jobs(defaults=None, video="clip.mp4", name="jobs.json"):
        doc = {"defaults": defaults or {}, "inputs": [{"video": video, "dubs": {"es": "dub.m4a"}}]}
        path = tmp_path / name
        path.write_text(json.dumps(doc), encoding="utf-8")
        return path

    return tmp_path, jobs


def one_error_line(capsys) -> str:
    err = capsys.readouterr().err
    assert "Traceback" not in err
    lines = [line for line in err.strip().splitlines() if line.startswith("lipsync: error:")]
    assert len(lines) == 1, err
    return lines[0]


def test_a_batch_runs_and_a_rerun_reuses_it(inputs, capsys):
    folder, jobs = inputs
    path = jobs({"allow_no_face": True, "preset": "ultrafast"})
    report = folder / "report.json"
    assert run(cli, ["batch", str(path), "-j", "1", "--report", str(report)]) == 0
    out = folder / "dubbed" / "clip_es.mp4"
    assert out.is_file()
    doc = json.loads(report.read_text())
    assert doc["summary"]["ok"] and doc["jobs"][0]["status"] == "done"
    assert "usable face" in doc["jobs"][0]["warnings"][0]
    assert run(cli, ["batch", str(path), "-j", "1", "--report", str(report)]) == 0
    assert json.loads(report.read_text())["jobs"][0]["status"] == "reused"


def test_a_failed_job_exits_non_zero_with_one_sentence(inputs, capsys):
    _, jobs = inputs
    assert run(cli, ["-q", "batch", str(jobs({"preset": "ultrafast"})), "-j", "1"]) == 1
    line = one_error_line(capsys)
    assert "1 of 1 jobs failed" in line and "clip.es" in line and "face" in line


def test_check_lists_the_jobs(inputs, capsys):
    _, jobs = inputs
    assert run(cli, ["batch", str(jobs()), "--check"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("clip.es\tsync\t") and "clip_es.mp4" in out


def test_a_malformed_job_file_is_one_sentence(inputs, capsys):
    folder, _ = inputs
    bad = folder / "bad.json"
    bad.write_text('{"inputs": [', encoding="utf-8")
    assert run(cli, ["batch", str(bad)]) == 3
    line = one_error_line(capsys)
    assert "bad.json" in line and "not valid JSON" in line


def test_a_missing_video_is_one_sentence(inputs, capsys):
    _, jobs = inputs
    assert run(cli, ["batch", str(jobs(video="gone.mp4"))]) == 3
    line = one_error_line(capsys)
    assert "gone.mp4" in line and "does not exist" in line and "jobs.json" in line


def test_a_missing_job_file_is_one_sentence(tmp_path, capsys):
    assert run(cli, ["batch", str(tmp_path / "nope.json")]) == 3
    assert "nope.json" in one_error_line(capsys)
