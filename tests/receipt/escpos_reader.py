"""A test-side ESC/POS reader: bytes in, what a printer would do out.

Written from the command descriptions of the Epson ESC/POS reference and the Chinese
printer manuals (FS & / FS .), independently of kiosk.receipt (which writes the bytes
through python-escpos): it shares no code with the writer. It is strict: an unknown
command or a non-ASCII byte outside Chinese mode is an error, because a real printer
would print garbage there.
"""

from __future__ import annotations

from dataclasses import dataclass, field


class ReadError(Exception):
    """The stream is not valid for the commands this reader knows."""


@dataclass
class Line:
    text: str
    align: str
    width: int   # character width multiplier
    height: int
    bold: bool
    chinese_mode: bool  # some of it was sent inside FS & … FS .


@dataclass
class Picture:
    pixels: list  # rows of 0/1 (1 = black dot)
    width: int
    height: int
    align: str

    def image(self, pad: int = 0):
        """A PIL 'L' image, black ink on white, with *pad* white dots around it."""
        from PIL import Image
        img = Image.new("L", (self.width + 2 * pad, self.height + 2 * pad), 255)
        px = img.load()
        for y, row in enumerate(self.pixels):
            for x, v in enumerate(row):
                if v:
                    px[x + pad, y + pad] = 0
        return img


@dataclass
class QRCode:
    data: bytes
    module_size: int | None
    ec: str | None
    model: int | None
    align: str


@dataclass
class Document:
    items: list = field(default_factory=list)     # Line / Picture / QRCode / "cut" in order
    status_queries: list = field(default_factory=list)
    inits: int = 0

    @property
    def lines(self) -> list[Line]:
        return [i for i in self.items if isinstance(i, Line)]

    @property
    def texts(self) -> list[str]:
        return [i.text for i in self.lines]

    @property
    def pictures(self) -> list[Picture]:
        return [i for i in self.items if isinstance(i, Picture)]

    @property
    def qrcodes(self) -> list[QRCode]:
        return [i for i in self.items if isinstance(i, QRCode)]

    @property
    def cuts(self) -> int:
        return sum(1 for i in self.items if i == "cut")

    def joined(self) -> str:
        return "\n".join(self.texts)


ALIGN = {0: "left", 1: "center", 2: "right", 48: "left", 49: "center", 50: "right"}
EC = {48: "L", 49: "M", 50: "Q", 51: "H"}


def read(data: bytes) -> Document:
    """Interpret *data*; raises :class:`ReadError` with the offset of a bad byte."""
    doc = Document()
    st = dict(align="left", w=1, h=1, bold=False, chinese=False)
    qr = {}
    buf: list[str] = []
    used_chinese = False
    i, n = 0, len(data)

    def need(k: int) -> bytes:
        if i + k > n:
            raise ReadError(f"truncated command at offset {i}")
        return data[i:i + k]

    def flush_line():
        nonlocal buf, used_chinese
        doc.items.append(Line("".join(buf), st["align"], st["w"], st["h"], st["bold"], used_chinese))
        buf, used_chinese = [], False

    while i < n:
        b = data[i]
        if b == 0x0A:  # LF: print the line buffer and feed
            flush_line()
            i += 1
        elif b == 0x0D:
            i += 1
        elif b == 0x10:  # DLE EOT n: real-time status
            cmd = need(3)
            if cmd[1] != 0x04 or cmd[2] not in (1, 2, 3, 4):
                raise ReadError(f"unknown DLE command {cmd.hex()} at {i}")
            doc.status_queries.append(cmd[2])
            i += 3
        elif b == 0x1B:  # ESC
            c = need(2)[1]
            if c == 0x40:      # ESC @ initialise
                st.update(align="left", w=1, h=1, bold=False, chinese=False)
                doc.inits += 1
                i += 2
            elif c == 0x21:    # ESC ! n: print mode (bit 3 bold, 4 double height, 5 double width)
                m = need(3)[2]
                st.update(bold=bool(m & 0x08), h=2 if m & 0x10 else 1, w=2 if m & 0x20 else 1)
                i += 3
            elif c == 0x45:    # ESC E n: emphasis
                st["bold"] = bool(need(3)[2] & 1)
                i += 3
            elif c == 0x61:    # ESC a n: justification
                a = need(3)[2]
                if a not in ALIGN:
                    raise ReadError(f"bad ESC a {a} at {i}")
                st["align"] = ALIGN[a]
                i += 3
            elif c == 0x64:    # ESC d n: print and feed n lines
                k = need(3)[2]
                if buf:
                    flush_line()
                for _ in range(k):
                    flush_line()
                i += 3
            elif c in (0x2D, 0x4D, 0x74, 0x32):  # ESC - n, ESC M n, ESC t n (1 param); ESC 2 (none)
                i += 2 if c == 0x32 else 3
            else:
                raise ReadError(f"unknown ESC {c:#04x} at {i}")
        elif b == 0x1D:  # GS
            c = need(2)[1]
            if c == 0x21:      # GS ! n: character size (high nibble width-1, low height-1)
                m = need(3)[2]
                st.update(w=(m >> 4) + 1, h=(m & 0x0F) + 1)
                i += 3
            elif c == 0x56:    # GS V m [n]: cut
                m = need(3)[2]
                i += 4 if m in (65, 66, 97, 98, 103, 104) else 3
                doc.items.append("cut")
            elif c == 0x76:    # GS v 0 m xL xH yL yH d…: raster bit image
                h = need(8)
                if h[2] != 0x30:
                    raise ReadError(f"bad GS v at {i}")
                wb = h[4] + 256 * h[5]
                ht = h[6] + 256 * h[7]
                i += 8
                body = need(wb * ht)
                rows = []
                for y in range(ht):
                    row = []
                    for xb in range(wb):
                        byte = body[y * wb + xb]
                        row.extend((byte >> (7 - bit)) & 1 for bit in range(8))
                    rows.append(row)
                doc.items.append(Picture(rows, wb * 8, ht, st["align"]))
                i += wb * ht
            elif c == 0x28:    # GS ( k / GS ( L: pL pH then pL+256*pH bytes
                hdr = need(5)
                length = hdr[3] + 256 * hdr[4]
                kind = hdr[2]
                i += 5
                body = need(length)
                i += length
                if kind == 0x6B:   # GS ( k cn fn …: 2D codes
                    cn, fn, rest = body[0], body[1], body[2:]
                    if cn != 0x31:
                        raise ReadError(f"2D code type {cn:#04x} is not QR")
                    if fn == 65:
                        qr["model"] = rest[0] - 48
                    elif fn == 67:
                        qr["size"] = rest[0]
                    elif fn == 69:
                        qr["ec"] = EC.get(rest[0])
                    elif fn == 80:   # store data: m=48 then the data
                        if rest[:1] != b"0":
                            raise ReadError("QR store with m != 48")
                        qr["data"] = bytes(rest[1:])
                    elif fn == 81:   # print the stored symbol
                        if "data" not in qr:
                            raise ReadError("QR print without stored data")
                        doc.items.append(QRCode(qr["data"], qr.get("size"), qr.get("ec"),
                                                qr.get("model"), st["align"]))
                    else:
                        raise ReadError(f"unknown QR function {fn}")
                elif kind == 0x4C:
                    raise ReadError("GS ( L graphics are not expected in receipts")
                else:
                    raise ReadError(f"unknown GS ( {kind:#04x} at {i}")
            else:
                raise ReadError(f"unknown GS {c:#04x} at {i}")
        elif b == 0x1C:  # FS
            c = need(2)[1]
            if c == 0x26:      # FS &: Chinese character mode on
                st["chinese"] = True
                i += 2
            elif c == 0x2E:    # FS .: off
                st["chinese"] = False
                i += 2
            elif c == 0x21:    # FS ! n: Chinese print mode (bit 2 double width, bit 3 double height)
                i += 3
            else:
                raise ReadError(f"unknown FS {c:#04x} at {i}")
        elif 0x20 <= b < 0x7F:
            buf.append(chr(b))
            i += 1
        elif b >= 0x81 and st["chinese"]:
            # GB18030: two bytes, or four when the second is a digit 0x30-0x39.
            second = need(2)[1]
            k = 4 if 0x30 <= second <= 0x39 else 2
            buf.append(need(k).decode("gb18030"))
            used_chinese = True
            i += k
        else:
            where = "outside FS & … FS ." if b >= 0x80 else "control"
            raise ReadError(f"unexpected {where} byte {b:#04x} at offset {i}")
    if buf:
        flush_line()
    return doc


def decode_qr_picture(pic: Picture) -> list[str]:
    """Texts of the QR codes zxing-cpp finds in *pic*."""
    import zxingcpp
    return [r.text for r in zxingcpp.read_barcodes(pic.image(pad=16))]


def ink_bitmap(img):
    """The black pixels of an 'L' image cropped to their bounding box (as a tuple of rows)."""
    from PIL import ImageOps
    inv = ImageOps.invert(img.convert("L"))
    box = inv.getbbox()
    if box is None:
        return ()
    crop = img.convert("L").crop(box)
    w, h = crop.size
    px = crop.load()
    return tuple(tuple(1 if px[x, y] < 128 else 0 for x in range(w)) for y in range(h))


def similarity(a: tuple, b: tuple) -> float:
    """Share of equal pixels of two ink bitmaps (0 when their sizes differ by > 2 dots)."""
    if not a or not b:
        return 0.0
    ha, wa, hb, wb = len(a), len(a[0]), len(b), len(b[0])
    if abs(ha - hb) > 2 or abs(wa - wb) > 2:
        return 0.0
    h, w = min(ha, hb), min(wa, wb)
    same = sum(1 for y in range(h) for x in range(w) if a[y][x] == b[y][x])
    return same / (max(ha, hb) * max(wa, wb))
