"""Uploads are streamed: pushing an item with a 20 MB attachment must not hold the file
in memory (Python allocations measured with tracemalloc; the centre runs in its own
process so only the kiosk's side is measured)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tracemalloc

from kiosk.core.submission import AttachmentInput, submit
from kiosk.sync.daemon import SyncDaemon


def test_push_of_a_large_item_is_streamed(make_cfg, store, tmp_path, write_config):
    central_cfg = write_config("[central_dev]\nport = 0\nallow_development_token = true\n",
                               name="central.toml")
    env = {**os.environ, "KIOSK_CLOCK_TRUSTED": "0"}
    proc = subprocess.Popen([sys.executable, "-m", "kiosk", "--config", str(central_cfg), "central-dev",
                             "--data-dir", str(tmp_path / "c")], stdout=subprocess.PIPE, text=True, env=env)
    try:
        line = proc.stdout.readline()
        url = line.split("listening on ")[1].split()[0]
        cfg = make_cfg(url, read_timeout=20)
        big = tmp_path / "long.wav"
        with open(big, "wb") as f:
            f.write(b"RIFF")
            for _ in range(20):
                f.write(os.urandom(1024 * 1024))
        item = submit(store, cfg, text="长录音", attachments=[AttachmentInput("long.wav", big, kind="audio")]).item
        d = SyncDaemon(cfg, store)
        tracemalloc.start()
        try:
            out = d.run_once()
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
        assert out["ok"] and out["forward"]["delivered"] == 1
        assert store.get_item(item.id).delivery == "delivered"
        assert peak < 4 * 1024 * 1024, f"peak Python allocation {peak / 2**20:.1f} MB for a 20 MB upload"
        assert (tmp_path / "c" / "media" / item.id / "0").stat().st_size == big.stat().st_size
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(15)


def test_the_multipart_body_is_what_it_declares_and_parses_back(tmp_path):
    import io

    from werkzeug.formparser import parse_form_data

    from kiosk.sync.wire import UPLOAD_BLOCK, MultipartBody

    data = os.urandom(3 * UPLOAD_BLOCK + 17)
    (tmp_path / "a").write_bytes(data)
    with open(tmp_path / "a", "rb") as f:
        body = MultipartBody("b0undary", [("metadata", "metadata.json", "application/json", b'{"id": 1}'),
                                          ("file0", "file0", "audio/wav", f)])
        raw = b"".join(body)
    assert len(raw) == len(body) == body.len
    env = {"REQUEST_METHOD": "PUT", "CONTENT_TYPE": body.content_type, "CONTENT_LENGTH": str(len(raw)),
           "wsgi.input": io.BytesIO(raw)}
    _, _, files = parse_form_data(env)
    assert files["metadata"].read() == b'{"id": 1}' and files["file0"].read() == data
    assert files["file0"].content_type == "audio/wav"
    # A file that shrinks after the length was declared: the framing holds, the bytes differ.
    with open(tmp_path / "a", "rb") as f:
        body = MultipartBody("b0undary", [("file0", "file0", "audio/wav", f)])
        (tmp_path / "a").write_bytes(data[:100])
        raw = b"".join(body)
    assert len(raw) == body.len
    env.update({"CONTENT_LENGTH": str(len(raw)), "wsgi.input": io.BytesIO(raw)})
    _, _, files = parse_form_data(env)
    got = files["file0"].read()
    assert len(got) == len(data) and got[:100] == data[:100] and got != data
