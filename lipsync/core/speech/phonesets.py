"""Phone labels: IPA as espeak-ng writes it, ARPAbet as pocketsphinx writes it, and the
conversions between them.

- :func:`split_ipa` cuts an espeak-ng IPA phoneme (``"ˈaɪ"``, ``"tʃ"``, ``"ɑ̃"``, ``"pf"``) into
  the base symbols the viseme table knows, dropping stress, length and most diacritics.
- :func:`arpabet_to_ipa` and :func:`ipa_to_arpabet` convert between the two sets; the second
  maps every IPA symbol onto the nearest phone of the CMU (en-US) set, which is how text in any
  espeak-ng language is aligned with pocketsphinx's English acoustic model.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

#: Label used for silence / pauses in every source.
SILENCE = "_"

#: Rounding marks: ``ʷ`` (labialised) adds a /w/-like rounding after the base symbol.
_LABIALISED = "ʷ"

#: Multi-character symbols kept whole (affricates and r-coloured vowels).
_MULTI = ("tʃ", "dʒ", "ts", "dz", "tɕ", "dʑ", "ʈʂ", "ɖʐ", "ɚ", "ɝ")

#: Every base IPA symbol the tables below know (single code points plus :data:`_MULTI`).
IPA_SYMBOLS = frozenset(
    "pbmɓʙɸβfvɱʋθðtdnɾɗʈɖɳrɹɻszʃʒɕʑʂʐlɫɭʎɬɮʟjçʝɲcɟkgɡŋxɣqɢχʁʀɰhɦʔwʍɥiɪɨᵻʉyʏeɛɘəɜɞøœɶæaɐɑɒʌɔoɤʊuɯ"
) | frozenset(_MULTI)

# ARPAbet (CMU, as used by pocketsphinx's en-US model) -> IPA. AH is ʌ when stressed, ə when not.
_ARPABET_TO_IPA: Mapping[str, str] = {
    "AA": "ɑ", "AE": "æ", "AH": "ʌ", "AO": "ɔ", "AW": "aʊ", "AY": "aɪ", "EH": "ɛ", "ER": "ɝ",
    "EY": "eɪ", "IH": "ɪ", "IY": "i", "OW": "oʊ", "OY": "ɔɪ", "UH": "ʊ", "UW": "u",
    "B": "b", "CH": "tʃ", "D": "d", "DH": "ð", "F": "f", "G": "ɡ", "HH": "h", "JH": "dʒ",
    "K": "k", "L": "l", "M": "m", "N": "n", "NG": "ŋ", "P": "p", "R": "ɹ", "S": "s",
    "SH": "ʃ", "T": "t", "TH": "θ", "V": "v", "W": "w", "Y": "j", "Z": "z", "ZH": "ʒ",
}  # fmt: skip

# IPA base symbol -> nearest CMU phone(s) (space-separated when one IPA symbol needs two).
_IPA_TO_ARPABET: Mapping[str, str] = {
    # consonants
    "p": "P", "b": "B", "m": "M", "ɓ": "B", "ʙ": "B", "ɸ": "F", "β": "B", "f": "F", "v": "V",
    "ɱ": "M", "ʋ": "V", "θ": "TH", "ð": "DH", "t": "T", "d": "D", "n": "N", "ɾ": "R",
    "ɗ": "D", "ʈ": "T", "ɖ": "D", "ɳ": "N", "r": "R", "ɹ": "R", "ɻ": "R", "s": "S", "z": "Z",
    "ʃ": "SH", "ʒ": "ZH", "ɕ": "SH", "ʑ": "ZH", "ʂ": "SH", "ʐ": "ZH", "l": "L", "ɫ": "L",
    "ɭ": "L", "ʎ": "L Y", "ɬ": "SH", "ɮ": "L", "ʟ": "L", "j": "Y", "ç": "HH", "ʝ": "Y",
    "ɲ": "N Y", "c": "K", "ɟ": "G", "k": "K", "g": "G", "ɡ": "G", "ŋ": "NG", "x": "HH",
    "ɣ": "G", "q": "K", "ɢ": "G", "χ": "HH", "ʁ": "R", "ʀ": "R", "ɰ": "W", "h": "HH",
    "ɦ": "HH", "ʔ": "T", "w": "W", "ʍ": "W", "ɥ": "Y UW",
    "tʃ": "CH", "dʒ": "JH", "ts": "T S", "dz": "D Z", "tɕ": "CH", "dʑ": "JH", "ʈʂ": "CH",
    "ɖʐ": "JH",
    # vowels
    "i": "IY", "ɪ": "IH", "ɨ": "IH", "ᵻ": "IH", "ʉ": "UW", "y": "UW", "ʏ": "UH", "e": "EY",
    "ɛ": "EH", "ɘ": "AH", "ə": "AH", "ɜ": "ER", "ɞ": "AH", "ø": "ER", "œ": "ER", "ɶ": "AA",
    "æ": "AE", "a": "AA", "ɐ": "AH", "ɑ": "AA", "ɒ": "AA", "ʌ": "AH", "ɔ": "AO", "o": "OW",
    "ɤ": "AH", "ʊ": "UH", "u": "UW", "ɯ": "UH", "ɚ": "ER", "ɝ": "ER",
}  # fmt: skip

_ARPABET_RE = re.compile(r"^([A-Z]{1,2})([012])?$")


def is_silence(label: str) -> bool:
    """True for pause labels of any source (``_``, ``''``, ``SIL``, ``<sil>``, noise fillers)."""
    text = label.strip()
    if not text or text == SILENCE:
        return True
    upper = text.upper()
    return upper in {"SIL", "<SIL>", "SP", "SPN", "PAU", "<S>", "</S>"} or upper.startswith("+")


def is_arpabet(label: str) -> bool:
    """True when ``label`` looks like an ARPAbet phone (``AA1``, ``SH``) and not IPA."""
    m = _ARPABET_RE.match(label.strip())
    return m is not None and m.group(1) in _ARPABET_TO_IPA


def arpabet_to_ipa(label: str) -> str:
    """The IPA for one ARPAbet phone (stress digit optional); silence maps to :data:`SILENCE`."""
    if is_silence(label):
        return SILENCE
    m = _ARPABET_RE.match(label.strip())
    if not m or m.group(1) not in _ARPABET_TO_IPA:
        return SILENCE
    base, stress = m.group(1), m.group(2)
    if base == "AH" and stress == "0":
        return "ə"
    return _ARPABET_TO_IPA[base]


def split_ipa(label: str) -> list[str]:
    """Cut one IPA phoneme label into known base symbols, left to right.

    Diphthongs give two vowels (``"aɪ"`` -> ``["a", "ɪ"]``), affricates stay whole (``"tʃ"``),
    ``ʷ`` adds a ``w``, unknown characters are dropped. An empty list means a pause or a
    label with no phonetic content (e.g. espeak-ng's language-switch marks ``"(en)"``).
    """
    if label.startswith("(") and label.endswith(")"):
        return []
    out: list[str] = []
    i = 0
    text = label.strip()
    while i < len(text):
        pair = text[i : i + 2]
        if pair in _MULTI:
            out.append(pair)
            i += 2
            continue
        ch = text[i]
        i += 1
        if ch == _LABIALISED:
            out.append("w")
        elif ch in IPA_SYMBOLS:
            out.append("ɡ" if ch == "g" else ch)
        # anything else (diacritics, stress, unknown letters) carries no shape of its own
    return out


def ipa_to_arpabet(label: str) -> list[str]:
    """The CMU phones nearest to one IPA phoneme label (empty for pauses and marks)."""
    phones: list[str] = []
    for symbol in split_ipa(label):
        phones.extend(_IPA_TO_ARPABET.get(symbol, "").split())
    # a long vowel written twice, or "ts" after "t", gives doubled phones: keep one of each run
    return [p for k, p in enumerate(phones) if k == 0 or p != phones[k - 1]]


def base_symbols(label: str) -> list[str]:
    """IPA base symbols for a label of either set (ARPAbet is converted first)."""
    if is_silence(label):
        return []
    if is_arpabet(label):
        return split_ipa(arpabet_to_ipa(label))
    return split_ipa(label)
