"""``lipsync timeline new|render`` through the installed console script."""

from __future__ import annotations

import json

import opentimelineio as otio
import pytest
from click.testing import CliRunner
from clitools import assert_one_sentence_error, lipsync
from mediatools import ffmpeg, x264_settings

from lipsync.cli.main import cli


@pytest.fixture(scope="module")
def media(tmp_path_factory):
    folder = tmp_path_factory.mktemp("timeline_cli")
    video, dub = folder / "bars.mov", folder / "dub.wav"
    ffmpeg(
        "-f", "lavfi", "-i", "testsrc2=size=96x64:rate=25:duration=1.2",
        "-f", "lavfi", "-i", "sine=frequency=300:duration=1.2",
        "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-c:a", "aac",
        "-timecode", "10:00:00:00", str(video),
    )  # fmt: skip
    ffmpeg("-f", "lavfi", "-i", "sine=frequency=500:duration=0.8", str(dub))
    srt = folder / "dub.es.srt"
    srt.write_text("1\n00:00:00,100 --> 00:00:00,700\nHola.\n", encoding="utf-8")
    return folder, video, dub, srt


def test_new_then_render(media, tmp_path):
    _folder, video, dub, srt = media
    timeline = tmp_path / "dub.otio"
    proc = lipsync(
        "timeline", "new", str(video), "--dub", str(dub), "--subtitles", str(srt),
        "-o", str(timeline),
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert "3 tracks, 1 subtitle markers" in proc.stderr
    made = otio.adapters.read_from_file(str(timeline))
    assert [t.name for t in made.tracks] == ["Picture", "Original", "Dub"]
    assert made.global_start_time == otio.opentime.RationalTime(900000, 25)

    out, report = tmp_path / "synced.otio", tmp_path / "report.json"
    proc = lipsync(
        "timeline", "render", str(timeline), "-o", str(out), "--allow-no-face",
        "--preset", "ultrafast", "--tune", "stillimage", "--handles", "2", "--report", str(report),
        "--media-dir", str(tmp_path / "renders"),
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert 'V1 "Picture" #0 "bars"  rendered' in proc.stdout
    assert "1 clips: 1 rendered" in proc.stdout
    data = json.loads(report.read_text())
    [entry] = data["clips"]
    assert entry["status"] == "rendered" and entry["render"].startswith(str(tmp_path / "renders"))
    assert x264_settings(entry["render"])["deblock"].endswith(":-3:-3")  # stillimage's, not film's
    rendered = otio.adapters.read_from_file(str(out))
    ref = rendered.tracks[0][0].media_reference
    assert ref.available_range == made.tracks[0][0].media_reference.available_range  # whole clip

    same = ["--allow-no-face", "--media-dir", str(tmp_path / "renders"), "--preset", "ultrafast"]
    again = lipsync("timeline", "render", str(out), "-o", str(tmp_path / "again.otio"), *same,
                    "--tune", "stillimage")  # fmt: skip
    assert again.returncode == 0 and "1 unchanged" in again.stdout
    # another tune is another encoding: rendered again, not kept as unchanged
    other = lipsync("timeline", "render", str(out), "-o", str(tmp_path / "other.otio"), *same)
    assert other.returncode == 0 and "1 rendered" in other.stdout


def test_bad_inputs_are_one_sentence(media, tmp_path):
    _folder, video, dub, _srt = media
    good = tmp_path / "good.otio"
    assert (
        lipsync("timeline", "new", str(video), "--dub", str(dub), "-o", str(good)).returncode == 0
    )
    out = str(tmp_path / "o.otio")

    garbage = tmp_path / "broken.otio"
    garbage.write_text("{ not json", encoding="utf-8")
    proc = lipsync("timeline", "render", str(garbage), "-o", out)
    assert_one_sentence_error(proc, 3, "broken.otio", "cannot be read")

    proc = lipsync("timeline", "render", str(tmp_path / "absent.otio"), "-o", out)
    assert_one_sentence_error(proc, 3, "absent.otio", "does not exist")

    unknown = tmp_path / "cut.foo"
    unknown.write_text("x", encoding="utf-8")
    proc = lipsync("timeline", "render", str(unknown), "-o", out)
    assert_one_sentence_error(proc, 3, "'.foo'", "OpenTimelineIO-Plugins")

    proc = lipsync("timeline", "render", str(good), "-o", out, "--video-track", "Nope")
    assert_one_sentence_error(proc, 3, "no video track 'Nope'", 'V1 "Picture"')
    proc = lipsync("timeline", "render", str(good), "-o", out, "--dub-track", "A7")
    assert_one_sentence_error(proc, 3, "no audio track 'A7'", 'A2 "Dub"')
    proc = lipsync("timeline", "render", str(good), "-o", out, "--tune", "movie")
    assert_one_sentence_error(proc, 3, "Unknown --tune 'movie'", "film")

    proc = lipsync("timeline", "render", str(good), "-o", str(good))
    assert_one_sentence_error(proc, 3, "same file as the input")

    proc = lipsync("timeline", "render", str(good), "-o", out, "--renderer", "magic")
    assert_one_sentence_error(proc, 3, "magic")

    bad_srt = tmp_path / "bad.srt"
    bad_srt.write_text("1\n00:00:01,000 --> \nHola\n", encoding="utf-8")
    proc = lipsync(
        "timeline", "new", str(video), "--dub", str(dub), "--subtitles", str(bad_srt), "-o", out
    )
    assert_one_sentence_error(proc, 3, "bad.srt", "line 2")
    proc = lipsync("timeline", "new", str(dub), "--dub", str(dub), "-o", out)
    assert_one_sentence_error(proc, 3, "no video stream")
    assert not (tmp_path / "o.otio").exists()


def test_help_has_examples():
    for args in (["timeline", "--help"], ["timeline", "new", "--help"],
                 ["timeline", "render", "--help"]):  # fmt: skip
        result = CliRunner().invoke(cli, args)
        assert result.exit_code == 0 and "Example" in result.output


def test_a_clip_that_fails_is_reported_and_the_rest_written(media, tmp_path):
    _folder, video, dub, _srt = media
    timeline = tmp_path / "dub.otio"
    assert (
        lipsync("timeline", "new", str(video), "--dub", str(dub), "-o", str(timeline)).returncode
        == 0
    )
    edit = otio.adapters.read_from_file(str(timeline))
    broken = tmp_path / "broken.mov"
    broken.write_bytes(b"not a movie at all" * 100)
    edit.tracks[0][0].media_reference.target_url = str(broken)
    edited = tmp_path / "edited.otio"
    otio.adapters.write_to_file(edit, str(edited))
    out = tmp_path / "out.otio"
    proc = lipsync("timeline", "render", str(edited), "-o", str(out))
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    assert "failed" in proc.stdout and "broken.mov" in proc.stdout
    assert "1 of 1 clips could not be rendered" in proc.stderr
    assert out.exists()
