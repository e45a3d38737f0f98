"""The pull API over real HTTP (waitress on 127.0.0.1): auth, paging, cursor stability
under concurrent inserts, ack, attachment download, traversal and bad ids."""

from __future__ import annotations

import dataclasses
import hashlib
import threading

import pytest
import requests

from kiosk.core.store import Store
from kiosk.sync.daemon import SyncDaemon
from kiosk.config.sync import DEV_TOKEN

AUTH = {"Authorization": f"Bearer {DEV_TOKEN}"}


@pytest.fixture
def pull(make_cfg, store, h):
    """(base URL, config) of a daemon's pull API; the centre URL points nowhere."""
    cfg = make_cfg(f"http://127.0.0.1:{h.free_port()}", extra="pull_page_max = 20")
    d = SyncDaemon(cfg, store)
    port = d.start_pull_api()
    yield f"http://127.0.0.1:{port}/pull/v1", cfg, d
    d.stop_pull_api()


def test_auth_required_and_checked(pull):
    base, _, _ = pull
    r = requests.get(f"{base}/items")
    assert r.status_code == 401 and r.headers["WWW-Authenticate"].startswith("Bearer")
    assert requests.get(f"{base}/items", headers={"Authorization": "Bearer nope"}).status_code == 401
    assert requests.get(f"{base}/items", headers={"Authorization": f"Basic {DEV_TOKEN}"}).status_code == 401
    assert requests.get(f"{base}/items", headers=AUTH).status_code == 200


def test_paging_is_ordered_bounded_and_complete(pull, store, h):
    base, cfg, _ = pull
    items = h.add_items(store, cfg, 25, size=100)
    seen, after, pages = [], 0, 0
    while True:
        r = requests.get(f"{base}/items", params={"after": after, "limit": 10}, headers=AUTH).json()
        pages += 1
        assert len(r["items"]) <= 10
        seen += r["items"]
        after = r["next_after"]
        if not r["more"]:
            break
    assert pages == 3
    assert [i["id"] for i in seen] == [i.id for i in items]
    assert [i["seq"] for i in seen] == sorted(i["seq"] for i in seen)
    assert all(i["identity"] is None for i in seen)
    big = requests.get(f"{base}/items", params={"limit": 1000}, headers=AUTH).json()
    assert len(big["items"]) == 20 and big["more"]  # clamped to sync.pull_page_max
    for bad in ({"after": "x"}, {"limit": 0}, {"after": -1}, {"delivery": "lost"}):
        r = requests.get(f"{base}/items", params=bad, headers=AUTH)
        assert r.status_code == 400 and "error" in r.json()
    empty = requests.get(f"{base}/items", params={"after": after}, headers=AUTH).json()
    assert empty == {"items": [], "next_after": after, "more": False}


def test_cursor_stable_under_concurrent_inserts(pull, store, h):
    base, cfg, _ = pull
    h.add_items(store, cfg, 5, size=100)
    writer_store = Store.open(cfg)  # another connection, as the UI process has
    done = threading.Event()

    def writer():
        try:
            h.add_items(writer_store, cfg, 60, size=100)
        finally:
            done.set()
    t = threading.Thread(target=writer)
    t.start()
    seen, after = [], 0
    while True:
        r = requests.get(f"{base}/items", params={"after": after, "limit": 7}, headers=AUTH).json()
        seen += [i["seq"] for i in r["items"]]
        after = r["next_after"]
        if not r["more"] and done.is_set():
            # one last page after the writer finished
            r = requests.get(f"{base}/items", params={"after": after, "limit": 7}, headers=AUTH).json()
            seen += [i["seq"] for i in r["items"]]
            if not r["items"]:
                break
            after = r["next_after"]
    t.join()
    writer_store.close()
    assert seen == list(range(1, 66)), "every item exactly once, in order, none skipped"


def test_item_attachment_and_ack(pull, store, h, central):
    base, cfg, d = pull
    real = h.add_items(store, cfg, 1, size=70_000, real_name=True)[0]
    other = h.add_items(store, cfg, 1)[0]
    r = requests.get(f"{base}/items/{real.id}", headers=AUTH).json()
    assert r["identity"] == {"name": "张三", "phone": "13812345678"}
    assert r["attachments"][0]["sha256"] == real.attachments[0].sha256
    f = requests.get(f"{base}/items/{real.id}/attachments/0", headers=AUTH, stream=True)
    assert f.status_code == 200 and f.headers["Content-Type"].startswith("audio/wav")
    body = b"".join(f.iter_content(8192))
    assert hashlib.sha256(body).hexdigest() == real.attachments[0].sha256
    assert f.headers["X-Content-SHA256"] == real.attachments[0].sha256

    a = requests.post(f"{base}/items/{real.id}/ack", headers=AUTH).json()
    assert a == {"id": real.id, "delivery": "delivered", "changed": True}
    assert requests.post(f"{base}/items/{real.id}/ack", headers=AUTH).json()["changed"] is False
    got = store.get_item(real.id)
    assert got.delivery == "delivered" and got.delivered_via == "pull" and got.state == "delivered"
    assert requests.get(f"{base}/items", params={"delivery": "pending"}, headers=AUTH).json()["items"][0]["id"] == other.id

    # The forwarder must not push what the centre already pulled.
    push_cfg = dataclasses.replace(cfg, sync=dataclasses.replace(cfg.sync, central_url=central.url))
    assert SyncDaemon(push_cfg, store).run_once()["ok"]
    assert not central.db.has_item(real.id) and central.db.has_item(other.id)


def test_bad_ids_and_traversal(pull, store, h):
    base, cfg, _ = pull
    item = h.add_items(store, cfg, 1)[0]
    for path in ("/items/not-a-uuid", "/items/00000000-0000-0000-0000-000000000000",
                 f"/items/{item.id}/attachments/1", f"/items/{item.id}/attachments/-1",
                 f"/items/{item.id}/attachments/..%2F..%2Fkiosk.db",
                 f"/items/{item.id}/attachments/00-voice0.wav",
                 "/items/..%2F..%2Fkiosk.db", f"/items/{item.id}/../../../kiosk.db",
                 f"/items/{item.id.upper()}", "/nothing"):
        r = requests.get(base + path, headers=AUTH)
        assert r.status_code == 404, path
        assert "error" in r.json()
        assert b"SQLite format" not in r.content
    r = requests.post(f"{base}/items/00000000-0000-0000-0000-000000000000/ack", headers=AUTH)
    assert r.status_code == 404
    assert requests.get(f"{base}/items/{item.id}/ack", headers=AUTH).status_code == 405
    assert requests.get(base + "/nothing").status_code == 404  # unknown routes don't reveal auth state either way


def test_purged_attachment_is_gone(pull, store, h):
    base, cfg, _ = pull
    item = h.add_items(store, cfg, 1)[0]
    store.mark_delivered(item.id, "push")
    assert store.purge_item(item.id)
    r = requests.get(f"{base}/items/{item.id}/attachments/0", headers=AUTH)
    assert r.status_code == 410
    meta = requests.get(f"{base}/items/{item.id}", headers=AUTH).json()
    assert meta["purged"] is True and meta["attachments"][0]["purged"] is True
