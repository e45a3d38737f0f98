"""`kiosk codereader`: wait for receipts scanned with the code reader and show what came.

For maintainers at the kiosk: `kiosk doctor` can only prove that the serial port opens; this
proves the scanner, its mode, suffix and baud rate — a receipt held under it must give
its tracking code. It prints the payload as received and the tracking code found in it
(through the same ``kiosk.lookup.answers.scan_from_payload`` the lookup screen uses), and
whether it carried a receipt secret - never the secret itself: the digits after ``#k=``
are masked, since a maintainer may well scan a resident's receipt.
"""

from __future__ import annotations

NAME = "codereader"
HELP = "wait for receipts scanned with the code reader and print their tracking codes"


def register(p) -> None:
    p.add_argument("--timeout", type=float, default=30.0, metavar="S",
                   help="seconds to wait for each scan (default 30)")
    p.add_argument("--count", type=int, default=1, metavar="N",
                   help="scans to wait for before exiting (default 1)")


def run(args, ctx) -> int:
    from drivers.codereader import CodeReaderError

    from kiosk.cli import main as cli
    from kiosk.lookup.answers import scan_from_payload
    from kiosk.core.trackcode import CodeError

    if not 0 < args.timeout <= 3600:
        return ctx.fail(cli.EXIT_USAGE, f"--timeout: expected seconds, more than 0 and at most 3600, got {args.timeout:g}")
    if not 1 <= args.count <= 1000:
        return ctx.fail(cli.EXIT_USAGE, f"--count: expected 1 to 1000, got {args.count}")
    cfg = ctx.config
    scans: list[dict] = []
    try:
        reader = cfg.code_reader.build()
        reader.open()
        try:
            if not ctx.args.json:
                print(f"{reader.describe()}: scan a receipt (waiting {args.timeout:g} s) …", flush=True)
            for _ in range(args.count):
                payload = reader.read_code(args.timeout)
                if payload is None:
                    break
                shown = _mask_secret(payload)
                try:
                    found = scan_from_payload(payload, cfg.receipt.lookup_url)
                    scan = {"payload": shown, "code": str(found.code), "secret": found.secret is not None,
                            "problem": None}
                except CodeError as e:
                    scan = {"payload": shown, "code": None, "secret": None, "problem": str(e)}
                scans.append(scan)
                if not ctx.args.json:
                    print(f"scanned {shown!r}: " + (
                        f"tracking code {scan['code']}" + (", with receipt secret" if scan["secret"] else
                                                           ", no receipt secret (an older receipt)")
                        if scan["code"] else f"no tracking code ({scan['problem']})"), flush=True)
        finally:
            reader.close()
    except CodeReaderError as e:
        return ctx.fail(cli.EXIT_FAIL, str(e), scans=scans)
    if len(scans) < args.count:
        return ctx.fail(cli.EXIT_FAIL, f"nothing scanned within {args.timeout:g} s "
                                       f"({len(scans)} of {args.count} scans came; check the scanner's "
                                       "serial mode, suffix and baud rate, see docs/codereader.md)", scans=scans)
    ctx.emit({"ok": True, "scans": scans}, f"{len(scans)} scan(s) read")
    return cli.EXIT_OK


def _mask_secret(payload: str) -> str:
    """*payload* with whatever follows the receipt secret's ``#k=`` mark replaced by ``*``."""
    from kiosk.core.itemsecret import QR_MARK
    head, mark, tail = payload.rpartition(QR_MARK)
    return head + mark + "*" * len(tail) if mark else payload
