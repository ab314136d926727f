"""The output guard and atomic outputs: every output against every input (same path, symbolic
link, hard link), read-only targets, kept modes, -n, stale temporaries of dead writers, the
write log, and stdout as a file. Real files, real processes; inputs hashed before and after."""

from __future__ import annotations

import hashlib
import os
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest

from lipsync.core.constants import STALE_TEMP_SECONDS, TEMP_PREFIX
from lipsync.core.errors import EXIT_BAD_INPUT, OutputError
from lipsync.core.media.atomic import (
    atomic_output,
    read_only,
    remove_stale_temps,
    same_file,
    temp_path_for,
    write_text,
)
from lipsync.core.output_guard import check_outputs, check_stream_output, check_work_folder
from lipsync.core.pipeline.outputs import check_detected_names, planned_outputs
from lipsync.core.pipeline.workdir import work_file_at
from lipsync.core.write_log import record_writes


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def files(tmp_path):
    """An input file, a symbolic link to it and a hard link to it."""
    src = tmp_path / "talk.es.srt"
    src.write_text("1\n00:00:00,000 --> 00:00:01,000\nHola\n", encoding="utf-8")
    (tmp_path / "link.srt").symlink_to(src.name)
    os.link(src, tmp_path / "hard.srt")
    return src, tmp_path / "link.srt", tmp_path / "hard.srt"


@pytest.mark.parametrize("which", [0, 1, 2], ids=["same path", "symlink", "hard link"])
def test_an_output_that_is_an_input_is_one_sentence_naming_both(files, which):
    src = files[0]
    before = digest(src)
    out = files[which]
    with pytest.raises(OutputError) as e:
        check_outputs({"--report": out}, {"--subtitles": src})
    text = str(e.value)
    assert f"'{out}' (--report)" in text and f"'{src}' (--subtitles)" in text
    assert "never overwritten" in text and text.count(".") >= 1 and "\n" not in text
    assert e.value.exit_code == EXIT_BAD_INPUT
    assert digest(src) == before


def test_an_output_spelled_another_way_is_the_same_file(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "sub").mkdir()
    src = tmp_path / "in.wav"
    src.write_bytes(b"RIFF")
    with pytest.raises(OutputError, match="same file as the input"):
        check_outputs({"-o": "sub/../in.wav"}, {"AUDIO": str(src)})
    assert not same_file(tmp_path / "in.wav", tmp_path / "other.wav")
    assert same_file(tmp_path / "nothing" / ".." / "x", tmp_path / "x")  # neither exists


def test_two_outputs_with_one_name_are_refused(tmp_path):
    with pytest.raises(OutputError, match=r"'--report' .*|are the same file"):
        check_outputs({"--report": tmp_path / "r.json", "--html": tmp_path / "r.json"}, {})


def test_distinct_files_pass_and_are_planned(tmp_path, files):
    with record_writes() as log:
        outs = check_outputs({"-o": tmp_path / "o.mp4", "--html": None}, {"IN": files[0]})
    assert outs == {"-o": tmp_path / "o.mp4"}
    assert log.planned == [tmp_path / "o.mp4"] and log.written == []


def test_no_overwrite_refuses_an_existing_output_but_not_an_update(tmp_path):
    out, voices = tmp_path / "o.json", tmp_path / "voices.json"
    out.write_text("{}", encoding="utf-8")
    voices.write_text("{}", encoding="utf-8")
    with pytest.raises(OutputError, match="-n/--no-overwrite"):
        check_outputs({"--json": out}, {}, no_overwrite=True)
    check_outputs({"--json": tmp_path / "new.json"}, {}, updates={"--voice-map": voices},
                  no_overwrite=True)  # fmt: skip
    dangling = tmp_path / "dangling.json"
    dangling.symlink_to("nowhere.json")
    with pytest.raises(OutputError, match="exists"):
        check_outputs({"--json": dangling}, {}, no_overwrite=True)


def test_an_update_that_is_another_input_is_refused(tmp_path):
    video = tmp_path / "talk.mp4"
    video.write_bytes(b"\x00" * 64)
    with pytest.raises(OutputError, match=r"'--voice-map'|\(--voice-map\)"):
        check_outputs({}, {"VIDEO": video}, updates={"--voice-map": video})


def test_a_read_only_target_is_refused_and_left_as_it_was(tmp_path):
    target = tmp_path / "locked.json"
    target.write_text("keep me", encoding="utf-8")
    target.chmod(0o444)
    assert read_only(target)
    with pytest.raises(OutputError, match="read-only"):
        write_text(target, "new")
    assert target.read_text(encoding="utf-8") == "keep me"
    assert [p.name for p in tmp_path.iterdir()] == ["locked.json"]


@pytest.mark.skipif(not hasattr(os, "setuid") or os.getuid() != 0, reason="needs root to switch")
def test_another_users_file_in_a_writable_folder_is_refused(tmp_path):
    """A file of root's (mode 644) in a folder anyone may write to, written by user nobody."""
    folder = Path(os.environ.get("TMPDIR", "/tmp")) / f"lipsync-guard-{os.getpid()}"
    folder.mkdir(mode=0o777)
    folder.chmod(0o1777 & ~0o1000)  # world-writable, no sticky bit: rename over it would work
    try:
        target = folder / "theirs.json"
        target.write_text("root's", encoding="utf-8")
        target.chmod(0o644)
        code = (
            "import os, sys\n"
            "from lipsync.core.media.atomic import write_text\n"
            "from lipsync.core.errors import OutputError\n"
            "os.setgid(65534); os.setuid(65534)\n"
            f"try:\n    write_text({str(target)!r}, 'mine')\n"
            "except OutputError as e:\n    print('REFUSED', e)\n"
        )
        root = Path(__file__).resolve().parents[2]
        proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                              cwd=folder, env={**os.environ, "PYTHONPATH": str(root)},
                              check=False)  # fmt: skip
        assert proc.stdout.startswith("REFUSED"), proc.stderr
        assert "read-only" in proc.stdout
        assert target.read_text(encoding="utf-8") == "root's"
        assert target.stat().st_uid == 0
    finally:
        for p in folder.iterdir():
            p.unlink()
        folder.rmdir()


def test_a_replaced_file_keeps_its_mode(tmp_path):
    target = tmp_path / "private.json"
    target.write_text("old", encoding="utf-8")
    target.chmod(0o600)
    write_text(target, "new")
    assert target.read_text(encoding="utf-8") == "new"
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    target.chmod(0o640)
    write_text(target, "newer")
    assert stat.S_IMODE(target.stat().st_mode) == 0o640


def test_a_new_file_gets_the_usual_mode(tmp_path):
    umask = os.umask(0o022)
    try:
        write_text(tmp_path / "new.json", "x")
    finally:
        os.umask(umask)
    assert stat.S_IMODE((tmp_path / "new.json").stat().st_mode) == 0o644


def test_temporary_names_carry_the_writers_pid(tmp_path):
    name = temp_path_for(tmp_path / "out.mp4").name
    assert name.startswith(f"{TEMP_PREFIX}{os.getpid()}-") and name.endswith("-out.mp4")


def dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def test_stale_temporaries_of_dead_writers_are_removed_at_the_next_write(tmp_path):
    old = time.time() - STALE_TEMP_SECONDS - 5
    pid = dead_pid()
    stale = tmp_path / f"{TEMP_PREFIX}{pid}-0badf00d-out.mp4"
    fresh = tmp_path / f"{TEMP_PREFIX}{pid}-0badf00e-out.mp4"  # a shared folder's live writer
    alive = tmp_path / f"{TEMP_PREFIX}{os.getppid()}-0badf00f-out.mp4"
    foreign = tmp_path / f"{TEMP_PREFIX}x-report.json"  # not one of ours: no pid
    user = tmp_path / "film.mp4"
    for p in (stale, fresh, alive, foreign, user):
        p.write_bytes(b"half")
    for p in (stale, alive, foreign, user):
        os.utime(p, (old, old))
    write_text(tmp_path / "report.json", "{}")
    left = sorted(p.name for p in tmp_path.iterdir())
    assert stale.name not in left
    assert {fresh.name, alive.name, foreign.name, "film.mp4", "report.json"} <= set(left)
    assert remove_stale_temps(tmp_path) == []


def test_a_failed_write_leaves_nothing_and_is_not_logged(tmp_path):
    dest = tmp_path / "out.json"
    with record_writes() as log, pytest.raises(RuntimeError), atomic_output(dest) as tmp:
        tmp.write_text("half", encoding="utf-8")
        raise RuntimeError("boom")
    assert list(tmp_path.iterdir()) == [] and log.written == []
    with record_writes() as log:
        write_text(dest, "{}")
    assert log.written == [dest]


def test_inputs_in_the_work_directory_where_it_writes_are_refused(tmp_path):
    work = tmp_path / "work"
    (work / "lines").mkdir(parents=True)
    srt = work / "target.srt"
    srt.write_text("mine", encoding="utf-8")
    take = work / "lines" / "0001-abc.wav"
    take.write_bytes(b"RIFF")
    mine = work / "notes.srt"
    mine.write_text("untouched", encoding="utf-8")
    link = tmp_path / "via-link.srt"
    link.symlink_to(srt)
    for src, named in ((srt, "target.srt"), (take, "lines/0001-abc.wav"), (link, "target.srt")):
        with pytest.raises(OutputError) as e:
            check_work_folder(work, "the work directory", "--workdir", work_file_at,
                              {"--subtitles": src})  # fmt: skip
        assert f"'{named}'" in str(e.value) and "--workdir" in str(e.value)
    check_work_folder(work, "the work directory", "--workdir", work_file_at,
                      {"--subtitles": mine, "VIDEO": tmp_path / "talk.mp4"})  # fmt: skip
    assert work_file_at(Path("reference-S1.wav")) == "reference-S1.wav"
    assert work_file_at(Path("sub/target.srt")) is None


def test_translate_outputs_known_before_the_run(tmp_path):
    out = tmp_path / "talk_es.mp4"
    known = planned_outputs(out, "en", "es")
    assert known["target_srt"].name == "talk_es.es.srt" and known["timeline"].name == "talk_es.otio"
    later = planned_outputs(out, None, "es", timeline=False)
    assert "source_srt" not in later and "timeline" not in later
    with pytest.raises(OutputError, match="--from"):
        check_detected_names(out, {"--subtitles": tmp_path / "talk_es.en.srt"})
    check_detected_names(out, {"--subtitles": tmp_path / "talk.en.srt",
                               "--stem": tmp_path / "talk_es.music.wav"})  # fmt: skip


def test_stdout_that_is_an_input_file_is_refused(tmp_path):
    dub = tmp_path / "dub.wav"
    dub.write_bytes(b"RIFF....")
    before = digest(dub)
    with open(dub, "ab") as sink, pytest.raises(OutputError, match="stdout is the same file"):
        check_stream_output(sink, {"--audio": dub})
    with open(dub, "rb") as source, open(dub, "ab") as sink, pytest.raises(OutputError):
        check_stream_output(sink, {}, stdin=source)
    with open(tmp_path / "out.y4m", "wb") as sink, open(dub, "rb") as source:
        check_stream_output(sink, {"--audio": dub}, stdin=source)
    r, w = os.pipe()
    with os.fdopen(r, "rb") as source, os.fdopen(w, "wb") as sink:
        check_stream_output(sink, {"--audio": dub}, stdin=source)  # a pipe: nothing to overwrite
    assert digest(dub) == before


def test_outputs_in_a_folder_the_command_creates(tmp_path):
    out = tmp_path / "dubbed" / "es" / "talk_es.mp4"
    with pytest.raises(OutputError, match="does not exist"):
        check_outputs({"output of job 1": out}, {})
    assert check_outputs({"output of job 1": out}, {}, new_folder=tmp_path / "dubbed")
    with pytest.raises(OutputError, match="does not exist"):  # outside it: checked as usual
        check_outputs({"--report": tmp_path / "missing" / "r.json"}, {},
                      new_folder=tmp_path / "dubbed")  # fmt: skip
