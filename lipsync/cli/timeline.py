"""``lipsync timeline new|render``: dub timelines in OpenTimelineIO, lip-synced clip by clip."""

from __future__ import annotations

import click

from lipsync.cli.context import CliContext, no_overwrite_option
from lipsync.cli.engine_options import EngineParams, engine_options, sync_options


@click.group("timeline")
def command() -> None:
    """Edited timelines (OpenTimelineIO): make a dub timeline, or lip-sync one.

    `new` builds a timeline of a video with its dub (and subtitles) to edit in any NLE;
    `render` lip-syncs every picture clip that dub audio plays over and writes the same
    timeline back with only those clips' media swapped.

    \b
    Example:
      lipsync timeline new talk.mp4 --dub talk_es.wav --subtitles talk.es.srt -o talk_es.otio
      lipsync timeline render talk_es_edited.otio -o talk_es_synced.otio
    """


@command.command("new")
@click.argument("video", type=click.Path(path_type=str))
@click.option("--dub", required=True, type=click.Path(path_type=str),
              help="The dub audio (any file with sound), placed from the first frame.")  # fmt: skip
@click.option("--subtitles", type=click.Path(path_type=str),
              help="SubRip subtitles, added as markers (text, speaker, language).")  # fmt: skip
@click.option("--language", help="Language of the subtitles (default: from a name like x.es.srt).")
@click.option(
    "-o", "--output", required=True, type=click.Path(dir_okay=False, path_type=str),
    help="The timeline to write (.otio; .xml/.edl with OpenTimelineIO-Plugins).",
)  # fmt: skip
@no_overwrite_option
@click.pass_obj
def new(
    ctx: CliContext,
    video: str,
    dub: str,
    subtitles: str | None,
    language: str | None,
    output: str,
) -> None:
    """Make a dub timeline: VIDEO on "Picture", its sound on "Original", the dub on "Dub".

    \b
    Example:
      lipsync timeline new talk.mp4 --dub talk_es.wav -o talk_es.otio
    """
    import logging

    from lipsync.otio_adapters.dub_timeline import write_dub_timeline

    ctx.check_outputs({"-o/--output": output}, {"VIDEO": video, "--dub": dub,
                                                "--subtitles": subtitles})  # fmt: skip
    timeline = write_dub_timeline(video, dub, output, subtitles, language=language)
    markers = len(timeline.tracks.markers)
    logging.getLogger("lipsync").info(
        "wrote %s: %d tracks%s", output, len(timeline.tracks),
        f", {markers} subtitle markers" if markers else "",
    )  # fmt: skip


@command.command("render")
@click.argument("timeline", type=click.Path(path_type=str))
@click.option(
    "-o", "--output", required=True, type=click.Path(dir_okay=False, path_type=str),
    help="The timeline to write, the same with lip-synced media (.otio).",
)  # fmt: skip
@click.option("--video-track", metavar="NAME|INDEX",
              help='The picture track: a name, or a number from 1 ("V2"). Default: "Picture", '
                   "else the first video track.")  # fmt: skip
@click.option("--dub-track", "dub_tracks", multiple=True, metavar="NAME|INDEX",
              help='The dub track(s): a name, or a number from 1 ("A3"). Default: "Dub". '
                   "Repeat to mix several.")  # fmt: skip
@click.option("--media-dir", type=click.Path(file_okay=False, path_type=str),
              help="Folder for the renders. Default: lipsync_media beside the output.")  # fmt: skip
@click.option("--handles", type=click.IntRange(min=0), default=12, show_default=True,
              help="Frames rendered beyond each end of a clip.")  # fmt: skip
@engine_options("renderer", "model", "profile", "allow_no_face")
@click.option("--force", is_flag=True, help="Render every clip again, changed or not.")
@engine_options("codec", "crf", "preset", "tune")
@click.option("--report", "report_path", type=click.Path(dir_okay=False, path_type=str),
              help="Write the clip-by-clip report (JSON) here.")  # fmt: skip
@no_overwrite_option
@click.pass_obj
def render(
    ctx: CliContext,
    timeline: str,
    output: str,
    video_track: str | None,
    dub_tracks: tuple[str, ...],
    media_dir: str | None,
    handles: int,
    engine: EngineParams,
    force: bool,
    report_path: str | None,
) -> None:
    """Lip-sync the picture clips of TIMELINE to the dub playing over them.

    TIMELINE is any timeline OTIO reads (.otio, .otioz; .xml, .edl, .aaf with the
    OpenTimelineIO-Plugins adapters). Only clips whose picture or dub changed since the last
    render are rendered again. A clip-by-clip summary goes to stdout.

    \b
    Example:
      lipsync timeline render edit.otio -o edit_synced.otio --dub-track "Spanish dub"
      lipsync timeline render edit.xml -o edit_synced.otio --handles 24 --report report.json
    """
    from pathlib import Path

    from lipsync.api import failed_clips, render_timeline
    from lipsync.cli.progress import staged_progress
    from lipsync.core.errors import ProcessingError
    from lipsync.otio_adapters.render import RenderOptions

    ctx.check_outputs({"-o/--output": output, "--report": report_path},
                      {"TIMELINE": timeline, "--model": engine["model"],
                       "--profile": engine["profile"]})  # fmt: skip
    sync = sync_options(engine)
    options = RenderOptions(
        renderer=sync.renderer,
        model=sync.model,
        handles=handles,
        media_dir=Path(media_dir) if media_dir else None,
        video_track=video_track,
        dub_tracks=tuple(dub_tracks),
        allow_no_face=sync.allow_no_face,
        force=force,
        encode=sync.encode,
        profile=sync.profile,
    )
    with staged_progress(ctx) as update:
        report = render_timeline(timeline, output, options, on_progress=update,
                                 report=report_path)  # fmt: skip
    click.echo(report.summary())
    failed = failed_clips(report, output)
    if failed:
        raise ProcessingError(failed)
