"""``lipsync probe FILE``: what a media file holds."""

from __future__ import annotations

import json

import click

from lipsync.cli.context import CliContext, no_overwrite_option


@click.command("probe")
@click.argument("file", type=click.Path(path_type=str))
@click.option("--json", "as_json", is_flag=True, help="Print machine-readable JSON.")
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=str),
    help="Write the JSON to this file instead of printing it.",
)
@no_overwrite_option
@click.pass_obj
def command(ctx: CliContext, file: str, as_json: bool, output: str | None) -> None:
    """Show the streams of FILE: duration, frame rate, frame count, size, rotation, pixel
    format, audio rate and channels.

    \b
    Example:
      lipsync probe interview.mp4
      lipsync probe interview.mp4 --json
      lipsync probe interview.mp4 -o interview.json
    """
    from lipsync.core.media import probe, write_text

    ctx.check_outputs({"-o/--output": output}, {"FILE": file})  # fail before the work
    info = probe(file)
    if output is not None:
        write_text(output, json.dumps(info.to_json(), indent=2, ensure_ascii=False) + "\n", [file])
        return
    if as_json:
        click.echo(json.dumps(info.to_json(), indent=2, ensure_ascii=False))
        return
    click.echo(format_info(info))


def format_info(info) -> str:
    """A short human-readable summary of a :class:`~lipsync.core.media.MediaInfo`."""
    lines = [f"{info.path}: {info.format_name.split(',')[0]}, {_seconds(info.duration)}"]
    for v in info.video:
        fps = f"{float(v.fps):.3f}".rstrip("0").rstrip(".")
        extra = [f"rotation {v.rotation}°"] if v.rotation else []
        if v.variable_rate:
            extra.append("variable frame rate")
        if v.interlaced:
            extra.append(f"interlaced, {'top' if v.top_field_first else 'bottom'} field first")
        if v.sample_aspect != 1:
            sar = v.sample_aspect
            extra.append(f"pixels {sar.numerator}:{sar.denominator} (anamorphic)")
        if v.hdr is not None:
            extra.append(v.hdr.describe())
        lines.append(
            f"  video #{v.index}: {v.codec} {v.width}x{v.height} {v.pix_fmt}, {fps} fps "
            f"({v.fps.numerator}/{v.fps.denominator}), {v.frame_count} frames, "
            f"{_seconds(v.duration)}" + "".join(f", {e}" for e in extra)
        )
    for a in info.audio:
        lines.append(
            f"  audio #{a.index}: {a.codec} {a.sample_rate} Hz, {a.channels} ch ({a.layout}), "
            f"{_seconds(a.duration)}"
        )
    if not info.video and not info.audio:
        lines.append("  no audio or video streams")
    return "\n".join(lines)


def _seconds(value: float | None) -> str:
    return "duration unknown" if value is None else f"{value:.3f} s"
