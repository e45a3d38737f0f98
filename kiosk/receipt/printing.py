"""Print a stored item's receipt and say honestly what happened.

The item is already committed when this runs (docs/design.md: store first, then print), so a
printer problem never loses anything: :func:`print_item_receipt` returns a
:class:`PrintOutcome` that says why, logs a ``print_failed`` event for staff, and never
raises for printer trouble.

What ``printed=True`` means: the job was sent and, afterwards, the printer answered the
real-time status query (DLE EOT) saying it is online with paper. That is the most
ESC/POS can confirm. A connection that cannot read (``file``) or a printer that stays
silent gives ``status="sent_unconfirmed"`` and ``printed=False``: the bytes left this
machine, nobody knows whether paper came out.

Outcome statuses: ``printed``, ``sent_unconfirmed``, ``paper_out``, ``offline``,
``absent``, ``error``, ``disabled`` (``printer.kind = "none"``). The same
:class:`PrintOutcome` travels unchanged to the touchscreen's done screen, which tells
"printed", "sent, not confirmed" and "printer problem" apart.
"""

from __future__ import annotations

from dataclasses import dataclass

from kiosk.core.records import ReceiptContent
from kiosk.receipt.layout import Layout, item_receipt, selftest_page

PRINTED, SENT_UNCONFIRMED = "printed", "sent_unconfirmed"
PAPER_OUT, OFFLINE, ABSENT, ERROR, DISABLED = "paper_out", "offline", "absent", "error", "disabled"


@dataclass(frozen=True)
class PrintOutcome:
    """What happened to one print job. ``reason`` is a plain sentence when not printed."""

    printed: bool
    reason: str | None
    status: str
    bytes_sent: int = 0
    paper_low: bool = False

    @property
    def unconfirmed(self) -> bool:
        """The receipt was sent, but the printer could not confirm that it printed."""
        return self.status == SENT_UNCONFIRMED

    @property
    def left_the_kiosk(self) -> bool:
        """The receipt's bytes reached the printer (printed, or sent but not confirmed)."""
        return self.printed or self.unconfirmed


def item_layout(receipt: ReceiptContent, cfg, *, reprint: bool = False) -> Layout:
    """The layout of an item's receipt (no I/O): exactly what *receipt* carries (the
    :class:`~kiosk.core.records.Submitted` of a submission or the
    :class:`~kiosk.core.records.Reissued` of a reprint), laid out with *cfg*'s receipt
    and printer settings. The store and the categories are not read here.

    Raises ValueError for an item that has a secret whose plaintext is not at hand: a
    receipt that cannot open the reply is never printed (a reprint draws a new secret
    first, kiosk.core.reprint.reissue).
    """
    item, rs, ps = receipt.item, cfg.receipt, cfg.printer
    if item.has_secret and not receipt.secret:
        raise ValueError(f"the receipt secret of {item.code} is known only at submission; "
                         "a reprint must issue a new one")
    return item_receipt(
        code=str(item.code), code_compact=item.code.compact, created_at=item.created_at,
        clock_trusted=item.clock_trusted, category_name=receipt.category_name,
        anonymous=item.anonymous, text=item.text or "", lang=item.lang,
        station_name=cfg.station.name, columns=ps.columns, dots=ps.dots,
        qr_data=rs.qr_payload(item.code.compact, receipt.secret, receipt.seal), secret=receipt.secret,
        name=None if item.anonymous else receipt.name,
        phone=None if item.anonymous else receipt.masked_phone,
        id_number=None if item.anonymous else receipt.masked_id_number,
        text_lines=rs.text_lines, timezone_name=rs.timezone, footer=tuple(rs.footer),
        hotline=rs.hotline, cut=rs.cut, reprint=reprint, representative=item.representative_name)


def selftest_layout(cfg, encoding: str | None = None) -> Layout:
    """The layout of ``kiosk receipt --test`` (*encoding*: the mode it will be sent in)."""
    ps, rs = cfg.printer, cfg.receipt
    return selftest_page(station_name=cfg.station.name, station_number=cfg.station.number,
                         columns=ps.columns, dots=ps.dots, paper_mm=ps.paper_width_mm,
                         encoding=encoding or rs.encoding,
                         qr_data=rs.qr_payload(f"{cfg.station.number}0000000"), cut=rs.cut)


def encode_layout(layout: Layout, cfg, **override) -> bytes:
    """ESC/POS bytes of *layout* with the configured (or overridden) receipt settings."""
    from kiosk.receipt.encode import Encoder
    return Encoder.from_settings(cfg.receipt, **override).encode(layout)


def item_receipt_bytes(receipt: ReceiptContent, cfg, *, reprint: bool = False, **override) -> bytes:
    """The ESC/POS bytes of an item's receipt (as :func:`item_layout`)."""
    return encode_layout(item_layout(receipt, cfg, reprint=reprint), cfg, **override)


def send(data: bytes, cfg, printer=None) -> PrintOutcome:
    """Send *data* to *printer* (or the configured one) and find out what happened.

    An unopened printer is opened and closed here; an open one is left open. Never
    raises for printer trouble.
    """
    from drivers.printer import PrinterConfigError, PrinterError, PrinterNotFound

    if printer is None:
        try:
            printer = cfg.printer.build()
        except PrinterConfigError as e:
            return PrintOutcome(False, f"printer configuration is wrong: {e}", ERROR)
        if printer is None:
            return PrintOutcome(False, "no printer is configured (printer.kind = \"none\")", DISABLED)
    opened_here = not printer.is_open
    broken = False
    try:
        if opened_here:
            printer.open()
        before = printer.status()
        bad = _not_ready(before, "before printing")
        if bad:
            return bad
        printer.write(data)
        after = printer.status()
        if not after.reported:
            return PrintOutcome(False, "receipt sent, but the printer cannot confirm it printed "
                                f"({after.detail})", SENT_UNCONFIRMED, len(data))
        bad = _not_ready(after, "while printing", len(data))
        if bad:
            return bad
        return PrintOutcome(True, None, PRINTED, len(data), paper_low=after.paper == "near_end")
    except PrinterNotFound as e:
        return PrintOutcome(False, f"printer absent: {e}", ABSENT)
    except PrinterError as e:
        broken = True
        return PrintOutcome(False, f"printer error: {e}", ERROR)
    except Exception as e:  # a driver bug must not take the kiosk down
        broken = True
        return PrintOutcome(False, f"printer error: {type(e).__name__}: {e}", ERROR)
    finally:
        # A connection that broke is closed even when the caller opened it: the next job
        # then opens it afresh (a re-plugged printer comes back without a restart).
        if opened_here or broken:
            printer.close()


def _not_ready(st, when: str, sent: int = 0) -> PrintOutcome | None:
    if not st.reported:
        return None
    if st.paper == "out":
        what = "the printer is out of paper" if when == "before printing" else \
            "the paper ran out while printing; the receipt may be incomplete"
        return PrintOutcome(False, what, PAPER_OUT, sent)
    if not st.online:
        why = "cover open" if st.cover_open else "error" if st.error else st.detail
        return PrintOutcome(False, f"the printer is offline ({why}) {when}", OFFLINE, sent)
    return None


def print_bytes(data: bytes, cfg, printer=None, *, store=None, item_id: str | None = None,
                what: str = "receipt") -> PrintOutcome:
    """:func:`send` plus the staff event on failure (``print_failed``) or low paper."""
    out = send(data, cfg, printer)
    if store is not None:
        try:
            if not out.printed and out.status not in (SENT_UNCONFIRMED, DISABLED):
                store.log_event(kind="print_failed", message=f"{what} not printed: {out.reason}",
                                level="error", item_id=item_id,
                                data={"status": out.status, "printer": cfg.printer.kind})
            elif out.paper_low:
                store.log_event(kind="paper_low", message="receipt paper is running low",
                                level="warning", item_id=item_id, data={"printer": cfg.printer.kind})
        except Exception:  # the event log is best effort; the outcome is what matters
            pass
    return out


def print_item_receipt(receipt: ReceiptContent, cfg, printer=None, *, store=None,
                       reprint: bool = False) -> PrintOutcome:
    """Print an item's receipt (*receipt*: what it prints, see :func:`item_layout`) on
    *printer* (default: the configured one).

    The name and the masked phone on *receipt* are printed and never logged. With a
    *store*, failures and low paper are logged as events for staff; the item itself is
    never written. Never raises for printer or font problems: the outcome says what
    happened.
    """
    item_id = receipt.item.id
    try:
        data = item_receipt_bytes(receipt, cfg, reprint=reprint)
    except Exception as e:  # FontError, an unfittable QR code …
        out = PrintOutcome(False, f"receipt could not be laid out: {e}", ERROR)
        if store is not None:
            try:
                store.log_event(kind="print_failed", message=f"receipt not printed: {out.reason}",
                                level="error", item_id=item_id, data={"status": out.status})
            except Exception:
                pass
        return out
    return print_bytes(data, cfg, printer, store=store, item_id=item_id)
