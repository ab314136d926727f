"""The Resolve action's choices, kept in a small JSON file between runs.

Where Resolve offers script dialogs, the dialog starts from these values and saves what the
editor picked; where it offers none (free editions since 19.1), the action uses them as they
are and says so. Every key is optional; a missing or null value means the default::

    {
      "video_track": null,      # the picture track: a name or "V2"; default: the dub-timeline
      "dub_track": null,        #   conventions ("Picture"/"Dub", else the first video track)
      "renderer": "auto",       # or "exemplar", "warp", "wav2lip"/"musetalk" (with "model")
      "model": null,
      "output_dir": null,       # default: ~/lipsync/Resolve
      "placement": "track",     # "track": renders on a new video track; "timeline": a new timeline
      "handles": 12,
      "allow_no_face": false,
      "codec": "h264"           # the renders' codec: "h264" or "prores" (422 HQ)
    }

Standard library only (Python 3.7+): this module also runs inside Resolve's own Python.
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import asdict, dataclass, fields, replace
from pathlib import Path
from typing import Any

from lipsync.core.errors import SettingsError  # standard library only, like this module

TRACK, TIMELINE = "track", "timeline"
PLACEMENTS = (TRACK, TIMELINE)
#: lipsync.core.render.registry's names (a test holds them equal; this module cannot import it)
RENDERERS = ("auto", "exemplar", "musetalk", "warp", "wav2lip")
DEFAULT_HANDLES = 12  # frames; as `lipsync timeline render`
#: the renders' codecs: lipsync.core.constants.VIDEO_CODECS but FFV1, which a .mov cannot hold
#: (a test holds them so)
CODECS = ("h264", "prores", "dnxhr")


@dataclass(frozen=True)
class Settings:
    video_track: str | None = None
    dub_track: str | None = None
    renderer: str = "auto"  # lipsync.core.constants.DEFAULT_RENDERER
    model: str | None = None
    output_dir: str | None = None
    placement: str = TRACK
    handles: int = DEFAULT_HANDLES
    allow_no_face: bool = False
    codec: str = "h264"

    def check(self, where: str = "the settings") -> Settings:
        """Self, or :class:`SettingsError` naming the first unusable value."""
        if self.placement not in PLACEMENTS:
            raise SettingsError(
                f"{where}: placement {self.placement!r} is not one of {', '.join(PLACEMENTS)}."
            )
        if not isinstance(self.handles, int) or isinstance(self.handles, bool):
            raise SettingsError(f"{where}: handles {self.handles!r} is not a whole number.")
        if self.handles < 0:
            raise SettingsError(f"{where}: handles {self.handles} is negative: give 0 or more.")
        if not isinstance(self.allow_no_face, bool):
            raise SettingsError(f"{where}: allow_no_face must be true or false.")
        for name in ("video_track", "dub_track", "model", "output_dir"):
            value = getattr(self, name)
            if value is not None and not isinstance(value, str):
                raise SettingsError(f"{where}: {name} {value!r} must be text or null.")
        if self.codec not in CODECS:
            raise SettingsError(f"{where}: codec {self.codec!r} is not one of {', '.join(CODECS)}.")
        if not isinstance(self.renderer, str) or not self.renderer:
            raise SettingsError(f"{where}: renderer must be a name such as 'warp'.")
        return self

    def merged(self, **changes: Any) -> Settings:
        """A copy with the given values changed; ``None`` values leave a field as it is."""
        given = {k: v for k, v in changes.items() if v is not None}
        return replace(self, **given).check()

    def to_json(self) -> dict:
        return asdict(self)


def from_json(data: object, where: str) -> Settings:
    if not isinstance(data, dict):
        raise SettingsError(f'{where} must hold a JSON object ({{"renderer": "warp", …}}).')
    known = {f.name for f in fields(Settings)}
    unknown = sorted(set(data) - known)
    if unknown:
        raise SettingsError(
            f"{where} has unknown setting(s) {', '.join(unknown)}: the known ones are "
            f"{', '.join(sorted(known))}."
        )
    values = {k: v for k, v in data.items() if v is not None}
    handles = values.get("handles")
    if isinstance(handles, float) and handles.is_integer():
        values["handles"] = int(handles)
    return Settings(**values).check(where)


def load(path: str | os.PathLike) -> Settings:
    """The settings in ``path``; the defaults when it does not exist."""
    path = Path(path)
    where = f"The settings file '{path}'"
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return Settings()
    except OSError as e:
        raise SettingsError(f"{where} cannot be read ({e.strerror}).") from e
    try:
        data = json.loads(text) if text.strip() else {}
    except ValueError as e:
        raise SettingsError(f"{where} is not valid JSON ({e}): fix or delete it.") from e
    return from_json(data, where)


def save(path: str | os.PathLike, settings: Settings) -> Path:
    """Write ``settings`` to ``path`` atomically (a temporary file renamed into place)."""
    text = json.dumps(settings.check().to_json(), indent=2) + "\n"
    return write_atomic(Path(path), text)


def write_atomic(path: Path, text: str) -> Path:
    """Write ``text`` to ``path`` through a temporary file beside it, renamed when complete."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix="." + path.name + ".", suffix=".tmp", dir=str(path.parent))
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as f:
            f.write(text)
        os.replace(tmp, str(path))
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    return path
