"""``lipsync resolve install|uninstall|doctor``: the DaVinci Resolve Scripts-menu action."""

from __future__ import annotations

from pathlib import Path

import click

from lipsync.cli.context import CliContext

DEST_HELP = "A Scripts folder to use instead of Resolve's (its Edit and Utility subfolders)."


@click.group("resolve")
def command() -> None:
    """DaVinci Resolve: lip-sync the current timeline from Workspace > Scripts > Lip Sync.

    `install` writes the launchers into Resolve's Scripts folders (Edit and Utility), pointing
    at this environment's Python; `doctor` says what, if anything, is in the way.

    \b
    Example:
      lipsync resolve install
      lipsync resolve doctor
      lipsync resolve uninstall
    """


@command.command("install")
@click.option("--dest", type=click.Path(file_okay=False, path_type=Path), help=DEST_HELP)
@click.option("--system", is_flag=True, help="Install for all users (needs administrator rights).")
@click.option("--dry-run", is_flag=True, help="Say what would be written; write nothing.")
@click.pass_obj
def install(ctx: CliContext, dest: Path | None, system: bool, dry_run: bool) -> None:
    """Write the Lip Sync launchers (Python, and Lua for free Resolve 21.1) into Resolve's
    Scripts folders, and the settings file with the defaults if there is none. Restart
    Resolve afterwards so that it lists them.

    \b
    Example:
      lipsync resolve install
      lipsync resolve install --dry-run
      lipsync resolve install --dest "/mnt/shared/Resolve/Fusion/Scripts"
    """
    from lipsync.integrations.resolve import installer

    root = dest or installer.default_root(system)
    steps = installer.install(root, dry_run=dry_run)
    _show(steps, dry_run)
    if not dry_run:
        click.echo("Restart Resolve, then run Workspace > Scripts > Lip Sync on the Edit page.")


@command.command("uninstall")
@click.option("--dest", type=click.Path(file_okay=False, path_type=Path), help=DEST_HELP)
@click.option("--system", is_flag=True, help="Remove the all-users launchers.")
@click.option("--dry-run", is_flag=True, help="Say what would be removed; remove nothing.")
@click.pass_obj
def uninstall(ctx: CliContext, dest: Path | None, system: bool, dry_run: bool) -> None:
    """Remove the launchers `install` wrote (files lipsync did not write are left alone).
    The settings file stays.

    \b
    Example:
      lipsync resolve uninstall
    """
    from lipsync.integrations.resolve import installer

    root = dest or installer.default_root(system)
    steps = installer.uninstall(root, dry_run=dry_run)
    if not steps:
        click.echo(f"Nothing to remove: no Lip Sync launchers in '{root}'.")
    _show(steps, dry_run)


@command.command("doctor")
@click.option("--dest", type=click.Path(file_okay=False, path_type=Path),
              help="Check this Scripts folder instead of Resolve's.")  # fmt: skip
@click.pass_obj
def doctor(ctx: CliContext, dest: Path | None) -> None:
    """Check the Scripts folders, lipsync's environment, the settings file and, when Resolve
    answers external scripting, its version and edition. Exits with 1 if a problem was found.

    \b
    Example:
      lipsync resolve doctor
    """
    from lipsync.core.errors import EXIT_FAILURE
    from lipsync.integrations.resolve.doctor import PROBLEM, run_doctor

    findings = run_doctor(roots={"chosen": dest} if dest else None)
    for finding in findings:
        click.echo(str(finding))
    problems = sum(f.level == PROBLEM for f in findings)
    click.echo(f"{problems} problem{'s' if problems != 1 else ''} found.")
    if problems:
        raise click.exceptions.Exit(EXIT_FAILURE)


def _show(steps, dry_run: bool) -> None:
    verbs = {"write": "would write" if dry_run else "wrote",
             "remove": "would remove" if dry_run else "removed",
             "keep": "kept", "skip": "left"}  # fmt: skip
    for step in steps:
        reason = f" ({step.reason})" if step.reason else ""
        click.echo(f"{verbs[step.action]} {step.path}{reason}")
