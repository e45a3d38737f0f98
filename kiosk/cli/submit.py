"""`kiosk submit`: store one item through the same code path as the touchscreen app."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from kiosk.core.views import item_summary

NAME = "submit"
HELP = "store one item (text and/or attachments) and print its tracking code and receipt secret"

#: The most bytes --text-file reads: every character the text may keep takes at most 4
#: bytes in UTF-8 (RFC 3629), plus room for what cleaning drops (the CR of CRLF line
#: ends, a byte-order mark, trailing blank lines). A longer file is refused unread.
SLACK_BYTES = 64 * 1024
STDIN = "-"


class InputRefused(Exception):
    """The command line's input cannot be used: exit *exit_code*, ``str()`` says why;
    *extra* goes into the ``--json`` answer (``field``, ``reason``, ``choices``)."""

    def __init__(self, exit_code: int, message: str, **extra):
        self.exit_code = exit_code
        self.extra = extra
        super().__init__(message)


def register(p) -> None:
    text = p.add_mutually_exclusive_group()
    text.add_argument("--text", help="the item's text; '-' is refused: read standard input with --text-file -")
    text.add_argument("--text-file", metavar="FILE",
                      help="read the item's text from FILE, or from standard input with '-' (UTF-8, same "
                           "limits as --text)")
    p.add_argument("--category", metavar="CATEGORY",
                   help="the id, or the name residents see in zh-CN, zh-TW or en, of a category valid now "
                        "(the centre's station config, else the config's); omit: not sure")
    ident = p.add_mutually_exclusive_group()
    ident.add_argument("--anonymous", action="store_true", default=True,
                       help="no name or phone is kept (the default)")
    ident.add_argument("--name", help="resident's real name (needs --phone)")
    p.add_argument("--phone", help="mobile (1[3-9] + 9 digits) or landline with area code")
    p.add_argument("--attach", metavar="FILE", action="append", default=[],
                   help="attach a file (repeatable; not a directory); kind from the type: audio, photo or file")
    p.add_argument("--kind", choices=["audio", "photo", "scan", "file"],
                   help="kind for every --attach file (default: from the media type)")
    p.add_argument("--lang", default="zh-CN", choices=["zh-CN", "zh-TW", "en"])
    p.add_argument("--representative", metavar="ID",
                   help="address the item to this representative: an id of the centre's station config "
                        "(`kiosk board` lists them); omit: nobody in particular")


def _kind_for(path: Path) -> str:
    ext = path.suffix.lower()
    if ext in (".wav", ".ogg", ".flac"):
        return "audio"
    if ext in (".jpg", ".jpeg", ".png"):
        return "photo"
    return "file"


def _text_source(spec: str) -> str:
    """How messages name --text-file *spec*."""
    return "standard input" if spec == STDIN else spec


def read_text_file(spec: str, limit_chars: int, stdin=None) -> str:
    """The text of --text-file *spec* (a path, or ``-`` for *stdin*'s bytes), decoded as
    strict UTF-8. Raises :class:`InputRefused` naming the file: missing (exit 5), a
    directory or unreadable, longer than *limit_chars* can take, not UTF-8, or holding
    no text (exit 4). The character limit itself is the submission's (kiosk/core/submission.py)."""
    from kiosk.cli import main as cli
    from kiosk.core.submission import clean_text

    where = _text_source(spec)
    cap = 4 * limit_chars + SLACK_BYTES
    try:
        if spec == STDIN:
            stream = stdin if stdin is not None else sys.stdin.buffer
            if stdin is None and sys.stdin.isatty():
                print("kiosk: reading the text from standard input; end it with Ctrl-D", file=sys.stderr)
            raw = stream.read(cap + 1)
        else:
            with open(spec, "rb") as f:
                raw = f.read(cap + 1)
    except FileNotFoundError:
        raise InputRefused(cli.EXIT_NOT_FOUND, f"--text-file {where}: no such file",
                           field="text", reason="not_found") from None
    except IsADirectoryError:
        raise InputRefused(cli.EXIT_INVALID, f"--text-file {where}: is a directory, not a text file",
                           field="text", reason="directory") from None
    except OSError as e:
        raise InputRefused(cli.EXIT_INVALID, f"--text-file {where}: cannot be read: {e.strerror or e}",
                           field="text", reason="unreadable") from None
    if len(raw) > cap:
        raise InputRefused(cli.EXIT_INVALID, f"--text-file {where}: more than {cap} bytes, longer than a text "
                           f"of at most {limit_chars} characters can be (submission.max_text_chars)",
                           field="text", reason="too_long")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        line = raw[:e.start].count(b"\n") + 1
        raise InputRefused(cli.EXIT_INVALID, f"--text-file {where}: not UTF-8 (byte 0x{raw[e.start]:02x} at "
                           f"offset {e.start}, line {line}); convert it first, e.g. `iconv -f GB18030 -t UTF-8`",
                           field="text", reason="not_utf8") from None
    if not clean_text(text):
        raise InputRefused(cli.EXIT_INVALID, f"--text-file {where}: holds no text (empty or only white space)",
                           field="text", reason="empty")
    return text


def check_attach_paths(paths: list[str]) -> None:
    """Each --attach names an existing file: raises :class:`InputRefused` for a missing
    one (exit 5) and a directory (exit 4), before the submission looks at media types."""
    from kiosk.cli import main as cli
    for p in paths:
        if not os.path.exists(p):
            raise InputRefused(cli.EXIT_NOT_FOUND, f"--attach {p}: no such file", field="attachments",
                               reason="not_found")
        if os.path.isdir(p):
            raise InputRefused(cli.EXIT_INVALID, f"--attach {p}: is a directory; attach its files one by one "
                               f"(--attach {os.path.join(p, 'a.jpg')} --attach {os.path.join(p, 'b.jpg')})",
                               field="attachments", reason="directory")


def _inputs(args, ctx) -> tuple[str, str | None]:
    """The text and the category id the command line gives; raises :class:`InputRefused`."""
    from kiosk.cli import main as cli
    from kiosk.core.categories import UnknownCategory, current_categories

    if args.text == STDIN:
        raise InputRefused(cli.EXIT_USAGE, "--text -: a lone dash is not taken as the text; to read the text "
                           "from standard input use --text-file -", field="text", reason="dash")
    if args.text_file is not None:
        text = read_text_file(args.text_file, ctx.config.submission.max_text_chars)
    else:
        text = args.text or ""
    check_attach_paths(args.attach)
    if not args.category:
        return text, None
    try:
        return text, current_categories(ctx.store, ctx.config).find(args.category).id
    except UnknownCategory as e:
        raise InputRefused(cli.EXIT_INVALID, str(e), field="category", reason="unknown",
                           choices=e.choices) from None


def run(args, ctx) -> int:
    from kiosk.cli import main as cli
    from kiosk.core.diskguard import MediaRefusedError, OutOfServiceError
    from kiosk.core.store import DiskFullError, StoreError
    from kiosk.core.submission import AttachmentInput, RepresentativeRefused, SubmissionError, submit

    try:
        text, category = _inputs(args, ctx)
    except InputRefused as e:
        return ctx.fail(e.exit_code, str(e), **e.extra)
    anonymous = not (args.name or args.phone)
    atts = [AttachmentInput(name=Path(a).name, source=Path(a), kind=args.kind or _kind_for(Path(a)))
            for a in args.attach]
    try:
        submitted = submit(ctx.store, ctx.config, text=text, category=category,
                           anonymous=anonymous, name=args.name, phone=args.phone,
                           attachments=atts, source="cli", lang=args.lang,
                           representative_id=args.representative)
    except RepresentativeRefused as e:
        return ctx.fail(cli.EXIT_USAGE, f"--representative: {e}; `kiosk board` lists the representatives",
                        field="representative", reason="unknown", choices=list(e.known))
    except SubmissionError as e:
        source = f"--text-file {_text_source(args.text_file)}: " \
            if e.field == "text" and args.text_file is not None else ""
        return ctx.fail(cli.EXIT_INVALID, source + str(e), field=e.field)
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
