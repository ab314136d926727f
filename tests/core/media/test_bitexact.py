"""Only the lower face changes, to the last code value: every sample outside the region the
renderer may touch comes out exactly as decoded, at 8, 10 and 12 bits, 4:2:0 / 4:2:2 / 4:4:4,
even and odd sizes, through a lossless file (``--crf 0``) and through y4m, NUT and raw pipes.

Where the encoder cannot hold the input's layout (12 bits; 4:2:0 / 4:2:2 at an odd size), the
file is compared with the writer's own conversion of the untouched input, frame by frame (the
conversion ffmpeg's libswscale makes, chroma siting included): outside the region, plus the
bicubic scaler's reach, the two are identical. The ffmpeg program installed here links an
older libswscale that ignores chroma siting, so its transcode is no reference for these.

The source is a real talking-head clip converted by the ffmpeg program to each layout (FFV1,
lossless); every case runs the real engine (face tracking, speech, warp renderer) on it. The
outputs are decoded by the ffmpeg program to raw planes in the native format and compared
with the input's planes decoded the same way. Eight frames of 320x240 keep the matrix quick.
"""

from __future__ import annotations

import io
import subprocess

import numpy as np
import pytest
from clitools import lipsync
from mediatools import ffmpeg

from lipsync.core.demo import write_portrait_clip
from lipsync.core.engine import LipSyncEngine, SyncOptions
from lipsync.core.media import EncodeOptions, open_video, save_audio
from lipsync.core.media.patch import stable_region
from lipsync.core.media.pipe_frames import frame_size
from lipsync.core.media.y4m import ffmpeg_cut_size
from lipsync.core.speech import synthesize, write_sidecar
from lipsync.core.sync_stream import REGION_MARGIN, lower_face_bounds

SIZE = (320, 240)
ODD = (321, 241)
SECONDS = 0.32  # 8 frames
PAD = 4  # px around the tracked region: one chroma block and a rounding step either way
SCALER_PAD = 2 * PAD  # converted pictures: the bicubic scaler's reach around the region

DEPTH_CHROMA = [
    f"yuv{c}p{d}" for d in ("", "10le", "12le") for c in ("420", "422", "444")
]  # yuv420p ... yuv444p12le


def raw_planes(data: bytes, pix_fmt: str, width: int, height: int) -> list[list[np.ndarray]]:
    """Frames of raw ``pix_fmt`` bytes as lists of planes (``uint8`` or ``uint16``)."""
    sx = 1 if ("420" in pix_fmt or "422" in pix_fmt) else 0
    sy = 1 if "420" in pix_fmt else 0
    dtype = np.uint8 if pix_fmt.endswith("p") else np.dtype("<u2")
    cw, ch = -(-width >> sx), -(-height >> sy)
    shapes = [(height, width), (ch, cw), (ch, cw)]
    values = np.frombuffer(data, dtype)
    per_frame = sum(h * w for h, w in shapes)
    assert values.size % per_frame == 0
    frames = []
    for at in range(0, values.size, per_frame):
        planes, pos = [], at
        for h, w in shapes:
            planes.append(values[pos : pos + h * w].reshape(h, w))
            pos += h * w
        frames.append(planes)
    return frames


def decode_raw(path_or_bytes, pix_fmt: str, fmt: str | None = None) -> bytes:
    """The frames of a file (or of piped ``fmt`` bytes) as raw ``pix_fmt``, by ffmpeg."""
    args = ["ffmpeg", "-nostdin", "-v", "error"]
    if isinstance(path_or_bytes, bytes):
        args += ["-f", fmt, "-i", "-"]
        data = path_or_bytes
    else:
        args += ["-i", str(path_or_bytes)]
        data = None
    args += ["-map", "0:v", "-fps_mode", "passthrough", "-f", "rawvideo", "-pix_fmt", pix_fmt, "-"]
    return subprocess.run(args, input=data, capture_output=True, check=True).stdout


@pytest.fixture(scope="module")
def media(tmp_path_factory):
    """The speech, the 8-bit source clip and the region the renderer may change per frame."""
    from lipsync.core.face import FaceTracker, TrackerOptions

    folder = tmp_path_factory.mktemp("bitexact")
    syn = synthesize("Mama may map.", "en-us")
    speech = save_audio(folder / "line.wav", syn.samples, syn.sample_rate)
    write_sidecar(speech, syn.events)
    clip = write_portrait_clip(folder / "clip.mp4", SECONDS, size=SIZE)
    boxes = []
    with open_video(clip) as reader:
        tracker = FaceTracker(TrackerOptions(fps=float(reader.info.fps)))
        for frame in reader:
            faces = tracker.update(frame.image)
            assert faces, "the portrait clip has a face in every frame"
            box = lower_face_bounds(faces[0], REGION_MARGIN)
            boxes.append(stable_region(*box, *SIZE))
    return folder, speech, clip, boxes


def source(media, pix_fmt: str, size: tuple[int, int]):
    """The clip in ``pix_fmt`` at ``size`` as a lossless FFV1 file (made once)."""
    folder, _, clip, _ = media
    path = folder / f"src_{pix_fmt}_{size[0]}x{size[1]}.mkv"
    if not path.exists():
        ffmpeg("-i", str(clip), "-vf", f"scale={size[0]}:{size[1]}:flags=bicubic",
               "-pix_fmt", pix_fmt, "-c:v", "ffv1", str(path))  # fmt: skip
    return path


def allowed(boxes, index: int, size: tuple[int, int], pad: int) -> np.ndarray:
    """``bool (H, W)``: where frame ``index`` may change (the tracked region, padded, scaled
    from the 320x240 clip to ``size``)."""
    w, h = size
    x0, y0, x1, y1 = boxes[index]
    fx, fy = w / SIZE[0], h / SIZE[1]
    mask = np.zeros((h, w), bool)
    mask[
        max(0, int(y0 * fy) - pad) : min(h, int(np.ceil(y1 * fy)) + pad),
        max(0, int(x0 * fx) - pad) : min(w, int(np.ceil(x1 * fx)) + pad),
    ] = True
    return mask


def assert_only_the_lower_face_changed(before, after, boxes, pix_fmt, size, pad=PAD) -> None:
    """Every sample outside the allowed region of each frame is bit-exact; some inside
    changed (the mouth moved)."""
    assert len(before) == len(after) == len(boxes)
    changed_frames = 0
    for index, (planes_in, planes_out) in enumerate(zip(before, after, strict=True)):
        mask = allowed(boxes, index, size, pad)
        differs = False
        for a, b in zip(planes_in, planes_out, strict=True):
            sy, sx = round(mask.shape[0] / a.shape[0]), round(mask.shape[1] / a.shape[1])
            outside = ~mask[::sy, ::sx][: a.shape[0], : a.shape[1]]
            bad = np.count_nonzero((a != b) & outside)
            assert bad == 0, f"{pix_fmt} {size} frame {index}: {bad} samples changed outside"
            differs = differs or bool(np.any(a != b))
        changed_frames += differs
    assert changed_frames >= len(before) // 2, f"{pix_fmt}: only {changed_frames} frames changed"


def engine() -> LipSyncEngine:
    return LipSyncEngine(SyncOptions(encode=EncodeOptions(crf=0, preset="ultrafast")))


def untouched_copy(src, folder):
    """``src`` written losslessly by the writer without any change (its own conversion to a
    layout the encoder takes, frame by frame)."""
    from lipsync.core.media import VideoWriter

    out = folder / "untouched.mkv"
    options = EncodeOptions(crf=0, preset="ultrafast", audio_mode="none")
    with open_video(src) as reader, VideoWriter(out, reader.info, options=options) as writer:
        for _, frame in reader.iter_decoded():
            writer.write_decoded(frame, frame.pts)
    return out


def assert_file_keeps_the_samples(media, src, out, pix_fmt, size, folder) -> str:
    """The lossless output ``out`` of ``src`` changed only the lower face; the layout the
    encoder wrote, which is the input's own unless the encoder cannot hold it."""
    _, _, _, boxes = media
    with open_video(out) as reader:
        written = reader.info.pix_fmt
    if written == pix_fmt:  # the encoder holds the layout: the input's own samples
        before = raw_planes(decode_raw(src, pix_fmt), pix_fmt, *size)
        pad = PAD
    else:
        cannot = pix_fmt.endswith("12le") or (size == ODD and "444" not in pix_fmt)
        assert cannot, f"{pix_fmt} {size} was written as {written}"
        before = raw_planes(decode_raw(untouched_copy(src, folder), written), written, *size)
        pad = SCALER_PAD
    after = raw_planes(decode_raw(out, written), written, *size)
    assert_only_the_lower_face_changed(before, after, boxes, written, size, pad)
    return written


@pytest.mark.parametrize("size", [SIZE, ODD], ids=["even", "odd"])
@pytest.mark.parametrize("pix_fmt", DEPTH_CHROMA)
def test_lossless_file_keeps_every_sample_outside_the_lower_face(media, tmp_path, pix_fmt, size):
    _, speech, _, _ = media
    src = source(media, pix_fmt, size)
    out = tmp_path / "out.mkv"
    engine().run(src, speech, out)
    written = assert_file_keeps_the_samples(media, src, out, pix_fmt, size, tmp_path)
    if size == SIZE and not pix_fmt.endswith("12le"):
        assert written == pix_fmt  # 8 and 10 bits, every chroma layout: no conversion at all


def test_lipsync_sync_at_crf_0_keeps_every_sample_outside_the_lower_face(media, tmp_path):
    """The command line, end to end: odd-sized 10-bit 4:2:0 (converted for the encoder)."""
    _, speech, _, _ = media
    src = source(media, "yuv420p10le", ODD)
    out = tmp_path / "out.mkv"
    proc = lipsync("-q", "sync", str(src), str(speech), "-o", str(out), "--crf", "0",
                   "--preset", "ultrafast")  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr
    written = assert_file_keeps_the_samples(media, src, out, "yuv420p10le", ODD, tmp_path)
    assert written == "yuv444p10le"


def pipe_input(src, pix_fmt: str, size: tuple[int, int], fmt: str) -> bytes:
    """``src`` as ffmpeg pipes it in ``fmt``. For y4m at odd widths above 8 bits, where
    ffmpeg's muxer cuts a byte off every chroma row (lipsync-filter refuses that, see
    test_filter_badinput), the frames are framed whole under ffmpeg's own header line."""
    args = ["ffmpeg", "-nostdin", "-v", "error", "-i", str(src), "-map", "0:v"]
    if fmt == "y4m":
        args += ["-strict", "-1", "-f", "yuv4mpegpipe", "-"]
    elif fmt == "nut":
        args += ["-c:v", "rawvideo", "-f", "nut", "-"]
    else:
        args += ["-f", "rawvideo", "-pix_fmt", pix_fmt, "-"]
    data = subprocess.run(args, capture_output=True, check=True).stdout
    if fmt == "y4m" and ffmpeg_cut_size(*size, pix_fmt) is not None:
        header = data.split(b"\n", 1)[0] + b"\n"
        raw = decode_raw(src, pix_fmt)
        n = frame_size(*size, pix_fmt)
        data = header + b"".join(b"FRAME\n" + raw[at : at + n] for at in range(0, len(raw), n))
    return data


@pytest.mark.parametrize("fmt", ["y4m", "nut", "raw"])
@pytest.mark.parametrize("size", [SIZE, ODD], ids=["even", "odd"])
@pytest.mark.parametrize("pix_fmt", DEPTH_CHROMA)
def test_pipes_keep_every_sample_outside_the_lower_face(media, pix_fmt, size, fmt):
    from lipsync.core.media.rawpipe import RawFormat
    from lipsync.integrations.ffmpeg.filter import run_filter

    _, speech, _, boxes = media
    src = source(media, pix_fmt, size)
    data = pipe_input(src, pix_fmt, size, fmt)
    sink = io.BytesIO()
    raw = RawFormat.parse(f"{size[0]}x{size[1]}", "25", pix_fmt) if fmt == "raw" else None
    result = run_filter(io.BytesIO(data), sink, SyncOptions(), fmt=fmt, audio=speech, raw=raw)
    assert result.frames == len(boxes)
    ff_fmt = {"y4m": "yuv4mpegpipe", "nut": "nut"}.get(fmt)
    if fmt == "raw":
        before_bytes, after_bytes = data, sink.getvalue()
    else:
        before_bytes = decode_raw(data, pix_fmt, ff_fmt)
        after_bytes = decode_raw(sink.getvalue(), pix_fmt, ff_fmt)
    assert len(after_bytes) == len(before_bytes) == len(boxes) * frame_size(*size, pix_fmt)
    before = raw_planes(before_bytes, pix_fmt, *size)
    after = raw_planes(after_bytes, pix_fmt, *size)
    assert_only_the_lower_face_changed(before, after, boxes, pix_fmt, size)


@pytest.mark.parametrize("pix_fmt", ["yuv420p12le", "yuv422p12le", "yuv444p12le"])
def test_ffv1_keeps_twelve_bits_exactly(media, tmp_path, pix_fmt):
    """x264 holds no 12-bit layout (its output is a conversion, above); FFV1 does: with
    ``--codec ffv1`` a 12-bit master keeps its own samples, every one outside the lower face
    exactly as decoded."""
    _, speech, _, boxes = media
    src = source(media, pix_fmt, SIZE)
    out = tmp_path / "out.mkv"
    LipSyncEngine(SyncOptions(encode=EncodeOptions(codec="ffv1"))).run(src, speech, out)
    with open_video(out) as reader:
        assert reader.info.pix_fmt == pix_fmt and reader.info.codec == "ffv1"
    before = raw_planes(decode_raw(src, pix_fmt), pix_fmt, *SIZE)
    after = raw_planes(decode_raw(out, pix_fmt), pix_fmt, *SIZE)
    assert_only_the_lower_face_changed(before, after, boxes, pix_fmt, SIZE)


# (ffmpeg's ProRes decoder gives 4444 as 12 bits whatever was coded; libavformat's Matroska
# muxer takes no DNxHD stream)
PRORES_REFUSED = ".mp4", "ProRes video; end its name in .mov or .mkv"
DNXHR_REFUSED = ".mkv", "DNxHR video; end its name in .mov."


@pytest.mark.parametrize(
    ("codec", "pix_fmt", "stream", "written", "refused"),
    [
        ("prores", "yuv420p", "prores HQ", "yuv422p10le", PRORES_REFUSED),
        ("prores", "yuv444p10le", "prores 4444", "yuv444p12le", PRORES_REFUSED),
        ("dnxhr", "yuv420p", "dnxhd DNXHR HQ", "yuv422p", DNXHR_REFUSED),
        ("dnxhr", "yuv420p10le", "dnxhd DNXHR HQX", "yuv422p10le", DNXHR_REFUSED),
        ("dnxhr", "yuv444p10le", "dnxhd DNXHR 444", "yuv444p10le", DNXHR_REFUSED),
    ],
)
def test_codecs_for_editing(media, tmp_path, codec, pix_fmt, stream, written, refused):
    """``--codec prores``: ProRes 422 HQ (10-bit 4:2:2), or 4444 for a 4:4:4 source;
    ``--codec dnxhr``: DNxHR HQ at 8 bits, HQX at 10, 444 for a 4:4:4 source (the source's
    depth kept): in a .mov, every frame at its time; a container that cannot hold the codec:
    one sentence, exit 3, nothing written."""
    _, speech, _, _ = media
    src = source(media, pix_fmt, SIZE)
    out = tmp_path / "out.mov"
    proc = lipsync("-q", "sync", str(src), str(speech), "-o", str(out), "--codec", codec)
    assert proc.returncode == 0, proc.stderr
    got = subprocess.run(
        ["ffprobe", "-v", "error", "-select_streams", "v", "-show_entries",
         "stream=codec_name,profile,pix_fmt,nb_frames", "-of", "default=nw=1", str(out)],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    name, profile = stream.split(" ", 1)
    assert f"codec_name={name}" in got and f"profile={profile}" in got, got
    assert f"pix_fmt={written}" in got and f"nb_frames={round(SECONDS * 25)}" in got, got
    bad, refusal = refused
    wrong = tmp_path / f"out{bad}"
    proc = lipsync("-q", "sync", str(src), str(speech), "-o", str(wrong), "--codec", codec)
    assert proc.returncode == 3 and not wrong.exists()
    assert f"takes no {refusal}" in proc.stderr
    assert "Traceback" not in proc.stderr
