"""The ``srt`` OTIO adapter: SubRip to and from markers, byte for byte, through the plugin."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import opentimelineio as otio
import pytest
from clitools import script
from otio_adapters.otiotools import tr

from lipsync.core.errors import InputError
from lipsync.otio_adapters.errors import SrtError
from lipsync.otio_adapters.subtitles import (
    detect_speaker,
    format_srt,
    language_from_path,
    parse_srt,
    srt_from_otio,
)

PLAIN = "1\n00:00:01,000 --> 00:00:02,500\nHola.\n\n2\n00:00:03,000 --> 00:00:04,250\nAdiós.\n"

WELL_FORMED = {
    "plain": PLAIN.encode(),
    "crlf_bom_blank_end": (
        "\ufeff1\r\n00:00:00,040 --> 00:00:01,960\r\nMARÍA: ¿Dónde está?\r\nLínea dos.\r\n\r\n"
        "2\r\n00:00:02,000 --> 00:00:02,000\r\n[Juan] Aquí.\r\n\r\n"
    ).encode(),
    "no_final_newline_and_settings": (
        b"7\n00:00:01,000 --> 00:00:02,000 X1:40 X2:600 Y1:20 Y2:50\n<i>one</i>\n\n"
        b"9\n100:59:59,999 --> 101:00:00,000\ntwo"
    ),
    "dot_decimal_and_empty_cue": (
        "1\n00:00:01.000 --> 00:00:02.000\n\n2\n00:00:03.000 --> 00:00:04.000\n<v Ana>Sí.\n"
    ).encode(),
    "empty": b"",
}


@pytest.mark.parametrize("name", sorted(WELL_FORMED))
def test_well_formed_files_come_back_byte_for_byte(name, tmp_path):
    data = WELL_FORMED[name]
    src = tmp_path / f"{name}.srt"
    src.write_bytes(data)
    timeline = otio.adapters.read_from_file(str(src))
    through_json = otio.adapters.read_from_string(otio.adapters.write_to_string(timeline))
    out = tmp_path / "out.srt"
    otio.adapters.write_to_file(through_json, str(out))
    assert out.read_bytes() == data
    assert format_srt(parse_srt(data)) == data


def test_cues_are_markers_with_text_speaker_language(tmp_path):
    src = tmp_path / "film.es.srt"
    src.write_bytes(WELL_FORMED["crlf_bom_blank_end"])
    timeline = otio.adapters.read_from_file(str(src))
    assert timeline.name == "film"
    first, second = timeline.tracks.markers
    assert first.marked_range == otio.opentime.TimeRange(
        otio.opentime.RationalTime(40, 1000), otio.opentime.RationalTime(1920, 1000)
    )
    assert first.name == "MARÍA: ¿Dónde está? Línea dos."
    info = dict(first.metadata["lipsync"]["subtitle"])
    assert info == {
        "text": "MARÍA: ¿Dónde está?\nLínea dos.",
        "speaker": "MARÍA",
        "language": "es",
        "index": 1,
    }
    assert second.metadata["lipsync"]["subtitle"]["speaker"] == "Juan"
    given = otio.adapters.read_from_file(str(src), language="pt-BR")
    assert given.tracks.markers[0].metadata["lipsync"]["subtitle"]["language"] == "pt-BR"


def test_speaker_and_language_detection():
    assert detect_speaker("JOHN SMITH: Hello") == "JOHN SMITH"
    assert detect_speaker("ÉLODIE: Salut") == "ÉLODIE"
    assert detect_speaker("12:30: time") is None
    assert detect_speaker("[Narrator] Once") == "Narrator"
    assert detect_speaker("<v.loud Ana>Hi") == "Ana"
    assert detect_speaker("Note: lowercase names are text") is None
    assert detect_speaker("- Hi\n- Hello") is None
    assert language_from_path("a/film.es.srt") == "es"
    assert language_from_path("film.pt-BR.srt") == "pt-BR"
    assert language_from_path("film.final.srt") is None
    assert language_from_path("film.srt") is None


MALFORMED = [
    ("1\n00:00:01,000 -> 00:00:02,000\nx\n", 2, "not a timing line"),
    ("one\n00:00:01,000 --> 00:00:02,000\nx\n", 1, "expected a cue number, found 'one'"),
    ("1\n00:00:01,000 --> 00:00:02,000\nx\n\n2\n00:00:05,000 --> 00:00:04,000\ny\n", 6,
     "ends before"),
    ("1\n00:00:01,000 --> 00:00:02,000\nx\n\n2\n", 5, "no timing line"),
    ("1\n00:61:01,000 --> 00:62:02,000\nx\n", 2, "above 59"),
    ("1\n00:00:01,000 --> 00:00:02,000\nx\ny\nz\n\n\n\nHello\n", 9, "found 'Hello'"),
]  # fmt: skip


@pytest.mark.parametrize(("text", "line", "words"), MALFORMED)
def test_malformed_cues_name_the_line(text, line, words, tmp_path):
    path = tmp_path / "bad.srt"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(SrtError) as info:
        otio.adapters.read_from_file(str(path))
    message = str(info.value)
    assert f"line {line}:" in message and words in message and "bad.srt" in message
    assert isinstance(info.value, InputError) and isinstance(info.value, otio.exceptions.OTIOError)


def test_other_encodings(tmp_path):
    path = tmp_path / "latin.srt"
    data = "1\n00:00:01,000 --> 00:00:02,000\nCañón\n".encode("cp1252")
    path.write_bytes(data)
    with pytest.raises(SrtError, match=r"not utf-8 text \(line 3\).*encoding=cp1252"):
        otio.adapters.read_from_file(str(path))
    timeline = otio.adapters.read_from_file(str(path), encoding="cp1252")
    assert timeline.tracks.markers[0].metadata["lipsync"]["subtitle"]["text"] == "Cañón"
    out = tmp_path / "back.srt"
    otio.adapters.write_to_file(timeline, str(out))
    assert out.read_bytes() == data


def test_markers_from_other_tools_and_from_tracks():
    track = otio.schema.Track("Subs")
    track.markers.append(otio.schema.Marker("Second", tr(50, 25)))
    track.markers.append(otio.schema.Marker("First", tr(0, 25), metadata={"x": 1}))
    text = otio.adapters.write_to_string(track, "srt")
    assert text == (
        "1\n00:00:00,000 --> 00:00:01,000\nFirst\n\n2\n00:00:02,000 --> 00:00:03,000\nSecond\n"
    )
    timeline = otio.schema.Timeline("t")
    timeline.tracks.append(track)  # no markers on the stack: the first track with markers
    assert srt_from_otio(timeline).cues[0].text == "First"
    timeline.tracks.markers.append(otio.schema.Marker("Stack", tr(0, 1)))
    assert [c.text for c in srt_from_otio(timeline).cues] == ["Stack"]
    bad = otio.schema.Marker("a", tr(0, 1), metadata={"lipsync": {"subtitle": {"text": "a\n\nb"}}})
    track.markers.append(bad)
    with pytest.raises(SrtError, match="blank line"):
        otio.adapters.write_to_string(track, "srt")
    with pytest.raises(SrtError, match="no markers"):
        srt_from_otio(otio.schema.ExternalReference())


def test_otioconvert_round_trip(tmp_path):
    src = tmp_path / "film.es.srt"
    src.write_bytes(WELL_FORMED["crlf_bom_blank_end"])
    convert = script("otioconvert")
    one = subprocess.run([convert, "-i", str(src), "-o", str(tmp_path / "a.otio")],
                         capture_output=True, text=True, check=False)  # fmt: skip
    assert one.returncode == 0, one.stderr
    data = json.loads((tmp_path / "a.otio").read_text())
    assert data["tracks"]["markers"][0]["metadata"]["lipsync"]["subtitle"]["language"] == "es"
    two = subprocess.run([convert, "-i", str(tmp_path / "a.otio"), "-o", str(tmp_path / "b.srt")],
                         capture_output=True, text=True, check=False)  # fmt: skip
    assert two.returncode == 0, two.stderr
    assert (tmp_path / "b.srt").read_bytes() == src.read_bytes()


def test_plugin_registers_one_adapter_and_no_hooks():
    manifest_path = (
        Path(__file__).resolve().parents[2] / "lipsync/otio_adapters/plugin_manifest.json"
    )
    manifest = json.loads(manifest_path.read_text())
    assert [a["name"] for a in manifest["adapters"]] == ["srt"]
    assert set(manifest) == {"OTIO_SCHEMA", "adapters"}  # no hooks, linkers or schemadefs
    active = otio.plugins.ActiveManifest()
    adapter = next(a for a in active.adapters if a.name == "srt")
    assert Path(adapter.module_abs_path()).name == "srt_adapter.py"
    ours = [s for s in active.source_files if "lipsync" in s]
    assert ours, active.source_files
    for hook_scripts in active.hooks.values():
        assert not any("lipsync" in name for name in hook_scripts)


def test_reading_other_files_stays_light(tmp_path):
    path = tmp_path / "plain.otio"
    otio.adapters.write_to_file(otio.schema.Timeline("t"), str(path))
    code = (
        "import sys, opentimelineio as otio\n"
        f"otio.adapters.read_from_file({str(path)!r})\n"
        "print(sorted(m for m in sys.modules if m.startswith('lipsync') or m in ('av', 'numpy')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "['lipsync', 'lipsync.otio_adapters']", out.stderr
