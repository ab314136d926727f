"""Display rotation of video frames (pure numpy).

Containers may carry a display matrix that rotates the coded picture for display. Frames leave
the media layer upright (as a player shows them); the writer turns them back and stores the same
display matrix, so the output's coded size and rotation equal the input's.
"""

from __future__ import annotations

import numpy as np


def quarter_turns(rotation: float) -> int:
    """Counter-clockwise quarter turns (0..3) for a display rotation in degrees.

    Rotations that are not a multiple of 90 degrees are rounded to the nearest quarter turn.
    """
    return round(rotation / 90.0) % 4


def to_display(image: np.ndarray, rotation: float) -> np.ndarray:
    """Rotate a coded ``(H, W, C)`` picture to its upright display orientation."""
    k = quarter_turns(rotation)
    return image if k == 0 else np.ascontiguousarray(np.rot90(image, k))


def to_coded(image: np.ndarray, rotation: float) -> np.ndarray:
    """Inverse of :func:`to_display`: an upright picture back to the coded orientation."""
    k = quarter_turns(rotation)
    return image if k == 0 else np.ascontiguousarray(np.rot90(image, -k))


def display_size(width: int, height: int, rotation: float) -> tuple[int, int]:
    """(width, height) as displayed, for a coded size and a display rotation."""
    return (height, width) if quarter_turns(rotation) % 2 else (width, height)
