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
from collections.abc import Iterator, Sequence
from pathlib import Path

import click

from lipsync import __version__
from lipsync.cli.context import CliContext
from lipsync.core.errors import EXIT_INTERRUPTED, EXIT_USAGE, LipsyncError
from lipsync.core.write_log import WriteLog, record_writes

#: Signals that stop a run the way Ctrl-C does (SIGHUP: the terminal or ssh session closed).
CLEAN_UP_SIGNALS = tuple(
    getattr(signal, name) for name in ("SIGTERM", "SIGHUP") if hasattr(signal, name)
)

#: Command name -> module under ``lipsync.cli`` defining ``command``.
COMMANDS: dict[str, str] = {
    "batch": "batch",
    "check": "check",
    "demo": "demo",
    "faces": "faces",
    "models": "models",
    "probe": "probe",
    "profile": "profile",
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
    interrupted: str = "nothing was written.",
) -> int:
    """Run ``group`` and turn every outcome into an exit code, printing errors as one line.

    Bad input never shows a traceback; ``--verbose`` (anywhere on the line) adds it. A reader
    closing our stdout early ends the run quietly with ``broken_pipe_code``. Ctrl-C, SIGTERM
    and SIGHUP (a closed terminal or ssh session) unwind the same way, removing temporary
    files, exit with 128 + the signal's number and say which outputs were written and which
    were not (``interrupted`` when the command recorded no output).
    """
    argv = list(sys.argv[1:] if args is None else args)
    verbose = "-v" in argv or "--verbose" in argv
    with _signals_as_interrupt(), record_writes() as writes:
        try:
            code = group.main(args=argv, prog_name=prog_name, standalone_mode=False)
        except LipsyncError as e:
            _report(prog_name, str(e), e, verbose)
            return e.exit_code
        except (click.exceptions.Abort, KeyboardInterrupt) as e:
            return _interrupted(prog_name, _interrupt_of(e), writes, interrupted)
        except click.ClickException as e:
            e.show()
            return e.exit_code if e.exit_code else EXIT_USAGE
        except click.exceptions.Exit as e:
            return e.exit_code
        except BrokenPipeError:
            silence_stdout()
            return broken_pipe_code
        except Exception as e:  # an unexpected failure: still one sentence, traceback on demand
            stop = _interrupt_of(e)
            if stop is not None:  # e.g. the terminal went away while click said goodbye
                return _interrupted(prog_name, stop, writes, interrupted)
            from lipsync.core.disk_full import disk_full_error

            full = disk_full_error(e)  # a side output on a full disk: one sentence too
            if full is not None:
                _report(prog_name, str(full), e, verbose)
                return full.exit_code
            text = (
                f"unexpected error: {type(e).__name__}: {e}. Run again with --verbose for details."
            )
            _report(prog_name, text, e, verbose)
            return 1
    return code if isinstance(code, int) else 0  # click returns an Exit's code


class SignalInterrupt(KeyboardInterrupt):
    """SIGTERM or SIGHUP, unwinding like Ctrl-C."""

    def __init__(self, signum: int) -> None:
        super().__init__(signal.Signals(signum).name)
        self.signum = signum


def interrupt_exit_code(exc: BaseException | None) -> int:
    """128 + the signal that stopped the run (SIGINT for Ctrl-C)."""
    return 128 + int(getattr(exc, "signum", signal.SIGINT))


def describe_writes(writes: WriteLog, nothing: str = "nothing was written.") -> str:
    """What an interrupted command left: the outputs it wrote, those it did not, and the work
    files it kept; ``nothing`` when it recorded none."""
    planned, written = writes.planned, writes.written
    done = [p for p in planned if p in written] if planned else list(written)
    missing = [p for p in planned if p not in written]
    kept = [p for p in written if p not in planned] if planned else []
    if not done and not kept:
        if not missing:
            return nothing
        return f"nothing was written ({_names(missing)} {_were(missing)} not)."
    parts = []
    if done:
        parts.append(f"{_names(done)} {_were(done)} written")
    if missing:
        parts.append(f"{_names(missing)} {_were(missing)} not" + ("" if done else " written"))
    if kept:
        parts.append(
            f"{len(kept)} finished work file{'s' if len(kept) > 1 else ''} kept "
            f"(last: '{kept[-1]}')"
        )
    return "; ".join(parts) + "."


def _names(paths: list[Path], most: int = 3) -> str:
    quoted = [f"'{p}'" for p in paths]
    if len(quoted) > most:
        rest = len(quoted) - most + 1
        return ", ".join(quoted[: most - 1]) + f" and {rest} other files"
    return quoted[0] if len(quoted) == 1 else ", ".join(quoted[:-1]) + " and " + quoted[-1]


def _were(paths: list[Path]) -> str:
    return "was" if len(paths) == 1 else "were"


def _interrupted(prog: str, exc: BaseException | None, writes: WriteLog, nothing: str) -> int:
    code = interrupt_exit_code(exc)
    how = f"interrupted by {signal.Signals(code - 128).name}" if code != EXIT_INTERRUPTED else ""
    with contextlib.suppress(OSError):  # the terminal may be gone (SIGHUP)
        _report(prog, f"{how or 'interrupted'}; {describe_writes(writes, nothing)}", None, False)
    return code


def _interrupt_of(exc: BaseException) -> BaseException | None:
    """The KeyboardInterrupt (Ctrl-C or a signal) behind ``exc``, if any."""
    seen: set[int] = set()
    e: BaseException | None = exc
    while e is not None and id(e) not in seen:
        if isinstance(e, KeyboardInterrupt):
            return e
        seen.add(id(e))
        e = e.__cause__ or e.__context__
    return None


def main() -> None:
    """Console-script entry point of ``lipsync``."""
    sys.exit(run(cli))


def _report(prog: str, message: str, exc: BaseException | None, verbose: bool) -> None:
    if verbose and exc is not None:
        import traceback

        traceback.print_exception(type(exc), exc, exc.__traceback__, file=sys.stderr)
    click.echo(f"{prog}: error: {message}", err=True)


@contextlib.contextmanager
def _signals_as_interrupt() -> Iterator[None]:
    """SIGTERM and SIGHUP unwind like Ctrl-C while the block runs, so temporary outputs are
    removed. Once one has arrived, further ones are ignored so that the clean-up can finish.
    The previous handlers come back afterwards (``run`` may be called in a test process)."""

    def handler(signum: int, frame: object) -> None:
        for sig in CLEAN_UP_SIGNALS:
            signal.signal(sig, signal.SIG_IGN)
        raise SignalInterrupt(signum)

    previous = {}
    with contextlib.suppress(ValueError):  # not the main thread (e.g. in a test runner)
        for sig in CLEAN_UP_SIGNALS:
            previous[sig] = signal.signal(sig, handler)
    try:
        yield
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)


def silence_stdout() -> None:
    """Point stdout at /dev/null: the reader is gone, and Python's final flush must not fail."""
    import os

    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass
