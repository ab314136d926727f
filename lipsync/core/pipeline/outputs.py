"""The files a translation run delivers beside its video output, and the plain re-mux used
when the lip sync is switched off."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from pathlib import Path

from lipsync.core.errors import OutputError
from lipsync.core.media import EncodeOptions, VideoWriter, open_video, write_text
from lipsync.core.media.convert import frame_to_rgb
from lipsync.core.pipeline.segments import Segment
from lipsync.core.pipeline.subtitles import format_srt, format_vtt, segments_to_cues
from lipsync.core.progress import CountCallback


def output_paths(output: Path, source_lang: str, target_lang: str) -> dict[str, Path]:
    """Where each delivered file goes, named after ``output``: ``film_es.mp4`` gives
    ``film_es.dub.wav``, ``film_es.en.srt``, ``film_es.es.vtt``, ``film_es.otio``,
    ``film_es.report.json`` …"""
    stem = output.with_suffix("")
    src = source_lang or "source"
    if src == target_lang:
        src = "source"

    def named(suffix: str) -> Path:
        return stem.with_name(stem.name + suffix)

    return {
        "video": output,
        "dub_audio": named(".dub.wav"),
        "source_srt": named(f".{src}.srt"),
        "source_vtt": named(f".{src}.vtt"),
        "target_srt": named(f".{target_lang}.srt"),
        "target_vtt": named(f".{target_lang}.vtt"),
        "timeline": named(".otio"),
        "report": named(".report.json"),
    }


def planned_outputs(
    output: Path, source_lang: str | None, target_lang: str, timeline: bool = True
) -> dict[str, Path]:
    """The files a run will deliver, by role, known before it starts. With the source
    language still to be detected (``source_lang`` None), the source subtitles' names are not
    known yet: see :func:`check_detected_names`."""
    paths = output_paths(output, source_lang or "", target_lang)
    if source_lang is None:
        del paths["source_srt"], paths["source_vtt"]
    if not timeline:
        del paths["timeline"]
    return paths


def check_detected_names(output: Path, inputs: dict[str, Path | None]) -> None:
    """Refuse an input named like the source subtitles a run writes beside ``output`` once
    it has detected the language (``film_es.<lang>.srt`` or ``.vtt``)."""
    stem = output.with_suffix("").name
    folder = output.absolute().parent
    for role, src in inputs.items():
        if src is None:
            continue
        p = Path(src)
        middle = p.name[len(stem) + 1 : -len(p.suffix)] if p.name.startswith(stem + ".") else ""
        if (
            p.suffix.lower() in (".srt", ".vtt")
            and middle
            and "." not in middle
            and p.absolute().parent == folder
        ):
            raise OutputError(
                f"The input '{p}' ({role}) has the name of the source subtitles written beside "
                f"'{output}' once the language is detected: move or rename the input, choose "
                "another output name, or give --from."
            )


def write_subtitle_files(
    paths: dict[str, Path], segments: Sequence[Segment], inputs: Sequence[Path]
) -> None:
    """Source and target subtitles, SRT and WebVTT, with speaker labels when there are
    several speakers."""
    several = len({s.speaker for s in segments}) > 1
    source = segments_to_cues(segments, target=False)
    target = segments_to_cues([s for s in segments if s.target], target=True)
    write_text(paths["source_srt"], format_srt(source, several), inputs)
    write_text(paths["source_vtt"], format_vtt(source, several), inputs)
    write_text(paths["target_srt"], format_srt(target, several), inputs)
    write_text(paths["target_vtt"], format_vtt(target, several), inputs)


def remux(
    video: Path,
    audio: Path,
    output: Path,
    on_progress: CountCallback | None = None,
    encode: EncodeOptions | None = None,
) -> int:
    """``video``'s frames (re-encoded with ``encode``'s codec, quality and tune; same timing)
    with ``audio`` as its sound; the number of frames written. For runs without lip sync."""
    report = on_progress or (lambda done, total: None)
    with open_video(video) as reader:
        info = reader.info
        total = info.frame_count or None
        options = dataclasses.replace(encode or EncodeOptions(), audio_mode="replace")
        with VideoWriter(output, info, options=options, audio=audio, original=video) as writer:
            n = 0
            for _, frame in reader.iter_decoded():
                if frame.format.name == writer.pix_fmt:
                    writer.write_decoded(frame, frame.pts)
                else:
                    writer.write(frame_to_rgb(frame, info), frame.pts)
                n += 1
                if n % 25 == 0:
                    report(n, total)
            report(n, total)
    return n
