"""`kiosk service …`: the service menu's actions for SSH and tests (docs/service.md).

check-pin exits 0 for the right PIN, 1 for a wrong one and :data:`EXIT_LOCKED` (7) while
the pad is locked, even for the right PIN; the remaining wait is in the message and in
``remaining_s`` with --json.
"""

from __future__ import annotations

NAME = "service"
HELP = "the service menu's actions: status, selftest, queue, requeue, export, logs, config, set-pin, check-pin"

ACTIONS = ("status", "selftest", "queue", "requeue", "export", "logs", "config", "set-pin", "check-pin")
EXIT_LOCKED = 7


def register(p) -> None:
    p.add_argument("action", choices=ACTIONS, help="what to do (see docs/service.md)")
    p.add_argument("target", nargs="?", help="selftest: printer, microphone, camera, scanner, code_reader or id_card_reader; "
                                             "requeue: a tracking code; export: the directory (default: "
                                             "service.export_dir or the mounted USB drive)")
    p.add_argument("--all", action="store_true", help="export: every item still kept, not only undelivered ones")
    p.add_argument("--timeout", type=float, default=20.0, metavar="S",
                   help="selftest code_reader / id_card_reader: seconds to wait for a scan or a card (default 20)")


def run(args, ctx) -> int:
    handler = {"status": _status, "selftest": _selftest, "queue": _queue, "requeue": _requeue,
               "export": _export, "logs": _logs, "config": _config, "set-pin": _set_pin,
               "check-pin": _check_pin}[args.action]
    return handler(args, ctx)


def _status(args, ctx) -> int:
    from kiosk.cli import main as cli
    from kiosk.maintenance.status import status_snapshot

    s = status_snapshot(ctx.config, ctx.store)
    q, c = s["queue"], s["centre"]
    lines = [f"station:      {s['station']} {s['station_name']} (version {s['version']})",
             f"clock:        {s['now']}{'' if s['clock_trusted'] else ' (NOT synchronised)'}",
             f"disk:         {s['disk']['free_mb']} MB free of {s['disk']['total_mb']} MB; database {s['db_size_mb']} MB",
             f"queue:        {q['pending']} pending, {q['held']} held, {q['quarantined']} quarantined"
             + (f"; oldest undelivered {q['oldest_undelivered_age_s'] / 3600:.1f} h old"
                if q["oldest_undelivered_age_s"] is not None else ""),
             f"centre:       {c['url']}, last contact {c['last_contact'] or 'never'}"
             + (f"; outage since {c['outage_since']}: {c['outage_last_error']}" if c["outage_since"] else "")
             + (f"; REFUSES OUR TOKEN: {c['auth_alert']}" if c["auth_alert"] else ""),
             f"config ETag:  {s['station_config_etag'] or 'none applied'}",
             f"speech model: {s['speech_model']['problem'] or s['speech_model']['path']}"]
    ctx.emit({"ok": True, **s}, "\n".join(lines))
    return cli.EXIT_OK


def _selftest(args, ctx) -> int:
    from kiosk.cli import main as cli
    from kiosk.maintenance import selftest

    if not args.target:
        return ctx.fail(cli.EXIT_USAGE, "selftest: name the device: " + ", ".join(selftest.DEVICES))
    if not 0 < args.timeout <= 600:
        return ctx.fail(cli.EXIT_USAGE, f"--timeout: expected 0 to 600 seconds, got {args.timeout:g}")
    try:
        result = selftest.run_configured(ctx.config, args.target, code_timeout_s=args.timeout)
    except selftest.UnknownDevice as e:
        return ctx.fail(cli.EXIT_USAGE, str(e))
    selftest.record(ctx.store, result)
    if not result.passed:
        return ctx.fail(cli.EXIT_FAIL, f"self-test {result.device} failed: {result.detail}", **result.as_dict())
    ctx.emit({"ok": True, **result.as_dict()}, f"self-test {result.device}: pass: {result.detail}")
    return cli.EXIT_OK


def _queue(args, ctx) -> int:
    from kiosk.cli import main as cli
    from kiosk.maintenance.status import list_queue

    listing = list_queue(ctx.store)
    lines = []
    for state in ("quarantined", "held", "pending"):
        entries = getattr(listing, state)
        lines.append(f"{state}: {len(entries)}")
        for e in entries:
            lines.append(f"  {e.code}  {e.created_at}  {e.category or '-'}  {e.size_bytes // 1024} KB"
                         + (f"  ({e.reason})" if e.reason else ""))
    ctx.emit({"ok": True, **listing.as_dict()}, "\n".join(lines))
    return cli.EXIT_OK


def _requeue(args, ctx) -> int:
    from kiosk.cli import main as cli
    from kiosk.maintenance.status import RequeueRefused, requeue_item

    if not args.target:
        return ctx.fail(cli.EXIT_USAGE, "requeue: give the tracking code of a quarantined item")
    item = ctx.item_by_code(args.target)
    try:
        requeue_item(ctx.store, item)
    except RequeueRefused as e:
        return ctx.fail(cli.EXIT_INVALID, str(e), delivery=item.delivery)
    ctx.emit({"ok": True, "code": str(item.code), "delivery": "pending"},
             f"{item.code} is back in the queue; the sync daemon retries it")
    return cli.EXIT_OK


def _export(args, ctx) -> int:
    from pathlib import Path

    from kiosk.cli import main as cli
    from kiosk.sync.export import ExportError, export_bundle, find_targets

    cfg = ctx.config
    if args.target:
        dest = Path(args.target)
    else:
        targets = find_targets(cfg)
        if not targets:
            return ctx.fail(cli.EXIT_NOT_FOUND, "no USB drive found: plug one in (a removable or USB "
                            f"drive, mounted writable under {cfg.service.usb_mount_root}) or give the directory")
        dest = targets[0]
    try:
        result = export_bundle(cfg, ctx.store, dest, include_delivered=args.all)
    except ExportError as e:
        return ctx.fail(cli.EXIT_FAIL, str(e))
    if result.left_out:
        return ctx.fail(cli.EXIT_FAIL, f"{result.items} items written to {result.bundle}, but "
                        f"{len(result.left_out)} left out with damaged files: "
                        + "; ".join(f"{x['code']}: {x['reason']}" for x in result.left_out),
                        **result.as_dict())
    ctx.emit({"ok": True, **result.as_dict()},
             f"{result.items} items written to {result.bundle} ({result.bytes // 1024} KB)")
    return cli.EXIT_OK


def _logs(args, ctx) -> int:
    from kiosk.cli import main as cli
    from kiosk.maintenance.status import read_logs, recent_events

    tails = read_logs(ctx.config)
    events = recent_events(ctx.store)
    lines = []
    for t in tails:
        lines.append(f"== {t.source}" + (f" ({t.problem})" if t.problem else ""))
        lines.extend(t.lines)
    lines.append("== event log (newest first)")
    lines.extend(f"{e['at']} {e['level']:7} {e['kind']}: {e['message']}" for e in events)
    ctx.emit({"ok": True, "logs": [t.__dict__ for t in tails], "events": events}, "\n".join(lines))
    return cli.EXIT_OK


def _config(args, ctx) -> int:
    import json

    from kiosk.cli import main as cli
    from kiosk.maintenance.status import effective_config

    data = effective_config(ctx.config)
    ctx.emit({"ok": True, "config": data}, json.dumps(data, ensure_ascii=False, indent=2, default=str))
    return cli.EXIT_OK


def _read_pin(ctx, confirm: bool) -> str:
    import getpass
    import sys

    if sys.stdin.isatty():
        pin = getpass.getpass("service PIN: ")
        if confirm and getpass.getpass("again: ") != pin:
            from kiosk.cli import main as cli
            raise cli.CommandFailed(cli.EXIT_INVALID, "the two PINs differ; nothing changed")
        return pin
    return sys.stdin.readline()


def _set_pin(args, ctx) -> int:
    from kiosk.cli import main as cli
    from kiosk.maintenance.pin import PinError, PinFormatError, PinGuard, PinTooSimple

    pin = _read_pin(ctx, confirm=True)
    try:
        PinGuard.from_config(ctx.config, ctx.store).set_pin(pin)
    except PinTooSimple as e:
        return ctx.fail(cli.EXIT_INVALID, f"{e}; nothing changed", rule=e.rule)
    except PinFormatError as e:
        return ctx.fail(cli.EXIT_INVALID, f"{e}; nothing changed")
    except PinError as e:
        return ctx.fail(cli.EXIT_STORAGE, str(e))
    ctx.emit({"ok": True}, "service PIN set; the service menu is enabled")
    return cli.EXIT_OK


def _check_pin(args, ctx) -> int:
    from kiosk.cli import main as cli
    from kiosk.maintenance.pin import PinFileError, PinGuard, PinLocked, PinNotSet, format_wait

    pin = _read_pin(ctx, confirm=False)
    try:
        result = PinGuard.from_config(ctx.config, ctx.store).check(pin, via="cli")
    except PinLocked as e:
        return ctx.fail(EXIT_LOCKED, str(e), locked=True, remaining_s=round(e.remaining_s))
    except PinNotSet as e:
        return ctx.fail(cli.EXIT_NOT_FOUND, str(e))
    except PinFileError as e:
        return ctx.fail(cli.EXIT_CONFIG, str(e))
    if not result.correct:
        msg = "wrong PIN" + (f"; locked for {format_wait(result.locked_for_s)}" if result.locked_for_s
                             else f"; {result.tries_left} tries before a lockout")
        return ctx.fail(cli.EXIT_FAIL, msg, correct=False, failures=result.failures,
                        locked_for_s=result.locked_for_s)
    ctx.emit({"ok": True, "correct": True}, "PIN correct")
    return cli.EXIT_OK
