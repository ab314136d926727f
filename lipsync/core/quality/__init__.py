"""Quality: preflight checks before a run, measures of how well a video follows its speech
after it, and showing them (reports, plots, videos).

Before a run, :func:`quick_preflight` (the fast subset) or :func:`run_preflight`; after it,
:func:`analyse_run`; :func:`render_html` for a self-contained page of either or both.
"""

from lipsync.core.quality.checks import FAIL, PASS, WARN, Check, TimeRange
from lipsync.core.quality.html_report import render_html, write_html
from lipsync.core.quality.preflight import (
    PreflightError,
    PreflightReport,
    format_check,
    quick_preflight,
    raise_on_failure,
    run_preflight,
)
from lipsync.core.quality.run_report import RunAnalysis, analyse_run

__all__ = [
    "FAIL",
    "PASS",
    "WARN",
    "Check",
    "PreflightError",
    "PreflightReport",
    "RunAnalysis",
    "TimeRange",
    "analyse_run",
    "format_check",
    "quick_preflight",
    "raise_on_failure",
    "render_html",
    "run_preflight",
    "write_html",
]
