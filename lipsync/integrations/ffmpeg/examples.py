"""Ready-to-paste command lines for ``lipsync-filter --example`` (pure text)."""

from __future__ import annotations

EXAMPLES = """\
# yuv4mpegpipe (the default): size, rate and colour travel in the stream header
ffmpeg -i interview.mp4 -f yuv4mpegpipe - \\
  | lipsync-filter --audio dub_es.wav \\
  | ffmpeg -f yuv4mpegpipe -i - -i dub_es.wav -map 0:v -map 1:a -c:v libx264 -crf 18 \\
      -c:a aac interview_es.mp4

# 10-bit or 4:2:2 sources keep their depth and chroma (ffmpeg needs -strict -1 for p16)
ffmpeg -i master.mov -pix_fmt yuv422p16le -strict -1 -f yuv4mpegpipe - \\
  | lipsync-filter --audio dub_es.wav \\
  | ffmpeg -f yuv4mpegpipe -i - -c:v prores_ks -profile:v 3 master_es.mov

# NUT: the dub travels in the same pipe as a second stream and comes out with the video
ffmpeg -i interview.mp4 -i dub_es.wav -map 0:v -map 1:a -c:v rawvideo -c:a pcm_s16le -f nut - \\
  | lipsync-filter --format nut --audio-from-stream \\
  | ffmpeg -f nut -i - -c:v libx264 -crf 18 -c:a aac interview_es.mp4

# rawvideo: no header, so give the same size, rate and pixel format on every side
ffmpeg -i interview.mp4 -f rawvideo -pix_fmt rgb24 - \\
  | lipsync-filter --format raw --size 1920x1080 --rate 25 --pix-fmt rgb24 --audio dub_es.wav \\
  | ffmpeg -f rawvideo -pix_fmt rgb24 -s 1920x1080 -r 25 -i - -c:v libx264 interview_es.mp4
"""
