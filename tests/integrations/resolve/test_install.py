"""Installing the launchers: Resolve's folders on each OS, into temporary folders laid out as
on each OS, never over a file lipsync did not write; the doctor's findings."""

from __future__ import annotations

from pathlib import Path, PurePosixPath, PureWindowsPath

import pytest
from click.testing import CliRunner
from integrations.resolve.fake_resolve import FakeResolve

from lipsync.cli.main import cli, run
from lipsync.cli.resolve import command as resolve_group
from lipsync.integrations.resolve import doctor, installer, layout

HOME = {"linux": "/home/ed", "macos": "/Users/ed", "windows": "C:\\Users\\ed"}
WIN_ENV = {"APPDATA": "C:\\Users\\ed\\AppData\\Roaming", "PROGRAMDATA": "C:\\ProgramData"}


@pytest.fixture(autouse=True)
def settings_file(tmp_path, monkeypatch):
    path = tmp_path / "config" / "resolve.json"
    monkeypatch.setenv("LIPSYNC_RESOLVE_SETTINGS", str(path))
    return path


def test_scripts_folders_of_each_os():
    assert layout.scripts_roots("linux", {}, HOME["linux"]) == {
        "user": PurePosixPath("/home/ed/.local/share/DaVinciResolve/Fusion/Scripts"),
        "system": PurePosixPath("/opt/resolve/Fusion/Scripts"),
    }
    mac = "Library/Application Support/Blackmagic Design/DaVinci Resolve/Fusion/Scripts"
    assert layout.scripts_roots("macos", {}, HOME["macos"]) == {
        "user": PurePosixPath("/Users/ed") / mac,
        "system": PurePosixPath("/") / mac,
    }
    assert layout.scripts_roots("windows", WIN_ENV, HOME["windows"]) == {
        "user": PureWindowsPath(
            r"C:\Users\ed\AppData\Roaming\Blackmagic Design\DaVinci Resolve\Support\Fusion\Scripts"
        ),
        "system": PureWindowsPath(
            r"C:\ProgramData\Blackmagic Design\DaVinci Resolve\Fusion\Scripts"
        ),
    }


def test_settings_file_of_each_os():
    assert (
        str(layout.settings_path("linux", {}, "/home/ed"))
        == "/home/ed/.config/lipsync/resolve.json"
    )
    xdg = {"XDG_CONFIG_HOME": "/cfg"}
    assert str(layout.settings_path("linux", xdg, "/home/ed")) == "/cfg/lipsync/resolve.json"
    assert str(layout.settings_path("macos", {}, "/Users/ed")) == (
        "/Users/ed/Library/Application Support/lipsync/resolve.json"
    )
    assert str(layout.settings_path("windows", WIN_ENV, "C:\\Users\\ed")) == (
        r"C:\Users\ed\AppData\Roaming\lipsync\resolve.json"
    )


@pytest.mark.parametrize("os_name", layout.SYSTEMS)
@pytest.mark.parametrize("kind", ["user", "system"])
def test_install_and_uninstall_in_each_os_layout(tmp_path, os_name, kind, settings_file):
    root = layout.scripts_roots(os_name, WIN_ENV, HOME[os_name])[kind]
    scripts = tmp_path.joinpath(*root.parts[1:])  # the same folders, under tmp_path
    steps = installer.install(scripts)
    written = sorted(str(s.path.relative_to(scripts)) for s in steps if s.path != settings_file)
    assert written == sorted(
        str(Path(s) / n) for s in ("Edit", "Utility") for n in layout.LAUNCHERS
    )
    assert settings_file.is_file()
    env = installer.environment()
    for sub in layout.SUBFOLDERS:
        py = (scripts / sub / "Lip Sync.py").read_text()
        assert f"LIPSYNC_PYTHON = {env['python']!r}" in py and '"@LIPSYNC_PATH@"' not in py
        compile(py, "Lip Sync.py", "exec")
        lua = (scripts / sub / "Lip Sync (Lua).lua").read_text()
        assert f"[==[{env['python']}]==]" in lua
    assert {s.action for s in installer.install(scripts)} == {"keep"}  # idempotent
    foreign = scripts / "Utility" / "Mine.py"
    foreign.write_text("print('mine')")
    assert {s.action for s in installer.uninstall(scripts)} == {"remove"}
    assert sorted(p.name for p in scripts.rglob("*") if p.is_file()) == ["Mine.py"]


def test_never_overwrites_a_file_it_did_not_write(tmp_path):
    (tmp_path / "Edit").mkdir()
    (tmp_path / "Edit" / "Lip Sync.py").write_text("# someone else's script\n")
    assert run(cli, ["resolve", "install", "--dest", str(tmp_path)]) == 3
    assert (tmp_path / "Edit" / "Lip Sync.py").read_text() == "# someone else's script\n"
    assert not (tmp_path / "Utility").exists()


def test_cli_dry_run_writes_nothing(tmp_path, settings_file):
    result = CliRunner().invoke(resolve_group, ["install", "--dest", str(tmp_path), "--dry-run"])
    assert result.exit_code == 0, result.output
    assert result.output.count("would write") == 5
    assert not any(tmp_path.rglob("*.py")) and not settings_file.exists()
    result = CliRunner().invoke(resolve_group, ["install", "--dest", str(tmp_path)])
    assert result.exit_code == 0 and "Restart Resolve" in result.output
    result = CliRunner().invoke(resolve_group, ["uninstall", "--dest", str(tmp_path)])
    assert result.output.count("removed") == 4 and not any(tmp_path.rglob("Lip Sync*"))


def test_luac_parses_the_installed_lua_launcher(tmp_path):
    import subprocess

    installer.install(tmp_path)
    for path in [installer.TEMPLATES / "launcher.lua", tmp_path / "Edit" / "Lip Sync (Lua).lua"]:
        proc = subprocess.run(["luac5.4", "-p", str(path)], capture_output=True, text=True)
        assert proc.returncode == 0, proc.stderr


def levels(findings, level):
    return [f.text for f in findings if f.level == level]


def test_doctor_without_launchers_or_resolve(tmp_path):
    found = doctor.run_doctor(roots={"user": tmp_path / "none"}, connect=lambda: None)
    problems = levels(found, "problem")
    assert problems == [
        "Lip Sync is not installed in Resolve's Scripts folders: run `lipsync resolve install`."
    ]
    assert any("did not answer external scripting" in t for t in levels(found, "note"))


@pytest.mark.parametrize(
    ("version", "product", "problem", "notes"),
    [
        ((19, 0, 3, 7, ""), "DaVinci Resolve Studio", None, []),
        ((18, 1, 4, 5, ""), "DaVinci Resolve Studio", "needs Resolve 18.5 or later", []),
        ((19, 1, 0, 1, ""), "DaVinci Resolve", None, ["no script dialogs"]),
        ((21, 1, 0, 2, ""), "DaVinci Resolve", None, ["no script dialogs", "Lip Sync (Lua)"]),
    ],
)
def test_doctor_reads_the_running_resolve(tmp_path, version, product, problem, notes):
    installer.install(tmp_path)
    resolve = FakeResolve(version=version, product=product)
    found = doctor.run_doctor(roots={"user": tmp_path}, connect=lambda: resolve)
    assert len(levels(found, "ok")) >= 6  # environment, OTIO, 4 launchers, the Resolve running
    assert levels(found, "problem") == ([] if problem is None else [levels(found, "problem")[0]])
    if problem:
        assert problem in levels(found, "problem")[0]
    for note in notes:
        assert any(note in t for t in levels(found, "note")), found


def test_doctor_spots_a_launcher_whose_python_is_gone(tmp_path):
    env = dict(installer.environment(), python=str(tmp_path / "gone" / "python"))
    installer.install(tmp_path / "Scripts", env=env)
    found = doctor.run_doctor(roots={"user": tmp_path / "Scripts"}, connect=lambda: None)
    assert sum("no longer exists" in t for t in levels(found, "problem")) == 4


def test_doctor_cli_exit_status(tmp_path, settings_file):
    settings_file.parent.mkdir()
    settings_file.write_text('{"placement": "sideways"}')
    result = CliRunner().invoke(resolve_group, ["doctor", "--dest", str(tmp_path)])
    assert result.exit_code == 1
    assert "placement 'sideways' is not one of track, timeline" in result.output
    assert result.output.strip().endswith("problems found.")
