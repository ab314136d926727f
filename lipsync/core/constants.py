"""Constants in one place, each derived from the others where it can be, units in comments."""

from __future__ import annotations

from fractions import Fraction

# --- Video encoding (core.media.writer) -------------------------------------------------------
DEFAULT_VIDEO_CODEC = "libx264"
#: ``--codec`` names and their encoders: H.264 (x264: --crf, --preset, --tune), Apple ProRes
#: (422 HQ, or 4444 for a 4:4:4 or RGB source; 10 bits) for editing, FFV1 (lossless) to archive
VIDEO_CODECS = {"h264": "libx264", "prores": "prores_ks", "dnxhr": "dnxhd", "ffv1": "ffv1"}
DEFAULT_CRF = 18  # x264 constant rate factor; 18 is visually lossless for most material
DEFAULT_PRESET = "medium"  # x264 preset, the same default as ffmpeg's
DEFAULT_TUNE = "film"  # x264 tune for live action: "auto" is it, except lossless (CRF 0)
DEFAULT_PIX_FMT = "yuv420p"  # the most widely playable H.264 layout
HIGH_BIT_DEPTH_PIX_FMT = "yuv420p10le"  # used when the source has more than 8 bits per sample

# --- Audio -------------------------------------------------------------------------------------
DEFAULT_AUDIO_CODEC = "aac"
DEFAULT_AUDIO_BITRATE = 192_000  # bit/s for the AAC dub track
AAC_MAX_SAMPLE_RATE = 96_000  # Hz; AAC supports 8 kHz .. 96 kHz
AUDIO_OUT_SAMPLE_RATE = 48_000  # Hz; the rate video audio is delivered at
SPEECH_SAMPLE_RATE = 16_000  # Hz; the rate speech analysis works at
AUDIO_CHUNK_SAMPLES = 1024  # samples per AAC frame (fixed by the codec)

# --- Rendering ---------------------------------------------------------------------------------
DEFAULT_RENDERER = "auto"  # the speaker's own mouths where the footage shows them, else the warp
LIVE_RENDERER = "warp"  # lipsync-filter --live without --renderer/--profile: the cheapest
DEFAULT_FACE_BACKEND = "onnx"  # shipped MediaPipe models on onnxruntime (core.face.backend)

# --- Timing ------------------------------------------------------------------------------------
DEFAULT_FPS = Fraction(25)  # frames/s assumed only when a stream declares no rate at all

# --- Provenance (container metadata written on every output) -----------------------------------
PROVENANCE_KEY = "synthetic_media"  # custom metadata key
PROVENANCE_TOOL_KEY = "lipsync_version"
PROVENANCE_COMMENT = "Synthetically lip-synced with lipsync {version}: the mouth was re-rendered."

# --- Mouth level (shared by speech analysis and the renderer) ---------------------------------
OPEN_AT_WIDE = 0.70  # 95th percentile of open x (1 - closure) over the speech of exact-timing
#   mouth tracks (espeak-ng events; 5 sentences in en/es/de/fr/it used nowhere else: 0.67-0.74).
#   Tracks from other sources are levelled to it; the renderer draws a speaker's own widest
#   ordinary opening there.

# --- Output files ------------------------------------------------------------------------------
TEMP_PREFIX = ".lipsync-tmp-"  # temporary outputs beside the destination start with this
STALE_TEMP_SECONDS = 60.0  # s untouched before a dead process's temporary output is removed

# Streaming
# s of video held back: each face is learnt before it is rendered. The `auto` renderer draws a
# face from its own mouths once the track has shown enough of them, and the first frames of a
# shot have only the lookahead's: at 1 s retalking_face3's true-mouth r was 0.24 over five
# phases (bench/true_mouth_phases.py), 0.32 at 2 s, 0.45 at 3 s (face1 0.62, 0.61, 0.61; a
# tuning set), and the held-out latentsync_demo3 rose from 0.18 to 0.27 (LMD 4.92 -> 4.77 %)
# at 3 s. Memory is the window's frames: about 3.5 bytes a pixel each held (the decoded planes
# and, for part of them, their RGB picture): peak RSS at 4K 25 fps 2788 MiB at 1 s, 4144 MiB at
# 3 s, 3568 MiB by default (2.3 s; bench/sync_throughput.py --lookahead-memory 3840x2160).
LOOKAHEAD_SECONDS = 3.0
# bytes of held frames (their planes, and 3 bytes a pixel for their RGB picture) the default
# lookahead takes at most: 3 s up to 1080p at 60 fps; 4K 25 fps 2.3 s, 4K 60 fps and 8K
# LOOKAHEAD_MIN_SECONDS (a given --lookahead is taken as it is)
LOOKAHEAD_MEMORY = 2 << 30
LOOKAHEAD_MIN_SECONDS = 1.0  # s; the default lookahead is never shorter (the old default)
MAX_LOOKAHEAD_SECONDS = 10.0  # s; memory is this many decoded frames
