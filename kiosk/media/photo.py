"""Photos for an item: any camera frame or image file → a clean, bounded JPEG.

What comes out is safe to store and forward: a baseline JPEG with no metadata at all
(no EXIF, so no GPS position, camera serial or time; no XMP, ICC profile or comment),
the EXIF orientation applied to the pixels, the long edge capped.

What goes in is not trusted: a file could be truncated, not an image, or a
decompression bomb (a few kilobytes of PNG or JPEG that declare 100000×100000 pixels
and would take gigabytes to decode). The pixel count in the header is checked *before*
anything is decoded, and only formats a camera or phone produces are accepted.
"""

from __future__ import annotations

import io
import warnings

import numpy as np

MAX_INPUT_BYTES = 50 * 1024 * 1024
MAX_INPUT_PIXELS = 40_000_000  # a 40 MP phone photo; 2× Pillow's own bomb warning level is 179 MP
FORMATS = ("JPEG", "PNG", "WEBP", "BMP")  # what cameras and phones produce; no PSD/TIFF/EPS surprises


class ImageRejected(ValueError):
    """The input is not an acceptable image.

    ``reason`` is an English sentence for logs and maintainers; ``code`` is a stable
    word for the UI to pick a translated message: ``empty``, ``too_big`` (bytes),
    ``too_many_pixels``, ``not_an_image`` (also formats other than JPEG, PNG,
    WebP, BMP), ``corrupt``,
    ``bad_array``.
    """

    def __init__(self, reason: str, code: str = "corrupt"):
        super().__init__(reason)
        self.reason = reason
        self.code = code


def prepare_photo(data: bytes | bytearray | memoryview | np.ndarray, *, max_edge: int = 1600,
                  max_input_pixels: int = MAX_INPUT_PIXELS, max_input_bytes: int = MAX_INPUT_BYTES,
                  quality: int = 85) -> bytes:
    """A metadata-free JPEG of *data* with its long edge at most *max_edge* pixels.

    *data* is an encoded image (JPEG, PNG, WebP, BMP) or a camera frame (H×W×3 uint8 BGR,
    or H×W greyscale). EXIF orientation is applied; transparency is flattened onto
    white. Raises :class:`ImageRejected` for anything unsafe or unreadable.
    """
    from PIL import Image

    if max_edge < 16:
        raise ValueError(f"max_edge: expected at least 16, got {max_edge}")
    if isinstance(data, np.ndarray):
        img = _from_array(data, max_input_pixels)
    else:
        img = _decode(bytes(data), max_edge, max_input_pixels, max_input_bytes)
    if max(img.size) > max_edge:
        img.thumbnail((max_edge, max_edge), Image.Resampling.LANCZOS)
    # A fresh image holds pixels only: nothing of the input's info dict (exif, xmp,
    # icc_profile, comment, dpi) can reach the encoder.
    clean = Image.frombytes(img.mode, img.size, img.tobytes())
    out = io.BytesIO()
    clean.save(out, "JPEG", quality=quality, optimize=True)
    return out.getvalue()


def _from_array(frame: np.ndarray, max_input_pixels: int):
    from PIL import Image
    if frame.dtype != np.uint8 or frame.ndim not in (2, 3) or (frame.ndim == 3 and frame.shape[2] != 3):
        raise ImageRejected(f"expected an H×W×3 or H×W uint8 frame, got shape {frame.shape} "
                            f"dtype {frame.dtype}", "bad_array")
    h, w = frame.shape[:2]
    if h == 0 or w == 0:
        raise ImageRejected("the frame is empty", "empty")
    if w * h > max_input_pixels:
        raise ImageRejected(f"{w}×{h} = {w * h} pixels, more than the {max_input_pixels} allowed",
                            "too_many_pixels")
    if frame.ndim == 2:
        return Image.fromarray(np.ascontiguousarray(frame), "L")
    return Image.fromarray(np.ascontiguousarray(frame[:, :, ::-1]), "RGB")  # BGR → RGB


def _decode(data: bytes, max_edge: int, max_input_pixels: int, max_input_bytes: int):
    from PIL import Image, ImageOps, UnidentifiedImageError

    if not data:
        raise ImageRejected("the file is empty", "empty")
    if len(data) > max_input_bytes:
        raise ImageRejected(f"{len(data)} bytes, more than the {max_input_bytes} allowed", "too_big")
    try:
        with warnings.catch_warnings():
            # Pillow warns (DecompressionBombWarning) above MAX_IMAGE_PIXELS and raises at
            # twice that, both on open(); our own, lower limit is checked just below.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            img = Image.open(io.BytesIO(data), formats=FORMATS)  # reads the header only
    except UnidentifiedImageError:
        raise ImageRejected("not an image in a supported format (JPEG, PNG, WebP, BMP)",
                            "not_an_image") from None
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as e:
        raise ImageRejected(f"decompression bomb refused: {e}", "too_many_pixels") from None
    except (OSError, SyntaxError, ValueError, EOFError) as e:
        raise ImageRejected(f"unreadable image header: {e}", "corrupt") from None

    w, h = img.size
    if w <= 0 or h <= 0:
        raise ImageRejected(f"the image declares {w}×{h} pixels", "corrupt")
    if w * h > max_input_pixels:
        raise ImageRejected(f"{w}×{h} = {w * h} pixels, more than the {max_input_pixels} allowed "
                            "(refused before decoding)", "too_many_pixels")
    try:
        if img.format == "JPEG":
            # Let libjpeg decode at 1/2, 1/4 or 1/8 scale when that still leaves at least
            # max_edge on the long side: less memory and time on a Pi for big photos.
            scale = max_edge / max(w, h)
            img.draft("RGB", (max(1, int(w * scale)), max(1, int(h * scale))))
        img.load()  # decodes; a truncated file raises OSError here
        img = ImageOps.exif_transpose(img)
        img = _to_rgb_or_l(img)
    except ImageRejected:
        raise
    except MemoryError:
        raise ImageRejected("not enough memory to decode the image", "too_many_pixels") from None
    except (OSError, SyntaxError, ValueError, EOFError, IndexError, TypeError) as e:
        raise ImageRejected(f"the image data is damaged or truncated: {e}", "corrupt") from None
    return img


def _to_rgb_or_l(img):
    """RGB (or L for greyscale) with transparency flattened onto white."""
    from PIL import Image
    if img.mode in ("RGB", "L"):
        return img
    if img.mode == "P":
        img = img.convert("RGBA" if "transparency" in img.info else "RGB")
    if img.mode in ("I;16", "I;16B", "I;16L", "I"):
        # 16-bit greyscale PNG: scale to 8 bits instead of clipping at 255
        arr = np.asarray(img, dtype=np.uint32)
        return Image.fromarray((arr >> 8 if arr.max() > 255 else arr).astype(np.uint8), "L")
    if img.mode in ("RGBA", "LA", "PA"):
        rgba = img.convert("RGBA")
        bg = Image.new("RGB", rgba.size, (255, 255, 255))
        bg.paste(rgba, mask=rgba.getchannel("A"))
        return bg
    return img.convert("RGB")  # CMYK, YCbCr, 1, F …
