"""The mouth's sharpness through the renderers on a real speaker (issues 19 and 20).

Measured as ``bench/real_faces.py`` measures it: the variance of the Laplacian of the grey
mouth box (dlib's lip points 48-67 widened by 0.2 IOD, from the input frame), output over
input, per frame. The clip is two seconds of a real woman speaking
(tests/data/retalking_face3_2s.mp4); the true-mouth run reverses its frames and lip-syncs them
to her own speech, so the output's mouths are her own shapes and the ratio compares like with
like.

What these tests hold (each failed before its fix): the warp's bilinear resampling blurred
the chin's skin (0.74 of its Laplacian variance kept, now 0.97), her open mouth squeezed
into a slit came out as a hard white line with dark edges (1.75x as sharp as her open mouth,
now 0.41: a slit shows no teeth), and the true-mouth sync's mouth came out soft.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from judge import DlibJudge
from sharpness import frames_of, iod, laplacian_variance, mouth_box, track_clip

from lipsync.core.render import WarpRenderer
from lipsync.core.types import MOUTH_PARAMS

CLIP = Path(__file__).resolve().parents[2] / "data" / "retalking_face3_2s.mp4"
SLIT = np.array([0.12, 0.0, 0.0, 0.0, 0.0, 0.0], np.float32)  # open a little: a slit
OPEN = np.array([0.35, 0.0, 0.0, 0.0, 0.0, 0.0], np.float32)  # half open: the chin drops
assert MOUTH_PARAMS[0] == "open"


def _chin_box(pts: np.ndarray, shape: tuple[int, ...]) -> tuple[slice, slice]:
    """Skin only: below the lower lip to above the chin's edge, between the mouth corners."""
    d = iod(pts)
    top, bottom = pts[57, 1] + 0.15 * d, pts[8, 1] - 0.12 * d
    left, right = pts[48, 0], pts[54, 0]
    h, w = shape[:2]
    rows = slice(max(0, int(top)), min(h, int(bottom)))
    return rows, slice(max(0, int(left)), min(w, int(right)))


@pytest.fixture(scope="module")
def judge() -> DlibJudge:
    return DlibJudge()


@pytest.fixture(scope="module")
def tracked(judge):
    """(frames, our faces, dlib's points, appearance) of the real clip."""
    frames = frames_of(CLIP)
    faces, points, appearance = track_clip(frames, judge)
    return frames, faces, points, appearance


def test_warp_keeps_the_skins_fine_detail(tracked):
    """The chin's skin, moved by the dropping jaw, keeps its texture: with a bilinear remap
    the median frame kept 0.74 of its Laplacian variance, now 0.97."""
    frames, faces, points, appearance = tracked
    renderer = WarpRenderer()
    ratios = []
    for image, face, pts in zip(frames, faces, points, strict=True):
        if face is None or pts is None:
            continue
        box = _chin_box(pts, image.shape)
        out = renderer.render(image, face, OPEN, appearance)
        ratios.append(laplacian_variance(out, box) / laplacian_variance(image, box))
    assert len(ratios) >= 40
    assert 0.9 <= np.median(ratios) <= 1.1, np.percentile(ratios, [10, 50, 90])


def test_warp_squeezes_an_open_mouth_into_a_slit_no_sharper_than_the_footage(tracked, judge):
    """Her open mouths (teeth showing) squeezed into a slit: point-sampled, the teeth became
    a hard white line with dark edges, the mouth box 1.75x as sharp as her own open mouth
    (median frame); now 0.41 (a slit shows no teeth)."""
    frames, faces, points, appearance = tracked
    renderer = WarpRenderer()
    ratios = []
    for image, face, pts in zip(frames, faces, points, strict=True):
        if face is None or pts is None or judge.aperture(pts) < 0.15:
            continue
        box = mouth_box(pts, image.shape)
        out = renderer.render(image, face, SLIT, appearance)
        ratios.append(laplacian_variance(out, box) / laplacian_variance(image, box))
    assert len(ratios) >= 5
    assert np.median(ratios) <= 1.15, ratios


@pytest.fixture(scope="module")
def true_mouth(tmp_path_factory) -> dict[str, Path]:
    """The true-mouth inputs: her frames reversed, and her own speech."""
    folder = tmp_path_factory.mktemp("sharp")
    rev, speech = folder / "rev.mp4", folder / "speech.wav"
    ffmpeg = ["ffmpeg", "-v", "error", "-y", "-i", str(CLIP)]
    subprocess.run(
        [*ffmpeg, "-vf", "reverse", "-an", "-c:v", "libx264", "-crf", "10", str(rev)], check=True
    )
    subprocess.run([*ffmpeg, "-vn", "-ac", "1", "-ar", "16000", str(speech)], check=True)
    return {"rev": rev, "speech": speech, "folder": folder}


@pytest.mark.parametrize("renderer", ["exemplar", "warp"])
def test_true_mouth_sync_keeps_the_mouths_sharpness(true_mouth, judge, renderer):
    """``lipsync sync`` of the reversed clip to her own speech: the mouth box's sharpness,
    output over input, in the median frame within issue 19's band, 0.85-1.15. Before the
    fixes it was 0.88 for the exemplar renderer (her own mouths drawn soft) and 0.86 for the
    warp (its skin blurred by a bilinear remap); then 0.93 and 1.00. (The benchmark's mean
    over frames is pulled up by the few frames that show more teeth than the input: 0.91
    and 1.03 before, 0.97 and 1.06 then.)

    Since the exemplar bank is labelled by the lips the picture shows (2026-12-04), the
    exemplar renderer's median frame reads 0.90 (0.88-0.91 over encodes: x264's output
    differs from run to run here): its samples open as far as the target and no further, so
    they show fewer teeth than the mesh-labelled ones did, and on 50 frames the emptier
    shape cells hold softer frames. Issue 20's band, 0.9-1.1, is not met with a margin on
    this 2 s clip; on the whole clip the benchmark's shape-matched figure is 1.00."""
    out = true_mouth["folder"] / f"out_{renderer}.mp4"
    lipsync = str(Path(sys.executable).with_name("lipsync"))
    argv = [lipsync, "sync", str(true_mouth["rev"]), str(true_mouth["speech"]), "-o", str(out)]
    run = subprocess.run(
        [*argv, "--renderer", renderer, "--no-check"], capture_output=True, text=True
    )
    assert run.returncode == 0, run.stderr
    ratios = []
    for given, got in zip(frames_of(true_mouth["rev"]), frames_of(out), strict=True):
        pts = judge.points(given)
        if pts is None:
            continue
        box = mouth_box(pts, given.shape)
        ratios.append(laplacian_variance(got, box) / laplacian_variance(given, box))
    assert len(ratios) >= 40
    assert 0.85 <= np.median(ratios) <= 1.15, (np.percentile(ratios, [10, 50, 90]), np.mean(ratios))
