"""The ``lipsync`` command group: global options, lazy subcommands, errors to exit codes.

Each subcommand lives in its own module exposing ``command``; modules are imported only when
their command runs (or for ``--help``), and import nothing heavy at module level.
"""

from __future__ import annotations

import contextlib
import importlib
import logging
import signal
import sys
from collections.abc import Sequence

import click

from lipsync import __version__
from lipsync.cli.context import CliContext
from lipsync.core.errors import EXIT_INTERRUPTED, EXIT_USAGE, LipsyncError

#: Command name -> module under ``lipsync.cli`` defining ``command``.
COMMANDS: dict[str, str] = {
    "batch": "batch",
    "check": "check",
    "demo": "demo",
    "faces": "faces",
    "models": "models",
    "probe": "probe",
    "resolve": "resolve",
    "sync": "sync",
    "timeline": "timeline",
    "translate": "translate",
    "visemes": "visemes",
}

CONTEXT_SETTINGS = {"help_option_names": ["-h", "--help"], "auto_envvar_prefix": "LIPSYNC"}


class LazyGroup(click.Group):
    """A group whose subcommands are imported on first use."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        module = COMMANDS.get(cmd_name)
        if module is None:
            return None
        return importlib.import_module(f"lipsync.cli.{module}").command


@click.group(cls=LazyGroup, context_settings=CONTEXT_SETTINGS)
@click.version_option(__version__, "-V", "--version", prog_name="lipsync")
@click.option("-v", "--verbose", is_flag=True, help="Show debug logs and full tracebacks.")
@click.option("-q", "--quiet", is_flag=True, help="No progress bars and no informational logs.")
@click.pass_context
def cli(ctx: click.Context, verbose: bool, quiet: bool) -> None:
    """Lip-sync translated and dubbed video, offline, inside your editing workflow.

    Run `lipsync COMMAND --help` for each command's options and an example.
    """
    ctx.obj = CliContext(verbose=verbose, quiet=quiet)
    configure_logging(verbose=verbose, quiet=quiet)


def configure_logging(verbose: bool, quiet: bool) -> None:
    """Logs of the ``lipsync`` logger go to stderr, one line each."""
    logger = logging.getLogger("lipsync")
    logger.setLevel(logging.DEBUG if verbose else logging.WARNING if quiet else logging.INFO)
    if not any(getattr(h, "_lipsync", False) for h in logger.handlers):
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("lipsync: %(message)s"))
        handler._lipsync = True  # type: ignore[attr-defined]
        logger.addHandler(handler)
    logger.propagate = False


def run(
    group: click.Command,
    args: Sequence[str] | None = None,
    prog_name: str = "lipsync",
    broken_pipe_code: int = 0,
    interrupted: str = "interrupted; nothing was written.",
) -> int:
    """Run ``group`` and turn every outcome into an exit code, printing errors as one line.

    Bad input never shows a traceback; ``--verbose`` (anywhere on the line) adds it. A reader
    closing our stdout early ends the run quietly with ``broken_pipe_code``; Ctrl-C prints
    ``interrupted``.
    """
    argv = list(sys.argv[1:] if args is None else args)
    verbose = "-v" in argv or "--verbose" in argv
    _sigterm_as_interrupt()
    try:
        code = group.main(args=argv, prog_name=prog_name, standalone_mode=False)
    except LipsyncError as e:
        _report(prog_name, str(e), e, verbose)
        return e.exit_code
    except click.exceptions.Abort:
        _report(prog_name, interrupted, None, False)
        return EXIT_INTERRUPTED
    except KeyboardInterrupt:
        _report(prog_name, interrupted, None, False)
        return EXIT_INTERRUPTED
    except click.ClickException as e:
        e.show()
        return e.exit_code if e.exit_code else EXIT_USAGE
    except click.exceptions.Exit as e:
        return e.exit_code
    except BrokenPipeError:
        _silence_stdout()
        return broken_pipe_code
    except Exception as e:  # an unexpected failure: still one sentence, traceback on demand
        text = f"unexpected error: {type(e).__name__}: {e}. Run again with --verbose for details."
        _report(prog_name, text, e, verbose)
        return 1
    return code if isinstance(code, int) else 0  # click returns an Exit's code


def main() -> None:
    """Console-script entry point of ``lipsync``."""
    sys.exit(run(cli))


def _report(prog: str, message: str, exc: BaseException | None, verbose: bool) -> None:
    if verbose and exc is not None:
        import traceback

        traceback.print_exception(type(exc), exc, exc.__traceback__, file=sys.stderr)
    click.echo(f"{prog}: error: {message}", err=True)


def _sigterm_as_interrupt() -> None:
    """A SIGTERM unwinds like Ctrl-C, so temporary outputs are removed."""

    def handler(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    with contextlib.suppress(ValueError):  # not the main thread (e.g. in a test runner)
        signal.signal(signal.SIGTERM, handler)


def _silence_stdout() -> None:
    import os

    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass
