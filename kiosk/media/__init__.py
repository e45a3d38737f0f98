"""Photos and paper letters without a UI: settings, camera wiring, image processing.

See docs/media.md. Public entry points: :func:`kiosk.media.photo.prepare_photo`,
:func:`kiosk.media.letter.process_page`, ``CameraSettings.build()`` (kiosk.config.media). The live
preview and the session's photos live in the UI (kiosk/app/feeds/camerafeed.py, kiosk/app/session.py).
"""
