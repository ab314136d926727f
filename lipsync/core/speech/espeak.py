"""libespeak-ng through ctypes: synthesis with exact phoneme events, and text to phonemes.

The library is found in this order: the one shipped in the ``espeakng-loader`` wheel (when that
package is installed), then the system's ``libespeak-ng.so.1`` (Debian/Ubuntu:
``apt-get install libespeak-ng1``). libespeak-ng keeps global state, so every call here holds
one process-wide lock.

Synthesis uses ``AUDIO_OUTPUT_SYNCHRONOUS`` with a callback that receives the audio in chunks and
the events of each chunk; phoneme events (``espeakINITIALIZE_PHONEME_EVENTS`` with
``espeakINITIALIZE_PHONEME_IPA``) carry the IPA label and the sample position where the phoneme
starts. This is the exact timing :mod:`lipsync.core.speech.track` prefers over any analysis.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import importlib
import re
import threading
from dataclasses import dataclass

import numpy as np

from lipsync.core.errors import InputError, MissingDependencyError, ProcessingError
from lipsync.core.speech.phone_events import PhoneEvents, PhonemeEvent

# --- libespeak-ng ABI (speak_lib.h) ------------------------------------------------------------
_AUDIO_OUTPUT_SYNCHRONOUS = 2
_INIT_PHONEME_EVENTS = 0x0001
_INIT_PHONEME_IPA = 0x0002
_INIT_DONT_EXIT = 0x8000
_EVENT_LIST_TERMINATED = 0
_EVENT_PHONEME = 7
_POS_CHARACTER = 1
_CHARS_UTF8 = 1
_PHONEMES_IPA = 0x02
_PARAM_RATE = 1
_PARAM_PITCH = 3
_EE_OK = 0

DEFAULT_RATE = 175  # words per minute (espeak-ng's default)
DEFAULT_PITCH = 50  # 0..100 (espeak-ng's default)
_PHONEME_SEPARATOR = "_"  # separator asked of espeak_TextToPhonemes between phonemes


class _EventId(ctypes.Union):
    _fields_ = (
        ("number", ctypes.c_int),
        ("name", ctypes.c_char_p),
        ("string", ctypes.c_char * 8),
    )


class _Event(ctypes.Structure):
    _fields_ = (
        ("type", ctypes.c_int),
        ("unique_identifier", ctypes.c_uint),
        ("text_position", ctypes.c_int),
        ("length", ctypes.c_int),
        ("audio_position", ctypes.c_int),
        ("sample", ctypes.c_int),
        ("user_data", ctypes.c_void_p),
        ("id", _EventId),
    )


_Callback = ctypes.CFUNCTYPE(
    ctypes.c_int, ctypes.POINTER(ctypes.c_short), ctypes.c_int, ctypes.POINTER(_Event)
)


@dataclass(frozen=True, eq=False)
class Synthesis:
    """Synthesised speech: ``samples`` float32 (n,) in -1..1 at ``sample_rate`` Hz, and the
    phoneme events with their sample positions."""

    samples: np.ndarray
    sample_rate: int
    events: PhoneEvents


class _Engine:
    """The loaded library and its process-wide state (use :func:`_engine`)."""

    def __init__(self) -> None:
        path, data = _find_library()
        try:
            lib = ctypes.CDLL(path)
        except OSError as e:
            raise MissingDependencyError(
                f"libespeak-ng at '{path}' could not be loaded ({e}): install it "
                "(Debian/Ubuntu: apt-get install libespeak-ng1, or pip install espeakng-loader)."
            ) from e
        lib.espeak_Initialize.restype = ctypes.c_int
        lib.espeak_Initialize.argtypes = (ctypes.c_int, ctypes.c_int, ctypes.c_char_p, ctypes.c_int)
        lib.espeak_SetSynthCallback.argtypes = (_Callback,)
        lib.espeak_SetVoiceByName.argtypes = (ctypes.c_char_p,)
        lib.espeak_SetVoiceByName.restype = ctypes.c_int
        lib.espeak_SetParameter.argtypes = (ctypes.c_int, ctypes.c_int, ctypes.c_int)
        lib.espeak_SetParameter.restype = ctypes.c_int
        lib.espeak_Synth.argtypes = (
            ctypes.c_char_p,
            ctypes.c_size_t,
            ctypes.c_uint,
            ctypes.c_int,
            ctypes.c_uint,
            ctypes.c_uint,
            ctypes.c_void_p,
            ctypes.c_void_p,
        )
        lib.espeak_Synth.restype = ctypes.c_int
        lib.espeak_Synchronize.restype = ctypes.c_int
        lib.espeak_TextToPhonemes.argtypes = (
            ctypes.POINTER(ctypes.c_char_p),
            ctypes.c_int,
            ctypes.c_int,
        )
        lib.espeak_TextToPhonemes.restype = ctypes.c_char_p
        options = _INIT_PHONEME_EVENTS | _INIT_PHONEME_IPA | _INIT_DONT_EXIT
        rate = lib.espeak_Initialize(
            _AUDIO_OUTPUT_SYNCHRONOUS, 0, data.encode() if data else None, options
        )
        if rate <= 0:
            raise MissingDependencyError(
                "libespeak-ng could not find its voice data: install espeak-ng-data "
                "(Debian/Ubuntu: apt-get install espeak-ng-data)."
            )
        self.lib = lib
        self.sample_rate = int(rate)
        self.lock = threading.Lock()
        self._chunks: list[np.ndarray] = []
        self._events: list[PhonemeEvent] = []
        self._callback = _Callback(self._on_synth)  # kept referenced for the library's lifetime
        lib.espeak_SetSynthCallback(self._callback)
        self._voice: str | None = None

    def _on_synth(self, wav, count, events) -> int:  # called from inside espeak_Synth
        if count > 0 and wav:
            self._chunks.append(np.ctypeslib.as_array(wav, shape=(count,)).copy())
        k = 0
        while events[k].type != _EVENT_LIST_TERMINATED:
            ev = events[k]
            if ev.type == _EVENT_PHONEME:
                raw = bytes(ev.id.string).split(b"\0", 1)[0]
                self._events.append(PhonemeEvent(raw.decode("utf-8", "replace"), int(ev.sample)))
            k += 1
        return 0

    def set_voice(self, voice: str) -> None:
        if voice == self._voice:
            return
        if self.lib.espeak_SetVoiceByName(voice.encode()) != _EE_OK:
            raise InputError(
                f"espeak-ng has no voice or language '{voice}': use a code that "
                "'espeak-ng --voices' lists, such as en, es, de or fr."
            )
        self._voice = voice

    def synthesize(self, text: str, voice: str, rate: int, pitch: int) -> Synthesis:
        with self.lock:
            self.set_voice(voice)
            self.lib.espeak_SetParameter(_PARAM_RATE, int(rate), 0)
            self.lib.espeak_SetParameter(_PARAM_PITCH, int(pitch), 0)
            self._chunks, self._events = [], []
            data = text.encode("utf-8")
            err = self.lib.espeak_Synth(
                data, len(data) + 1, 0, _POS_CHARACTER, 0, _CHARS_UTF8, None, None
            )
            if err == _EE_OK:
                err = self.lib.espeak_Synchronize()
            chunks, events = self._chunks, self._events
            self._chunks, self._events = [], []
        if err != _EE_OK:
            raise ProcessingError(f"espeak-ng failed to synthesise the text (error {err}).")
        pcm = np.concatenate(chunks) if chunks else np.zeros(0, dtype=np.int16)
        samples = (pcm.astype(np.float32) / 32768.0).astype(np.float32)
        evs = PhoneEvents(tuple(events), self.sample_rate, int(samples.shape[0]), text, voice)
        return Synthesis(samples, self.sample_rate, evs)

    def phonemize(self, text: str, voice: str) -> list[list[str]]:
        with self.lock:
            self.set_voice(voice)
            buf = ctypes.c_char_p(text.encode("utf-8"))
            ptr = ctypes.pointer(buf)
            mode = _PHONEMES_IPA | (ord(_PHONEME_SEPARATOR) << 8)
            clauses: list[str] = []
            while buf.value:
                out = self.lib.espeak_TextToPhonemes(ptr, _CHARS_UTF8, mode)
                if out is None:
                    break
                clauses.append(out.decode("utf-8", "replace"))
        words: list[list[str]] = []
        for clause in clauses:
            for word in re.sub(r"\([a-z-]+\)", " ", clause).split():
                phones = [p for p in word.split(_PHONEME_SEPARATOR) if p]
                if phones:
                    words.append(phones)
        return words


def _find_library() -> tuple[str, str | None]:
    """(library path, data path or None for the library's built-in default)."""
    try:
        loader = importlib.import_module("espeakng_loader")
    except ImportError:
        loader = None
    if loader is not None:
        return str(loader.get_library_path()), str(loader.get_data_path())
    name = ctypes.util.find_library("espeak-ng") or "libespeak-ng.so.1"
    try:
        ctypes.CDLL(name)
    except OSError as e:
        raise MissingDependencyError(
            "libespeak-ng is needed for espeak-ng synthesis and phonemes and was not found: "
            "install it (Debian/Ubuntu: apt-get install libespeak-ng1, or "
            "pip install espeakng-loader)."
        ) from e
    return name, None


_ENGINE: _Engine | None = None
_ENGINE_LOCK = threading.Lock()


def _engine() -> _Engine:
    global _ENGINE
    with _ENGINE_LOCK:
        if _ENGINE is None:
            _ENGINE = _Engine()
        return _ENGINE


def available() -> bool:
    """True when libespeak-ng can be loaded and initialised."""
    try:
        _engine()
    except MissingDependencyError:
        return False
    return True


def synthesize(
    text: str,
    lang: str = "en",
    voice: str | None = None,
    rate: int = DEFAULT_RATE,
    pitch: int = DEFAULT_PITCH,
) -> Synthesis:
    """Speak ``text`` with espeak-ng and return the audio with its exact phoneme events.

    ``lang`` is an espeak-ng language code (``en``, ``es``, ``de``, ``fr`` …); ``voice``, when
    given, is an espeak-ng voice name used instead (``en-us``, ``en+f3``). ``rate`` is in words
    per minute, ``pitch`` 0..100. Write the result with
    :func:`lipsync.core.speech.phone_events.write_sidecar` beside the saved audio so that
    :func:`lipsync.core.speech.track.analyse_speech_file` uses the exact timing.
    """
    if not text.strip():
        raise InputError("The text to synthesise is empty: give at least one word.")
    return _engine().synthesize(text, voice or lang, rate, pitch)


def phonemize(text: str, lang: str) -> list[list[str]]:
    """``text`` as espeak-ng IPA phonemes, one list per word (stress marks kept).

    >>> phonemize("guten Tag", "de")  # doctest: +SKIP
    [['ɡ', 'ˈuː', 't', 'ə', 'n'], ['t', 'ˈɑː', 'k']]
    """
    return _engine().phonemize(text, lang)


def sample_rate() -> int:
    """The rate espeak-ng synthesises at (Hz; 22050 for its own voices)."""
    return _engine().sample_rate
