"""Process plumbing with no kiosk logic: systemd watchdog, the parent lifeline, the C
allocator's settings, HTTP serving and its Host guard (docs/architecture.md)."""
