"""The ``[service]`` configuration section (see kiosk/config/tree.py for the rules)."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path

#: Journal units whose last lines the Logs page shows (systemd/*.service).
DEFAULT_LOG_UNITS = ("minyi-kiosk-ui", "minyi-kiosk-sync")


def _absolute(base: Path, p: str) -> str:
    if not p:
        return p
    path = Path(p).expanduser()
    return str(path if path.is_absolute() else base / path)


@dataclass(frozen=True)
class ServiceSettings:
    """The PIN-protected service menu for maintenance staff (docs/service.md)."""

    # Where the PIN's salted scrypt hash lives; "" = service-pin.json beside the PII key
    # (storage.key_file's directory), so a copy of the data dir never carries it.
    pin_file: str = ""
    idle_timeout_s: int = 120
    lockout_cap_min: int = 60
    # The centre's X25519 public key (`kiosk central-dev keygen` writes bundle.pub);
    # "" = USB export disabled with a message.
    bundle_public_key_file: str = ""
    # Where export looks for a drive: this directory when set, else mounted removable
    # drives under usb_mount_root.
    export_dir: str = ""
    usb_mount_root: str = "/media"
    log_units: list[str] = DEFAULT_LOG_UNITS
    log_files: list[str] = ()
    log_lines: int = 200
    # Shutdown/reboot buttons only where the install grants it (a polkit rule or sudoers).
    allow_power: bool = False

    def validate(self) -> None:
        if not 15 <= self.idle_timeout_s <= 3600:
            raise ValueError(f"idle_timeout_s: expected 15 to 3600 seconds, got {self.idle_timeout_s}")
        if not 1 <= self.lockout_cap_min <= 1440:
            raise ValueError(f"lockout_cap_min: expected 1 to 1440 minutes, got {self.lockout_cap_min}")
        if not self.usb_mount_root:
            raise ValueError("usb_mount_root: expected a directory such as \"/media\"")
        for unit in self.log_units:
            if not unit or any(c.isspace() for c in unit) or unit.startswith("-"):
                raise ValueError(f"log_units: expected systemd unit names, got {unit!r}")
        if not 10 <= self.log_lines <= 5000:
            raise ValueError(f"log_lines: expected 10 to 5000, got {self.log_lines}")

    def resolve_paths(self, base: Path) -> "ServiceSettings":
        return dataclasses.replace(
            self, pin_file=_absolute(base, self.pin_file),
            bundle_public_key_file=_absolute(base, self.bundle_public_key_file),
            export_dir=_absolute(base, self.export_dir),
            usb_mount_root=_absolute(base, self.usb_mount_root),
            log_files=tuple(_absolute(base, f) for f in self.log_files))


def pin_path(cfg) -> Path:
    """The PIN hash file: ``service.pin_file``, else beside the PII key."""
    if cfg.service.pin_file:
        return Path(cfg.service.pin_file)
    return Path(cfg.storage.key_file).parent / "service-pin.json"
