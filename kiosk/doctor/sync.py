"""Doctor checks for sync: the sync config, the auth alert, the link to the centre, the
oldest undelivered item, quarantined ratings, the station config from the centre.

Reads only the store (what the daemon recorded); it never calls the centre, so doctor
stays fast and works offline. (Quarantined items are listed by the core "queue" check.)
"""

from __future__ import annotations

import json
from datetime import datetime, timezone

from kiosk.doctor import FAIL, OK, SKIP, WARN, Check
from kiosk.core.records import Delivery


def _age(iso: str | None) -> str:
    if not iso:
        return "never"
    try:
        t = datetime.fromisoformat(iso)
        s = (datetime.now(timezone.utc) - t).total_seconds()
    except (ValueError, TypeError):
        return iso
    if s < 120:
        return f"{s:.0f} s ago"
    if s < 7200:
        return f"{s / 60:.0f} min ago"
    if s < 172800:
        return f"{s / 3600:.1f} h ago"
    return f"{s / 86400:.1f} days ago"


def checks(ctx) -> list[Check]:
    from kiosk.sync.link import AUTH_KEY, CONTACT_KEY, OUTAGE_KEY, SETUP_KEY
    from kiosk.core.station_config import META_KEY, REJECTED_KEY

    try:
        cfg = ctx.config
    except Exception as e:  # the core check reports the config error itself
        return [Check("sync", SKIP, f"config invalid: {e}")]
    s = cfg.sync
    if not s.enabled:
        return [Check("sync", SKIP, "sync.enabled = false: items stay on this kiosk")]
    out = []
    try:
        s.check_files()  # the token files and the CA bundle, as they are now
        if s.pull_api_enabled:
            s.pull_token()  # what `kiosk sync` needs to start the pull API
        out.append(Check("sync_config", OK, f"centre {s.central_url}"
                         + (f"; pull API on {s.pull_api_host}:{s.pull_api_port}" if s.pull_api_enabled else "")))
    except ValueError as e:
        out.append(Check("sync_config", FAIL, f"sync.{e}"))
    try:
        store = ctx.store
    except Exception as e:
        return out + [Check("sync_queue", SKIP, f"database unavailable: {e}")]

    auth = store.get_meta(AUTH_KEY)
    if auth:
        a = json.loads(auth)
        out.append(Check("sync_auth", FAIL, f"the centre refuses this kiosk's token since {a.get('since')} "
                                            f"({a.get('reason')}); install the right sync.token_file"))
    else:
        out.append(Check("sync_auth", OK, "no authentication alert"))

    setup = store.get_meta(SETUP_KEY)
    if setup:
        a = json.loads(setup)
        fix = (f"the centre's address moved or a proxy intercepts: set sync.central_url to the real API "
               f"(redirected to {a.get('location')!r})" if a.get("kind") == "redirect" else
               "fix this kiosk's sync settings (sync.ca_bundle)")
        out.append(Check("sync_setup", FAIL, f"since {a.get('since')}: {a.get('reason')}; {fix}"))
    else:
        out.append(Check("sync_setup", OK, "no redirect or setup alert"))

    contact = store.get_meta(CONTACT_KEY)
    outage = store.get_meta(OUTAGE_KEY)
    if outage:
        o = json.loads(outage)
        out.append(Check("sync_link", WARN, f"centre unreachable since {o.get('since')} ({o.get('failures')} "
                                            f"failed attempts; last: {o.get('last_error')}); last contact {_age(contact)}"))
    else:
        out.append(Check("sync_link", OK if contact else WARN, f"last contact with the centre {_age(contact)}"))

    oldest = store.oldest_item(Delivery.PENDING)
    rq = store.count_ratings(Delivery.QUARANTINED)
    rp = store.count_ratings(Delivery.PENDING)
    pending = store.count(Delivery.PENDING)
    detail = f"{pending} items and {rp} ratings waiting"
    if oldest:
        detail += f"; oldest stored {_age(oldest.created_at)}"
    if rq:
        detail += f"; {rq} ratings rejected by the centre"
    out.append(Check("sync_queue", WARN if rq else OK, detail))

    current = store.get_meta(META_KEY)
    rejected = store.get_meta(REJECTED_KEY)
    if rejected:
        r = json.loads(rejected)
        out.append(Check("station_config", WARN, f"the centre's latest station config was rejected: {r.get('reason')}"
                                                 + ("; the last good one is in use" if current else
                                                    "; using the local categories")))
    elif current:
        c = json.loads(current)
        out.append(Check("station_config", OK, f"from the centre, ETag {c.get('etag')}, applied {_age(c.get('applied_at'))}"))
    else:
        out.append(Check("station_config", OK, "none received yet: using the local categories"))
    out.append(_photos_check(store))
    return out


def _photos_check(store) -> Check:
    """Representatives' photos named by the config but not in the cache (kiosk/sync/photos.py)."""
    from kiosk.sync.photos import photo_problems
    try:
        named, problems = photo_problems(store)
    except Exception as e:  # an unreadable stored config is reported by station_config above
        return Check("station_photos", SKIP, f"station config unreadable: {e}")
    if problems:
        return Check("station_photos", WARN, f"{len(problems)} of {named} representatives' photos not shown: "
                                             + "; ".join(problems[:3]))
    return Check("station_photos", OK, f"{named} photos cached" if named else "no photos named by the centre")
