"""Face choice, pass-through reasons and hand-over ramps."""

from __future__ import annotations

import numpy as np
import pytest

from lipsync.core.errors import InputError
from lipsync.core.selection import (
    NO_FACE,
    NOT_SELECTED,
    OUTSIDE_RANGE,
    TOO_SMALL,
    TURNED_AWAY,
    SelectionOptions,
    handover_strength,
    plan_frames,
)
from lipsync.core.types import FaceObservation, Pose


def face(track_id: int, size: float = 200.0, yaw: float = 0.0) -> FaceObservation:
    return FaceObservation(
        box=(100.0, 100.0, 100.0 + size, 100.0 + size),
        landmarks={},
        pose=Pose(yaw=yaw),
        track_id=track_id,
    )


def test_largest_face_with_hysteresis():
    frames = [
        [face(0, 200), face(1, 180)],
        [face(0, 200), face(1, 220)],  # 1.2x the area, not clearly larger: keep face 0
        [face(0, 200), face(1, 300)],  # 2.25x the area: switch
        [face(1, 300)],
    ]
    plan = plan_frames(frames, [True] * 4, SelectionOptions(handover_frames=0))
    assert plan.faces == ((0,), (0,), (1,), (1,))
    assert plan.rendered == 4


def test_reasons_for_untouched_frames():
    frames = [[], [face(0, 20)], [face(0, yaw=70)], [face(0)], [face(0)]]
    in_range = [True, True, True, True, False]
    plan = plan_frames(frames, in_range, SelectionOptions(handover_frames=0))
    assert plan.reasons == (NO_FACE, TOO_SMALL, TURNED_AWAY, None, OUTSIDE_RANGE)
    assert plan.passed_through() == {NO_FACE: 1, TOO_SMALL: 1, TURNED_AWAY: 1, OUTSIDE_RANGE: 1}


def test_speaker_turned_away_does_not_hand_over_to_someone_else():
    frames = [[face(0, 300), face(1, 150)], [face(0, 300, yaw=80), face(1, 150)]]
    plan = plan_frames(frames, [True, True], SelectionOptions(handover_frames=0))
    assert plan.faces == ((0,), ())
    assert plan.reasons[1] == TURNED_AWAY


def test_by_id_and_all():
    frames = [[face(3), face(5)], [face(3)]]
    by_id = plan_frames(frames, [True, True], SelectionOptions(face="5", handover_frames=0))
    assert by_id.faces == ((5,), ())
    assert by_id.reasons == (None, NOT_SELECTED)
    every = plan_frames(frames, [True, True], SelectionOptions(face="all", handover_frames=0))
    assert every.faces == ((3, 5), (3,))


def test_several_ids_one_speaker_in_each_shot():
    # ids start anew at every cut: the speaker is 3 in one shot and 8 in the next
    frames = [[face(3), face(5)], [face(5)], [face(8, 150), face(9, 300)]]
    plan = plan_frames(frames, [True] * 3, SelectionOptions(face="8, 3", handover_frames=0))
    assert plan.faces == ((3,), (), (8,))
    assert plan.reasons == (None, NOT_SELECTED, None)
    assert SelectionOptions(face="8,3,3").face == (3, 8)
    assert SelectionOptions(face=[8, 3]).face == (3, 8)  # from a job file or the API
    assert SelectionOptions(face="4,4").face == 4  # one id is an id
    assert SelectionOptions(face=7).face == 7


@pytest.mark.parametrize("choice", ["loudest", "1,x", "1,,2", "-1", -1, True, 1.5, "", [1, "a"]])
def test_bad_face_choice(choice):
    with pytest.raises(InputError) as caught:
        SelectionOptions(face=choice)
    message = str(caught.value)
    assert message.endswith(".") and "\n" not in message


def test_handover_ramps_at_inner_edges_only():
    mask = np.array([1, 1, 1, 1, 1, 0, 0, 1, 1, 1, 1, 1, 1], bool)
    s = handover_strength(mask, SelectionOptions(handover_frames=2))
    # the video's first frame is not an edge: full strength from the start
    assert s[0] == 1.0
    np.testing.assert_allclose(s[3:5], [2 / 3, 1 / 3], rtol=1e-6)
    assert s[5] == s[6] == 0.0
    np.testing.assert_allclose(s[7:10], [1 / 3, 2 / 3, 1.0], rtol=1e-6)
    assert np.all(np.diff(s[7:]) >= 0)


def test_handover_empty_and_disabled():
    assert handover_strength(np.zeros(0, bool), SelectionOptions()).shape == (0,)
    mask = np.array([1, 0, 1], bool)
    assert handover_strength(mask, SelectionOptions(handover_frames=0)).tolist() == [1, 0, 1]
