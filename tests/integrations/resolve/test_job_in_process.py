"""The Resolve helper renders in its own process through the library: progress comes from a
callback (no command line run, no stderr scraping), errors are the library's sentence."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from integrations.resolve.scene import make_media

from lipsync.integrations.resolve import command
from lipsync.otio_adapters.dub_timeline import write_dub_timeline

RUN_JOB = (
    "import sys\n"
    "from lipsync.integrations.resolve import job\n"
    "code = job.main(sys.argv[1:])\n"
    "cli = sorted(m for m in sys.modules if m.startswith('lipsync.cli'))\n"
    "print('CLI=' + ','.join(cli))\n"
    "sys.exit(code)\n"
)


def run_job(tmp_path, *args: str) -> tuple[subprocess.CompletedProcess, dict]:
    plan = tmp_path / "plan.json"
    settings = tmp_path / "settings.json"
    settings.write_text(json.dumps({"output_dir": str(tmp_path / "out"), "handles": 2}))
    proc = subprocess.run(
        [sys.executable, "-c", RUN_JOB, "--plan", str(plan), "--settings", str(settings), *args],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    return proc, json.loads(plan.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def exported(tmp_path_factory) -> Path:
    """A dub timeline of generated media, as Resolve would have exported it."""
    folder = tmp_path_factory.mktemp("exported")
    media = make_media(folder)
    write_dub_timeline(media["pic"], media["dub"], folder / "exported.otio")
    return folder / "exported.otio"


def test_the_job_renders_through_the_library_with_progress_lines(exported, tmp_path):
    proc, plan = run_job(tmp_path, "--exported", str(exported), "--allow-no-face")
    assert plan["ok"], plan["error"]
    assert proc.stdout.splitlines()[-1] == "CLI="  # the command line was never imported
    kinds = [command.parse_line(line) for line in proc.stdout.splitlines()]
    progress = [args for kind, args in kinds if kind == "progress"]
    assert progress, proc.stdout
    assert any(stage == "Timeline clips" for stage, _, _ in progress)
    assert ("plan", (str(tmp_path / "plan.json"),)) in kinds
    report = json.loads(Path(plan["report"]).read_text(encoding="utf-8"))
    assert report["counts"] and plan["summary"]


def test_a_render_error_is_the_librarys_sentence(exported, tmp_path):
    proc, plan = run_job(tmp_path, "--exported", str(exported), "--video-track", "Nope")
    assert not plan["ok"]
    assert "no video track 'Nope'" in plan["error"]
    assert f"lipsync: error: {plan['error']}" in proc.stderr
    assert "Traceback" not in proc.stderr
