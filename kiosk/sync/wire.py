"""The JSON shapes the kiosk sends to the centre (docs/protocol.md, docs/openapi.yaml).

One item description serves both directions: the body of a push and what the pull API
returns, so the centre sees the same thing however it got the item.
"""

from __future__ import annotations

import os
from importlib import metadata

from kiosk.core import chain
from kiosk.core.records import Attachment, Item

#: 2: items carry their chain link, heartbeats the chain head and the station key;
#: 3: items carry the representative they address (docs/protocol.md, "Versioning").
#: The centre accepts 1, 2 and 3.
PROTOCOL_VERSION = 4


def app_version() -> str:
    """The installed kiosk version (``0+unknown`` when running from a bare checkout)."""
    try:
        return metadata.version("minyi-kiosk")
    except metadata.PackageNotFoundError:
        return "0+unknown"


def attachment_meta(a: Attachment) -> dict:
    """One attachment in the manifest: the centre verifies size and SHA-256."""
    return {"idx": a.idx, "name": a.name, "kind": a.kind, "media_type": a.media_type,
            "size": a.size, "sha256": a.sha256}


def item_meta(item: Item, *, with_pii: bool) -> dict:
    """The item as the centre sees it. ``identity`` carries name and phone of a real-name
    item only when *with_pii* (the item must have been read with ``with_pii=True``), and
    the full ID number when it was read from the resident's ID card (docs/protocol.md:
    the centre's real-name handling needs it; it shows only the last 4 characters)."""
    identity = None
    if not item.anonymous and with_pii:
        identity = {"name": item.name, "phone": item.phone}
        if item.id_number:
            identity["id_number"] = item.id_number
    return {
        "protocol": PROTOCOL_VERSION,
        "id": item.id,
        "station": item.station,
        "seq": item.seq,
        "code": str(item.code),
        "created_at": item.created_at,
        "clock_trusted": item.clock_trusted,
        "text": item.text,
        "category": item.category,
        "anonymous": item.anonymous,
        "identity": identity,
        "source": item.source,
        "lang": item.lang,
        "attachments": [attachment_meta(a) for a in item.attachments],
        # The representative the resident addressed (protocol 3); null: nobody in particular.
        # Part of the item's digest when set (kiosk/core/chain.py).
        "representative_id": item.representative_id,
        # The item's link in its station's chain (kiosk/core/chain.py): the centre checks
        # that no seq goes missing and that the content still gives the link.
        "chain": chain.Link(item.seq, item.chain_prev, item.chain_hash).as_wire() if item.chain_hash else None,
    }


#: Bytes read from an attachment per block while it is sent.
UPLOAD_BLOCK = 64 * 1024


class MultipartBody:
    """A ``multipart/form-data`` body (RFC 7578) streamed in blocks, its length known
    before the first byte is sent (so requests sends a Content-Length, not chunks).

    *parts* are ``(field name, file name, content type, bytes or an open binary file)``;
    names and types are ASCII (the push uses fixed part names; the real file name travels
    in the metadata). A file is sent from where it stands to its size at construction: if
    it shrinks meanwhile the rest is zeros, so the framing holds and the centre's SHA-256
    check refuses the item instead of waiting for bytes that never come. It replaces
    requests-toolbelt's ``MultipartEncoder``, whose reads cost ~0.7 ms of CPU per 100 KB
    item (docs/sync.md, "Performance").
    """

    def __init__(self, boundary: str, parts):
        self.content_type = f"multipart/form-data; boundary={boundary}"
        self._parts = []
        for name, filename, ctype, data in parts:
            head = (f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
                    f"Content-Type: {ctype}\r\n\r\n").encode("ascii")
            size = len(data) if isinstance(data, bytes) else max(0, _size(data) - data.tell())
            self._parts.append((head, data, size))
        self._tail = f"--{boundary}--\r\n".encode("ascii")
        self.len = sum(len(h) + n + 2 for h, _, n in self._parts) + len(self._tail)

    def __len__(self) -> int:
        return self.len

    def __iter__(self):
        for head, data, size in self._parts:
            yield head
            if isinstance(data, bytes):
                yield data
            else:
                left = size
                while left > 0:
                    block = data.read(min(UPLOAD_BLOCK, left)) or bytes(min(UPLOAD_BLOCK, left))
                    left -= len(block)
                    yield block
            yield b"\r\n"
        yield self._tail


def _size(f) -> int:
    return os.fstat(f.fileno()).st_size
