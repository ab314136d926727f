"""PatchFrame keeps its changes as edits over the decoded planes (no copy of the whole frame):
reads see the earlier changes, the decoded frame is untouched until to_av, and the result is
the same, sample for sample, as making each change on the frame the previous one gave."""

from __future__ import annotations

import dataclasses
import io

import numpy as np
import pytest

from lipsync.core.media.patch import PatchFrame
from lipsync.core.media.pipe_frames import frame_size, frame_to_bytes
from lipsync.core.media.y4m import Y4MReader

# y4m colour tags of the layouts tested: 8 and 10 bit 4:2:0, 4:2:2, 4:4:4, and grey
LAYOUTS = {
    "yuv420p": "420jpeg",
    "yuv422p": "422",
    "yuv444p": "444",
    "yuv420p10le": "420p10",
    "yuv422p10le": "422p10",
    "yuv444p10le": "444p10",
    "gray": "mono",
}
WIDTH, HEIGHT = 97, 61  # odd: the last chroma block is cut by the edge


def _frames(pix_fmt: str, count: int = 2):
    """``count`` random pictures in ``pix_fmt`` through the y4m reader: (frames, info)."""
    rng = np.random.default_rng(len(pix_fmt))
    bits = 10 if "10" in pix_fmt else 8
    pictures = []
    for _ in range(count):
        n = frame_size(WIDTH, HEIGHT, pix_fmt)
        if bits == 8:
            data = rng.integers(16, 236, n, np.uint8).tobytes()
        else:
            data = rng.integers(64, 940, n // 2, np.uint16).astype("<u2").tobytes()
        pictures.append(b"FRAME\n" + data)
    head = f"YUV4MPEG2 W{WIDTH} H{HEIGHT} F25:1 Ip A1:1 C{LAYOUTS[pix_fmt]}\n".encode()
    reader = Y4MReader(io.BytesIO(head + b"".join(pictures)))
    return [frame for _, frame in reader], reader.info


def _paint(image: np.ndarray, seed: int) -> np.ndarray:
    """``image`` with a few odd-edged rectangles of new colour."""
    rng = np.random.default_rng(seed)
    out = image.copy()
    for _ in range(3):
        y0, x0 = rng.integers(0, out.shape[0] - 5), rng.integers(0, out.shape[1] - 5)
        h, w = rng.integers(2, 12, 2)
        out[y0 : y0 + h, x0 : x0 + w] = rng.integers(0, 256, 3)
    return out


REGIONS = [(10, 8, 60, 40), (30, 20, 90, 60), (0, 0, 40, 30)]  # overlapping, aligned


@pytest.mark.parametrize(
    ("pix_fmt", "rotation"),
    [(p, 0) for p in sorted(LAYOUTS)] + [("yuv420p", 90), ("yuv422p10le", 270)],
)
def test_edits_equal_changes_made_one_frame_after_another(pix_fmt, rotation) -> None:
    """Overlapping regions changed in turn (upright regions of a frame shown turned when
    ``rotation`` is set)."""
    frames, info = _frames(pix_fmt, 1)
    info = dataclasses.replace(info, rotation=rotation)
    original = frame_to_bytes(frames[0])
    patch = PatchFrame(frames[0], info)
    step_frame = _frames(pix_fmt, 1)[0][0]  # the same picture, changed one step at a time
    for k, region in enumerate(REGIONS):
        region = patch.align(region)
        before = patch.rgb(region)
        step = PatchFrame(step_frame, info)
        np.testing.assert_array_equal(before, step.rgb(region))  # earlier changes are seen
        after = _paint(before, k)
        patch.put_rgb(region, before, after)
        step.put_rgb(region, before, after)
        step_frame = step.to_av()
        assert frame_to_bytes(frames[0]) == original  # the decoded frame waits for to_av
    assert patch.changed
    for ours, theirs in zip(patch.planes, PatchFrame(step_frame, info).planes, strict=True):
        np.testing.assert_array_equal(ours, theirs)
    out = patch.to_av()
    assert frame_to_bytes(out) == frame_to_bytes(step_frame) != original
    assert frame_to_bytes(patch.to_av()) == frame_to_bytes(out)  # twice: the same frame
    np.testing.assert_array_equal(patch.rgb(patch.align(REGIONS[1])),
                                  PatchFrame(out, info).rgb(patch.align(REGIONS[1])))  # fmt: skip
