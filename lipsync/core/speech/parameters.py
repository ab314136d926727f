"""Every tunable number of speech analysis, in one place, with its unit.

The mouth model (targets per viseme class) lives in :mod:`lipsync.core.speech.visemes`; this
module holds how those targets are blended over time (coarticulation), how audio is framed and
measured (acoustics), and how the recognisers are configured. Values were set on espeak-ng
speech in English, Spanish, German and French (see ``tests/core/speech``) and are meant to be
changed here, not in the modules that use them.
"""

from __future__ import annotations

from lipsync.core.constants import SPEECH_SAMPLE_RATE

# --- Audio framing (acoustics, recognisers) ----------------------------------------------------
ANALYSIS_RATE = SPEECH_SAMPLE_RATE  # Hz; every analyser works on mono float32 at this rate
HOP_SECONDS = 0.010  # s; one acoustic frame (the pocketsphinx frame rate is 100 frames/s)
HOP_SAMPLES = round(ANALYSIS_RATE * HOP_SECONDS)  # samples per acoustic frame (160)
WINDOW_SAMPLES = round(ANALYSIS_RATE * 0.025)  # samples per analysis window (25 ms)
LPC_ORDER = 12  # linear-prediction order for formant estimates at 16 kHz (2 + rate/1 kHz ≈ 18;
#               # 12 keeps the two lowest formants stable on voiced speech)
PRE_EMPHASIS = 0.97  # first-order pre-emphasis coefficient before LPC

# --- Silence detection -------------------------------------------------------------------------
SILENCE_FLOOR_DB = -55.0  # dBFS; a frame quieter than this is silence whatever the clip level
SILENCE_BELOW_PEAK_DB = 35.0  # dB; a frame this far below the clip's loud frames is silence
PEAK_PERCENTILE = 95.0  # percentile of frame energies taken as the clip's "loud" level
MIN_SPEECH_SECONDS = 0.03  # s; shorter islands of energy are treated as clicks, not speech
MIN_PAUSE_SECONDS = 0.06  # s; shorter gaps inside speech are not turned into silence

# --- Coarticulation (Cohen–Massaro dominance functions) ---------------------------------------
# Each phone has a target per mouth parameter and a dominance that is ``strength`` inside the
# phone and decays as exp(-(d / tau) ** DOMINANCE_SHAPE) at distance ``d`` seconds outside it,
# with ``tau`` = the class's anticipation (before the phone) or carry-over (after it). The mouth
# at time t is the dominance-weighted mean of all targets. Strengths and taus per viseme class
# are in :mod:`lipsync.core.speech.visemes`; these are the shared defaults and limits.
DOMINANCE_SHAPE = 1.0  # exponent c of the dominance decay (1 = Cohen–Massaro's exponential)
DEFAULT_ANTICIPATION = 0.045  # s; how far a phone reaches back into its predecessors
DEFAULT_CARRYOVER = 0.035  # s; how far a phone lingers into its successors
ROUNDING_ANTICIPATION = 0.120  # s; rounded vowels and /w/ reach back this far (lip protrusion
#                              # starts several phones early)
CONTEXT_SECONDS = 0.6  # s; phones further than this from a frame are ignored (speed bound)
SILENCE_STRENGTH = 0.35  # dominance of a pause: low, so short word gaps do not drop the mouth
EDGE_SILENCE_SECONDS = 0.5  # s; virtual silence added before the first and after the last phone
FULL_CONTACT_LEVEL = 1.0  # closure / labiodental value a short contact phone is forced to reach
CONTACT_OPEN_MAX = 0.05  # open at most this much on the frame of a forced bilabial contact

# --- Acoustic shaping of the track -------------------------------------------------------------
ENERGY_OPEN_WEIGHT = 0.35  # 0..1; share of ``open`` scaled by the loudness envelope (audio only)
ENERGY_SMOOTH_SECONDS = 0.03  # s; moving-average length of the loudness envelope

# --- Recognisers (pocketsphinx) ----------------------------------------------------------------
ALIGN_BEAM = 1e-100  # pocketsphinx -beam/-pbeam for forced alignment (far wider than the
#                    # default 1e-48: synthetic voices score poorly against the en-US model and
#                    # narrower beams lose the grammar before its end)
ALIGN_WBEAM = 1e-80  # pocketsphinx -wbeam for forced alignment
PHONE_LOOP_BEAM = 1e-30  # pocketsphinx -beam for the phone loop
PHONE_LOOP_PBEAM = 1e-30  # pocketsphinx -pbeam for the phone loop
PHONE_LOOP_LW = 1.0  # language weight of the phone bigram (en-us-phone.lm.bin)
PHONE_LOOP_PIP = 1.0  # phone insertion probability
