"""The command group: help for every command, version, exit codes, light imports."""

from __future__ import annotations

import subprocess
import sys

import pytest
from click.testing import CliRunner

import lipsync
from lipsync.cli.main import COMMANDS, cli, run


def test_version():
    result = CliRunner().invoke(cli, ["--version"])
    assert result.exit_code == 0
    assert lipsync.__version__ in result.output


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_every_command_has_help_with_an_example(name):
    result = CliRunner().invoke(cli, [name, "--help"])
    assert result.exit_code == 0, result.output
    assert "Example" in result.output


def test_group_help_lists_every_command():
    result = CliRunner().invoke(cli, ["--help"])
    assert result.exit_code == 0
    for name in COMMANDS:
        assert name in result.output


def test_unknown_command_is_a_usage_error(capsys):
    assert run(cli, ["no-such-command"]) == 2


def test_import_and_help_stay_light():
    code = (
        "import sys, lipsync, lipsync.errors\n"
        "from lipsync.cli.main import run, cli\n"
        "try:\n"
        "    run(cli, ['--help'])\n"
        "except SystemExit:\n"
        "    pass\n"
        "heavy = [m for m in ('torch', 'onnxruntime', 'cv2', 'matplotlib', 'scipy')"
        " if m in sys.modules]\n"
        "print('HEAVY=' + ','.join(heavy))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip().splitlines()[-1] == "HEAVY="
