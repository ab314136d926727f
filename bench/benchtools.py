"""What the benchmarks share: test speech, and the programs they time against."""

from __future__ import annotations

import compileall
import shutil
import subprocess
import sys
from pathlib import Path

from lipsync.core.media import save_audio
from lipsync.core.speech import synthesize, write_sidecar

LINE = (
    "Hola a todos. Me llamo Eileen, y hoy vamos a hablar del espacio y de las estrellas. "
    "Bienvenidos a bordo: preparamos el despegue, miramos la Tierra desde muy lejos. "
)


def as_installed() -> None:
    """Byte-compile the lipsync package, as installing its wheel does, so that start-up is timed
    as users get it: where ``PYTHONDONTWRITEBYTECODE`` is set (this machine, CI) an editable
    checkout is otherwise compiled from source on every start (0.17 s of the filter's 0.4 s of
    imports, measured 2026-12-02 15:20). The bytecode goes to ``__pycache__`` (ignored by git)."""
    import lipsync

    compileall.compile_dir(Path(lipsync.__file__).parent, quiet=1)


def exe(name: str) -> str:
    """The program ``name``: the venv's own console script first, else from PATH."""
    found = shutil.which(name, path=str(Path(sys.executable).parent)) or shutil.which(name)
    return found or sys.exit(f"{name} is not installed (run `make setup`)")


def ffmpeg(*args: str) -> None:
    """Run ffmpeg quietly, overwriting outputs; exit on failure."""
    argv = [exe("ffmpeg"), "-nostdin", "-hide_banner", "-loglevel", "error", "-y", *args]
    subprocess.run(argv, check=True)


def speech_of(path: Path, seconds: float) -> Path:
    """Spanish espeak-ng speech of at least ``seconds`` s at ``path``, with its phone sidecar
    (so lip sync uses the exact synthesis timing)."""
    text = LINE
    syn = synthesize(text, "es")
    while syn.samples.shape[0] / syn.sample_rate < seconds:
        text += LINE
        syn = synthesize(text, "es")
    save_audio(path, syn.samples, syn.sample_rate)
    write_sidecar(path, syn.events)
    return path
