"""Home: the four big ways to leave an item, and the language switch."""

from __future__ import annotations

from kivy.properties import DictProperty

from kiosk.app.screens.base import KioskScreen

TILES = {"voice": "speak", "text": "write", "photo": "photo", "letter": "letter"}


class HomeScreen(KioskScreen):
    """说 / 写 / 拍 / 信 and 简体 / 繁體 / English."""

    # feature → catalog key of why it is unavailable
    unavailable = DictProperty({})

    def disable(self, feature: str, reason_key: str) -> None:
        """Grey out one way in and say why (missing hardware never crashes the app)."""
        self.unavailable[feature] = reason_key
        self.ids[TILES[feature]].disabled = True
        self.notice(self.app.t(reason_key))

    def reset(self) -> None:
        # Each new resident gets a fresh try: a device plugged back in works again.
        self.unavailable.clear()
        for tile in TILES.values():
            self.ids[tile].disabled = False
        self.notice("")
        self.on_pre_enter()

    def on_pre_enter(self, *_):
        # camera.enabled / scanner.enabled = false (docs/config.md): a kiosk without that
        # device shows no tile for it at all, rather than one that fails when tapped.
        cfg = self.app.cfg
        for feature, enabled in (("photo", cfg.camera.enabled), ("letter", cfg.scanner.enabled)):
            tile = self.ids[TILES[feature]]
            tile.opacity = 1 if enabled else 0
            if not enabled:
                tile.disabled = True
