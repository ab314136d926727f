"""``lipsync demo``: the offline showcase."""

from __future__ import annotations

import click

from lipsync.cli.context import CliContext


@click.command("demo")
@click.option(
    "--out", "out_dir", default="demo-out", show_default=True,
    type=click.Path(file_okay=False, path_type=str), help="Folder to write the demo files to.",
)  # fmt: skip
@click.pass_obj
def command(ctx: CliContext, out_dir: str) -> None:
    """Lip-sync NASA's astronaut portrait to a line of Spanish, fully offline.

    Writes the generated source clip, the Spanish speech, the lip-synced result, a side-by-side
    comparison video, a plot of mouth opening against the speech, and the run report.

    \b
    Example:
      lipsync demo --out demo-out
    """
    from lipsync.cli.progress import staged_progress
    from lipsync.core.demo import run_demo

    with staged_progress(ctx) as update:
        result = run_demo(out_dir, on_progress=update)
    click.echo(f"source clip     {result.source}")
    click.echo(f"Spanish speech  {result.speech}")
    click.echo(f"lip-synced      {result.output}")
    click.echo(f"side by side    {result.side_by_side}")
    click.echo(f"mouth plot      {result.plot}  (r = {result.correlation:.2f}, lag {result.lag})")
    click.echo(f"run report      {result.report}")
