"""The lip-sync engine end to end on a real portrait and real espeak-ng speech, judged by an
independent landmark model (dlib), plus its rules for frames, ranges and bad input."""

from __future__ import annotations

import numpy as np
import pytest
from judge import DlibJudge
from mediatools import lavfi_clip, psnr

from lipsync.core.demo import write_portrait_clip
from lipsync.core.engine import LipSyncEngine, NoFaceError, SyncOptions
from lipsync.core.errors import MediaError
from lipsync.core.media import iter_frames, open_video, probe, save_audio
from lipsync.core.quality.aperture import best_lag_correlation
from lipsync.core.speech import analyse_speech, synthesize, write_sidecar

TEXT = "Bob bought a map, and Pam made more maps for Mom by the pub."
BILABIALS = {"p", "b", "m"}


@pytest.fixture(scope="module")
def speech(tmp_path_factory):
    folder = tmp_path_factory.mktemp("speech")
    syn = synthesize(TEXT, "en-us")
    path = save_audio(folder / "line.wav", syn.samples, syn.sample_rate)
    write_sidecar(path, syn.events)
    return path, syn


@pytest.fixture(scope="module")
def portrait_clip(tmp_path_factory, speech):
    _, syn = speech
    seconds = syn.samples.shape[0] / syn.sample_rate + 0.4
    return write_portrait_clip(tmp_path_factory.mktemp("clip") / "portrait.mp4", seconds)


@pytest.fixture(scope="module")
def synced(tmp_path_factory, portrait_clip, speech):
    out = tmp_path_factory.mktemp("out") / "synced.mp4"
    report = LipSyncEngine().run(portrait_clip, speech[0], out)
    return out, report


@pytest.fixture(scope="module")
def judged(portrait_clip, synced):
    """dlib's measurements of the input and output, frame by frame."""
    judge_in, judge_out = DlibJudge(), DlibJudge()
    rows = []
    for a, b in zip(iter_frames(portrait_clip), iter_frames(synced[0]), strict=True):
        pa, pb = judge_in.points(a.image), judge_out.points(b.image)
        rows.append((a, b, pa, pb))
    return rows


def test_output_keeps_every_frame_and_timestamp(portrait_clip, synced):
    out, report = synced
    a = [(f.pts, f.time_base) for f in iter_frames(portrait_clip)]
    b = [(f.pts, f.time_base) for f in iter_frames(out)]
    assert a == b
    src, dst = probe(portrait_clip).video[0], probe(out).video[0]
    assert (dst.width, dst.height, dst.fps) == (src.width, src.height, src.fps)
    assert report.frames == len(a) == report.rendered
    assert report.mouth_source == "espeak"
    assert report.audio_short_by == pytest.approx(0.4, abs=0.05)
    assert probe(out).audio[0].duration == pytest.approx(report.audio_duration, abs=0.05)


def test_mouth_follows_the_speech_by_an_independent_measure(judged, speech):
    _, syn = speech
    times = np.array([b.time for _, b, _, _ in judged])
    measured = np.array([DlibJudge.aperture(pb) if pb is not None else np.nan for *_, pb in judged])
    assert np.isfinite(measured).mean() > 0.95
    track = analyse_speech(syn.samples, syn.sample_rate, 25.0, frame_times=times,
                           espeak_events=syn.events)  # fmt: skip
    r, lag = best_lag_correlation(measured, track.param("open"), max_lag=5)
    assert r >= 0.5, f"aperture follows the speech with r={r:.2f}"
    assert abs(lag) <= 1
    # the original mouth does not follow this speech: the improvement is the renderer's
    original = np.array([DlibJudge.aperture(pa) for _, _, pa, _ in judged if pa is not None])
    r0, _ = best_lag_correlation(original, track.param("open")[: len(original)], max_lag=5)
    assert not np.isfinite(r0) or r0 < r - 0.3


def test_bilabials_close_the_mouth(judged, speech):
    _, syn = speech
    times = np.array([b.time for _, b, _, _ in judged])
    measured = np.array([DlibJudge.aperture(pb) if pb is not None else np.nan for *_, pb in judged])
    track = analyse_speech(syn.samples, syn.sample_rate, 25.0, frame_times=times,
                           espeak_events=syn.events)  # fmt: skip
    speaking = track.param("open") > 0.05
    open_level = np.nanpercentile(measured[speaking], 75)
    bilabials = [p for p in track.phones if p.label in BILABIALS]
    assert len(bilabials) >= 10
    closed = 0
    for p in bilabials:
        near = np.abs(times - (p.start + p.end) / 2) <= 0.041  # within one frame
        if np.nanmin(measured[near]) <= 0.35 * open_level:
            closed += 1
    assert closed / len(bilabials) >= 0.8, f"{closed} of {len(bilabials)} bilabials closed"


def test_pixels_outside_the_lower_face_are_unchanged(judged):
    outside_in, outside_out = [], []
    for a, b, pa, _ in judged:
        if pa is None:
            continue
        rows, cols = DlibJudge.lower_face_box(pa, a.image.shape)
        mask = np.ones(a.image.shape[:2], bool)
        mask[rows, cols] = False
        outside_in.append(a.image[mask])
        outside_out.append(b.image[mask])
    assert psnr(np.concatenate(outside_in), np.concatenate(outside_out)) >= 35


def test_time_range_leaves_the_rest_untouched(portrait_clip, speech, tmp_path):
    out = tmp_path / "range.mp4"
    report = LipSyncEngine(SyncOptions(start=1.0, end=2.0)).run(portrait_clip, speech[0], out)
    assert report.passed_through["outside_range"] == report.frames - report.rendered
    assert 20 <= report.rendered <= 26
    judge = DlibJudge()
    for a, b in zip(iter_frames(portrait_clip), iter_frames(out), strict=True):
        if not 1.0 <= a.time < 2.0:
            pts = judge.points(a.image)
            rows, cols = DlibJudge.lower_face_box(pts, a.image.shape)
            assert psnr(a.image[rows, cols], b.image[rows, cols]) > 38  # only re-encoded


def test_video_without_faces_is_refused_or_copied(tmp_path, speech):
    clip = lavfi_clip(tmp_path / "bars.mp4", size="640x360", duration=1.0, audio=False)
    with pytest.raises(NoFaceError, match=r"has a face") as err:
        LipSyncEngine().run(clip, speech[0], tmp_path / "out.mp4")
    assert "--allow-no-face" in str(err.value)
    assert not (tmp_path / "out.mp4").exists()
    report = LipSyncEngine(SyncOptions(allow_no_face=True)).run(
        clip, speech[0], tmp_path / "copy.mp4"
    )
    assert report.rendered == 0 and report.passed_through == {"no_face": 25}
    assert report.warnings and report.audio_cut > 0  # the speech is longer than 1 s
    a = np.stack([f.image for f in iter_frames(clip)])
    b = np.stack([f.image for f in iter_frames(tmp_path / "copy.mp4")])
    assert psnr(a, b) > 40


@pytest.mark.parametrize("kind", ["silence", "tone"])
def test_audio_without_speech_gives_a_resting_mouth(portrait_clip, tmp_path, kind):
    t = np.arange(16000 * 2) / 16000
    samples = np.zeros_like(t) if kind == "silence" else 0.3 * np.sin(2 * np.pi * 440 * t)
    audio = save_audio(tmp_path / f"{kind}.wav", samples.astype(np.float32), 16000)
    out = tmp_path / "quiet.mp4"
    report = LipSyncEngine().run(portrait_clip, audio, out)
    assert report.mouth_source == ("silence" if kind == "silence" else "audio")
    judge_in, judge_out = DlibJudge(), DlibJudge()
    frames = list(zip(iter_frames(portrait_clip), iter_frames(out), strict=True))
    ap_out = [DlibJudge.aperture(judge_out.points(b.image)) for _, b in frames[::5]]
    ap_in = [DlibJudge.aperture(judge_in.points(a.image)) for a, _ in frames[::5]]
    # a still, resting mouth: no more movement than the source's own
    assert np.std(ap_out) <= np.std(ap_in) + 0.02


def test_corrupt_audio_is_a_clear_error(portrait_clip, tmp_path):
    bad = tmp_path / "dub.wav"
    bad.write_bytes(b"RIFF\x00\x00\x00\x00WAVEfmt " + b"\x07" * 100)
    with pytest.raises(MediaError, match=r"dub\.wav"):
        LipSyncEngine().run(portrait_clip, bad, tmp_path / "out.mp4")
    assert not (tmp_path / "out.mp4").exists()


def test_region_rendering_matches_full_frame_rendering(portrait_clip, speech):
    """The fast path (render a region of the decoded frame) gives the full-frame result."""
    from lipsync.core.engine import REGION_MARGIN, lower_face_bounds, shift_face
    from lipsync.core.face import FaceTracker, TrackerOptions
    from lipsync.core.media.patch import PatchFrame, even_region
    from lipsync.core.render import AppearanceBuilder, get_renderer

    renderer = get_renderer("warp")
    target = np.array([0.8, 0.1, 0.2, 0.0, 0.0, 0.6], np.float32)
    with open_video(portrait_clip) as reader:
        tracker = FaceTracker(TrackerOptions(fps=25.0))
        for index, decoded in reader.iter_decoded():
            image = reader.to_rgb(decoded)
            [face] = tracker.update(image)
            if index == 10:
                break
        builder = AppearanceBuilder()
        builder.add(image, face)
        appearance = builder.build()
        full = renderer.render(image, face, target, appearance)
        patch = PatchFrame(decoded, reader.info)
        region = even_region(*lower_face_bounds(face, REGION_MARGIN), *image.shape[1::-1])
        before = patch.rgb(region)
        after = renderer.render(
            before, shift_face(face, -region[0], -region[1]), target, appearance
        )
        patch.put_rgb(region, before, after)
        fast = reader.to_rgb(patch.to_av())
    x0, y0, x1, y1 = region
    assert psnr(fast[y0:y1, x0:x1], full[y0:y1, x0:x1]) > 38
    outside = np.ones(image.shape[:2], bool)
    outside[y0:y1, x0:x1] = False
    np.testing.assert_array_equal(fast[outside], image[outside])  # bit-exact outside
    assert np.any(full[y0:y1, x0:x1] != image[y0:y1, x0:x1])
