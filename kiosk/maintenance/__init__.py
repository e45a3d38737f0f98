"""The maintenance staff's service menu, without the UI: PIN, status, queue, self-tests,
logs, effective config and the encrypted USB export (docs/service.md).

The touchscreen pages (kiosk/app) and ``kiosk service …`` (kiosk/cli/service.py) are
two faces of these functions; neither holds logic of its own.
"""
