"""``lipsync resolve doctor``: is everything in place for the Scripts-menu action?

Checks lipsync's environment, the settings file, the launchers in the Scripts folders, and,
when a running Resolve answers external scripting, its version and edition. Each finding is
one plain sentence: ``ok``, ``note`` (worth knowing) or ``problem`` (the action will fail).
"""

from __future__ import annotations

import ast
import importlib
import os
import re
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from lipsync.integrations.resolve import installer, layout
from lipsync.integrations.resolve import settings as S

OK, NOTE, PROBLEM = "ok", "note", "problem"
DIALOGS_GONE = (19, 1)  # free editions: no UIManager dialogs for scripts from 19.1
PYTHON_MENU_GONE = (21, 1)  # free editions: Python scripts no longer in the menu from 21.1
_LUA_LINE = re.compile(r"^local LIPSYNC_PYTHON = \[==\[(.*)\]==\]", re.M)


@dataclass(frozen=True)
class Finding:
    level: str
    text: str

    def __str__(self) -> str:
        return f"{self.level + ':':<9}{self.text}"


def run_doctor(
    roots: dict[str, Path] | None = None,
    env: dict[str, str] | None = None,
    connect: Callable[[], object] | None = None,
    settings_file: Path | None = None,
) -> list[Finding]:
    env = env or installer.environment()
    roots = roots or {k: Path(v) for k, v in layout.scripts_roots(layout.current_os()).items()}
    settings_file = settings_file or Path(layout.settings_path())
    found = check_environment(env)
    found += check_settings(settings_file)
    found += check_launchers(roots, env)
    found += check_resolve((connect or connect_external)())
    return found


def check_environment(env: dict[str, str]) -> list[Finding]:
    found = [Finding(OK, f"lipsync {env['version']} runs with the Python '{env['python']}'.")]
    try:
        otio = importlib.import_module("opentimelineio")
        found.append(Finding(OK, f"OpenTimelineIO {otio.__version__} is installed."))
    except ImportError:
        found.append(Finding(PROBLEM, "OpenTimelineIO is not installed: reinstall lipsync."))
    return found


def check_settings(path: Path) -> list[Finding]:
    if not path.exists():
        return [Finding(NOTE, f"No settings file yet at '{path}': the defaults apply.")]
    try:
        s = S.load(path)
    except S.SettingsError as e:
        return [Finding(PROBLEM, str(e))]
    dub = s.dub_track or "the dub-timeline convention ('Dub')"
    return [
        Finding(
            OK,
            f"Settings in '{path}': dub track {dub}, renderer {s.renderer}, "
            f"placement {s.placement}.",
        )
    ]


def check_launchers(roots: dict[str, Path], env: dict[str, str]) -> list[Finding]:
    found, installed = [], 0
    for kind, root in roots.items():
        if not root.is_dir():
            found.append(Finding(NOTE, f"Resolve's {kind} Scripts folder '{root}' does not exist."))
            continue
        for path in map(Path, layout.launcher_paths(root)):
            if not path.exists():
                continue
            if not installer.is_ours(path):
                found.append(Finding(NOTE, f"'{path}' was not written by lipsync."))
                continue
            installed += 1
            found.append(_check_launcher(path, env))
    if not installed:
        found.append(
            Finding(
                PROBLEM,
                "Lip Sync is not installed in Resolve's Scripts folders: run "
                "`lipsync resolve install`.",
            )
        )
    return found


def _check_launcher(path: Path, env: dict[str, str]) -> Finding:
    text = path.read_text(encoding="utf-8", errors="replace")
    python = _lua_python(text) if path.suffix == ".lua" else _python_python(text)
    if python is None:
        return Finding(PROBLEM, f"'{path}' is damaged: run `lipsync resolve install` again.")
    if not Path(python).exists():
        return Finding(
            PROBLEM,
            f"'{path}' points at the Python '{python}', which no longer exists: run "
            "`lipsync resolve install` again.",
        )
    if os.path.normcase(python) != os.path.normcase(env["python"]):
        return Finding(
            NOTE,
            f"'{path}' runs lipsync from another environment ('{python}'); run `lipsync "
            "resolve install` from this one to use it instead.",
        )
    return Finding(OK, f"'{path}' is installed and points at this environment.")


def _python_python(text: str) -> str | None:
    """The value of ``LIPSYNC_PYTHON = '…'`` in a Python launcher."""
    try:
        tree = ast.parse(text)
    except SyntaxError:
        return None
    for node in tree.body:
        if isinstance(node, ast.Assign) and [getattr(t, "id", None) for t in node.targets] == [
            "LIPSYNC_PYTHON"
        ]:
            value = node.value
            if isinstance(value, ast.Constant) and isinstance(value.value, str):
                return value.value
            return None
    return None


def _lua_python(text: str) -> str | None:
    match = _LUA_LINE.search(text)
    return match.group(1) if match else None


def check_resolve(resolve) -> list[Finding]:
    if resolve is None:
        return [
            Finding(
                NOTE,
                "Resolve did not answer external scripting (not running, or "
                "Preferences > General > External scripting is off; free editions "
                "allow none), so its version and edition were not checked.",
            )
        ]
    try:
        version = tuple(int(v) for v in (resolve.GetVersion() or [])[:3] if str(v).isdigit())
        shown = resolve.GetVersionString() or ".".join(map(str, version))
        product = resolve.GetProductName() or "DaVinci Resolve"
    except Exception as e:
        return [Finding(NOTE, f"Resolve answered but its version could not be read ({e}).")]
    found = [Finding(OK, f"{product} {shown} is running.")]
    studio = "studio" in product.lower()
    if version[:2] < (18, 5):
        found.append(
            Finding(
                PROBLEM,
                f"{product} {shown} cannot export timelines as OTIO: Lip Sync "
                "needs Resolve 18.5 or later.",
            )
        )
    if not studio and version[:2] >= DIALOGS_GONE:
        found.append(
            Finding(
                NOTE,
                "This free edition shows no script dialogs: Lip Sync uses the "
                "settings file instead (see above).",
            )
        )
    if not studio and version[:2] >= PYTHON_MENU_GONE:
        found.append(
            Finding(
                NOTE,
                "This free edition lists only Lua scripts: use Workspace > Scripts "
                "> Lip Sync (Lua).",
            )
        )
    return found


def connect_external():
    """The running Resolve through its scripting module, or None (not running, external
    scripting off, or the module not found). Never raises."""
    api = os.environ.get("RESOLVE_SCRIPT_API") or _default_api()
    if not api:
        return None
    modules = str(Path(api) / "Modules")
    added = modules not in sys.path
    if added:
        sys.path.append(modules)
    try:
        dvr = importlib.import_module("DaVinciResolveScript")
        return dvr.scriptapp("Resolve")
    except Exception:
        return None
    finally:
        if added and modules in sys.path:
            sys.path.remove(modules)


def _default_api() -> str | None:
    os_name = layout.current_os()
    if os_name == layout.MACOS:
        candidate = f"/{layout.MAC_RESOLVE}/Developer/Scripting"
    elif os_name == layout.WINDOWS:
        base = os.environ.get("PROGRAMDATA", "C:\\ProgramData")
        candidate = os.path.join(
            base, "Blackmagic Design", "DaVinci Resolve", "Support", "Developer", "Scripting"
        )
    else:
        candidate = "/opt/resolve/Developer/Scripting"
    return candidate if os.path.isdir(candidate) else None
