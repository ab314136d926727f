"""A job file's encoding (preset, tune, crf, audio_mode) is refused when the file is read,
before any work: one sentence naming the file and the field, exit 3, no output or work folder
created, every input byte-identical. The same values are accepted where they are valid."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

import pytest
from clitools import assert_one_sentence_error, lipsync
from mediatools import lavfi_clip

from lipsync.core.batch import load_job_file
from lipsync.core.errors import EXIT_BAD_INPUT, InputError


@pytest.fixture(scope="module")
def media(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("batch_enc")
    lavfi_clip(folder / "talk.mp4", duration=0.4, size="160x120")
    lavfi_clip(folder / "talk_es.wav", duration=0.4, video=False, vcodec=(),
               extra=("-c:a", "pcm_s16le"))  # fmt: skip
    return folder


def hashes(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


def write_jobs(folder: Path, name: str, defaults: dict, options: dict | None = None) -> Path:
    item: dict = {"video": "talk.mp4", "dubs": {"es": "talk_es.wav"}}
    if options is not None:
        item["options"] = options
    doc = {"output_dir": f"out_{name}", "defaults": defaults, "inputs": [item]}
    path = folder / f"{name}.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    return path


BAD = [
    ("preset", {"preset": "fastest"}, None, "defaults.preset", "fastest"),
    ("preset_in_options", {}, {"preset": "Medium"}, "inputs[0].options.preset", "Medium"),
    ("tune", {"tune": "movie"}, None, "defaults.tune", "movie"),
    ("tune_in_options", {}, {"tune": "vmaf"}, "inputs[0].options.tune", "vmaf"),  # x265's only
    ("crf", {"crf": 52}, None, "defaults.crf", "52"),
    ("crf_negative", {}, {"crf": -1}, "inputs[0].options.crf", "-1"),
    ("audio_mode", {"audio_mode": "mute"}, None, "defaults.audio_mode", "mute"),
    ("audio_mode_none", {"audio_mode": "none"}, None, "defaults.audio_mode", "none"),
    ("codec", {"codec": "xvid"}, None, "defaults.codec", "xvid"),
    # the default output template keeps the input's .mp4, which holds no ProRes
    ("codec_container", {"codec": "prores"}, None, "inputs[0].output (job talk.es)", ".mov"),
]


@pytest.mark.parametrize(("name", "defaults", "options", "field", "value"), BAD,
                         ids=[b[0] for b in BAD])  # fmt: skip
def test_a_bad_encoding_is_refused_when_the_job_file_is_read(
    media, name, defaults, options, field, value
):
    path = write_jobs(media, name, defaults, options)
    before = hashes(media)
    proc = lipsync("batch", str(path), "-j", "1")
    assert_one_sentence_error(proc, EXIT_BAD_INPUT, str(path), field, value)
    assert hashes(media) == before
    assert not (media / f"out_{name}").exists()  # no output folder, no work folder


@pytest.mark.parametrize(("name", "defaults", "options", "field", "value"), BAD,
                         ids=[b[0] for b in BAD])  # fmt: skip
def test_the_library_refuses_it_too(media, name, defaults, options, field, value):
    path = write_jobs(media, name, defaults, options)
    with pytest.raises(InputError, match=re.escape(field)):
        load_job_file(path)


@pytest.mark.parametrize(
    ("defaults", "options"),
    [
        ({"preset": "veryslow", "crf": 0, "audio_mode": "keep", "tune": "none"}, None),
        ({}, {"preset": "ultrafast", "crf": 51, "audio_mode": "both", "tune": "grain"}),
        ({"codec": "ffv1"}, None),
    ],
)
def test_valid_encodings_are_accepted(media, defaults, options):
    path = write_jobs(media, "good", defaults, options)
    proc = lipsync("batch", str(path), "--check")
    assert proc.returncode == 0, proc.stderr
    assert "talk.es" in proc.stdout
    spec = load_job_file(path)
    merged = {**defaults, **(options or {})}
    assert {k: spec.jobs[0].options[k] for k in merged} == merged


def test_the_job_tune_reaches_the_output_encoding_and_never_the_lossless_chunks():
    from lipsync.core.batch.settings import CHUNK_ENCODE, for_chunk, sync_options

    assert sync_options({}, "es").encode.encoder_tune == "film"  # the default, as sync's
    sync = sync_options({"tune": "grain"}, "es")
    assert sync.encode.tune == "grain"
    assert for_chunk(sync, 0.0).encode is CHUNK_ENCODE
    assert (CHUNK_ENCODE.crf, CHUNK_ENCODE.encoder_tune) == (0, "none")


def test_the_job_codec_reaches_the_output_and_ffv1_jobs_keep_ffv1_chunks():
    """A 12-bit master through an FFV1 job stays 12 bits: its chunks are FFV1 too (lossless
    x264 holds no 12-bit layout); other jobs' chunks are lossless x264."""
    from lipsync.core.batch.settings import CHUNK_ENCODE, for_chunk, sync_options

    sync = sync_options({"codec": "ffv1"}, "es")
    assert sync.encode.codec == "ffv1" and for_chunk(sync, 0.0).encode.codec == "ffv1"
    assert for_chunk(sync, 0.0).encode.audio_mode == "none"
    sync = sync_options({"codec": "prores"}, "es")
    assert sync.encode.codec == "prores_ks" and for_chunk(sync, 0.0).encode is CHUNK_ENCODE
