"""Receipts: what is printed after an item is stored, and how it reaches the printer.

``layout`` (pure: the lines) → ``encode`` (ESC/POS bytes via python-escpos; ``raster``
draws lines the printer's font lacks) → ``printing`` (send through ``drivers.printer``,
check status, the honest :class:`~kiosk.receipt.printing.PrintOutcome`). See
docs/receipts.md.
"""
