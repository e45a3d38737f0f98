"""Child process for the crash test: submit items with attachments forever.

After each commit it prints ``CODE N SHA256,SHA256,… SECRET`` so the parent knows which
codes (and receipt secrets) a resident would have seen. The parent SIGKILLs it at random
moments, the first ones while the store and its receipt-secret key are being created.
"""

import hashlib
import os
import random
import sys

from kiosk import config
from kiosk.core.store import Store
from kiosk.core.submission import AttachmentInput, submit

cfg = config.load(sys.argv[1])
rng = random.Random(int(sys.argv[2]))
store = Store.open(cfg)
print("ready", flush=True)
while True:
    n = rng.randrange(0, 4)
    atts, digests = [], []
    for i in range(n):
        data = b"RIFF" + os.urandom(rng.randrange(500, 30_000))
        digests.append(hashlib.sha256(data).hexdigest())
        atts.append(AttachmentInput(f"rec{i}.wav", data, kind="audio"))
    sub = submit(store, cfg, text=f"n={n}" if n == 0 or rng.random() < 0.5 else "", attachments=atts)
    # One write per line, so a kill cannot tear it between fields.
    sys.stdout.write(f"{sub.item.code.compact} {n} {','.join(digests) or '-'} {sub.secret}\n")
    sys.stdout.flush()
