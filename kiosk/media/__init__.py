"""Photos and paper letters without a UI: settings, camera wiring, image processing.

See docs/media.md. Public entry points: :func:`kiosk.media.photo.prepare_photo`,
:func:`kiosk.media.letter.process_page`, :class:`kiosk.media.stream.FrameGrabber`,
:class:`kiosk.media.captures.Captures`, ``CameraSettings.build()`` (kiosk.media.settings).
"""
