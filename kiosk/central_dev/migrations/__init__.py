"""Alembic migrations of the centre's database, run at start by kiosk/central_dev/storage.py."""
