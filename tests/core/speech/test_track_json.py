"""The JSON form of a mouth track, and the plot."""

from __future__ import annotations

import json

import numpy as np
import pytest

from lipsync.core.errors import InputError
from lipsync.core.speech.plot import plot_track
from lipsync.core.speech.track_json import track_from_json, track_to_dict, track_to_json
from lipsync.core.types import MOUTH_PARAMS


def test_json_round_trip_and_keys(english):
    track = english.reference
    doc = json.loads(track_to_json(track))
    assert doc["fps"] == 25.0 and doc["source"] == "espeak"
    assert set(doc["frames"][0]) == {"t", *MOUTH_PARAMS}
    assert set(doc["phones"][0]) == {"label", "start", "end", "confidence", "source"}
    assert len(doc["frames"]) == len(track)
    back = track_from_json(track_to_json(track, indent=1))
    np.testing.assert_allclose(back.values, track.values, atol=1e-4)
    np.testing.assert_allclose(back.times, track.times, atol=1e-4)
    assert [p.label for p in back.phones] == [p.label for p in track.phones]
    assert track_to_dict(back) == track_to_dict(track)


@pytest.mark.parametrize("text", ["{oops", "[1, 2]", '{"fps": 25}', '{"format": "x"}'])
def test_bad_json_is_a_clear_error(text):
    with pytest.raises(InputError, match=r"mouth track|JSON"):
        track_from_json(text, where="'t.json'")


def test_plot_is_a_png(english):
    syn = english.synthesis
    png = plot_track(english.reference, syn.samples, syn.sample_rate)
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    assert len(png) > 10_000
