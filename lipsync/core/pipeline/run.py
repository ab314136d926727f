"""The translation pipeline, stage by stage, each cached in the work directory:

    audio ─► recognition ─► speakers ─► translation ─► voices ─► synthesis + fitting (per line)
          ─► mix ─► lip sync (the engine, with the exact phoneme timing of our synthesis)

:func:`translate_video` is the one entry point. Every stage's result is written atomically
as soon as it exists, lines one by one, so Ctrl-C loses nothing done and a re-run after
editing ``target.srt`` in the work directory redoes only the edited lines.
"""

from __future__ import annotations

import dataclasses
import logging
import time
from pathlib import Path

import numpy as np

from lipsync.core.constants import SPEECH_SAMPLE_RATE
from lipsync.core.errors import InputError, NoStreamError
from lipsync.core.media import check_input_path, check_output_path, load_audio, probe, save_audio
from lipsync.core.media.fingerprint import file_digest
from lipsync.core.media.probe import TruncatedMediaError, find_truncation
from lipsync.core.pipeline import fitting
from lipsync.core.pipeline.backends import make_recognizer, make_synthesizer, make_translator
from lipsync.core.pipeline.fitting import FitReport, fit_line
from lipsync.core.pipeline.mixing import MIX_RATE, lay_events, lay_lines, mix, resample
from lipsync.core.pipeline.options import TranslateOptions, TranslateReport
from lipsync.core.pipeline.outputs import output_paths, remux, write_subtitle_files
from lipsync.core.pipeline.segments import (
    Segment,
    gaps_after,
    segments_from_json,
    segments_to_json,
    speakers_of,
)
from lipsync.core.pipeline.speakers import label_speakers, speaker_pitch
from lipsync.core.pipeline.subtitles import (
    align_cues,
    cues_to_segments,
    format_srt,
    parse_subtitles,
    read_subtitles,
    segments_to_cues,
)
from lipsync.core.pipeline.voices import choose_voices, read_voice_map, voices_to_json
from lipsync.core.pipeline.workdir import WorkDir, cache_key, text_digest
from lipsync.core.progress import CountCallback, ProgressCallback
from lipsync.core.speech.phone_events import read_sidecar, write_sidecar
from lipsync.core.speech.track import SpeechAudio

log = logging.getLogger("lipsync")

ANALYSIS_RATE = SPEECH_SAMPLE_RATE  # Hz; recognition and voice analysis
FIT_VERSION = [
    fitting.MAX_NATIVE_RATE,
    fitting.TARGET_STRETCH,
    fitting.MAX_STRETCH,
    fitting.BORROW_FRACTION,
    fitting.MIN_PAUSE,
]


def translate_video(
    video: str | Path,
    output: str | Path | None,
    options: TranslateOptions,
    on_progress: ProgressCallback | None = None,
) -> TranslateReport:
    """Dub ``video`` into ``options.target`` and write ``output`` (plus the dub audio,
    subtitles and report beside it; see :func:`~.outputs.output_paths`). ``output`` None stops
    after the work directory's dub (``mix.wav``)."""
    return _Run(Path(video), Path(output) if output else None, options, on_progress).run()


class _Run:
    def __init__(self, video: Path, output: Path | None, options: TranslateOptions, progress):
        self.video, self.output, self.options = video, output, options
        self.report = progress or (lambda stage, done, total: None)
        self.stages: dict[str, float] = {}
        self.warnings: list[str] = []
        check_input_path(video, "video")
        if options.subtitles is not None:
            check_input_path(Path(options.subtitles), "subtitles")
        if output is not None:
            check_output_path(output, [video])
            from lipsync.core.engine import check_encode

            check_encode(options.sync.encode)  # a bad --preset fails before recognition
        self.info = probe(video)
        if not self.info.video:
            raise NoStreamError(f"The file '{video}' has no video stream: give a video file.")
        cut = find_truncation(video)  # refused now, not after recognition and synthesis
        if cut is not None:
            raise TruncatedMediaError(cut.sentence("translate"))
        stream = self.info.video[0]
        self.duration = float(stream.duration or self.info.duration or 0.0)
        default_work = (output or video).with_name((output or video).stem + ".lipsync-work")
        self.work = WorkDir(options.workdir or default_work)

    def progress(self, stage: str) -> CountCallback:
        return lambda done, total: self.report(stage, done, total)

    def timed(self, stage: str, started: float) -> None:
        self.stages[stage] = self.stages.get(stage, 0.0) + time.perf_counter() - started

    # --- the stages ----------------------------------------------------------------------------

    def run(self) -> TranslateReport:
        o = self.options
        t = time.perf_counter()
        self.report("Reading audio", 0, 1)
        has_audio = bool(self.info.audio)
        if not has_audio and o.asr != "none":
            raise NoStreamError(
                f"The video '{self.video}' has no sound to recognise: give --asr none with "
                "--subtitles FILE to dub it from subtitles."
            )
        speech = (
            load_audio(self.video, ANALYSIS_RATE)
            if has_audio
            else np.zeros(int(self.duration * ANALYSIS_RATE), np.float32)
        )
        if self.duration <= 0:  # a stream that declares no duration: the sound's
            self.duration = speech.shape[0] / ANALYSIS_RATE
        self.report("Reading audio", 1, 1)
        self.timed("read_audio", t)

        segments, source_lang, key = self.recognise(speech)
        segments, key = self.label(segments, speech, key)
        segments = self.translate(segments, key)
        segments = self.apply_edits(segments)
        lines = [s for s in segments if s.target and s.target.strip()]
        for s in segments:
            if not (s.target and s.target.strip()):
                self.warnings.append(
                    f"line {s.index} ({s.start:.2f}-{s.end:.2f} s, '{s.text[:40]}') has no "
                    "translation and is not dubbed."
                )
        if not lines:
            raise InputError(
                f"No line of '{self.video}' has a translation to dub: check the subtitles "
                "(their times must overlap the speech)."
            )
        voices = self.choose_voices(lines, speech)
        takes, fits = self.synthesise(lines, voices, speech)
        mix_path, dub = self.mix(lines, takes)
        return self.deliver(segments, lines, voices, fits, mix_path, dub, source_lang)

    def recognise(self, speech: np.ndarray) -> tuple[tuple[Segment, ...], str, str]:
        o = self.options
        if o.asr == "none":
            cues = read_subtitles(o.subtitles)  # type: ignore[arg-type]
            segs = cues_to_segments(cues)
            return segs, o.source or "", cache_key("subtitles", text_digest(str(cues)))
        t = time.perf_counter()
        recogniser = make_recognizer(o)
        key = cache_key("asr", file_digest(self.video), recogniser.key())
        doc = self.work.cached("asr.json", key)
        if doc is not None:
            segs = segments_from_json(doc["segments"], f"'{self.work.path('asr.json')}'")
            lang = str(doc.get("language", ""))
            self.report("Recognising speech", 1, 1)
        else:
            segs, lang = recogniser.transcribe(speech, self.progress("Recognising speech"))
            self.work.write_json(
                "asr.json", {"key": key, "language": lang, "segments": segments_to_json(segs)}
            )
        if not segs:
            raise InputError(
                f"No speech was recognised in '{self.video}': check its sound, or give "
                "--asr none with --subtitles FILE."
            )
        self.timed("recognition", t)
        return segs, o.source or lang, key

    def label(self, segments, speech, key):
        n = self.options.speakers
        if not n or n == 1:
            return segments, cache_key(key, "speakers", n)
        t = time.perf_counter()
        key = cache_key(key, "speakers", n)
        doc = self.work.cached("speakers.json", key)
        if doc is not None:
            segs = segments_from_json(doc["segments"], f"'{self.work.path('speakers.json')}'")
        else:
            self.report("Finding speakers", 0, 1)
            segs = label_speakers(segments, speech, ANALYSIS_RATE, n)
            self.work.write_json("speakers.json", {"key": key, "segments": segments_to_json(segs)})
        self.report("Finding speakers", 1, 1)
        self.timed("speakers", t)
        return segs, key

    def translate(self, segments, key) -> tuple[Segment, ...]:
        o = self.options
        t = time.perf_counter()
        if o.mt == "none" or (o.asr == "none" and o.mt == "srt"):
            out = tuple(s.with_(target=s.text) for s in segments)
        elif o.mt == "srt":
            cues = read_subtitles(o.subtitles)  # type: ignore[arg-type]
            out = align_cues(segments, cues)
            if o.speakers:  # clustered speakers win over labels in the subtitles
                by_index = {s.start: s.speaker for s in segments}
                out = tuple(s.with_(speaker=by_index.get(s.start, s.speaker)) for s in out)
        else:
            translator = make_translator(o)
            mkey = cache_key(key, "mt", translator.key(), [s.text for s in segments])
            doc = self.work.cached("translation.json", mkey)
            if doc is not None:
                out = segments_from_json(doc["segments"], f"'{self.work.path('translation.json')}'")
            else:
                todo = [k for k, s in enumerate(segments) if s.text.strip()]
                texts = translator.translate(
                    [segments[k].text for k in todo], self.progress("Translating")
                )
                targets = dict(zip(todo, texts, strict=True))
                out = tuple(s.with_(target=targets.get(k)) for k, s in enumerate(segments))
                self.work.write_json(
                    "translation.json", {"key": mkey, "segments": segments_to_json(out)}
                )
        self.report("Translating", 1, 1)
        self.timed("translation", t)
        return out

    def apply_edits(self, segments: tuple[Segment, ...]) -> tuple[Segment, ...]:
        """Write ``target.srt`` for the user to edit, or take the user's edits of it."""
        path = self.work.path("target.srt")
        translated = [s for s in segments if s.target]
        several = len({s.speaker for s in segments}) > 1
        text = format_srt(segments_to_cues(translated, target=True), with_speaker=several)
        key = cache_key("target", text)
        state = self.work.read_json("target_state.json") or {}
        self.work.write_json("source_segments.json", segments_to_json(segments))
        if path.is_file() and state.get("key") == key:
            current = path.read_text(encoding="utf-8")
            if text_digest(current) != state.get("sha"):
                return self._edited(segments, translated, current, path)
            return segments
        if (
            path.is_file()
            and state.get("sha")
            and text_digest(path.read_text(encoding="utf-8")) != state.get("sha")
        ):
            log.warning("The translation changed: %s was written again (edits replaced).", path)
        self.work.write_json("target_state.json", {"key": key, "sha": text_digest(text)})
        from lipsync.core.media import write_text

        write_text(path, text)
        return segments

    def _edited(self, segments, translated, current: str, path: Path) -> tuple[Segment, ...]:
        cues = parse_subtitles(current, where=f"'{path}'")
        if len(cues) != len(translated):
            raise InputError(
                f"'{path}' has {len(cues)} cues but the run has {len(translated)} translated "
                "lines: edit the text, times or [SPEAKER] labels only, one cue per line."
            )
        edited = {
            s.index: s.with_(
                target=c.text, start=c.start, end=c.end, speaker=c.speaker or s.speaker
            )
            for s, c in zip(translated, cues, strict=True)
        }
        log.info("Using your edits of %s.", path)
        return tuple(edited.get(s.index, s) for s in segments)

    def choose_voices(self, lines, speech):
        o = self.options
        pitches = speaker_pitch(lines, speech, ANALYSIS_RATE)
        map_path = Path(o.voice_map) if o.voice_map else self.work.path("voices.json")
        known = read_voice_map(map_path)
        known.update(o.voices)
        voices = choose_voices(speakers_of(lines), pitches, known)
        from lipsync.core.media import write_text

        text = voices_to_json(voices)
        if not map_path.is_file() or map_path.read_text(encoding="utf-8") != text:
            write_text(map_path, text)
        return voices

    def synthesise(self, lines, voices, speech):
        o = self.options
        t = time.perf_counter()
        synth = make_synthesizer(o)
        gaps = gaps_after(lines, self.duration)
        takes: list[SpeechAudio] = []
        fits: list[FitReport] = []
        used: set[str] = set()
        total = len(lines)
        self.report("Synthesising", 0, total)
        for k, (seg, gap) in enumerate(zip(lines, gaps, strict=True)):
            voice = voices[seg.speaker]
            key = cache_key(
                "line",
                synth.key(),
                o.target,
                seg.target,
                voice.to_json(),
                round(seg.duration, 3),
                round(gap, 3),
                FIT_VERSION,
            )
            wav, rep = self.work.line_audio(seg.index, key), self.work.line_report(seg.index, key)
            used.update({wav.name, rep.name, wav.name + ".phones.json"})
            cached = (
                self.work.read_json(str(rep.relative_to(self.work.root))) if wav.is_file() else None
            )
            if cached is not None:
                rate = int(cached["sample_rate"])
                samples = load_audio(wav, rate)
                take = SpeechAudio(samples, rate, read_sidecar(wav, samples.shape[0] / rate))
                fit = FitReport(**cached["fit"])
            else:
                reference = (
                    self._reference(seg.speaker, lines, speech) if o.tts == "coqui" else None
                )

                def speak(
                    rate_factor: float, seg=seg, voice=voice, reference=reference
                ) -> SpeechAudio:
                    return synth.synthesize(seg.target, o.target, voice, rate_factor, reference)

                take, fit = fit_line(speak, seg.duration, gap, synth.can_change_rate)
                save_audio(wav, take.samples, take.sample_rate)
                if take.events is not None:
                    write_sidecar(wav, take.events)
                self.work.write_json(
                    str(rep.relative_to(self.work.root)),
                    {
                        "sample_rate": take.sample_rate,
                        "fit": dataclasses.asdict(fit),
                        "text": seg.target,
                    },
                )
            takes.append(take)
            fits.append(fit)
            self.report("Synthesising", k + 1, total)
        for stale in (self.work.root / "lines").iterdir():
            if stale.name not in used:
                stale.unlink(missing_ok=True)
        self.warnings.extend(
            fitting.summary([(s.index, f) for s, f in zip(lines, fits, strict=True)])
        )
        self.timed("synthesis", t)
        return takes, fits

    def _reference(self, speaker: str, lines, speech: np.ndarray) -> Path:
        """The speaker's own original speech (up to 20 s) for voice cloning."""
        path = self.work.path(f"reference-{speaker}.wav")
        if not path.is_file():
            parts, have = [], 0
            for s in lines:
                if s.speaker == speaker and have < 20 * ANALYSIS_RATE:
                    piece = speech[int(s.start * ANALYSIS_RATE) : int(s.end * ANALYSIS_RATE)]
                    parts.append(piece)
                    have += piece.shape[0]
            save_audio(
                path, np.concatenate(parts) if parts else speech[:ANALYSIS_RATE], ANALYSIS_RATE
            )
        return path

    def mix(self, lines, takes) -> tuple[Path, Path]:
        o = self.options
        t = time.perf_counter()
        self.report("Mixing", 0, 1)
        n = round(self.duration * MIX_RATE)
        placed = [
            (round(s.start * MIX_RATE), resample(tk.samples, tk.sample_rate))
            for s, tk in zip(lines, takes, strict=True)
        ]
        for s, (offset, samples) in zip(lines, placed, strict=True):
            over = (offset + samples.shape[0] - n) / MIX_RATE
            if over > 0.01:
                self.warnings.append(
                    f"line {s.index} runs {over:.2f} s past the end of the video; that part is cut."
                )
        dub = lay_lines(n, placed)
        events = None
        if all(tk.events is not None for tk in takes):
            events = lay_events(
                n, MIX_RATE, [(off, tk.events) for (off, _), tk in zip(placed, takes, strict=True)]
            )
        background = None
        if o.stem is not None:
            check_input_path(Path(o.stem), "background stem")
            background = load_audio(o.stem, MIX_RATE)
        elif self.info.audio:
            background = load_audio(self.video, MIX_RATE)
        mixed, _ = mix(dub, background, o.mix, stem=o.stem is not None)
        dub_only, _ = mix(dub, None, o.mix)
        dub_path, mix_path = self.work.path("dub.wav"), self.work.path("mix.wav")
        for path, samples in ((dub_path, dub_only), (mix_path, mixed)):
            save_audio(path, samples, MIX_RATE)
            if events is not None:
                write_sidecar(path, events)
            else:
                path.with_name(path.name + ".phones.json").unlink(missing_ok=True)
        self.report("Mixing", 1, 1)
        self.timed("mixing", t)
        return mix_path, dub_path

    def deliver(self, segments, lines, voices, fits, mix_path, dub_path, source_lang):
        o = self.options
        outputs: dict[str, str] = {"mix": str(mix_path), "dub": str(dub_path)}
        sync = None
        if self.output is not None:
            paths = output_paths(self.output, source_lang, o.target)
            t = time.perf_counter()
            if o.lipsync:
                from lipsync.core.engine import LipSyncEngine

                engine = LipSyncEngine(dataclasses.replace(o.sync, lang=o.target))
                sync = engine.run(self.video, mix_path, self.output, self.report).to_json()
                self.warnings.extend(sync.get("warnings", ()))
                self.timed("lipsync", t)
            else:
                remux(
                    self.video,
                    mix_path,
                    self.output,
                    self.progress("Writing video"),
                    encode=o.sync.encode,
                )
                self.timed("mux", t)
            inputs = [self.video]
            save_audio(paths["dub_audio"], load_audio(dub_path, MIX_RATE), MIX_RATE)
            write_subtitle_files(paths, segments, inputs)
            outputs.update({k: str(v) for k, v in paths.items() if k not in ("timeline",)})
        report = TranslateReport(
            video=str(self.video),
            output=str(self.output) if self.output else None,
            workdir=str(self.work.root),
            source_language=source_lang,
            target_language=o.target,
            outputs=outputs,
            lines=[
                {
                    "index": s.index,
                    "start": round(s.start, 3),
                    "end": round(s.end, 3),
                    "speaker": s.speaker,
                    "voice": voices[s.speaker].to_json(),
                    "source": s.text,
                    "target": s.target,
                    "fit": f.to_json(),
                }
                for s, f in zip(lines, fits, strict=True)
            ],
            warnings=list(self.warnings),
            stages={k: round(v, 3) for k, v in self.stages.items()},
            sync=sync,
        )
        import json

        text = json.dumps(report.to_json(), indent=1, ensure_ascii=False) + "\n"
        self.work.write_json("report.json", report.to_json())
        if self.output is not None:
            from lipsync.core.media import write_text

            write_text(outputs["report"], text, [self.video])
        for w in self.warnings:
            log.warning("%s", w)
        return report
