"""Progress bars appear on a terminal only, and never with --quiet."""

from __future__ import annotations

import io

from lipsync.cli.context import CliContext
from lipsync.cli.progress import progress


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def drive(ctx: CliContext) -> str:
    with progress(ctx, "Encoding") as update:
        for i in range(1, 11):
            update(i, 10)
    return ctx.stderr.getvalue()


def test_bar_on_a_terminal():
    out = drive(CliContext(stderr=Terminal()))
    assert "Encoding" in out and "10/10" in out


def test_nothing_when_piped_or_quiet():
    assert drive(CliContext(stderr=io.StringIO())) == ""
    assert drive(CliContext(quiet=True, stderr=Terminal())) == ""


def test_unknown_total_counts_up():
    out = drive_unknown(CliContext(stderr=Terminal()))
    assert "Decoding" in out


def drive_unknown(ctx: CliContext) -> str:
    with progress(ctx, "Decoding") as update:
        for i in range(5):
            update(i, None)
    return ctx.stderr.getvalue()
