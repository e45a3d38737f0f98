"""Microphones: one interface, a PortAudio (sounddevice) implementation and a WAV-fed fake.

Every microphone delivers **signed 16-bit little-endian mono** PCM at ``sample_rate``,
which is the rate the device was really opened at (many USB microphones refuse 16 kHz;
the recognizer must be told the true rate, see docs/platform.md, "Vosk").

Constructors only store their options and touch no hardware; :meth:`open` finds and opens
the device and raises :class:`MicrophoneUnavailable` with a sentence a maintainer can act
on when it cannot. This module never imports ``kiosk``.

``make_microphone(kind, **options)`` builds one from the config's ``kind`` string, see
:data:`KINDS`.
"""

from __future__ import annotations

import math
import struct
import threading
import time
from pathlib import Path
from typing import Callable, Protocol, runtime_checkable


SAMPLE_WIDTH = 2  # bytes per sample: every microphone delivers s16le mono
# Rates tried, in order, when neither the preferred rate nor the device's default works.
COMMON_RATES = (16000, 48000, 44100, 32000, 22050, 11025, 8000)

_open_lock = threading.Lock()
_open_streams: set[int] = set()  # id() of the SoundDeviceMicrophones with a stream open


class MicrophoneUnavailable(Exception):
    """No usable capture device (absent, unplugged, busy, PortAudio missing, bad file).

    ``str(err)`` is a complete sentence for the service screen and ``kiosk doctor``.
    """


@runtime_checkable
class Microphone(Protocol):
    """A mono 16-bit capture source.

    ``sample_rate`` is only meaningful after :meth:`open`. ``read(frames)`` blocks until
    *frames* frames are available and returns them as s16le bytes; a finite source (the
    WAV fake) returns fewer bytes at its end and ``b""`` after it. ``level`` is the RMS of
    the last chunk read, 0..1 (full scale), for a level meter.
    """

    sample_rate: int
    level: float

    def open(self) -> None: ...

    def close(self) -> None: ...

    def read(self, frames: int) -> bytes: ...


def rms_level(pcm: bytes) -> float:
    """RMS of s16le samples relative to full scale (0.0 silence … 1.0 full-scale square)."""
    if len(pcm) < SAMPLE_WIDTH:
        return 0.0
    import numpy as np  # here, not at import: loading the config must not pull numpy in
    a = np.frombuffer(pcm[: len(pcm) // SAMPLE_WIDTH * SAMPLE_WIDTH], dtype="<i2").astype(np.float64)
    return min(1.0, math.sqrt(float(np.mean(a * a))) / 32768.0)


def choose_rate(preferred: int | None, default: int | None, supported: Callable[[int], bool]) -> int:
    """The capture rate: *preferred* if the device takes it, else its default, else a common one.

    *supported(rate)* asks the device. Raises :class:`MicrophoneUnavailable` when no rate works.
    """
    tried = []
    for rate in (preferred, default, *COMMON_RATES):
        if not rate or rate in tried:
            continue
        tried.append(rate)
        if supported(int(rate)):
            return int(rate)
    raise MicrophoneUnavailable(
        "the capture device accepts none of the sample rates "
        + ", ".join(str(r) for r in tried) + " Hz for 16-bit input")


# --------------------------------------------------------------------------- sounddevice


def _import_sounddevice():
    try:
        import sounddevice
    except OSError as e:  # the PortAudio shared library itself is missing
        raise MicrophoneUnavailable(
            f"PortAudio is not installed ({e}); install the libportaudio2 package") from None
    return sounddevice


class SoundDeviceMicrophone:
    """A real capture device through PortAudio (``sounddevice.RawInputStream``).

    *device* is a PortAudio device index, or a name (a case-insensitive substring of the
    device name, e.g. ``"USB"``), or None / ``""`` for the system's default input.
    *rate* is the preferred rate; the device's default rate (then a list of common
    rates) is used when it is refused, and :attr:`sample_rate` tells the truth.
    """

    def __init__(self, device: str | int | None = None, rate: int | None = 16000,
                 latency: str | float = "high", **_ignored):
        self.device = device if device not in ("",) else None
        self.preferred_rate = rate or None
        self.latency = latency
        self.sample_rate = int(rate or 16000)
        self.channels = 1  # channels opened on the device (downmixed to 1 when > 1)
        self.device_name = ""
        self.level = 0.0
        self.overflows = 0
        self._stream = None

    # -- discovery -----------------------------------------------------------------

    def find_device(self) -> dict:
        """The PortAudio description of the configured input device.

        Raises :class:`MicrophoneUnavailable` when PortAudio is missing, there is no
        input device at all, or the configured one is not present.
        """
        sd = _import_sounddevice()
        try:
            return _find_input(sd, self.device)
        except MicrophoneUnavailable:
            # PortAudio enumerates devices once, at initialisation: a USB microphone
            # plugged in later is invisible until it is re-initialised (the maintainer's
            # advice in python-sounddevice issue #125: _terminate() then _initialize()).
            # That stops every open stream, so only re-scan when none is open.
            with _open_lock:
                if _open_streams:
                    raise
                try:
                    sd._terminate()
                    sd._initialize()
                except Exception:
                    raise MicrophoneUnavailable("PortAudio could not re-scan the audio devices") from None
            return _find_input(sd, self.device)

    def probe(self) -> str | None:
        """None when the device is there, else why not (for the UI's "no microphone" state).

        Opens no stream: safe while another part of the app is recording.
        """
        if self._stream is not None:
            return None
        try:
            self.find_device()
        except MicrophoneUnavailable as e:
            return str(e)
        return None

    # -- Microphone ----------------------------------------------------------------

    def open(self) -> None:
        """Find the device, pick a rate it supports, and start capturing."""
        if self._stream is not None:
            return
        sd = _import_sounddevice()
        info = self.find_device()
        index = info["index"]
        self.device_name = info["name"]

        def works(channels: int) -> Callable[[int], bool]:
            def supported(rate: int) -> bool:
                try:
                    sd.check_input_settings(device=index, channels=channels, dtype="int16",
                                            samplerate=rate)
                    return True
                except Exception:
                    return False
            return supported

        default_rate = int(info.get("default_samplerate") or 0)
        channels = 1
        try:
            rate = choose_rate(self.preferred_rate, default_rate, works(1))
        except MicrophoneUnavailable:
            # Some USB arrays only offer 2+ channels (hw: devices without the ALSA plug
            # layer); open two and keep the first.
            if info["max_input_channels"] < 2:
                raise
            channels = 2
            rate = choose_rate(self.preferred_rate, default_rate, works(2))
        try:
            stream = sd.RawInputStream(device=index, samplerate=rate, channels=channels,
                                       dtype="int16", latency=self.latency)
            stream.start()
        except Exception as e:
            raise MicrophoneUnavailable(f"cannot open capture device {self.device_name!r}: {e}") from None
        self._stream = stream
        with _open_lock:
            _open_streams.add(id(self))
        self.sample_rate = rate
        self.channels = channels
        self.level = 0.0

    def read(self, frames: int) -> bytes:
        """Block until *frames* frames were captured; return them as s16le mono."""
        if self._stream is None:
            raise MicrophoneUnavailable("microphone is not open")
        try:
            data, overflowed = self._stream.read(frames)
        except Exception as e:  # unplugged while recording, ALSA xrun that PortAudio gave up on
            raise MicrophoneUnavailable(f"capture device {self.device_name!r} failed: {e}") from None
        if overflowed:
            self.overflows += 1
        pcm = bytes(data)
        if self.channels > 1:
            import numpy as np
            pcm = np.frombuffer(pcm, dtype="<i2").reshape(-1, self.channels)[:, 0].tobytes()
        self.level = rms_level(pcm)
        return pcm

    def close(self) -> None:
        """Stop and release the device (safe to call twice)."""
        stream, self._stream = self._stream, None
        if stream is not None:
            try:
                stream.stop()
            finally:
                stream.close()
                with _open_lock:
                    _open_streams.discard(id(self))


def _find_input(sd, device: str | int | None) -> dict:
    try:
        devices = list(sd.query_devices())
    except Exception as e:
        raise MicrophoneUnavailable(f"PortAudio cannot list audio devices: {e}") from None
    inputs = [dict(d, index=i) for i, d in enumerate(devices) if d.get("max_input_channels", 0) > 0]
    if not inputs:
        raise MicrophoneUnavailable("no capture device: no microphone is connected "
                                    "(PortAudio lists no input device)")
    if device is None:
        try:  # PortAudio's default input (ALSA "default", i.e. ~/.asoundrc or the first card)
            default_in = sd.query_devices(kind="input")["index"]
        except Exception:
            default_in = -1
        for d in inputs:
            if d["index"] == default_in:
                return d
        return inputs[0]
    if isinstance(device, int) or (isinstance(device, str) and device.strip().isdigit()):
        idx = int(device)
        for d in inputs:
            if d["index"] == idx:
                return d
        raise MicrophoneUnavailable(f"no capture device with index {idx} (inputs: "
                                    + ", ".join(f"{d['index']} {d['name']!r}" for d in inputs) + ")")
    want = device.strip().lower()
    for d in inputs:
        if d["name"].lower() == want:
            return d
    for d in inputs:
        if want in d["name"].lower():
            return d
    raise MicrophoneUnavailable(f"no capture device named {device!r} (inputs: "
                                + ", ".join(f"{d['index']} {d['name']!r}" for d in inputs) + ")")


def list_input_devices() -> list[dict]:
    """Every PortAudio input device as ``{"index", "name", "channels", "default_rate"}``.

    Raises :class:`MicrophoneUnavailable` when PortAudio is missing.
    """
    sd = _import_sounddevice()
    return [{"index": i, "name": d["name"], "channels": d["max_input_channels"],
             "default_rate": int(d.get("default_samplerate") or 0)}
            for i, d in enumerate(sd.query_devices()) if d.get("max_input_channels", 0) > 0]


# --------------------------------------------------------------------------- WAV files


class WavFormatError(ValueError):
    """A file is not a WAV this module can read; ``str()`` says what is wrong."""


# WAVE format tags (RFC 2361): PCM, IEEE float, WAVE_FORMAT_EXTENSIBLE.
_PCM, _FLOAT, _EXTENSIBLE = 1, 3, 0xFFFE


def decode_wav(data: bytes) -> tuple[bytes, int, int]:
    """Decode a WAV file's bytes to (s16le mono PCM, sample rate, original channels).

    Reads integer PCM of 8, 16, 24 or 32 bits and IEEE float of 32 or 64 bits, plain or
    WAVE_FORMAT_EXTENSIBLE, any channel count (averaged to mono). Raises
    :class:`WavFormatError` naming the problem otherwise.
    """
    if len(data) < 12 or data[:4] not in (b"RIFF", b"RF64") or data[8:12] != b"WAVE":
        raise WavFormatError("not a WAV file (no RIFF/WAVE header)")
    pos, fmt, payload = 12, None, None
    while pos + 8 <= len(data):
        cid, size = data[pos:pos + 4], struct.unpack("<I", data[pos + 4:pos + 8])[0]
        body = data[pos + 8:pos + 8 + size]
        if cid == b"fmt ":
            fmt = body
        elif cid == b"data":
            payload = body  # a truncated file keeps what is there
            break
        pos += 8 + size + (size & 1)  # chunks are word-aligned
    if fmt is None or len(fmt) < 16:
        raise WavFormatError("WAV file has no valid 'fmt ' chunk")
    if payload is None:
        raise WavFormatError("WAV file has no 'data' chunk")
    tag, channels, rate, _, block, bits = struct.unpack("<HHIIHH", fmt[:16])
    if tag == _EXTENSIBLE and len(fmt) >= 26:
        tag = struct.unpack("<H", fmt[24:26])[0]  # first two bytes of the sub-format GUID
    if channels < 1 or rate < 1000 or block < 1:
        raise WavFormatError(f"WAV header is implausible ({channels} channels, {rate} Hz)")
    width = block // channels
    payload = payload[: len(payload) // block * block]
    import numpy as np
    if tag == _PCM and width == 1:
        a = (np.frombuffer(payload, dtype=np.uint8).astype(np.float64) - 128.0) * 256.0
    elif tag == _PCM and width == 2:
        a = np.frombuffer(payload, dtype="<i2").astype(np.float64)
    elif tag == _PCM and width == 3:
        b = np.frombuffer(payload, dtype=np.uint8).reshape(-1, 3).astype(np.int32)
        v = b[:, 0] | (b[:, 1] << 8) | (b[:, 2] << 16)
        a = (np.where(v >= 1 << 23, v - (1 << 24), v) / 256.0).astype(np.float64)
    elif tag == _PCM and width == 4:
        a = np.frombuffer(payload, dtype="<i4").astype(np.float64) / 65536.0
    elif tag == _FLOAT and width in (4, 8):
        a = np.frombuffer(payload, dtype="<f4" if width == 4 else "<f8").astype(np.float64) * 32768.0
    else:
        raise WavFormatError(f"unsupported WAV encoding (format tag {tag:#x}, {bits} bits); "
                             "use PCM 8/16/24/32-bit or 32/64-bit float")
    if channels > 1:
        a = a.reshape(-1, channels).mean(axis=1)
    pcm = np.clip(np.rint(a), -32768, 32767).astype("<i2").tobytes()
    return pcm, rate, channels


def encode_wav(pcm: bytes, rate: int) -> bytes:
    """A standard RIFF/WAVE file (PCM, 16-bit, mono) holding *pcm* at *rate*."""
    n = len(pcm) // SAMPLE_WIDTH * SAMPLE_WIDTH
    header = struct.pack("<4sI4s4sIHHIIHH4sI", b"RIFF", 36 + n, b"WAVE", b"fmt ", 16, _PCM, 1,
                         rate, rate * SAMPLE_WIDTH, SAMPLE_WIDTH, 16, b"data", n)
    return header + pcm[:n]


class WavMicrophone:
    """The fake microphone: plays a WAV file as if it were being spoken.

    ``realtime=True`` paces reads to the wall clock (for the UI demo); ``False`` returns
    audio as fast as it is read (for tests and benchmarks). The file is decoded to mono
    16-bit at its own rate, which becomes :attr:`sample_rate`. At the end of the file
    ``read`` returns the rest, then ``b""``.
    """

    def __init__(self, path: str | Path, realtime: bool = False, **_ignored):
        self.path = Path(path) if path else None
        self.realtime = realtime
        self.sample_rate = 16000
        self.level = 0.0
        self._pcm: bytes | None = None
        self._pos = 0
        self._started = 0.0
        self._lock = threading.Lock()

    def probe(self) -> str | None:
        """None when the file is readable WAV, else why not."""
        if self.path is None:
            return "fake microphone has no WAV file configured"
        try:
            decode_wav(self.path.read_bytes())
        except OSError as e:
            return f"fake microphone cannot read {self.path}: {e.strerror or e}"
        except WavFormatError as e:
            return f"fake microphone file {self.path}: {e}"
        return None

    def open(self) -> None:
        """Read and decode the file; raises :class:`MicrophoneUnavailable` if it cannot."""
        if self.path is None:
            raise MicrophoneUnavailable("fake microphone has no WAV file configured")
        try:
            data = self.path.read_bytes()
        except OSError as e:
            raise MicrophoneUnavailable(f"fake microphone cannot read {self.path}: {e.strerror or e}") from None
        try:
            pcm, rate, _ = decode_wav(data)
        except WavFormatError as e:
            raise MicrophoneUnavailable(f"fake microphone file {self.path}: {e}") from None
        self._pcm, self.sample_rate, self._pos = pcm, rate, 0
        self._started = time.monotonic()
        self.level = 0.0

    def read(self, frames: int) -> bytes:
        """The next *frames* frames (fewer at the end of the file, then ``b""``)."""
        with self._lock:
            if self._pcm is None:
                raise MicrophoneUnavailable("microphone is not open")
            chunk = self._pcm[self._pos:self._pos + frames * SAMPLE_WIDTH]
            self._pos += len(chunk)
            played = self._pos / SAMPLE_WIDTH / self.sample_rate
        if self.realtime and chunk:
            delay = self._started + played - time.monotonic()
            if delay > 0:
                time.sleep(delay)
        self.level = rms_level(chunk)
        return chunk

    def close(self) -> None:
        """Forget the file."""
        with self._lock:
            self._pcm = None


class NoMicrophone:
    """``kind = "none"``: a kiosk without a microphone; :meth:`open` always refuses."""

    def __init__(self, **_ignored):
        self.sample_rate = 16000
        self.level = 0.0

    def probe(self) -> str | None:
        return "no microphone: the microphone is disabled in the configuration"

    def open(self) -> None:
        raise MicrophoneUnavailable("no microphone: the microphone is disabled in the configuration")

    def read(self, frames: int) -> bytes:
        raise MicrophoneUnavailable("no microphone: the microphone is disabled in the configuration")

    def close(self) -> None:
        pass


def problem(mic: Microphone) -> str | None:
    """Why *mic* cannot record right now (None: it can), without opening it.

    Uses the driver's ``probe()``; a microphone without one is assumed present.
    """
    probe = getattr(mic, "probe", None)
    return probe() if probe is not None else None


KINDS: dict[str, type] = {
    "sounddevice": SoundDeviceMicrophone,
    "wav": WavMicrophone,
    "none": NoMicrophone,
}


def make_microphone(kind: str, **options) -> Microphone:
    """A microphone of config *kind* (see :data:`KINDS`) built with *options*; no hardware touched.

    Options: ``device``, ``rate`` (sounddevice); ``path``, ``realtime`` (wav).
    """
    try:
        cls = KINDS[kind]
    except KeyError:
        raise ValueError(f"unknown microphone kind {kind!r} (expected one of: "
                         + ", ".join(sorted(KINDS)) + ")") from None
    return cls(**options)
