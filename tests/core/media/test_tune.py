"""The encoder's tune: validated per codec, "auto" is film for lossy x264 and nothing for
lossless, and the tune reaches x264 (read back from the options string x264 writes into the
stream's SEI, where each tune leaves its own deblock and psy values)."""

from __future__ import annotations

import pytest
from mediatools import x264_settings

from lipsync.core import constants as C
from lipsync.core.errors import InputError
from lipsync.core.media import EncodeOptions, VideoWriter, open_video
from lipsync.core.media.writer import ENCODER_TUNES


def encode(src, dest, **options):
    opts = EncodeOptions(audio_mode="none", provenance=False, preset="veryfast", **options)
    with open_video(src) as reader, VideoWriter(dest, reader.info, options=opts) as writer:
        for frame in reader:
            writer.write(frame)
    return dest


@pytest.mark.parametrize(
    ("tune", "deblock", "psy_rd"),
    [
        ("auto", "1:-1:-1", "1.00:0.15"),  # film, the default
        ("film", "1:-1:-1", "1.00:0.15"),
        ("none", "1:0:0", "1.00:0.00"),  # x264's own defaults
        ("grain", "1:-2:-2", "1.00:0.25"),
    ],
)
def test_the_tune_reaches_x264(clip, tmp_path, tune, deblock, psy_rd):
    settings = x264_settings(encode(clip, tmp_path / "out.mp4", crf=18, tune=tune))
    assert (settings["deblock"], settings["psy_rd"]) == (deblock, psy_rd)


def test_lossless_is_left_as_without_a_tune(clip, tmp_path):
    auto = encode(clip, tmp_path / "auto.mp4", crf=0).read_bytes()
    none = encode(clip, tmp_path / "none.mp4", crf=0, tune="none").read_bytes()
    film = encode(clip, tmp_path / "film.mp4", crf=0, tune="film").read_bytes()
    assert auto == none
    assert film != none  # the tune would have reached x264: "auto" chose none


def test_auto_is_film_only_where_the_codec_has_it_and_the_encode_is_lossy():
    assert C.DEFAULT_TUNE == "film"
    assert EncodeOptions().encoder_tune == "film"
    assert EncodeOptions(crf=0).encoder_tune == "none"
    assert EncodeOptions(codec="libx265").encoder_tune == "none"  # x265 has no film tune
    assert EncodeOptions(tune="grain", crf=0).encoder_tune == "grain"  # asked for, given
    assert EncodeOptions(codec="libx265", tune="grain").encoder_tune == "grain"


@pytest.mark.parametrize(
    ("codec", "tune", "words"),
    [
        ("libx264", "movie", ["Unknown --tune 'movie' for libx264", "film", "zerolatency"]),
        ("libx264", "", ["Unknown --tune '' for libx264"]),
        ("libx264", "Film", ["Unknown --tune 'Film'"]),
        ("libx265", "film", ["Unknown --tune 'film' for libx265", "grain", "vmaf"]),
        ("libvpx-vp9", "film", ["Unknown --tune 'film' for libvpx-vp9: use one of auto, none."]),
    ],
)
def test_an_unknown_tune_is_one_sentence(codec, tune, words):
    with pytest.raises(InputError) as caught:
        EncodeOptions(codec=codec, tune=tune)
    message = str(caught.value)
    assert all(w in message for w in words), message
    assert message.count(". ") == 0 and message.endswith(".")


@pytest.mark.parametrize("codec", sorted(ENCODER_TUNES))
def test_every_listed_tune_is_one_the_encoder_takes(clip, tmp_path, codec):
    for tune in ENCODER_TUNES[codec]:
        encode(clip, tmp_path / f"{tune}.mkv", codec=codec, crf=30, tune=tune)
