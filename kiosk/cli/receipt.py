"""`kiosk receipt`: reprint an item's receipt, print a test page, or write the ESC/POS bytes."""

from __future__ import annotations

from pathlib import Path

NAME = "receipt"
HELP = ("reprint an item's receipt (CODE; issues a new receipt secret) or a printer test page "
        "(--test); --out writes the bytes")


def register(p) -> None:
    """Arguments of `kiosk receipt`."""
    p.add_argument("code", nargs="?", help="tracking code of a stored item, e.g. 0371-000045-4; the "
                   "reprint carries a NEW receipt secret and the old receipt stops opening the reply")
    p.add_argument("--test", action="store_true",
                   help="a test page: both text modes, a QR code, a column ruler")
    p.add_argument("--out", metavar="FILE",
                   help="write the ESC/POS bytes to FILE instead of printing")
    p.add_argument("--encoding", choices=["gb18030", "raster"],
                   help="override receipt.encoding for this job")
    p.add_argument("--qr", choices=["native", "image"], help="override receipt.qr for this job")


def run(args, ctx) -> int:
    """Reprint, test page, or --out; exit 0 when printed or sent, 1 when not printed.

    Only the hash of an item's receipt secret is stored, so a reprint issues a new secret
    (docs/receipts.md). It replaces the old one in the store only once the receipt left
    this machine (written with --out, printed, or sent unconfirmed): a reprint that
    failed leaves the resident's old receipt working.
    """
    from kiosk.cli import main as cli
    from kiosk.core.reprint import reissue
    from kiosk.receipt import printing
    from kiosk.receipt.raster import FontError

    if bool(args.code) == bool(args.test):
        return ctx.fail(cli.EXIT_USAGE, "give either a tracking CODE or --test (not both)")
    cfg = ctx.config
    override = {k: v for k, v in (("encoding", args.encoding), ("qr", args.qr)) if v}
    receipt = None
    try:
        if args.test:
            data = printing.encode_layout(printing.selftest_layout(cfg, override.get("encoding")), cfg, **override)
            what = "test page"
        else:
            receipt = reissue(ctx.store, cfg, ctx.item_by_code(args.code, with_pii=True))
            data = printing.item_receipt_bytes(receipt, cfg, reprint=True, **override)
            what = f"receipt {receipt.item.code}"
    except (FontError, ValueError) as e:
        return ctx.fail(cli.EXIT_FAIL, f"cannot lay out the {'test page' if args.test else 'receipt'}: {e}")

    if args.out:
        out = Path(args.out)
        try:
            out.write_bytes(data)
        except OSError as e:
            return ctx.fail(cli.EXIT_FAIL, f"cannot write {out}: {e.strerror or e}")
        _retire_old_secret(ctx, receipt)
        ctx.emit({"ok": True, "what": what, "out": str(out), "bytes": len(data), **_secret(receipt)},
                 f"{what}: {len(data)} bytes written to {out}" + _reissued(receipt))
        return cli.EXIT_OK

    outcome = printing.print_bytes(data, cfg, store=ctx.store if receipt else None,
                                   item_id=receipt.item.id if receipt else None, what=what)
    result = {"ok": outcome.left_the_kiosk, "what": what,
              "status": outcome.status, "printed": outcome.printed, "reason": outcome.reason,
              "bytes": outcome.bytes_sent, "paper_low": outcome.paper_low,
              "printer": cfg.printer.kind}
    if outcome.left_the_kiosk:
        _retire_old_secret(ctx, receipt)
        result.update(_secret(receipt))
    if outcome.printed:
        human = f"{what}: printed ({outcome.bytes_sent} bytes)" + (
            "; paper is running low" if outcome.paper_low else "")
    elif outcome.status == printing.SENT_UNCONFIRMED:
        human = f"{what}: sent ({outcome.bytes_sent} bytes); {outcome.reason}"
    else:
        return ctx.fail(cli.EXIT_FAIL, f"{what} not printed: {outcome.reason}",
                        status=outcome.status, printer=cfg.printer.kind)
    ctx.emit(result, human + _reissued(receipt))
    return cli.EXIT_OK


def _retire_old_secret(ctx, receipt) -> None:
    from kiosk.core.reprint import keep_reissued
    if receipt is not None:
        keep_reissued(ctx.store, receipt)


def _secret(receipt) -> dict:
    """The JSON fields about the reprint's new secret (staff may read it to the resident)."""
    return {"secret_reissued": True, "secret": receipt.secret} if receipt is not None else {}


def _reissued(receipt) -> str:
    return (f"\nthis receipt carries a new receipt secret ({receipt.secret}); the old receipt no "
            "longer opens the reply" if receipt is not None else "")
