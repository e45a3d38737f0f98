"""Where the kiosk keeps what it derives from its installed packages: the pinyin
lexicon (kiosk/ime/lexicon.py) and the line breaker's dictionary (kiosk/app/jiebadict.py).
Each file there is rebuilt when missing, stale or corrupt; none is the only copy of
anything.

Under the UI unit (systemd/minyi-kiosk-ui.service) ``ProtectSystem=strict`` and
``ProtectHome=yes`` leave no user cache dir to write, so the unit asks for
``CacheDirectory=minyi-kiosk``: systemd creates /var/cache/minyi-kiosk for the unit's
user, makes it writable inside the sandbox and passes its path in ``$CACHE_DIRECTORY``
(systemd.exec(5), "RuntimeDirectory=, StateDirectory=, CacheDirectory=, ..."). Without
it every start built the lexicon again into a temporary dir (24 s on the build machine)
and jieba loaded its whole dictionary. Elsewhere (a developer's shell, ``kiosk demo``)
the user's cache dir from platformdirs, e.g. ``~/.cache/minyi-kiosk``.
"""

from __future__ import annotations

import os
from pathlib import Path


def cache_dir(part: str) -> Path:
    """The directory for the derived files of *part* (``"ime"``, ``"linebreak"``):
    under ``$CACHE_DIRECTORY`` when systemd set it (its first entry: the variable is a
    colon-separated list when a unit names several), else under the user's cache dir."""
    given = os.environ.get("CACHE_DIRECTORY", "").split(":")[0]
    if given:
        return Path(given) / part
    import platformdirs
    return Path(platformdirs.user_cache_dir("minyi-kiosk", appauthor=False)) / part
