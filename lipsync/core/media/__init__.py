"""Media I/O: the only part of the engine that opens media files (PyAV).

Frames are ``uint8 (H, W, 3)`` RGB, upright; audio is ``float32`` at a named rate.
"""

from __future__ import annotations

from lipsync.core.media.atomic import atomic_output, check_output_path, make_folder, write_text
from lipsync.core.media.audio import iter_audio, load_audio, save_audio
from lipsync.core.media.container import check_input_path
from lipsync.core.media.probe import (
    AudioStreamInfo,
    MediaInfo,
    VideoStreamInfo,
    frame_times,
    new_video_info,
    probe,
)
from lipsync.core.media.video_reader import VideoFrame, VideoReader, iter_frames, open_video
from lipsync.core.media.writer import AUDIO_MODES, EncodeOptions, VideoWriter, WriteResult

__all__ = [
    "AUDIO_MODES",
    "AudioStreamInfo",
    "EncodeOptions",
    "MediaInfo",
    "VideoFrame",
    "VideoReader",
    "VideoStreamInfo",
    "VideoWriter",
    "WriteResult",
    "atomic_output",
    "check_input_path",
    "check_output_path",
    "frame_times",
    "iter_audio",
    "iter_frames",
    "load_audio",
    "make_folder",
    "new_video_info",
    "open_video",
    "probe",
    "save_audio",
    "write_text",
]
