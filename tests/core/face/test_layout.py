"""The 68-point layout from the mesh, and the mesh run: the fast code gives the very values of
the plain numpy formulation (the layout feeds tracking, so a changed bit is a changed track),
on meshes of a real face and on meshes bent far out of shape."""

from __future__ import annotations

import numpy as np
import pytest
from face_media import scene

from lipsync.core.face import layout
from lipsync.core.face.imaging import Region, crop_region, to_image
from lipsync.core.face.layout import at_column, layout_from_mesh, resample
from lipsync.core.face.mesh import MESH_INPUT, MESH_POINTS, FaceMesh
from lipsync.core.models import load_session
from lipsync.core.types import LANDMARK_COUNTS


def plain_resample(polyline: np.ndarray, segments: int) -> np.ndarray:
    steps = np.linalg.norm(np.diff(polyline, axis=0), axis=1)
    arc = np.concatenate([[0.0], np.cumsum(steps)])
    t = np.linspace(0.0, arc[-1], segments + 1)
    return np.stack([np.interp(t, arc, polyline[:, 0]), np.interp(t, arc, polyline[:, 1])], 1)


def plain_at_column(polyline, axis_origin, axis, s):
    q = (polyline - axis_origin) @ axis
    for k in range(len(q) - 1):
        qa, qb = q[k], q[k + 1]
        if (qa - s) * (qb - s) <= 0 and qa != qb:
            t = (s - qa) / (qb - qa)
            return polyline[k] + (polyline[k + 1] - polyline[k]) * t
    return polyline[int(np.argmin(np.abs(q - s)))]


def plain_layout(points: np.ndarray) -> dict[str, np.ndarray]:
    """The layout as first written: numpy calls throughout."""
    xy = np.asarray(points, dtype=np.float64)[:, :2]
    left, right = xy[layout.MOUTH_LEFT], xy[layout.MOUTH_RIGHT]
    length = float(np.linalg.norm(right - left))
    axis = (right - left) / length if length > 1e-6 else np.array([1.0, 0.0])
    s_l = float((xy[layout.BOW_LEFT] - left) @ axis)
    s_r = float((xy[layout.BOW_RIGHT] - left) @ axis)
    cols = (s_l / 2, s_l, s_r, (s_r + length) / 2)
    ou, ol = xy[list(layout.LIP_OUTER_UPPER)], xy[list(layout.LIP_OUTER_LOWER)]
    iu, il = xy[list(layout.LIP_INNER_UPPER)], xy[list(layout.LIP_INNER_LOWER)]

    def col(line, s):
        return plain_at_column(line, left, axis, s)

    outer = [
        left, col(ou, cols[0]), xy[layout.BOW_LEFT], xy[layout.UPPER_MID],
        xy[layout.BOW_RIGHT], col(ou, cols[3]), right, col(ol, cols[3]), col(ol, cols[2]),
        xy[layout.LOWER_MID], col(ol, cols[1]), col(ol, cols[0]),
    ]  # fmt: skip
    inner = [
        xy[layout.INNER_LEFT], col(iu, cols[1]), xy[layout.INNER_UPPER_MID], col(iu, cols[2]),
        xy[layout.INNER_RIGHT], col(il, cols[2]), xy[layout.INNER_LOWER_MID], col(il, cols[1]),
    ]  # fmt: skip
    jaw = np.concatenate(
        [
            plain_resample(xy[list(layout.FACE_OVAL_LEFT)], layout.JAW_HALF)[:-1],
            plain_resample(xy[list(layout.FACE_OVAL_RIGHT)], layout.JAW_HALF),
        ]
    )
    nose = np.concatenate(
        [plain_resample(xy[list(layout.NOSE_BRIDGE)], 3), xy[list(layout.NOSE_BASE)]]
    )
    groups = {
        "outer_lip": np.asarray(outer),
        "inner_lip": np.asarray(inner),
        "jaw": jaw,
        "nose": nose,
        "left_eye": xy[list(layout.LEFT_EYE)],
        "right_eye": xy[list(layout.RIGHT_EYE)],
    }
    return {name: np.ascontiguousarray(groups[name], dtype=np.float32) for name in LANDMARK_COUNTS}


@pytest.fixture(scope="module")
def real_meshes(astronaut) -> list[np.ndarray]:
    """Meshes of the astronaut at several sizes and turns (the shipped mesh model)."""
    mesh = FaceMesh()
    found = []
    for width, angle in ((100.0, 0.0), (160.0, 12.0), (220.0, -25.0), (60.0, 40.0)):
        frame = scene(640, 480, [(astronaut, (320.0, 240.0), width, angle)])
        region = Region(320.0, 240.0, width * 1.6, np.radians(angle))
        result = mesh.run(frame, region)
        assert result.presence > 0.5
        found.append(result.points)
    return found


def bent(meshes: list[np.ndarray]) -> list[np.ndarray]:
    """The meshes with noise up to far beyond a face's shape, turned all the way round, and
    collapsed (all points in one place; the mouth corners on each other)."""
    rng = np.random.default_rng(7)
    out = []
    for points in meshes:
        for sigma in (0.3, 2.0, 15.0, 80.0):
            noisy = points.copy()
            noisy[:, :2] += rng.normal(0, sigma, (len(points), 2)).astype(np.float32)
            out.append(noisy)
        for angle in np.linspace(0, 2 * np.pi, 13):
            c, s = np.cos(angle), np.sin(angle)
            turned = points.copy()
            turned[:, :2] = points[:, :2] @ np.array([[c, -s], [s, c]], np.float32)
            out.append(turned)
    joined = meshes[0].copy()
    joined[layout.MOUTH_RIGHT] = joined[layout.MOUTH_LEFT]
    return [*out, joined, np.zeros_like(meshes[0])]


def test_layout_gives_the_values_of_the_plain_formulation(real_meshes):
    for points in [*real_meshes, *bent(real_meshes)]:
        ours, plain = layout_from_mesh(points), plain_layout(points)
        assert list(ours) == list(plain) == list(LANDMARK_COUNTS)
        for name in plain:
            assert ours[name].dtype == np.float32
            assert ours[name].tobytes() == plain[name].tobytes(), name


def test_resample_and_columns_give_the_plain_values(real_meshes):
    xy = real_meshes[1][:, :2].astype(np.float64)
    for segments in (1, 3, 8, 20):
        line = xy[list(layout.FACE_OVAL_LEFT)]
        assert resample(line, segments).tobytes() == plain_resample(line, segments).tobytes()
    still = np.repeat(xy[:1], 5, axis=0)  # no length at all
    assert resample(still, 4).tobytes() == plain_resample(still, 4).tobytes()
    line, origin, axis = (
        xy[list(layout.LIP_OUTER_LOWER)],
        xy[layout.MOUTH_LEFT],
        np.array([0.6, 0.8]),
    )
    for s in np.linspace(-200.0, 200.0, 81):  # crossings, and the nearest vertex beyond the ends
        assert at_column(line, origin, axis, s).tobytes() == (
            plain_at_column(line, origin, axis, s).tobytes()
        )


def test_mesh_runs_do_not_leak_into_each_other(astronaut):
    """The mesh fills one input buffer per run: a run gives what a fresh mesh gives, whatever
    ran before it, and earlier results stay as they were."""
    frame = scene(640, 480, [(astronaut, (300.0, 250.0), 150.0, 10.0)])
    near = Region(300.0, 250.0, 240.0, np.radians(10.0))
    elsewhere = Region(150.0, 120.0, 90.0, 0.0)  # mostly background, partly outside the frame
    mesh = FaceMesh()
    first = mesh.run(frame, near)
    kept = first.points.copy()
    other = mesh.run(frame, elsewhere)
    again = mesh.run(frame, near)
    fresh = FaceMesh().run(frame, near)
    assert first.points.tobytes() == kept.tobytes()
    assert again.points.tobytes() == kept.tobytes() == fresh.points.tobytes()
    assert again.presence == first.presence == fresh.presence > 0.5
    assert other.points.tobytes() != kept.tobytes()
    # and what the model gives for the plain float32 input
    crop, matrix = crop_region(frame, near, MESH_INPUT)
    session = load_session("face_mesh")
    tensor = crop.astype(np.float32)[None] * (1.0 / 255.0)
    raw, _ = session.run(None, {session.get_inputs()[0].name: tensor})
    plain = to_image(matrix, raw.reshape(MESH_POINTS, 3)[:, :2])
    assert plain.tobytes() == np.ascontiguousarray(kept[:, :2]).tobytes()
