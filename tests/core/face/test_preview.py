"""The preview draws boxes, ids, pose and lip contours where the face is."""

from __future__ import annotations

import numpy as np
from face_media import scene

from lipsync.core.face.preview import LIP_COLOUR, draw_faces


def test_preview_draws_on_a_copy_around_the_face(astronaut, tracker_factory):
    frame = scene(640, 480, [(astronaut, (320.0, 240.0), 160.0, 0.0)])
    original = frame.copy()
    [face] = tracker_factory().update(frame)
    drawn = draw_faces(frame, [face])
    assert np.array_equal(frame, original)  # the input is untouched
    changed = np.any(drawn != frame, axis=2)
    x0, y0, x1, y1 = (int(v) for v in face.box)
    outside = changed.copy()
    outside[max(0, y0 - 60) : y1 + 5, max(0, x0 - 5) : x1 + 5] = False
    assert changed.sum() > 500 and outside.sum() == 0  # labels sit just above the box
    # the lip contour colour appears at the mouth
    mouth = face.landmarks["outer_lip"].mean(axis=0).astype(int)
    window = drawn[mouth[1] - 30 : mouth[1] + 30, mouth[0] - 40 : mouth[0] + 40]
    assert np.any(np.all(window == LIP_COLOUR, axis=2))


def test_preview_without_faces_is_the_same_picture(astronaut):
    frame = scene(320, 240, [])
    assert np.array_equal(draw_faces(frame, []), frame)
