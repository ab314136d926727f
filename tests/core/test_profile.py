"""Speaker profiles (issue 20): built from real footage, saved and read back exactly, bad files
refused with one sentence, and a profile helping a short shot of the same speaker."""

from __future__ import annotations

import json
import subprocess
import zipfile
from pathlib import Path

import av
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from judge import DlibJudge

from lipsync.core.engine import LipSyncEngine
from lipsync.core.errors import InputError
from lipsync.core.profile_build import build_profile
from lipsync.core.profile_file import load_profile, save_profile
from lipsync.core.sync_options import SyncOptions

CLIP = Path(__file__).resolve().parents[1] / "data" / "retalking_face3_2s.mp4"


def _ffmpeg(*args: str) -> None:
    subprocess.run(["ffmpeg", "-v", "error", "-y", *args], check=True)


@pytest.fixture(scope="module")
def halves(tmp_path_factory) -> dict[str, Path]:
    """The clip's first second (to learn from), its second second reversed (a different
    shot: the mouth does not match the speech) and that second's own speech."""
    folder = tmp_path_factory.mktemp("profile")
    first, second = folder / "first.mp4", folder / "second_rev.mp4"
    speech = folder / "speech.wav"
    _ffmpeg("-i", str(CLIP), "-t", "1", "-an", "-c:v", "libx264", "-crf", "12", str(first))
    _ffmpeg(
        "-ss", "1", "-i", str(CLIP), "-vf", "reverse", "-an", "-c:v", "libx264", "-crf", "12",
        str(second),
    )  # fmt: skip
    _ffmpeg("-ss", "1", "-i", str(CLIP), "-vn", "-ac", "1", "-ar", "16000", str(speech))
    return {"first": first, "second": second, "speech": speech, "folder": folder}


@pytest.fixture(scope="module")
def profile_path(halves) -> Path:
    profile = build_profile([halves["first"]], name="Podium")
    return save_profile(profile, halves["folder"] / "podium.lsprofile")


def test_profile_round_trip_is_exact(profile_path, halves):
    first = build_profile([halves["first"]], name="Podium")
    back = load_profile(profile_path)
    assert back.name == "Podium" and back.videos == ("first.mp4",)
    assert back.frames == first.frames == 25
    assert len(back.exemplars) == len(first.exemplars) >= 8
    assert np.array_equal(back.gap_counts, first.gap_counts)
    assert np.array_equal(back.range_moments, first.range_moments)
    assert back.range_moments[0] == first.frames  # every frame counted in the slope's sums
    for a, b in zip(first.exemplars, back.exemplars, strict=True):
        assert np.array_equal(a.crop, b.crop) and np.allclose(a.lips, b.lips)
        assert (a.gap, a.frame) == pytest.approx((b.gap, b.frame))
    assert back.coverage >= 5


def _rewrite(src: Path, dest: Path, change) -> Path:
    with np.load(src, allow_pickle=False) as data:
        arrays = {k: data[k] for k in data.files}
    change(arrays)
    with open(dest, "wb") as f:
        np.savez(f, **arrays)
    return dest


def _manifest(arrays: dict, **fields) -> None:
    m = json.loads(bytes(arrays["manifest"]).decode())
    m.update(fields)
    arrays["manifest"] = np.frombuffer(json.dumps(m).encode(), np.uint8)


BAD = {
    "not a zip": lambda a: None,
    "no manifest": lambda a: a.pop("manifest"),
    "foreign format": lambda a: _manifest(a, format="something-else"),
    "future version": lambda a: _manifest(a, version=99),
    "huge count": lambda a: _manifest(a, samples=10**9),
    "crop of the wrong size": lambda a: a.__setitem__("crop_0", a["crop_0"][:-3]),
    "nan lips": lambda a: a["lips"].__setitem__((0, 0, 0), np.nan),
    "missing crop": lambda a: a.pop("crop_1"),
    "float crop": lambda a: a.__setitem__("crop_0", a["crop_0"].astype(np.float64)),
    "scale out of range": lambda a: a["scale"].__setitem__(0, 1e9),
    "nan range moments": lambda a: a["range_moments"].__setitem__(1, np.nan),
    "range moments of the wrong shape": lambda a: a.__setitem__("range_moments", np.zeros(3)),
    "range moments over fewer than no frames": lambda a: a["range_moments"].__setitem__(0, -5),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_profiles_get_one_sentence(case, profile_path, tmp_path):
    path = tmp_path / "bad.lsprofile"
    if case == "not a zip":
        path.write_bytes(b"\x00 definitely not a profile \xff" * 10)
    else:
        _rewrite(profile_path, path, BAD[case])
    with pytest.raises(InputError) as err:
        load_profile(path)
    message = str(err.value)
    assert "\n" not in message and str(path) in message
    assert "lipsync profile build" in message


def test_a_profile_from_before_the_range_moments_loads_with_none(profile_path, tmp_path):
    """Profiles written before the width-per-gap sums were kept load, and render with the
    average face's narrowing (no slope learnt from them)."""
    path = _rewrite(profile_path, tmp_path / "old.lsprofile", lambda a: a.pop("range_moments"))
    old = load_profile(path)
    assert not old.range_moments.any()
    assert old.digest() != load_profile(profile_path).digest()
    assert len(old.exemplars) == len(load_profile(profile_path).exemplars)


def test_a_pickled_object_in_a_profile_is_never_loaded(profile_path, tmp_path):
    path = tmp_path / "pickled.lsprofile"
    _rewrite(profile_path, path, lambda a: a.__setitem__("lips", np.array([object()], object)))
    with pytest.raises(InputError, match="cannot be read"):
        load_profile(path)


def test_missing_profile(tmp_path):
    with pytest.raises(InputError, match="No speaker profile at"):
        load_profile(tmp_path / "nope.lsprofile")


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data())
def test_fuzzed_profiles_load_or_get_one_sentence(data, profile_path, tmp_path):
    raw = bytearray(profile_path.read_bytes()[:200_000])
    for _ in range(data.draw(st.integers(1, 8))):
        at = data.draw(st.integers(0, len(raw) - 1))
        raw[at] = data.draw(st.integers(0, 255))
    if data.draw(st.booleans()):
        raw = raw[: data.draw(st.integers(0, len(raw)))]
    path = tmp_path / "fuzz.lsprofile"
    path.write_bytes(bytes(raw))
    try:
        load_profile(path)
    except InputError as e:
        assert "\n" not in str(e)


def test_profile_files_are_plain_zip_archives_of_arrays(profile_path):
    with zipfile.ZipFile(profile_path) as z:
        names = z.namelist()
    assert "manifest.npy" in names and all(n.endswith(".npy") for n in names)
    with np.load(profile_path, allow_pickle=False) as data:
        manifest = json.loads(bytes(data["manifest"]).decode())
    assert manifest["format"] == "lipsync-profile" and manifest["version"] == 1


def _lip_points(judge: DlibJudge, path: Path) -> np.ndarray:
    """dlib's 20 lip points per frame, centred on the mouth, in IO units (nan: no face)."""
    out = []
    with av.open(str(path)) as c:
        for frame in c.decode(video=0):
            pts = judge.points(np.ascontiguousarray(frame.to_ndarray(format="rgb24")))
            if pts is None:
                out.append(np.full((20, 2), np.nan))
                continue
            iod = np.linalg.norm(pts[36:42].mean(axis=0) - pts[42:48].mean(axis=0))
            lips = pts[48:68]
            out.append((lips - lips.mean(axis=0)) / iod)
    return np.array(out)


def test_a_profile_gives_a_short_shot_the_speakers_shapes(halves, profile_path, tmp_path):
    """The second second of the clip, reversed (25 frames: too short for ``auto`` to trust
    its own bank), rendered with and without the profile learnt from the first second: with
    it, the exemplars are used (the report says so) and the mouth is no further from the real
    speaker's (dlib LMD) than without."""
    judge = DlibJudge()
    profile = load_profile(profile_path)
    reports, lmd = {}, {}
    truth = tmp_path / "truth.mp4"
    _ffmpeg("-ss", "1", "-i", str(CLIP), "-an", "-c:v", "libx264", "-crf", "12", str(truth))
    real = _lip_points(judge, truth)
    for label, given_profile in (("without", None), ("with", profile)):
        out = tmp_path / f"{label}.mp4"
        options = SyncOptions(renderer="auto", profile=given_profile)
        reports[label] = LipSyncEngine(options).run(halves["second"], halves["speech"], out)
        got = _lip_points(judge, out)
        n = min(len(got), len(real))
        lmd[label] = float(np.nanmean(np.linalg.norm(got[:n] - real[:n], axis=2)))
    with_tracks = reports["with"].renderer_tracks
    assert with_tracks and all(v.startswith("exemplar: ") for v in with_tracks.values())
    assert all("Podium" in v for v in with_tracks.values()), with_tracks
    assert not any(v.startswith("exemplar: ") for v in reports["without"].renderer_tracks.values())
    print(f"LMD (IO) with the profile {lmd['with']:.4f}, without {lmd['without']:.4f}")
    assert lmd["with"] <= lmd["without"] + 0.002, lmd
