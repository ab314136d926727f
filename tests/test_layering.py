"""Imports point inwards: the engine (core) never imports the doors (cli, integrations,
otio_adapters), the integrations never import the command line (the filter's and the
Resolve job's shells live in cli or call the library), and inside core, speech, face and
render never import each other."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "lipsync"
OUTER = ("lipsync.cli", "lipsync.integrations", "lipsync.otio_adapters")
SIBLINGS = ("speech", "face", "render")


def imports_of(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def modules(folder: Path) -> list[Path]:
    return sorted(folder.rglob("*.py"))


@pytest.mark.parametrize(
    "path", modules(PACKAGE / "core"), ids=lambda p: str(p.relative_to(PACKAGE))
)
def test_core_does_not_import_the_doors(path):
    bad = {name for name in imports_of(path) if name.startswith(OUTER)}
    assert not bad, f"{path.relative_to(PACKAGE)} imports {sorted(bad)}"


@pytest.mark.parametrize(
    "path", modules(PACKAGE / "integrations"), ids=lambda p: str(p.relative_to(PACKAGE))
)
def test_integrations_do_not_import_the_command_line(path):
    bad = {name for name in imports_of(path) if name.startswith("lipsync.cli")}
    assert not bad, f"{path.relative_to(PACKAGE)} imports {sorted(bad)}"


def test_the_import_check_sees_imports_inside_functions(tmp_path):
    """The check walks the whole tree, so an import inside a function body counts too."""
    module = tmp_path / "m.py"
    module.write_text("def f():\n    from lipsync.cli.main import run\n    import lipsync.cli\n")
    assert imports_of(module) == {"lipsync.cli.main", "lipsync.cli"}


@pytest.mark.parametrize("sibling", SIBLINGS)
def test_speech_face_render_stay_apart(sibling):
    others = tuple(f"lipsync.core.{s}" for s in SIBLINGS if s != sibling)
    for path in modules(PACKAGE / "core" / sibling):
        bad = {name for name in imports_of(path) if name.startswith(others)}
        assert not bad, f"{path.relative_to(PACKAGE)} imports {sorted(bad)}"
