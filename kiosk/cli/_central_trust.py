"""`kiosk central-dev enrol STATION KEY` and `kiosk central-dev stations` (dispatched from
kiosk/cli/central_dev.py): the pinned station keys and each station's chain."""

from __future__ import annotations


def register_enrol(p) -> None:
    p.add_argument("station", help="the station's 4-digit number")
    p.add_argument("public_key", help="its public key, as its heartbeat or `kiosk doctor` on it shows "
                                      "(base64 of 32 bytes; store meta station_key.public)")
    p.add_argument("--replace", action="store_true", help="replace a different key pinned already")


def register_stations(p) -> None:
    p.description = ("Each station the centre knows: its pinned key (and any key it refused) and its chain "
                     "(missing seq numbers, rewrites).")


def enrol(args, ctx) -> int:
    """Pin (or with --replace, replace) a station's key. Exit 4 when a different key is
    pinned already, 2 for a malformed key or station number."""
    from kiosk.central_dev.keys import BadKey, KeyChanged, StationKeys
    from kiosk.cli import main as cli
    from kiosk.cli._central_db import with_db
    from kiosk.core import trackcode

    if not trackcode.is_station(args.station):
        return ctx.fail(cli.EXIT_USAGE, f"station must be 4 digits, got {args.station!r}")

    def work(db) -> int:
        try:
            result = StationKeys(db).enrol(args.station, args.public_key, replace=args.replace)
        except BadKey as e:
            return ctx.fail(cli.EXIT_USAGE, str(e), station=args.station)
        except KeyChanged as e:
            return ctx.fail(cli.EXIT_INVALID, str(e), station=args.station, reason="key_changed")
        ctx.emit({"ok": True, "station": args.station, "result": result},
                 f"station {args.station}: key {result}")
        return cli.EXIT_OK
    return with_db(args, ctx, work)


def stations(args, ctx) -> int:
    """Print every station's key and chain (``--json``: ``{"ok", "stations": [...]}``)."""
    from kiosk.central_dev.continuity import station_reports
    from kiosk.cli import main as cli
    from kiosk.cli._central_db import with_db

    def work(db) -> int:
        reports = station_reports(db)
        ctx.emit({"ok": True, "stations": reports}, "\n".join(_line(r) for r in reports) or "no stations yet")
        return cli.EXIT_OK
    return with_db(args, ctx, work)


def _line(r: dict) -> str:
    key = r["key"]
    k = "no key" if key is None else f"key {key['fingerprint']} ({key['via']})"
    if key and key["refused"]:
        k += f", REFUSED {key['refused']['fingerprint']} x{key['refused']['count']}"
    c = r["chain"]
    return f"{r['station']}  {k}  chain {c['state']}: {c['summary']}"
