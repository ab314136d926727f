"""What a timeline render did, clip by clip: JSON for tools, a summary for people."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

#: Clip outcomes, in the order the summary counts them.
RENDERED = "rendered"  # lip-synced now; the clip's media now is the render
REUSED = "reused"  # a render of exactly this picture and sound existed: linked, not rendered
UNCHANGED = "unchanged"  # picture and dub as at the last render: nothing to do
RESTORED = "restored"  # rendered before, but no dub plays over it now: original media back
SKIPPED = "skipped"  # left as it is, for the reason given
MISSING = "missing"  # its media (or the dub's) is not found: left as it is
FAILED = "failed"  # the render failed: left as it is, the reason given
STATUSES = (RENDERED, REUSED, UNCHANGED, RESTORED, SKIPPED, MISSING, FAILED)


@dataclass(frozen=True)
class ClipResult:
    """One item on the video track. Times in seconds on the timeline (record) or in the media
    (source); ``frames`` is the render's length, ``lip_synced`` how many of them changed."""

    timeline: str
    track: str
    index: int
    name: str
    status: str
    reason: str = ""
    source: str | None = None
    render: str | None = None
    record: tuple[float, float] | None = None
    frames: int | None = None
    lip_synced: int | None = None
    audio: tuple[dict, ...] = ()
    content_hash: str | None = None
    seconds: float = 0.0
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True)
class RenderReport:
    input: str
    output: str
    media_dir: str
    clips: tuple[ClipResult, ...]
    warnings: tuple[str, ...] = ()
    seconds: float = 0.0
    counts: dict[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not self.counts:
            counts = {s: sum(c.status == s for c in self.clips) for s in STATUSES}
            object.__setattr__(self, "counts", counts)

    def by_status(self, status: str) -> list[ClipResult]:
        return [c for c in self.clips if c.status == status]

    def to_json(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    def summary(self) -> str:
        """A few lines for a terminal: one per clip, then the counts and any warnings."""
        lines = [f"{self.input} -> {self.output} (renders in {self.media_dir})"]
        width = max((len(_label(c)) for c in self.clips), default=0)
        for c in self.clips:
            detail = c.reason
            if c.status in (RENDERED, REUSED) and c.frames is not None:
                synced = f", {c.lip_synced} lip-synced" if c.lip_synced is not None else ""
                detail = f"{c.frames} frames{synced} -> {c.render}" + (
                    f"; {c.reason}" if c.reason else ""
                )
            lines.append(f"  {_label(c):<{width}}  {c.status:<9}  {detail}".rstrip())
            lines += [f"  {'':<{width}}  {'':<9}  warning: {w}" for w in c.warnings]
        total = ", ".join(f"{n} {s}" for s, n in self.counts.items() if n)
        lines.append(f"{len(self.clips)} clips: {total or 'none'} ({self.seconds:.1f} s).")
        lines += [f"warning: {w}" for w in self.warnings]
        return "\n".join(lines)


def _label(c: ClipResult) -> str:
    return f'{c.track} #{c.index} "{c.name}"'
