"""Where DaVinci Resolve looks for menu scripts, and where our files go, on each OS.

Resolve lists the scripts it finds in the subfolders of its ``Fusion/Scripts`` folders under
Workspace > Scripts: ``Edit`` scripts on the Edit page, ``Utility`` scripts on every page.
There are two such folders, one for all users and one per user:

    Linux    /opt/resolve/Fusion/Scripts
             ~/.local/share/DaVinciResolve/Fusion/Scripts
    macOS    /Library/Application Support/Blackmagic Design/DaVinci Resolve/Fusion/Scripts
             ~/Library/Application Support/Blackmagic Design/DaVinci Resolve/Fusion/Scripts
    Windows  %PROGRAMDATA%\\Blackmagic Design\\DaVinci Resolve\\Fusion\\Scripts
             %APPDATA%\\Blackmagic Design\\DaVinci Resolve\\Support\\Fusion\\Scripts

Pure functions of (OS name, environment, home folder), so every layout is testable anywhere.
Standard library only: this module also runs inside Resolve's own Python.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from pathlib import PurePath, PurePosixPath, PureWindowsPath

LINUX, MACOS, WINDOWS = "linux", "macos", "windows"
SYSTEMS = (LINUX, MACOS, WINDOWS)
SUBFOLDERS = ("Edit", "Utility")  # Edit page only; every page
MENU_NAME = "Lip Sync"  # the entry under Workspace > Scripts > Edit / Utility
PYTHON_LAUNCHER = MENU_NAME + ".py"
LUA_LAUNCHER = MENU_NAME + " (Lua).lua"  # free Resolve 21.1 lists only Lua scripts
LAUNCHERS = (PYTHON_LAUNCHER, LUA_LAUNCHER)
SETTINGS_NAME = "resolve.json"
MAC_RESOLVE = "Library/Application Support/Blackmagic Design/DaVinci Resolve"


def current_os() -> str:
    """``linux``, ``macos`` or ``windows`` for the running interpreter."""
    if sys.platform.startswith("win"):
        return WINDOWS
    if sys.platform == "darwin":
        return MACOS
    return LINUX


def path_type(os_name: str) -> type[PurePath]:
    return PureWindowsPath if os_name == WINDOWS else PurePosixPath


def scripts_roots(
    os_name: str, env: Mapping[str, str] | None = None, home: str | None = None
) -> dict[str, PurePath]:
    """``{"user": …, "system": …}``: the two ``Fusion/Scripts`` folders of Resolve on ``os_name``.
    ``env`` defaults to ``os.environ``, ``home`` to the user's home folder."""
    env = os.environ if env is None else env
    home = home or os.path.expanduser("~")
    P = path_type(os_name)
    if os_name == LINUX:
        return {
            "user": P(home, ".local/share/DaVinciResolve/Fusion/Scripts"),
            "system": P("/opt/resolve/Fusion/Scripts"),
        }
    if os_name == MACOS:
        return {
            "user": P(home, MAC_RESOLVE, "Fusion/Scripts"),
            "system": P("/", MAC_RESOLVE, "Fusion/Scripts"),
        }
    if os_name == WINDOWS:
        appdata = env.get("APPDATA") or str(P(home, "AppData", "Roaming"))
        programdata = env.get("PROGRAMDATA") or env.get("ProgramData") or "C:\\ProgramData"
        resolve = ("Blackmagic Design", "DaVinci Resolve")
        return {
            "user": P(appdata, *resolve, "Support", "Fusion", "Scripts"),
            "system": P(programdata, *resolve, "Fusion", "Scripts"),
        }
    raise ValueError(f"unknown OS {os_name!r}: expected one of {', '.join(SYSTEMS)}")


def launcher_paths(root: PurePath) -> list[PurePath]:
    """Every launcher file the installer writes under the Scripts folder ``root``."""
    return [root / sub / name for sub in SUBFOLDERS for name in LAUNCHERS]


def settings_path(
    os_name: str | None = None, env: Mapping[str, str] | None = None, home: str | None = None
) -> PurePath:
    """The settings file of the Resolve action (``LIPSYNC_RESOLVE_SETTINGS`` overrides):
    ``$XDG_CONFIG_HOME/lipsync/resolve.json`` on Linux, ``~/Library/Application Support/
    lipsync/resolve.json`` on macOS, ``%APPDATA%\\lipsync\\resolve.json`` on Windows."""
    os_name = os_name or current_os()
    env = os.environ if env is None else env
    home = home or os.path.expanduser("~")
    P = path_type(os_name)
    if env.get("LIPSYNC_RESOLVE_SETTINGS"):
        return P(env["LIPSYNC_RESOLVE_SETTINGS"])
    if os_name == WINDOWS:
        base = P(env.get("APPDATA") or str(P(home, "AppData", "Roaming")))
    elif os_name == MACOS:
        base = P(home, "Library", "Application Support")
    else:
        base = P(env.get("XDG_CONFIG_HOME") or str(P(home, ".config")))
    return base / "lipsync" / SETTINGS_NAME


def default_output_dir(os_name: str | None = None, home: str | None = None) -> PurePath:
    """Where renders go unless the settings say otherwise: ``~/lipsync/Resolve``."""
    os_name = os_name or current_os()
    return path_type(os_name)(home or os.path.expanduser("~"), "lipsync", "Resolve")
