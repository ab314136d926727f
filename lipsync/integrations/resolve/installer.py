"""``lipsync resolve install|uninstall``: the launchers in Resolve's Scripts folders.

Each launcher is a template from ``launchers/`` with the Python of this environment and the
folder holding the lipsync package filled in, written to ``<Scripts>/Edit`` and
``<Scripts>/Utility``. A file we did not write is never replaced or removed: ours carry the
line ``INSTALLED_BY`` names.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import Path

import lipsync
from lipsync.core.errors import InputError, OutputError
from lipsync.integrations.resolve import layout
from lipsync.integrations.resolve import settings as S

TEMPLATES = Path(__file__).resolve().parent / "launchers"
INSTALLED_BY = "lipsync resolve install"  # every launcher we write says so


@dataclass(frozen=True)
class Step:
    """One file written or removed (or that would be, in a dry run)."""

    action: str  # "write", "keep", "remove", "skip"
    path: Path
    reason: str = ""


def environment() -> dict[str, str]:
    """What the launchers point at: this interpreter and the folder holding ``lipsync``."""
    return {
        "python": str(Path(sys.executable).absolute()),
        "path": str(Path(lipsync.__file__).resolve().parent.parent),
        "version": lipsync.__version__,
    }


def render_python(env: dict[str, str]) -> str:
    text = (TEMPLATES / "launcher.py").read_text(encoding="utf-8")
    return _fill(
        text,
        {
            '"@LIPSYNC_PYTHON@"': repr(env["python"]),
            '"@LIPSYNC_PATH@"': repr(env["path"]),
            "@LIPSYNC_VERSION@": env["version"],
        },
    )


def render_lua(env: dict[str, str]) -> str:
    python = env["python"]
    if "]==]" in python:
        raise InputError(f"The Python path '{python}' cannot be written into a Lua launcher.")
    text = (TEMPLATES / "launcher.lua").read_text(encoding="utf-8")
    return _fill(text, {"@LIPSYNC_PYTHON@": python, "@LIPSYNC_VERSION@": env["version"]})


def _fill(text: str, values: dict[str, str]) -> str:
    for key, value in values.items():
        if key not in text:
            raise RuntimeError(f"the launcher template lacks {key}")
        text = text.replace(key, value)
    return text


def launchers(env: dict[str, str]) -> dict[str, str]:
    """File name -> content of every launcher."""
    return {layout.PYTHON_LAUNCHER: render_python(env), layout.LUA_LAUNCHER: render_lua(env)}


def is_ours(path: Path) -> bool:
    try:
        head = path.read_text(encoding="utf-8", errors="replace")[:2000]
    except OSError:
        return False
    return INSTALLED_BY in head


def install(root: Path, dry_run: bool = False, env: dict[str, str] | None = None) -> list[Step]:
    """Write the launchers under the Scripts folder ``root`` (its Edit and Utility folders),
    and the settings file with the defaults when there is none."""
    contents = launchers(env or environment())
    steps = []
    for sub in layout.SUBFOLDERS:
        for name, text in contents.items():
            path = root / sub / name
            if path.exists() and not is_ours(path):
                raise OutputError(
                    f"'{path}' exists and was not written by lipsync: move it away, or "
                    "install elsewhere with --dest."
                )
            if path.is_file() and path.read_text(encoding="utf-8") == text:
                steps.append(Step("keep", path, "already up to date"))
                continue
            steps.append(Step("write", path))
            if not dry_run:
                _write(path, text)
    settings_file = Path(layout.settings_path())
    if not settings_file.exists():
        steps.append(Step("write", settings_file, "the defaults, to edit"))
        if not dry_run:
            _guard(lambda: S.save(settings_file, S.Settings()), settings_file)
    return steps


def uninstall(root: Path, dry_run: bool = False) -> list[Step]:
    """Remove the launchers we wrote under ``root``; anything else stays."""
    steps = []
    for path in map(Path, layout.launcher_paths(root)):
        if not path.exists():
            continue
        if not is_ours(path):
            steps.append(Step("skip", path, "not written by lipsync"))
            continue
        steps.append(Step("remove", path))
        if not dry_run:
            _guard(path.unlink, path)
    return steps


def _write(path: Path, text: str) -> None:
    _guard(lambda: S.write_atomic(path, text), path)
    if os.name != "nt":
        path.chmod(0o644)


def _guard(action, path: Path) -> None:
    try:
        action()
    except PermissionError as e:
        raise OutputError(
            f"No permission to write '{path}': install for your user only (the default), or "
            "run as an administrator for --system."
        ) from e
    except OSError as e:
        raise OutputError(f"'{path}' cannot be written ({e.strerror}).") from e


def default_root(system: bool = False) -> Path:
    """The Scripts folder of this OS: the user's, or with ``system`` the all-users one."""
    roots = layout.scripts_roots(layout.current_os())
    return Path(roots["system" if system else "user"])
