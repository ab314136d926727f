"""The object every command receives as ``ctx.obj``, and the options every writing command
shares."""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TextIO, TypeVar

import click

F = TypeVar("F", bound=Callable[..., Any])

#: The environment variable that turns -n/--no-overwrite on for every command.
NO_OVERWRITE_ENV = "LIPSYNC_NO_OVERWRITE"


@dataclass
class CliContext:
    """Global options of the ``lipsync`` group, and the command's own ``-n``."""

    verbose: bool = False
    quiet: bool = False
    stderr: TextIO = field(default_factory=lambda: sys.stderr)
    no_overwrite: bool = False

    @property
    def show_progress(self) -> bool:
        """Progress bars only on a terminal, and never with ``--quiet``."""
        isatty = getattr(self.stderr, "isatty", None)
        return not self.quiet and bool(isatty and isatty())

    def check_outputs(self, outputs, inputs, updates=None, new_folder=None):
        """Every output against every input, before any work (see
        :func:`lipsync.core.output_guard.check_outputs`), honouring ``-n``."""
        from lipsync.core.output_guard import check_outputs

        return check_outputs(
            outputs, inputs, updates=updates, no_overwrite=self.no_overwrite, new_folder=new_folder
        )


def no_overwrite_option(f: F) -> F:
    """``-n/--no-overwrite``: refuse, before any work, when an output already exists."""

    def remember(ctx: click.Context, param: click.Parameter, value: bool) -> bool:
        obj = ctx.find_object(CliContext)
        if obj is None:
            obj = ctx.ensure_object(CliContext)
        obj.no_overwrite = obj.no_overwrite or bool(value)
        return value

    return click.option(
        "-n",
        "--no-overwrite",
        is_flag=True,
        expose_value=False,
        is_eager=True,
        envvar=NO_OVERWRITE_ENV,
        callback=remember,
        help="Refuse, before any work, when an output file already exists "
        f"(also ${NO_OVERWRITE_ENV}=1).",
    )(f)
