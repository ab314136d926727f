"""Pure 2-D geometry shared by engine parts (leaf module: imports only numpy).

- :class:`Similarity`: scale + rotation + translation, ``image = s R p + t``.
- :func:`fit_similarity`: least-squares similarity between two point sets (Umeyama, no
  reflection).
- :class:`ThinPlateSpline`: a smooth 2-D map through control points, exact (or regularised)
  at the points, for warping.

Points are ``float (N, 2)`` arrays of (x, y); image coordinates have y pointing down.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Similarity:
    """``p' = scale * R(angle) @ p + (tx, ty)``; ``angle`` in radians (counter-clockwise in
    x-right/y-up terms, i.e. clockwise on screen where y points down)."""

    scale: float = 1.0
    angle: float = 0.0
    tx: float = 0.0
    ty: float = 0.0

    @property
    def matrix(self) -> np.ndarray:
        """``float64 (2, 3)`` affine matrix (for ``cv2.warpAffine``)."""
        return self._matrix.copy()

    @functools.cached_property
    def _matrix(self) -> np.ndarray:
        c = self.scale * math.cos(self.angle)
        s = self.scale * math.sin(self.angle)
        return np.array([[c, -s, self.tx], [s, c, self.ty]], dtype=np.float64)

    @functools.cached_property
    def _linear_t(self) -> np.ndarray:
        """``float64 (2, 2)``: the transposed linear part (``points @ _linear_t``)."""
        return self._matrix[:, :2].T

    def apply(self, points: np.ndarray) -> np.ndarray:
        """Map ``(N, 2)`` points; returns ``float32 (N, 2)``."""
        p = np.asarray(points, dtype=np.float64).reshape(-1, 2)
        return (p @ self._linear_t + self._matrix[:, 2]).astype(np.float32)

    def apply_vectors(self, vectors: np.ndarray) -> np.ndarray:
        """Map ``(N, 2)`` displacement vectors (no translation); returns ``float32 (N, 2)``."""
        v = np.asarray(vectors, dtype=np.float64).reshape(-1, 2)
        return (v @ self._linear_t).astype(np.float32)

    def inverse(self) -> Similarity:
        """The inverse map."""
        return self._inverse

    @functools.cached_property
    def _inverse(self) -> Similarity:
        inv_scale = 1.0 / self.scale
        c = inv_scale * math.cos(-self.angle)
        s = inv_scale * math.sin(-self.angle)
        tx = -(c * self.tx - s * self.ty)
        ty = -(s * self.tx + c * self.ty)
        return Similarity(inv_scale, -self.angle, tx, ty)


def frame_from_axis(origin: np.ndarray, x_end: np.ndarray) -> Similarity:
    """The similarity whose unit x vector runs from ``origin`` to ``x_end`` (both ``(2,)``):
    normalised point (1, 0) maps to ``x_end``, (0, 0) to ``origin``."""
    o = np.asarray(origin, dtype=np.float64)
    d = np.asarray(x_end, dtype=np.float64) - o
    return Similarity(float(np.hypot(d[0], d[1])), float(math.atan2(d[1], d[0])), *map(float, o))


def fit_similarity(src: np.ndarray, dst: np.ndarray) -> Similarity:
    """Least-squares similarity mapping ``src`` onto ``dst`` (both ``(N, 2)``, N >= 2)."""
    a = np.asarray(src, dtype=np.float64).reshape(-1, 2)
    b = np.asarray(dst, dtype=np.float64).reshape(-1, 2)
    ma, mb = a.mean(axis=0), b.mean(axis=0)
    a0, b0 = a - ma, b - mb
    var = float((a0**2).sum())
    if var <= 1e-12:
        return Similarity(1.0, 0.0, *map(float, mb - ma))
    # complex-number form: b0 ~ z * a0 with z = s e^{i angle}
    za = a0[:, 0] + 1j * a0[:, 1]
    zb = b0[:, 0] + 1j * b0[:, 1]
    z = complex((np.conj(za) * zb).sum() / var)
    scale, angle = abs(z), math.atan2(z.imag, z.real)
    sim = Similarity(scale, angle, 0.0, 0.0)
    t = mb - sim.apply(ma[None])[0]
    return Similarity(scale, angle, float(t[0]), float(t[1]))


#: the smallest normal number of each float type (np.finfo costs 4 us a call)
_TINY = {np.dtype(t): np.finfo(t).tiny for t in (np.float32, np.float64)}


def _tps_kernel(d2: np.ndarray) -> np.ndarray:
    """U(r) = r^2 log r^2 (the 2-D biharmonic kernel up to a constant), with U(0) = 0, of
    squared distances ``d2`` (>= 0; float32 or float64, kept), in place."""
    u = np.maximum(d2, _TINY[d2.dtype])
    np.log(u, out=u)
    u *= d2  # 0 where d2 is 0
    return u


@dataclass(frozen=True, eq=False)
class ThinPlateSpline:
    """A thin-plate spline map R^2 -> R^2 fitted through control points.

    Build with :meth:`fit`; call with ``(M, 2)`` points to get ``float32 (M, 2)``. Internally
    the coordinates are centred and scaled to unit spread for conditioning.
    """

    centres: np.ndarray  # float64 (N, 2), normalised control points
    weights: np.ndarray  # float64 (N, 2) kernel weights
    affine: np.ndarray  # float64 (3, 2) affine part (1, x, y)
    offset: np.ndarray  # float64 (2,) normalisation offset
    spread: float  # normalisation scale

    @classmethod
    def fit(cls, src: np.ndarray, dst: np.ndarray, regularisation: float = 0.0) -> ThinPlateSpline:
        """The spline with ``f(src[i]) ~= dst[i]``; ``regularisation`` >= 0 trades exactness
        for smoothness (in normalised units; 0 interpolates exactly)."""
        s = np.asarray(src, dtype=np.float64).reshape(-1, 2)
        d = np.asarray(dst, dtype=np.float64).reshape(-1, 2)
        offset = s.mean(axis=0)
        spread = float(np.sqrt(((s - offset) ** 2).sum(axis=1).mean())) or 1.0
        c = (s - offset) / spread
        n = len(c)
        # x and y apart: numpy's sum over a last axis of 2 is slow (127 -> 20 us for 65 points)
        dx, dy = c[:, None, 0] - c[None, :, 0], c[:, None, 1] - c[None, :, 1]
        k = _tps_kernel(dx * dx + dy * dy)
        np.add(k, 0.0, out=k)  # as adding ``regularisation * I`` did: -0.0 becomes 0.0
        k.flat[:: n + 1] += regularisation
        system = np.zeros((n + 3, n + 3))
        system[:n, :n] = k
        system[:n, n] = system[n, :n] = 1.0
        system[:n, n + 1 :] = c
        system[n + 1 :, :n] = c.T
        rhs = np.zeros((n + 3, 2))
        rhs[:n] = d
        try:
            sol = np.linalg.solve(system, rhs)
        except np.linalg.LinAlgError:
            sol = np.linalg.lstsq(system, rhs, rcond=None)[0]
        return cls(c, sol[:n], sol[n:], offset, spread)

    def __call__(self, points: np.ndarray) -> np.ndarray:
        q = (np.asarray(points, dtype=np.float64).reshape(-1, 2) - self.offset) / self.spread
        out = self.affine[0] + q @ self.affine[1:]
        # the kernel part in float32 (its log 6x faster than float64's; at most 1e-3 px off on
        # the warp's face maps): |q - c|^2 expanded, one matrix product instead of an (M, N, 2)
        # temporary
        q32 = q.astype(np.float32)
        qx, qy = q32[:, 0], q32[:, 1]
        d2 = (qx * qx + qy * qy)[:, None] + self._centres_sq[None, :]
        d2 -= 2.0 * (q32 @ self._centres32.T)
        np.maximum(d2, 0.0, out=d2)
        out += _tps_kernel(d2) @ self._weights32
        return out.astype(np.float32)

    @functools.cached_property
    def _centres32(self) -> np.ndarray:
        return self.centres.astype(np.float32)

    @functools.cached_property
    def _centres_sq(self) -> np.ndarray:
        """``float32 (N,)``: the centres' squared norms."""
        cx, cy = self._centres32[:, 0], self._centres32[:, 1]
        return cx * cx + cy * cy

    @functools.cached_property
    def _weights32(self) -> np.ndarray:
        return self.weights.astype(np.float32)
