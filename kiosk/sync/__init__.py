"""The sync daemon (`kiosk sync`): forwarding, pull API, back-channel, retention. See docs/sync.md."""
