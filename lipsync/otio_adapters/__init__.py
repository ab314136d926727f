"""OpenTimelineIO integration: the ``srt`` adapter plugin and the dub-timeline round trip.

OTIO imports this package for every file it reads (it is registered through the
``opentimelineio.plugins`` entry point, with ``plugin_manifest.json`` beside this file), so it
imports nothing itself: the adapter module is loaded by OTIO only when an ``.srt`` file is read
or written, and the timeline commands import :mod:`lipsync.otio_adapters.render` and
:mod:`lipsync.otio_adapters.dub_timeline` when they run. The plugin registers no hooks: a hook
would run on every OTIO read of the user's other files.
"""

from __future__ import annotations
