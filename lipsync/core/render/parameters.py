"""Every tunable of the built-in renderer in one place, with its unit.

Lengths marked "IO" are in face-normalised units: 1.0 = the distance between the eye centres.
Face-normalised coordinates have their origin at the neutral mouth centre (midpoint of the
outer-lip corners), x along the eye line (towards the image-right eye) and y perpendicular,
pointing down the face.
"""

from __future__ import annotations

from lipsync.core import constants

# --- Mouth model (lipsync.core.render.mouth_model): displacement per unit parameter, IO -------
OPEN_GAP = 0.34  # IO; inner-lip gap added at open = 1 (mid-line)
OPEN_LOWER_SHARE = 0.8  # fraction of the added gap made by the lower lip; the rest the upper
OPEN_JAW = 0.26  # IO; chin drop at open = 1 (jaw points fall off towards the ears)
OPEN_CORNER_DROP = 0.05  # IO; mouth corners move down at open = 1
OPEN_NARROW = 0.05  # IO; each corner moves in at open = 1 (an open mouth is a little narrower),
#   for an unknown speaker; with footage, the width they show as they open (MouthRange)
WIDTH_SPREAD = 0.11  # IO; each corner moves out at width = +1 (in at -1)
WIDTH_CORNER_LIFT = 0.02  # IO; corners rise at width = +1 (a spread mouth smiles a little)
ROUND_NARROW = 0.12  # IO; each outer corner moves in at round = 1, for an unknown speaker; a
#   track with footage rounds no further than its own narrowest mouth (MouthRange): with
#   the old 0.16 and no such bound /o u/ became a puckered tube on real speakers
ROUND_INNER_NARROW = 0.16  # IO; each inner corner moves in at round = 1 (a small "o" opening)
ROUND_PROTRUDE = 0.02  # IO; outer lips evert (upper up, lower down) at round = 1
ROUND_GAP = 0.05  # IO; rounded lips part a little at the middle
CLOSURE_MIN_GAP = 0.02  # IO; inner lips stop this far apart at closure = 1 (they touch)
CLOSURE_PRESS = 0.012  # IO; lips also thin slightly when pressed (outer lips move in)
LABIODENTAL_TUCK = 0.05  # IO; lower inner lip ends this far above the upper inner lip
LABIODENTAL_UPPER_LIFT = 0.025  # IO; the upper lip rises to bare the upper teeth
TEETH_UPPER_LIFT = 0.015  # IO; the upper lip rises a little with teeth = 1
JAW_FALLOFF_POINTS = 7.0  # jaw points from the chin where the drop reaches zero (cosine)

# --- The speaker's own range (lipsync.core.render.mouth_range) ------------------------------
RANGE_BINS = 120  # bins of the gap and width histograms a track keeps (bounded memory)
RANGE_GAP_MAX = 0.6  # IO; gaps above this count in the last bin
RANGE_WIDTH_MIN, RANGE_WIDTH_MAX = 0.3, 1.5  # IO; outer-lip widths outside count at the ends
RANGE_MIN_FRAMES = 10  # observations before a learnt range counts at all
RANGE_FULL_FRAMES = 50  # observations after which the learnt range replaces the average face
RANGE_WIDE_PERCENTILE = 95.0  # percentile of the track's gaps taken as its widest opening
WIDTH_PER_GAP_LIMITS = (-0.6, 0.6)  # a speaker's learnt outer-width change per IO of gap
GAP_SPREAD_TRUST = (0.005, 0.02)  # IO; gap standard deviations from which that slope is
#   trusted at all (landmark jitter on a still face is 0.001-0.003) and fully (speakers 0.025+)
RANGE_NARROW_PERCENTILE = 5.0  # percentile of its widths taken as its narrowest mouth
OPEN_AT_WIDE = constants.OPEN_AT_WIDE  # open level at which the speaker's widest opening shows
OPEN_GAIN_LIMITS = (0.28, 0.5)  # IO; the learnt gap at open = 1 stays inside these (our
#   tracker reads some inner lips on the teeth: on retalking_face1 its widest gap is 0.10 IO
#   where dlib reads 0.23, so a learnt range may widen the mouth but hardly narrow it)
PICTURE_GAIN_MIN = 0.08  # IO; the floor above is lowered to the gain the picture's inner
#   lips show (the exemplar bank's labels, which its samples are chosen by), no lower than
#   this: retalking_face1's picture shows 0.11, and the floor of 0.28 opened the rendered
#   mouth 0.114 IOD on average against his 0.098; retalking_face3's shows 0.32 (no change)
MAX_NARROWING = 0.12  # IO; the most a corner moves in from the neutral (no range known)
MIN_NARROWING = 0.04  # fraction of the half-width a corner may always move in (rounding shows)

# --- Warp (lipsync.core.render.warp) --------------------------------------------------------
NECK_ANCHOR_DEPTH = 0.35  # IO; fixed points this far below the lower of source/target jaw
ROI_MARGIN = 0.55  # IO; region of interest beyond the lips/jaw/nose on each side
TPS_REGULARISATION = 1e-4  # spline smoothing (normalised units); ~0 = exact at the points
CHEEK_ANCHOR_X = 0.72  # IO from the mouth centre, on each side: fixed cheek points
CHEEK_ANCHOR_Y = -0.38  # IO; their height relative to the mouth centre (about the nose base)
RING_POINTS_PER_SIDE = 4  # fixed points on each edge of the ROI (the warp is identity there)
LIP_MARGIN = 0.5  # fraction of the lip thickness the closing lips sample inside the source lip
#   (0.5 left the lips of a wide-open source pale over the teeth: dlib read them open)
CLOSING_RAMP = 0.1  # IO; source gap beyond the target's at which LIP_MARGIN applies fully
MEND_CLEARANCE = 0.01  # IO; lip pixels this close to the target opening may show the interior
MEND_RADIUS = 0.03  # IO; inpainting radius of lip pixels that came from the source's interior
MEND_SOFTNESS = 0.01  # IO; soft edge of those repainted pixels
MEND_RIM = 0.045  # IO; the source's dark cavity reaches this far beyond its inner-lip points
JAW_TURN_SLACK = 0.1  # IO; the target jaw lies at most this far across the face from the
#   source's (the mouth model moves it only down; further across is the head's turn, which the
#   face transform cannot follow). Within it frames render as before: the jaws of
#   retalking_face1 lie within 0.1 IO in 165 of 183 frames (median 0.02), latentsync_demo2's
#   turned 20 degrees 0.25-0.33 IO across
MIN_INTER_OCULAR_PX = 12.0  # px; smaller faces are passed through untouched

# --- Composite (lipsync.core.render.composite) ----------------------------------------------
MASK_BELOW_NOSE = 0.04  # IO; the mask's upper edge sits this far below the nose base
MASK_BELOW_JAW = 0.2  # IO; the mask extends this far below the jaw line (chin travel)
MASK_FEATHER = 0.07  # IO; Gaussian sigma of the mask's soft edge
MASK_MIN_ALPHA = 1.0 / 512.0  # mask values below this are zero (pixels stay bit-exact)

# --- Interior fill (lipsync.core.render.interior) -------------------------------------------
FILL_MIN_GAP = 0.02  # IO; target openings below this are left to the warp
FILL_KEEP_RATIO = 0.85  # source/target gap ratio above which the warped source interior is kept
FILL_FULL_RATIO = 0.45  # ... and below which the interior is fully replaced
FILL_EDGE_SOFTNESS = 0.012  # IO; Gaussian sigma of the fill's edge against the lips
COLOUR_GAIN_LIMITS = (0.7, 1.4)  # per-channel colour-match gain is clipped to this range
TEETH_MIN_VISIBILITY = 0.35  # teeth visibility at teeth = 0 (teeth = 1 shows them fully)
SEAM_MAX_GAP = 0.05  # IO; target openings below this get a dark line where the lips meet
SEAM_RAMP = 0.06  # IO; source gap beyond the target's at which the line is fully dark
SEAM_WIDTH = 0.013  # IO; width of that line
SEAM_DARKNESS = 0.35  # its colour relative to the lip colour
BAND_MARGIN = 0.04  # IO; nearly closed lips are repainted this far beyond their inner edge
BAND_REACH = 0.02  # IO; ... with the lip colour sampled this much further into each lip
BAND_CORNER = 0.06  # IO; ... and this far beyond each inner corner, towards the outer one
INTERIOR_EDGE_SHADE = 0.35  # how much darker the interior is at the lips (lip shadow), 0..1

# --- Synthesised interior (no open mouth in the video) --------------------------------------
SYNTH_TEETH_HEIGHT = 0.085  # IO; upper-teeth band height below the upper inner lip
SYNTH_TEETH_HALF_WIDTH = 0.75  # fraction of the inner mouth's half width covered by teeth
SYNTH_TOOTH_WIDTH = 0.075  # IO; width of one upper incisor (dark seams between teeth)
SYNTH_TEETH_COLOUR = (0.86, 0.83, 0.76)  # relative to the skin's brightness, RGB
SYNTH_CAVITY_COLOUR = (0.30, 0.13, 0.13)  # relative to the lip colour's brightness, RGB
SYNTH_TONGUE_COLOUR = (0.55, 0.28, 0.28)  # relative to the lip colour, RGB
SYNTH_TONGUE_HEIGHT = 0.10  # IO; tongue visible above the lower inner lip when wide open

# --- Appearance (lipsync.core.render.appearance) --------------------------------------------
NEUTRAL_POOL = 24  # least-open frames whose median shape is the neutral mouth
NEUTRAL_SHARE = 0.15  # ... at most this share of the frames seen (early in a shot of a person
#                    # talking, the least-open of few frames are still speaking mouths)
NEUTRAL_MIN = 3  # ... and at least this many
BANK_SIZE = 6  # open-mouth interiors kept per track
BANK_MIN_OPEN = 0.12  # IO; inner-lip gap a frame needs to enter the bank
BANK_MIN_SPACING = 6  # frames; bank entries are at least this far apart in the track
BANK_MAX_YAW = 20.0  # degrees; turned faces do not enter the bank
CROP_PX_PER_IO = 128.0  # px per IO of the stored interior crops
CROP_BOX = (-0.75, -0.35, 0.75, 0.75)  # IO; crop extent around the mouth centre (x0, y0, x1, y1)

# --- Exemplars: the speaker's own mouths (lipsync.core.render.exemplar_bank, exemplar) ------
EXEMPLAR_BOX = (-0.8, 0.05, 0.8, 1.2)  # IO around the nose points' mean: the crop of a sample
EXEMPLAR_OVERSAMPLE = 1.5  # stored crops have this many px per px of the face (sharper morph)
EXEMPLAR_MAX_SCALE = 200.0  # px per IO at most in a stored crop
EXEMPLAR_MIN_IO_PX = 24.0  # px between the eyes below which frames give no sample
EXEMPLAR_GAP_STEP = 0.02  # IO; aperture step of the shape cells (one sample per cell)
EXEMPLAR_WIDTH_STEP = 0.04  # IO; outer-width step of the shape cells
EXEMPLAR_SKIN_RING = 0.1  # IO of skin around the lips compared with their colour (contrast)
EXEMPLAR_MAX = 160  # samples per track at most (memory: at most 170 kB each)
EXEMPLAR_TYPICAL_SHARE = 0.1  # share of the frames offered, nearest an aperture, whose lips'
#   sharpness is the footage's typical there (bench/real_faces.py's shape match takes 10 %)
EXEMPLAR_TYPICAL_MIN = 5  # ... and at least this many frames
EXEMPLAR_SPREAD_TRIM = 0.05  # share of the frames offered left out at each end of the spread
