"""A truncated video, per command: `sync` offers --allow-truncated; `translate` and `batch`
(which have no such option) refuse it before any work with a sentence that says how to go on:
an ffmpeg command that keeps the part that is there. Following that advice gives a whole file.
Inputs are hashed before and after; nothing is written."""

from __future__ import annotations

import hashlib
import json
import re
import shlex
import subprocess
from pathlib import Path

import pytest
from clitools import assert_one_sentence_error, lipsync

from lipsync.core.errors import EXIT_BAD_INPUT
from lipsync.core.media import probe
from lipsync.core.media.probe import find_truncation


@pytest.fixture(scope="module")
def media(spoken_portrait) -> dict[str, Path]:
    """An index-first MP4 (3 s) cut in half, and a spoken line (the session's shared media)."""
    return spoken_portrait(sound=True)


@pytest.fixture
def here(media, tmp_path) -> Path:
    for key in ("cut", "line"):
        (tmp_path / media[key].name).write_bytes(media[key].read_bytes())
    return tmp_path


def tree(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def advice(line: str) -> list[str]:
    """The ffmpeg command the sentence suggests, as argv."""
    found = re.search(r"`(ffmpeg [^`]+)`", line)
    assert found, line
    return shlex.split(found.group(1))


def follow(argv: list[str], folder: Path) -> Path:
    """Run the suggested command; return the file it wrote, checked whole."""
    assert argv[0] == "ffmpeg" and "-c" in argv and argv[argv.index("-c") + 1] == "copy"
    proc = subprocess.run(argv, capture_output=True, text=True, check=False, cwd=folder)
    assert proc.returncode == 0, proc.stderr
    out = Path(argv[-1])
    assert out.name == "cut_whole.mp4" and out.parent == folder
    assert find_truncation(out) is None
    return out


def test_translate_says_how_to_keep_the_part_that_is_there(here):
    cut = here / "cut.mp4"
    before = tree(here)
    proc = lipsync("translate", str(cut), "--to", "es", "--mt", "none",
                   "-o", str(here / "o.mp4"))  # fmt: skip
    assert_one_sentence_error(proc, EXIT_BAD_INPUT, "cut.mp4", "truncated", "cut_whole.mp4")
    assert "--allow-truncated" not in proc.stderr  # translate has no such option
    assert tree(here) == before
    whole = follow(advice(proc.stderr), here)
    frames = probe(whole).video[0].frame_count
    seconds = float(re.search(r"stop at (\d+\.\d+) s", proc.stderr).group(1))
    assert abs(frames - seconds * 25) <= 2  # every whole picture kept, none invented


def write_jobs(folder: Path, video: str) -> Path:
    doc = {"output_dir": "out", "inputs": [{"video": video, "dubs": {"es": "line.wav"}}]}
    path = folder / "jobs.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    return path


@pytest.mark.parametrize("extra", [[], ["--check"]], ids=["run", "check"])
def test_batch_refuses_it_when_the_job_file_is_read(here, extra):
    jobs = write_jobs(here, "cut.mp4")
    before = tree(here)
    proc = lipsync("batch", str(jobs), *extra)
    assert_one_sentence_error(proc, EXIT_BAD_INPUT, str(jobs), "job cut.es", "truncated",
                              "cut_whole.mp4")  # fmt: skip
    assert "--allow-truncated" not in proc.stderr
    assert tree(here) == before
    assert not (here / "out").exists()  # no output folder, no work folder
    whole = follow(advice(proc.stderr), here)
    fixed = write_jobs(here, whole.name)  # the advice followed: the job file is accepted
    ok = lipsync("batch", str(fixed), "--check")
    assert ok.returncode == 0, ok.stderr
    assert "cut_whole.es" in ok.stdout


def test_sync_still_offers_allow_truncated(here):
    cut = here / "cut.mp4"
    proc = lipsync("sync", str(cut), str(here / "line.wav"), "-o", str(here / "o.mp4"),
                   "--no-check")  # fmt: skip
    assert_one_sentence_error(proc, EXIT_BAD_INPUT, "cut.mp4", "--allow-truncated")
    assert "ffmpeg -i" not in proc.stderr
