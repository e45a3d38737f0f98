"""`kiosk idcard`: wait for an ID card on the reader and show what was read, masked.

For maintainers at the kiosk: `kiosk doctor` proves the reader answers; this proves a card
can be read through it. It prints the name and the masked number only
(``**************0012``): a maintainer may well try a resident's card, and the full number
is never shown, printed or logged (docs/idcard.md).
"""

from __future__ import annotations

NAME = "idcard"
HELP = "wait for an ID card on the ID-card reader and print the name and the masked number"


def register(p) -> None:
    p.add_argument("--timeout", type=float, default=30.0, metavar="S",
                   help="seconds to wait for a card (default 30)")
    p.add_argument("--fake-hardware", action="store_true",
                   help="read the fake reader's sample card instead of the configured reader")


def run(args, ctx) -> int:
    from drivers.idcard import IdCardError

    from kiosk.cli import main as cli

    if not 0 < args.timeout <= 3600:
        return ctx.fail(cli.EXIT_USAGE, f"--timeout: expected seconds, more than 0 and at most 3600, got {args.timeout:g}")
    reader = ctx.config.id_card_reader.build(fake_hardware=args.fake_hardware)
    try:
        reader.open()
        try:
            if not ctx.args.json:
                print(f"{reader.describe()}: lay an ID card on the reader (waiting {args.timeout:g} s) …", flush=True)
            card = reader.read_card(args.timeout)
        finally:
            reader.close()
    except IdCardError as e:
        return ctx.fail(cli.EXIT_FAIL, str(e))
    if card is None:
        return ctx.fail(cli.EXIT_NOT_FOUND, f"no card within {args.timeout:g} s")
    until = card.valid_until.isoformat() if card.valid_until else None
    ctx.emit({"ok": True, "name": card.name, "id_number": card.masked_id(), "valid_until": until},
             f"{card.name} {card.masked_id()} (valid until {until or '长期'})")
    return cli.EXIT_OK
