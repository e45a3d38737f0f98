"""`kiosk doctor`: is the service menu usable (a PIN set, not locked) and USB export ready."""

from __future__ import annotations

from pathlib import Path

from kiosk.config import ConfigError
from kiosk.core.store import StoreNotCreated
from kiosk.doctor import FAIL, OK, SKIP, WARN, Check


def pin_check(cfg, store) -> Check:
    """The PIN file: absent (menu disabled), damaged, locked, trivial or ready. Never
    raises, never writes. *store* None: no database yet, so no lock or weakness recorded."""
    from kiosk.maintenance.pin import PinFileError, PinGuard, PinNotSet, format_wait

    guard = PinGuard.from_config(cfg, store)
    try:
        guard.read_record()
    except PinNotSet:
        return Check("service_pin", WARN, f"no service PIN set ({guard.path}): the service menu is disabled; "
                                          "set one with `kiosk service set-pin`")
    except PinFileError as e:
        return Check("service_pin", FAIL, str(e))
    if store is None:
        return Check("service_pin", OK, f"service PIN set ({guard.path}); no database yet, so no lock recorded")
    locked = guard.lock_remaining()
    if locked > 0:
        return Check("service_pin", WARN, f"the PIN pad is locked after repeated wrong PINs for "
                                          f"{format_wait(locked)} more")
    weak = guard.weakness()
    if weak is not None:
        how = "seen when it was entered" if weak.found_by == "entered" else "found by trying it"
        return Check("service_pin", WARN, f"the service PIN is trivial ({weak.rule}, {how}): it still "
                                          "works, but set a new one with `kiosk service set-pin`")
    return Check("service_pin", OK, f"service PIN set ({guard.path})")


def export_check(cfg) -> Check:
    """The centre's public key for USB export bundles."""
    from kiosk.sync.bundle import KeyFileError, load_public_key

    path = cfg.service.bundle_public_key_file
    if not path:
        return Check("usb_export", WARN, "service.bundle_public_key_file not set: USB export is disabled "
                                         "(copy the centre's bundle.pub here, see docs/service.md)")
    try:
        load_public_key(Path(path))
    except KeyFileError as e:
        return Check("usb_export", FAIL, str(e))
    if cfg.service.export_dir and not Path(cfg.service.export_dir).is_dir():
        return Check("usb_export", FAIL, f"service.export_dir: {cfg.service.export_dir} is not a directory")
    return Check("usb_export", OK, f"bundles are encrypted to the centre's key {path}")


def checks(ctx) -> list[Check]:
    """The service menu's PIN and the USB export key, for `kiosk doctor`."""
    try:
        cfg = ctx.config
    except ConfigError:
        return [Check("service_pin", SKIP, "config invalid")]
    try:
        store = ctx.store
    except StoreNotCreated:
        store = None
    except Exception as e:  # the core check reports the database itself
        return [Check("service_pin", SKIP, f"database unavailable: {e}"), export_check(cfg)]
    return [pin_check(cfg, store), export_check(cfg)]
