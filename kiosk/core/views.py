"""Plain dict views of records for JSON output and APIs (never personal data)."""

from __future__ import annotations

from kiosk.core.records import Item


def item_summary(item: Item) -> dict:
    """What `kiosk submit/status --json` print about an item."""
    return {
        "id": item.id,
        "code": str(item.code),
        "code_compact": item.code.compact,
        "created_at": item.created_at,
        "clock_trusted": item.clock_trusted,
        "category": item.category,
        "anonymous": item.anonymous,
        "source": item.source,
        "text": item.text,
        "state": item.state,
        "delivery": item.delivery,
        "quarantine_reason": item.quarantine_reason,
        "integrity": item.integrity,
        "centre_status": item.centre_status,
        "centre_reply": item.centre_reply,
        "representative": ({"id": item.representative_id, "name": item.representative_name}
                           if item.representative_id else None),
        "attachments": [
            {"idx": a.idx, "name": a.name, "kind": a.kind, "media_type": a.media_type,
             "size": a.size, "sha256": a.sha256, "integrity": a.integrity, "purged": a.purged}
            for a in item.attachments
        ],
    }
