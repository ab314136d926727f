"""A fake of the part of DaVinci Resolve's scripting API the Lip Sync action uses.

Method names, arguments and return values follow Resolve's README (Developer/Scripting),
failures included: ``None`` for a missing object, ``False`` for a refused change, ``[]`` for a
list call that did nothing. Each timeline is held as an OTIO timeline, so ``Export`` writes
real OTIO as Resolve does: plain paths (never file:// URLs), ``Resolve_OTIO`` metadata,
``global_start_time`` at the timeline's first frame, video tracks before audio tracks.

Frames: ``recordFrame``/``GetStart()`` count from the timeline's first frame number
(``GetStartFrame()``, 90000 for 01:00:00:00 at 25 fps); ``startFrame``/``endFrame`` count
the media's frames from 0, ``endFrame`` inclusive (set ``end_frame_exclusive`` to model a
build that reads it as exclusive). ``GetEnd()`` is exclusive, as in Resolve.
"""

from __future__ import annotations

import copy
import itertools
from pathlib import Path

import opentimelineio as otio

RT, TR = otio.opentime.RationalTime, otio.opentime.TimeRange
MEDIA_SUFFIXES = {".mov", ".mp4", ".mxf", ".wav", ".m4a", ".aac", ".mkv"}
_ids = itertools.count(1)


class FakeResolve:
    EXPORT_NONE = 0
    EXPORT_AAF, EXPORT_EDL, EXPORT_FCP_7_XML = 1, 2, 3

    def __init__(self, version=(19, 0, 3, 7, ""), product="DaVinci Resolve Studio"):
        self.version = list(version)
        self.product = product
        if tuple(version[:2]) >= (18, 5):
            self.EXPORT_OTIO = 12  # the constant exists from 18.5 on
        self.project_manager = ProjectManager(self)
        self.fusion = FakeFusion(ui_manager=None)

    def GetProjectManager(self):
        return self.project_manager

    def GetVersion(self):
        return list(self.version)

    def GetVersionString(self):
        major, minor, patch, build, suffix = self.version
        return f"{major}.{minor}.{patch}{suffix}.{build}"

    def GetProductName(self):
        return self.product

    def Fusion(self):
        return self.fusion


class ProjectManager:
    def __init__(self, resolve):
        self.resolve = resolve
        self.current = None

    def CreateProject(self, name):
        self.current = Project(self.resolve, name)
        return self.current

    def GetCurrentProject(self):
        return self.current


class Project:
    def __init__(self, resolve, name):
        self.resolve, self.name = resolve, name
        self.media_pool = MediaPool(self)
        self.timelines: list[Timeline] = []
        self.current_timeline = None

    def GetName(self):
        return self.name

    def GetMediaPool(self):
        return self.media_pool

    def GetTimelineCount(self):
        return len(self.timelines)

    def GetTimelineByIndex(self, idx):
        return self.timelines[idx - 1] if 1 <= idx <= len(self.timelines) else None

    def GetCurrentTimeline(self):
        return self.current_timeline

    def SetCurrentTimeline(self, timeline):
        if timeline not in self.timelines:
            return False
        self.current_timeline = timeline
        return True


class Folder:
    def __init__(self, name):
        self.name = name
        self.clips: list[MediaPoolItem] = []
        self.subfolders: list[Folder] = []

    def GetName(self):
        return self.name

    def GetClipList(self):
        return list(self.clips)

    def GetSubFolderList(self):
        return list(self.subfolders)


class MediaPoolItem:
    def __init__(self, path: Path):
        self.path = Path(path)
        self.id = f"mpi-{next(_ids)}"
        self._info = None

    def media_range(self, rate: float) -> TR:
        """The media's frames as Resolve knows them: from its start timecode (video), or 0."""
        from lipsync.core.media import probe

        if self._info is None:
            self._info = probe(self.path)
        info = self._info
        if info.video:
            video = info.video[0]
            fps = float(video.fps)
            tc = video.metadata.get("timecode") or info.metadata.get("timecode")
            start = otio.opentime.from_timecode(tc, fps).value if tc else 0
            return TR(RT(start, fps), RT(video.frame_count, fps))
        return TR(RT(0, rate), RT(round((info.duration or 0) * rate), rate))

    def GetName(self):
        return self.path.name

    def GetMediaId(self):
        return self.id

    def GetClipProperty(self, propertyName=None):
        props = {
            "File Path": str(self.path),
            "File Name": self.path.name,
            "Clip Name": self.path.name,
        }
        return props if propertyName is None else props.get(propertyName, "")


class MediaPool:
    def __init__(self, project):
        self.project = project
        self.root = Folder("Master")
        self.current = self.root
        self.end_frame_exclusive = False
        self.calls: list[tuple] = []

    def all_items(self, folder=None):
        folder = folder or self.root
        items = list(folder.clips)
        for sub in folder.subfolders:
            items += self.all_items(sub)
        return items

    def GetRootFolder(self):
        return self.root

    def GetCurrentFolder(self):
        return self.current

    def SetCurrentFolder(self, folder):
        self.current = folder
        return True

    def AddSubFolder(self, folder, name):
        sub = Folder(name)
        folder.subfolders.append(sub)
        return sub

    def ImportMedia(self, items):
        """Imports file paths into the current folder; a path already in the media pool, or
        not a media file, is skipped (Resolve imports each file once)."""
        self.calls.append(("ImportMedia", list(items)))
        known = {str(i.path) for i in self.all_items()}
        made = []
        for path in items:
            p = Path(path)
            if str(p) in known or not p.is_file() or p.suffix.lower() not in MEDIA_SUFFIXES:
                continue
            item = MediaPoolItem(p)
            self.current.clips.append(item)
            made.append(item)
        return made

    def CreateEmptyTimeline(self, name):
        if any(t.GetName() == name for t in self.project.timelines):
            return None
        otl = otio.schema.Timeline(name=name, global_start_time=RT(90000, 25))
        otl.metadata["Resolve_OTIO"] = {"Resolve OTIO Meta Version": "1.0"}
        timeline = Timeline(self.project, otl)
        self.project.timelines.append(timeline)
        if self.project.current_timeline is None:
            self.project.current_timeline = timeline
        return timeline

    def AppendToTimeline(self, clips):
        """``[{clipInfo}]`` -> the new TimelineItems in order, or ``[]`` if any clip info is
        refused (then nothing changes)."""
        self.calls.append(("AppendToTimeline", [dict(c) for c in clips]))
        timeline = self.project.current_timeline
        if timeline is None:
            return []
        snapshot = timeline.otio.deepcopy()
        made = []
        for info in clips:
            item = timeline.place(info, self.end_frame_exclusive)
            if item is None:
                timeline.otio = snapshot
                return []
            made.append(item)
        return made

    def ImportTimelineFromFile(self, filePath, importOptions=None):
        options = importOptions or {}
        try:
            otl = otio.adapters.read_from_file(str(filePath))
        except Exception:
            return None
        name = options.get("timelineName") or otl.name
        if any(t.GetName() == name for t in self.project.timelines):
            return None
        for clip in otl.find_clips():
            url = getattr(clip.media_reference, "target_url", "")
            if url.startswith("file:") or not Path(url).is_file():
                return None  # Resolve cannot link it
            if options.get("importSourceClips", True):
                self.ImportMedia([url])
        otl.name = name
        timeline = Timeline(self.project, otl)
        self.project.timelines.append(timeline)
        return timeline

    def item_for(self, path) -> MediaPoolItem | None:
        return next((i for i in self.all_items() if i.path == Path(path)), None)


class Timeline:
    def __init__(self, project, otl: otio.schema.Timeline):
        self.project, self.otio = project, otl
        self.id = f"tl-{next(_ids)}"
        self.properties: dict[int, dict] = {}  # Link Group ID -> TimelineItem properties
        self.missing_properties: set[str] = set()  # keys this build does not know (tests)

    @property
    def rate(self) -> float:
        return self.otio.global_start_time.rate

    def tracks(self, kind):
        want = otio.schema.TrackKind.Video if kind == "video" else otio.schema.TrackKind.Audio
        return [t for t in self.otio.tracks if t.kind == want]

    def GetName(self):
        return self.otio.name

    def GetStartFrame(self):
        return int(self.otio.global_start_time.value)

    def GetTrackCount(self, trackType):
        return len(self.tracks(trackType)) if trackType in ("video", "audio") else 0

    def GetTrackName(self, trackType, trackIndex):
        tracks = self.tracks(trackType)
        return tracks[trackIndex - 1].name if 1 <= trackIndex <= len(tracks) else ""

    def SetTrackName(self, trackType, trackIndex, name):
        tracks = self.tracks(trackType)
        if not 1 <= trackIndex <= len(tracks):
            return False
        tracks[trackIndex - 1].name = name
        return True

    def AddTrack(self, trackType, subTrackType=None):
        """A new track above those of its kind (video tracks stay before audio tracks)."""
        if trackType not in ("video", "audio"):
            return False
        kind = otio.schema.TrackKind.Video if trackType == "video" else otio.schema.TrackKind.Audio
        number = self.GetTrackCount(trackType) + 1
        track = otio.schema.Track(f"{trackType.title()} {number}", kind=kind)
        track.metadata["Resolve_OTIO"] = {"Locked": False}
        position = len(self.tracks("video")) if trackType == "video" else len(self.otio.tracks)
        self.otio.tracks.insert(position, track)
        return True

    def DeleteTrack(self, trackType, trackIndex):
        tracks = self.tracks(trackType)
        if not 1 <= trackIndex <= len(tracks):
            return False
        self.otio.tracks.remove(tracks[trackIndex - 1])
        return True

    def GetItemListInTrack(self, trackType, index):
        tracks = self.tracks(trackType)
        if not 1 <= index <= len(tracks):
            return None
        return [TimelineItem(self, c) for c in tracks[index - 1] if isinstance(c, otio.schema.Clip)]

    def DeleteClips(self, timelineItems, ripple=False):
        for item in timelineItems:
            parent = item.clip.parent()
            if parent is None:
                return False
            index = parent.index(item.clip)
            gap = otio.schema.Gap(source_range=TR(RT(0, self.rate), item.clip.duration()))
            parent[index] = gap
        return True

    def Export(self, fileName, exportType, exportSubtype=None):
        if exportType != getattr(self.project.resolve, "EXPORT_OTIO", object()):
            return False
        try:
            otio.adapters.write_to_file(self.otio, str(fileName), adapter_name="otio_json")
        except Exception:
            return False
        return True

    def place(self, info, end_exclusive) -> TimelineItem | None:
        """One AppendToTimeline clip info onto its track; None when Resolve would refuse it."""
        item = info.get("mediaPoolItem")
        if not isinstance(item, MediaPoolItem):
            return None
        tracks = self.tracks("audio" if info.get("mediaType") == 2 else "video")
        index = info.get("trackIndex", 1)
        if not 1 <= index <= len(tracks):
            return None
        start, end = int(info["startFrame"]), int(info["endFrame"])
        frames = end - start + (0 if end_exclusive else 1)
        record = int(info["recordFrame"]) - self.GetStartFrame()
        if start < 0 or frames <= 0 or record < 0:
            return None
        rate = self.rate
        available = item.media_range(rate)
        if end >= available.duration.value + (1 if end_exclusive else 0):
            return None  # beyond the media's last frame
        first = available.start_time.value
        ref = otio.schema.ExternalReference(target_url=str(item.path), available_range=available)
        ref.name = item.GetName()
        clip = otio.schema.Clip(
            name=item.GetName(),
            media_reference=ref,
            source_range=TR(RT(first + start, rate), RT(frames, rate)),
        )
        clip.metadata["Resolve_OTIO"] = {"Link Group ID": next(_ids)}
        if not _insert(tracks[index - 1], clip, record, rate):
            return None
        return TimelineItem(self, clip, item)


def _insert(track: otio.schema.Track, clip: otio.schema.Clip, record: int, rate: float) -> bool:
    """Put ``clip`` at record frame ``record`` of ``track``, over a gap only (never over a clip)."""
    position = 0
    for i, child in enumerate(list(track)):
        length = round(child.duration().to_frames(rate))
        if position <= record and record + clip.duration().value <= position + length:
            if not isinstance(child, otio.schema.Gap):
                return False
            before, after = record - position, position + length - record - clip.duration().value
            pieces = []
            if before:
                pieces.append(otio.schema.Gap(source_range=TR(RT(0, rate), RT(before, rate))))
            pieces.append(clip)
            if after:
                pieces.append(otio.schema.Gap(source_range=TR(RT(0, rate), RT(after, rate))))
            del track[i]
            for j, piece in enumerate(pieces):
                track.insert(i + j, piece)
            return True
        if record < position + length:
            return False  # overlaps a clip
        position += length
    if record > position:
        track.append(otio.schema.Gap(source_range=TR(RT(0, rate), RT(record - position, rate))))
    track.append(clip)
    return True


class TimelineItem:
    def __init__(self, timeline, clip: otio.schema.Clip, media_pool_item=None):
        self.timeline, self.clip = timeline, clip
        self.media_pool_item = media_pool_item

    def _record(self) -> int:
        rng = self.clip.range_in_parent()
        return round(rng.start_time.to_frames(self.timeline.rate))

    def GetName(self):
        return self.clip.name

    def GetStart(self):
        return self.timeline.GetStartFrame() + self._record()

    def GetDuration(self):
        return round(self.clip.duration().to_frames(self.timeline.rate))

    def GetEnd(self):
        return self.GetStart() + self.GetDuration()

    def GetLeftOffset(self):
        return round(self.clip.source_range.start_time.value)

    def GetMediaPoolItem(self):
        if self.media_pool_item is None:
            url = getattr(self.clip.media_reference, "target_url", None)
            pool = self.timeline.project.media_pool
            self.media_pool_item = pool.item_for(url) if url else None
        return self.media_pool_item

    def GetUniqueId(self):
        return str(id(self.clip))

    def AddMarker(self, frameId, color, name, note, duration, customData=""):
        if not 0 <= frameId < self.GetDuration() or color not in MARKER_COLORS:
            return False
        markers = self.clip.markers
        if any(m.marked_range.start_time.value == frameId for m in markers):
            return False
        marker = otio.schema.Marker(
            name=name,
            marked_range=TR(RT(frameId, self.timeline.rate), RT(duration, self.timeline.rate)),
            color=color.upper(),
        )
        marker.metadata["Resolve_OTIO"] = {"Keywords": [], "Note": note, "Custom Data": customData}
        markers.append(marker)
        return True

    def _key(self) -> int:
        meta = self.clip.metadata.setdefault("Resolve_OTIO", {})
        if "Link Group ID" not in meta:
            meta["Link Group ID"] = next(_ids)
        return int(meta["Link Group ID"])

    def _size(self) -> tuple[int, int]:
        item = self.GetMediaPoolItem()
        if item is not None and item.path.is_file():
            from lipsync.core.media import probe

            info = item._info = item._info or probe(item.path)
            if info.video:
                return info.video[0].width, info.video[0].height
        return 1920, 1080

    def GetProperty(self, propertyKey=None):
        """One documented property (``None`` for an unknown key), or all of them as a dict."""
        values = {**PROPERTY_DEFAULTS, **self.timeline.properties.get(self._key(), {})}
        for key in self.timeline.missing_properties:
            values.pop(key, None)
        if propertyKey is None or propertyKey == "":
            return values
        return values.get(propertyKey)

    def SetProperty(self, propertyKey, propertyValue=None):
        """``SetProperty(key, value)`` or ``SetProperty({key: value, ...})``: ``False`` for an
        unknown key or a value of the wrong kind; numbers beyond the range are clipped."""
        pairs = (
            propertyKey.items() if isinstance(propertyKey, dict) else [(propertyKey, propertyValue)]
        )
        width, height = self._size()
        checked = {}
        for key, value in pairs:
            rule = PROPERTY_RULES.get(key)
            if rule is None or key in self.timeline.missing_properties:
                return False
            kind, low, high = rule
            if kind is bool:
                if not isinstance(value, bool):
                    return False
            elif isinstance(value, bool) or not isinstance(value, int | float):
                return False
            elif kind is int:
                if value != int(value) or not low <= value <= high:
                    return False
                value = int(value)
            else:
                lo, hi = (_bound(x, width, height) for x in (low, high))
                value = min(max(float(value), lo), hi)
            checked[key] = value
        store = self.timeline.properties.setdefault(self._key(), {})
        store.update(checked)
        if checked.get("ZoomGang", store.get("ZoomGang", True)):
            for a, b in (("ZoomX", "ZoomY"), ("ZoomY", "ZoomX")):
                if a in checked and b not in checked:
                    store[b] = checked[a]
        return True

    def GetMarkers(self):
        return {
            float(m.marked_range.start_time.value): {
                "color": m.color.title(), "duration": float(m.marked_range.duration.value),
                "note": m.metadata["Resolve_OTIO"]["Note"], "name": m.name,
                "customData": m.metadata["Resolve_OTIO"]["Custom Data"],
            }
            for m in self.clip.markers
        }  # fmt: skip


#: TimelineItem properties (Resolve's scripting README): key -> (kind, low, high); a bound
#: given as (factor, "w"/"h") is that many times the item's width/height.
PROPERTY_RULES = {
    "Pan": (float, (-4.0, "w"), (4.0, "w")), "Tilt": (float, (-4.0, "h"), (4.0, "h")),
    "ZoomX": (float, 0.0, 100.0), "ZoomY": (float, 0.0, 100.0), "ZoomGang": (bool, 0, 1),
    "RotationAngle": (float, -360.0, 360.0),
    "AnchorPointX": (float, (-4.0, "w"), (4.0, "w")),
    "AnchorPointY": (float, (-4.0, "h"), (4.0, "h")),
    "Pitch": (float, -1.5, 1.5), "Yaw": (float, -1.5, 1.5),
    "FlipX": (bool, 0, 1), "FlipY": (bool, 0, 1),
    "CropLeft": (float, 0.0, (1.0, "w")), "CropRight": (float, 0.0, (1.0, "w")),
    "CropTop": (float, 0.0, (1.0, "h")), "CropBottom": (float, 0.0, (1.0, "h")),
    "CropSoftness": (float, -100.0, 100.0), "CropRetain": (bool, 0, 1),
    "DynamicZoomEase": (int, 0, 3), "CompositeMode": (int, 0, 31),
    "Opacity": (float, 0.0, 100.0), "Distortion": (float, -1.0, 1.0),
    "RetimeProcess": (int, 0, 3), "MotionEstimation": (int, 0, 6),
    "Scaling": (int, 0, 4), "ResizeFilter": (int, 0, 15),
}  # fmt: skip


def _bound(bound, width: int, height: int) -> float:
    if isinstance(bound, tuple):
        return bound[0] * (width if bound[1] == "w" else height)
    return float(bound)


PROPERTY_DEFAULTS = {
    key: (key == "ZoomGang") if kind is bool
    else 1.0 if key in ("ZoomX", "ZoomY") else 100.0 if key == "Opacity"
    else 0 if kind is int else 0.0
    for key, (kind, _, _) in PROPERTY_RULES.items()
}  # fmt: skip


MARKER_COLORS = {
    "Blue", "Cyan", "Green", "Yellow", "Red", "Pink", "Purple", "Fuchsia", "Rose", "Lavender",
    "Sky", "Mint", "Lemon", "Sand", "Cocoa", "Cream",
}  # fmt: skip


# --- UIManager ---------------------------------------------------------------------------------


class FakeFusion:
    def __init__(self, ui_manager):
        self.UIManager = ui_manager


class Element:
    """A UIManager element: its properties as attributes, its children in a list."""

    def __init__(self, kind, props=None, children=None):
        if isinstance(props, list):
            props, children = None, props
        self.kind = kind
        self.__dict__.update(props or {})
        self.children = children or []
        self.items_list: list[str] = []
        if kind == "ComboBox":
            self.CurrentIndex = 0

    def AddItems(self, items):
        self.items_list.extend(items)

    def AddItem(self, item):
        self.items_list.append(item)

    @property
    def CurrentText(self):
        return self.items_list[self.CurrentIndex] if self.items_list else ""

    def walk(self):
        yield self
        for child in self.children:
            yield from child.walk()


class FakeUIManager:
    def __getattr__(self, kind):
        if kind.startswith("_"):
            raise AttributeError(kind)
        return lambda props=None, children=None: Element(kind, props, children)


class _Handlers:
    def __init__(self):
        object.__setattr__(self, "by_id", {})

    def __getattr__(self, element_id):
        return self.by_id.setdefault(element_id, _Events())


class _Events:
    def __init__(self):
        object.__setattr__(self, "handlers", {})

    def __setattr__(self, event, handler):
        self.handlers[event] = handler


class Window:
    def __init__(self, dispatcher, props, children):
        self.dispatcher, self.props = dispatcher, props
        self.root = Element("Window", props, children)
        self.On = _Handlers()
        self.shown = False

    @property
    def id(self):
        return self.props["ID"]

    def GetItems(self):
        return {e.ID: e for e in self.root.walk() if getattr(e, "ID", None)}

    def Show(self):
        self.shown = True

    def Hide(self):
        self.shown = False

    def fire(self, element_id, event):
        handler = self.On.by_id.get(element_id, _Events()).handlers.get(event)
        if handler is not None:
            handler({"who": element_id, "what": event})


class FakeDispatcher:
    """``bmd.UIDispatcher(ui)``. ``RunLoop`` plays the editor: ``user(window)`` changes the
    window's items and fires its events (``window.fire("OK", "Clicked")``) until one calls
    ``ExitLoop``; by default it presses OK (or closes a window without one)."""

    def __init__(self, user=None):
        self.user = user
        self.windows: list[Window] = []
        self.looping = False

    def AddWindow(self, props, children=None):
        window = Window(self, props, children)
        self.windows.append(window)
        return window

    def RunLoop(self):
        window = next(w for w in reversed(self.windows) if w.shown)
        self.looping = True
        if self.user is not None:
            self.user(window)
        if self.looping:
            has_ok = "OK" in window.On.by_id
            window.fire("OK", "Clicked") if has_ok else window.fire(window.id, "Close")
        assert not self.looping, "a window's RunLoop never ended"

    def ExitLoop(self):
        self.looping = False


class FakeBmd:
    def __init__(self, dispatcher):
        self.dispatcher = dispatcher

    def UIDispatcher(self, ui):
        return self.dispatcher


def snapshot(timeline: Timeline) -> str:
    """The timeline as OTIO JSON: to compare before and after."""
    return otio.adapters.write_to_string(copy.deepcopy(timeline.otio), "otio_json")
