"""Lazy imports of heavy or optional packages, failing with the extra to install."""

from __future__ import annotations

import importlib
import shutil
from types import ModuleType

from lipsync.core.errors import MissingDependencyError


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
            f"install it with: pip install 'lipsync[{extra}]'."
        ) from e


def require_program(name: str, debian_package: str, purpose: str) -> str:
    """Return the path of the program ``name`` on PATH, or raise naming the package to install."""
    path = shutil.which(name)
    if path is None:
        raise MissingDependencyError(
            f"The program '{name}' is needed for {purpose} and was not found on PATH: "
            f"install it (Debian/Ubuntu: apt-get install {debian_package})."
        )
    return path
