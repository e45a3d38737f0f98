"""`kiosk status CODE`: the local state of one item and the centre's last word on it."""

from __future__ import annotations

from kiosk.core.loop import loop_of
from kiosk.core.views import item_summary

NAME = "status"
HELP = "show one item's local state and the centre's last status and reply"


def register(p) -> None:
    p.add_argument("code", help="tracking code, with or without separators (e.g. 0371-000045-4)")


def run(args, ctx) -> int:
    from kiosk.cli import main as cli

    item = ctx.item_by_code(args.code)
    loop = loop_of(ctx.store, item.id)
    rating = loop.current.rating
    data = {"ok": True, **item_summary(item), "history": ctx.store.status_history(item.id),
            "rating": rating, "receipt_secret": "issued" if item.has_secret else "none", **loop.as_dict()}
    lines = [
        f"code:        {item.code}",
        f"stored:      {item.created_at}{'' if item.clock_trusted else ' (clock not synchronised)'}",
        f"category:    {item.category or '-'}",
        f"identity:    {'anonymous' if item.anonymous else 'real name'}",
        f"attachments: {len(item.attachments)}",
        f"state:       {item.state}",
        f"delivery:    {item.delivery}" + (f" ({item.quarantine_reason})" if item.quarantine_reason else ""),
        # Staff see everything here; the kiosk's lookup screen needs the receipt secret
        # for the reply (docs/security.md). Only whether one exists is known: its hash.
        "receipt:     " + ("has a receipt secret" if item.has_secret else
                           "no receipt secret (printed before secrets; `kiosk receipt CODE` issues one)"),
    ]
    if item.integrity != "ok":
        lines.append(f"integrity:   {item.integrity} — staff must check this item")
    if item.centre_reply:
        lines.append(f"reply:       {item.centre_reply}")
    if loop.round > 1 or loop.overdue:
        lines.append(f"round:       {loop.round}" + (" — under supervision (督办)" if loop.overdue else ""))
    if rating:
        lines.append(f"rating:      {rating} (the resident's, round {loop.round})")
    lines += [f"  {e.at}  round {e.round}  {e.stage}" + "".join(f"  {x}" for x in (e.department, e.rating, e.note) if x)
              for e in loop.entries]
    ctx.emit(data, "\n".join(lines))
    return cli.EXIT_OK
