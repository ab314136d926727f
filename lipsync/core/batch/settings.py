"""A job's options (plain JSON values from the job file) as the engine's and the translation
pipeline's option objects, and the variants a chunk is rendered with."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

from lipsync.core.batch.plan import DEFAULT_CHUNK_SECONDS, DEFAULT_LEAD_IN
from lipsync.core.constants import DEFAULT_RENDERER, LOOKAHEAD_SECONDS, VIDEO_CODECS
from lipsync.core.errors import InputError
from lipsync.core.media import EncodeOptions
from lipsync.core.sync_options import SyncOptions

#: How chunks are rendered: losslessly (the join encodes once, with the job's settings), no
#: sound (the dub is muxed once over the joined video), one encoder thread per worker.
CHUNK_ENCODE = EncodeOptions(crf=0, preset="ultrafast", tune="none", audio_mode="none",
                             provenance=False, threads=1)  # fmt: skip
CHUNK_CONTAINER = ".mp4"


def encoder(options: dict[str, Any]) -> str:
    """The video encoder of a job's ``codec`` option (h264 when it has none)."""
    return VIDEO_CODECS[options.get("codec") or "h264"]


def sync_options(options: dict[str, Any], language: str) -> SyncOptions:
    """The engine options of a job (its output encoding included)."""
    from lipsync.core.profile_file import load_profile
    from lipsync.core.selection import SelectionOptions

    o = options
    encode = EncodeOptions(
        codec=encoder(o),
        crf=o.get("crf", EncodeOptions.crf),
        preset=o.get("preset") or EncodeOptions.preset,
        tune=o.get("tune") or EncodeOptions.tune,
        audio_mode=o.get("audio_mode") or "replace",
    )
    if encode.audio_mode == "none":
        raise InputError("audio_mode 'none' would drop the dub: use replace, keep or both.")
    return SyncOptions(
        renderer=o.get("renderer") or DEFAULT_RENDERER,
        model=o.get("model"),
        selection=SelectionOptions(face=o.get("face", "largest")),
        start=o.get("start"),
        end=o.get("end"),
        text=o.get("text"),
        lang=o.get("lang") or language,
        encode=encode,
        detect_every=o.get("detect_every"),
        allow_no_face=bool(o.get("allow_no_face", False)),
        lookahead=None if o.get("lookahead") is None else float(o["lookahead"]),
        profile=load_profile(o["profile"]) if o.get("profile") else None,
    )


def chunk_seconds(options: dict[str, Any]) -> float:
    return float(options.get("chunk_seconds") or DEFAULT_CHUNK_SECONDS)


def lead_in(options: dict[str, Any]) -> float:
    value = options.get("lead_in")
    return float(DEFAULT_LEAD_IN if value is None else value)


def tail_seconds(sync: SyncOptions, fps: float = 25.0) -> float:
    """Seconds rendered after a chunk and dropped: the engine's lookahead plus the hand-over
    ramp, so every kept frame is planned as in one run through the whole video (the default
    lookahead at its longest: a large frame's may be shorter)."""
    held = LOOKAHEAD_SECONDS if sync.lookahead is None else sync.lookahead
    return held + (sync.selection.handover_frames + 2) / fps


def for_chunk(sync: SyncOptions, offset: float | None) -> SyncOptions:
    """``sync`` for rendering one chunk whose first (handle) frame is ``offset`` s after the
    video's first frame (None: the chunk is the whole video): lossless, silent, never failing
    for want of a face (a chunk may be a shot without one), ``start``/``end`` moved."""
    # FFV1 jobs keep FFV1 chunks: lossless x264 holds no 12-bit layout
    chunk = CHUNK_ENCODE
    if sync.encode.codec == "ffv1":
        chunk = dataclasses.replace(CHUNK_ENCODE, codec="ffv1", tune="auto")
    changes: dict[str, Any] = {"encode": chunk, "allow_no_face": True}
    if offset is not None:
        start = None if sync.start is None else sync.start - offset
        end = None if sync.end is None else sync.end - offset
        if end is not None and end <= 0:
            start, end = 1e9, None  # the whole chunk is after the range: nothing changes
        elif start is not None and start <= 0:
            start = None
        changes.update(start=start, end=end, text=None)
    return dataclasses.replace(sync, **changes)


def translate_options(options: dict[str, Any], target: str, workdir: Path):
    """The translation pipeline's options for a ``translate`` job: its dub only (the batch
    lip-syncs it in chunks), cached in ``workdir``."""
    from lipsync.core.pipeline import TranslateOptions
    from lipsync.core.pipeline.mixing import MixOptions

    o = options
    mt = o.get("mt") or ("marian" if o.get("mt_model") and not o.get("subtitles") else "srt")
    mix = MixOptions()
    if o.get("duck_db") is not None or o.get("loudness") is not None:
        mix = MixOptions(
            duck_db=o.get("duck_db"),
            target_lufs=o.get("loudness") if o.get("loudness") is not None else mix.target_lufs,
        )
    return TranslateOptions(
        target=target,
        source=o.get("source"),
        asr=o.get("asr") or "pocketsphinx",
        asr_model=o.get("asr_model"),
        mt=mt,
        mt_model=o.get("mt_model"),
        subtitles=o.get("subtitles"),
        tts=o.get("tts") or "espeak",
        tts_model=o.get("tts_model"),
        speakers=o.get("speakers"),
        workdir=workdir,
        stem=o.get("stem"),
        mix=mix,
        lipsync=False,
        sync=sync_options(o, target),
    )
