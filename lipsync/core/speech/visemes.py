"""The phoneme -> viseme table: which mouth shape each phone aims for, and how strongly.

A *viseme class* groups phones that look alike on the lips. Each class has

- ``target``: the mouth state it aims for, one value per :data:`MOUTH_PARAMS` entry
  (``open`` 0..1, ``width`` -1..1 with negative = rounded/narrow, ``round`` 0..1,
  ``closure`` 0..1, ``labiodental`` 0..1, ``teeth`` 0..1);
- ``strength``: its dominance per parameter in the coarticulation model (how much it imposes
  that parameter on its neighbours: high for the lips of /p b m/ and /f v/ and for the rounding
  of /u o w/, low for the lips of /h k g/ which take their shape from the vowels around them);
- ``anticipation`` / ``carryover``: how far, in seconds, its dominance reaches before / after it;
- ``contact``: the parameter that must reach full contact even in a very short phone
  (``closure`` for bilabials, ``labiodental`` for /f v/).

Every IPA base symbol (so every espeak-ng language, after :func:`~.phonesets.split_ipa`) and
every ARPAbet phone (via :func:`~.phonesets.arpabet_to_ipa`) maps to one class:

=============  ===========================================  ===============================
class          IPA symbols                                  ARPAbet
=============  ===========================================  ===============================
rest           pause / silence                              SIL, noise
bilabial       p b m ɓ ʙ                                    P B M
bilabial_fric  ɸ β                                          -
labiodental    f v ɱ ʋ                                      F V
dental         θ ð                                          TH DH
alveolar       t d n ɾ ɗ ʈ ɖ ɳ r ʔ                          T D N
sibilant       s z ts dz                                    S Z
postalveolar   ʃ ʒ tʃ dʒ ɕ ʑ ʂ ʐ tɕ dʑ ʈʂ ɖʐ                SH ZH CH JH
lateral        l ɫ ɭ ʎ ɬ ɮ ʟ                                L
rhotic         ɹ ɻ                                          R
palatal        j ç ʝ ɲ c ɟ                                  Y
velar          k g ɡ ŋ x ɣ q ɢ χ ʁ ʀ ɰ                      K G NG
glottal        h ɦ                                          HH
labial_glide   w ʍ ɥ                                        W
close_front    i ɪ ɨ ᵻ                                      IY IH
mid_front      e ɛ ɘ                                        EY EH
open_front     æ a ɶ                                        AE
open_back      ɑ                                            AA
open_mid       ɐ ʌ                                          AH (stressed)
mid_central    ə ɜ ɞ ɚ ɝ ɤ                                  AH0 ER
open_round     ɔ ɒ                                          AO
mid_round      o                                            OW (first half)
close_round    u ʊ ʉ ɯ                                      UW UH
front_round    y ʏ                                          -
mid_front_rnd  ø œ                                          -
=============  ===========================================  ===============================

Diphthongs and affricate clusters are split into their parts (``aɪ`` = open_front then
close_front), each part taking a share of the phone's duration (:func:`phone_parts`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from lipsync.core.speech import parameters as P
from lipsync.core.speech.phonesets import base_symbols
from lipsync.core.types import MOUTH_PARAMS

#: Index of each mouth parameter in a target / strength vector.
OPEN, WIDTH, ROUND, CLOSURE, LABIODENTAL, TEETH = range(len(MOUTH_PARAMS))

#: The speaker's neutral mouth: lips relaxed and together, nothing shown.
NEUTRAL: tuple[float, ...] = (0.0, 0.0, 0.0, 0.0, 0.0, 0.0)


@dataclass(frozen=True)
class VisemeClass:
    """One mouth shape and how it coarticulates (see the module docstring)."""

    name: str
    target: tuple[float, float, float, float, float, float]
    strength: tuple[float, float, float, float, float, float]
    anticipation: float = P.DEFAULT_ANTICIPATION
    carryover: float = P.DEFAULT_CARRYOVER
    contact: str | None = None

    @property
    def target_array(self) -> np.ndarray:
        """``float32 (P,)`` target in :data:`MOUTH_PARAMS` order."""
        return np.asarray(self.target, dtype=np.float32)


def _vc(name, target, strength, anticipation=None, carryover=None, contact=None) -> VisemeClass:
    return VisemeClass(
        name,
        tuple(float(v) for v in target),  # type: ignore[arg-type]
        tuple(float(v) for v in strength),  # type: ignore[arg-type]
        P.DEFAULT_ANTICIPATION if anticipation is None else anticipation,
        P.DEFAULT_CARRYOVER if carryover is None else carryover,
        contact,
    )


_R = P.ROUNDING_ANTICIPATION
#                         open  width round clos  labio teeth
CLASSES: Mapping[str, VisemeClass] = {
    c.name: c
    for c in (
        _vc("rest", NEUTRAL, (P.SILENCE_STRENGTH,) * 6, 0.06, 0.06),
        _vc("bilabial", (0.0, 0.0, 0.0, 1.0, 0.0, 0.0), (1.0, 0.3, 0.3, 1.0, 0.8, 0.8),
            0.05, 0.03, contact="closure"),
        _vc("bilabial_fric", (0.08, 0.0, 0.1, 0.6, 0.0, 0.0), (0.8, 0.3, 0.3, 0.8, 0.6, 0.6)),
        _vc("labiodental", (0.1, 0.1, 0.0, 0.0, 1.0, 0.6), (0.9, 0.4, 0.4, 0.9, 1.0, 0.8),
            0.05, 0.03, contact="labiodental"),
        _vc("dental", (0.2, 0.1, 0.0, 0.0, 0.0, 0.8), (0.6, 0.3, 0.3, 0.9, 0.7, 0.8)),
        _vc("alveolar", (0.2, 0.1, 0.0, 0.0, 0.0, 0.5), (0.4, 0.2, 0.2, 0.9, 0.7, 0.5)),
        _vc("sibilant", (0.1, 0.3, 0.0, 0.0, 0.0, 0.9), (0.6, 0.4, 0.3, 0.9, 0.7, 0.8)),
        _vc("postalveolar", (0.15, -0.3, 0.6, 0.0, 0.0, 0.7), (0.6, 0.6, 0.7, 0.9, 0.7, 0.7)),
        _vc("lateral", (0.3, 0.1, 0.0, 0.0, 0.0, 0.4), (0.4, 0.2, 0.2, 0.9, 0.7, 0.4)),
        _vc("rhotic", (0.2, -0.3, 0.5, 0.0, 0.0, 0.2), (0.5, 0.5, 0.5, 0.9, 0.7, 0.4)),
        _vc("palatal", (0.15, 0.4, 0.0, 0.0, 0.0, 0.5), (0.5, 0.4, 0.3, 0.9, 0.7, 0.5)),
        _vc("velar", (0.3, 0.0, 0.0, 0.0, 0.0, 0.3), (0.3, 0.15, 0.15, 0.9, 0.7, 0.3)),
        _vc("glottal", (0.35, 0.0, 0.0, 0.0, 0.0, 0.2), (0.15, 0.1, 0.1, 0.9, 0.7, 0.2)),
        _vc("labial_glide", (0.1, -0.8, 0.9, 0.0, 0.0, 0.0), (0.7, 0.9, 0.9, 0.9, 0.7, 0.7),
            _R, 0.05),
        _vc("close_front", (0.25, 0.7, 0.0, 0.0, 0.0, 0.6), (0.6, 0.7, 0.6, 0.9, 0.7, 0.6)),
        _vc("mid_front", (0.5, 0.5, 0.0, 0.0, 0.0, 0.5), (0.7, 0.6, 0.5, 0.9, 0.7, 0.5)),
        _vc("open_front", (0.85, 0.4, 0.0, 0.0, 0.0, 0.4), (0.8, 0.5, 0.5, 0.9, 0.7, 0.5)),
        _vc("open_back", (0.9, 0.1, 0.0, 0.0, 0.0, 0.3), (0.8, 0.5, 0.5, 0.9, 0.7, 0.5)),
        _vc("open_mid", (0.6, 0.1, 0.0, 0.0, 0.0, 0.3), (0.7, 0.4, 0.4, 0.9, 0.7, 0.4)),
        _vc("mid_central", (0.45, 0.0, 0.0, 0.0, 0.0, 0.3), (0.5, 0.3, 0.3, 0.9, 0.7, 0.4)),
        _vc("open_round", (0.65, -0.4, 0.6, 0.0, 0.0, 0.2), (0.8, 0.7, 0.8, 0.9, 0.7, 0.5),
            _R, 0.05),
        _vc("mid_round", (0.45, -0.6, 0.8, 0.0, 0.0, 0.1), (0.7, 0.8, 0.9, 0.9, 0.7, 0.5),
            _R, 0.05),
        _vc("close_round", (0.2, -0.8, 0.95, 0.0, 0.0, 0.0), (0.6, 0.9, 0.95, 0.9, 0.7, 0.6),
            _R, 0.05),
        _vc("front_round", (0.2, -0.6, 0.9, 0.0, 0.0, 0.1), (0.6, 0.9, 0.95, 0.9, 0.7, 0.6),
            _R, 0.05),
        _vc("mid_front_rnd", (0.45, -0.5, 0.7, 0.0, 0.0, 0.2), (0.7, 0.8, 0.9, 0.9, 0.7, 0.5),
            _R, 0.05),
    )
}  # fmt: skip

_GROUPS: Mapping[str, str] = {
    "bilabial": "p b m ɓ ʙ",
    "bilabial_fric": "ɸ β",
    "labiodental": "f v ɱ ʋ",
    "dental": "θ ð",
    "alveolar": "t d n ɾ ɗ ʈ ɖ ɳ r ʔ",
    "sibilant": "s z ts dz",
    "postalveolar": "ʃ ʒ tʃ dʒ ɕ ʑ ʂ ʐ tɕ dʑ ʈʂ ɖʐ",
    "lateral": "l ɫ ɭ ʎ ɬ ɮ ʟ",
    "rhotic": "ɹ ɻ",
    "palatal": "j ç ʝ ɲ c ɟ",
    "velar": "k ɡ ŋ x ɣ q ɢ χ ʁ ʀ ɰ",
    "glottal": "h ɦ",
    "labial_glide": "w ʍ ɥ",
    "close_front": "i ɪ ɨ ᵻ",
    "mid_front": "e ɛ ɘ",
    "open_front": "æ a ɶ",
    "open_back": "ɑ",
    "open_mid": "ɐ ʌ",
    "mid_central": "ə ɜ ɞ ɚ ɝ ɤ",
    "open_round": "ɔ ɒ",
    "mid_round": "o",
    "close_round": "u ʊ ʉ ɯ",
    "front_round": "y ʏ",
    "mid_front_rnd": "ø œ",
}

#: IPA base symbol -> viseme class name.
IPA_TO_VISEME: Mapping[str, str] = {s: cls for cls, syms in _GROUPS.items() for s in syms.split()}

#: Share of a two-part phone (diphthong, cluster) given to its first part.
FIRST_PART_SHARE = 0.6

#: Base symbols of the bilabial stops and nasal (/p b m/): the closures the tests measure.
BILABIAL_SYMBOLS = frozenset(_GROUPS["bilabial"].split())


def viseme_of(symbol: str) -> VisemeClass:
    """The class of one IPA base symbol (unknown symbols look like a neutral mid vowel)."""
    return CLASSES[IPA_TO_VISEME.get(symbol, "mid_central")]


def phone_parts(label: str) -> list[tuple[VisemeClass, float]]:
    """Viseme classes of one phone label (IPA or ARPAbet) with their share of its duration.

    A pause gives ``[(rest, 1.0)]``; a diphthong two parts (``FIRST_PART_SHARE`` then the rest);
    longer clusters equal shares.
    """
    symbols = base_symbols(label)
    if not symbols:
        return [(CLASSES["rest"], 1.0)]
    if len(symbols) == 1:
        return [(viseme_of(symbols[0]), 1.0)]
    if len(symbols) == 2:
        first, second = (viseme_of(s) for s in symbols)
        return [(first, FIRST_PART_SHARE), (second, 1.0 - FIRST_PART_SHARE)]
    share = 1.0 / len(symbols)
    return [(viseme_of(s), share) for s in symbols]


def is_bilabial(label: str) -> bool:
    """True when the phone contains a bilabial closure /p b m/ (IPA or ARPAbet label)."""
    return any(s in BILABIAL_SYMBOLS for s in base_symbols(label))
