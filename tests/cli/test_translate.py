"""``lipsync translate``: a dub written end to end through the command line, and bad input as
one sentence with the right exit code."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from translate_media import make_clip

from lipsync.cli.main import cli, run
from lipsync.core.errors import EXIT_BAD_INPUT


@pytest.fixture(scope="module")
def clip(tmp_path_factory):
    return make_clip(tmp_path_factory.mktemp("clip"))


def test_translate_writes_the_dub_and_everything_beside_it(clip, tmp_path):
    out = tmp_path / "talk_es.mp4"
    code = run(cli, ["-q", "translate", str(clip.video), "--to", "es", "--subtitles",
                     str(clip.subtitles), "--voice", "S1=m3,pitch=40", "-o", str(out)])  # fmt: skip
    assert code == 0
    for suffix in (".mp4", ".dub.wav", ".en.srt", ".es.srt", ".en.vtt", ".es.vtt", ".otio",
                   ".report.json"):  # fmt: skip
        assert (tmp_path / f"talk_es{suffix}").is_file(), suffix
    report = json.loads((tmp_path / "talk_es.report.json").read_text(encoding="utf-8"))
    assert report["sync"]["mouth_source"] == "espeak"
    assert {line["voice"]["variant"] for line in report["lines"]} == {"m3"}
    assert (tmp_path / "talk_es.lipsync-work" / "target.srt").is_file()
    timeline = (tmp_path / "talk_es.otio").read_text(encoding="utf-8")
    assert "talk_es.dub.wav" in timeline


@pytest.mark.parametrize(
    ("extra", "words"),
    [([], ["--subtitles"]), (["--subtitles", "missing.srt"], ["missing.srt"]),
     (["--subtitles", "{srt}", "--voice", "S1"], ["--voice", "SPEAKER=VOICE"]),
     (["--subtitles", "{srt}", "--from", "de"], ["English only"]),
     (["--subtitles", "{srt}", "--asr", "whisper"], ["--asr-model"]),
     (["--subtitles", "{srt}", "--preset", "warp9"], ["--preset", "warp9"])],
)  # fmt: skip
def test_bad_input_is_one_sentence(clip, tmp_path, capsys, extra, words):
    args = [a.replace("{srt}", str(clip.subtitles)) for a in extra]
    code = run(cli, ["translate", str(clip.video), "--to", "es", *args, "-o",
                     str(tmp_path / "o.mp4")])  # fmt: skip
    err = capsys.readouterr().err
    assert code in (EXIT_BAD_INPUT, 4), err
    assert "Traceback" not in err
    lines = [line for line in err.strip().splitlines() if line.startswith("lipsync: error:")]
    assert len(lines) == 1, err
    for word in words:
        assert word in lines[0]
    assert not (tmp_path / "o.mp4").exists()


def test_no_lipsync_at_crf_0_keeps_every_frame_as_decoded(clip, tmp_path):
    """--crf/--preset/--tune reach the plain re-mux too: at --crf 0 (lossless, tune none) the
    picture comes back exactly as decoded, only the sound changes."""
    import av
    import numpy as np

    out = tmp_path / "same.mp4"
    code = run(cli, ["-q", "translate", str(clip.video), "--to", "es", "--subtitles",
                     str(clip.subtitles), "--no-lipsync", "--crf", "0", "--preset", "ultrafast",
                     "--no-timeline", "-o", str(out)])  # fmt: skip
    assert code == 0

    def planes(path):
        with av.open(str(path)) as box:
            return [np.concatenate([np.asarray(p).ravel() for p in f.to_ndarray(format="yuv420p")])
                    for f in box.decode(video=0)]  # fmt: skip

    before, after = planes(clip.video), planes(out)
    assert len(before) == len(after)
    assert all(np.array_equal(a, b) for a, b in zip(before, after, strict=True))


def test_help_lists_the_backends():
    result = CliRunner().invoke(cli, ["translate", "--help"])
    assert result.exit_code == 0
    for word in ("--asr", "pocketsphinx", "whisper", "marian", "--no-lipsync", "--speakers"):
        assert word in result.output
