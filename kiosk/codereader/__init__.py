"""The receipt code reader: residents hold their receipt under a QR scanner to read the
answer to their item. The driver is ``drivers.codereader``; this package holds the
``[code_reader]`` section and its ``build()`` (guide: docs/codereader.md).

Kept import-free: ``kiosk.settings`` imports ``kiosk.codereader.settings`` and must stay light.
"""
