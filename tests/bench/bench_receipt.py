"""Benchmark receipts: bytes per typical receipt in each mode, the time those bytes take on
a serial line at 9600 and 115200 baud (8N1: 10 bits per byte), and the encoding time.
Prints figures; asserts nothing.

    .venv/bin/python tests/bench/bench_receipt.py [--repeat 20]

Target (docs/design.md): gb18030 mode <= 2 KB per receipt (<= 2 s at 9600 baud).
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
os.environ.setdefault("KIOSK_CLOCK_TRUSTED", "0")  # the "time not verified" line is printed

from drivers.printer import transfer_seconds  # noqa: E402
from kiosk import config as configmod  # noqa: E402
from kiosk.receipt.printing import item_receipt_bytes  # noqa: E402
from kiosk.core.store import Store  # noqa: E402
from kiosk.core.submission import submit  # noqa: E402

TEXT = ("我想反映一下：我们小区（幸福里3号院）门口的路灯坏了快三个月了，晚上很黑，老人和孩子出门很不安全，"
        "上周还有人摔倒。已经给物业打过好几次电话，一直没人来修。希望有关部门尽快处理，谢谢！")
TARGET = 2048


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=20, help="encodings per mode for the timing")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as d:
        rows = []
        for width in (58, 80):
            toml = Path(d) / f"k{width}.toml"
            toml.write_text(
                f'[storage]\ndata_dir = "{d}/data"\nkey_file = "{d}/keys/pii.key"\n'
                f'[station]\nnumber = "0371"\nname = "解放路街道24小时民意工作站"\n'
                f'[printer]\npaper_width_mm = {width}\n'
                f'[receipt]\nhotline = "12345"\nlookup_url = "https://minyi.example.gov.cn/q/{{code}}"\n',
                encoding="utf-8")
            cfg = configmod.load(toml)
            with Store.open(cfg) as store:
                receipt = submit(store, cfg, text=TEXT, category="urban", anonymous=False, name="王建国",
                                 phone="13812345678", attachments=[], source="cli")
            for encoding in ("gb18030", "raster"):
                for qr in ("native", "image"):
                    times = []
                    for _ in range(args.repeat):
                        t = time.perf_counter()
                        data = item_receipt_bytes(receipt, cfg, encoding=encoding, qr=qr)
                        times.append((time.perf_counter() - t) * 1000)
                    rows.append((width, encoding, qr, len(data), statistics.median(times)))
            # The same receipt whose name has a character outside GB2312: one line as a picture.
            t = time.perf_counter()
            data = item_receipt_bytes(dataclasses.replace(receipt, name="王堃"), cfg)
            rows.append((width, "gb18030", "native", len(data), (time.perf_counter() - t) * 1000, "name 王堃"))
        print(f"typical receipt: real-name item, {len(TEXT)}-character text (3 lines printed), "
              "lookup URL in the QR code\n")
        print(f"{'paper':>5}  {'encoding':<8} {'qr':<6} {'bytes':>7} {'9600 baud':>10} {'115200':>8} {'encode':>8}")
        for width, enc, qr, n, ms, *note in rows:
            print(f"{width:>3}mm  {enc:<8} {qr:<6} {n:>7,} {transfer_seconds(n, 9600):>9.2f}s "
                  f"{transfer_seconds(n, 115200):>7.2f}s {ms:>6.1f}ms  {' '.join(note)}")
        worst = max(r[3] for r in rows if r[1] == "gb18030" and r[2] == "native")
        print(f"\ntarget: gb18030 + native QR <= {TARGET} bytes (<= 2 s at 9600 baud): "
              f"largest {worst} bytes, {transfer_seconds(worst, 9600):.2f} s -> "
              f"{'met' if worst <= TARGET else 'NOT met'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
