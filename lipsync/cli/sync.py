"""``lipsync sync VIDEO AUDIO -o OUT``: make the speaker's mouth say the new speech."""

from __future__ import annotations

import json
import math

import click

from lipsync.cli.context import CliContext, no_overwrite_option
from lipsync.cli.engine_options import ALL, EngineParams, engine_options, sync_options


@click.command("sync")
@click.argument("video", type=click.Path(path_type=str))
@click.argument("audio", type=click.Path(path_type=str))
@click.option(
    "-o", "--output", required=True, type=click.Path(dir_okay=False, path_type=str),
    help="The lip-synced video to write (.mp4, .mov or .mkv).",
)  # fmt: skip
@engine_options(*ALL)
@click.option(
    "--report", "report_path", type=click.Path(dir_okay=False, path_type=str),
    help="Write the run report (JSON) here.",
)  # fmt: skip
@click.option(
    "--html", "html_path", type=click.Path(dir_okay=False, path_type=str),
    help="Write the run report as a self-contained HTML page here.",
)  # fmt: skip
@click.option(
    "--strict", is_flag=True,
    help="Stop before the render when a preflight check fails (see `lipsync check`).",
)  # fmt: skip
@click.option("--no-check", is_flag=True, help="Skip the quick preflight check.")
@no_overwrite_option
@click.pass_obj
def command(
    ctx: CliContext,
    video: str,
    audio: str,
    output: str,
    engine: EngineParams,
    report_path: str | None,
    html_path: str | None,
    strict: bool,
    no_check: bool,
) -> None:
    """Lip-sync VIDEO to the speech in AUDIO and write the result to OUTPUT.

    Every frame keeps its timestamp; only the lower face of the chosen speaker changes.
    Frames without a usable face pass through untouched.

    A quick preflight check runs first and prints its warnings (--strict stops on a failed
    check). --report and --html add an analysis of the result: the audio-visual offset,
    per-shot confidence, before/after thumbnails and a plot of mouth opening.

    \b
    Example:
      lipsync sync interview.mp4 interview_es.wav -o interview_es.mp4
      lipsync sync take3.mov dub.wav -o take3_dub.mov --text-file line.txt --lang es \\
          --face 1 --start 12.5 --end 31 --audio-mode both --report take3.json \\
          --html take3.html --strict
    """
    import logging

    from lipsync import LipSyncEngine
    from lipsync.cli.progress import staged_progress
    from lipsync.core.quality.preflight import format_check, quick_preflight, raise_on_failure

    log = logging.getLogger("lipsync")
    if strict and no_check:
        raise click.UsageError("Give either --strict or --no-check, not both.")
    ctx.check_outputs(
        {"-o/--output": output, "--report": report_path, "--html": html_path},
        {"VIDEO": video, "AUDIO": audio, "--text-file": engine.get("text_file"),
         "--model": engine.get("model"), "--profile": engine.get("profile"),
         "--asr-model": engine.get("asr_model")},
    )  # fmt: skip
    options = sync_options(engine)
    text, lang = options.text, options.lang
    runner = LipSyncEngine(options)  # a bad renderer, model or preset fails before the check
    preflight = None
    if not no_check:
        with staged_progress(ctx) as update:
            preflight = quick_preflight(video, audio, on_progress=update)
        if strict:
            raise_on_failure(preflight)
    # The warnings appear once the run has accepted its inputs and starts working, so a
    # mistake in the command line still gets its one sentence alone.
    pending = list(preflight.problems) if preflight is not None else []

    def warn_pending() -> None:
        while pending:
            log.warning("check: %s", format_check(pending.pop(0)))

    with staged_progress(ctx) as bar:

        def update(stage: str, done: int, total: int | None) -> None:
            warn_pending()
            bar(stage, done, total)

        report = runner.run(video, audio, output, on_progress=update)
        warn_pending()
        analysis = None
        if report_path is not None or html_path is not None:
            from lipsync.core.quality.run_report import analyse_run

            analysis = analyse_run(
                report, text=text, lang=lang, on_progress=update, asr=options.asr,
                asr_model=options.asr_model,
            )  # fmt: skip
    _write_reports(report, preflight, analysis, report_path, html_path, [video, audio])
    skipped = sum(report.passed_through.values())
    log.info(
        "wrote %s: %d frames, %d lip-synced, %d untouched (%s), mouth from %s, %.1f s",
        report.output,
        report.frames,
        report.rendered,
        skipped,
        ", ".join(f"{v} {k.replace('_', ' ')}" for k, v in report.passed_through.items()) or "none",
        report.mouth_source,
        report.seconds,
    )
    if analysis is not None and math.isfinite(analysis.offset.correlation):
        off = analysis.offset
        log.info(
            "audio-visual offset %+.0f ms (r = %.2f against the speech)",
            off.seconds * 1000,
            off.correlation,
        )


def _write_reports(report, preflight, analysis, report_path, html_path, inputs) -> None:
    """The JSON run report (the engine's report plus the preflight and the analysis) and the
    HTML page, each written atomically."""
    from lipsync.core.media import write_text

    data = report.to_json()
    if report_path is not None:
        data["preflight"] = preflight.to_json() if preflight is not None else None
        data["analysis"] = analysis.to_json() if analysis is not None else None
        write_text(report_path, json.dumps(data, indent=2) + "\n", inputs)
    if html_path is not None:
        from pathlib import Path

        from lipsync.core.quality.html_report import render_html, write_html

        title = f"lipsync sync: {Path(report.output).name}"
        page = render_html(preflight, analysis, sync=report.to_json(), title=title)
        write_html(html_path, page, inputs)
