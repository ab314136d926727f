"""The library API: what every door (the ``lipsync`` commands, ``lipsync-filter``, the OTIO
round trip, the Resolve action, batch) calls, and what a Python program calls too::

    import lipsync

    report = lipsync.sync("talk.mp4", "talk_es.wav", "talk_es.mp4",
                          lipsync.SyncOptions(text="Hola a todos.", lang="es"))
    report = lipsync.translate("talk.mp4", "talk_de.mp4",
                               lipsync.TranslateOptions(target="de", subtitles="talk.de.srt"))
    report = lipsync.render_timeline("edit.otio", "edit_synced.otio")

Every function writes its outputs atomically, never over an input, and reports progress
through an optional :data:`~lipsync.core.progress.ProgressCallback`
``on_progress(stage, done, total)`` (``total`` None when unknown). Failures raise
:class:`~lipsync.errors.LipsyncError` subclasses whose message is one sentence for the user;
nothing is printed. Heavy packages are imported when a function runs, not on import.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

from lipsync.core.progress import ProgressCallback

if TYPE_CHECKING:
    from lipsync.core.batch import BatchOptions, BatchReport, BatchSpec
    from lipsync.core.media.rawpipe import RawFormat
    from lipsync.core.pipeline import TranslateOptions, TranslateReport
    from lipsync.core.sync_options import SyncOptions, SyncReport
    from lipsync.integrations.ffmpeg.filter import FilterResult
    from lipsync.otio_adapters.render import RenderOptions
    from lipsync.otio_adapters.report import RenderReport

PathLike = str | Path

__all__ = [
    "batch",
    "failed_clips",
    "filter_pipe",
    "render_timeline",
    "sync",
    "translate",
]


def sync(
    video: PathLike,
    audio: PathLike,
    output: PathLike,
    options: SyncOptions | None = None,
    on_progress: ProgressCallback | None = None,
) -> SyncReport:
    """Lip-sync ``video`` to the speech in ``audio`` and write ``output`` (.mp4, .mov, .mkv).

    Every frame keeps its timestamp; only the lower face of the chosen speaker changes.
    ``options`` default to :class:`~lipsync.core.sync_options.SyncOptions` ().
    """
    from lipsync.core.engine import LipSyncEngine

    return LipSyncEngine(options).run(video, audio, output, on_progress=on_progress)


def translate(
    video: PathLike,
    output: PathLike | None,
    options: TranslateOptions,
    on_progress: ProgressCallback | None = None,
) -> TranslateReport:
    """Dub ``video`` into ``options.target`` (speech recognition, translation, synthesis
    fitted to each line, mixing, then lip sync) and write ``output`` with the dub audio,
    subtitles and report beside it. ``output`` None stops after the dub audio."""
    from lipsync.core.pipeline import translate_video

    return translate_video(video, output, options, on_progress=on_progress)


def render_timeline(
    timeline: PathLike,
    output: PathLike,
    options: RenderOptions | None = None,
    on_progress: ProgressCallback | None = None,
    report: PathLike | None = None,
) -> RenderReport:
    """Lip-sync every picture clip of the OTIO ``timeline`` that dub audio plays over and
    write the same timeline to ``output`` with only those clips' media swapped; with
    ``report``, also the clip-by-clip report (JSON) there.

    The encoder settings are checked first, so a bad preset fails before any clip, and
    ``output`` and ``report`` are checked against every media file of the timeline. A clip
    that cannot be rendered is kept unchanged and marked failed in the report (see
    :func:`failed_clips`).
    """
    import json

    from lipsync.core.engine import check_encode
    from lipsync.core.media import write_text
    from lipsync.otio_adapters.render import RenderOptions
    from lipsync.otio_adapters.render import render_timeline as render

    options = options or RenderOptions()
    check_encode(options.encode)
    result = render(
        timeline, output, options, on_progress=on_progress, side_outputs={"--report": report}
    )
    if report is not None:
        write_text(report, json.dumps(result.to_json(), indent=2) + "\n", [timeline])
    return result


def failed_clips(report: RenderReport, output: PathLike) -> str | None:
    """The sentence saying how many clips of a timeline render failed, or None."""
    from lipsync.otio_adapters.report import FAILED

    failed = report.by_status(FAILED)
    if not failed:
        return None
    return (
        f"{len(failed)} of {len(report.clips)} clips could not be rendered (see the summary); "
        f"'{output}' was written with them unchanged."
    )


def batch(
    jobs: PathLike | BatchSpec,
    options: BatchOptions | None = None,
    on_progress: ProgressCallback | None = None,
) -> BatchReport:
    """Run every (video, language) job of a job file (JSON or YAML) or of a parsed
    :class:`~lipsync.core.batch.BatchSpec`, on this machine or on Ray; finished steps are
    kept in the work directory, so running it again does only what is missing."""
    from lipsync.core.batch import load_job_file, run_batch

    spec = load_job_file(jobs) if isinstance(jobs, str | Path) else jobs
    return run_batch(spec, options, on_progress=on_progress)


def filter_pipe(
    source: BinaryIO,
    sink: BinaryIO,
    options: SyncOptions | None = None,
    *,
    fmt: str = "y4m",
    audio: PathLike | None = None,
    audio_from_stream: bool = False,
    raw: RawFormat | None = None,
    colorspace: str | None = None,
    live: float | None = None,
    on_progress: ProgressCallback | None = None,
    audio_url: str | None = None,
) -> FilterResult:
    """Lip-sync frames read from ``source`` (``fmt``: y4m, nut or raw with ``raw``'s size,
    rate and pixel format) to the speech in the file ``audio`` (or, NUT only, the input's own
    audio stream) and write them in order, in the same format, to ``sink``. ``live``: seconds
    from a frame's arrival to its leaving (no lookahead; a frame not finished in time leaves
    untouched). ``audio_url``: the speech instead arrives there (a FIFO, a network stream).
    See :func:`lipsync.integrations.ffmpeg.filter.run_filter`."""
    from lipsync.core.sync_options import SyncOptions
    from lipsync.integrations.ffmpeg.filter import run_filter

    return run_filter(
        source, sink, options or SyncOptions(), fmt=fmt, audio=audio,
        audio_from_stream=audio_from_stream, raw=raw, colorspace=colorspace,
        on_progress=on_progress, live=live, audio_url=audio_url,
    )  # fmt: skip
