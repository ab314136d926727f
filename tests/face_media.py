"""Test media for face tracking: real public-domain portraits (scikit-image's astronaut, NASA;
cameraman, MIT-released test image) placed into generated frames with motion, scale and
rotation. Nothing is downloaded."""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

DLIB_MODEL = Path("/usr/share/dlib/shape_predictor_68_face_landmarks.dat")
DLIB_SKIP_REASON = (
    f"dlib's 68-point model {DLIB_MODEL} is absent: install it with "
    "'apt-get install libdlib-data' (and 'pip install dlib-bin')"
)


@dataclass(frozen=True)
class Portrait:
    """An RGB portrait and the centre of its face in portrait px."""

    image: np.ndarray
    face_centre: tuple[float, float]
    face_width: float  # px, approximate width of the face box


def astronaut_portrait() -> Portrait:
    from skimage import data

    return Portrait(np.ascontiguousarray(data.astronaut()[:300, 60:400]), (166.0, 122.0), 100.0)


def cameraman_portrait() -> Portrait:
    from skimage import data

    grey = data.camera()
    rgb = np.ascontiguousarray(np.repeat(grey[:, :, None], 3, axis=2))
    return Portrait(rgb, (238.0, 160.0), 70.0)


def background(width: int, height: int, seed: int = 0) -> np.ndarray:
    """A smooth, textured RGB background (no faces): gradients plus low-frequency noise."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:height, 0:width].astype(np.float32)
    base = np.stack([90 + 60 * x / width, 110 + 40 * y / height, 120 - 30 * x / width], axis=2)
    noise = cv2.resize(rng.normal(0, 18, (height // 32 + 1, width // 32 + 1, 3)), (width, height))
    return np.clip(base + noise, 0, 255).astype(np.uint8)


def place(
    frame: np.ndarray,
    portrait: Portrait,
    centre: tuple[float, float],
    face_width: float,
    angle_deg: float = 0.0,
) -> np.ndarray:
    """Paste ``portrait`` into ``frame`` (in place, returned) so that its face is centred at
    ``centre``, about ``face_width`` px wide and turned ``angle_deg`` clockwise; the portrait's
    border is feathered into the frame."""
    scale = face_width / portrait.face_width
    a = math.radians(angle_deg)
    c, s = math.cos(a) * scale, math.sin(a) * scale
    fx, fy = portrait.face_centre
    matrix = np.array(
        [[c, -s, centre[0] - (c * fx - s * fy)], [s, c, centre[1] - (s * fx + c * fy)]]
    )
    h, w = frame.shape[:2]
    warped = cv2.warpAffine(portrait.image, matrix, (w, h), flags=cv2.INTER_LINEAR)
    ph, pw = portrait.image.shape[:2]
    mask = np.zeros((ph, pw), np.float32)
    border = max(4, min(ph, pw) // 12)
    mask[border:-border, border:-border] = 1.0
    mask = cv2.GaussianBlur(mask, (0, 0), border / 2)
    alpha = cv2.warpAffine(mask, matrix, (w, h), flags=cv2.INTER_LINEAR)[:, :, None]
    frame[:] = np.clip(frame * (1 - alpha) + warped * alpha, 0, 255).astype(np.uint8)
    return frame


def scene(
    width: int, height: int, placements: list[tuple[Portrait, tuple[float, float], float, float]]
) -> np.ndarray:
    """A frame with each (portrait, centre, face width, angle) placed on a background."""
    frame = background(width, height)
    for portrait, centre, face_width, angle in placements:
        place(frame, portrait, centre, face_width, angle)
    return frame


class DlibReference:
    """dlib's HOG detector + 68-point predictor: the independent reference for the lips."""

    def __init__(self) -> None:
        import dlib

        self._dlib = dlib
        self._detector = dlib.get_frontal_face_detector()
        self._predictor = dlib.shape_predictor(str(DLIB_MODEL))

    def points(self, image: np.ndarray, near: tuple[float, float]) -> np.ndarray | None:
        """The 68 points ``(68, 2)`` of the dlib face nearest ``near``, or None."""
        rects = self._detector(image, 1)
        if not rects:
            return None
        rect = min(
            rects,
            key=lambda r: math.hypot(r.center().x - near[0], r.center().y - near[1]),
        )
        shape = self._predictor(image, rect)
        return np.array([[p.x, p.y] for p in shape.parts()], dtype=np.float64)


def write_video(path: Path, frames: list[np.ndarray], fps: int = 25) -> Path:
    """Encode RGB frames to an H.264 file with the ffmpeg program (rawvideo on stdin)."""
    import shutil
    import subprocess

    ffmpeg = shutil.which("ffmpeg")
    assert ffmpeg is not None, "ffmpeg is not installed (apt-get install ffmpeg)"
    height, width = frames[0].shape[:2]
    cmd = [
        *(ffmpeg, "-nostdin", "-hide_banner", "-loglevel", "error", "-y"),
        *("-f", "rawvideo", "-pix_fmt", "rgb24", "-s", f"{width}x{height}", "-r", str(fps)),
        *("-i", "-", "-c:v", "libx264", "-crf", "16", "-pix_fmt", "yuv420p", str(path)),
    ]
    data = b"".join(np.ascontiguousarray(f).tobytes() for f in frames)
    proc = subprocess.run(cmd, input=data, capture_output=True, check=False)
    assert proc.returncode == 0, proc.stderr.decode(errors="replace")
    return path
