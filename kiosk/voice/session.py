"""One voice entry: record from a microphone, recognise live, end by itself, keep the audio.

:class:`VoiceSession` takes its microphone and model holder as arguments (no global
config), runs on worker threads and reports through ``on_event``:

- the **capture thread** reads the microphone chunk by chunk, keeps every sample for the
  recording, emits ``level`` events and decides the end (silence, length limit, the
  resident's "done", cancel);
- the **recognition thread** feeds the same chunks to a fresh Vosk recognizer and emits
  ``partial`` (the text so far, growing) and ``segment`` (a finalised piece) events.
  Keeping recognition off the capture thread means a slow model can never make the
  microphone overflow and lose audio: the recording is complete whatever the ASR does.

When the model is still loading, chunks wait and are recognised when it is ready; when
it is absent or failed the session records anyway and ends with ``asr_available=False``.
The last event is always ``ended`` with the :class:`VoiceResult`. ``on_event`` is never
called from two threads at once (the UI hops to its own thread itself).
"""

from __future__ import annotations

import logging
import os
import queue
import threading
import time
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from typing import Callable

from drivers.microphone import Microphone, MicrophoneUnavailable, encode_wav, rms_level
from kiosk.voice.endpoint import Endpointer
from kiosk.voice.model import ModelHolder, ModelState
from kiosk.voice.recognizer import Transcriber
from kiosk.config.voice import ASRSettings
from kiosk.core import fsutil
from kiosk.voice.text import join

log = logging.getLogger(__name__)

# How long the end of a recording waits for a model that is still loading before
# giving up on the transcript (the recording is kept either way).
MODEL_WAIT_SECONDS = 30.0
ATTACHMENT_KIND = "audio"
MEDIA_TYPE = "audio/wav"


class EventKind(str, Enum):
    PARTIAL = "partial"
    SEGMENT = "segment"
    LEVEL = "level"
    ENDED = "ended"
    ERROR = "error"


class VoiceFault(str, Enum):
    """What an ``error`` event is about, for the screen to say in its own words (the
    ``error`` text is for the log): the microphone failed (the recording stops), or speech
    recognition did (the recording goes on; staff will listen to it)."""

    MICROPHONE = "microphone"
    RECOGNITION = "recognition"


class EndReason(str, Enum):
    SILENCE = "silence"
    MAX_LENGTH = "max_length"
    STOPPED = "stopped"  # the resident pressed "done", or a finite source ran out
    CANCELLED = "cancelled"
    ERROR = "error"  # the microphone is absent or failed; what was recorded is kept


class SessionState(str, Enum):
    IDLE = "idle"
    RECORDING = "recording"
    FINISHING = "finishing"  # capture over, recognition catching up
    ENDED = "ended"


@dataclass(frozen=True)
class VoiceResult:
    """The outcome of a session.

    ``wav`` is a complete standard WAV file (PCM 16-bit mono at ``sample_rate``, the
    microphone's true rate), empty of samples only when the microphone never opened.
    ``text`` is the transcript ("" when ASR was unavailable); ``asr_reason`` says why
    it was. ``error`` is the microphone problem when ``ended_by`` is "error".
    """

    text: str
    wav: bytes
    seconds: float
    asr_available: bool
    ended_by: EndReason
    sample_rate: int = 16000
    segments: tuple[str, ...] = ()
    asr_reason: str = ""
    error: str = ""
    kind: str = ATTACHMENT_KIND
    media_type: str = MEDIA_TYPE

    @property
    def has_audio(self) -> bool:
        return self.seconds > 0

    def save(self, path: str | Path) -> Path:
        """Write the WAV to *path*, mode 0600 (a resident's voice); the store's commit keeps
        its own copy."""
        path = Path(path)
        fsutil.write_private_file(path, self.wav)
        return path

    def attachment(self, name: str = "voice.wav"):
        """The recording as a ``kiosk.core.submission.AttachmentInput`` (kind audio, audio/wav)."""
        from kiosk.core.submission import AttachmentInput
        return AttachmentInput(name=name, source=self.wav, kind=self.kind, media_type=self.media_type)


@dataclass(frozen=True)
class VoiceEvent:
    """Something the UI shows.

    - ``partial``: ``text`` = everything recognised so far (segments + partial), growing;
    - ``segment``: ``text`` = the newly finalised segment, ``transcript`` = all so far;
    - ``level``: ``level`` = RMS of the last chunk, 0..1;
    - ``error``: ``fault`` = what failed (:class:`VoiceFault`), ``error`` = how, for the
      log (the session goes on or ends with "error");
    - ``ended``: ``result`` = the :class:`VoiceResult` (always the last event).

    ``seconds`` is the audio position (recorded seconds) when the event was made.
    """

    kind: EventKind
    text: str = ""
    transcript: str = ""
    level: float = 0.0
    seconds: float = 0.0
    error: str = ""
    result: VoiceResult | None = None
    fault: VoiceFault | None = None


class VoiceSession:
    """Record one utterance from *microphone*, recognising it with *model_holder*'s model."""

    def __init__(self, microphone: Microphone, model_holder: ModelHolder, settings: ASRSettings,
                 on_event: Callable[[VoiceEvent], None]):
        self.microphone = microphone
        self.holder = model_holder
        self.settings = settings
        self._on_event = on_event
        self._emit_lock = threading.Lock()
        self._stop = threading.Event()
        self._cancel = threading.Event()
        self._done = threading.Event()
        self._state = SessionState.IDLE
        self._thread: threading.Thread | None = None
        self._result: VoiceResult | None = None
        self._rate = 16000

    # -- control -------------------------------------------------------------------

    def start(self) -> None:
        """Open the microphone and start recording on a worker thread; returns at once."""
        if self._thread is not None:
            raise RuntimeError("a VoiceSession can be started once")
        self.holder.start_loading()  # no-op when loaded or loading
        self._state = SessionState.RECORDING
        self._thread = threading.Thread(target=self._run, name="voice-session", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """The resident pressed "done": end the recording, finish recognising, report."""
        self._stop.set()

    def cancel(self) -> None:
        """Abandon the session quickly (recognition is not finished); ends with "cancelled"."""
        self._cancel.set()

    def wait(self, timeout: float | None = None) -> VoiceResult | None:
        """Block until the session ended; return its result (None on timeout)."""
        self._done.wait(timeout)
        return self._result

    @property
    def state(self) -> SessionState:
        return self._state

    @property
    def result(self) -> VoiceResult | None:
        return self._result

    # -- worker --------------------------------------------------------------------

    def _emit(self, event: VoiceEvent) -> None:
        with self._emit_lock:
            try:
                self._on_event(event)
            except Exception:  # the UI's bug must not lose the resident's recording
                log.exception("voice on_event handler failed for %s", event.kind.value)

    def _seconds(self, nbytes: int) -> float:
        return nbytes / 2 / self._rate

    def _run(self) -> None:
        """The worker: open the microphone, record while recognising, then report the result."""
        mic, s = self.microphone, self.settings
        try:
            mic.open()
        except MicrophoneUnavailable as e:
            self._finish_without_audio(str(e))
            return
        except Exception as e:  # a driver bug: report it as a microphone failure
            log.exception("microphone open failed")
            self._finish_without_audio(f"microphone failed to open: {e!r}")
            return
        self._rate = rate = int(mic.sample_rate)
        chunk_frames = max(1, round(rate * s.chunk_seconds))
        ep = Endpointer(rate, s.trailing_silence_seconds, s.no_speech_seconds, s.max_seconds,
                        s.silence_threshold_dbfs)
        recording = bytearray()
        feed: queue.Queue = queue.Queue()
        asr = _Recognition(self, rate, feed)
        asr.thread.start()
        ended_by, error = self._record(mic, ep, chunk_frames, recording, feed)
        self._state = SessionState.FINISHING
        if ended_by is EndReason.CANCELLED:
            asr.abort.set()
        feed.put(None)
        asr.thread.join()
        text = join(asr.segments) if ended_by is not EndReason.CANCELLED else join([*asr.segments, asr.partial])
        result = VoiceResult(text=text, wav=encode_wav(bytes(recording), rate),
                             seconds=self._seconds(len(recording)), asr_available=asr.available,
                             ended_by=ended_by, sample_rate=rate, segments=tuple(asr.segments),
                             asr_reason="" if asr.available else asr.reason, error=error)
        self._end(result)

    def _record(self, mic, ep: Endpointer, chunk_frames: int, recording: bytearray,
                feed: queue.Queue) -> tuple[EndReason, str]:
        """Read the open *mic* into *recording* and *feed* (the recogniser's queue) until
        cancel, stop, the end of the source, the endpointer or a failure; then close it.
        Returns why it ended and the error shown, if any."""
        try:
            while True:
                if self._cancel.is_set():
                    return EndReason.CANCELLED, ""
                if self._stop.is_set():
                    return EndReason.STOPPED, ""
                try:
                    data = mic.read(min(chunk_frames, ep.remaining_frames))
                except MicrophoneUnavailable as e:
                    self._emit(VoiceEvent(EventKind.ERROR, error=str(e), fault=VoiceFault.MICROPHONE,
                                          seconds=self._seconds(len(recording))))
                    return EndReason.ERROR, str(e)
                if not data:  # a finite source (the WAV fake) ran out
                    return EndReason.STOPPED, ""
                recording += data
                feed.put(data)
                level = rms_level(data)
                self._emit(VoiceEvent(EventKind.LEVEL, level=level, seconds=self._seconds(len(recording))))
                reason = ep.update(len(data) // 2, level)
                if reason:
                    return EndReason(reason), ""
        except Exception as e:  # a driver bug mid-recording: keep what we have
            log.exception("capture failed")
            error = f"capture failed: {e!r}"
            self._emit(VoiceEvent(EventKind.ERROR, error=error, fault=VoiceFault.MICROPHONE,
                                  seconds=self._seconds(len(recording))))
            return EndReason.ERROR, error
        finally:
            try:
                mic.close()
            except Exception:
                log.exception("microphone close failed")

    def _finish_without_audio(self, problem: str) -> None:
        log.warning("voice session: microphone unavailable: %s", problem)
        self._emit(VoiceEvent(EventKind.ERROR, error=problem, fault=VoiceFault.MICROPHONE))
        self._end(VoiceResult(text="", wav=encode_wav(b"", self._rate), seconds=0.0, asr_available=False,
                              ended_by=EndReason.ERROR, sample_rate=self._rate,
                              asr_reason="no audio was recorded", error=problem))

    def _end(self, result: VoiceResult) -> None:
        self._result = result
        self._state = SessionState.ENDED
        self._emit(VoiceEvent(EventKind.ENDED, text=result.text, transcript=result.text,
                              seconds=result.seconds, error=result.error, result=result))
        self._done.set()


def _lower_thread_priority(niceness: int = 10) -> None:
    """Make the calling thread yield the CPU to the UI thread and the renderer.

    Recognition is bulk work that may lag a little; the UI thread drawing live text must
    not. On Linux, setpriority(PRIO_PROCESS, tid) applies to one thread (setpriority(2),
    "NOTES": the nice value is a per-thread attribute). Best effort elsewhere.
    """
    try:
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(),
                       min(19, os.getpriority(os.PRIO_PROCESS, 0) + niceness))
    except (AttributeError, OSError):
        pass


@dataclass
class _Recognition:
    """The recognition thread of one session (see the module docstring)."""

    session: VoiceSession
    rate: int
    feed: queue.Queue
    abort: threading.Event = field(default_factory=threading.Event)
    segments: list[str] = field(default_factory=list)
    partial: str = ""
    available: bool = False
    reason: str = ""

    def __post_init__(self):
        self.thread = threading.Thread(target=self._run, name="voice-asr", daemon=True)
        self._pending: list[bytes] = []  # chunks waiting for a model that is loading
        self._tr: Transcriber | None = None
        self._failed = False
        self._fed = 0

    def _run(self) -> None:
        _lower_thread_priority()
        while True:
            chunk = self.feed.get()
            if self.abort.is_set():
                if chunk is None:
                    return
                continue
            if chunk is None:
                self._final()
                return
            if self._failed:
                continue
            self._pending.append(chunk)
            if self._tr is None and not self._ensure(wait=False):
                continue
            self._drain()

    def _ensure(self, wait: bool) -> bool:
        """Create the recognizer if the model is ready (waiting for a loading one if *wait*).

        Returns False while a loading model is awaited (chunks keep buffering) and when
        ASR is unavailable for this session (absent, failed, or still loading at the end).
        """
        holder = self.session.holder
        if wait:
            deadline = time.monotonic() + MODEL_WAIT_SECONDS
            while holder.state is ModelState.LOADING and not self.abort.is_set() \
                    and time.monotonic() < deadline:
                holder.wait(0.2)
        state = holder.state
        if state is ModelState.READY:
            try:
                self._tr = Transcriber(holder.model, self.rate, self.session.settings.grammar,
                                       holder.sample_rate)
            except Exception as e:
                self._fail(f"the speech recognizer could not start: {e}")
                return False
            self.available = True
            return True
        if state is ModelState.LOADING and not wait:
            return False
        self.reason = (holder.reason if state is not ModelState.LOADING
                       else "the speech model was still loading when the recording ended")
        self._failed = True
        self._pending.clear()
        return False

    def _drain(self) -> None:
        tr, sess = self._tr, self.session
        while self._pending:
            chunk = self._pending.pop(0)
            self._fed += len(chunk)
            try:
                seg, changed = tr.accept(chunk)
            except Exception as e:
                self._fail(f"speech recognition failed: {e}")
                return
            self.segments, self.partial = tr.segments, tr.partial
            secs = self._fed / 2 / self.rate
            if seg:
                sess._emit(VoiceEvent(EventKind.SEGMENT, text=seg, transcript=tr.text, seconds=secs))
            if changed and tr.partial:
                sess._emit(VoiceEvent(EventKind.PARTIAL, text=tr.text, transcript=tr.text, seconds=secs))

    def _final(self) -> None:
        if self._failed:
            return
        if self._tr is None and not self._ensure(wait=True):
            return
        self._drain()
        if self._failed:
            return
        try:
            seg = self._tr.finish()
        except Exception as e:
            self._fail(f"speech recognition failed: {e}")
            return
        self.segments, self.partial = self._tr.segments, ""
        if seg:
            self.session._emit(VoiceEvent(EventKind.SEGMENT, text=seg, transcript=self._tr.text,
                                          seconds=self._fed / 2 / self.rate))

    def _fail(self, reason: str) -> None:
        log.warning("voice session: %s", reason)
        self.available, self.reason, self._failed = False, reason, True
        self._pending.clear()
        self.session._emit(VoiceEvent(EventKind.ERROR, error=reason, fault=VoiceFault.RECOGNITION))
