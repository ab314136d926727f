"""Talking to the editor inside Resolve: UIManager windows where Resolve offers them, the
console (Workspace > Console) where it does not (free editions since 19.1).

Built on Fusion's UIManager as scripts use it: ``ui = fusion.UIManager``, ``disp =
bmd.UIDispatcher(ui)``, ``win = disp.AddWindow({props}, [elements])``, events set as
``win.On.<ID>.Clicked = handler``, then ``win.Show(); disp.RunLoop(); win.Hide()``.

Standard library only (Python 3.7+): this module runs inside Resolve's own Python.
"""

from __future__ import annotations

from lipsync.integrations.resolve.settings import (
    CODECS,
    PLACEMENTS,
    RENDERERS,
    TIMELINE,
    Settings,
)

TITLE = "Lip Sync"
DEFAULT = "(default)"
PLACEMENT_LABELS = {
    "track": "On a new video track above the originals",
    TIMELINE: "As a new timeline",
}
CODEC_LABELS = {"h264": "H.264", "prores": "ProRes 422 HQ", "dnxhr": "DNxHR HQ"}


class Console:
    """No dialogs: messages and progress go to Resolve's console."""

    available = False

    def __init__(self, out=print):
        self.out = out

    def ask(self, timeline_name, video_tracks, audio_tracks, settings):
        return None

    def tell(self, message: str) -> None:
        self.out(f"{TITLE}: {message}")

    def progress(self, text: str) -> None:
        self.out(f"{TITLE}: {text}")

    def done(self) -> None:
        pass


class Dialogs(Console):
    """UIManager windows; falls back to the console for anything Resolve refuses."""

    available = True

    def __init__(self, ui, dispatcher, out=print):
        super().__init__(out)
        self.ui, self.disp = ui, dispatcher
        self._progress = None

    def ask(
        self,
        timeline_name: str,
        video_tracks: list[tuple[str, str]],
        audio_tracks: list[tuple[str, str]],
        settings: Settings,
    ) -> dict | None:
        """The editor's choices, or None when cancelled. ``*_tracks`` are ``(spec, label)``
        pairs such as ``("A2", "A2  Spanish dub")``."""
        ui = self.ui
        rows = [
            ui.Label({"Text": f"Lip-sync the timeline '{timeline_name}' to its dub."}),
            _row(ui, "Picture track", ui.ComboBox({"ID": "VideoTrack"})),
            _row(ui, "Dub track", ui.ComboBox({"ID": "DubTrack"})),
            _row(ui, "Renderer", ui.ComboBox({"ID": "Renderer"})),
            _row(ui, "Model file", ui.LineEdit({"ID": "Model", "Text": settings.model or ""})),
            _row(
                ui,
                "Output folder",
                ui.LineEdit({"ID": "OutputDir", "Text": settings.output_dir or ""}),
            ),
            _row(ui, "Place renders", ui.ComboBox({"ID": "Placement"})),
            _row(ui, "Codec", ui.ComboBox({"ID": "Codec"})),
            ui.HGroup(
                [
                    ui.Button({"ID": "Cancel", "Text": "Cancel"}),
                    ui.Button({"ID": "OK", "Text": "Lip Sync"}),
                ]
            ),
        ]
        win = self.disp.AddWindow(
            {"ID": "LipSyncWin", "WindowTitle": TITLE, "Geometry": [200, 200, 520, 300]},
            [ui.VGroup(rows)],
        )
        if win is None:
            return None
        items = win.GetItems()
        videos = [DEFAULT] + [label for _, label in video_tracks]
        audios = [DEFAULT] + [label for _, label in audio_tracks]
        renderers = list(RENDERERS)
        if settings.renderer not in renderers:
            renderers.append(settings.renderer)
        placements = [PLACEMENT_LABELS[p] for p in PLACEMENTS]
        items["VideoTrack"].AddItems(videos)
        items["DubTrack"].AddItems(audios)
        items["Renderer"].AddItems(renderers)
        items["Placement"].AddItems(placements)
        items["Codec"].AddItems([CODEC_LABELS[c] for c in CODECS])
        items["VideoTrack"].CurrentIndex = _index_of(settings.video_track, video_tracks)
        dub = settings.dub_track or _guess_dub(audio_tracks)
        items["DubTrack"].CurrentIndex = _index_of(dub, audio_tracks)
        items["Renderer"].CurrentIndex = renderers.index(settings.renderer)
        items["Placement"].CurrentIndex = list(PLACEMENTS).index(settings.placement)
        items["Codec"].CurrentIndex = list(CODECS).index(settings.codec)
        answer = {}

        def ok(ev):
            answer["ok"] = True
            self.disp.ExitLoop()

        def cancel(ev):
            self.disp.ExitLoop()

        win.On.OK.Clicked = ok
        win.On.Cancel.Clicked = cancel
        win.On.LipSyncWin.Close = cancel
        win.Show()
        self.disp.RunLoop()
        win.Hide()
        if not answer:
            return None
        v, d = int(items["VideoTrack"].CurrentIndex), int(items["DubTrack"].CurrentIndex)
        return {
            "video_track": video_tracks[v - 1][0] if v > 0 else None,
            "dub_track": audio_tracks[d - 1][0] if d > 0 else None,
            "renderer": str(items["Renderer"].CurrentText) or settings.renderer,
            "model": str(items["Model"].Text).strip() or None,
            "output_dir": str(items["OutputDir"].Text).strip() or None,
            "placement": PLACEMENTS[int(items["Placement"].CurrentIndex)],
            "codec": CODECS[int(items["Codec"].CurrentIndex)],
        }

    def tell(self, message: str) -> None:
        """A message window with an OK button (and the console line)."""
        super().tell(message)
        self.done()
        ui = self.ui
        win = self.disp.AddWindow(
            {"ID": "LipSyncMessage", "WindowTitle": TITLE, "Geometry": [250, 250, 460, 140]},
            [
                ui.VGroup(
                    [
                        ui.Label({"ID": "Text", "Text": message, "WordWrap": True}),
                        ui.Button({"ID": "OK", "Text": "OK"}),
                    ]
                )
            ],
        )
        if win is None:
            return

        def close(ev):
            self.disp.ExitLoop()

        win.On.OK.Clicked = close
        win.On.LipSyncMessage.Close = close
        win.Show()
        self.disp.RunLoop()
        win.Hide()

    def progress(self, text: str) -> None:
        """Show ``text`` in a small progress window (opened on first use) and the console."""
        super().progress(text)
        if self._progress is None:
            ui = self.ui
            self._progress = self.disp.AddWindow(
                {"ID": "LipSyncProgress", "WindowTitle": TITLE, "Geometry": [250, 250, 420, 80]},
                [ui.VGroup([ui.Label({"ID": "Status", "Text": text})])],
            )
            if self._progress is not None:
                self._progress.Show()
        if self._progress is not None:
            self._progress.GetItems()["Status"].Text = text

    def done(self) -> None:
        if self._progress is not None:
            self._progress.Hide()
            self._progress = None


def open_dialogs(fusion, bmd, out=print) -> Console:
    """UIManager dialogs when this Resolve offers them, else the console."""
    try:
        ui = getattr(fusion, "UIManager", None) if fusion is not None else None
        disp = bmd.UIDispatcher(ui) if ui is not None and bmd is not None else None
    except Exception:
        disp = None
    if ui is None or disp is None:
        return Console(out)
    return Dialogs(ui, disp, out)


def _row(ui, label: str, element):
    return ui.HGroup([ui.Label({"Text": label, "Weight": 0.3}), element])


def _index_of(spec: str | None, tracks: list[tuple[str, str]]) -> int:
    """Position in the combo box (0 = default) of the track ``spec`` names ("A2" or a name)."""
    if not spec:
        return 0
    for i, (key, label) in enumerate(tracks, 1):
        name = label.split("  ", 1)[-1]
        if spec.upper() == key or spec == name or spec.casefold() == name.casefold():
            return i
    return 0


def _guess_dub(audio_tracks: list[tuple[str, str]]) -> str | None:
    for key, label in audio_tracks:
        if "dub" in label.split("  ", 1)[-1].casefold():
            return key
    return None
