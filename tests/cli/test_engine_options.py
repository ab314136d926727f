"""The one engine option group: declared once, names from the registry, defaults from
SyncOptions, the same on every command that lip-syncs."""

from __future__ import annotations

import re
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from lipsync.cli.engine_options import ALL, EngineParams, engine_options, sync_options
from lipsync.cli.filter import command as filter_command
from lipsync.cli.main import cli, run
from lipsync.core.render import registry
from lipsync.core.render.warp import WarpRenderer
from lipsync.core.sync_options import SyncOptions

CLI = Path(__file__).resolve().parents[2] / "lipsync" / "cli"


def _capture(*names: str) -> tuple[click.Command, list[SyncOptions]]:
    seen: list[SyncOptions] = []

    @click.command()
    @engine_options(*names)
    def command(engine: EngineParams) -> None:
        seen.append(sync_options(engine))

    return command, seen


def test_no_option_given_is_syncoptions_defaults():
    command, seen = _capture(*ALL)
    result = CliRunner().invoke(command, [])
    assert result.exit_code == 0, result.output
    assert seen == [SyncOptions()]


def test_every_option_reaches_syncoptions(tmp_path):
    transcript = tmp_path / "line.txt"
    transcript.write_text("Mama made a map.\n", encoding="utf-8")
    command, seen = _capture(*ALL)
    args = [
        "--text-file", str(transcript), "--lang", "es", "--renderer", "warp", "--face", "2",
        "--start", "1.5", "--end", "3", "--audio-mode", "both", "--crf", "0", "--preset",
        "fast", "--tune", "grain", "--allow-no-face", "--allow-truncated", "--lookahead", "0.5",
    ]  # fmt: skip
    result = CliRunner().invoke(command, args)
    assert result.exit_code == 0, result.output
    (options,) = seen
    assert options.text == "Mama made a map.\n" and options.lang == "es"
    assert options.selection.face == 2 and (options.start, options.end) == (1.5, 3.0)
    encode = options.encode
    got = (encode.audio_mode, encode.crf, encode.preset, encode.tune)
    assert got == ("both", 0, "fast", "grain")
    assert options.allow_no_face and options.allow_truncated and options.lookahead == 0.5


def test_two_groups_on_one_command_give_one_engine():
    seen: list[SyncOptions] = []

    @click.command()
    @engine_options("renderer", "crf")
    @click.option("--other", default="x")
    @engine_options("face")
    def command(engine: EngineParams, other: str) -> None:
        seen.append(sync_options(engine))

    result = CliRunner().invoke(command, ["--crf", "30", "--face", "all", "--other", "y"])
    assert result.exit_code == 0, result.output
    assert seen[0].encode.crf == 30 and seen[0].selection.face == "all"


def test_renderer_names_come_from_the_registry(monkeypatch):
    monkeypatch.setitem(registry._FACTORIES, "testonly", lambda model: WarpRenderer())
    for args in (["sync", "--help"], ["timeline", "render", "--help"], ["translate", "--help"]):
        result = CliRunner().invoke(cli, args)
        assert result.exit_code == 0, result.output
        choice = re.search(r"--renderer \[([^\]]+)\]", result.output)
        assert choice is not None, result.output
        assert tuple(choice.group(1).split("|")) == registry.renderer_names()
        assert "testonly" in choice.group(1)
    result = CliRunner().invoke(filter_command, ["--help"])
    assert "testonly" in result.output
    command, seen = _capture("renderer")
    assert CliRunner().invoke(command, ["--renderer", "testonly"]).exit_code == 0
    assert seen[0].renderer == "testonly"


def test_an_unknown_renderer_is_bad_input_naming_the_known_ones(capsys, tmp_path):
    code = run(cli, ["sync", "v.mp4", "a.wav", "-o", str(tmp_path / "o.mp4"), "--renderer", "x"])
    assert code == 3
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "Unknown renderer 'x'" in err[0]
    for name in registry.renderer_names():
        assert name in err[0]


def test_text_and_text_file_together_are_a_usage_error(tmp_path):
    transcript = tmp_path / "t.txt"
    transcript.write_text("a", encoding="utf-8")
    command, _ = _capture("text", "text_file")
    result = CliRunner().invoke(command, ["--text", "a", "--text-file", str(transcript)])
    assert result.exit_code == 2 and "either --text or --text-file" in result.output


def test_unknown_option_name_is_refused_at_declaration():
    with pytest.raises(ValueError, match="nope"):
        engine_options("renderer", "nope")


@pytest.mark.parametrize(
    "path",
    sorted(p for p in CLI.glob("*.py") if p.name != "engine_options.py"),
    ids=lambda p: p.name,
)
def test_no_command_declares_a_renderer_or_its_default_itself(path):
    text = path.read_text(encoding="utf-8")
    assert '"--renderer"' not in text and '"warp"' not in text, path.name


def test_every_command_with_a_preset_offers_a_tune():
    offered = []
    for args in (["sync"], ["timeline", "render"], ["translate"], ["batch"]):
        result = CliRunner().invoke(cli, [*args, "--help"])
        assert result.exit_code == 0, result.output
        if "--preset" in result.output:
            assert "--tune" in result.output, args
            offered.append(args[0])
    assert offered == ["sync", "timeline", "translate"]
