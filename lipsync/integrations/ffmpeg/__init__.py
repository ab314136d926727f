"""``lipsync-filter``: lip-sync frames piped between two ffmpeg processes.

    ffmpeg -i in.mp4 -f yuv4mpegpipe - | lipsync-filter --audio dub.wav | ffmpeg -i - out.mp4

stdin and stdout carry frames only (yuv4mpegpipe, NUT or rawvideo); logs and progress go to
stderr. See :func:`run_filter` for the library entry point.
"""

from __future__ import annotations

from lipsync.integrations.ffmpeg.filter import FORMATS, FilterResult, run_filter

__all__ = ["FORMATS", "FilterResult", "run_filter"]
