"""The overwrite rules through the command line: no output of any command may be one of its
inputs (same path, symbolic link, hard link), -n/--no-overwrite, read-only targets, kept
modes, and SIGHUP/SIGTERM/Ctrl-C on a real ``lipsync sync`` process: temporaries removed,
exit 128 + signal, and a message that says what was written. Every input is hashed before and
after; nothing is left under a final name that was refused."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import signal
import stat
import subprocess
import time
from pathlib import Path

import pytest
from clitools import assert_one_sentence_error, lipsync, script
from translate_media import make_clip

from lipsync.cli.main import cli, run
from lipsync.core.constants import STALE_TEMP_SECONDS, TEMP_PREFIX
from lipsync.core.errors import EXIT_BAD_INPUT
from lipsync.otio_adapters.dub_timeline import write_dub_timeline


def hashes(folder: Path) -> dict[str, str]:
    """Every file under ``folder`` (links followed) -> SHA-256."""
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def one_error(capsys, code: int, *words: str) -> str:
    """The one ``lipsync: error:`` line of an in-process run, holding ``words``."""
    err = capsys.readouterr().err
    assert "Traceback" not in err
    lines = [line for line in err.strip().splitlines() if line.startswith("lipsync: error:")]
    assert len(lines) == 1, err
    for word in words:
        assert word in lines[0], lines[0]
    return lines[0]


# --- translate: side outputs named like the user's inputs -----------------------------------


@pytest.fixture(scope="module")
def talk(tmp_path_factory):
    return make_clip(tmp_path_factory.mktemp("talk"))


@pytest.fixture
def folder(talk, tmp_path, monkeypatch):
    """A folder (the current one) holding a copy of the clip (talk.mp4) and its Spanish
    subtitles."""
    monkeypatch.chdir(tmp_path)
    shutil.copy(talk.video, tmp_path / "talk.mp4")
    shutil.copy(talk.subtitles, tmp_path / "talk.es.srt")
    return tmp_path


def translate(folder: Path, *extra: str) -> int:
    return run(cli, ["-q", "translate", str(folder / "talk.mp4"), "--to", "es", *extra])


@pytest.mark.parametrize(
    ("setup", "args", "words"),
    [
        # the user's translated subtitles are named like the target subtitles of the output
        ("cp talk.es.srt out.es.srt", ["--subtitles", "out.es.srt"], ["out.es.srt", "--subtitles"]),
        # an OTIO timeline with subtitle markers given as --subtitles, named like the timeline
        ("otio out.otio", ["--subtitles", "out.otio"], ["out.otio", "--subtitles"]),
        # a separated background named like the dub audio written beside the output
        ("cp talk.mp4 out.dub.wav", ["--subtitles", "talk.es.srt", "--stem", "out.dub.wav"],
         ["out.dub.wav", "--stem"]),
        # the subtitles given are the work directory's own target.srt
        ("cp talk.es.srt work/target.srt", ["--subtitles", "work/target.srt", "--workdir", "work"],
         ["target.srt", "--workdir"]),
        # ... reached through a symbolic link
        ("ln work/target.srt mine.srt", ["--subtitles", "mine.srt", "--workdir", "work"],
         ["target.srt", "--workdir"]),
        # a voice map that is the video itself
        ("", ["--subtitles", "talk.es.srt", "--voice-map", "talk.mp4"],
         ["talk.mp4", "--voice-map"]),
        # a hard link of the subtitles as the report
        ("hard out.report.json", ["--subtitles", "talk.es.srt"],
         ["out.report.json", "talk.es.srt"]),
        # with the language still to be recognised, a source-subtitle name is refused too
        ("cp talk.es.srt out.en.srt", ["--subtitles", "out.en.srt"], ["out.en.srt", "--from"]),
    ],
    ids=["target-srt", "otio", "stem", "workdir-target", "workdir-link", "voice-map",
         "hard-link-report", "detected-source"],
)  # fmt: skip
def test_translate_refuses_outputs_that_are_inputs(folder, talk, capsys, setup, args, words):
    (folder / "work").mkdir()
    how, _, name = setup.partition(" ")
    if how == "cp":
        src, dst = name.split()
        shutil.copy(src, dst)
    elif how == "ln":
        shutil.copy(folder / "talk.es.srt", folder / "work" / "target.srt")
        src, dst = name.split()
        os.symlink(folder / src, dst)
    elif how == "otio":
        write_dub_timeline(folder / "talk.mp4", folder / "talk.mp4", folder / name,
                           subtitles=folder / "talk.es.srt", language="es")  # fmt: skip
    elif how == "hard":
        os.link(folder / "talk.es.srt", folder / name)
    before = hashes(folder)
    code = translate(folder, *args, "-o", "out.mp4")
    assert code == EXIT_BAD_INPUT
    one_error(capsys, EXIT_BAD_INPUT, *words)
    assert hashes(folder) == before  # inputs untouched, nothing new (no work directory either)
    assert not (folder / "out.lipsync-work").exists()


def test_translate_keeps_modes_and_no_overwrite_refuses(folder, capsys):
    previous = folder / "out.es.srt"  # an earlier run's output, private to its owner
    previous.write_text("old\n", encoding="utf-8")
    previous.chmod(0o600)
    code = translate(folder, "--subtitles", "talk.es.srt", "--no-lipsync", "-o", "out.mp4")
    assert code == 0, capsys.readouterr().err
    assert previous.read_text(encoding="utf-8") != "old\n"
    assert stat.S_IMODE(previous.stat().st_mode) == 0o600
    assert not list(folder.glob(f"{TEMP_PREFIX}*"))
    before = hashes(folder)
    assert translate(folder, "--subtitles", "talk.es.srt", "-n", "-o", "out.mp4") == 3
    one_error(capsys, EXIT_BAD_INPUT, "out.mp4", "-n/--no-overwrite")
    assert hashes(folder) == before


# --- every command: -n, LIPSYNC_NO_OVERWRITE, inputs as outputs, read-only targets ----------


@pytest.fixture(scope="module")
def media(spoken_portrait):
    """A short face clip and its speech (the session's shared media)."""
    return spoken_portrait(1.0, (320, 180))["folder"]


@pytest.fixture
def here(media, tmp_path, monkeypatch):
    for p in media.iterdir():
        shutil.copy(p, tmp_path / p.name)
    (tmp_path / "exists.json").write_text("{}\n", encoding="utf-8")
    (tmp_path / "exists.mp4").write_bytes(b"\x00" * 16)
    (tmp_path / "ck.pth").write_bytes(b"not a checkpoint")
    monkeypatch.chdir(tmp_path)
    return tmp_path


NO_OVERWRITE = [
    ["sync", "face.mp4", "line.wav", "-o", "exists.mp4"],
    ["sync", "face.mp4", "line.wav", "-o", "new.mp4", "--report", "exists.json"],
    ["visemes", "line.wav", "--json", "exists.json"],
    ["faces", "face.mp4", "--json", "exists.json"],
    ["probe", "face.mp4", "-o", "exists.json"],
    ["check", "face.mp4", "--json", "exists.json"],
    ["timeline", "new", "face.mp4", "--dub", "line.wav", "-o", "exists.json"],
    ["models", "export", "wav2lip", "ck.pth", "-o", "exists.json"],
]


@pytest.mark.parametrize("args", NO_OVERWRITE, ids=lambda a: " ".join(a[:2]))
def test_no_overwrite_refuses_before_any_work(here, capsys, args):
    before = hashes(here)
    assert run(cli, [*args[:-2], "-n", *args[-2:]]) == EXIT_BAD_INPUT
    one_error(capsys, EXIT_BAD_INPUT, "exists.", "-n/--no-overwrite")
    assert hashes(here) == before


def test_the_environment_variable_turns_no_overwrite_on(here):
    before = hashes(here)
    env = {**os.environ, "LIPSYNC_NO_OVERWRITE": "1"}
    proc = subprocess.run([script("lipsync"), "probe", "face.mp4", "-o", "exists.json"],
                          capture_output=True, text=True, env=env, check=False)  # fmt: skip
    assert_one_sentence_error(proc, EXIT_BAD_INPUT, "exists.json", "-n/--no-overwrite")
    assert hashes(here) == before
    proc = subprocess.run([script("lipsync"), "probe", "face.mp4", "-o", "exists.json"],
                          capture_output=True, text=True, check=False)  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert json.loads((here / "exists.json").read_text(encoding="utf-8"))["video"]


CLASHES = [
    (["sync", "face.mp4", "line.wav", "-o", "new.mp4", "--report", "line.wav"], "AUDIO"),
    (["sync", "face.mp4", "line.wav", "-o", "new.mp4", "--html", "new.mp4"], "--html"),
    (["sync", "face.mp4", "line.wav", "-o", "link.wav"], "AUDIO"),
    (["visemes", "line.wav", "--json", "line.wav.phones.json"], "sidecar"),
    (["visemes", "line.wav", "--json", "hard.wav"], "AUDIO"),
    (["faces", "face.mp4", "--preview", "face.mp4"], "VIDEO"),
    (["check", "face.mp4", "line.wav", "--html", "line.wav"], "AUDIO"),
    (["timeline", "new", "face.mp4", "--dub", "line.wav", "-o", "link.wav"], "--dub"),
    (["models", "export", "wav2lip", "ck.pth", "-o", "ck.pth"], "CHECKPOINT"),
    (["probe", "face.mp4", "-o", "face.mp4"], "FILE"),
]


@pytest.mark.parametrize(("args", "role"), CLASHES, ids=lambda a: " ".join(a[:2]) if a else "")
def test_an_output_that_is_an_input_is_refused(here, capsys, args, role):
    (here / "link.wav").symlink_to("line.wav")
    os.link(here / "line.wav", here / "hard.wav")
    (here / "line.wav.phones.json").write_text("{}\n", encoding="utf-8")
    before = hashes(here)
    assert run(cli, args) == EXIT_BAD_INPUT
    one_error(capsys, EXIT_BAD_INPUT, role, "same file")
    assert hashes(here) == before


def test_a_read_only_output_is_refused(here, capsys):
    locked = here / "exists.json"
    locked.chmod(0o444)
    before = hashes(here)
    assert run(cli, ["probe", "face.mp4", "-o", "exists.json"]) == EXIT_BAD_INPUT
    one_error(capsys, EXIT_BAD_INPUT, "exists.json", "read-only")
    assert hashes(here) == before


def test_batch_refuses_a_job_output_that_is_a_hard_link_of_an_input(here, capsys):
    os.link(here / "face.mp4", here / "face_es.mp4")  # the job's output name, linked to its video
    jobs = here / "jobs.json"
    jobs.write_text(json.dumps({"output_dir": ".", "inputs": [
        {"video": "face.mp4", "dubs": {"es": "line.wav"}}]}), encoding="utf-8")  # fmt: skip
    before = hashes(here)
    assert run(cli, ["batch", str(jobs)]) == EXIT_BAD_INPUT
    one_error(capsys, EXIT_BAD_INPUT, "face_es.mp4", "same file", "video of job")
    assert hashes(here) == before
    assert run(cli, ["batch", str(jobs), "--report", "jobs.json"]) == EXIT_BAD_INPUT
    one_error(capsys, EXIT_BAD_INPUT, "(--report)", "(JOBS)")


# --- signals on a real `lipsync sync` -------------------------------------------------------


@pytest.fixture(scope="module")
def long_inputs(spoken_portrait):
    return spoken_portrait(6.0, (480, 270), text="Mama made a map. " * 4)["folder"]


def _default_sigint() -> None:
    # a job started in the background of a non-interactive shell (CI runners, `cmd &`)
    # inherits SIGINT ignored, and Python then keeps it ignored: give the child what a
    # terminal's foreground process has, so Ctrl-C reaches it
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def start_sync(folder: Path, *extra: str) -> subprocess.Popen:
    return subprocess.Popen(
        [script("lipsync"), "sync", str(folder / "face.mp4"), str(folder / "line.wav"),
         "--no-check", *extra],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True,
        preexec_fn=_default_sigint,
    )  # fmt: skip


def wait_for(condition, proc: subprocess.Popen, timeout: float = 120.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if proc.poll() is not None:
            pytest.fail(f"lipsync ended before the moment to interrupt it: {proc.stderr.read()}")
        if time.monotonic() > deadline:
            proc.kill()
            pytest.fail("lipsync never reached the moment to interrupt it")
        time.sleep(0.005)


def temps(folder: Path) -> list[Path]:
    return [p for p in folder.iterdir() if p.name.startswith(TEMP_PREFIX)]


@pytest.mark.parametrize("sig", [signal.SIGHUP, signal.SIGTERM], ids=["SIGHUP", "SIGTERM"])
def test_hangup_and_terminate_clean_up_like_ctrl_c(long_inputs, tmp_path, sig):
    before = hashes(long_inputs)
    out = tmp_path / "out.mp4"
    proc = start_sync(long_inputs, "-o", str(out))
    wait_for(lambda: any(p.stat().st_size > 0 for p in temps(tmp_path)), proc)
    proc.send_signal(sig)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 128 + sig, err
    assert "Traceback" not in err
    lines = [line for line in err.splitlines() if line.startswith("lipsync: error:")]
    assert lines == [f"lipsync: error: interrupted by {sig.name}; nothing was written "
                     f"('{out}' was not)."], err  # fmt: skip
    assert list(tmp_path.iterdir()) == []
    assert hashes(long_inputs) == before


def test_ctrl_c_after_the_video_says_what_was_written(long_inputs, tmp_path):
    out, report, page = tmp_path / "out.mp4", tmp_path / "out.json", tmp_path / "out.html"
    proc = start_sync(long_inputs, "-o", str(out), "--report", str(report), "--html", str(page))
    wait_for(out.exists, proc)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    lines = [line for line in err.splitlines() if line.startswith("lipsync: error:")]
    assert lines == [f"lipsync: error: interrupted; '{out}' was written; '{report}' and "
                     f"'{page}' were not."], err  # fmt: skip
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.mp4"]


def test_a_killed_runs_temporary_is_removed_by_the_next_run(long_inputs, tmp_path):
    proc = start_sync(long_inputs, "-o", str(tmp_path / "out.mp4"))
    wait_for(lambda: any(p.stat().st_size > 0 for p in temps(tmp_path)), proc)
    proc.kill()  # SIGKILL: no clean-up can run
    proc.communicate(timeout=60)
    (left,) = temps(tmp_path)
    assert left.name.startswith(f"{TEMP_PREFIX}{proc.pid}-")
    fresh = time.time()
    os.utime(left, (fresh - STALE_TEMP_SECONDS - 1, fresh - STALE_TEMP_SECONDS - 1))
    done = lipsync("probe", str(long_inputs / "face.mp4"), "-o", str(tmp_path / "p.json"))
    assert done.returncode == 0, done.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["p.json"]


def test_the_interruption_message_names_outputs_and_kept_work():
    from lipsync.cli.main import describe_writes
    from lipsync.core.write_log import WriteLog

    planned = [Path(f"out{suffix}") for suffix in (".mp4", ".dub.wav", ".es.srt", ".otio")]
    assert describe_writes(WriteLog()) == "nothing was written."
    assert describe_writes(WriteLog(planned[:1], [])) == "nothing was written ('out.mp4' was not)."
    text = describe_writes(WriteLog(planned, [Path("w/asr.json"), planned[0], Path("w/t.srt")]))
    assert text == ("'out.mp4' was written; 'out.dub.wav', 'out.es.srt' and 'out.otio' were "
                    "not; 2 finished work files kept (last: 'w/t.srt').")  # fmt: skip
