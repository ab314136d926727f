"""Cut points: shot boundaries first, then silent gaps of the dub, then even cuts; the chunks
cover every frame exactly once."""

from __future__ import annotations

import numpy as np
import pytest
from mediatools import ffmpeg

from lipsync.core.batch.chunk import slice_events
from lipsync.core.batch.plan import (
    choose_cuts,
    chunks_from_cuts,
    constant_rate,
    plan_job,
    shot_boundaries,
    silent_gaps,
)
from lipsync.core.media import save_audio
from lipsync.core.speech.phone_events import PhoneEvents, PhonemeEvent


def test_short_videos_are_one_chunk():
    assert choose_cuts(100, 80, 10) == []


def test_a_shot_boundary_wins_over_a_gap_and_an_even_cut():
    assert choose_cuts(300, 100, 20, shots=[95, 250], gaps=[(105, 115)]) == [
        (95, "shot"), (200, "even")
    ]  # fmt: skip
    assert choose_cuts(300, 100, 20, gaps=[(106, 118), (190, 196)]) == [
        (112, "silence"), (193, "silence")
    ]  # fmt: skip


@pytest.mark.parametrize("frames", [150, 151, 999, 1000, 7919])
def test_chunks_cover_every_frame_once(frames):
    cuts = choose_cuts(frames, 100, 20, shots=[97, 401, 402], gaps=[(500, 530)])
    chunks = chunks_from_cuts(frames, cuts, lead=50, tail=31)
    covered = [k for c in chunks for k in range(c.first, c.end)]
    assert covered == list(range(frames))
    assert all(c.count >= 50 for c in chunks)
    assert chunks[0].lead == 0 and chunks[-1].tail == 0
    assert all(c.first - c.lead >= 0 and c.end + c.tail <= frames for c in chunks)


def test_shots_and_gaps_are_found():
    diffs = {k: (2.0, 0.02) for k in range(10, 60)} | {33: (80.0, 0.9), 45: (70.0, 0.15)}
    assert shot_boundaries(diffs) == [33]  # 45 is a flash: brighter, the same picture
    later = {k: (2.0, 0.02) for k in range(200, 230)} | {200: (60.0, 1.0), 215: (60.0, 1.0)}
    assert shot_boundaries(diffs | later) == [33, 200, 215]  # a window judged on its own
    rms = np.full(100, 0.2)
    rms[40:60] = 0.0005  # 0.4 s of silence at 20 ms hops
    rms[80:85] = 0.0005  # 0.1 s: too short
    assert silent_gaps(rms, 0.02, start=1.0) == [(pytest.approx(1.8), pytest.approx(2.2))]
    assert constant_rate([0.0, 0.04, 0.08], 25) and not constant_rate([0.0, 0.04, 0.1], 25)


def test_phone_events_are_sliced_with_the_phone_sounding_at_the_cut():
    events = PhoneEvents((PhonemeEvent("", 0), PhonemeEvent("b", 100), PhonemeEvent("a", 300)),
                         1000, 1000)  # fmt: skip
    part = slice_events(events, 200, 500)
    assert part.events == (PhonemeEvent("b", 0), PhonemeEvent("a", 100))
    assert part.num_samples == 500 and part.sample_rate == 1000


def test_a_real_shot_change_is_where_the_video_is_cut(tmp_path):
    video = tmp_path / "shots.mp4"
    ffmpeg(
        "-f", "lavfi", "-i", "testsrc2=size=160x90:rate=25:duration=4.4",
        "-f", "lavfi", "-i", "mandelbrot=size=160x90:rate=25",
        "-filter_complex", "[1]trim=duration=3.6,setpts=PTS-STARTPTS[b];[0][b]concat=n=2",
        "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", str(video),
    )  # fmt: skip
    dub = save_audio(tmp_path / "dub.wav", np.full(16000 * 8, 0.1, np.float32), 16000)
    plan = plan_job(video, dub, chunk_seconds=4.0, lead_in=1.0, tail_seconds=0.5)
    assert plan.frames == 200
    assert [(c.first, c.cut) for c in plan.chunks] == [(0, "start"), (110, "shot")]
    assert plan.chunks[1].lead == 25 and plan.chunks[0].tail == 13
