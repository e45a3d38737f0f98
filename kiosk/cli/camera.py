"""`kiosk camera`: take one picture with the photo or document camera, for maintainers.

It runs the same path as the touchscreen app (driver → photo preparation or page
processing) so a maintainer can check framing, focus and lighting at the kiosk.
"""

from __future__ import annotations

NAME = "camera"
HELP = "take one picture with the photo camera (or --scanner) and save what would be stored"


def register(p) -> None:
    p.add_argument("--scanner", action="store_true",
                   help="use the document camera ([scanner]) and process the frame as a letter page")
    p.add_argument("--out", metavar="FILE", help="write the result here (JPEG; with --raw, PNG or JPEG by suffix)")
    p.add_argument("--raw", action="store_true", help="write the unprocessed camera frame instead")
    p.add_argument("--warmup", type=int, default=5, metavar="N",
                   help="frames to skip first so exposure and white balance settle (default 5)")


def run(args, ctx) -> int:
    """Take one picture, report it, and write it to ``--out`` when asked."""
    from pathlib import Path

    from drivers.camera import CameraUnavailable

    from kiosk.cli import main as cli
    from kiosk.media.photo import ImageRejected

    name = "scanner" if args.scanner else "camera"
    s = getattr(ctx.config, name)
    if not s.enabled:
        return ctx.fail(cli.EXIT_FAIL, f"the {name} is disabled in the config ([{name}] enabled = false)")
    if args.warmup < 0:
        return ctx.fail(cli.EXIT_USAGE, f"--warmup: expected 0 or more, got {args.warmup}")
    cam = s.build()
    try:
        frame, resolution = take_frame(cam, args.warmup)
    except CameraUnavailable as e:
        return ctx.fail(cli.EXIT_FAIL, str(e))

    data = {"ok": True, "device": name, "kind": s.kind, "resolution": list(resolution),
            "mean_level": round(float(frame.mean()), 1)}
    lines = [f"{name}: {s.kind} {s.fake_source if s.kind == 'fake' else s.device}, "
             f"{resolution[0]}×{resolution[1]}, mean level {data['mean_level']}"]
    try:
        payload = make_payload(args, s, frame, data, lines)
    except ImageRejected as e:
        return ctx.fail(cli.EXIT_FAIL, f"the frame was refused: {e.reason}")
    if payload is None:
        return ctx.fail(cli.EXIT_FAIL, "could not encode the camera frame")
    if args.out:
        try:
            Path(args.out).write_bytes(payload)
        except OSError as e:
            return ctx.fail(cli.EXIT_FAIL, f"cannot write {args.out}: {e.strerror or e}")
        data.update(out=args.out, bytes=len(payload))
        lines.append(f"wrote {args.out} ({len(payload) // 1024} KB)")
    ctx.emit(data, "\n".join(lines))
    return cli.EXIT_OK


def take_frame(cam, warmup: int):
    """Open *cam*, skip *warmup* frames, and return ``(frame, resolution)``; the camera is
    closed again either way (``CameraUnavailable`` passes through)."""
    cam.open()
    try:
        for _ in range(warmup):
            cam.read_frame()
        return cam.read_frame(), cam.resolution
    finally:
        cam.close()


def make_payload(args, s, frame, data: dict, lines: list[str]) -> bytes | None:
    """The bytes ``kiosk camera`` writes for *frame*: the raw frame (``--raw``), the
    processed letter page (``--scanner``, its findings added to *data* and *lines*) or the
    prepared photo. None when the raw frame cannot be encoded; ``ImageRejected`` passes through."""
    from pathlib import Path

    if args.raw:
        import cv2
        suffix = Path(args.out).suffix.lower() if args.out else ".png"
        ok, buf = cv2.imencode(suffix if suffix in (".png", ".jpg", ".jpeg") else ".png", frame)
        return buf.tobytes() if ok else None
    if args.scanner:
        from kiosk.media.letter import process_page
        r = process_page(frame, **s.page_options())
        data.update(found_page=r.found_page, page_size=list(r.size),
                    corners=None if r.corners is None else [[round(float(v), 1) for v in p] for p in r.corners])
        lines.append(f"page: {'found' if r.found_page else 'NOT found, whole frame kept'}, "
                     f"{r.size[0]}×{r.size[1]}")
        return r.jpeg
    from kiosk.media.photo import prepare_photo
    return prepare_photo(frame, **s.photo_options())
