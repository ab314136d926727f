"""Preview rendering: face boxes, ids, pose and lip/jaw contours drawn on a frame (OpenCV)."""

from __future__ import annotations

from collections.abc import Sequence

import cv2
import numpy as np

from lipsync.core.types import FaceObservation

#: RGB colours cycled by track id.
PALETTE: tuple[tuple[int, int, int], ...] = (
    (0, 255, 0),
    (255, 64, 64),
    (64, 160, 255),
    (255, 200, 0),
    (255, 0, 255),
    (0, 255, 255),
)
LIP_COLOUR = (255, 32, 96)  # RGB, outer and inner lip contours
FONT = cv2.FONT_HERSHEY_SIMPLEX
REFERENCE_HEIGHT = 720  # px; line widths and text sizes scale with the frame height


def colour_for(track_id: int) -> tuple[int, int, int]:
    return PALETTE[track_id % len(PALETTE)] if track_id >= 0 else (255, 255, 255)


def draw_faces(image: np.ndarray, faces: Sequence[FaceObservation]) -> np.ndarray:
    """A copy of the RGB ``uint8 (H, W, 3)`` ``image`` with each face drawn: its box and
    ``id``, ``yaw/pitch/roll`` in degrees, the jaw line, eyes, nose and the lip contours."""
    out = np.ascontiguousarray(image).copy()
    scale = max(out.shape[0] / REFERENCE_HEIGHT, 0.4)
    thick = max(1, round(2 * scale))
    shift = 4  # sub-pixel drawing: coordinates in 1/16 px
    for face in faces:
        colour = colour_for(face.track_id)
        x0, y0, x1, y1 = (round(v) for v in face.box)
        cv2.rectangle(out, (x0, y0), (x1, y1), colour, thick, cv2.LINE_AA)

        def poly(points: np.ndarray, closed: bool, col: tuple[int, int, int], width: int) -> None:
            pts = np.round(np.asarray(points, dtype=np.float64) * (1 << shift)).astype(np.int32)
            cv2.polylines(out, [pts.reshape(-1, 1, 2)], closed, col, width, cv2.LINE_AA, shift)

        landmarks = face.landmarks
        poly(landmarks["jaw"], False, colour, max(1, thick // 2))
        poly(landmarks["nose"][:4], False, colour, max(1, thick // 2))
        poly(landmarks["nose"][4:], False, colour, max(1, thick // 2))
        poly(landmarks["left_eye"], True, colour, max(1, thick // 2))
        poly(landmarks["right_eye"], True, colour, max(1, thick // 2))
        poly(landmarks["outer_lip"], True, LIP_COLOUR, thick)
        poly(landmarks["inner_lip"], True, LIP_COLOUR, max(1, thick // 2))

        pose = face.pose
        lines = (
            f"id {face.track_id}  {face.confidence:.2f}",
            f"yaw {pose.yaw:+.0f} pitch {pose.pitch:+.0f} roll {pose.roll:+.0f}",
        )
        size = 0.5 * scale
        line_h = round(18 * scale)
        y = max(y0 - thick - line_h * (len(lines) - 1) - 4, line_h)
        for text in lines:
            cv2.putText(out, text, (x0, y), FONT, size, (0, 0, 0), thick + 2, cv2.LINE_AA)
            cv2.putText(out, text, (x0, y), FONT, size, colour, max(1, thick - 1), cv2.LINE_AA)
            y += line_h
    return out
