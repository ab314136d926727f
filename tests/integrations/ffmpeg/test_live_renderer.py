"""``lipsync-filter --live`` renders with the warp unless told otherwise: the exemplar bank and
render cost more per frame than a live frame can spare on a small machine."""

from __future__ import annotations

import subprocess

import pytest
from clitools import script

from lipsync.core.demo import write_portrait_clip
from lipsync.core.media import save_audio
from lipsync.core.speech import synthesize

SIZE = (320, 240)


@pytest.fixture(scope="module")
def media(tmp_path_factory):
    folder = tmp_path_factory.mktemp("live_renderer")
    syn = synthesize("Bob bought a map.", "en-us")
    speech = save_audio(folder / "line.wav", syn.samples, syn.sample_rate)
    clip = write_portrait_clip(folder / "clip.mp4", 0.8, size=SIZE)
    y4m = subprocess.run(
        ["ffmpeg", "-nostdin", "-v", "error", "-i", str(clip), "-f", "yuv4mpegpipe", "-"],
        capture_output=True,
        check=True,
    ).stdout
    return speech, y4m


@pytest.mark.parametrize(
    ("extra", "warp"),
    [((), True), (("--renderer", "auto"), False), (("--renderer", "warp"), False)],
)
def test_live_defaults_to_the_warp(media, extra, warp):
    speech, y4m = media
    run = subprocess.run(
        [script("lipsync-filter"), "--live", "--audio", str(speech), "--no-check", *extra],
        input=y4m,
        capture_output=True,
        check=False,
    )
    err = run.stderr.decode()
    assert run.returncode == 0, err
    assert run.stdout.startswith(b"YUV4MPEG2")
    assert ("--live renders with the warp" in err) == warp, err
