"""Frame checks and the image warps the face models need (letterbox, rotated square crop).

A face *region* is a rotated square: centre (x, y) in image px, side in px, angle in radians
(positive = the face's eye line turned clockwise in the image, y pointing down).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np

from lipsync.core.errors import InputError


@dataclass(frozen=True)
class Region:
    """A rotated square around a face: centre ``cx, cy`` and ``size`` in image px, ``angle`` in
    radians (the rotation that makes the face upright in the crop)."""

    cx: float
    cy: float
    size: float
    angle: float = 0.0

    def corners(self) -> np.ndarray:
        """The four corners ``float32 (4, 2)``: top-left, top-right, bottom-right, bottom-left
        of the upright crop, in image px."""
        half = self.size / 2
        c, s = math.cos(self.angle), math.sin(self.angle)
        local = np.array([[-half, -half], [half, -half], [half, half], [-half, half]])
        rot = np.array([[c, -s], [s, c]])
        return (local @ rot.T + [self.cx, self.cy]).astype(np.float32)


def check_frame(image: np.ndarray) -> None:
    """Raise :class:`InputError` unless ``image`` is an RGB ``uint8 (H, W, 3)`` array."""
    if not isinstance(image, np.ndarray) or image.dtype != np.uint8 or image.ndim != 3:
        shape = getattr(image, "shape", None)
        dtype = getattr(image, "dtype", type(image).__name__)
        raise InputError(
            f"The frame has shape {shape} and type {dtype}: pass an RGB uint8 array (H, W, 3)."
        )
    if image.shape[2] != 3 or image.shape[0] < 2 or image.shape[1] < 2:
        raise InputError(f"The frame has shape {image.shape}: pass an RGB uint8 array (H, W, 3).")


def letterbox(image: np.ndarray, size: int) -> tuple[np.ndarray, float, np.ndarray]:
    """Scale ``image`` to fit a ``size`` x ``size`` square, keeping its aspect, centred on black.

    Returns (``uint8 (size, size, 3)``, scale factor, ``float32 (2,)`` padding x, y in px of the
    square): a square pixel ``p`` is image pixel ``(p - pad) / scale``.
    """
    height, width = image.shape[:2]
    scale = size / max(width, height)
    new_w = max(1, round(width * scale))
    new_h = max(1, round(height * scale))
    interpolation = cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR
    resized = cv2.resize(image, (new_w, new_h), interpolation=interpolation)
    pad_x = (size - new_w) // 2
    pad_y = (size - new_h) // 2
    out = np.zeros((size, size, 3), dtype=np.uint8)
    out[pad_y : pad_y + new_h, pad_x : pad_x + new_w] = resized
    return out, scale, np.array([pad_x, pad_y], dtype=np.float32)


def region_matrix(region: Region, out_size: int) -> np.ndarray:
    """``float64 (2, 3)`` affine map from image px to the upright ``out_size`` crop's px."""
    scale = out_size / region.size
    c, s = math.cos(region.angle), math.sin(region.angle)
    # rotate by -angle about the centre, scale, then move the centre to the crop centre
    a = np.array([[c, s], [-s, c]]) * scale
    t = np.array([out_size / 2, out_size / 2]) - a @ np.array([region.cx, region.cy])
    return np.hstack([a, t[:, None]])


def crop_region(
    image: np.ndarray, region: Region, out_size: int, out: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """The upright ``uint8 (out_size, out_size, 3)`` crop of ``region`` (outside the frame:
    black) and the ``(2, 3)`` image-to-crop matrix; ``out``: an array of that shape to write
    the crop into (it is returned), instead of a new one."""
    matrix = region_matrix(region, out_size)
    scale = out_size / region.size
    interpolation = cv2.INTER_AREA if scale < 0.5 else cv2.INTER_LINEAR
    crop = cv2.warpAffine(
        image,
        matrix,
        (out_size, out_size),
        dst=out,
        flags=interpolation,
        borderMode=cv2.BORDER_CONSTANT,
        borderValue=(0, 0, 0),
    )
    return crop, matrix


def to_image(matrix: np.ndarray, points: np.ndarray) -> np.ndarray:
    """Map crop px ``(K, 2)`` back to image px through the inverse of ``matrix``."""
    inverse = cv2.invertAffineTransform(matrix)
    return (points @ inverse[:, :2].T + inverse[:, 2]).astype(np.float32)
