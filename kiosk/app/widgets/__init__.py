"""Reusable widgets of the kiosk UI (rules in kiosk/app/kv/widgets.kv)."""
