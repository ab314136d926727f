"""Track the faces of a whole video file: tracks JSON and/or a preview video, streamed.

The glue between :mod:`lipsync.core.media` (decoding, encoding, atomic outputs) and the
tracker; memory stays that of one frame whatever the length of the video.
"""

from __future__ import annotations

import dataclasses
import logging
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path

from lipsync.core.constants import DEFAULT_FPS
from lipsync.core.face.preview import draw_faces
from lipsync.core.face.tracker import FaceTracker, TrackerOptions
from lipsync.core.face.tracks import FrameFaces, TracksHeader, TracksWriter
from lipsync.core.progress import CountCallback

logger = logging.getLogger("lipsync")

PREVIEW_PRESET = "veryfast"  # x264 preset for previews: speed over size


@dataclass(frozen=True)
class VideoTracking:
    """What a run found: ``frames`` decoded, ``frames_with_faces``, the set of track ``ids``,
    and the outputs written."""

    frames: int
    frames_with_faces: int
    ids: tuple[int, ...]
    json_path: Path | None = None
    preview_path: Path | None = None
    max_faces_in_frame: int = 0
    outputs: tuple[Path, ...] = field(default=())


def track_video(
    video: str | Path,
    options: TrackerOptions | None = None,
    *,
    json_path: str | Path | None = None,
    preview_path: str | Path | None = None,
    on_progress: CountCallback | None = None,
) -> VideoTracking:
    """Track every frame of ``video``; write the tracks JSON (see
    :mod:`lipsync.core.face.tracks`) to ``json_path`` and/or a preview with the faces drawn to
    ``preview_path``. Outputs appear only when complete (temporary file, then rename)."""
    from lipsync.core.media import EncodeOptions, VideoWriter, atomic_output, open_video

    src = Path(video)
    outputs = [Path(p) for p in (json_path, preview_path) if p is not None]
    with ExitStack() as stack:
        reader = stack.enter_context(open_video(src))
        info = reader.info
        fps = float(info.fps or DEFAULT_FPS)
        opts = dataclasses.replace(options or TrackerOptions(), fps=fps)
        tracker = FaceTracker(opts)
        writer = None
        if json_path is not None:
            tmp = stack.enter_context(atomic_output(json_path, [src]))
            stream = stack.enter_context(open(tmp, "w", encoding="utf-8"))
            header = TracksHeader(fps, info.width, info.height, tracker.backend.name)
            writer = TracksWriter(stream, header)
        encoder = None
        if preview_path is not None:
            encode = EncodeOptions(audio_mode="none", provenance=False, preset=PREVIEW_PRESET)
            encoder = stack.enter_context(
                VideoWriter(preview_path, info, options=encode, inputs=[src])
            )
        total = info.frame_count or None
        frames = with_faces = most = 0
        ids: set[int] = set()
        for frame in reader:
            faces = tracker.update(frame.image)
            frames += 1
            with_faces += bool(faces)
            most = max(most, len(faces))
            ids.update(f.track_id for f in faces)
            if writer is not None:
                writer.write(FrameFaces(frame.index, frame.time, tuple(faces)))
            if encoder is not None:
                encoder.write(dataclasses.replace(frame, image=draw_faces(frame.image, faces)))
            if on_progress is not None:
                on_progress(frames, total)
        if writer is not None:
            writer.close()
    logger.debug("%s: %d frames, faces in %d, ids %s", src, frames, with_faces, sorted(ids))
    return VideoTracking(
        frames=frames,
        frames_with_faces=with_faces,
        ids=tuple(sorted(ids)),
        json_path=Path(json_path) if json_path is not None else None,
        preview_path=Path(preview_path) if preview_path is not None else None,
        max_faces_in_frame=most,
        outputs=tuple(outputs),
    )
