"""Lazy imports of heavy or optional packages, failing with the extra to install."""

from __future__ import annotations

import importlib
import shutil
from types import ModuleType

from lipsync.core.errors import MissingDependencyError

#: The distribution name on PyPI (``lipsync`` there is an unrelated project); the import
#: package and the commands are still ``lipsync`` and ``lipsync-filter``.
DISTRIBUTION = "lipsync-studio"


def require(module: str, extra: str, purpose: str) -> ModuleType:
    """Import ``module`` or raise :class:`MissingDependencyError` naming the pip extra.

    ``purpose`` completes the sentence "… is needed for PURPOSE", e.g. "the Whisper recogniser".
    """
    try:
        return importlib.import_module(module)
    except ImportError as e:
        top = module.split(".")[0]
        raise MissingDependencyError(
            f"The Python package '{top}' is needed for {purpose} and is not installed: "
            f"install it with: {install_command(top, extra)}."
        ) from e


#: pip names of optional packages that no extra of lipsync installs, by import name.
PIP_NAMES = {
    "mediapipe": "mediapipe==0.10.21",  # the last with the legacy solutions.face_mesh API
    "matplotlib": "matplotlib",
    "onnxruntime": "onnxruntime",
    "TTS": "coqui-tts",
    "dlib": "dlib-bin",
}


def install_command(top: str, extra: str) -> str:
    """``pip install 'lipsync-studio[EXTRA]'`` when the installed distribution declares that
    extra, else the pip command for the package itself (never advice naming an extra that does
    not exist)."""
    if extra in package_extras():
        return f"pip install '{DISTRIBUTION}[{extra}]'"
    return f"pip install '{PIP_NAMES.get(top, top)}'"


def package_extras() -> frozenset[str]:
    """The extras the installed ``lipsync-studio`` distribution declares (empty when it is not
    installed, e.g. run from a source tree)."""
    from importlib import metadata

    try:
        return frozenset(metadata.metadata(DISTRIBUTION).get_all("Provides-Extra") or ())
    except metadata.PackageNotFoundError:
        return frozenset()


def require_program(name: str, debian_package: str, purpose: str) -> str:
    """Return the path of the program ``name`` on PATH, or raise naming the package to install."""
    path = shutil.which(name)
    if path is None:
        raise MissingDependencyError(
            f"The program '{name}' is needed for {purpose} and was not found on PATH: "
            f"install it (Debian/Ubuntu: apt-get install {debian_package})."
        )
    return path
