"""`kiosk submit`: store one item through the same code path as the touchscreen app."""

from __future__ import annotations

from pathlib import Path

from kiosk.core.views import item_summary

NAME = "submit"
HELP = "store one item (text and/or attachments) and print its tracking code and receipt secret"


def register(p) -> None:
    p.add_argument("--text", default="", help="the item's text (UTF-8)")
    p.add_argument("--category", help="category id: the centre's (applied station config), else the config's (omit: not sure)")
    ident = p.add_mutually_exclusive_group()
    ident.add_argument("--anonymous", action="store_true", default=True,
                       help="no name or phone is kept (the default)")
    ident.add_argument("--name", help="resident's real name (needs --phone)")
    p.add_argument("--phone", help="mobile (1[3-9] + 9 digits) or landline with area code")
    p.add_argument("--attach", metavar="FILE", action="append", default=[],
                   help="attach a file (repeatable); kind from the type: audio, photo or file")
    p.add_argument("--kind", choices=["audio", "photo", "scan", "file"],
                   help="kind for every --attach file (default: from the media type)")
    p.add_argument("--lang", default="zh-CN", choices=["zh-CN", "zh-TW", "en"])


def _kind_for(path: Path) -> str:
    ext = path.suffix.lower()
    if ext in (".wav", ".ogg", ".flac"):
        return "audio"
    if ext in (".jpg", ".jpeg", ".png"):
        return "photo"
    return "file"


def run(args, ctx) -> int:
    from kiosk.cli import main as cli
    from kiosk.core.diskguard import MediaRefusedError, OutOfServiceError
    from kiosk.core.store import DiskFullError, StoreError
    from kiosk.core.submission import AttachmentInput, SubmissionError, submit

    anonymous = not (args.name or args.phone)
    atts = [AttachmentInput(name=Path(a).name, source=Path(a), kind=args.kind or _kind_for(Path(a)))
            for a in args.attach]
    try:
        submitted = submit(ctx.store, ctx.config, text=args.text, category=args.category,
                      anonymous=anonymous, name=args.name, phone=args.phone,
                      attachments=atts, source="cli", lang=args.lang)
    except SubmissionError as e:
        return ctx.fail(cli.EXIT_INVALID, str(e), field=e.field)
    except MediaRefusedError as e:
        return ctx.fail(cli.EXIT_STORAGE, str(e), reason="media_refused", disk=e.reading.as_alert())
    except OutOfServiceError as e:
        return ctx.fail(cli.EXIT_STORAGE, str(e), reason="out_of_service", disk=e.reading.as_alert())
    except DiskFullError as e:
        return ctx.fail(cli.EXIT_STORAGE, str(e), reason="disk_full")
    except StoreError as e:
        return ctx.fail(cli.EXIT_STORAGE, str(e))
    # The receipt secret exists in plaintext only now (kiosk/core/itemsecret.py): whoever
    # submitted needs it to read the reply at the kiosk.
    item, secret = submitted.item, submitted.secret
    # What the receipt's QR code carries (the secret and the station's seal: `kiosk verify` checks it).
    qr = ctx.config.receipt.qr_payload(item.code.compact, secret, submitted.seal)
    ctx.emit({"ok": True, **item_summary(item), "secret": secret, "qr_payload": qr,
              "signed": submitted.seal is not None},
             f"{item.code}\nreceipt secret: {secret}\nreceipt QR: {qr}")
    return cli.EXIT_OK
