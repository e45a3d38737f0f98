"""The reference central receiver (`kiosk central-dev`): implements docs/protocol.md with
its own SQLite database, for tests and the local demo. The kiosk runtime never imports
this package."""
