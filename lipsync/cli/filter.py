"""The ``lipsync-filter`` command: argument parsing, stderr logging, exit codes (the pipe
work itself is :func:`lipsync.integrations.ffmpeg.filter.run_filter`).

Exit codes are those of ``lipsync`` (0 ok, 1 failure, 2 usage, 3 bad input, 4 missing
dependency, 130 interrupted) plus 141 when the program reading the output closed the pipe
early (the frames it took were whole; the filter stopped quietly).
"""

from __future__ import annotations

import logging
import os
import sys
from dataclasses import replace

import click

from lipsync import __version__
from lipsync.cli.context import CliContext
from lipsync.cli.engine_options import EngineParams, engine_options, sync_options
from lipsync.core.constants import LIVE_RENDERER
from lipsync.core.errors import EXIT_DOWNSTREAM_CLOSED
from lipsync.core.live import LIVE_DELAY_SECONDS


@click.command("lipsync-filter", context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "-V", "--version", prog_name="lipsync-filter")
@click.option(
    "-f", "--format", "fmt", type=click.Choice(["y4m", "nut", "raw"]), default="y4m",
    show_default=True, help="Frame format on stdin and stdout.",
)  # fmt: skip
@click.option(
    "--audio", type=click.Path(dir_okay=False, path_type=str),
    help="The speech that drives the mouth (any audio or video file).",
)  # fmt: skip
@click.option(
    "--audio-url", metavar="URL",
    help="The speech as it arrives from a second input PyAV reads: a FIFO, srt://, rtmp://, "
    "http://… (its first sample is taken to be the first frame's time).",
)  # fmt: skip
@click.option(
    "--audio-from-stream", is_flag=True,
    help="NUT only: the input's own audio stream is the speech (it is passed through too).",
)  # fmt: skip
@click.option(
    "--colorspace", type=click.Choice(["bt601", "bt709", "bt2020"]),
    help="YUV matrix of the frames (y4m and raw carry none: bt601 unless given; NUT's tag).",
)  # fmt: skip
@click.option("--size", help="Raw only: picture size WIDTHxHEIGHT.")
@click.option("--rate", help="Raw only: frames per second (25, 30000/1001 …).")
@click.option(
    "--pix-fmt",
    help="Raw only: pixel format as in ffmpeg's -pix_fmt: yuv420p, yuv422p, yuv444p (and "
    "their 10le, 12le, 16le), gray, gray16le, rgb24, bgr24.",
)
@engine_options("renderer", "model", "profile", "face", "text", "text_file", "lang", "start", "end",
                "lookahead")  # fmt: skip
@click.option(
    "--live", is_flag=True,
    help="Live pipe: each frame leaves --live-delay after it came in (rendered, or untouched "
    "when it could not be finished in time); no lookahead.",
)  # fmt: skip
@click.option(
    "--live-delay", type=click.FloatRange(min=0.0, min_open=True), default=LIVE_DELAY_SECONDS,
    show_default=True, help="With --live: seconds from a frame's arrival to its leaving.",
)  # fmt: skip
@click.option(
    "--strict", is_flag=True,
    help="Stop before the first frame when a preflight check of the speech fails.",
)  # fmt: skip
@click.option("--no-check", is_flag=True, help="Skip the quick preflight check of the speech.")
@click.option("--example", is_flag=True, help="Print ready-to-paste ffmpeg command lines.")
@click.option("-v", "--verbose", is_flag=True, help="Debug logs and full tracebacks (stderr).")
@click.option("-q", "--quiet", is_flag=True, help="No progress bar, warnings only (stderr).")
def command(
    fmt: str,
    audio: str | None,
    audio_url: str | None,
    audio_from_stream: bool,
    colorspace: str | None,
    size: str | None,
    rate: str | None,
    pix_fmt: str | None,
    engine: EngineParams,
    live: bool,
    live_delay: float,
    strict: bool,
    no_check: bool,
    example: bool,
    verbose: bool,
    quiet: bool,
) -> None:
    """Lip-sync video frames from stdin to the speech in --audio; frames out on stdout.

    Drops between two ffmpeg processes. stdout carries only frames; logs and the progress
    bar go to stderr. Frames leave in order, none dropped or added, after a short lookahead.

    \b
    Example:
      ffmpeg -i in.mp4 -f yuv4mpegpipe - | lipsync-filter --audio dub.wav \\
        | ffmpeg -f yuv4mpegpipe -i - -i dub.wav -map 0:v -map 1:a out.mp4
      lipsync-filter --example      # more: NUT with the dub inside, rawvideo
    """
    if example:
        from lipsync.integrations.ffmpeg.examples import EXAMPLES

        click.echo(EXAMPLES, nl=False)
        return
    if not live:
        from lipsync.core.face.tracking_process import warm_up

        # numpy's OpenBLAS in the tracker's process on one thread (it inherits the setting):
        # its calls there are small, and its worker thread only spun beside them (0.5 % of
        # the filter's CPU at 480x270, by perf samples; the same faces, the output
        # byte-identical)
        os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
        steady_heap()  # here and, through the environment, in the tracker's process
        warm_up()  # the face tracker's own process starts while the rest loads
    from lipsync.api import filter_pipe
    from lipsync.cli.main import configure_logging, silence_stdout
    from lipsync.cli.progress import staged_progress
    from lipsync.core.media import check_input_path
    from lipsync.core.media.rawpipe import RawFormat

    configure_logging(verbose=verbose, quiet=quiet)
    if fmt != "raw" and (size or rate or pix_fmt):
        raise click.UsageError("--size, --rate and --pix-fmt are for --format raw only.")
    raw = RawFormat.parse(size, rate, pix_fmt) if fmt == "raw" else None
    if strict and no_check:
        raise click.UsageError("Give either --strict or --no-check, not both.")
    if not live:
        from lipsync.core.sync_stream import tracking_backend

        warm_up(tracking_backend())  # its models load while the speech is checked and analysed
    if audio is not None:
        check_input_path(audio, "audio")
        if not no_check:
            _preflight(audio, strict)
    options = sync_options(engine)
    if live and options.profile is None and _defaulted("renderer"):
        # live: every millisecond counts; the exemplar bank costs about 10 ms and its render
        # 10-25 ms more per frame than the warp on this 2-core class of machine
        options = replace(options, renderer=LIVE_RENDERER)
        logging.getLogger("lipsync").info(
            "--live renders with the %s (cheapest); --renderer auto or --profile draw the "
            "speaker's own mouths",
            LIVE_RENDERER,
        )
    ctx = CliContext(verbose=verbose, quiet=quiet)
    source, sink = sys.stdin.buffer, sys.stdout.buffer
    if sink.isatty():
        raise click.UsageError(
            "stdout is a terminal: pipe lipsync-filter into ffmpeg (see --example)."
        )
    from lipsync.core.output_guard import check_stream_output

    check_stream_output(
        sink,
        {
            "--audio": audio,
            "--text-file": engine["text_file"],
            "--model": engine["model"],
            "--profile": engine["profile"],
        },
        stdin=source,
    )
    try:
        with staged_progress(ctx) as update:
            result = filter_pipe(
                source,
                sink,
                options,
                fmt=fmt,
                audio=audio,
                audio_from_stream=audio_from_stream,
                raw=raw,
                colorspace=colorspace,
                on_progress=update,
                live=live_delay if live else None,
                audio_url=audio_url,
            )
    except BrokenPipeError:  # the reader closed our output: stop quietly (click would exit 1)
        silence_stdout()
        raise click.exceptions.Exit(EXIT_DOWNSTREAM_CLOSED) from None
    # every frame is out: the reader (an encoder) sees the end now, not once the tracker's
    # process and this interpreter have wound down (0.1 s that x264 waited at 480x270)
    sys.stdout.flush()
    silence_stdout()

    logging.getLogger("lipsync").info(
        "%d frames, %d lip-synced, mouth from %s", result.frames, result.rendered,
        result.mouth_source,
    )  # fmt: skip
    late = result.passed_through.get("late", 0)
    if live and late:
        logging.getLogger("lipsync").warning(
            "--live: %d of %d frames could not be finished within %g s and passed untouched.",
            late, result.frames, live_delay,
        )  # fmt: skip


def _preflight(audio: str, strict: bool) -> None:
    """The quick checks of the speech (the frames are not here yet): warnings on stderr."""
    from lipsync.core.quality import format_check, quick_preflight, raise_on_failure

    report = quick_preflight(None, audio)
    for check in report.problems:
        logging.getLogger("lipsync").warning("check: %s", format_check(check))
    if strict:
        raise_on_failure(report)


def main() -> None:
    """Console-script entry point of ``lipsync-filter``."""
    from lipsync.cli.main import run

    code = run(
        command,
        prog_name="lipsync-filter",
        broken_pipe_code=EXIT_DOWNSTREAM_CLOSED,
        interrupted="the frames already written are whole.",
    )
    sys.exit(code)


#: glibc malloc settings for a steady stream of frame-sized blocks, environment name ->
#: (mallopt's M_MMAP_THRESHOLD / M_TRIM_THRESHOLD, bytes): blocks up to 32 MiB (a 4K RGB
#: frame is 25 MB) come from the heap, not from a mapping of their own, and the heap keeps
#: up to 128 MiB free for reuse before it gives any back
MALLOC_SETTINGS = {
    "MALLOC_MMAP_THRESHOLD_": (-3, 32 << 20),
    "MALLOC_TRIM_THRESHOLD_": (-1, 128 << 20),
}


def steady_heap() -> bool:
    """Have glibc's malloc reuse freed frame-sized blocks instead of returning them to the
    system, in this process and (through the environment) the processes it starts, unless
    ``MALLOC_MMAP_THRESHOLD_`` / ``MALLOC_TRIM_THRESHOLD_`` say otherwise; whether this
    process's malloc took the settings (glibc only).

    By default a block of more than 128 KiB is mapped, and freed memory at the top of the
    heap beyond twice the largest such block is given back: frames' RGB pictures and many a
    region-sized temporary (cv2, numpy) came in fresh pages that the kernel zeroed on first
    touch. The filter's page faults, 500 frames: 1080p 161-180k -> 122-128k, 480x270 60-63k
    -> 37k; its system time 1.2-1.4 -> 1.0-1.2 s and 0.3-0.5 -> 0.2-0.4 s. Its CPU-s as a
    whole moved within this loaded machine's noise (1080p median -0.3 of 13-16 over nine
    alternating pairs, -2.1 to +2.6; 480x270 the same 5.9-6.6); a 1080p mouth region's
    comparison alone (patch._pixels_differ) went 0.92 -> 0.12 ms. Peak memory the same at
    1080p (456-494 MB), +19 MB at 480x270 (138 MB); the output byte-identical.
    """
    import ctypes

    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (AttributeError, OSError, TypeError):  # no mallopt (macOS, Windows)
        mallopt = None
    done = mallopt is not None
    for name, (option, default) in MALLOC_SETTINGS.items():
        value = os.environ.setdefault(name, str(default))
        if mallopt is None:
            continue  # the processes it starts may still have a glibc that reads it
        try:
            done = mallopt(ctypes.c_int(option), ctypes.c_int(int(value))) == 1 and done
        except (TypeError, ValueError, OverflowError):  # a value that is not a number
            done = False
    return done


def _defaulted(name: str) -> bool:
    """Whether the option ``name`` of the running command was left at its default."""
    source = click.get_current_context().get_parameter_source(name)
    return source in (None, click.core.ParameterSource.DEFAULT)
