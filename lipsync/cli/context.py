"""The object every command receives as ``ctx.obj``."""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from typing import TextIO


@dataclass
class CliContext:
    """Global options of the ``lipsync`` group."""

    verbose: bool = False
    quiet: bool = False
    stderr: TextIO = field(default_factory=lambda: sys.stderr)

    @property
    def show_progress(self) -> bool:
        """Progress bars only on a terminal, and never with ``--quiet``."""
        isatty = getattr(self.stderr, "isatty", None)
        return not self.quiet and bool(isatty and isatty())
