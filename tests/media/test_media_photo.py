"""Photo preparation: metadata stripped, orientation applied, bombs and junk refused."""

from __future__ import annotations

import io
import struct
import subprocess
import sys
import textwrap
import zlib

import numpy as np
import pytest
from PIL import Image, ImageFile

from kiosk.media.photo import ImageRejected, prepare_photo

GPS_IFD = 0x8825
ORIENTATION = 0x0112


def jpeg_markers(data: bytes) -> list[int]:
    """The marker bytes of a JPEG's header segments, up to the start of scan."""
    assert data[:2] == b"\xff\xd8"
    i, out = 2, []
    while i < len(data):
        assert data[i] == 0xFF, f"bad marker at {i}"
        marker = data[i + 1]
        out.append(marker)
        if marker == 0xDA:  # start of scan: entropy-coded data follows
            break
        (length,) = struct.unpack(">H", data[i + 2:i + 4])
        i += 2 + length
    return out


def phone_photo(size=(400, 200), orientation=6) -> bytes:
    """A JPEG like a phone's: EXIF with GPS and orientation, XMP, ICC profile, comment.
    A red block marks the stored top-left corner."""
    from PIL import ImageCms
    img = Image.new("RGB", size, (30, 120, 30))
    img.paste((230, 20, 20), (0, 0, 60, 60))
    exif = Image.Exif()
    exif[ORIENTATION] = orientation
    exif[0x010F] = "PhoneMaker"
    exif[0x0110] = "Model X serial 12345"
    exif.get_ifd(GPS_IFD).update({1: "N", 2: (39.0, 54.0, 26.0), 3: "E", 4: (116.0, 23.0, 29.0)})
    icc = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    out = io.BytesIO()
    img.save(out, "JPEG", exif=exif.tobytes(), icc_profile=icc, comment=b"Beijing home",
             xmp=b"<x:xmpmeta>GPS 39.9 116.4</x:xmpmeta>")
    return out.getvalue()


def test_gps_and_all_metadata_are_removed():
    src = phone_photo()
    # the input really carries what must not leave: GPS in EXIF, XMP, ICC, comment
    src_img = Image.open(io.BytesIO(src))
    assert src_img.getexif().get_ifd(GPS_IFD)
    assert {0xE1, 0xE2, 0xFE} <= set(jpeg_markers(src))
    out = prepare_photo(src)
    markers = jpeg_markers(out)
    # only JFIF (APP0), tables, frame and scan headers: no APP1 (EXIF/XMP), APP2 (ICC),
    # APP13 (IPTC) or COM segments
    assert not [m for m in markers if 0xE1 <= m <= 0xEF or m == 0xFE], [hex(m) for m in markers]
    assert b"Exif" not in out and b"GPS" not in out and b"xmpmeta" not in out and b"PhoneMaker" not in out
    img = Image.open(io.BytesIO(out))
    assert not img.getexif()
    assert "icc_profile" not in img.info and "comment" not in img.info


def test_orientation_is_applied_to_the_pixels():
    out = Image.open(io.BytesIO(prepare_photo(phone_photo((400, 200), orientation=6)))).convert("RGB")
    # orientation 6 = the stored image is shown rotated 90° clockwise: 400×200 → 200×400
    # and the stored top-left red block ends up at the top-right
    assert out.size == (200, 400)
    r, g, b = out.getpixel((200 - 20, 20))
    assert r > 180 and g < 80
    r, g, b = out.getpixel((20, 20))
    assert g > r


def test_long_edge_is_capped_and_small_images_kept():
    big = io.BytesIO()
    Image.new("RGB", (4000, 3000), (200, 100, 50)).save(big, "JPEG")
    assert Image.open(io.BytesIO(prepare_photo(big.getvalue()))).size == (1600, 1200)
    assert Image.open(io.BytesIO(prepare_photo(big.getvalue(), max_edge=1000))).size == (1000, 750)
    tall = io.BytesIO()
    Image.new("RGB", (900, 3000), (200, 100, 50)).save(tall, "PNG")
    assert Image.open(io.BytesIO(prepare_photo(tall.getvalue()))).size == (480, 1600)
    small = io.BytesIO()
    Image.new("RGB", (640, 480)).save(small, "PNG")
    assert Image.open(io.BytesIO(prepare_photo(small.getvalue()))).size == (640, 480)


def test_camera_frames_keep_their_colours():
    frame = np.zeros((720, 1280, 3), np.uint8)
    frame[:, :640] = (255, 0, 0)  # BGR blue
    frame[:, 640:] = (0, 0, 255)  # BGR red
    img = Image.open(io.BytesIO(prepare_photo(frame, max_edge=640))).convert("RGB")
    assert img.size == (640, 360)
    assert img.getpixel((100, 100))[2] > 200 and img.getpixel((100, 100))[0] < 50
    assert img.getpixel((540, 100))[0] > 200 and img.getpixel((540, 100))[2] < 50
    grey = Image.open(io.BytesIO(prepare_photo(np.full((100, 100), 128, np.uint8))))
    assert grey.mode == "L" and grey.size == (100, 100)


def test_transparency_is_flattened_onto_white():
    src = io.BytesIO()
    Image.new("RGBA", (50, 50), (0, 0, 0, 0)).save(src, "PNG")
    img = Image.open(io.BytesIO(prepare_photo(src.getvalue()))).convert("RGB")
    assert min(img.getpixel((25, 25))) > 245


def png_header_only(width: int, height: int) -> bytes:
    """A PNG whose header declares width×height, followed by a scrap of data."""
    def chunk(kind, body):
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(b"\0" * 1000)) + chunk(b"IEND", b""))


def test_bomb_header_is_refused_before_decoding(monkeypatch):
    decoded = []
    real_load = ImageFile.ImageFile.load
    monkeypatch.setattr(ImageFile.ImageFile, "load", lambda self: decoded.append(self) or real_load(self))
    bomb = png_header_only(100_000, 100_000)
    assert len(bomb) < 200
    with pytest.raises(ImageRejected) as e:
        prepare_photo(bomb)
    assert e.value.code == "too_many_pixels"
    assert decoded == []  # refused from the header alone
    # just over our own limit, far below Pillow's: still refused, by our check
    with pytest.raises(ImageRejected, match="refused before decoding"):
        prepare_photo(png_header_only(8000, 5001))
    # the check is really what stops it: a legal size from the same kind of file decodes
    # far enough to find its data truncated
    with pytest.raises(ImageRejected) as e:
        prepare_photo(png_header_only(800, 500))
    assert e.value.code == "corrupt" and decoded


def test_jpeg_bomb_header_is_refused():
    src = io.BytesIO()
    Image.new("RGB", (64, 48)).save(src, "JPEG")
    data = bytearray(src.getvalue())
    sof = data.index(b"\xff\xc0")
    data[sof + 5:sof + 9] = struct.pack(">HH", 60000, 60000)  # height, width
    with pytest.raises(ImageRejected) as e:
        prepare_photo(bytes(data))
    assert e.value.code == "too_many_pixels"


BOMB_CHILD = textwrap.dedent("""
    import sys
    from kiosk.media.photo import prepare_photo, ImageRejected

    def peak_mb():
        # VmHWM: this process's own peak RSS. (getrusage's ru_maxrss is no good here: on
        # Linux it keeps the forking parent's peak across exec.)
        for line in open("/proc/self/status"):
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) // 1024

    data = open(sys.argv[1], "rb").read()
    before = peak_mb()
    try:
        prepare_photo(data, max_input_pixels=int(sys.argv[2]))
        print("accepted")
    except ImageRejected as e:
        print(e.code)
    print(peak_mb() - before)
""")



def run_child(path, limit):
    out = subprocess.run([sys.executable, "-c", BOMB_CHILD, str(path), str(limit)],
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    code, grew_mb = out.stdout.split()
    return code, int(grew_mb)


def test_real_bomb_does_not_allocate(tmp_path):
    # A complete, valid 9000×9000 greyscale PNG of zeros: ~80 KB on disk, 81 MB once
    # decoded, and below Pillow's own bomb warning (89 MP), so only our check stops it.
    path = tmp_path / "bomb.png"
    w = h = 9000
    comp = zlib.compressobj(9)
    row = b"\0" * (w + 1)  # filter byte + pixels
    idat = b"".join(comp.compress(row) for _ in range(h)) + comp.flush()

    def chunk(kind, body):
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 0, 0, 0, 0))
                     + chunk(b"IDAT", idat) + chunk(b"IEND", b""))
    assert path.stat().st_size < 200_000
    code, grew = run_child(path, 40_000_000)
    assert code == "too_many_pixels"
    assert grew < 30, f"refusing the bomb raised peak memory by {grew} MB"
    # control: with the limit raised the same file is decoded, and the measurement sees it
    code, grew = run_child(path, 100_000_000)
    assert code == "accepted" and grew > 70, grew


@pytest.mark.parametrize("data,code", [
    (b"", "empty"),
    (b"hello, this is not an image at all" * 3, "not_an_image"),
    (b"\x89PNG\r\n\x1a\n" + b"\0" * 30, "not_an_image"),  # PNG signature, broken header
])
def test_junk_is_refused(data, code):
    with pytest.raises(ImageRejected) as e:
        prepare_photo(data)
    assert e.value.code == code
    assert e.value.reason


def test_truncated_jpeg_is_refused():
    src = io.BytesIO()
    rng = np.random.default_rng(1)
    Image.fromarray(rng.integers(0, 255, (600, 800, 3), dtype=np.uint8)).save(src, "JPEG")
    data = src.getvalue()
    with pytest.raises(ImageRejected) as e:
        prepare_photo(data[:len(data) // 2])
    assert e.value.code == "corrupt"
    assert prepare_photo(data)  # the whole file is fine


def test_unsupported_formats_and_limits():
    tiff = io.BytesIO()
    Image.new("RGB", (10, 10)).save(tiff, "TIFF")
    with pytest.raises(ImageRejected) as e:
        prepare_photo(tiff.getvalue())
    assert e.value.code == "not_an_image"
    with pytest.raises(ImageRejected) as e:
        prepare_photo(phone_photo(), max_input_bytes=100)
    assert e.value.code == "too_big"
    with pytest.raises(ImageRejected) as e:
        prepare_photo(np.zeros((10, 10, 3), np.float32))
    assert e.value.code == "bad_array"
    with pytest.raises(ImageRejected) as e:
        prepare_photo(np.zeros((2000, 2000, 3), np.uint8), max_input_pixels=1_000_000)
    assert e.value.code == "too_many_pixels"
