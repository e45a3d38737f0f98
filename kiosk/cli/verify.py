"""`kiosk verify PAYLOAD`: is this receipt genuine? Checked offline, with the keys this
station holds (its own and the district's from the station config: kiosk/lookup/verify.py)."""

from __future__ import annotations

NAME = "verify"
HELP = "check a scanned receipt's signature offline: authentic, forged, unknown station or unsigned"


def register(p) -> None:
    p.add_argument("payload", help="the receipt's QR payload as scanned (quote it: it contains '#' and '&')")


def run(args, ctx) -> int:
    """Exit 0 only for an authentic receipt whose item, when held here, still matches it."""
    from kiosk.cli import main as cli
    from kiosk.core.receiptsig import Verdict
    from kiosk.core.trackcode import CodeError
    from kiosk.lookup.verify import verify_payload

    try:
        result = verify_payload(ctx.store, args.payload, ctx.config.receipt.lookup_url)
    except CodeError as e:
        return ctx.fail(cli.EXIT_INVALID, f"not a receipt of ours: {e}", verdict="not_a_receipt")
    good = result.verdict is Verdict.AUTHENTIC and result.content != "differs"
    data = {"ok": good, **result.as_dict()}
    human = f"{result.code}: {result.verdict.value.upper().replace('_', ' ')} - {result.reason}"
    if result.created_at:
        human += f"\n  issued {result.created_at} (UTC), digest {result.digest[:16]}…"
    ctx.emit(data, human)
    return cli.EXIT_OK if good else cli.EXIT_FAIL
