"""`kiosk doctor`: no file holding a secret or personal data is open to other users.

- **Secrets** (the personal-data key, the service PIN hash, the sync and pull-API token
  files, the centre's token and bundle key when this config names them): FAIL unless the
  file's own mode gives group and others nothing (0600 or 0400). A secret has one reader,
  the kiosk user; ``systemd/install.sh`` and the kiosk create them 0600.
- **Data** (the kiosk's data directory with its database and media; the centre's, when
  central-dev keeps one on this machine): FAIL when other users (neither the owner nor
  the group) can actually reach it: the directory, or an entry in it, grants others
  access and every directory above it lets others pass. A 0644 database inside a 0700
  directory is out of their reach, so it is not reported.

Only ``stat`` is used: the check never changes a mode or writes a file; it prints the
``chmod`` that fixes what it found (docs/security.md, "Files on disk").
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass
from pathlib import Path

from kiosk.doctor import FAIL, OK, SKIP, Check

NAME = "permissions"


@dataclass(frozen=True)
class Exposure:
    """One path others can read, and the command that closes it."""

    path: Path
    mode: int
    what: str

    def describe(self) -> str:
        """"… is mode 0644 …: run `chmod 600 …`" for the doctor's line."""
        fix = "700" if stat.S_ISDIR(self.mode) else "600"
        return f"{self.what} {self.path} is mode {stat.S_IMODE(self.mode):04o}: run `chmod {fix} {self.path}`"


def secret_files(cfg) -> list[tuple[str, Path]]:
    """(what, path) of every secret file this config names."""
    from kiosk.config.service import pin_path
    from kiosk.core.receiptkey import path_for

    named = [("the personal-data key", cfg.storage.key_file), ("the service PIN hash", str(pin_path(cfg))),
             ("the receipt-secret key", str(path_for(cfg.storage.key_file))),
             ("the sync token file", cfg.sync.token_file),
             ("the pull-API token file", cfg.sync.pull_api_token_file),
             ("the centre's token file", cfg.central_dev.token_file),
             ("the centre's bundle key", cfg.central_dev.bundle_private_key_file)]
    return [(what, Path(p)) for what, p in named if p]


def exposed_secret(what: str, path: Path) -> Exposure | None:
    """An :class:`Exposure` when the secret *path* grants group or others anything; None
    when it is private or absent (the check that uses the file reports a missing one)."""
    try:
        st = os.stat(path)
    except OSError:
        return None
    return Exposure(path, st.st_mode, what) if st.st_mode & (stat.S_IRWXG | stat.S_IRWXO) else None


def others_can_pass(path: Path) -> bool:
    """Can other users reach *path* by name: does every directory above it grant them
    search (x)? An unreadable ancestor counts as closed."""
    for parent in Path(os.path.abspath(path)).parents:
        try:
            if not os.stat(parent).st_mode & stat.S_IXOTH:
                return False
        except OSError:
            return False
    return True


def _open_to_others(mode: int) -> bool:
    """A directory others may list or enter, a file others may read."""
    return bool(mode & (stat.S_IROTH | stat.S_IXOTH)) if stat.S_ISDIR(mode) else bool(mode & stat.S_IROTH)


def exposed_data(what: str, directory: Path) -> list[Exposure]:
    """The data *directory* and its entries (database, media, temp) that other users can
    read; [] when it is closed to them or absent."""
    try:
        st = os.stat(directory)
    except OSError:
        return []
    if not others_can_pass(directory):
        return []
    found = [Exposure(directory, st.st_mode, what)] if _open_to_others(st.st_mode) else []
    if not st.st_mode & stat.S_IXOTH:
        return found  # others may at most list the names: nothing inside is in reach
    try:
        entries = sorted(os.scandir(directory), key=lambda e: e.name)
    except OSError:
        return found
    for entry in entries:
        try:
            mode = entry.stat(follow_symlinks=False).st_mode
        except OSError:
            continue
        if not stat.S_ISLNK(mode) and _open_to_others(mode):
            found.append(Exposure(Path(entry.path), mode, f"{what}'s"))
    return found


def checks(ctx) -> list[Check]:
    """One ``permissions`` line: FAIL naming every exposed secret or data path."""
    try:
        cfg = ctx.config
    except Exception as e:  # the core check reports the config error itself
        return [Check(NAME, SKIP, f"config invalid: {e}")]
    secrets = secret_files(cfg)
    found = [x for what, p in secrets if (x := exposed_secret(what, p)) is not None]
    found += exposed_data("the data directory", cfg.storage.data_path)
    found += exposed_data("the centre's data directory", cfg.central_data_dir())
    if found:
        return [Check(NAME, FAIL, "readable by other users: " + "; ".join(x.describe() for x in found))]
    present = sum(1 for _, p in secrets if p.exists())
    return [Check(NAME, OK, f"nothing open to other users ({present} secret files owner-only; "
                            f"data directory {cfg.storage.data_path})")]
