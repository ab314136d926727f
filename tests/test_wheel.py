"""The wheel is publishable: it installs into a fresh venv and `lipsync demo` runs from it.

The wheel is built from a copy of the working tree (so the build leaves nothing in the
checkout), installed with ``--no-deps`` into a new venv, and the dependencies are taken from
the test run's own environment through a ``.pth`` path line placed after the venv's own
site-packages, so nothing is downloaded and the installed copy is the one imported.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import venv
import zipfile
from pathlib import Path

import pytest

from lipsync.core.optional import DISTRIBUTION

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]
PIP = (sys.executable, "-m", "pip")
#: what `lipsync demo` (and the default path) reads at run time from the package itself
SHIPPED = (
    "lipsync/core/models/data/face_detection_short_range.onnx",
    "lipsync/core/models/data/face_detection_full_range.onnx",
    "lipsync/core/models/data/face_landmark.onnx",
    "lipsync/core/models/data/SHA256SUMS.txt",
    "lipsync/core/data/astronaut_portrait.jpg",
    "lipsync/otio_adapters/plugin_manifest.json",
    "lipsync/integrations/resolve/launchers/launcher.lua",
    "lipsync/py.typed",
)


def _source_copy(dest: Path) -> Path:
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info")
    dest.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(ROOT / name, dest / name)
    shutil.copytree(ROOT / "lipsync", dest / "lipsync", ignore=ignore)
    return dest


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    base = tmp_path_factory.mktemp("wheel")
    source = _source_copy(base / "src")
    out = base / "dist"
    subprocess.run(
        [
            *PIP,
            "wheel",
            "--quiet",
            "--no-deps",
            "--no-build-isolation",
            "-w",
            str(out),
            str(source),
        ],
        check=True,
        capture_output=True,
        text=True,
        timeout=300,
    )
    (built,) = out.glob("*.whl")
    return built


def test_wheel_is_named_and_carries_the_models(wheel: Path) -> None:
    assert wheel.name.startswith(DISTRIBUTION.replace("-", "_") + "-")
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        (entry_points,) = (n for n in names if n.endswith(".dist-info/entry_points.txt"))
        scripts = archive.read(entry_points).decode()
    missing = [path for path in SHIPPED if path not in names]
    assert not missing, f"the wheel lacks {missing}"
    assert "lipsync = lipsync.cli.main:main" in scripts
    assert "lipsync-filter = " in scripts
    assert not any(n.startswith(("tests/", "bench/", "docs/")) for n in names)


def test_demo_runs_from_the_installed_wheel(wheel: Path, tmp_path: Path) -> None:
    env_dir = tmp_path / "venv"
    venv.EnvBuilder(with_pip=False).create(env_dir)
    python = env_dir / "bin" / "python"
    site = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    # the dependencies from this test run's environment, searched after the venv's own
    deps = sysconfig.get_paths()["purelib"]
    Path(site, "zz_test_dependencies.pth").write_text(deps + "\n")
    subprocess.run(
        [*PIP, "--python", str(python), "install", "-q", "--no-deps", "--no-index", str(wheel)],
        check=True,
        capture_output=True,
        text=True,
        timeout=300,
    )
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    env["PATH"] = f"{env_dir / 'bin'}{os.pathsep}{env['PATH']}"
    where = subprocess.run(
        [str(python), "-c", "import lipsync; print(lipsync.__file__)"],
        cwd=tmp_path,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    assert Path(where).is_relative_to(Path(site)), where

    out = tmp_path / "demo"
    run = subprocess.run(
        [str(env_dir / "bin" / "lipsync"), "--quiet", "demo", "--out", str(out)],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert run.returncode == 0, run.stderr[-2000:]

    result = out / "astronaut_es.mp4"
    probe = subprocess.run(
        ["ffprobe", "-v", "error", "-count_frames", "-of", "json", "-show_streams", str(result)],
        check=True,
        capture_output=True,
        text=True,
    )
    info = json.loads(probe.stdout)
    video = [s for s in info["streams"] if s["codec_type"] == "video"]
    audio = [s for s in info["streams"] if s["codec_type"] == "audio"]
    assert len(video) == 1 and len(audio) == 1
    assert video[0]["codec_name"] == "h264"
    assert (int(video[0]["width"]), int(video[0]["height"])) == (1280, 720)
    assert int(video[0]["nb_read_frames"]) >= 100
    report = json.loads((out / "report.json").read_text())
    assert report["rendered"] > 0
