"""A side-by-side comparison video: the original on the left, the result on the right."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import cv2
import numpy as np

from lipsync.core.media import EncodeOptions, VideoWriter, new_video_info, open_video

LABEL_SCALE = 0.8  # cv2 font scale per 720 px of frame height
SIDE_BY_SIDE_MAX_HEIGHT = 720  # px; taller inputs are scaled down to keep the file small


def label(image: np.ndarray, text: str) -> np.ndarray:
    """``image`` with ``text`` in a dark band at its top-left corner."""
    out = image.copy()
    h = out.shape[0]
    scale = LABEL_SCALE * h / 720
    thickness = max(1, round(2 * h / 720))
    (tw, th), base = cv2.getTextSize(text, cv2.FONT_HERSHEY_SIMPLEX, scale, thickness)
    pad = max(4, th // 2)
    band = out[: th + base + 2 * pad, : tw + 2 * pad]
    band[:] = (band * 0.35).astype(np.uint8)
    cv2.putText(
        out, text, (pad, pad + th), cv2.FONT_HERSHEY_SIMPLEX, scale, (255, 255, 255), thickness,
        cv2.LINE_AA,
    )  # fmt: skip
    return out


def write_side_by_side(
    left: str | Path,
    right: str | Path,
    output: str | Path,
    labels: tuple[str, str] = ("original", "lip-synced"),
    audio: str | Path | None = None,
) -> Path:
    """Write ``left`` | ``right`` frame by frame (same frame count expected; the shorter one
    ends the video) with ``labels``; sound from ``audio`` (default: ``right``'s)."""
    with open_video(left) as a, open_video(right) as b:
        w, h = b.info.width, b.info.height
        scale = min(1.0, SIDE_BY_SIDE_MAX_HEIGHT / h)
        sw, sh = 2 * round(w * scale / 2), 2 * round(h * scale / 2)
        info = dataclasses.replace(
            new_video_info(2 * sw, sh, b.info.fps), time_base=b.info.time_base
        )
        opts = EncodeOptions(audio_mode="replace", preset="veryfast", crf=20)
        sound = Path(audio) if audio is not None else Path(right)
        with VideoWriter(output, info, options=opts, audio=sound, inputs=[left, right]) as out:
            for fa, fb in zip(a, b, strict=False):
                ia = cv2.resize(fa.image, (sw, sh), interpolation=cv2.INTER_AREA)
                ib = cv2.resize(fb.image, (sw, sh), interpolation=cv2.INTER_AREA)
                frame = np.hstack([label(ia, labels[0]), label(ib, labels[1])])
                out.write(frame, fb.pts)
    return Path(output)
