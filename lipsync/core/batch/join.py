"""Joining chunk renders into one output: every kept frame once, at the source's own
timestamp, encoded once with the job's settings, and the dub muxed once over the whole (so
the sound has no seam at all)."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from lipsync.core.batch import settings
from lipsync.core.batch.plan import Chunk
from lipsync.core.errors import ProcessingError


def join_chunks(payload: dict[str, Any]) -> dict[str, Any]:
    """Join the chunk renders listed in ``payload`` into ``payload["output"]`` (atomically)
    and return what was written: frames, video and speech durations, audio cut, warnings."""
    from lipsync.core.media import VideoWriter, frame_times, open_video, probe
    from lipsync.core.media.convert import frame_to_rgb

    started = time.perf_counter()
    video, dub, output = Path(payload["video"]), Path(payload["dub"]), Path(payload["output"])
    chunks = [Chunk(**c) for c in payload["chunks"]]
    renders = [Path(r) for r in payload["renders"]]
    sync = settings.sync_options(payload["options"], payload["language"])
    info = probe(video).video[0]
    tb = info.time_base
    pts = [round(t / tb) for t in frame_times(video)]
    total = chunks[-1].end if chunks else 0
    if len(pts) != total:
        raise ProcessingError(
            f"'{video}' now has {len(pts)} frames where the plan has {total}: it changed during "
            "the batch; run the batch again."
        )
    mode = sync.encode.audio_mode
    written = 0
    with VideoWriter(output, info, options=sync.encode, audio=dub, original=video,
                     inputs=[video, dub]) as writer:  # fmt: skip
        for chunk, render in zip(chunks, renders, strict=True):
            kept = 0
            with open_video(render) as reader:
                for index, frame in reader.iter_decoded():
                    if index < chunk.lead:
                        continue
                    if kept == chunk.count:
                        break
                    at = pts[chunk.first + kept]
                    if frame.format.name == writer.pix_fmt:
                        writer.write_decoded(frame, at)
                    else:
                        writer.write(frame_to_rgb(frame, reader.info), at)
                    kept += 1
            if kept != chunk.count:
                raise ProcessingError(
                    f"The render of chunk {chunk.index} ('{render}') holds {kept} of its "
                    f"{chunk.count} frames: delete it to render it again."
                )
            written += kept
    result = writer.result
    assert result is not None
    warnings = []
    if result.audio_cut > 0.01:
        warnings.append(f"{result.audio_cut:.2f} s of speech after the video's end was cut.")
    first = float((info.start_pts or 0) * tb)
    return {
        "output": str(output),
        "frames": written,
        "audio_mode": mode,
        "video_duration": round(result.video_end - first, 4),
        "audio_cut": round(result.audio_cut, 4),
        "size": output.stat().st_size,
        "seconds": round(time.perf_counter() - started, 3),
        "warnings": warnings,
    }
