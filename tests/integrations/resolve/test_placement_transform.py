"""Renders placed on a new track look as their originals did: the documented TimelineItem
properties (zoom, pan, rotation, crop, flip, opacity, compositing ...) are copied over; what
the scripting API cannot carry (a refused key, a transition) is named in a warning."""

from __future__ import annotations

import json
import re
import subprocess

import opentimelineio as otio
import pytest
from integrations.resolve.fake_resolve import PROPERTY_RULES, snapshot
from integrations.resolve.scene import install_launchers, make_media, make_resolve
from integrations.resolve.scene import run_python_launcher as run_launcher

from lipsync.integrations.resolve import installer, transform

RT = otio.opentime.RationalTime
LOOK = {"ZoomX": 1.4, "ZoomY": 1.4, "Pan": 12.5, "Tilt": -3.0, "RotationAngle": 7.5,
        "CropLeft": 4.0, "FlipX": True, "Opacity": 80.0, "CompositeMode": 3,
        "AnchorPointY": 2.0}  # fmt: skip


@pytest.fixture(scope="module")
def media(tmp_path_factory):
    return make_media(tmp_path_factory.mktemp("media"))


@pytest.fixture
def env(tmp_path, monkeypatch):
    settings = tmp_path / "resolve.json"
    monkeypatch.setenv("LIPSYNC_RESOLVE_SETTINGS", str(settings))
    settings.write_text(json.dumps({"output_dir": str(tmp_path / "out"), "allow_no_face": True,
                                    "handles": 4, "dub_track": "A2"}))  # fmt: skip
    return install_launchers(tmp_path / "Scripts") / "Edit" / "Lip Sync.py"


def scene(media, studio=False):
    resolve, bmd, _ = make_resolve(media, studio=studio)
    timeline = resolve.GetProjectManager().GetCurrentProject().GetCurrentTimeline()
    return resolve, bmd, timeline


def test_the_fake_follows_the_documented_property_calls(media):
    _, _, timeline = scene(media)
    a = timeline.GetItemListInTrack("video", 1)[0]
    assert set(a.GetProperty()) == set(PROPERTY_RULES) == set(transform.PROPERTY_KEYS)
    assert a.GetProperty("ZoomX") == 1.0 and a.GetProperty("Opacity") == 100.0
    assert a.GetProperty("NoSuchKey") is None
    assert a.SetProperty("NoSuchKey", 1) is False
    assert a.SetProperty("FlipX", 1) is False  # a boolean key takes a boolean
    assert a.SetProperty("Opacity", "80") is False
    assert a.SetProperty("Opacity", 250.0) and a.GetProperty("Opacity") == 100.0  # clipped
    assert a.SetProperty("Pan", 10_000.0) and a.GetProperty("Pan") == 4.0 * 96  # 4 x width
    assert a.SetProperty({"RotationAngle": 5.0, "CropTop": 2.0})
    assert a.GetProperty("RotationAngle") == 5.0 and a.GetProperty("CropTop") == 2.0
    assert a.SetProperty("ZoomX", 2.0) and a.GetProperty("ZoomY") == 2.0  # ganged by default
    # a new wrapper of the same item sees the same values (they belong to the item)
    assert timeline.GetItemListInTrack("video", 1)[0].GetProperty("RotationAngle") == 5.0
    assert timeline.GetItemListInTrack("video", 1)[1].GetProperty("RotationAngle") == 0.0


def test_the_renders_get_their_originals_look_and_a_cross_fade_is_named(media, env, capsys):
    resolve, bmd, timeline = scene(media)
    a, b = timeline.GetItemListInTrack("video", 1)
    assert a.SetProperty(LOOK)
    assert b.SetProperty({"ZoomGang": False, "ZoomX": 1.1, "ZoomY": 1.3, "CropBottom": 6.0})
    track = timeline.tracks("video")[0]  # the editor's cross-fade into B, out of the gap
    dissolve = otio.schema.Transition(
        transition_type=otio.schema.TransitionTypes.SMPTE_Dissolve,
        in_offset=RT(0, 25), out_offset=RT(6, 25),
    )  # fmt: skip
    track.insert(track.index(b.clip), dissolve)
    looks = [{k: i.GetProperty(k) for k in transform.PROPERTY_KEYS} for i in (a, b)]
    before = snapshot(timeline)

    run_launcher(env, resolve, bmd)
    console = capsys.readouterr().out
    assert "Traceback" not in console
    assert "2 lip-synced clips placed on the new track V2" in console
    new = timeline.GetItemListInTrack("video", 2)
    assert [i.GetStart() for i in new] == [a.GetStart(), b.GetStart()]
    for item, look in zip(new, looks, strict=True):
        assert {k: item.GetProperty(k) for k in transform.PROPERTY_KEYS} == look
    assert new[1].GetProperty("ZoomY") == 1.3 and new[1].GetProperty("ZoomGang") is False
    warning = re.findall(r"'pic.mov' at (\S+) has a cross-fade in \(6 frames\) on V1", console)
    assert warning == ["01:00:01:10", "01:00:01:10"], console  # console line and final message
    assert "API cannot create" in console and "new-timeline placement, which keeps it" in console
    assert "at 01:00:00:05 has" not in console  # A has no transition
    # the editor's own items are as they were
    after = timeline.otio.deepcopy()
    after.tracks.remove(next(t for t in after.tracks if t.name == "Lip sync"))
    assert snapshot(type(timeline)(timeline.project, after)) == before


def test_a_key_this_resolve_refuses_is_named(media, env, capsys):
    resolve, bmd, timeline = scene(media)
    a, _ = timeline.GetItemListInTrack("video", 1)
    assert a.SetProperty({"ZoomX": 1.2, "Distortion": 0.3})
    timeline.missing_properties = {"Distortion", "ResizeFilter"}
    run_launcher(env, resolve, bmd)
    console = capsys.readouterr().out
    new = timeline.GetItemListInTrack("video", 2)
    assert new[0].GetProperty("ZoomX") == 1.2
    lines = [x for x in console.splitlines() if x.startswith("Lip Sync: Resolve did not let")]
    assert len(lines) == 2  # each clip, named
    assert "copy Distortion, ResizeFilter from 'pic.mov' to its render" in lines[0]
    assert all("Inspector > Transform" in line for line in lines)


def test_carry_over_names_an_original_it_cannot_find(media):
    _, _, timeline = scene(media)
    a, _ = timeline.GetItemListInTrack("video", 1)
    clip = {"name": "A", "track": 'V1 "Video 1"', "record_frame": a.GetStart() + 1}
    notes = transform.carry_over(timeline, [(clip, a)])
    assert notes == [
        "The original of 'A' was not found at its frame on V1: check the render's zoom, "
        "position and crop by hand."
    ]
    clip["record_frame"] = a.GetStart()
    assert transform.source_item(timeline, clip).GetStart() == a.GetStart()
    assert transform.carry_over(timeline, [(clip, a)]) == []


LUA_ITEMS = """
local function item(start, props, refuse)
  local self = { props = props }
  function self:GetStart() return start end
  function self:GetProperty(key)
    if key == nil then return self.props end
    return self.props[key]
  end
  function self:SetProperty(key, value)
    if refuse[key] or self.props[key] == nil then return false end
    self.props[key] = value
    return true
  end
  return self
end
local function defaults()
  local t = {}
  for _, k in ipairs(f.property_keys) do t[k] = 0 end
  t.FlipX = false
  return t
end
local src = defaults()
src.ZoomX, src.FlipX, src.Distortion = 1.5, true, 0.25
local original = item(90005, src, {})
local render = item(90005, defaults(), { Distortion = true })
local timeline = {}
function timeline:GetItemListInTrack(kind, n) return n == 1 and { original } or {} end
local clip = { name = "A", track = 'V1 "Video 1"', record_frame = 90005, warning = "W." }
for _, note in ipairs(f.carry_over(timeline, { { clip = clip, item = render } })) do
  print(note)
end
print(tostring(render.props.ZoomX) .. " " .. tostring(render.props.FlipX))
print(table.concat(f.property_keys, ","))
"""


def test_the_lua_launcher_carries_the_same_properties(tmp_path):
    source = installer.render_lua(dict(installer.environment(), python="/venv/bin/python"))
    script = f"LIPSYNC_LUA_TEST = true\nf = assert(load(io.read('a')))()\n{LUA_ITEMS}\n"
    proc = subprocess.run(["lua5.4", "-e", script], input=source, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout.splitlines()
    assert out[0] == (
        "Resolve did not let Lip Sync copy Distortion from 'A' to its render: set them on the "
        "new track by hand (Inspector > Transform)."
    )
    assert out[1] == "W."
    assert out[2] == "1.5 true"
    assert tuple(out[3].split(",")) == transform.PROPERTY_KEYS
