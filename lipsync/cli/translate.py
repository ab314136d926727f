"""``lipsync translate VIDEO --to LANG -o OUT``: the same video speaking another language."""

from __future__ import annotations

import click

from lipsync.cli.context import CliContext, no_overwrite_option
from lipsync.cli.engine_options import EngineParams, engine_options, sync_options


@click.command("translate")
@click.argument("video", type=click.Path(path_type=str))
@click.option("--to", "target", required=True, help="Language to dub into (e.g. es, de, fr).")
@click.option("--from", "source", help="Language spoken in VIDEO (default: detected / en).")
@click.option(
    "-o", "--output", type=click.Path(dir_okay=False, path_type=str),
    help="The dubbed video to write; the dub audio, subtitles, timeline and report go beside it.",
)  # fmt: skip
@click.option(
    "--asr", type=click.Choice(["pocketsphinx", "whisper", "none"]), default="pocketsphinx",
    show_default=True,
    help="Speech recogniser; 'none' takes the lines from --subtitles.",
)  # fmt: skip
@click.option("--asr-model", help="Whisper checkpoint file (.pt) or model name.")
@click.option(
    "--mt", type=click.Choice(["srt", "marian", "none"]),
    help="Translator: your --subtitles (default when given), marian (needs --mt-model), or "
    "none (the speech is already in the target language).",
)  # fmt: skip
@click.option("--mt-model", help="MarianMT model folder (or Hugging Face model name).")
@click.option(
    "--subtitles", type=click.Path(path_type=str),
    help="Your translated subtitles (.srt, .vtt, or an OTIO timeline with subtitle markers).",
)  # fmt: skip
@click.option(
    "--tts", type=click.Choice(["espeak", "coqui"]), default="espeak", show_default=True,
    help="Speech synthesiser.",
)  # fmt: skip
@click.option("--tts-model", help="Coqui TTS model folder (config.json + weights).")
@click.option(
    "--voice", "voices", multiple=True, metavar="SPEAKER=VOICE",
    help="Voice of a speaker: an espeak-ng variant (f2), voice (es+m3), or coqui:NAME; "
    "',pitch=N,rate=N' may follow. Repeatable.",
)  # fmt: skip
@click.option(
    "--voice-map", type=click.Path(dir_okay=False, path_type=str),
    help="Speaker -> voice map to read and update (default: the work directory's voices.json).",
)  # fmt: skip
@click.option(
    "--speakers", type=click.IntRange(1, 8),
    help="Number of speakers to tell apart by voice (default: labels in the subtitles, or one).",
)  # fmt: skip
@click.option(
    "--workdir", type=click.Path(file_okay=False, path_type=str),
    help="Work directory for cached stages (default: OUT's name + .lipsync-work).",
)  # fmt: skip
@click.option(
    "--stem", type=click.Path(path_type=str),
    help="A separated background (no speech) to mix under the dub instead of the original.",
)  # fmt: skip
@click.option("--duck-db", type=float, help="Gain of the original under the dub (dB, e.g. -15).")
@click.option(
    "--loudness", type=float, default=-23.0, show_default=True,
    help="Loudness of the result in LUFS (EBU R128).",
)  # fmt: skip
@click.option("--no-lipsync", is_flag=True, help="Only dub the sound; leave the picture as it is.")
@engine_options("renderer", "model", "profile", "face")
@engine_options("codec", "crf", "preset", "tune")
@click.option("--no-timeline", is_flag=True, help="Do not write the OTIO dub timeline.")
@no_overwrite_option
@click.pass_obj
def command(
    ctx: CliContext,
    video: str,
    target: str,
    source: str | None,
    output: str | None,
    asr: str,
    asr_model: str | None,
    mt: str | None,
    mt_model: str | None,
    subtitles: str | None,
    tts: str,
    tts_model: str | None,
    voices: tuple[str, ...],
    voice_map: str | None,
    speakers: int | None,
    workdir: str | None,
    stem: str | None,
    duck_db: float | None,
    loudness: float,
    no_lipsync: bool,
    engine: EngineParams,
    no_timeline: bool,
) -> None:
    """Dub VIDEO into another language, lips included, and write it to OUTPUT.

    Speech recognition, translation, speech synthesis fitted to each line's time slot,
    mixing over the original background, then lip sync with the exact timing of the new
    speech. Every stage is cached in the work directory: edit its target.srt and run the same
    command again to redo only the lines you changed.

    \b
    Examples:
      lipsync translate talk.mp4 --to es --subtitles talk.es.srt -o talk_es.mp4
      lipsync translate talk.mp4 --to de --asr whisper --asr-model small \\
          --mt marian --mt-model ./opus-mt-en-de -o talk_de.mp4
      lipsync translate panel.mp4 --to fr --subtitles panel.fr.srt --speakers 2 \\
          --voice S1=m3 --voice S2=f2,pitch=60 -o panel_fr.mp4
    """
    import logging
    from pathlib import Path

    from lipsync.api import translate
    from lipsync.cli.progress import staged_progress
    from lipsync.core.pipeline import TranslateOptions
    from lipsync.core.pipeline.mixing import MixOptions
    from lipsync.core.pipeline.voices import parse_voice_option

    log = logging.getLogger("lipsync")
    if output is None:
        raise click.UsageError("Give the output video with -o/--output.")
    if mt is None:
        mt = "marian" if mt_model and not subtitles else "srt"
    overrides = dict(parse_voice_option(v) for v in voices)
    _check_files(
        ctx, video, output, {**locals(), "model": engine["model"], "profile": engine["profile"]}
    )
    options = TranslateOptions(
        target=target,
        source=source,
        asr=asr,
        asr_model=asr_model,
        mt=mt,
        mt_model=mt_model,
        subtitles=subtitles,
        tts=tts,
        tts_model=tts_model,
        speakers=speakers,
        voices=overrides,
        voice_map=voice_map,
        workdir=workdir,
        stem=stem,
        mix=MixOptions(duck_db=duck_db, target_lufs=loudness),
        lipsync=not no_lipsync,
        sync=sync_options({**engine, "audio_mode": "replace"}),
    )
    with staged_progress(ctx) as update:
        report = translate(video, output, options, on_progress=update)
    if not no_timeline:
        from lipsync.otio_adapters.dub_timeline import write_dub_timeline

        timeline = Path(output).with_suffix("").with_name(Path(output).stem + ".otio")
        write_dub_timeline(
            video,
            report.outputs["dub_audio"],
            timeline,
            subtitles=report.outputs["target_srt"],
            language=target,
        )
        report.outputs["timeline"] = str(timeline)
    fitted = [line["fit"]["status"] for line in report.lines]
    log.info(
        "wrote %s: %d lines dubbed into %s (%d fitted as they were, %d re-timed, %d too long); "
        "work directory %s",
        report.output,
        len(fitted),
        target,
        fitted.count("fits"),
        sum(s not in ("fits", "too_long") for s in fitted),
        fitted.count("too_long"),
        report.workdir,
    )


def _check_files(ctx: CliContext, video: str, output: str, given: dict) -> None:
    """Every file the run writes (the video, everything beside it, the work directory's files
    and the voice map) against every file it reads, before any work."""
    import os
    from pathlib import Path

    from lipsync.core.media.atomic import same_file
    from lipsync.core.output_guard import check_work_folder
    from lipsync.core.pipeline.outputs import check_detected_names, planned_outputs
    from lipsync.core.pipeline.workdir import default_workdir, work_file_at

    out = Path(output)
    files = {
        "--subtitles": given["subtitles"],
        "--stem": given["stem"],
        "--model": given["model"],
        "--profile": given["profile"],
    }
    for option in ("asr_model", "mt_model", "tts_model"):  # a path, or a model's name
        value = given[option]
        if value and os.path.exists(value):
            files["--" + option.replace("_", "-")] = value
    inputs = {"VIDEO": video, **files}
    known = given["source"] or ("" if given["asr"] == "none" else None)
    roles = {
        "video": "-o/--output",
        "dub_audio": "the dub audio beside -o",
        "source_srt": "the source SRT beside -o",
        "source_vtt": "the source WebVTT beside -o",
        "target_srt": "the target SRT beside -o",
        "target_vtt": "the target WebVTT beside -o",
        "timeline": "the dub timeline beside -o",
        "report": "the report beside -o",
    }
    planned = planned_outputs(out, known, given["target"], timeline=not given["no_timeline"])
    outputs = {roles[k]: p for k, p in planned.items()}
    voice_map = given["voice_map"]
    ctx.check_outputs(outputs, inputs, updates={"--voice-map": voice_map})
    if known is None:
        check_detected_names(out, inputs)
    work = Path(given["workdir"]) if given["workdir"] else default_workdir(Path(video), out)
    in_work = dict(inputs)
    if voice_map and not same_file(voice_map, work / "voices.json"):
        in_work["--voice-map"] = voice_map
    check_work_folder(work, "the work directory", "--workdir", work_file_at, in_work)
