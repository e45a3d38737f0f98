"""Real connections: a serial printer behind a socat pty pair and a network printer on a TCP
socket on 127.0.0.1 receive exactly the bytes the layout produced."""

from __future__ import annotations

from drivers.printer import make_printer
from kiosk.receipt.printing import item_receipt_bytes, print_item_receipt

# What the driver asks before and after a job: DLE EOT 1 (printer), 4 (paper), 2 (cause).
QUERIES = b"\x10\x04\x01\x10\x04\x04\x10\x04\x02"
FIRST_QUERY = b"\x10\x04\x01"


def _serial(path, **kw):
    return make_printer("serial", device=path, baudrate=9600, status_timeout=2.0, **kw)


def test_serial_printer_through_socat_receives_exactly_the_layout_bytes(cfg, make_item, store,
                                                                        serial_device, pty_pair, reader):
    rec = make_item(anonymous=False, name="李雷", phone="13712345678")
    expected = item_receipt_bytes(rec, cfg)
    dev = serial_device(answer=True)
    out = print_item_receipt(rec, cfg, _serial(pty_pair[0]), store=store)
    got = dev.wait_for(len(QUERIES) * 2 + len(expected))
    assert out.printed is True and out.status == "printed" and out.reason is None
    assert out.bytes_sent == len(expected)
    assert got == QUERIES + expected + QUERIES
    doc = reader.read(got[len(QUERIES):-len(QUERIES)])
    assert "姓名：李雷" in doc.texts and str(rec.item.code) in doc.texts
    assert doc.qrcodes[0].data == f"{rec.item.code.compact}#k={rec.secret}&r={rec.seal}".encode()
    assert store.events(kind="print_failed") == []


def test_serial_printer_that_never_answers_is_sent_but_not_printed(cfg, make_item, store,
                                                                   serial_device, pty_pair):
    rec = make_item()
    expected = item_receipt_bytes(rec, cfg)
    dev = serial_device(answer=False)
    p = make_printer("serial", device=pty_pair[0], baudrate=115200, status_timeout=0.3)
    out = print_item_receipt(rec, cfg, p, store=store)
    got = dev.wait_for(len(FIRST_QUERY) * 2 + len(expected))
    assert out.printed is False and out.status == "sent_unconfirmed"
    assert "cannot confirm" in out.reason
    # One query, no waiting for the others; the job; one query after.
    assert got == FIRST_QUERY + expected + FIRST_QUERY


def test_serial_with_status_queries_disabled_sends_only_the_job(cfg, make_item, serial_device, pty_pair):
    rec = make_item()
    expected = item_receipt_bytes(rec, cfg)
    dev = serial_device(answer=True)
    out = print_item_receipt(rec, cfg, _serial(pty_pair[0], query_status=False))
    assert dev.wait_for(len(expected)) == expected
    assert out.status == "sent_unconfirmed" and not out.printed


def test_network_printer_on_loopback_receives_exactly_the_layout_bytes(cfg, make_item, store,
                                                                       tcp_printer, reader):
    rec = make_item("网络打印机测试：English mixed，全角标点。")
    expected = item_receipt_bytes(rec, cfg)
    port, dev = tcp_printer(answer=True)
    p = make_printer("network", host="127.0.0.1", port=port, status_timeout=2.0)
    out = print_item_receipt(rec, cfg, p, store=store)
    got = dev.wait_for(len(QUERIES) * 2 + len(expected))
    assert out.printed and out.status == "printed"
    assert got == QUERIES + expected + QUERIES
    assert any(t.startswith("网络打印机测试：English") for t in reader.read(expected).texts)


def test_network_printer_that_never_answers_is_unconfirmed(cfg, make_item, tcp_printer):
    rec = make_item()
    expected = item_receipt_bytes(rec, cfg)
    port, dev = tcp_printer(answer=False)
    p = make_printer("network", host="127.0.0.1", port=port, status_timeout=0.3)
    out = print_item_receipt(rec, cfg, p)
    assert out.status == "sent_unconfirmed" and out.printed is False
    assert dev.wait_for(len(expected) + 6) == FIRST_QUERY + expected + FIRST_QUERY


def test_file_printer_writes_the_bytes_and_never_claims_printed(cfg, make_item, tmp_path):
    rec = make_item()
    target = tmp_path / "lp0"
    out = print_item_receipt(rec, cfg, make_printer("file", path=str(target)))
    assert target.read_bytes() == item_receipt_bytes(rec, cfg)  # no status queries in it
    assert out.status == "sent_unconfirmed" and not out.printed


def test_an_open_printer_is_left_open_for_the_next_receipt(cfg, make_item, tcp_printer):
    port, dev = tcp_printer(answer=True)
    p = make_printer("network", host="127.0.0.1", port=port, status_timeout=2.0)
    p.open()
    try:
        a, b = make_item("第一张"), make_item("第二张")
        assert print_item_receipt(a, cfg, p).printed
        assert p.is_open
        assert print_item_receipt(b, cfg, p).printed
    finally:
        p.close()
    data_a, data_b = item_receipt_bytes(a, cfg), item_receipt_bytes(b, cfg)
    got = dev.wait_for(4 * len(QUERIES) + len(data_a) + len(data_b))
    assert got == QUERIES + data_a + QUERIES + QUERIES + data_b + QUERIES


def test_serial_settings_from_config_reach_the_port(write_config, store, make_item, serial_device, pty_pair):
    from kiosk import config as configmod
    cfg = configmod.load(write_config(
        f'[printer]\nkind = "serial"\nserial_device = "{pty_pair[0]}"\nserial_baudrate = 115200\n'
        'serial_flow_control = "xonxoff"\nstatus_timeout = 2.0\n'))
    printer = cfg.printer.build()
    printer.open()
    try:
        port = printer._conn.device
        assert (port.baudrate, port.parity, port.xonxoff, port.rtscts) == (115200, "N", True, False)
    finally:
        printer.close()
    rec = make_item()
    dev = serial_device(answer=True)
    out = print_item_receipt(rec, cfg, store=store)  # the configured printer, opened and closed
    expected = item_receipt_bytes(rec, cfg)
    assert out.printed
    assert dev.wait_for(len(expected) + 2 * len(QUERIES)) == QUERIES + expected + QUERIES


def test_port_refusing_the_settings_is_a_clear_error(cfg, make_item, pty_pair):
    # Linux ptys refuse parity (EINVAL from tcsetattr); a real port may refuse a baud rate.
    p = make_printer("serial", device=pty_pair[0], parity="even")
    out = print_item_receipt(make_item(), cfg, p)
    assert (out.printed, out.status) == (False, "error")
    assert "cannot configure" in out.reason and pty_pair[0] in out.reason


def test_printer_holding_xoff_mid_job_is_an_error_not_a_hang(cfg, make_item, store, serial_device, pty_pair):
    import time
    dev = serial_device(answer=True, xoff_after=3)  # answers the 3 queries, then XOFF
    p = make_printer("serial", device=pty_pair[0], flow_control="xonxoff", timeout=1.0, status_timeout=2.0)
    rec = make_item(anonymous=False, name="刘洋", phone="13500001111")
    t = time.monotonic()
    out = print_item_receipt(rec, cfg, p, store=store)
    assert time.monotonic() - t < 15
    assert (out.printed, out.status) == (False, "error")
    assert "stopped taking data" in out.reason
    assert not p.is_open
    (ev,) = store.events(kind="print_failed")
    assert "stopped taking data" in ev["message"] and "刘洋" not in ev["message"]
    assert len(dev.received) < len(QUERIES) + len(item_receipt_bytes(rec, cfg))


def test_printer_plugged_in_after_start_up_is_found_at_the_next_receipt(write_config, store, make_item,
                                                                        tmp_path, socat_pair, device_on):
    from kiosk import config as configmod
    a, b = tmp_path / "late-A", tmp_path / "late-B"
    cfg = configmod.load(write_config(f'[printer]\nkind = "serial"\nserial_device = "{a}"\nstatus_timeout = 2.0\n'))
    out = print_item_receipt(make_item("第一张"), cfg, store=store)  # nothing plugged in yet
    assert (out.status, out.printed) == ("absent", False) and str(a) in out.reason
    socat_pair(a, b)                                                  # … now it is
    dev = device_on(b)
    second = make_item("第二张")
    out = print_item_receipt(second, cfg, store=store)
    assert (out.status, out.printed) == ("printed", True)
    expected = item_receipt_bytes(second, cfg)
    assert dev.wait_for(len(expected) + 2 * len(QUERIES)) == QUERIES + expected + QUERIES
