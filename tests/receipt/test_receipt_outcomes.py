"""Paper-out, offline, absent: the outcome says why, the item stays, staff get an event."""

from __future__ import annotations

import json

import pytest

from drivers.printer import (FAKE_BYTES_KEPT, FAKE_JOBS_KEPT, FakePrinter, PrinterConfigError, PrinterNotFound,
                             PrinterWriteError, decode_status, make_printer)
from kiosk.cli import main as cli
from kiosk import config as configmod
from kiosk.receipt.printing import item_receipt_bytes, print_item_receipt


def _failed_events(store):
    return store.events(kind="print_failed")


def test_fake_collects_exactly_the_job_bytes(cfg, make_item, store, reader):
    rec = make_item()
    fake = make_printer("fake")
    out = print_item_receipt(rec, cfg, fake, store=store)
    assert out.printed and out.status == "printed"
    assert fake.output == item_receipt_bytes(rec, cfg)
    assert fake.queries == [1, 4, 2, 1, 4, 2]
    assert str(rec.item.code) in reader.read(fake.output).texts
    assert _failed_events(store) == []


def test_paper_out_sends_nothing_and_logs_for_staff(cfg, make_item, store):
    rec = make_item(anonymous=False, name="赵敏", phone="13811112222")
    fake = FakePrinter(paper_out=True)
    out = print_item_receipt(rec, cfg, fake, store=store)
    assert (out.printed, out.status) == (False, "paper_out")
    assert "out of paper" in out.reason
    assert fake.output == b""
    (ev,) = _failed_events(store)
    assert ev["item_id"] == rec.item.id and ev["level"] == "error"
    assert json.loads(ev["data"])["status"] == "paper_out"
    # Personal data never reaches the event log.
    for e in store.events(limit=100):
        blob = json.dumps(e, ensure_ascii=False)
        assert "赵敏" not in blob and "13811112222" not in blob and "2222" not in blob
    assert store.get_item(rec.item.id) is not None  # the item stays stored


def test_offline_printer_reports_the_cause(cfg, make_item, store):
    rec = make_item()
    out = print_item_receipt(rec, cfg, FakePrinter(offline=True), store=store)
    assert (out.printed, out.status) == (False, "offline")
    assert "cover open" in out.reason
    assert len(_failed_events(store)) == 1


def test_the_fake_keeps_only_the_newest_receipts(cfg, make_item, store, reader):
    fake = FakePrinter(max_jobs=4)
    items = [make_item(text=f"第{n}条意见") for n in range(30)]
    for rec in items:
        assert print_item_receipt(rec, cfg, fake, store=store).printed
    assert (fake.jobs_received, len(fake.jobs), len(fake.queries)) == (30, 4, 6 * 4)
    assert fake.output == b"".join(item_receipt_bytes(i, cfg) for i in items[-4:])
    assert str(items[-1].item.code) in reader.read(fake.jobs[-1]).texts  # the newest, decoded back
    assert fake.bytes_received == sum(len(item_receipt_bytes(i, cfg)) for i in items)


def test_the_fake_holds_its_byte_cap_over_many_jobs():
    fake = make_printer("fake")
    fake.open()
    jobs = [bytes([n % 256]) * 100_000 for n in range(FAKE_JOBS_KEPT * 4)]
    for job in jobs:
        fake.write(job)
        assert sum(map(len, fake.jobs)) <= FAKE_BYTES_KEPT and len(fake.jobs) <= FAKE_JOBS_KEPT
    assert fake.jobs[-1] == jobs[-1] and fake.output.endswith(jobs[-1])
    assert fake.jobs_received == len(jobs) and fake.bytes_received == 100_000 * len(jobs)
    huge = b"\x1b@" + b"x" * (FAKE_BYTES_KEPT + 1)  # bigger than the cap: still kept whole
    fake.write(huge)
    assert fake.jobs == (huge,)
    with pytest.raises(PrinterConfigError, match="max_jobs"):
        FakePrinter(max_jobs=0)


def test_paper_running_out_counts_every_byte_not_only_the_kept_ones():
    fake = FakePrinter(max_jobs=1, run_out_after=250)
    fake.open()
    for _ in range(3):
        fake.write(b"x" * 100)
    assert fake.paper_out and len(fake.output) == 100


def test_paper_running_out_during_the_job_is_not_printed(cfg, make_item, store):
    rec = make_item()
    fake = FakePrinter(run_out_after=200)
    out = print_item_receipt(rec, cfg, fake, store=store)
    assert (out.printed, out.status) == (False, "paper_out")
    assert "ran out while printing" in out.reason
    assert out.bytes_sent == len(fake.output) > 200


def test_paper_near_end_prints_and_warns_staff(cfg, make_item, store):
    rec = make_item()
    out = print_item_receipt(rec, cfg, FakePrinter(paper_near_end=True), store=store)
    assert out.printed and out.paper_low
    (ev,) = store.events(kind="paper_low")
    assert ev["level"] == "warning"


def test_silent_fake_is_unconfirmed_and_not_a_failure(cfg, make_item, store):
    rec = make_item()
    fake = FakePrinter(silent=True)
    out = print_item_receipt(rec, cfg, fake, store=store)
    assert (out.printed, out.status) == (False, "sent_unconfirmed")
    assert fake.output == item_receipt_bytes(rec, cfg)
    assert _failed_events(store) == []


def test_absent_fake_and_absent_real_printers(cfg, make_item, store, tmp_path, closed_port):
    rec = make_item()
    for printer, hint in [
        (FakePrinter(present=False), "absent"),
        (make_printer("serial", device=str(tmp_path / "ttyUSB9")), "ttyUSB9"),
        (make_printer("network", host="127.0.0.1", port=closed_port, timeout=2), f"127.0.0.1:{closed_port}"),
        (make_printer("file", path=str(tmp_path / "no" / "such" / "dir" / "lp0")), "lp0"),
    ]:
        out = print_item_receipt(rec, cfg, printer, store=store)
        assert (out.printed, out.status) == (False, "absent"), printer
        assert out.reason.startswith("printer absent:") and hint in out.reason
        assert not printer.is_open
    assert len(_failed_events(store)) == 4


def test_usb_printer_absent_gives_a_clear_reason(cfg, make_item):
    out = print_item_receipt(make_item(), cfg, make_printer("usb", vendor_id=0x0416, product_id=0x5011))
    assert (out.printed, out.status) == (False, "absent")
    assert "usb printer 0416:5011 not found" in out.reason


def test_kind_none_disables_printing_quietly(write_config, store, make_item):
    cfg = configmod.load(write_config('[printer]\nkind = "none"\n'))
    out = print_item_receipt(make_item(), cfg, store=store)
    assert (out.printed, out.status) == (False, "disabled")
    assert _failed_events(store) == []


def test_missing_font_in_raster_mode_is_an_outcome_not_a_crash(write_config, store, make_item, tmp_path):
    cfg = configmod.load(write_config(f'[receipt]\nencoding = "raster"\nfont_path = "{tmp_path}/none.ttc"\n'))
    out = print_item_receipt(make_item(), cfg, FakePrinter(), store=store)
    assert (out.printed, out.status) == (False, "error")
    assert "none.ttc" in out.reason
    assert len(_failed_events(store)) == 1


def test_write_failure_mid_job_is_an_error_outcome(cfg, make_item, tcp_printer):
    port, dev = tcp_printer(answer=True)
    p = make_printer("network", host="127.0.0.1", port=port, status_timeout=2.0)
    p.open()
    p._conn.device.close()  # the cable is pulled under us
    out = print_item_receipt(make_item(), cfg, p)
    assert (out.printed, out.status) == (False, "error")
    assert "network printer" in out.reason
    assert not p.is_open  # closed, so the next job opens a fresh connection


def test_driver_errors_and_status_decoding():
    with pytest.raises(PrinterConfigError, match="kind"):
        make_printer("parallel")
    with pytest.raises(PrinterConfigError, match="baudrate"):
        make_printer("serial", device="/dev/ttyS0", baudrate=1234)
    with pytest.raises(PrinterConfigError, match="unexpected keyword"):
        make_printer("network", host="x", baud=9600)
    with pytest.raises(PrinterWriteError):
        make_printer("fake").write(b"x")  # not open
    fake = make_printer("fake", present=False)
    with pytest.raises(PrinterNotFound):
        fake.open()
    # Epson DLE EOT replies: 0x12 ready; 0x1A offline; paper 0x7E = near end + end.
    assert decode_status(0x12, 0x12).ready
    assert decode_status(0x1A, 0x12).online is False
    assert decode_status(0x12, 0x1E).paper == "near_end"
    assert decode_status(0x12, 0x72).paper == "out"
    assert decode_status(0x41, 0x12).reported is False  # not a status byte
    assert decode_status(None, None).reported is False


# -- doctor -----------------------------------------------------------------------------

def _doctor(capsys, path) -> dict:
    code = cli.main(["--config", str(path), "--json", "doctor"])
    checks = {c["name"]: c for c in json.loads(capsys.readouterr().out)["checks"]}
    return code, checks


def test_doctor_says_an_absent_printer_is_absent(write_config, capsys, tmp_path):
    path = write_config(f'[printer]\nkind = "serial"\nserial_device = "{tmp_path}/ttyUSB7"\n')
    code, checks = _doctor(capsys, path)
    assert code == cli.EXIT_FAIL
    assert checks["printer"]["status"] == "fail"
    assert checks["printer"]["detail"].startswith("absent:") and "ttyUSB7" in checks["printer"]["detail"]


def test_doctor_reports_a_ready_serial_printer(write_config, capsys, serial_device, pty_pair):
    serial_device(answer=True)
    path = write_config(f'[printer]\nkind = "serial"\nserial_device = "{pty_pair[0]}"\nstatus_timeout = 2.0\n')
    _, checks = _doctor(capsys, path)
    assert checks["printer"]["status"] == "ok", checks["printer"]
    assert "ready" in checks["printer"]["detail"] and pty_pair[0] in checks["printer"]["detail"]
    assert checks["receipt_font"]["status"] in ("ok", "warn")


def test_doctor_warns_about_the_fake_and_a_silent_printer(write_config, capsys, tcp_printer):
    _, checks = _doctor(capsys, write_config())
    assert checks["printer"]["status"] == "warn" and "fake" in checks["printer"]["detail"]
    port, _ = tcp_printer(answer=False)
    path = write_config(f'[printer]\nkind = "network"\nhost = "127.0.0.1"\nport = {port}\nstatus_timeout = 0.3\n',
                        name="silent.toml")
    _, checks = _doctor(capsys, path)
    assert checks["printer"]["status"] == "warn"
    assert "cannot report" in checks["printer"]["detail"]


def test_every_registered_kind_meets_the_protocol(tmp_path):
    from drivers.printer import PRINTERS, Printer
    opts = {"usb": dict(vendor_id=1, product_id=2), "serial": dict(device="/dev/ttyS0"),
            "network": dict(host="127.0.0.1"), "file": dict(path=str(tmp_path / "x")), "fake": {}}
    assert set(PRINTERS) == set(opts)
    for kind, o in opts.items():
        p = make_printer(kind, **o)
        assert isinstance(p, Printer) and p.kind == kind and not p.is_open
    assert not (tmp_path / "x").exists()  # constructors touch nothing


def test_the_driver_does_not_import_kiosk():
    import ast
    from pathlib import Path
    sources = sorted((Path(__file__).resolve().parents[2] / "drivers").glob("printer*.py"))
    assert len(sources) == 4  # printer, printer_status, printer_connection, printer_fake
    names = set()
    for src in sources:
        for node in ast.walk(ast.parse(src.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names.update(a.name.split(".")[0] for a in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module:
                names.add(node.module.split(".")[0])
    assert "kiosk" not in names and "escpos" in names


def test_outcome_tells_sent_unconfirmed_apart_from_printed_and_from_a_fault(cfg, make_item):
    rec = make_item()
    ok = print_item_receipt(rec, cfg, FakePrinter())
    paper_out = print_item_receipt(rec, cfg, FakePrinter(paper_out=True))
    silent = print_item_receipt(rec, cfg, FakePrinter(silent=True))
    assert ok.printed and not ok.unconfirmed
    assert not silent.printed and silent.unconfirmed and silent.bytes_sent > 0
    assert not paper_out.printed and not paper_out.unconfirmed
