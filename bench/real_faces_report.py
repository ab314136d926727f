"""The table and the acceptance of ``bench/real_faces.py``: one row per case and renderer,
printed aligned on the terminal or written as a Markdown table (the same cells, rounded as
printed), and the goals of issues 19 and 20 per renderer.

A case is a dict of figures (see ``real_faces.measure``) whose ``renderers`` maps each
renderer's name to its own figures, or to ``{"error": message}`` when that run failed; a case
that could not be prepared is ``{"case", "kind", "error"}``.
"""

from __future__ import annotations

import numpy as np

# Issue 19: the lip sync on real faces.
GOAL_R_MEAN, GOAL_R_EACH, GOAL_LMD = 0.40, 0.30, 0.85  # r (lag 0+-1); LMD / chance
GOAL_SHARP, GOAL_PSNR = (0.85, 1.15), 40.0  # sharpness output / input; dB outside
# Issue 20: the exemplar renderer (the speaker's own mouths).
GOAL20_LMD = 0.75  # LMD / chance on the true-mouth clips
GOAL20_SHARP = (0.9, 1.1)  # sharpness output / input
GOAL20_FLICKER = 1.2  # flicker output / real footage
WORD = {True: "ok", False: "NOT MET", None: "not measured"}

# (header, right-aligned); "once" columns are filled on a case's first row only
COLUMNS = (
    ("case", False),
    ("kind", False),
    ("frames", True),
    ("ref", False),
    ("renderer", False),
    ("r", True),
    ("r best (lag)", True),
    ("r chance", True),
    ("LMD%", True),
    ("chance", True),
    ("still", True),
    ("ratio", True),
    ("aperture real/in", True),
    ("aperture out", True),
    ("sharp real", True),
    ("sharp", True),
    ("sharp shape (frames)", True),
    ("PSNR min/mean", True),
    ("flicker real", True),
    ("flicker out", True),
    ("flicker ratio", True),
    ("pause ap/rest (at rest)", True),
    ("sync s", True),
)


def _f(value: float | None, fmt: str = ".2f") -> str:
    return "-" if value is None or not np.isfinite(value) else format(value, fmt)


def _once(case: dict) -> list[str]:
    """The case's own cells: kind, frames, reference and the input/chance figures."""
    a = case["aperture"]
    real = a["truth"]["mean"] if "truth" in a else None
    lmd = _f(100 * case["lmd_chance"], ".1f") if "lmd_chance" in case else "-"
    still = (
        _f(case["lmd_still"] / case["lmd_chance"]) if "lmd_still" in case else "-"
    )  # as a ratio to chance, like each render's
    return [
        case["kind"],
        str(case["frames"]),
        case["reference"],
        _f(case["r_chance"]),
        lmd,
        still,
        f"{_f(real, '.3f')}/{_f(a['input']['mean'], '.3f')}",
        _f(case.get("sharpness_real")),
        _f(case["flicker_real"], ".1f"),
    ]


def _shaped(fig: dict) -> str:
    """The shape-matched sharpness, with the share of frames it is over where not all."""
    share = fig.get("sharpness_shape_frames", 1.0)
    return _f(fig.get("sharpness_shape")) + (f" ({share:.0%})" if share < 0.995 else "")


def _per_renderer(fig: dict) -> list[str]:
    """One renderer's cells (r .. sync s, without the case's own)."""
    p = fig["pauses"]
    pause = (
        f"{_f(p['output'], '.3f')}/{p['rest']:.3f} ({_f(p['at_rest'], '.0%')})"
        if p["frames"]
        else "no pause"
    )
    return [
        _f(fig["r"]),
        f"{_f(fig['r_best'])}({fig['lag']:+d})",
        _f(100 * fig["lmd"], ".1f") if "lmd" in fig else "-",
        _f(fig.get("lmd_ratio")),
        _f(fig["aperture"]["mean"], ".3f"),
        _f(fig["sharpness"]),
        _shaped(fig),
        f"{_f(fig['psnr_outside_min'], '.1f')}/{_f(fig['psnr_outside'], '.1f')}",
        _f(fig["flicker"], ".1f"),
        _f(fig["flicker_ratio"]),
        pause,
        _f(fig.get("lipsync_seconds"), ".0f"),
    ]


def rows(cases: list[dict], renderers: list[str]) -> list[list[str] | tuple[str, str, str]]:
    """The table's rows: a list of cells per case and renderer, or ``(case, kind, message)``
    for a run that failed."""
    out: list = []
    for case in cases:
        if "error" in case:
            out.append((case["case"], case["kind"], f"failed: {case['error']}"))
            continue
        first = True
        for name in renderers:
            fig = case["renderers"][name]
            if "error" in fig:
                out.append((case["case"], case["kind"], f"{name} failed: {fig['error']}"))
                continue
            once = _once(case) if first else [""] * 9
            first = False
            mine = _per_renderer(fig)
            out.append(
                [
                    case["case"],
                    *once[:3],
                    name,
                    *mine[:2],
                    once[3],
                    mine[2],
                    once[4],
                    once[5],
                    mine[3],
                    once[6],
                    mine[4],
                    once[7],
                    *mine[5:8],
                    once[8],
                    *mine[8:],
                ]
            )
    return out


def text_table(cases: list[dict], renderers: list[str]) -> str:
    """The table aligned for a terminal."""
    body = rows(cases, renderers)
    cells = [r for r in body if isinstance(r, list)]
    widths = [max([len(h), *(len(r[k]) for r in cells)]) for k, (h, _) in enumerate(COLUMNS)]

    def line(values: list[str]) -> str:
        return "  ".join(
            v.rjust(w) if right else v.ljust(w)
            for v, w, (_, right) in zip(values, widths, COLUMNS, strict=True)
        ).rstrip()

    lines = [line([h for h, _ in COLUMNS])]
    for r in body:
        if isinstance(r, list):
            lines.append(line(r))
        else:
            lines.append(f"{r[0].ljust(widths[0])}  {r[1].ljust(widths[1])}  {r[2]}")
    return "\n".join(lines)


def _md(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")


def markdown_table(cases: list[dict], renderers: list[str]) -> str:
    """The table in Markdown (the same cells as :func:`text_table`); a failed run's row says
    so in the ``r`` column, shortened to its first 120 characters."""
    lines = [
        "| " + " | ".join(h for h, _ in COLUMNS) + " |",
        "|" + "|".join("---:" if right else "---" for _, right in COLUMNS) + "|",
    ]
    for r in rows(cases, renderers):
        if not isinstance(r, list):
            message = r[2] if len(r[2]) <= 120 else r[2][:119] + "…"
            r = [r[0], r[1], "", "", "", message] + [""] * (len(COLUMNS) - 6)
        lines.append("| " + " | ".join(_md(v) for v in r) + " |")
    return "\n".join(lines)


def _within(values: list[float], band: tuple[float, float]) -> bool:
    """Whether there are ``values`` and every one lies in ``band`` (inclusive)."""
    return bool(values) and all(band[0] <= v <= band[1] for v in values)


def _runs(cases: list[dict], name: str) -> tuple[list[dict], list[dict], list[str]]:
    """The cases with a measured run of renderer ``name``: all, the true-mouth ones, and the
    names of the failed ones."""
    runs, failed = [], []
    for case in cases:
        fig = case.get("renderers", {}).get(name, {"error": case.get("error")})
        if "error" in fig:
            failed.append(case["case"])
        else:
            runs.append({**case, **fig})
    return runs, [f for f in runs if f["kind"] == "true"], failed


def acceptance(cases: list[dict], name: str) -> dict:
    """Issue 19's and issue 20's goals on renderer ``name``'s figures (r: the best within one
    frame of lag 0; issue 20's r: each true-mouth case's no lower than the warp's, None when
    the warp was not run there).

    Sharpness is judged by the figures that measure blur alone: the shape-matched one on every
    case, and the plain one on the true-mouth cases, whose output says what the input said
    (the same speech, reversed). The plain figure of a cross-dub also counts what the new
    speech shows: latentsync_demo1 smiles over her teeth in almost every frame, and a dub
    that closes her lips cleanly reads 0.75 of her sharpness (shape-matched 0.99). Flicker
    is judged on the true-mouth cases: on a cross-dub the ratio also holds the new speech's
    own motion against the footage's (musetalk_sun's mouth is nearly still). Both are printed
    over every case as well (``sharpness_ok``, ``flicker_ok``)."""
    ok, true, failed = _runs(cases, name)
    rs = [f["r_within_1"] for f in true]
    sharp = [f["sharpness"] for f in ok]
    shaped = [f["sharpness_shape"] for f in ok if f.get("sharpness_shape") is not None]
    true_sharp = [f["sharpness"] for f in true]
    res: dict = {
        "true_mouth_r_mean": float(np.mean(rs)) if rs else None,
        "r_ok": bool(rs) and np.mean(rs) >= GOAL_R_MEAN and min(rs) >= GOAL_R_EACH,
        "lmd_ok": bool(true) and all(f["lmd_ratio"] <= GOAL_LMD for f in true),
        "sharpness_range": [min(sharp), max(sharp)] if sharp else None,
        "sharpness_ok": _within(sharp, GOAL_SHARP),
        "sharpness_shape_range": [min(shaped), max(shaped)] if shaped else None,
        "sharpness_shape_ok": _within(shaped, GOAL_SHARP),
        # the true-mouth clips alone: the output's mouth says what the input's said (the same
        # speech, reversed), so teeth or closures the footage lacks do not count as blur
        "sharpness_true_range": [min(true_sharp), max(true_sharp)] if true_sharp else None,
        "sharpness_true_ok": _within(true_sharp, GOAL_SHARP),
        "psnr_min": min(f["psnr_outside"] for f in ok) if ok else None,
        "psnr_ok": bool(ok) and all(f["psnr_outside"] >= GOAL_PSNR for f in ok),
        "failed_runs": failed,
    }
    at_rest = [f["pauses"]["at_rest"] for f in ok if f["pauses"]["at_rest"] is not None]
    res["pause_at_rest"] = float(np.mean(at_rest)) if at_rest else None
    res["sharpness_blur_ok"] = res["sharpness_shape_ok"] and res["sharpness_true_ok"]
    res["all_ok"] = (
        all(res[k] for k in ("r_ok", "lmd_ok", "sharpness_blur_ok", "psnr_ok")) and not failed
    )
    warp_r = {}
    for case in cases:
        warp = case.get("renderers", {}).get("warp", {})
        if case.get("kind") == "true" and "r_within_1" in warp:
            warp_r[case["case"]] = warp["r_within_1"]
    versus = [(f["case"], f["r_within_1"], warp_r.get(f["case"])) for f in true]
    flick = [f["flicker_ratio"] for f in ok]
    true_flick = [f["flicker_ratio"] for f in true]  # cross-dubs: the new speech moves too
    res["issue20"] = {
        "lmd_ok": bool(true) and all(f["lmd_ratio"] <= GOAL20_LMD for f in true),
        "r_vs_warp": versus,
        "r_ok": None
        if not versus or any(w is None for _, _, w in versus)
        else all(np.isfinite(r) and r >= w for _, r, w in versus),
        "sharpness_ok": _within(sharp, GOAL20_SHARP),
        "sharpness_shape_ok": _within(shaped, GOAL20_SHARP),
        "sharpness_true_ok": _within(true_sharp, GOAL20_SHARP),
        "psnr_ok": res["psnr_ok"],
        "flicker_max": max(flick) if flick else None,
        "flicker_ok": bool(ok) and all(np.isfinite(x) and x <= GOAL20_FLICKER for x in flick),
        "flicker_true_ok": bool(true_flick)
        and all(np.isfinite(x) and x <= GOAL20_FLICKER for x in true_flick),
    }
    i20 = res["issue20"]
    i20["sharpness_blur_ok"] = i20["sharpness_shape_ok"] and i20["sharpness_true_ok"]
    keys = ("lmd_ok", "r_ok", "sharpness_blur_ok", "psnr_ok", "flicker_true_ok")
    i20["all_ok"] = all(i20[k] for k in keys) and not failed
    return res


def summary(res: dict, cases: list[dict], name: str) -> list[str]:
    """Renderer ``name``'s acceptance lines: issue 19's, then issue 20's."""
    ok, true, failed = _runs(cases, name)
    rs = ", ".join(f"{f['case']} {f['r_within_1']:.2f}" for f in true)
    lmds = ", ".join(f"{f['lmd_ratio']:.2f}" for f in true)
    stills = ", ".join(_f(c["lmd_still"] / c["lmd_chance"]) for c in cases if "lmd_still" in c)
    sharp = "-".join(_f(s) for s in res["sharpness_range"] or ())
    shaped = "-".join(_f(s) for s in res["sharpness_shape_range"] or ())
    on_true = "-".join(_f(s) for s in res["sharpness_true_range"] or ())
    tail = f"; failed: {', '.join(failed)}" if failed else ""
    issue19 = (
        f"acceptance (issue 19), {name}: {'MET' if res['all_ok'] else 'NOT MET'}: true-mouth r "
        f"(lag 0+-1) mean {_f(res['true_mouth_r_mean'])} >= {GOAL_R_MEAN} each >= {GOAL_R_EACH}"
        f" [{rs}] {WORD[res['r_ok']]}; LMD <= {GOAL_LMD}x chance [{lmds}] "
        f"{WORD[res['lmd_ok']]}; sharpness {GOAL_SHARP[0]}-{GOAL_SHARP[1]}: shape-matched "
        f"[{shaped}] {WORD[res['sharpness_shape_ok']]}, true-mouth clips [{on_true}] "
        f"{WORD[res['sharpness_true_ok']]} (plain over every case [{sharp}] "
        f"{WORD[res['sharpness_ok']]}: a cross-dub's counts what the new speech shows); "
        f"PSNR outside >= {GOAL_PSNR:g} dB [min "
        f"{_f(res['psnr_min'], '.1f')}] {WORD[res['psnr_ok']]}; pause frames at rest "
        f"{_f(res['pause_at_rest'], '.0%')} (no numeric goal){tail}"
    )
    i20 = res["issue20"]
    versus = ", ".join(f"{c} {_f(r)} vs {_f(w)}" for c, r, w in i20["r_vs_warp"])
    why = "not measured (" + ("no warp run there)" if versus else "no true-mouth run)")
    flick = ", ".join(f"{f['case']} {_f(f['flicker_ratio'])}" for f in ok)
    true_flick = ", ".join(f"{f['case']} {_f(f['flicker_ratio'])}" for f in true)
    issue20 = (
        f"acceptance (issue 20), {name}: {'MET' if i20['all_ok'] else 'NOT MET'}: true-mouth "
        f"LMD <= {GOAL20_LMD}x chance [{lmds}] {WORD[i20['lmd_ok']]} (a still mouth: "
        f"[{stills or '-'}]); r (lag 0+-1) no lower "
        f"than the warp's [{versus}] "
        f"{WORD[i20['r_ok']] if i20['r_ok'] is not None else why}; "
        f"sharpness {GOAL20_SHARP[0]}-{GOAL20_SHARP[1]}: shape-matched [{shaped}] "
        f"{WORD[i20['sharpness_shape_ok']]}, true-mouth clips [{on_true}] "
        f"{WORD[i20['sharpness_true_ok']]} (plain over every case [{sharp}] "
        f"{WORD[i20['sharpness_ok']]}); PSNR outside >= {GOAL_PSNR:g} dB [min "
        f"{_f(res['psnr_min'], '.1f')}] {WORD[i20['psnr_ok']]}; flicker <= {GOAL20_FLICKER}x "
        f"real, true-mouth clips [{true_flick}] {WORD[i20['flicker_true_ok']]} (over every "
        f"case [{flick}] {WORD[i20['flicker_ok']]}: a cross-dub's counts the new speech's "
        f"motion){tail}"
    )
    return [issue19, issue20]
