"""load_audio holds the audio once: one buffer sized from the stream's duration, not one grown by
half again each time it fills (up to 1.5 times the audio) nor a list of blocks joined at the end
(three times). Measured with tracemalloc, which counts numpy's buffers."""

from __future__ import annotations

import tracemalloc

import numpy as np
import pytest
from mediatools import ffmpeg

from lipsync.core.media import iter_audio, load_audio
from lipsync.core.media.audio import LOAD_CHUNK_SECONDS

RATE = 16000
SECONDS = 110  # a length at which the old growth by half held 1.38 times the audio


@pytest.fixture(scope="module")
def long_audio(tmp_path_factory):
    folder = tmp_path_factory.mktemp("long_audio")
    wav, m4a = folder / "tone.wav", folder / "tone.m4a"
    source = f"sine=frequency=220:duration={SECONDS}:sample_rate=44100"
    ffmpeg("-f", "lavfi", "-i", source, "-ac", "2", str(wav))
    ffmpeg("-i", str(wav), "-c:a", "aac", "-b:a", "64k", str(m4a))
    return {"wav": wav, "m4a": m4a}


@pytest.mark.parametrize("kind", ["wav", "m4a"])
def test_loaded_once_with_a_block_of_margin(long_audio, kind):
    path = long_audio[kind]
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        samples = load_audio(path, RATE)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert samples.shape[0] == pytest.approx(SECONDS * RATE, abs=RATE // 10)
    assert samples.flags.owndata and samples.base is None
    # the audio, the margin of one block, two decoded blocks in flight, and some slack (the
    # old growth by half held 9.5 MiB here, plus the blocks)
    bound = samples.nbytes + 4 * LOAD_CHUNK_SECONDS * RATE * 4
    assert peak <= bound, f"peak {peak / 2**20:.2f} MiB for {samples.nbytes / 2**20:.2f} MiB"
    joined = np.concatenate([b[0] for b in iter_audio(path, RATE, channels=1)])
    assert np.array_equal(samples, joined)


@pytest.mark.parametrize(
    ("first", "then"),
    [("anoisesrc=d=10:r=44100:a=0.5", "anullsrc=r=44100:cl=mono:d=50"),
     ("anullsrc=r=44100:cl=mono:d=20", "anoisesrc=d=40:r=44100:a=0.5")],
    ids=["longer-than-stated", "shorter-than-stated"],
)  # fmt: skip
def test_a_stated_duration_that_is_wrong_loses_nothing(tmp_path, first, then):
    """Raw AAC (ADTS) states a duration estimated from the bitrate of its first frames: loud
    noise then silence states about a fifth of its length (the buffer grows past it), silence then
    noise 36 times its length (the buffer is trimmed to it)."""
    path = tmp_path / "vbr.aac"
    ffmpeg("-f", "lavfi", "-i", first, "-f", "lavfi", "-i", then, "-filter_complex",
           "[0][1]concat=n=2:v=0:a=1", "-c:a", "aac", "-q:a", "2", str(path))  # fmt: skip
    got = load_audio(path, RATE)
    assert got.shape[0] == pytest.approx(60 * RATE, abs=RATE // 10)
    assert got.flags.owndata and got.base is None
    assert np.array_equal(got, np.concatenate([b[0] for b in iter_audio(path, RATE, channels=1)]))
