"""The doors into the engine from other tools: the ffmpeg filter and the DaVinci Resolve
action. Each is a thin translation of its world into calls of :mod:`lipsync.core`."""
