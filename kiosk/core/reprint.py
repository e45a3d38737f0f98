"""A staff reprint of a stored item's receipt carries a NEW receipt secret.

Only the secret's hash is stored (kiosk/core/itemsecret.py), so the old secret cannot be
printed again. :func:`reissue` draws the new one and resolves what the receipt prints;
:func:`keep_reissued` stores its hash once the new receipt has left the kiosk (printed,
sent or written), so a reprint that failed leaves the resident's old receipt working
(docs/receipts.md, "Reprints"). Used by `kiosk receipt CODE` and the service menu.
"""

from __future__ import annotations

from kiosk.core import itemsecret, receiptsig
from kiosk.core.categories import current_categories
from kiosk.core.pii import mask_id_number, mask_phone
from kiosk.core.records import Item, Reissued


def reissue(store, cfg, item: Item) -> Reissued:
    """The reprint's receipt of *item* (read with ``with_pii=True``) with a new secret.

    *cfg* gives the local categories (``cfg.submission.categories``, the fallback of
    :func:`~kiosk.core.categories.current_categories`). Nothing is written yet.
    """
    secret = itemsecret.issue()
    categories = current_categories(store, cfg)
    return Reissued(item=item, secret=secret,
                    category_name=categories.name(item.category, item.lang) if item.category else None,
                    name=None if item.anonymous else item.name,
                    masked_phone=mask_phone(item.phone) if item.phone and not item.anonymous else None,
                    masked_id_number=mask_id_number(item.id_number) if item.id_number and not item.anonymous
                    else None,
                    secret_hash=itemsecret.hash_secret(secret, store.receipt_key),
                    # Ed25519 is deterministic: the reprint carries the original receipt's seal.
                    seal=receiptsig.try_seal(store, item))


def keep_reissued(store, reissued: Reissued) -> None:
    """Store the reprint's secret hash: from now on the old receipt no longer opens the
    reply. Call only once the new receipt has left the kiosk."""
    store.replace_secret(reissued.item.id, reissued.secret_hash)
