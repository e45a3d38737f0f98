"""Device self-tests for maintenance staff: run one, record its result.

Each test takes its (unopened) device as an argument, so the service menu passes the
devices the app holds and ``kiosk service selftest NAME`` the configured ones
(``Config.device_kinds``, :func:`run_configured`). A result is recorded twice: an event ``service_selftest``
(pass or fail, for the event log) and the meta key ``selftest.<device>``, which the
next heartbeat reports (kiosk/core/devicehealth.py).

A pass needs proof: the printer reported itself online with paper after the test page,
the microphone delivered sound that is not digital silence, the camera a frame that is
not uniform, the document camera a page outline, the code reader a tracking code, the
ID-card reader a card that passed the number's check character (reported as its masked
number and the name's length only: no name or full number is recorded or sent).
"""

from __future__ import annotations

from drivers.camera import CameraError, CameraUnavailable
from drivers.codereader import CodeReaderError
from drivers.idcard import IdCardError, IdCardInvalid, IdCardRemoved, IdCardUnavailable
from drivers.microphone import MicrophoneUnavailable, rms_level
from drivers.printer import PrinterError
from kiosk.core.devicehealth import DEVICES, SelfTestResult, UnknownDevice, last_result, record
from kiosk.core.devicehealth import SelfTestReason as Reason
from kiosk.core.trackcode import CodeError
from kiosk.lookup.answers import code_from_scan

# -- the tests ------------------------------------------------------------------------


def test_printer(cfg, printer=None) -> SelfTestResult:
    """Print the test page, then read paper and cover status."""
    from kiosk.receipt import printing

    try:
        data = printing.encode_layout(printing.selftest_layout(cfg), cfg)
    except ValueError as e:
        return SelfTestResult("printer", False, f"cannot lay out the test page: {e}", reason=Reason.PRINTER_LAYOUT)
    if printer is None:
        try:
            printer = cfg.printer.build()
        except ValueError as e:
            return SelfTestResult("printer", False, f"printer configuration is wrong: {e}",
                                  reason=Reason.PRINTER_CONFIG)
        if printer is None:
            return SelfTestResult("printer", False, "no printer is configured (printer.kind = \"none\")",
                                  reason=Reason.PRINTER_NONE)
    out = printing.send(data, cfg, printer)
    st = _printer_status(printer)
    info = {"status": out.status, "bytes": out.bytes_sent, "paper": st.get("paper"),
            "cover_open": st.get("cover_open"), "online": st.get("online")}
    if out.printed:
        return SelfTestResult("printer", True, "test page printed" + (
            "; paper is running low" if out.paper_low else ""), data=info,
            reason=Reason.PRINTER_PRINTED_LOW if out.paper_low else Reason.PRINTER_PRINTED)
    return SelfTestResult("printer", False, f"test page not printed: {out.reason}", data=info,
                          reason=Reason.PRINTER_NOT_PRINTED)


def _printer_status(printer) -> dict:
    opened = not printer.is_open
    try:
        if opened:
            printer.open()
        st = printer.status()
    except (PrinterError, OSError) as e:
        return {"error": str(e)}
    finally:
        if opened:
            printer.close()
    return {"paper": st.paper, "cover_open": st.cover_open, "online": st.online} if st.reported else {}


def capture_audio(mic, seconds: float, on_level=None) -> tuple[bytes, int]:
    """Read *seconds* of 16-bit mono PCM from *mic* (opened and closed here).

    *on_level(rms)* is called for each block (the live level meter). Raises
    ``drivers.microphone.MicrophoneUnavailable``.
    """

    mic.open()
    try:
        rate = int(mic.sample_rate)
        block = rate // 10
        chunks: list[bytes] = []
        for _ in range(max(1, int(seconds * 10))):
            pcm = mic.read(block)
            if not pcm:
                break  # a finite source (the WAV fake) ended
            chunks.append(pcm)
            if on_level is not None:
                on_level(rms_level(pcm))
    finally:
        mic.close()
    return b"".join(chunks), rate


def test_microphone(mic, seconds: float = 3.0, on_level=None, live_s: float = 0.0) -> tuple[SelfTestResult, bytes, int]:
    """Show the live level for *live_s* (nothing kept), then record *seconds*; pass when
    real sound (not digital silence) came. Returns the result, the PCM (for playback on
    the page) and its rate."""

    try:
        if live_s > 0:
            capture_audio(mic, live_s, on_level)
        pcm, rate = capture_audio(mic, seconds, on_level)
    except MicrophoneUnavailable as e:
        return SelfTestResult("microphone", False, f"microphone unavailable: {e}",
                              reason=Reason.MIC_UNAVAILABLE), b"", 0
    level = rms_level(pcm)
    got_s = len(pcm) / 2 / rate if rate else 0.0
    info = {"seconds": round(got_s, 2), "rms": round(level, 5), "rate": rate}
    if got_s < seconds * 0.9:
        return SelfTestResult("microphone", False, f"only {got_s:.1f} s of {seconds:g} s of sound arrived",
                              data=info, reason=Reason.MIC_SHORT,
                              params={"got": f"{got_s:.1f}", "want": f"{seconds:g}"}), pcm, rate
    if not any(pcm):
        return SelfTestResult("microphone", False, "the microphone delivered only digital silence "
                              "(muted, unplugged or the wrong input)", data=info,
                              reason=Reason.MIC_SILENT), pcm, rate
    return SelfTestResult("microphone", True, f"recorded {got_s:.1f} s, level {level:.3f}", data=info,
                          reason=Reason.MIC_OK, params={"got": f"{got_s:.1f}", "level": f"{level:.3f}"}), pcm, rate


def _grab(camera, warmup: int = 3):
    camera.open()
    try:
        for _ in range(warmup):
            camera.read_frame()
        return camera.read_frame()
    finally:
        try:
            camera.close()
        except CameraUnavailable:
            pass


def test_camera(camera) -> tuple[SelfTestResult, object]:
    """Capture one photo frame; pass when it is not uniform (a covered or dead sensor)."""

    try:
        frame = _grab(camera)
    except CameraError as e:
        return SelfTestResult("camera", False, f"camera unavailable: {e}", reason=Reason.CAMERA_UNAVAILABLE), None
    h, w = frame.shape[:2]
    spread = float(frame.std())
    info = {"width": int(w), "height": int(h), "std": round(spread, 1)}
    if spread < 2.0:
        return SelfTestResult("camera", False, f"the picture is one flat colour ({w}×{h}): lens covered "
                              "or sensor dead", data=info, reason=Reason.CAMERA_FLAT,
                              params={"size": f"{w}×{h}"}), frame
    return SelfTestResult("camera", True, f"captured {w}×{h}", data=info, reason=Reason.CAMERA_OK,
                          params={"size": f"{w}×{h}"}), frame


def test_scanner(camera, settings) -> tuple[SelfTestResult, object]:
    """Capture with the document camera and find the page outline (a sheet must lie under it)."""
    from kiosk.media.letter import process_page

    try:
        frame = _grab(camera)
    except CameraError as e:
        return SelfTestResult("scanner", False, f"document camera unavailable: {e}",
                              reason=Reason.SCANNER_UNAVAILABLE), None
    page = process_page(frame, **settings.page_options())
    info = {"found_page": page.found_page, "size": list(page.size)}
    if not page.found_page:
        return SelfTestResult("scanner", False, "captured, but no page outline found: lay a sheet "
                              "of paper under the document camera and test again", data=info,
                              reason=Reason.SCANNER_NO_PAGE), page
    return SelfTestResult("scanner", True, f"page outline found ({page.size[0]}×{page.size[1]})",
                          data=info, reason=Reason.SCANNER_OK,
                          params={"size": f"{page.size[0]}×{page.size[1]}"}), page


def test_code_reader(reader, lookup_url: str, timeout_s: float = 20.0) -> SelfTestResult:
    """Wait for a scanned receipt; pass when it carries a valid tracking code."""

    try:
        reader.open()
        try:
            payload = reader.read_code(timeout_s)
        finally:
            reader.close()
    except CodeReaderError as e:
        return SelfTestResult("code_reader", False, f"code reader unavailable: {e}",
                              reason=Reason.READER_UNAVAILABLE)
    if payload is None:
        return SelfTestResult("code_reader", False, f"nothing scanned within {timeout_s:g} s",
                              reason=Reason.READER_NOTHING, params={"seconds": f"{timeout_s:g}"})
    try:
        code = code_from_scan(payload, lookup_url)
    except CodeError as e:
        return SelfTestResult("code_reader", False, f"scanned, but no tracking code in it: {e}",
                              reason=Reason.READER_NO_CODE)
    return SelfTestResult("code_reader", True, f"read tracking code {code}", data={"code": str(code)},
                          reason=Reason.READER_OK, params={"code": str(code)})


def test_id_card_reader(reader, timeout_s: float = 20.0) -> SelfTestResult:
    """Open, ask the reader's security module (``check()``), then wait for a card laid on
    it (docs/idcard.md, "Service self-test"); pass when one was read and validated."""
    name = "id_card_reader"
    try:
        reader.open()
        try:
            reader.check()
            card = reader.read_card(timeout=timeout_s)
        finally:
            reader.close()
    except IdCardUnavailable as e:
        return SelfTestResult(name, False, f"ID-card reader unavailable: {e}", reason=Reason.IDCARD_UNAVAILABLE)
    except IdCardRemoved as e:
        return SelfTestResult(name, False, f"the card moved during the read: {e}", reason=Reason.IDCARD_REMOVED)
    except IdCardInvalid as e:
        return SelfTestResult(name, False, f"a card was read, but it is not valid: {e}",
                              reason=Reason.IDCARD_INVALID)
    except IdCardError as e:  # silence, line faults, a status the reader reported (SAM 60/66 …)
        return SelfTestResult(name, False, f"the reader failed: {e}", reason=Reason.IDCARD_FAULT)
    if card is None:
        return SelfTestResult(name, False, f"no card within {timeout_s:g} s", reason=Reason.IDCARD_NOTHING,
                              params={"seconds": f"{timeout_s:g}"})
    masked = card.masked_id()
    return SelfTestResult(name, True, f"read card {masked} (name of {len(card.name)} characters)",
                          data={"id_number": masked, "name_chars": len(card.name)},
                          reason=Reason.IDCARD_OK, params={"id": masked, "chars": str(len(card.name))})


# -- configured devices ---------------------------------------------------------------


def run_configured(cfg, device: str, *, code_timeout_s: float = 20.0, seconds: float = 3.0) -> SelfTestResult:
    """Run the self-test of one configured device (``kiosk service selftest NAME``)."""
    if device not in DEVICES:
        raise UnknownDevice(f"unknown self-test {device!r} (expected one of {', '.join(DEVICES)})")
    kind = cfg.device_kinds().get(device)
    if kind is None:
        return SelfTestResult(device, False, f"the {device} is not configured (disabled or kind \"none\")",
                              reason=Reason.NOT_CONFIGURED)
    if device == "printer":
        return test_printer(cfg)
    if device == "microphone":
        return test_microphone(cfg.microphone.build(), seconds)[0]
    if device in ("camera", "scanner"):
        s = getattr(cfg, device)
        return test_camera(s.build())[0] if device == "camera" else test_scanner(s.build(), s)[0]
    if device == "id_card_reader":
        return test_id_card_reader(cfg.id_card_reader.build(), code_timeout_s)
    return test_code_reader(cfg.code_reader.build(), cfg.receipt.lookup_url, code_timeout_s)
