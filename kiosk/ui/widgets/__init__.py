"""Reusable widgets of the kiosk UI (rules in kiosk/ui/kv/widgets.kv)."""
