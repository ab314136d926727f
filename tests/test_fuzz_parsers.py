"""Property-based fuzzing of every parser that reads what a user (or a pipe) hands us: SubRip
and WebVTT, y4m and NUT streams, batch job files and OTIO metadata. Each example either
parses or raises a LipsyncError subclass, never any other exception."""

from __future__ import annotations

import io
import itertools
import json
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import opentimelineio as otio
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lipsync.core.batch.jobfile import parse_job_file
from lipsync.core.batch.templates import fill, output_path, template_fields
from lipsync.core.errors import LipsyncError
from lipsync.core.media.nutpipe import NutReader
from lipsync.core.media.y4m import Y4MReader
from lipsync.core.pipeline.subtitles import parse_subtitles
from lipsync.otio_adapters.plan import plan_clip
from lipsync.otio_adapters.subtitles import marker_to_cue, parse_srt

FUZZ = settings(
    max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow],
    derandomize=True,
)  # fmt: skip
RT, TR = otio.opentime.RationalTime, otio.opentime.TimeRange


def parses_or_refuses(call, *args, **kwargs):
    """Run ``call``; a LipsyncError is a refusal (one line), anything else fails the test."""
    try:
        return call(*args, **kwargs)
    except LipsyncError as e:
        assert str(e).strip(), "an error without a sentence"
        return None


# --- subtitles --------------------------------------------------------------------------------

digits = st.integers(min_value=0, max_value=150).map(str)
stamp = st.builds(
    lambda h, m, s, ms, sep: f"{h}:{m:0>2}:{s:0>2}{sep}{ms:0>3}",
    digits, digits, digits, st.integers(0, 1200).map(str), st.sampled_from([",", ".", ":"]),
)  # fmt: skip
arrow = st.sampled_from([" --> ", "-->", " -> ", " --> --> ", "\t-->\t"])
cue_text = st.text(st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=40)
cue = st.builds(
    lambda n, a, arrow, b, text, tail: f"{n}\n{a}{arrow}{b}{tail}\n{text}\n",
    st.one_of(digits, cue_text), stamp, arrow, stamp, cue_text,
    st.sampled_from(["", " align:start", " X1:10", "<b>"]),
)  # fmt: skip
document = st.builds(
    lambda head, cues, sep, bom: bom + head + sep.join(cues),
    st.sampled_from(["", "WEBVTT\n\n", "WEBVTT - x\n\nNOTE hi\n\n", "\n\n"]),
    st.lists(cue, max_size=6), st.sampled_from(["\n", "\r\n", "\r", "\n\n"]),
    st.sampled_from(["", "\ufeff"]),
)  # fmt: skip


@FUZZ
@given(st.one_of(document, st.text(max_size=300)))
def test_subtitles_parse_or_refuse(text):
    cues = parses_or_refuses(parse_subtitles, text, "'x.srt'")
    if cues is not None:
        assert cues and all(0 <= c.start <= c.end for c in cues)
        assert all(b.start >= a.end - 0.001 for a, b in itertools.pairwise(cues))


@FUZZ
@given(st.one_of(document.map(lambda t: t.encode("utf-8", "replace")), st.binary(max_size=300)),
       st.sampled_from(["utf-8", "cp1252", "utf-16", "latin-1", "no-such-codec"]))  # fmt: skip
def test_timeline_srt_parses_or_refuses(data, encoding):
    doc = parses_or_refuses(parse_srt, data, "'x.srt'", encoding=encoding)
    if doc is not None:
        assert all(c.end >= c.start >= 0 for c in doc.cues)


# --- y4m --------------------------------------------------------------------------------------

y4m_header = st.builds(
    lambda w, h, f, cs, extra: f"YUV4MPEG2 W{w} H{h} F{f}{cs}{extra}\n".encode(),
    st.one_of(st.integers(-2, 40), st.just(100_000), st.text("0123456789x-", max_size=4)),
    st.one_of(st.integers(-2, 40), st.text("0123456789x-", max_size=4)),
    st.sampled_from(["25:1", "30000:1001", "0:0", "1:0", "x", "-25:1", "25"]),
    st.sampled_from(["", " C420jpeg", " C444", " C422", " C420p10", " C444p12", " Cmono",
                     " C411", " Cwhat"]),
    st.sampled_from(["", " Ip A1:1", " XYSCSS=420JPEG", " I?", " W4"]),
)  # fmt: skip


@FUZZ
@given(y4m_header, st.binary(max_size=2_000), st.booleans())
def test_y4m_streams_read_or_refuse(header, body, frame_marker):
    data = header + (b"FRAME\n" if frame_marker else b"") + body

    def read():
        reader = Y4MReader(io.BytesIO(data), "the input")
        frames = [index for index, _ in reader]
        return reader, frames

    got = parses_or_refuses(read)
    if got is not None:
        reader, frames = got
        assert frames == list(range(len(frames)))
        assert reader.error is None or isinstance(reader.error, LipsyncError)


# --- NUT --------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def nut_bytes():
    """A real 4-frame NUT stream (ffv1 + pcm audio), made here with PyAV."""
    buf = io.BytesIO()
    with av.open(buf, "w", format="nut") as out:
        video = out.add_stream("ffv1", rate=25)
        video.width, video.height, video.pix_fmt = 16, 16, "yuv420p"
        audio = out.add_stream("pcm_s16le", rate=8000)
        audio.layout = "mono"
        for i in range(4):
            frame = av.VideoFrame.from_ndarray(np.full((16, 16, 3), i * 40, np.uint8), "rgb24")
            frame.pts, frame.time_base = i, Fraction(1, 25)
            for packet in video.encode(frame):
                out.mux(packet)
            sound = av.AudioFrame.from_ndarray(np.zeros((1, 320), np.int16), "s16", "mono")
            sound.sample_rate, sound.pts = 8000, i * 320
            for packet in audio.encode(sound):
                out.mux(packet)
        for stream in (video, audio):
            for packet in stream.encode(None):
                out.mux(packet)
    return buf.getvalue()


@settings(
    max_examples=80,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(st.data())  # fmt: skip
def test_nut_streams_read_or_refuse(nut_bytes, data):
    kind = data.draw(st.sampled_from(["cut", "flip", "splice", "random"]))
    blob = bytearray(nut_bytes)
    if kind == "cut":
        blob = blob[: data.draw(st.integers(0, len(blob)))]
    elif kind == "flip":
        for _ in range(data.draw(st.integers(1, 8))):
            at = data.draw(st.integers(0, len(blob) - 1))
            blob[at] = data.draw(st.integers(0, 255))
    elif kind == "splice":
        at = data.draw(st.integers(0, len(blob)))
        blob[at:at] = data.draw(st.binary(min_size=1, max_size=64))
    else:
        blob = bytearray(b"nut/multimedia container\0" + data.draw(st.binary(max_size=400)))
    audio: list = []

    def read():
        reader = NutReader(io.BytesIO(bytes(blob)), "the input", on_audio=audio.append)
        try:
            return [index for index, _ in reader], reader.error
        finally:
            reader.close()

    got = parses_or_refuses(read)
    if got is not None:
        frames, error = got
        assert frames == list(range(len(frames)))
        assert error is None or isinstance(error, LipsyncError)


# --- job files --------------------------------------------------------------------------------

scalars = st.none() | st.booleans() | st.integers(-5, 5) | st.floats() | st.text(max_size=12)
json_values = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=12,
)
names = st.sampled_from(["a.mp4", "a\0.mp4", "{stem}\0.wav", "{stem}.wav", "../x", "",
                         "{dir}/{stem}_{lang}.wav", "/abs.mp4", "{stem.__class__}",
                         "{lang[0]}", "{{}}", "{", "}", "season"])  # fmt: skip
input_entry = st.fixed_dictionaries(
    {},
    optional={
        "video": st.one_of(names, json_values), "directory": st.one_of(names, json_values),
        "pattern": st.sampled_from(["*.mp4", "*", "[", "**/*.mp4"]),
        "kind": st.sampled_from(["sync", "translate", "dub", 3]),
        "languages": st.one_of(st.lists(st.sampled_from(["es", "de", "", "x y", 1]), max_size=3),
                               json_values),
        "dubs": st.one_of(names, st.dictionaries(st.sampled_from(["es", "de"]), names),
                          json_values),
        "output": st.one_of(names, st.just("{stem}_{lang}{ext}"), json_values),
        "options": st.one_of(st.dictionaries(st.sampled_from(["crf", "face", "subtitles",
                                                              "chunk_seconds", "asr", "bogus"]),
                                             json_values, max_size=3), json_values),
    },
)  # fmt: skip
job_doc = st.one_of(
    json_values,
    st.fixed_dictionaries({"inputs": st.lists(input_entry, max_size=3)},
                          optional={"version": st.sampled_from([1, 2, "1"]),
                                    "output_dir": st.one_of(names, json_values),
                                    "work_dir": st.one_of(names, json_values),
                                    "defaults": json_values}),
)  # fmt: skip


@pytest.fixture(scope="module")
def job_folder(tmp_path_factory):
    folder = tmp_path_factory.mktemp("jobs")
    for name in ("a.mp4", "a_es.wav", "x.srt"):
        (folder / name).write_bytes(b"data")
    (folder / "season").mkdir()
    (folder / "season" / "e1.mp4").write_bytes(b"data")
    return folder


@settings(
    max_examples=150,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(job_doc, st.booleans())  # fmt: skip
def test_job_files_parse_or_refuse(job_folder, doc, check_media):
    spec = parses_or_refuses(parse_job_file, doc, job_folder / "jobs.json", check_media=check_media)
    if spec is not None:
        out = Path(spec.output_dir).resolve()
        for job in spec.jobs:
            assert out in Path(job.output).resolve().parents  # never outside output_dir
        json.dumps([j.to_json() for j in spec.jobs])


@FUZZ
@given(st.text(max_size=40), st.text(max_size=12), st.text(max_size=6))
def test_templates_substitute_or_refuse(template, stem, lang):
    fields = template_fields(Path("/v") / f"{stem or 'x'}.mp4", lang)
    text = parses_or_refuses(fill, template, fields)
    if text is not None and "{" not in template and "}" not in template:
        assert text == template
    path = parses_or_refuses(output_path, Path("/tmp/out"), template, fields)
    if path is not None:
        assert Path("/tmp/out").resolve() in path.resolve().parents


# --- OTIO metadata ----------------------------------------------------------------------------


@FUZZ
@given(json_values, st.sampled_from([None, "/nowhere/r.mov", "r.mov"]))
def test_clip_metadata_is_read_or_refused(meta, url):
    ref = otio.schema.ExternalReference(
        target_url=url or "", available_range=TR(RT(0, 25), RT(50, 25))
    )
    clip = otio.schema.Clip("c", media_reference=ref, source_range=TR(RT(5, 25), RT(10, 25)))
    try:
        clip.metadata["lipsync"] = meta
    except (TypeError, ValueError):
        return  # OTIO itself cannot hold it (a float NaN key, …): nothing to read
    if isinstance(meta, dict):
        clip.metadata["lipsync"]["render"] = url
    parses_or_refuses(plan_clip, clip, 0.0, Path("/tmp"))


@FUZZ
@given(json_values)
def test_subtitle_marker_metadata_is_read_or_refused(meta):
    marker = otio.schema.Marker("m", TR(RT(0, 1000), RT(500, 1000)))
    try:
        marker.metadata["lipsync"] = {"subtitle": meta}
    except (TypeError, ValueError):
        return
    parses_or_refuses(marker_to_cue, marker)
