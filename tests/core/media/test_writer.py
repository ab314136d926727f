"""Writer audio modes, length rules, provenance metadata, and atomic output."""

from __future__ import annotations

import signal
import subprocess
import sys
import textwrap
import time

import av
import numpy as np
import pytest
from mediatools import read_only_folder

from lipsync.core.errors import InputError, NoStreamError, OutputError
from lipsync.core.media import EncodeOptions, VideoWriter, open_video, probe


def copy_video(src, dst, *, audio=None, mode="replace", **kw):
    opts = EncodeOptions(audio_mode=mode)
    with open_video(src) as reader:
        writer = VideoWriter(dst, reader.info, options=opts, audio=audio, original=src, **kw)
        with writer:
            for frame in reader:
                writer.write(frame)
    return writer.result


def tone(seconds: float, rate: int = 48000, freq: float = 300.0) -> tuple[np.ndarray, int]:
    t = np.arange(int(seconds * rate)) / rate
    return (0.3 * np.sin(2 * np.pi * freq * t)).astype(np.float32), rate


def audio_streams(path):
    with av.open(str(path)) as c:
        return [
            (s.codec_context.name, float(s.duration * s.time_base), s.metadata.get("handler_name"))
            for s in c.streams.audio
        ]


def test_replace_mode_trims_long_audio_to_the_video(clip, tmp_path):
    result = copy_video(clip, tmp_path / "out.mp4", audio=tone(2.5))
    assert result.frames == 25 and result.audio_tracks == 1
    assert result.audio_cut == pytest.approx(1.5, abs=0.01)
    [(codec, duration, _)] = audio_streams(tmp_path / "out.mp4")
    assert codec == "aac"
    assert duration == pytest.approx(1.0, abs=0.03)


def test_short_audio_is_kept_whole(clip, tmp_path):
    result = copy_video(clip, tmp_path / "out.mp4", audio=tone(0.4))
    assert result.audio_cut == 0
    [(_, duration, _)] = audio_streams(tmp_path / "out.mp4")
    assert duration == pytest.approx(0.4, abs=0.03)


def test_audio_from_a_file_at_an_odd_rate(clip, tmp_path):
    from lipsync.core.media import save_audio

    wav = save_audio(tmp_path / "dub.wav", tone(0.8, 22000)[0], 22000)
    copy_video(clip, tmp_path / "out.mkv", audio=wav)
    with av.open(str(tmp_path / "out.mkv")) as c:
        assert c.streams.audio[0].codec_context.sample_rate == 22050


def test_keep_mode_copies_the_original_packets(clip, tmp_path):
    copy_video(clip, tmp_path / "out.mp4", mode="keep")
    with av.open(str(clip)) as a, av.open(str(tmp_path / "out.mp4")) as b:
        src = [bytes(p) for p in a.demux(audio=0) if p.size]
        out = [bytes(p) for p in b.demux(audio=0) if p.size]
    assert out == src[: len(out)] and len(out) >= len(src) - 1


def test_both_mode_writes_new_then_original(clip, tmp_path):
    result = copy_video(clip, tmp_path / "out.mp4", audio=tone(1.0), mode="both")
    assert result.audio_tracks == 2
    streams = audio_streams(tmp_path / "out.mp4")
    assert [s[2] for s in streams] == ["Dub audio (lipsync)", "Original audio"]


@pytest.fixture
def master(clip, tmp_path):
    """The clip with three audio streams, as a master holds a mix, a second language and
    music and effects: AAC (English), PCM (French), AAC (no language)."""
    out = tmp_path / "master.mov"
    subprocess.run(
        ["ffmpeg", "-nostdin", "-v", "error", "-i", str(clip), "-f", "lavfi", "-i",
         "sine=f=600:d=1", "-f", "lavfi", "-i", "anoisesrc=d=1:a=0.05", "-map", "0:v",
         "-map", "0:a", "-map", "1:a", "-map", "2:a", "-c:v", "copy", "-c:a:0", "aac",
         "-c:a:1", "pcm_s16le", "-c:a:2", "aac", "-metadata:s:a:0", "language=eng",
         "-metadata:s:a:1", "language=fra", "-shortest", str(out)],
        check=True,
    )  # fmt: skip
    return out


@pytest.mark.parametrize("suffix", [".mov", ".mkv"])
def test_keep_and_both_copy_every_original_audio_stream(master, tmp_path, suffix):
    keep = tmp_path / f"keep{suffix}"
    assert copy_video(master, keep, mode="keep").audio_tracks == 3
    with av.open(str(master)) as a, av.open(str(keep)) as b:
        assert [s.codec_context.name for s in b.streams.audio] == ["aac", "pcm_s16le", "aac"]
        assert [s.metadata.get("language") for s in b.streams.audio[:2]] == ["eng", "fra"]
        for k in range(3):
            src = [bytes(p) for p in a.demux(audio=k) if p.size]
            a.seek(0)
            out = [bytes(p) for p in b.demux(audio=k) if p.size]
            b.seek(0)
            assert out == src[: len(out)] and len(out) >= len(src) - 1, k
    both = tmp_path / f"both{suffix}"
    assert copy_video(master, both, audio=tone(1.0), mode="both").audio_tracks == 4
    names = [s[2] for s in audio_streams(both)] if suffix == ".mov" else None
    assert names in (None, ["Dub audio (lipsync)", "Original audio", "Original audio 2",
                            "Original audio 3"])  # fmt: skip


def test_none_mode_writes_video_only(clip, tmp_path):
    copy_video(clip, tmp_path / "out.mp4", mode="none")
    assert probe(tmp_path / "out.mp4").audio == ()


def test_mode_needs_its_inputs(clip, tmp_path, make_clip):
    with pytest.raises(InputError, match="needs new audio"):
        copy_video(clip, tmp_path / "out.mp4", mode="replace")
    silent = make_clip("silent.mp4", audio=False)
    with pytest.raises(NoStreamError, match="no audio to keep"):
        copy_video(silent, tmp_path / "out.mp4", mode="keep")
    assert not (tmp_path / "out.mp4").exists()
    with pytest.raises(InputError, match="Unknown audio mode"):
        EncodeOptions(audio_mode="loud")


@pytest.mark.parametrize("suffix", [".mp4", ".mov", ".mkv"])
def test_provenance_and_original_tags(make_clip, tmp_path, suffix):
    src = make_clip("src" + suffix, extra=["-metadata", "title=Interview take 3"])
    out = tmp_path / ("out" + suffix)
    copy_video(src, out, audio=tone(1.0))
    tags = {k.lower(): v for k, v in probe(out).metadata.items()}
    assert tags["synthetic_media"] == "lip-synced"
    assert tags["lipsync_version"]
    assert "lip-synced" in tags["comment"].lower()
    assert tags["title"] == "Interview take 3"  # the editor's own tags survive


def test_output_equal_to_input_is_refused(clip):
    before = clip.read_bytes()
    with pytest.raises(OutputError, match="same file as the input"):
        copy_video(clip, clip, audio=tone(1.0))
    assert clip.read_bytes() == before


def test_unwritable_or_missing_output_folder(clip, tmp_path):
    with pytest.raises(OutputError, match="does not exist"):
        copy_video(clip, tmp_path / "nope" / "out.mp4", audio=tone(1.0))
    with read_only_folder(tmp_path / "locked") as locked:
        with pytest.raises(OutputError, match="not writable"):
            copy_video(clip, locked / "out.mp4", audio=tone(1.0))
        assert list(locked.iterdir()) == []


def test_failure_mid_write_leaves_nothing(clip, tmp_path):
    dest = tmp_path / "out.mp4"
    dest.write_bytes(b"previous version")
    opts = EncodeOptions(audio_mode="none")
    with (
        pytest.raises(RuntimeError, match="boom"),
        open_video(clip) as reader,
        VideoWriter(dest, reader.info, options=opts) as w,
    ):
        for frame in reader:
            w.write(frame)
            if frame.index == 5:
                raise RuntimeError("boom")
    assert dest.read_bytes() == b"previous version"  # the old output is untouched
    assert sorted(p.name for p in tmp_path.iterdir()) == ["clip.mp4", "out.mp4"]


def test_ctrl_c_removes_the_temporary_file(make_clip, tmp_path):
    src = make_clip("long.mp4", size="640x360", duration=20, audio=False)
    dest = tmp_path / "out.mp4"
    script = textwrap.dedent(
        f"""
        import signal
        from lipsync.core.media import EncodeOptions, VideoWriter, open_video
        # as in a terminal, even when the test runs as a background job that ignores SIGINT
        signal.signal(signal.SIGINT, signal.default_int_handler)
        with open_video({str(src)!r}) as r, VideoWriter({str(dest)!r}, r.info,
                options=EncodeOptions(audio_mode="none", preset="slow")) as w:
            for f in r:
                w.write(f)
                if f.index == 3:
                    print("writing", flush=True)
        """
    )
    proc = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    assert proc.stdout.readline().strip() == "writing"
    time.sleep(0.3)
    temps = [p for p in tmp_path.iterdir() if p.name.startswith(".lipsync-tmp")]
    assert temps, "the writer should be writing a temporary file beside the destination"
    proc.send_signal(signal.SIGINT)
    proc.wait(timeout=60)
    assert proc.returncode != 0
    assert not dest.exists()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".lipsync-tmp")]
