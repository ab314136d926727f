"""-n/--no-overwrite up to the last moment: the final rename of an output checked with -n
refuses a file that appeared under its name while the run worked (renameat2 RENAME_NOREPLACE,
or a hard link where that is missing), leaving that file byte-identical and no temporary."""

from __future__ import annotations

import hashlib
import subprocess
import time
from pathlib import Path

import pytest
from clitools import script

from lipsync.core.constants import TEMP_PREFIX
from lipsync.core.demo import write_portrait_clip
from lipsync.core.errors import EXIT_BAD_INPUT, OutputError
from lipsync.core.media import atomic, save_audio
from lipsync.core.media.atomic import atomic_output, create_only, rename_no_replace, write_text
from lipsync.core.output_guard import check_outputs
from lipsync.core.speech import synthesize


def temps(folder: Path) -> list[Path]:
    return [p for p in folder.iterdir() if p.name.startswith(TEMP_PREFIX)]


@pytest.fixture(params=["renameat2", "link"])
def way(request, monkeypatch):
    """Both ways of refusing: the kernel's RENAME_NOREPLACE and the hard-link fallback."""
    if request.param == "renameat2":
        if atomic._RENAMEAT2 is None:
            pytest.skip("renameat2 is not offered by this C library")
    else:
        monkeypatch.setattr(atomic, "_RENAMEAT2", None)
    return request.param


def test_rename_no_replace_moves_to_a_free_name(tmp_path, way):
    src = tmp_path / "a.tmp"
    src.write_bytes(b"new")
    rename_no_replace(src, tmp_path / "a.txt")
    assert (tmp_path / "a.txt").read_bytes() == b"new"
    assert not src.exists()


@pytest.mark.parametrize("kind", ["file", "symlink", "dangling symlink"])
def test_rename_no_replace_refuses_an_existing_name(tmp_path, way, kind):
    src, dest, other = tmp_path / "a.tmp", tmp_path / "a.txt", tmp_path / "other.txt"
    src.write_bytes(b"new")
    other.write_bytes(b"someone else's")
    if kind == "file":
        dest.write_bytes(b"someone else's")
    elif kind == "symlink":
        dest.symlink_to(other)
    else:
        dest.symlink_to(tmp_path / "nowhere")
    with pytest.raises(OutputError, match="appeared while lipsync was writing it"):
        rename_no_replace(src, dest)
    assert src.read_bytes() == b"new"
    assert other.read_bytes() == b"someone else's"
    assert dest.is_symlink() == (kind != "file")


def test_a_file_that_appears_during_the_write_is_kept(tmp_path, way):
    dest = tmp_path / "out.json"
    with pytest.raises(OutputError) as info, atomic_output(dest, no_replace=True) as tmp:
        tmp.write_text("ours", encoding="utf-8")
        dest.write_text("theirs", encoding="utf-8")  # another program, meanwhile
    assert "-n/--no-overwrite" in str(info.value)
    assert dest.read_text(encoding="utf-8") == "theirs"
    assert temps(tmp_path) == []


def test_without_no_replace_the_file_is_replaced(tmp_path):
    dest = tmp_path / "out.json"
    with atomic_output(dest) as tmp:
        tmp.write_text("ours", encoding="utf-8")
        dest.write_text("theirs", encoding="utf-8")
    assert dest.read_text(encoding="utf-8") == "ours"


def test_outputs_checked_with_n_are_created_only(tmp_path, way):
    """check_outputs(no_overwrite=True) marks its outputs: the library's own write (which
    knows nothing of -n) refuses a file that appeared after the check."""
    dest, other = tmp_path / "report.json", tmp_path / "other.json"
    check_outputs({"--report": dest, "-o": other}, {}, no_overwrite=True)
    dest.write_text("theirs", encoding="utf-8")
    with pytest.raises(OutputError):
        write_text(dest, "ours")
    assert dest.read_text(encoding="utf-8") == "theirs"
    write_text(other, "first")  # created: fine
    write_text(other, "second")  # this run's own file may be written again
    assert other.read_text(encoding="utf-8") == "second"
    assert temps(tmp_path) == []


def test_outputs_checked_without_n_may_be_replaced(tmp_path):
    dest = tmp_path / "report.json"
    check_outputs({"--report": dest}, {}, no_overwrite=False)
    dest.write_text("theirs", encoding="utf-8")
    write_text(dest, "ours")
    assert dest.read_text(encoding="utf-8") == "ours"


def test_create_only_is_per_path(tmp_path):
    marked, free = tmp_path / "a.txt", tmp_path / "b.txt"
    create_only([marked])
    marked.write_text("theirs", encoding="utf-8")
    free.write_text("old", encoding="utf-8")
    with pytest.raises(OutputError):
        write_text(marked, "ours")
    write_text(free, "new")
    assert (marked.read_text(encoding="utf-8"), free.read_text(encoding="utf-8")) == (
        "theirs",
        "new",
    )


@pytest.fixture(scope="module")
def inputs(tmp_path_factory):
    folder = tmp_path_factory.mktemp("noreplace")
    syn = synthesize("Mama made a map. " * 3, "en-us")
    save_audio(folder / "line.wav", syn.samples, syn.sample_rate)
    write_portrait_clip(folder / "face.mp4", 3.0, (480, 270), preset="ultrafast")
    return folder


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_lipsync_sync_n_keeps_a_file_created_while_it_renders(inputs, tmp_path):
    """A real `lipsync sync -n`: once its temporary video is beside the output, another
    program creates the output; the run ends with exit 3 and one sentence, that file is
    untouched and no temporary is left."""
    before = {p.name: digest(p) for p in inputs.iterdir()}
    out = tmp_path / "out.mp4"
    proc = subprocess.Popen(
        [script("lipsync"), "sync", str(inputs / "face.mp4"), str(inputs / "line.wav"),
         "--no-check", "-n", "-o", str(out)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    deadline = time.monotonic() + 120
    while not temps(tmp_path):
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            pytest.fail(f"no temporary output appeared: {proc.communicate()[1]}")
        time.sleep(0.002)
    out.write_bytes(b"another program's file")
    _, err = proc.communicate(timeout=300)
    assert proc.returncode == EXIT_BAD_INPUT, err
    assert "Traceback" not in err
    lines = [line for line in err.splitlines() if line.startswith("lipsync: error:")]
    assert len(lines) == 1, err
    assert str(out) in lines[0] and "-n/--no-overwrite" in lines[0]
    assert out.read_bytes() == b"another program's file"
    assert temps(tmp_path) == []
    assert {p.name: digest(p) for p in inputs.iterdir()} == before


def test_lipsync_sync_without_n_replaces_it(inputs, tmp_path):
    """The same race without -n: the output replaces the file (the documented default)."""
    out = tmp_path / "out.mp4"
    out.write_bytes(b"old")
    proc = subprocess.run(
        [script("lipsync"), "-q", "sync", str(inputs / "face.mp4"), str(inputs / "line.wav"),
         "--no-check", "-o", str(out)],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert out.read_bytes()[4:8] == b"ftyp"  # the lip-synced MP4, not the old bytes
