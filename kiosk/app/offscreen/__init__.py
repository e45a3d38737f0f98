"""The app driven offscreen: the harness, `kiosk screens` and the accessibility audit."""
