"""Carrying the editor's clip settings over to the renders placed on the new track.

A render placed with ``MediaPool.AppendToTimeline`` starts with Resolve's defaults; the
original clip may be zoomed, panned, rotated, cropped, flipped, faded in opacity or composited.
What the scripting API lets a script read and write (``TimelineItem.GetProperty`` /
``SetProperty``, the keys of Resolve's README, :data:`PROPERTY_KEYS`) is copied from the
original item to its render, so the render looks as the original did. A key Resolve refuses
(or an item without the calls) is named in a warning; so are transitions, which no scripting
call can create (:mod:`.placement` words that warning). Keyframes are not visible to scripts:
an animated transform comes over as its value at the clip's current frame.

Standard library only (Python 3.7+): this module runs inside Resolve's own Python.
"""

from __future__ import annotations

#: TimelineItem.GetProperty/SetProperty keys (Resolve's scripting README), in the order they
#: are set: the gang before the zooms it links.
PROPERTY_KEYS = (
    "ZoomGang", "ZoomX", "ZoomY", "Pan", "Tilt", "RotationAngle", "AnchorPointX",
    "AnchorPointY", "Pitch", "Yaw", "FlipX", "FlipY", "CropLeft", "CropRight", "CropTop",
    "CropBottom", "CropSoftness", "CropRetain", "DynamicZoomEase", "CompositeMode", "Opacity",
    "Distortion", "RetimeProcess", "MotionEstimation", "Scaling", "ResizeFilter",
)  # fmt: skip


def source_item(timeline, clip: dict):
    """The editor's item the render ``clip`` (a plan clip) covers: on the clip's own video
    track (``V1 "Name"``) at its record frame; ``None`` when it is not there."""
    label = str(clip.get("track") or "")
    number = label[1:].split(" ")[0] if label.startswith("V") else ""
    if not number.isdigit():
        return None
    for item in timeline.GetItemListInTrack("video", int(number)) or []:
        if int(item.GetStart()) == int(clip["record_frame"]):
            return item
    return None


def carry_properties(source, target) -> list[str]:
    """Copy every :data:`PROPERTY_KEYS` value of ``source`` that differs on ``target``;
    returns the keys that could not be read or set (empty when all came over)."""
    get = getattr(source, "GetProperty", None)
    put = getattr(target, "SetProperty", None)
    if get is None or put is None or getattr(target, "GetProperty", None) is None:
        return list(PROPERTY_KEYS)
    have = get() if callable(get) else None
    values = have if isinstance(have, dict) else {}
    failed = []
    for key in PROPERTY_KEYS:
        value = values[key] if key in values else get(key)
        if value is None:
            failed.append(key)
            continue
        if _same(target.GetProperty(key), value):
            continue
        if not put(key, value) or not _same(target.GetProperty(key), value):
            failed.append(key)
    return failed


def _same(a, b) -> bool:
    if isinstance(a, float) or isinstance(b, float):
        try:
            return abs(float(a) - float(b)) <= 1e-6 * max(1.0, abs(float(b)))
        except (TypeError, ValueError):
            return False
    return a == b


def carry_over(timeline, placed: list) -> list[str]:
    """For each ``(plan clip, placed item)``: copy the original's properties to the render;
    the sentences to show for what could not be carried (transitions included)."""
    notes = []
    for clip, item in placed:
        source = source_item(timeline, clip)
        name = clip.get("name") or "?"
        if source is None:
            notes.append(
                f"The original of '{name}' was not found at its frame on "
                f"{str(clip.get('track') or '?').split(' ')[0]}: check the render's zoom, "
                "position and crop by hand."
            )
        else:
            failed = carry_properties(source, item)
            if failed:
                shown = ", ".join(failed[:6]) + (" …" if len(failed) > 6 else "")
                notes.append(
                    f"Resolve did not let Lip Sync copy {shown} from '{name}' to its render: "
                    "set them on the new track by hand (Inspector > Transform)."
                )
        if clip.get("warning"):
            notes.append(str(clip["warning"]))
    return notes
