"""Which of the speaker's own mouths to show: shape distance and a smooth path over time.

Pure computation (numpy in, numpy out). A target mouth (lips in rigid coordinates, see
:mod:`~lipsync.core.render.exemplar_bank`) is compared with every sample of the bank by the
mean distance of the 20 lip points after centring both on their outer corners, plus the
difference of their inner-lip gaps (``GAP_WEIGHT`` times: an open sample squeezed shut shows
its teeth through the lips, a closed one stretched open shows no interior), plus a cost for
samples paler or blurrier than the footage's (:func:`pale_penalty`, :func:`blur_penalty`).
Over a run of frames the samples are chosen by a short Viterbi path: the sum of the distances plus
``SWITCH_COST`` for every change of sample, so the mouth does not flicker between two samples
of nearly the same shape.
"""

from __future__ import annotations

import numpy as np

from lipsync.core.render.exemplar_bank import centred, lip_measures

GAP_WEIGHT = 1.5  # distance per IO of inner-gap difference, on top of the lip-point distance
PALE_WEIGHT = 0.1  # IO added per unit of lip contrast missing below PALE_SHARE of the bank's
PALE_SHARE = 0.75  # median (blurred or glaring frames show pale lips: teeth-like pixels)
BLUR_WEIGHT = 0.1  # IO added per unit of lip sharpness missing below BLUR_SHARE of the
BLUR_SHARE = 1.0  # footage's typical at the sample's aperture (motion blur)
SWITCH_COST = 0.012  # IO; the cost of changing sample between two frames
CANDIDATES = 6  # samples considered per frame (the nearest by distance)


def pale_penalty(contrasts: np.ndarray) -> np.ndarray:
    """``float32 (N,)``: cost (IO) of samples whose lips are paler against the skin than most
    of the bank's (``contrasts``: lip-skin colour distances)."""
    c = np.asarray(contrasts, np.float32)
    if not len(c):
        return c
    rel = c / max(float(np.median(c)), 1e-3)
    return (PALE_WEIGHT * np.maximum(PALE_SHARE - rel, 0.0)).astype(np.float32)


def blur_penalty(sharpness: np.ndarray, typical: np.ndarray) -> np.ndarray:
    """``float32 (N,)``: cost (IO) of samples whose lips are blurrier than the footage's
    typical lips at their own aperture (``sharpness``: the variance of the Laplacian of their
    lips on their own frame; ``typical``: the footage's at their gap,
    :meth:`~lipsync.core.render.exemplar_bank.ExemplarBank.typical`): a frame caught
    mid-movement. Against their own aperture, not the bank's median: a closed mouth shows
    less texture than one with teeth (against the median, retalking_face1's true-mouth r
    was 0.57 over five phases; against the typical at its aperture, 0.62). 0 in either (a profile's
    sample; too few frames) costs nothing. Without any such cost, samples labelled by the
    picture's lips (more cells, fewer frames each) drew a 2 s clip's mouth at 0.85 of its
    sharpness, 0.90 with it."""
    s = np.asarray(sharpness, np.float32)
    t = np.asarray(typical, np.float32)
    known = (s > 0.0) & (t > 0.0)
    rel = np.where(known, s / np.maximum(t, 1e-3), BLUR_SHARE)
    return (BLUR_WEIGHT * np.maximum(BLUR_SHARE - rel, 0.0)).astype(np.float32)


def distances(
    target_lips: np.ndarray, bank_lips: np.ndarray, bank_gaps: np.ndarray, penalty: np.ndarray
) -> np.ndarray:
    """``float32 (N,)``: cost (IO) of each sample for the target lips ``(20, 2)``, from the
    samples' centred lips ``(N, 20, 2)``, their mean inner gaps ``(N,)`` and a per-sample
    ``penalty`` ``(N,)`` (:func:`pale_penalty` plus :func:`blur_penalty`)."""
    if not len(bank_lips):
        return np.zeros(0, np.float32)
    t = centred(target_lips)
    point = np.sqrt(((bank_lips - t[None]) ** 2).sum(axis=2).mean(axis=1))
    gap, _ = lip_measures(target_lips)
    return (point + GAP_WEIGHT * np.abs(bank_gaps - gap) + penalty).astype(np.float32)


def best_path(costs: np.ndarray, start: int | None = None) -> np.ndarray:
    """``int64 (T,)``: the sample index per frame minimising the summed ``costs`` ``(T, N)``
    plus ``SWITCH_COST`` per change of sample (also from ``start``, the sample shown before
    the first frame, when given)."""
    t_len, n = costs.shape
    if t_len == 0 or n == 0:
        return np.zeros(t_len, np.int64)
    k = min(CANDIDATES, n)
    cand = np.argsort(costs, axis=1)[:, :k]
    if start is not None and 0 <= start < n:
        # the sample shown before stays a candidate, so the path can keep it
        cand = np.concatenate([cand, np.full((t_len, 1), start)], axis=1)
    local = np.take_along_axis(costs, cand, axis=1)
    total = local[0] + (SWITCH_COST * (cand[0] != start) if start is not None else 0.0)
    back = np.zeros(cand.shape, np.int64)
    for i in range(1, t_len):
        switch = SWITCH_COST * (cand[i][:, None] != cand[i - 1][None, :])
        step = total[None, :] + switch  # (to, from)
        back[i] = np.argmin(step, axis=1)
        total = local[i] + step[np.arange(cand.shape[1]), back[i]]
    path = np.zeros(t_len, np.int64)
    j = int(np.argmin(total))
    for i in range(t_len - 1, -1, -1):
        path[i] = cand[i, j]
        j = back[i, j]
    return path
