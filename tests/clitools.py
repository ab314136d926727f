"""Running the installed console scripts as a user would, and checking their errors."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys


def script(name: str) -> str:
    """The console script installed beside this interpreter (the venv's bin), else on PATH."""
    path = shutil.which(name, path=os.path.dirname(sys.executable)) or shutil.which(name)
    assert path is not None, f"the {name} console script is not installed"
    return path


def lipsync(*args: str) -> subprocess.CompletedProcess:
    """Run ``lipsync ARGS`` and capture its output."""
    return subprocess.run([script("lipsync"), *args], capture_output=True, text=True, check=False)


def assert_one_sentence_error(proc: subprocess.CompletedProcess, code: int, *words: str) -> None:
    """Exit ``code``, no traceback, one ``lipsync: error:`` line naming ``words``, no stdout."""
    assert proc.returncode == code, proc.stderr
    assert "Traceback" not in proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith("lipsync: error: ")
    for word in words:
        assert word in lines[0]
    assert proc.stdout == ""
