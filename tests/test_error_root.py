"""One error root: every error class in the package inherits LipsyncError and is reachable
from lipsync.errors, the same class object wherever it is defined."""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

import pytest

import lipsync.errors

PACKAGE = Path(__file__).resolve().parents[1] / "lipsync"


def error_classes() -> list[tuple[str, str]]:
    """(module, class name) of every public class named ``…Error`` or ``…Interrupted``."""
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        module = ".".join(path.relative_to(PACKAGE.parent).with_suffix("").parts)
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in tree.body:
            public = isinstance(node, ast.ClassDef) and not node.name.startswith("_")
            if public and node.name.endswith(("Error", "Interrupted")):
                found.append((module.removesuffix(".__init__"), node.name))
    return found


def test_the_scan_finds_the_known_errors():
    names = {name for _, name in error_classes()}
    assert {"LipsyncError", "NoFaceError", "SettingsError", "BatchInterrupted"} <= names
    assert {"TimelineError", "ActionError"} <= names


@pytest.mark.parametrize(("module", "name"), error_classes(), ids=lambda x: x)
def test_every_error_is_under_the_root_and_exported(module, name):
    cls = getattr(importlib.import_module(module), name)
    assert issubclass(cls, lipsync.errors.LipsyncError), f"{module}.{name}"
    assert name in lipsync.errors.__all__, f"{name} is not re-exported from lipsync.errors"
    assert getattr(lipsync.errors, name) is cls


def test_builtins_still_catch_them():
    assert issubclass(lipsync.errors.SettingsError, ValueError)
    assert issubclass(lipsync.errors.NoFaceError, ValueError)
    assert lipsync.errors.BatchInterrupted.exit_code == lipsync.errors.EXIT_INTERRUPTED
