"""The true-mouth measures of ``bench/real_faces.py``, independent of lipsync's own tracker.

dlib's 68-point model (Debian's ``libdlib-data``, dlib from ``dlib-bin``) finds the face; from
its points come the inner-lip aperture and the 20 lip points, both in units of the inter-ocular
distance (IOD: between the two eye centres, points 36-41 and 42-47), so they do not depend on
the face's size in frame. Pure numpy/cv2 over arrays: frames ``uint8 (H, W, 3)`` RGB, points
``float64 (68, 2)`` in image pixels, series ``float64 (N,)`` per video frame with NaN where dlib
found no face, audio ``float32 (n,)`` mono.
"""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

DLIB_MODEL = Path("/usr/share/dlib/shape_predictor_68_face_landmarks.dat")
DETECT_WIDTH = 640  # px; a wider frame is searched whole on a copy scaled to this width
DETECT_FACE = 120  # px; a known face is searched again at the scale that makes it this wide
INNER_PAIRS = ((61, 67), (62, 66), (63, 65))  # upper / lower inner-lip points facing each other
LIPS = slice(48, 68)  # the 20 lip points (outer 48-59, inner 60-67)
MOUTH_PAD = 0.2  # IOD; margin around the lip points of the sharpness box
CROP_W, CROP_H = 1.8, 1.35  # IOD; the contact sheet's mouth crop, centred on the lips
TILE_W, TILE_H = 128, 96  # px; one mouth crop on the sheet
LABEL_W = 80  # px; the row names' column (room for "exemplar", "musetalk")
PSNR_CAP = 100.0  # dB; an identical region counts as this, not infinity
FLICKER_BOX_W, FLICKER_BOX_H = 1.4, 1.0  # IOD; the flicker box, centred on the lip points
FLICKER_W, FLICKER_H = 64, 48  # px; the flicker box resampled to this size (grey, 0..255)


class Landmarker:
    """dlib's 68 points of the largest face per frame. The detector runs on every frame on a
    grey copy: the whole frame no wider than :data:`DETECT_WIDTH`, or, once a face is known,
    a window of three face widths around it scaled so the face is :data:`DETECT_FACE` px wide
    (dlib finds faces from about 80 px); the shape predictor runs on the full-size frame."""

    def __init__(self) -> None:
        try:
            import dlib
        except ImportError as e:  # pragma: no cover - the venv has it
            raise SystemExit("dlib is not installed: pip install dlib-bin") from e
        if not DLIB_MODEL.exists():  # pragma: no cover - make setup installs it
            raise SystemExit(f"{DLIB_MODEL} is missing: apt-get install libdlib-data")
        self._dlib = dlib
        self._detector = dlib.get_frontal_face_detector()
        self._predictor = dlib.shape_predictor(str(DLIB_MODEL))
        self._box: tuple[float, float, float, float] | None = None  # last face, full pixels

    def points(self, image: np.ndarray) -> np.ndarray | None:
        """``float64 (68, 2)`` points of the largest face in ``image`` (RGB), or None."""
        grey = cv2.cvtColor(image, cv2.COLOR_RGB2GRAY)
        box = None
        if self._box is not None:
            x0, y0, x1, y1 = self._box
            bw, bh = x1 - x0, y1 - y0
            window = (
                max(0, int(x0 - bw)),
                max(0, int(y0 - bh)),
                min(grey.shape[1], int(x1 + bw)),
                min(grey.shape[0], int(y1 + bh)),
            )
            box = self._detect(grey, window, min(1.0, DETECT_FACE / bw))
        if box is None:
            whole = (0, 0, grey.shape[1], grey.shape[0])
            box = self._detect(grey, whole, min(1.0, DETECT_WIDTH / grey.shape[1]))
        self._box = box
        if box is None:
            return None
        shape = self._predictor(grey, self._dlib.rectangle(*(round(v) for v in box)))
        return np.array([(p.x, p.y) for p in shape.parts()], np.float64)

    def _detect(self, grey: np.ndarray, window: tuple[int, int, int, int], scale: float):
        """The largest face found in ``window`` (x0, y0, x1, y1) of ``grey`` searched at
        ``scale``, as a full-size box, or None."""
        x0, y0, x1, y1 = window
        part = grey[y0:y1, x0:x1]
        if scale < 1.0:
            part = cv2.resize(part, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
        found = self._detector(np.ascontiguousarray(part), 0)
        if not found:
            return None
        f = max(found, key=lambda r: r.area())
        return (
            x0 + f.left() / scale,
            y0 + f.top() / scale,
            x0 + f.right() / scale,
            y0 + f.bottom() / scale,
        )


# --- geometry of one face ------------------------------------------------------------------------
def iod(pts: np.ndarray) -> float:
    """Inter-ocular distance in pixels: between the mean of points 36-41 and of 42-47."""
    return float(np.linalg.norm(pts[36:42].mean(axis=0) - pts[42:48].mean(axis=0)))


def aperture(pts: np.ndarray | None) -> float:
    """Inner-lip opening: the mean gap of the three facing inner-lip pairs, in IOD (NaN: none)."""
    if pts is None:
        return float("nan")
    gaps = [np.linalg.norm(pts[a] - pts[b]) for a, b in INNER_PAIRS]
    return float(np.mean(gaps) / iod(pts))


def lips_normalised(pts: np.ndarray) -> np.ndarray:
    """``float64 (20, 2)`` lip points 48-67 centred on their mean, turned so that the line
    between the eye centres (means of points 36-41 and 42-47) is level, in IOD.

    Turned, not only centred and scaled: the head's roll is not the lips' shape. In the
    true-mouth protocol the output keeps the reversed input's head, so unturned lip points
    counted the head's roll against the real speaker's as lip error, which no renderer may
    change (retalking_face3 rolls -6 to +8 degrees; its chance LMD was 5.3 % of the IOD
    unturned, 4.6 % turned)."""
    lips = pts[LIPS] - pts[LIPS].mean(axis=0)
    eyes = pts[42:48].mean(axis=0) - pts[36:42].mean(axis=0)
    distance = float(np.hypot(*eyes))
    cos, sin = eyes / distance  # the rotation by minus the eye line's angle
    turned = np.array([[cos, sin], [-sin, cos]])
    return lips @ turned.T / distance


def lmd(a: list[np.ndarray | None], b: list[np.ndarray | None]) -> float:
    """Lip landmark distance: mean over frames where both have a face of the mean distance of
    the 20 normalised lip points, in IOD (NaN when no frame has both)."""
    per_frame = [
        float(np.linalg.norm(lips_normalised(p) - lips_normalised(q), axis=1).mean())
        for p, q in zip(a, b, strict=False)
        if p is not None and q is not None
    ]
    return float(np.mean(per_frame)) if per_frame else float("nan")


def lmd_still(a: list[np.ndarray | None], b: list[np.ndarray | None]) -> float:
    """The LMD of a mouth that never moves: ``a``'s mean normalised lips shown in every frame,
    against ``b`` (NaN when either has no face). A render's LMD below this one means its
    movement follows the truth; LMD alone rewards a mouth that moves less."""
    seen = [lips_normalised(p) for p in a if p is not None]
    if not seen:
        return float("nan")
    still = np.mean(seen, axis=0)
    per_frame = [
        float(np.linalg.norm(still - lips_normalised(q), axis=1).mean()) for q in b if q is not None
    ]
    return float(np.mean(per_frame)) if per_frame else float("nan")


def mouth_box(pts: np.ndarray, shape: tuple[int, ...]) -> tuple[slice, slice]:
    """Rows and columns of the lip points' bounding box widened by :data:`MOUTH_PAD` IOD."""
    pad = MOUTH_PAD * iod(pts)
    (x0, y0), (x1, y1) = pts[LIPS].min(axis=0) - pad, pts[LIPS].max(axis=0) + pad
    h, w = shape[:2]
    return slice(max(0, int(y0)), min(h, int(y1) + 1)), slice(max(0, int(x0)), min(w, int(x1) + 1))


def lower_face_box(pts: np.ndarray, shape: tuple[int, ...]) -> tuple[slice, slice]:
    """A generous box around the lower face (as tests/judge.py): from the eyes' lower edge to
    0.35 IOD below the chin, jaw side to jaw side widened by a quarter of its width each way."""
    top = pts[36:48, 1].max()
    bottom = pts[8, 1] + 0.35 * iod(pts)
    left, right = pts[0:17, 0].min(), pts[0:17, 0].max()
    pad = 0.25 * (right - left)
    h, w = shape[:2]
    return (
        slice(max(0, int(top)), min(h, int(bottom) + 1)),
        slice(max(0, int(left - pad)), min(w, int(right + pad) + 1)),
    )


def nearest_points(points: list[np.ndarray | None]) -> list[np.ndarray | None]:
    """Each frame's points, or those of the nearest frame that has a face (None if none has)."""
    have = np.array([k for k, p in enumerate(points) if p is not None])
    if have.size == 0:
        return list(points)
    return [points[int(have[np.argmin(np.abs(have - k))])] for k in range(len(points))]


# --- images -------------------------------------------------------------------------------------
def sharpness(image: np.ndarray, box: tuple[slice, slice]) -> float:
    """Variance of the Laplacian of the grey ``box`` of ``image`` (RGB)."""
    grey = cv2.cvtColor(np.ascontiguousarray(image[box]), cv2.COLOR_RGB2GRAY)
    return float(cv2.Laplacian(grey, cv2.CV_64F).var())


def mse_outside(a: np.ndarray, b: np.ndarray, box: tuple[slice, slice] | None) -> float:
    """Mean squared difference of two frames over every pixel outside ``box``."""
    total = cv2.norm(a, b, cv2.NORM_L2SQR)
    count = a.size
    if box is not None:
        inner_a, inner_b = np.ascontiguousarray(a[box]), np.ascontiguousarray(b[box])
        total -= cv2.norm(inner_a, inner_b, cv2.NORM_L2SQR) if inner_a.size else 0.0
        count -= inner_a.size
    return float(total / max(count, 1))


def flicker_crop(image: np.ndarray, pts: np.ndarray | None) -> np.ndarray | None:
    """``float32 (FLICKER_H, FLICKER_W)`` grey (0..255) of the mouth box of ``image`` (RGB):
    :data:`FLICKER_BOX_W` x :data:`FLICKER_BOX_H` IOD centred on the mean of the lip points
    48-67 of ``pts`` (that frame's own points), rounded to whole pixels, edge pixels repeated
    where it leaves the frame, and resampled by pixel area (cv2 ``INTER_AREA``); None without
    a face."""
    if pts is None:
        return None
    cx, cy = pts[LIPS].mean(axis=0)
    d = iod(pts)
    x0, x1 = round(cx - FLICKER_BOX_W * d / 2), round(cx + FLICKER_BOX_W * d / 2)
    y0, y1 = round(cy - FLICKER_BOX_H * d / 2), round(cy + FLICKER_BOX_H * d / 2)
    h, w = image.shape[:2]
    part = image[max(0, y0) : min(h, y1), max(0, x0) : min(w, x1)]
    if part.shape[0] < 2 or part.shape[1] < 2:
        return None
    pad = ((max(0, -y0), max(0, y1 - h)), (max(0, -x0), max(0, x1 - w)), (0, 0))
    part = np.pad(part, pad, mode="edge") if any(a or b for a, b in pad) else part
    grey = cv2.cvtColor(np.ascontiguousarray(part), cv2.COLOR_RGB2GRAY)
    resized = cv2.resize(grey, (FLICKER_W, FLICKER_H), interpolation=cv2.INTER_AREA)
    return resized.astype(np.float32)


def frame_change(previous: np.ndarray | None, current: np.ndarray | None) -> float:
    """Mean absolute difference (0..255) of two :func:`flicker_crop` boxes of consecutive
    frames (NaN when either frame has no face)."""
    if previous is None or current is None:
        return float("nan")
    return float(np.abs(current - previous).mean())


def psnr_of(mse: float | np.ndarray) -> np.ndarray:
    """PSNR (dB) of 8-bit pictures from their mean squared error, capped at :data:`PSNR_CAP`."""
    mse = np.asarray(mse, np.float64)
    with np.errstate(divide="ignore"):
        return np.minimum(10 * np.log10(255.0**2 / mse), PSNR_CAP)


# --- series -------------------------------------------------------------------------------------
def pearson(a: np.ndarray, b: np.ndarray) -> float:
    """Pearson r over the frames where both are finite (NaN: under 3 frames or no variance)."""
    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
    n = min(len(a), len(b))
    a, b = a[:n], b[:n]
    ok = np.isfinite(a) & np.isfinite(b)
    if ok.sum() < 3 or np.std(a[ok]) == 0 or np.std(b[ok]) == 0:
        return float("nan")
    return float(np.corrcoef(a[ok], b[ok])[0, 1])


def lagged(measured: np.ndarray, reference: np.ndarray, lag: int) -> float:
    """:func:`pearson` with ``measured`` shifted ``lag`` frames later than ``reference``."""
    if lag >= 0:
        return pearson(measured[lag:], reference[: len(reference) - lag])
    return pearson(measured[:lag], reference[-lag:])


def best_lag(measured: np.ndarray, reference: np.ndarray, max_lag: int = 3) -> tuple[float, int]:
    """The highest :func:`lagged` r within ``-max_lag..max_lag`` frames and its lag (positive:
    ``measured`` is late); ``(nan, 0)`` when no lag gives an r."""
    best = (float("nan"), 0)
    for lag in range(-max_lag, max_lag + 1):
        r = lagged(measured, reference, lag)
        if np.isfinite(r) and not r <= best[0]:
            best = (r, lag)
    return best


def loudness_db(samples: np.ndarray, rate: int, times: np.ndarray, fps: float) -> np.ndarray:
    """``float64 (N,)`` RMS level (dB full scale) of the audio in a window of two frame periods
    centred on each frame time (``times`` seconds); -120 dB past the end of the audio."""
    half = 1.0 / fps
    out = np.full(len(times), -120.0)
    for k, t in enumerate(times):
        a, b = max(0, int((t - half) * rate)), min(len(samples), int((t + half) * rate))
        if b > a:
            rms = float(np.sqrt(np.mean(samples[a:b].astype(np.float64) ** 2)))
            out[k] = 20 * np.log10(max(rms, 1e-6))
    return out


def pause_frames(db: np.ndarray, fps: float, below: float = 30.0, seconds: float = 0.3):
    """``bool (N,)``: frames in runs of at least ``seconds`` whose level is more than ``below``
    dB under the speech's loud level (the 95th percentile of ``db``)."""
    quiet = db < np.percentile(db, 95) - below
    out = np.zeros_like(quiet)
    k = 0
    while k < len(quiet):
        if not quiet[k]:
            k += 1
            continue
        end = k
        while end < len(quiet) and quiet[end]:
            end += 1
        if (end - k) / fps >= seconds:
            out[k:end] = True
        k = end
    return out


def busiest_window(series: np.ndarray, length: int) -> int:
    """First frame of the ``length``-frame window where ``series`` varies most (NaN ignored)."""
    n = len(series)
    if n <= length:
        return 0
    spread = [
        np.nanstd(series[k : k + length]) if np.isfinite(series[k : k + length]).any() else -1.0
        for k in range(0, n - length + 1)
    ]
    return int(np.argmax(spread))


# --- contact sheets ----------------------------------------------------------------------------
def mouth_crop(image: np.ndarray, pts: np.ndarray | None) -> np.ndarray:
    """``uint8 (TILE_H, TILE_W, 3)``: the mouth of ``image``, centred on the lip points and
    :data:`CROP_W` x :data:`CROP_H` IOD in size (grey when there is no face)."""
    if pts is None:
        return np.full((TILE_H, TILE_W, 3), 64, np.uint8)
    cx, cy = pts[LIPS].mean(axis=0)
    d = iod(pts)
    sx, sy = TILE_W / (CROP_W * d), TILE_H / (CROP_H * d)
    affine = np.array([[sx, 0, TILE_W / 2 - sx * cx], [0, sy, TILE_H / 2 - sy * cy]])
    return cv2.warpAffine(
        image,
        affine,
        (TILE_W, TILE_H),
        flags=cv2.INTER_AREA,
        borderMode=cv2.BORDER_CONSTANT,
        borderValue=(64, 64, 64),
    )


def _text(img: np.ndarray, text: str, org: tuple[int, int], scale: float = 0.4) -> None:
    """White ``text`` with a one-pixel black outline (thick strokes would space it wider)."""
    font = cv2.FONT_HERSHEY_SIMPLEX
    for dx, dy in ((-1, 0), (1, 0), (0, -1), (0, 1)):
        cv2.putText(img, text, (org[0] + dx, org[1] + dy), font, scale, (0, 0, 0), 1, cv2.LINE_AA)
    cv2.putText(img, text, org, font, scale, (255, 255, 255), 1, cv2.LINE_AA)


def contact_sheet(
    title: str,
    frames: list[int],
    rows: list[tuple[str, list[np.ndarray], list[float]]],
    marked: set[int] = frozenset(),
    per_band: int = 12,
) -> np.ndarray:
    """``uint8 (H, W, 3)`` RGB sheet: a title line, then bands of ``per_band`` frames, each
    band one row of mouth tiles per ``(name, tiles, apertures)`` (one tile per index of
    ``frames``), each tile labelled with its frame index and aperture (IOD). Frames in
    ``marked`` (pauses) get a red underline."""
    head, gap = 18, 8
    bands = [
        list(range(k, min(len(frames), k + per_band))) for k in range(0, len(frames), per_band)
    ]
    band_h = len(rows) * (TILE_H + 2) + gap
    width = LABEL_W + min(per_band, len(frames)) * (TILE_W + 2)
    sheet = np.full((head + len(bands) * band_h, width, 3), 24, np.uint8)
    _text(sheet, title, (4, 13), 0.42)
    for b, band in enumerate(bands):
        for r, (name, tiles, apertures) in enumerate(rows):
            y = head + b * band_h + r * (TILE_H + 2)
            _text(sheet, name, (4, y + TILE_H // 2 + 4), 0.42)
            for c, j in enumerate(band):
                x = LABEL_W + c * (TILE_W + 2)
                sheet[y : y + TILE_H, x : x + TILE_W] = tiles[j]
                _text(sheet, f"{frames[j]}", (x + 3, y + 12))
                ap = apertures[j]
                _text(sheet, f"{ap:.3f}" if np.isfinite(ap) else "-", (x + 3, y + TILE_H - 5))
                if frames[j] in marked:
                    sheet[y + TILE_H - 3 : y + TILE_H, x : x + TILE_W] = (220, 40, 40)
    return sheet


def save_png(path: Path, rgb: np.ndarray) -> Path:
    """Write ``rgb`` as a PNG, atomically (temporary name beside it, then rename)."""
    tmp = path.with_name(f".{path.name}.tmp.png")
    if not cv2.imwrite(str(tmp), cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR)):
        raise SystemExit(f"could not write {path}")
    tmp.replace(path)
    return path
