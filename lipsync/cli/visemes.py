"""``lipsync visemes AUDIO``: the per-frame mouth track of some speech, as JSON and a plot."""

from __future__ import annotations

import click

from lipsync.cli.context import CliContext, no_overwrite_option


@click.command("visemes")
@click.argument("audio", type=click.Path(path_type=str))
@click.option("--text", "text", help="The words spoken (enables forced alignment).")
@click.option(
    "--text-file",
    type=click.Path(dir_okay=False, path_type=str),
    help="Read the words spoken from this UTF-8 file.",
)
@click.option(
    "--lang",
    default=None,
    help="Language of the text as an espeak-ng code (en, es, de, fr …); default English.",
)
@click.option(
    "--fps",
    type=click.FloatRange(min=0.0, min_open=True, max=1000.0),
    default=25.0,
    show_default=True,
    help="Video frame rate the track is sampled at.",
)
@click.option(
    "--json",
    "json_out",
    type=click.Path(dir_okay=False, path_type=str),
    help="Write the mouth track as JSON to this file ('-' prints it).",
)
@click.option(
    "--plot",
    "plot_out",
    type=click.Path(dir_okay=False, path_type=str),
    help="Write a PNG of the waveform, phones and mouth parameters to this file.",
)
@click.option(
    "--no-sidecar",
    is_flag=True,
    help="Ignore an AUDIO.phones.json sidecar with exact synthesis timing.",
)
@no_overwrite_option
@click.pass_obj
def command(
    ctx: CliContext,
    audio: str,
    text: str | None,
    text_file: str | None,
    lang: str | None,
    fps: float,
    json_out: str | None,
    plot_out: str | None,
    no_sidecar: bool,
) -> None:
    """Analyse the speech in AUDIO (any audio or video file) into a mouth track per video
    frame: open, width, round, closure, labiodental and teeth, plus the phones it came from.

    The timing source is chosen automatically: the exact phoneme events of lipsync's own
    synthesis when AUDIO.phones.json sits beside the file, forced alignment when the text is
    given, otherwise audio-only phone recognition (any language).

    \b
    Example:
      lipsync visemes dub.wav --text "Bonjour à tous" --lang fr --json dub.json --plot dub.png
    """
    from lipsync.core.errors import InputError
    from lipsync.core.media import atomic_output, write_text
    from lipsync.core.speech.track import analyse_speech, load_speech_audio
    from lipsync.core.speech.track_json import track_to_json

    if text is not None and text_file is not None:
        raise InputError("Both --text and --text-file were given: use only one of them.")
    if text_file is not None:
        try:
            with open(text_file, encoding="utf-8") as f:
                text = f.read()
        except (OSError, UnicodeDecodeError) as e:
            raise InputError(
                f"The text file '{text_file}' cannot be read ({e}): give a UTF-8 text file."
            ) from e
    ctx.check_outputs(  # fail before the work, not after
        {"--json": None if json_out == "-" else json_out, "--plot": plot_out},
        {"AUDIO": audio, "--text-file": text_file, "the sidecar": f"{audio}.phones.json"},
    )

    from lipsync.cli.progress import progress

    speech = load_speech_audio(audio, use_sidecar=not no_sidecar)
    with progress(ctx, "Analysing speech") as on_progress:
        track = analyse_speech(
            speech.samples,
            speech.sample_rate,
            fps,
            text=text,
            lang=lang,
            espeak_events=speech.events,
            on_progress=on_progress,
        )
    if json_out == "-":
        click.echo(track_to_json(track, indent=None), nl=False)
    elif json_out is not None:
        write_text(json_out, track_to_json(track, indent=1), [audio])
    if plot_out is not None:
        from lipsync.core.speech.plot import plot_track

        png = plot_track(track, speech.samples, speech.sample_rate)
        with atomic_output(plot_out, [audio]) as tmp:
            tmp.write_bytes(png)
    if not ctx.quiet and json_out != "-":
        closures = int((track.param("closure") >= 0.5).sum())
        click.echo(
            f"{audio}: {len(track)} frames at {fps:g} fps from {track.source}, "
            f"{len(track.phones)} phones, {closures} closed-lip frames.",
            err=True,
        )
