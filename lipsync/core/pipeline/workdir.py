"""The work directory: every stage's result cached under a key of what it depended on, so a
re-run redoes only what changed and an interrupted run loses nothing already done.

Layout (all JSON is UTF-8, every file written atomically)::

    WORK/
      asr.json              recognised segments            key: video, recogniser, language
      speakers.json         segments with speaker labels   key: the above, speaker source
      translation.json      segments with translations     key: the above, translator
      source.srt            recognised text (for reference)
      target.srt            the translation: edit it and re-run to redo only those lines
      voices.json           speaker -> voice map, reused by later runs (see ``voices``)
      lines/0007-<key>.wav  a fitted line (+ .wav.phones.json, + .json fit report)
      dub.wav               the dub alone, on the video's timeline (+ .phones.json)
      mix.wav               the dub over the ducked original, normalised (+ .phones.json)
      report.json           the run's report
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from lipsync.core.errors import InputError
from lipsync.core.media import make_folder, write_text

FORMAT_VERSION = 1

#: The files the work directory writes at its top level (besides ``reference-<speaker>.wav``).
WORK_FILES = (
    "asr.json",
    "speakers.json",
    "translation.json",
    "source_segments.json",
    "source.srt",
    "target.srt",
    "target_state.json",
    "voices.json",
    "dub.wav",
    "dub.wav.phones.json",
    "mix.wav",
    "mix.wav.phones.json",
    "report.json",
)
LINES_FOLDER = "lines"  # every file in it that the run does not need is deleted


def default_workdir(video: Path, output: Path | None) -> Path:
    """The work directory when none is given: beside the output (else the video), named
    after it: ``talk_es.mp4`` -> ``talk_es.lipsync-work``."""
    base = output or video
    return base.with_name(base.stem + ".lipsync-work")


def work_file_at(relative: Path) -> str | None:
    """The work file a path relative to the work directory is (its name), or None when the
    work directory leaves that path alone."""
    parts = relative.parts
    if not parts:
        return None
    if parts[0] == LINES_FOLDER:
        return str(relative)
    name = parts[0] if len(parts) == 1 else ""
    if name in WORK_FILES or (name.startswith("reference-") and name.endswith(".wav")):
        return name
    return None


def cache_key(*parts: Any) -> str:
    """A short stable hex key of JSON-serialisable ``parts``."""
    text = json.dumps([FORMAT_VERSION, *parts], sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def text_digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class WorkDir:
    """A folder of cached stage results (see the module docstring)."""

    def __init__(self, root: str | Path) -> None:
        self.root = make_folder(root, "the work directory", "--workdir")
        make_folder(self.root / "lines", "the work directory", "--workdir")

    def path(self, name: str) -> Path:
        return self.root / name

    def read_json(self, name: str) -> Any | None:
        """The JSON document ``name``, or None when it does not exist."""
        p = self.path(name)
        if not p.is_file():
            return None
        try:
            return json.loads(p.read_text(encoding="utf-8"))
        except (ValueError, UnicodeDecodeError) as e:
            raise InputError(
                f"The work file '{p}' is damaged ({e}): delete it to redo that stage."
            ) from e

    def write_json(self, name: str, data: Any) -> Path:
        return write_text(self.path(name), json.dumps(data, indent=1, ensure_ascii=False) + "\n")

    def cached(self, name: str, key: str) -> dict[str, Any] | None:
        """The document ``name`` if it was made under ``key``, else None."""
        doc = self.read_json(name)
        if isinstance(doc, dict) and doc.get("key") == key:
            return doc
        return None

    def line_audio(self, index: int, key: str) -> Path:
        return self.root / "lines" / f"{index:04d}-{key}.wav"

    def line_report(self, index: int, key: str) -> Path:
        return self.root / "lines" / f"{index:04d}-{key}.json"
