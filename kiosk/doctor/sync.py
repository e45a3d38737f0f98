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
    """The sync config, the alerts the daemon recorded, the queue and the station config."""
    try:
        cfg = ctx.config
    except Exception as e:  # the core check reports the config error itself
        return [Check("sync", SKIP, f"config invalid: {e}")]
    s = cfg.sync
    if not s.enabled:
        return [Check("sync", SKIP, "sync.enabled = false: items stay on this kiosk")]
    out = [_check_sync_config(s)]
    try:
        store = ctx.store
    except Exception as e:
        return out + [Check("sync_queue", SKIP, f"database unavailable: {e}")]
    out += _check_alerts(store)
    out.append(_check_queue(store))
    out.append(_check_station_config(store))
    out.append(_photos_check(store))
    return out


def _check_sync_config(s) -> Check:
    """The token files, the CA bundle and (when served) the pull API's token, as they are now.

    A [sync] section left entirely at its built-in defaults is sync not set up yet (a
    fresh install): a WARN saying what that disables, not a FAIL; systemd/install.sh
    warns the same way and generates the pull API's token."""
    from kiosk.config.sync import SyncSettings
    try:
        s.check_files()  # the token files and the CA bundle, as they are now
        if s.pull_api_enabled:
            s.pull_token()  # what `kiosk sync` needs to start the pull API
        return Check("sync_config", OK, f"centre {s.central_url}"
                     + (f"; pull API on {s.pull_api_host}:{s.pull_api_port}" if s.pull_api_enabled else ""))
    except ValueError as e:
        if s == SyncSettings():
            return Check("sync_config", WARN, f"sync is not set up ([sync] is all built-in defaults): items stay "
                                              f"on this kiosk, and `kiosk sync` will not start (sync.{e})")
        return Check("sync_config", FAIL, f"sync.{e}")


def _check_alerts(store) -> list[Check]:
    """What the daemon recorded about the centre: a refused token, a redirect or setup
    failure, an outage and the last contact."""
    from kiosk.sync.link import AUTH_KEY, CONTACT_KEY, OUTAGE_KEY, SETUP_KEY

    out = []
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
    return out


def _check_queue(store) -> Check:
    """Items and ratings waiting, the oldest item's age, ratings the centre rejected."""
    oldest = store.oldest_item(Delivery.PENDING)
    rq = store.count_ratings(Delivery.QUARANTINED)
    rp = store.count_ratings(Delivery.PENDING)
    pending = store.count(Delivery.PENDING)
    detail = f"{pending} items and {rp} ratings waiting"
    if oldest:
        detail += f"; oldest stored {_age(oldest.created_at)}"
    if rq:
        detail += f"; {rq} ratings rejected by the centre"
    return Check("sync_queue", WARN if rq else OK, detail)


def _check_station_config(store) -> Check:
    """The station config in use: the centre's (its ETag and age), a rejected one, or none."""
    from kiosk.core.station_config import META_KEY, REJECTED_KEY

    current = store.get_meta(META_KEY)
    rejected = store.get_meta(REJECTED_KEY)
    if rejected:
        r = json.loads(rejected)
        return Check("station_config", WARN, f"the centre's latest station config was rejected: {r.get('reason')}"
                                             + ("; the last good one is in use" if current else
                                                "; using the local categories"))
    if current:
        c = json.loads(current)
        return Check("station_config", OK, f"from the centre, ETag {c.get('etag')}, applied {_age(c.get('applied_at'))}")
    return Check("station_config", OK, "none received yet: using the local categories")


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
