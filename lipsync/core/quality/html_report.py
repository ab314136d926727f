"""The HTML report: one self-contained file (styles and images inline, no scripts), readable
from disk without a server. Pure string building; :func:`write_html` writes it atomically."""

from __future__ import annotations

import base64
import html
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from lipsync.core.quality.checks import FAIL, PASS, WARN, Check, summarise
from lipsync.core.quality.preflight import PreflightReport
from lipsync.core.quality.run_report import RunAnalysis

STATUS_LABEL = {PASS: "pass", WARN: "warning", FAIL: "fail"}
REASONS = {  # lipsync.core.selection's pass-through reasons, for people
    "no_face": "no face found",
    "too_small": "face too small",
    "turned_away": "head turned away",
    "outside_range": "outside --start/--end",
    "face_not_selected": "the chosen face was not in frame",
    "in_dissolve": "inside a dissolve (two faces at once)",
}
STYLE = """
body { font: 15px/1.45 system-ui, sans-serif; margin: 2em auto; max-width: 1100px;
       padding: 0 1em; color: #222; }
h1 { font-size: 1.6em; margin-bottom: .2em; } h2 { margin-top: 1.6em; }
.meta { color: #555; margin: 0; } .meta code { color: #222; }
table { border-collapse: collapse; width: 100%; margin: .6em 0; }
th, td { text-align: left; vertical-align: top; padding: .35em .6em;
         border-bottom: 1px solid #ddd; }
th { background: #f4f4f4; }
.pill { display: inline-block; min-width: 4.5em; text-align: center; border-radius: 1em;
        padding: .05em .6em; font-weight: 600; font-size: .85em; color: #fff; }
.pass { background: #2e7d32; } .warn { background: #ef8f00; } .fail { background: #c62828; }
.summary { font-size: 1.1em; margin: .6em 0; }
.where { color: #555; font-size: .9em; }
.thumbs { display: flex; flex-wrap: wrap; gap: 1.2em; }
figure { margin: 0; } figcaption { color: #555; font-size: .9em; }
.pair { display: flex; gap: .3em; } .pair img { border: 1px solid #ccc; }
img.plot { max-width: 100%; border: 1px solid #ddd; }
"""


def render_html(
    preflight: PreflightReport | None = None,
    run: RunAnalysis | None = None,
    sync: Mapping[str, Any] | None = None,
    title: str = "lipsync report",
) -> str:
    """The report page: the preflight checks, and the run's measures when given. ``sync`` is
    the run report as JSON (``SyncReport.to_json()``) for the files and settings."""
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{_e(title)}</title><style>{STYLE}</style></head><body>",
        f"<h1>{_e(title)}</h1>",
        _files(preflight, sync),
    ]
    if preflight is not None:
        parts.append(_preflight(preflight))
    if run is not None:
        parts.append(_run(run, sync or {}))
    parts.append("</body></html>")
    return "\n".join(p for p in parts if p) + "\n"


def write_html(path: str | Path, page: str, inputs: Iterable[str | Path] = ()) -> Path:
    """Write ``page`` to ``path`` atomically; ``inputs`` are never overwritten."""
    from lipsync.core.media import write_text

    return write_text(path, page, inputs)


def _files(preflight: PreflightReport | None, sync: Mapping[str, Any] | None) -> str:
    rows = []
    source = dict(sync or {})
    if preflight is not None:
        source.setdefault("video", preflight.video)
        source.setdefault("audio", preflight.audio)
    for key in ("video", "audio", "output"):
        if source.get(key):
            rows.append(f'<p class="meta">{key}: <code>{_e(source[key])}</code></p>')
    return "\n".join(rows)


def _preflight(report: PreflightReport) -> str:
    kind = "quick check" if report.quick else "full check"
    summary = (
        f'<p class="summary">{_pill(report.status)} {summarise(report.checks)} '
        f"({kind}, {report.seconds:.1f} s).</p>"
    )
    rows = "\n".join(_check_row(c) for c in report.checks)
    return (
        '<section id="preflight"><h2>Preflight checks</h2>'
        f"{summary}<table><thead><tr><th>Status</th><th>Check</th><th>Finding</th>"
        f"<th>Advice</th></tr></thead><tbody>\n{rows}\n</tbody></table></section>"
    )


def _check_row(c: Check) -> str:
    where = f'<div class="where">at {_e(c.describe_ranges(8))}</div>' if c.ranges else ""
    if c.status == PASS and c.name not in ("speech", "several_faces"):
        where = ""
    return (
        f'<tr id="check-{_e(c.name)}"><td>{_pill(c.status)}</td><td>{_e(c.title)}</td>'
        f"<td>{_e(c.message)}{where}</td><td>{_e(c.advice)}</td></tr>"
    )


def _run(run: RunAnalysis, sync: Mapping[str, Any]) -> str:
    passed = sum(run.passed_through.values())
    reasons = ", ".join(
        f"{n} {REASONS.get(k, k.replace('_', ' '))}" for k, n in sorted(run.passed_through.items())
    )
    rows = [
        ("Frames processed", f"{run.frames}"),
        ("Lip-synced", f"{run.rendered}"),
        ("Passed through untouched", f"{passed}" + (f" ({reasons})" if reasons else "")),
    ]
    for key, label in (("renderer", "Renderer"), ("mouth_source", "Mouth timing from")):
        if sync.get(key):
            rows.append((label, str(sync[key])))
    off = run.offset
    if off.correlation == off.correlation:  # not NaN
        rows.append(
            (
                "Audio-visual offset",
                f"{off.seconds * 1000:+.0f} ms ({off.frames:+d} frames), r = {off.correlation:.2f}"
                " (mouth opening against the speech; about 0 after a good sync, positive: the "
                "mouth is late)",
            )
        )
    else:
        rows.append(("Audio-visual offset", "not measured (no face or no speech)"))
    for warning in sync.get("warnings", ()) or ():
        rows.append(("Warning", str(warning)))
    table = "".join(f"<tr><th>{_e(k)}</th><td>{_e(v)}</td></tr>" for k, v in rows)
    return (
        '<section id="run"><h2>Run</h2>'
        f"<table><tbody>{table}</tbody></table>{_shots(run)}{_thumbs(run)}{_plot(run)}</section>"
    )


def _shots(run: RunAnalysis) -> str:
    if not run.shots:
        return ""
    rows = []
    for s in run.shots:
        r = "–" if s.correlation != s.correlation else f"{s.correlation:.2f}"
        rows.append(
            f"<tr><td>{s.index + 1}</td><td>{s.start:.2f}–{s.end:.2f} s (frames {s.first_frame}"
            f"–{s.last_frame})</td><td>{s.face_share:.0%}</td><td>{s.landmark_confidence:.2f}"
            f"</td><td>{r}</td><td><strong>{s.confidence:.2f}</strong></td></tr>"
        )
    return (
        '<h3 id="shots">Per-shot confidence</h3><table><thead><tr><th>Shot</th><th>Time</th>'
        "<th>Face found</th><th>Landmark confidence</th><th>Sync r</th><th>Confidence</th>"
        f"</tr></thead><tbody>{''.join(rows)}</tbody></table>"
    )


def _thumbs(run: RunAnalysis) -> str:
    if not run.thumbnails:
        return ""
    figures = "".join(
        f'<figure><div class="pair"><img alt="before, frame {t.frame}" src="{_png(t.before)}">'
        f'<img alt="after, frame {t.frame}" src="{_png(t.after)}"></div>'
        f"<figcaption>frame {t.frame} ({t.time:.2f} s): before | after</figcaption></figure>"
        for t in run.thumbnails
    )
    return (
        '<h3 id="thumbnails">Before and after, at the widest mouth openings</h3>'
        f'<div class="thumbs">{figures}</div>'
    )


def _plot(run: RunAnalysis) -> str:
    if not run.plot:
        return ""
    return (
        '<h3 id="plot">Mouth opening against the speech</h3>'
        f'<img class="plot" alt="mouth opening against the speech" src="{_png(run.plot)}">'
    )


def _pill(status: str) -> str:
    return f'<span class="pill {status}">{STATUS_LABEL[status]}</span>'


def _png(data: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(data).decode("ascii")


def _e(text: Any) -> str:
    return html.escape(str(text), quote=True)
