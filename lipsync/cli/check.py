"""``lipsync check VIDEO [AUDIO]``: will this shot lip-sync well? Preflight checks, as text,
JSON and a self-contained HTML page."""

from __future__ import annotations

import json
from pathlib import Path

import click

from lipsync.cli.context import CliContext, no_overwrite_option


@click.command("check")
@click.argument("video", type=click.Path(path_type=Path))
@click.argument("audio", required=False, type=click.Path(path_type=Path))
@click.option(
    "--json",
    "json_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the checks as JSON to this file.",
)
@click.option(
    "--html",
    "html_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write a self-contained HTML report to this file.",
)
@click.option(
    "--quick",
    is_flag=True,
    help="Only the fast subset that `lipsync sync` runs (about a dozen frames).",
)
@click.option(
    "--samples-per-second",
    type=click.FloatRange(min=0.1, max=60.0),
    default=4.0,
    show_default=True,
    help="Frames looked at per second of video.",
)
@click.option("--strict", is_flag=True, help="Exit with an error when a check fails.")
@no_overwrite_option
@click.pass_obj
def command(
    ctx: CliContext,
    video: Path,
    audio: Path | None,
    json_path: Path | None,
    html_path: Path | None,
    quick: bool,
    samples_per_second: float,
    strict: bool,
) -> None:
    """Check VIDEO, and the dub speech in AUDIO if given, before a long render: resolution,
    face size, presence and count, head turn and motion, mouth occlusion, face lighting,
    speech presence, noise, music under the speech, speech rate, and the lengths.

    Each check passes, warns or fails, with the time ranges it concerns and one line of
    advice. Nothing is blocked: with --strict a failed check makes the exit status non-zero.

    \b
    Example:
      lipsync check interview.mp4 interview_es.wav
      lipsync check interview.mp4 interview_es.wav --json checks.json --html checks.html
    """
    from lipsync.cli.progress import staged_progress
    from lipsync.core.media import check_input_path, write_text
    from lipsync.core.quality.checks import summarise
    from lipsync.core.quality.html_report import render_html, write_html
    from lipsync.core.quality.preflight import (
        format_check,
        quick_preflight,
        raise_on_failure,
        run_preflight,
    )

    inputs = [p for p in (video, audio) if p is not None]
    for path, what in ((video, "video"), (audio, "audio")):
        if path is not None:
            check_input_path(path, what)
    ctx.check_outputs(  # fail before the work, not after
        {"--json": json_path, "--html": html_path}, {"VIDEO": video, "AUDIO": audio}
    )
    with staged_progress(ctx) as update:
        if quick:
            report = quick_preflight(video, audio, on_progress=update)
        else:
            report = run_preflight(video, audio, per_second=samples_per_second, on_progress=update)
    if json_path is not None:
        write_text(json_path, json.dumps(report.to_json(), indent=2) + "\n", inputs)
    if html_path is not None:
        write_html(html_path, render_html(report, title=f"lipsync check: {video.name}"), inputs)
    for check in report.checks:
        click.echo(format_check(check))
    click.echo(f"{video}: {summarise(report.checks)}.")
    if not ctx.quiet:
        for out in (json_path, html_path):
            if out is not None:
                click.echo(f"wrote {out}", err=True)
    if strict:
        raise_on_failure(report)
