"""Preflight checks of the picture: resolution, faces (size, presence, how many), head pose and
motion, mouth occlusion, and the lighting of the face.

The checks work on :class:`VideoSamples` (a few frames per second, from
:mod:`~lipsync.core.quality.sampling`), never on the whole video. Per sample the main face is
the largest one, the face ``--face largest`` lip-syncs. A check warns when at least
:data:`WARN_SHARE` of the face samples show the problem and fails when at least
:data:`FAIL_SHARE` show its severe form (pure functions, no I/O).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from lipsync.core.media.probe import top_field_first
from lipsync.core.quality.checks import FAIL, PASS, WARN, Check, time_range, worst
from lipsync.core.quality.sampling import VideoSamples
from lipsync.core.selection import MAX_ABS_YAW, MIN_FACE_HEIGHT

WARN_SHARE = 0.1  # share of face samples with a problem from which a check warns
FAIL_SHARE = 0.5  # share of face samples with a severe problem from which a check fails
HD_LINES = 720  # px, the shorter side of 720p
MIN_LINES = 240  # px; below this the mouth is a handful of pixels at any framing
SMALL_FACE_HEIGHT = 96.0  # px; learned renderers work on 96 px face crops (Wav2Lip)
PRESENCE_WARN = 0.9  # share of samples with a face below which the check warns
YAW_WARN = 25.0  # degrees; beyond this the far side of the mouth is foreshortened
PITCH_WARN = 25.0  # degrees; beyond this the lips are seen from above or below
ROLL_WARN = 30.0  # degrees; learned renderers expect an upright face
MOTION_WARN = 2.0  # face heights/s; faster motion blurs the mouth and the landmarks
TURN_WARN = 120.0  # degrees/s of yaw, pitch or roll; faster turns do the same
MOTION_MAX_STEP = 0.5  # s; sparser samples cannot see motion (the check is skipped)
OCCLUDED_CONFIDENCE = 0.5  # landmark confidence below which the mouth is hidden or lost
MOUTH_RATIO_RANGE = (0.5, 1.6)  # mouth width / eye distance outside which lips are misplaced
DARK_LUMA = 50.0  # median face luma 0..255 below which the face is under-exposed
VERY_DARK_LUMA = 20.0  # ... below which the mouth cannot be seen
BRIGHT_LUMA = 215.0  # median face luma above which the face is over-exposed
CLIPPED_SHARE = 0.25  # share of face pixels at 250+ from which the face is over-exposed
SHADOW_SIDE_RATIO = 0.5  # darker over brighter half of the face below which a shadow is harsh
SHADOW_CONTRAST = 6.0  # 95th over 5th percentile face luma above which shadows are harsh


def check_resolution(v: VideoSamples) -> Check:
    """Below 720p the lower face has too few pixels for a convincing mouth."""
    lines = min(v.width, v.height)
    status = FAIL if lines < MIN_LINES else WARN if lines < HD_LINES else PASS
    advice = {
        PASS: "",
        WARN: "Use the 720p or larger master if there is one: the mouth will look soft.",
        FAIL: "Use a larger master: at this size the mouth is a few pixels across.",
    }[status]
    return Check(
        name="resolution",
        title="Resolution",
        group="video",
        status=status,
        advice=advice,
        message=f"{v.width}x{v.height} ({lines}p){'' if lines >= HD_LINES else ', below 720p'}.",
        values={"width": v.width, "height": v.height},
        ranges=(time_range(0.0, v.duration, v.fps),) if status != PASS else (),
    )


def check_interlacing(v: VideoSamples) -> Check:
    """Interlaced footage keeps its field order, but its new mouth is drawn a frame at a time."""
    base: dict[str, Any] = dict(name="interlacing", title="Interlacing", group="video")
    if v.field_order == "progressive":
        return Check(
            **base, status=PASS, message="Progressive.", values={"field_order": "progressive"}
        )
    first = "top" if top_field_first(v.field_order) else "bottom"
    return Check(
        **base,
        status=WARN,
        message=f"Interlaced, {first} field first ({v.field_order}): the output is coded "
        f"interlaced in the same field order, but the new mouth is drawn a frame at a time, "
        f"both fields alike (it moves {v.fps:g} times a second, not {2 * v.fps:g}).",
        advice="For a mouth that moves with every field, deinterlace to double rate first "
        "(ffmpeg -vf bwdif=mode=send_field) and lip-sync that.",
        values={"field_order": v.field_order},
        ranges=(time_range(0.0, v.duration, v.fps),),
    )


def check_face_size(v: VideoSamples) -> Check:
    """Faces smaller than the renderer can use pass through; small ones render soft."""
    times, faces = v.main_faces()
    base = dict(name="face_size", title="Face size", group="video")
    if not faces:
        return _no_faces(base)
    heights = np.array([f.height for f in faces])
    tiny, small = heights < MIN_FACE_HEIGHT, heights < SMALL_FACE_HEIGHT
    status = _share_status(small, tiny)
    median = float(np.median(heights))
    message = f"The face is {median:.0f} px high (median; smallest {heights.min():.0f} px)."
    advice = {
        PASS: "",
        WARN: f"Faces under {SMALL_FACE_HEIGHT:.0f} px render soft: use a closer shot or a "
        "larger master.",
        FAIL: f"Faces under {MIN_FACE_HEIGHT:.0f} px are passed through untouched: use a closer "
        "shot or a larger master.",
    }[status]
    return Check(
        **base,
        status=status,
        message=message,
        advice=advice,
        ranges=v.ranges(times, small),
        values={"median_height": median, "min_height": float(heights.min())},
    )


def check_face_presence(v: VideoSamples) -> Check:
    """How much of the clip shows a face at all."""
    has = np.array([bool(s.faces) for s in v.samples])
    share = float(has.mean()) if has.size else 0.0
    status = FAIL if not has.any() else WARN if share < PRESENCE_WARN else PASS
    advice = {
        PASS: "",
        WARN: "Frames without a face pass through untouched: check the listed stretches.",
        FAIL: "No face was found: lip-sync needs a visible, roughly frontal face.",
    }[status]
    return Check(
        name="face_presence",
        title="Face presence",
        group="video",
        status=status,
        message=f"A face is visible in {share:.0%} of the sampled frames.",
        advice=advice,
        ranges=v.ranges(v.times, ~has) if status != PASS else (),
        values={"share": share, "samples": len(v.samples)},
    )


def check_several_faces(v: VideoSamples) -> Check:
    """Several faces at once: the user should say whose mouth speaks."""
    counts = np.array([len(s.faces) for s in v.samples])
    several = counts >= 2
    base: dict[str, Any] = dict(name="several_faces", title="Several faces", group="video")
    if not several.any():
        return Check(**base, status=PASS, message="At most one face in frame.")
    where: dict[int, list[float]] = {}
    for s in v.samples:
        if len(s.faces) >= 2:
            for f in s.faces:
                where.setdefault(f.track_id, []).append((f.box[0] + f.box[2]) / 2 / v.width)
    faces = ", ".join(f"{tid} at {np.median(x):.0%} of the width" for tid, x in where.items())
    return Check(
        **base,
        status=WARN,
        ranges=v.ranges(v.times, several),
        message=f"Up to {counts.max()} faces in frame (ids {faces}).",
        advice="The largest face is lip-synced: pick the speaker with --face ID "
        "(ids as `lipsync faces VIDEO --preview preview.mp4` shows them).",
        values={
            "max_faces": int(counts.max()),
            "share": float(several.mean()),
            "ids": sorted(where),
        },
    )


def check_head_pose(v: VideoSamples) -> Check:
    """Yaw and pitch (and roll) of the main face against what the renderer handles."""
    times, faces = v.main_faces()
    base = dict(name="head_pose", title="Head turned", group="video")
    if not faces:
        return _no_faces(base)
    yaw = np.abs([f.yaw for f in faces])
    pitch = np.abs([f.pitch for f in faces])
    roll = np.abs([f.roll for f in faces])
    away = yaw > MAX_ABS_YAW
    turned = (yaw > YAW_WARN) | (pitch > PITCH_WARN) | (roll > ROLL_WARN)
    status = _share_status(turned, away)
    p90 = {
        k: float(np.percentile(a, 90)) for k, a in (("yaw", yaw), ("pitch", pitch), ("roll", roll))
    }
    message = (
        f"Head turn (90th percentile): yaw {p90['yaw']:.0f}°, pitch {p90['pitch']:.0f}°, "
        f"roll {p90['roll']:.0f}°; beyond the limits in {turned.mean():.0%} of face samples."
    )
    advice = {
        PASS: "",
        WARN: f"Turned or tilted heads (yaw or pitch over {YAW_WARN:.0f}°, roll over "
        f"{ROLL_WARN:.0f}°) render less convincingly; frames over {MAX_ABS_YAW:.0f}° of yaw "
        "pass through.",
        FAIL: f"Most frames turn more than {MAX_ABS_YAW:.0f}° away and pass through untouched: "
        "use a more frontal take.",
    }[status]
    values = {f"{k}_p90": x for k, x in p90.items()}
    values.update(yaw_median=float(np.median(yaw)), pitch_median=float(np.median(pitch)))
    return Check(
        **base,
        status=status,
        message=message,
        advice=advice,
        ranges=v.ranges(times, turned),
        values=values,
    )


def check_head_motion(v: VideoSamples) -> Check:
    """Fast head motion between consecutive samples of the same face."""
    base: dict[str, Any] = dict(name="head_motion", title="Head motion", group="video")
    if v.step > MOTION_MAX_STEP:
        return Check(
            **base,
            status=PASS,
            message=f"Not measured: frames sampled {v.step:.1f} s apart are too sparse to see "
            "motion.",
        )
    times, faces = v.main_faces()
    speed, turn, fast = [], [], []
    for i in range(1, len(faces)):
        a, b, dt = faces[i - 1], faces[i], times[i] - times[i - 1]
        if a.track_id != b.track_id or dt <= 0 or dt > 2.5 * v.step:
            fast.append(False)
            continue
        (ax, ay), (bx, by) = a.centre, b.centre
        speed.append(float(np.hypot(bx - ax, by - ay)) / max(b.height, 1.0) / dt)
        turn.append(max(abs(b.yaw - a.yaw), abs(b.pitch - a.pitch), abs(b.roll - a.roll)) / dt)
        fast.append(speed[-1] > MOTION_WARN or turn[-1] > TURN_WARN)
    if not speed:
        return Check(**base, status=PASS, message="Not measured: no face seen in a row.")
    mask = np.array([False, *fast])
    status = WARN if mask.any() else PASS
    return Check(
        **base,
        status=status,
        ranges=v.ranges(times, mask),
        message=f"Fastest motion {max(speed):.1f} face heights/s, fastest turn {max(turn):.0f}°/s.",
        advice="Fast motion blurs the mouth: expect weaker results in the listed stretches."
        if status == WARN
        else "",
        values={"max_speed": max(speed), "max_turn": max(turn)},
    )


def check_occlusion(v: VideoSamples) -> Check:
    """Mouth hidden (a hand, a microphone) or landmarks lost: low landmark confidence or lip
    points in an impossible place."""
    times, faces = v.main_faces()
    base = dict(name="occlusion", title="Mouth occlusion", group="video")
    if not faces:
        return _no_faces(base)
    conf = np.array([f.confidence for f in faces])
    ratio = np.array([f.mouth_ratio for f in faces])
    lo, hi = MOUTH_RATIO_RANGE
    hidden = (conf < OCCLUDED_CONFIDENCE) | (ratio < lo) | (ratio > hi)
    share = float(hidden.mean())
    status = FAIL if share >= FAIL_SHARE else WARN if share >= WARN_SHARE else PASS
    advice = {
        PASS: "",
        WARN: "The mouth seems hidden or poorly tracked in the listed stretches: check them.",
        FAIL: "The mouth is hidden or lost in most frames: lip-sync cannot follow it.",
    }[status]
    return Check(
        **base,
        status=status,
        advice=advice,
        ranges=v.ranges(times, hidden),
        message=f"Landmark confidence {np.median(conf):.2f} (median); the mouth looks hidden "
        f"in {hidden.mean():.0%} of face samples.",
        values={
            "confidence_median": float(np.median(conf)),
            "confidence_min": float(conf.min()),
            "share": float(hidden.mean()),
        },
    )


def check_exposure(v: VideoSamples) -> Check:
    """Under- or over-exposure measured on the face, not the frame."""
    times, faces = v.main_faces()
    base = dict(name="exposure", title="Face exposure", group="video")
    if not faces:
        return _no_faces(base)
    luma = np.array([f.light.median for f in faces])
    clipped = np.array([f.light.clipped for f in faces])
    dark, very_dark = luma < DARK_LUMA, luma < VERY_DARK_LUMA
    bright = (luma > BRIGHT_LUMA) | (clipped > CLIPPED_SHARE)
    status = worst([_share_status(dark, very_dark), _share_status(bright, np.zeros_like(bright))])
    median = float(np.median(luma))
    what = "dark" if dark.mean() >= bright.mean() else "bright"
    advice = ""
    if status != PASS:
        advice = (
            "Brighten the shot (grade it) before lip-sync: a dark mouth tracks and renders poorly."
            if what == "dark"
            else "Pull the highlights down before lip-sync: blown-out skin hides the lips."
        )
    return Check(
        **base,
        status=status,
        advice=advice,
        ranges=v.ranges(times, dark | bright),
        message=f"Face brightness {median:.0f}/255 (median), {clipped.mean():.0%} of face pixels "
        "clipped.",
        values={
            "luma_median": median,
            "clipped_share": float(clipped.mean()),
            "dark_share": float(dark.mean()),
            "bright_share": float(bright.mean()),
        },
    )


def check_shadows(v: VideoSamples) -> Check:
    """Harsh shadows on the face: one side much darker than the other, or deep contrast."""
    times, faces = v.main_faces()
    base = dict(name="shadows", title="Harsh shadows", group="video")
    if not faces:
        return _no_faces(base)
    side = np.array([f.light.side_ratio for f in faces])
    contrast = np.array([f.light.contrast for f in faces])
    harsh = (side < SHADOW_SIDE_RATIO) | (contrast > SHADOW_CONTRAST)
    status = WARN if harsh.mean() >= WARN_SHARE else PASS
    return Check(
        **base,
        status=status,
        ranges=v.ranges(times, harsh),
        message=f"The darker half of the face has {np.median(side):.0%} of the brighter half's "
        f"light; contrast {np.median(contrast):.1f}:1 (medians).",
        advice="Hard shadows across the mouth make the new lips stand out: soften the light or "
        "check the listed stretches."
        if status == WARN
        else "",
        values={
            "side_ratio_median": float(np.median(side)),
            "contrast_median": float(np.median(contrast)),
            "share": float(harsh.mean()),
        },
    )


def video_checks(v: VideoSamples) -> list[Check]:
    """Every picture check, in report order."""
    return [
        check_resolution(v),
        check_interlacing(v),
        check_face_presence(v),
        check_face_size(v),
        check_several_faces(v),
        check_head_pose(v),
        check_head_motion(v),
        check_occlusion(v),
        check_exposure(v),
        check_shadows(v),
    ]


def _share_status(bad: np.ndarray, severe: np.ndarray) -> str:
    """``fail`` when ``severe`` holds in :data:`FAIL_SHARE` of samples, ``warn`` when ``bad``
    holds in :data:`WARN_SHARE` of them."""
    if severe.size and severe.mean() >= FAIL_SHARE:
        return FAIL
    if bad.size and (bad.mean() >= WARN_SHARE or severe.any()):
        return WARN
    return PASS


def _no_faces(base: dict) -> Check:
    return Check(**base, status=PASS, message="Not measured: no face found.")
