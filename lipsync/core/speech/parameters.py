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
LPC_ORDER = 18  # linear-prediction order for formant estimates at 16 kHz (2 + rate / 1 kHz;
#               # 12 missed F1 of close vowels: /i/ read as F1 2.1 kHz)
FORMANT_FFT = 512  # points of the LPC envelope searched for formant peaks (31 Hz apart)
FORMANT_MIN_HZ = 200.0  # Hz; envelope peaks below this are voicing, not F1
FORMANT_MAX_HZ = 4000.0  # Hz; F1 and F2 lie below this for every voice
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
# s; the audio-only analysis spreads ``open`` over a Gaussian of this standard deviation
# (before the bilabial and labiodental contacts are imposed, so they stay as sharp): the phones
# it hears in a real recording are often wrong a syllable at a time, and real mouths move more
# smoothly than phone targets do. On the two true-mouth clips of bench/real_faces.py (a tuning
# set: the value was chosen on them) the target's r against the real mouth rose from 0.60 /
# 0.36 to 0.65 / 0.42, and kept rising to 0.15 s; on the held-out espeak-ng sentences of
# bench/speech_accuracy.py r of ``open`` against the exact phones fell from 0.63 to 0.62 (nl
# 0.52 -> 0.49), closures untouched. Live mode (LiveCurve) spreads only as far as its
# look-ahead reaches on either side (the whole spread would need twice this past each frame).
AUDIO_OPEN_SPREAD_SECONDS = 0.1
ENERGY_SMOOTH_SECONDS = 0.03  # s; moving-average length of the loudness envelope
# Formants (F1 for the jaw, F2 for rounding) are measured (:mod:`~.acoustics`) but do not shape
# the track: blending a per-clip F1 openness into ``open`` (30 %) moved r by +0.02 on 22
# held-out sentences and by -0.13 on the German acceptance sentence, an F2 rounding into
# ``round`` by +0.02; the recognised vowel already carries most of what they tell.

# --- Level of recognised tracks (track.levelled) ----------------------------------------------
LEVEL_STEP_SECONDS = 0.02  # s; the whole curve is sampled this often to measure its level
LEVEL_SPEECH_MIN = 0.02  # open x (1 - closure) above this counts as speech for the level
LEVEL_MIN_SAMPLES = 10  # fewer speech samples than this: the level is left as it is
LEVEL_GAIN_MAX = 2.0  # the most ``open`` is raised by (a mumbled track stays quiet-looking)

# --- Recognisers (pocketsphinx) ----------------------------------------------------------------
# Both recognisers hear the audio with a faint white-noise floor added (seeded, so results are
# reproducible). The en-US model was trained on recordings that always have a noise floor;
# digitally silent stretches inside words (synthetic or noise-gated speech: the closure of a
# /p b/, the gap before a release) read to it as pauses, which made the phone loop lose most
# bilabial closures and made forced alignment of many non-English sentences fail outright.
# Recordings that already have a floor above this level are hardly changed.
RECOGNISER_FLOOR_BELOW_PEAK_DB = 30.0  # dB; noise RMS this far below the clip's loud frames
#                                      # (PEAK_PERCENTILE of 10 ms frame energies)
RECORDED_FLOOR_BELOW_PEAK_DB = 60.0  # dB; the same for speech that is not digitally quiet
#   (phone_loop.digital_quiet: a recording with a noise floor of its own), for every recogniser
#   (sphinx.recogniser_pcm): the phone loop, word recognition and forced alignment. The
#   floor above masks a real voice's weak consonants, and which phones the loop hears then
#   depends on the noise's draw: on the two true-mouth clips (a tuning set, see
#   LABIAL_MIN_FLAT_SHARE), the audio-only track's r against the speaker's own mouth over 8
#   seeds of the floor was 0.58 +- 0.07 and 0.31 +- 0.11 at 30 dB, 0.63 / 0.25 at 45 dB, 0.60 +-
#   0.02 and 0.44 +- 0.01 at 60 dB, 0.61 / 0.45 at 70 dB, 0.58 / 0.46 without a floor. Held
#   out (measured once, after the choice): latentsync_demo3's own speech against its mouth
#   (which leads the sound by ~4 frames), 4 seeds, 0.39 -> 0.44. Digitally quiet speech keeps
#   the floor above: at 60 dB espeak-ng's closure recall fell from 88 % to 51 %
#   (bench/speech_accuracy.py). Recognised then aligned (``--asr pocketsphinx``, English), 3
#   seeds, 30 -> 60 dB: face1 0.69 (0.57-0.75) -> 0.79, face3 0.47 (0.30-0.61) -> 0.48, and
#   latentsync_demo3's own speech 0.48 -> 0.58. Alignment of real speech with a transcript in
#   other languages is not measured here (no transcripts of real clips).
RECOGNISER_FLOOR_SEED = 0  # seed of the noise floor (deterministic output)
RECOGNISER_DELAY_SECONDS = 0.025  # s; added to every phone boundary both recognisers report.
#   Their frame times run early against where the phones are heard: on the 22 held-out
#   sentences of bench/speech_accuracy.py (espeak-ng's own events as truth), 0 / 15 / 25 / 35 ms
#   gave audio-only r of ``open`` 0.52 / 0.60 / 0.61 / 0.61 and closure precision 0.58 / 0.65 /
#   0.65 / 0.63 (recall 81-83 % throughout); aligned r 0.89 / 0.93 / 0.92 / 0.88, precision
#   0.81 / 0.88 / 0.91 / 0.90, recall 100 / 99 / 99 / 99 % (one Italian /p/ after a pause).
# Speed: pocketsphinx's cost is almost all Gaussian scoring (ptm_mgau_frame_eval), so the
# search beams barely matter; scoring every other frame (-ds 2) and the 2 best Gaussians per
# codebook (-topn 2, default 4) cut it about 2x. With the noise floor, alignment keeps 100 %
# closure recall in en/es/de/fr at these settings (without the floor, -ds 2 broke German).
# -topn 1 loses accuracy (a Spanish sentence failed to align); -ds 3 is too coarse for
# 20-40 ms stops. The phone loop keeps full-rate scoring (-ds 2 lost closures: 80 % -> 70 % on
# the 22 held-out sentences in 7 languages of bench/speech_accuracy.py) but scores only the best
# Gaussian: on those sentences -topn 1 / 2 / 4 found 81 / 80 / 81 % of closures (Spanish alone:
# 65 / 76 %) with r 0.51 / 0.54 / 0.50, at 54x / 47x / 41x real time on one core (goal 50x).
ALIGN_DS = 2  # pocketsphinx -ds for forced alignment: frames between Gaussian evaluations
ALIGN_TOPN = 2  # pocketsphinx -topn for forced alignment: Gaussians scored exactly per codebook
PHONE_LOOP_DS = 1  # pocketsphinx -ds for the phone loop
PHONE_LOOP_TOPN = 1  # pocketsphinx -topn for the phone loop (see above)
ALIGN_DITHER = True  # pocketsphinx -dither for alignment: still helps French (r 0.67 -> 0.87)
PHONE_LOOP_DITHER = False  # off: the seeded floor suffices, and the dither generator runs on
#                          # across utterances, making results depend on earlier calls
ALIGN_BEAM = 1e-100  # pocketsphinx -beam/-pbeam for forced alignment (far wider than the
#                    # default 1e-48: synthetic voices score poorly against the en-US model and
#                    # narrower beams lose the grammar before its end)
ALIGN_WBEAM = 1e-80  # pocketsphinx -wbeam for forced alignment
PHONE_LOOP_BEAM = 1e-30  # pocketsphinx -beam for the phone loop
PHONE_LOOP_PBEAM = 1e-30  # pocketsphinx -pbeam for the phone loop
# The phone loop has no phone language model (see :mod:`~.phone_loop`). With the English bigram
# at weight 0 the phones came out almost the same, and 1.0 lowered closure recall (27 % -> 30 %
# without the noise floor, 64 % -> 68 % with it, on 16 sentences in 4 languages); without it
# decoding runs 1.5x faster (32x -> 48x real time on one core).
PHONE_LOOP_PIP = 1.0  # phone insertion probability (0.1..1 changed recall by under 1 %)
# pocketsphinx keeps its search history for a whole utterance: 10 min of speech in one took
# 155 MB more than 1 min. Longer audio is decoded in pieces of at most this length, cut in the
# longest pause of the piece's second half (or its quietest frame), so memory stays flat.
PHONE_LOOP_PIECE_SECONDS = 60.0

# --- Bilabials recovered by their spectrum (audio only, see :mod:`~.labial`) ------------------
LABIAL_AMBIGUOUS = frozenset({"V", "F", "TH", "DH"})  # loop phones that may hide a /p b m/
LABIAL_CENTROID_HZ = 1000.0  # Hz; below this spectral centroid such a phone is a bilabial.
#   Measured on the loop's /V F TH DH/ (espeak-ng, 4 languages): next to a true /p b m/ the
#   median centroid was 600-830 Hz, elsewhere 950-3650 Hz. On 22 held-out sentences in 7
#   languages closure recall rose from 61 % to 80 % (700 Hz: 70 %, 1400 Hz: 80 % with lower r),
#   on read English (LibriVox) from 38 % to 97 %; closure precision fell from 0.63 to 0.56.

LABIAL_MIN_FLAT_SHARE = 0.03  # share of exactly-zero steps between samples above which speech
#   counts as digitally quiet and gets the spectral cue. espeak-ng sentences: 0.05-0.28 (22
#   held-out and 4 acceptance ones); recordings with a live noise floor in ../shared/real-clips:
#   0.002-0.012 (one clean studio dub: 0.07). On the two true-mouth clips (a tuning set: no other
#   real speech with a true mouth exists here) the cue turned most of the loop's /V/ into
#   closures and lowered the track's r against the speaker's own mouth from 0.59 to 0.43 and
#   from 0.34 to 0.29. A loudness spread (peak vs quietest frames) did not separate them.

# --- Lips closed at a phrase onset (audio only, see :mod:`~.labial`) ---------------------------
ONSET_PAUSE_SECONDS = 0.08  # s; speech after at least this much pause starts a phrase
ONSET_SECONDS = 0.04  # s; the head of a phrase that is tested (and closed) as a bilabial
ONSET_FOLLOW_SECONDS = 0.16  # s; what follows the head, for the rise into the vowel
ONSET_RISE_DB = 5.0  # dB; a head at least this much quieter than what follows is a consonant
#   On espeak-ng phrase starts, /m b p/ heads were 2-19 dB (mostly 6-10) below what follows,
#   vowel heads from 1 dB below to 8 dB above it, /l/ 7 dB below (closed by mistake), /n/ 2.
#   With this cue the 22 held-out sentences' audio-only recall rose from 81 % to 88 % (3 dB:
#   the same, 7 dB: 87 %), r 0.61 -> 0.63, precision unchanged at 0.65.
