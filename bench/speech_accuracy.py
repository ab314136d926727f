"""Accuracy of speech analysis without and with a transcript, on held-out espeak-ng speech.

Run: ``python bench/speech_accuracy.py [--plot accuracy.png] [--snr 20]``. The sentences (7
languages) are not the test suite's; ``--snr`` adds seeded white noise at that signal-to-noise
ratio (dB) before the analysis; espeak-ng's own phoneme events are the truth, as in the acceptance
tests. Per language and source it prints closure recall (share of /p b m/ with closed lips
within one frame), closure precision (share of closed frames near a true /p b m/) and Pearson r
of ``open`` against the exact-timing track. Goal (issue 4): recall >= 70 % and r >= 0.5
audio-only; recall >= 90 % and r >= 0.8 with the transcript.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from lipsync.core.speech.espeak import synthesize
from lipsync.core.speech.phone_events import events_to_segments
from lipsync.core.speech.scoring import bilabial_recall, closure_precision, open_correlation
from lipsync.core.speech.track import analyse_speech
from lipsync.core.speech.visemes import is_bilabial

FPS = 25.0
SENTENCES = {
    "en": ("en-us", ["Please bring the big brown box to my brother.",
                     "The man put a map in his backpack before the trip.",
                     "Maybe the baby will sleep better in the morning.",
                     "Tim and Sam bought lamps and a couple of blue mugs."]),
    "es": ("es", ["Mi abuelo vive en un pueblo bonito de montaña.",
                  "El perro busca la pelota bajo la mesa blanca.",
                  "Paco compra pan y mantequilla para el desayuno.",
                  "Por favor, pon los platos en el armario."]),
    "de": ("de", ["Peter möchte morgen mit dem Bus nach Bremen fahren.",
                  "Meine Mutter backt jeden Sonntag Brot.",
                  "Bitte bring mir ein Bier und eine Brezel.",
                  "Im Sommer baden wir im blauen Meer."]),
    "fr": ("fr", ["Mon ami prend le bus pour aller au marché.",
                  "Le bébé mange une banane avec maman.",
                  "Pierre a acheté un beau bateau bleu.",
                  "Nous partons demain matin pour Bordeaux."]),
    "it": ("it", ["Mio padre beve un bicchiere di vino bianco.",
                  "La bambina mangia una mela sul prato."]),
    "pt": ("pt", ["O menino bebe um copo de leite por dia.",
                  "A minha mãe compra pão na padaria."]),
    "nl": ("nl", ["Mijn broer bakt brood in de bakkerij.",
                  "Papa pakt een boek uit de boekenkast."]),
}  # fmt: skip
SOURCES = ("audio", "alignment")


def _noisy(samples: np.ndarray, snr: float | None, seed: int) -> np.ndarray:
    if snr is None:
        return samples
    power = float(np.mean(samples.astype(np.float64) ** 2))
    noise = np.random.default_rng(seed).standard_normal(samples.shape[0])
    return (samples + noise * np.sqrt(power / 10 ** (snr / 10))).astype(np.float32)


def _score(
    lang: str, voice: str, texts: list[str], snr: float | None = None
) -> dict[str, tuple[float, float, float]]:
    """{source: (recall, precision, mean r)} over ``texts``, recall pooled over closures."""
    sums = {s: [0.0, 0, [], []] for s in SOURCES}  # hits, closures, precisions, rs
    for k, text in enumerate(texts):
        syn = synthesize(text, lang=lang, voice=voice)
        truth = events_to_segments(syn.events)
        ref = analyse_speech(syn.samples, syn.sample_rate, FPS, espeak_events=syn.events)
        samples = _noisy(syn.samples, snr, k)
        n = sum(is_bilabial(s.label) for s in truth)
        for source in SOURCES:
            given = {"text": text, "lang": lang} if source == "alignment" else {}
            track = analyse_speech(samples, syn.sample_rate, FPS, **given)
            acc = sums[source]
            acc[0] += bilabial_recall(track, truth) * n
            acc[1] += n
            acc[2].append(closure_precision(track, truth))
            acc[3].append(open_correlation(track, ref))
    return {s: (a[0] / a[1], float(np.mean(a[2])), float(np.mean(a[3]))) for s, a in sums.items()}


def _plot(results: dict[str, dict[str, tuple[float, float, float]]], path: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    langs = list(results)
    fig, axes = plt.subplots(1, 3, figsize=(12, 3.6), sharey=True)
    panels = (("closure recall", 0.7), ("closure precision", None), ("r of open", 0.5))
    for k, (ax, (name, goal)) in enumerate(zip(axes, panels, strict=True)):
        for j, source in enumerate(SOURCES):
            values = [results[lang][source][k] for lang in langs]
            ax.bar(np.arange(len(langs)) + 0.4 * j - 0.2, values, 0.4, label=source)
        if goal is not None:
            ax.axhline(goal, color="k", ls="--", lw=1, label="audio-only goal")
        ax.set_xticks(np.arange(len(langs)), langs)
        ax.set_title(name)
        ax.set_ylim(0, 1)
    axes[0].legend(loc="lower left", fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    print(f"plot: {path}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--plot", metavar="PNG", help="also draw the figures as bar charts")
    parser.add_argument("--snr", type=float, metavar="DB", help="add white noise at this SNR")
    args = parser.parse_args()
    t0 = time.perf_counter()
    results = {
        lang: _score(lang, voice, texts, args.snr) for lang, (voice, texts) in SENTENCES.items()
    }
    n = sum(len(t) for _, t in SENTENCES.values())
    noise = f", white noise at {args.snr:g} dB SNR" if args.snr is not None else ""
    print(f"speech accuracy, {n} held-out espeak-ng sentences in {len(SENTENCES)} languages"
          f"{noise}, {FPS:g} fps ({time.perf_counter() - t0:.0f} s)")  # fmt: skip
    print(f"  {'':4} {'source':<10} {'recall':>7} {'precision':>9} {'r':>6}")
    for source in SOURCES:
        for lang, by_source in results.items():
            recall, precision, r = by_source[source]
            print(f"  {lang:<4} {source:<10} {recall:7.0%} {precision:9.2f} {r:6.2f}")
        mean = np.mean([by_source[source] for by_source in results.values()], axis=0)
        print(f"  {'mean':<4} {source:<10} {mean[0]:7.0%} {mean[1]:9.2f} {mean[2]:6.2f}")
    if args.plot:
        _plot(results, args.plot)


if __name__ == "__main__":
    main()
