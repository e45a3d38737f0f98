"""Child process for the step-by-step crash test: open the store, then submit items, and
SIGKILL itself just before durable step number K.

A step is every call that changes the disk (``os.fsync``, ``os.rename``, ``os.replace``,
``os.link``, ``os.unlink``, ``os.mkdir``) and every SQL statement (SQLite's trace callback
runs just before a statement executes). ``argv``: config path, K (0 = never: count the
steps and print ``steps N`` at the end), how many items to submit. After each commit it
prints ``CODE N SHA256,… SECRET`` as crash_child.py does.
"""

import hashlib
import os
import signal
import sys

K = int(sys.argv[2])
ITEMS = int(sys.argv[3])
steps = 0


def step() -> None:
    global steps
    steps += 1
    if steps == K:
        os.kill(os.getpid(), signal.SIGKILL)


def watched(fn):
    def call(*a, **kw):
        step()
        return fn(*a, **kw)
    return call


for name in ("fsync", "rename", "replace", "link", "unlink", "mkdir"):
    setattr(os, name, watched(getattr(os, name)))

import sqlite3  # noqa: E402

_connect = sqlite3.connect


def connect(*a, **kw):
    conn = _connect(*a, **kw)
    conn.set_trace_callback(lambda _sql: step())
    return conn


sqlite3.connect = connect

from kiosk import config  # noqa: E402
from kiosk.core.store import Store  # noqa: E402
from kiosk.core.submission import AttachmentInput, submit  # noqa: E402

cfg = config.load(sys.argv[1])
store = Store.open(cfg)
for i in range(ITEMS):
    data = b"RIFF" + bytes([i]) * 3000
    atts = [AttachmentInput("rec.wav", data, kind="audio")] if i % 2 == 0 else []
    sub = submit(store, cfg, text=f"n={len(atts)}", attachments=atts)
    digest = hashlib.sha256(data).hexdigest() if atts else "-"
    sys.stdout.write(f"{sub.item.code.compact} {len(atts)} {digest} {sub.secret}\n")
    sys.stdout.flush()
if K == 0:
    print(f"steps {steps}", flush=True)
