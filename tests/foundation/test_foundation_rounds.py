"""The loop's stages and the 不满意再办 rounds in the store (migration m006_rounds): each
centre update kept with its stage, round, department, note and rating; a rating once per
(item, round) in one transaction; ratings carry their round and reason to the forwarder;
a rating the centre refused is final; databases from before keep their rows as round 1."""

from __future__ import annotations

import threading

import pytest
from sqlite_utils import Database

from kiosk.core.records import CentreUpdate
from kiosk.core.store import AlreadyRated, Store, StoreError
from kiosk.core.submission import submit


def _update(stage: str, round: int = 1, **kw) -> CentreUpdate:
    status = kw.pop("status", stage)
    return CentreUpdate(status=status, stage=stage, at=kw.pop("at", "2026-11-20T10:00:00+00:00"), round=round, **kw)


def test_updates_keep_stage_round_department_note_and_rating(cfg, store):
    item = submit(store, cfg, text="路灯坏了").item
    store.record_update(item.id, _update("assigned", status="assigned", department="城管局", note="转城管"))
    store.record_update(item.id, _update("escalated", status="assigned", escalated=True, note="已超期"))
    store.record_update(item.id, _update("replied", reply="已修复"))
    store.record_update(item.id, _update("rated", status="replied", rating="unsatisfied"))
    store.record_update(item.id, _update("reopened", round=2, status="accepted", note="灯还是不亮"))
    h = store.loop_history(item.id)
    assert [(r.stage, r.status, r.round) for r in h] == [
        ("assigned", "assigned", 1), ("escalated", "assigned", 1), ("replied", "replied", 1),
        ("rated", "replied", 1), ("reopened", "accepted", 2)]
    assert (h[0].department, h[0].note, h[1].escalated, h[3].rating) == ("城管局", "转城管", True, "unsatisfied")
    got = store.get_item(item.id)
    # The new round has no reply yet: round 1's reply stays in the history only.
    assert got.state == "accepted" and got.centre_reply is None
    assert h[2].reply == "已修复"
    assert store.status_history(item.id)[4]["stage"] == "reopened"


def test_an_older_centres_status_is_its_stage_in_round_1(cfg, store):
    item = submit(store, cfg, text="噪音").item
    store.record_status(item.id, "replied", "已处理", "2026-11-20T10:00:00Z")
    (r,) = store.loop_history(item.id)
    assert (r.stage, r.round, r.department, r.note, r.escalated) == ("replied", 1, None, None, False)


@pytest.mark.parametrize("update, words", [
    (CentreUpdate(status="teleported", stage="accepted", at="x"), "unknown status"),
    (CentreUpdate(status="accepted", stage="beamed", at="x"), "unknown stage"),
    (CentreUpdate(status="accepted", stage="accepted", at="x", round=0), "round 0"),
])
def test_an_update_the_store_does_not_know_is_refused_and_nothing_kept(cfg, store, update, words):
    item = submit(store, cfg, text="x").item
    with pytest.raises(StoreError, match=words):
        store.record_update(item.id, update)
    assert store.loop_history(item.id) == [] and store.get_item(item.id).state == "stored"


def test_a_round_is_rated_once_and_each_round_has_its_own(cfg, store):
    item = submit(store, cfg, text="x").item
    first = store.add_rating(item.id, "unsatisfied", round=1, reason="还是坏的")
    with pytest.raises(AlreadyRated, match="round 1"):
        store.add_rating(item.id, "satisfied", round=1)
    second = store.add_rating(item.id, "satisfied", round=2)
    rated = store.ratings_of(item.id)
    assert [(r.id, r.round, r.rating, r.reason, r.delivery) for r in rated] == [
        (first, 1, "unsatisfied", "还是坏的", "pending"), (second, 2, "satisfied", None, "pending")]
    with pytest.raises(ValueError):
        store.add_rating(item.id, "satisfied", round=0)
    with pytest.raises(ValueError):
        store.add_rating(item.id, "great", round=3)
    assert len(store.ratings_of(item.id)) == 2


def test_two_taps_at_once_make_one_rating(cfg, store):
    item = submit(store, cfg, text="x").item
    results: list = []
    barrier = threading.Barrier(4)

    def tap(level):
        barrier.wait()
        try:
            results.append(store.add_rating(item.id, level, round=1))
        except AlreadyRated as e:
            results.append(e)
    threads = [threading.Thread(target=tap, args=(lv,)) for lv in ("satisfied", "unsatisfied") * 2]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sum(isinstance(r, str) for r in results) == 1 and len(store.ratings_of(item.id)) == 1


def test_ratings_to_send_carry_round_and_reason_and_a_refusal_is_final(cfg, store):
    item = submit(store, cfg, text="x").item
    store.mark_delivered(item.id, "push")
    rid = store.add_rating(item.id, "unsatisfied", round=2, reason="没人来")
    (r,) = store.ratings_to_send(10)
    assert (r.id, r.round, r.reason) == (rid, 2, "没人来")
    store.refuse_rating(rid, "HTTP 409: round 2 of 0371-000001-x is rated already")
    assert store.ratings_to_send(10) == []
    assert store.count_ratings("refused") == 1 and store.count_ratings("delivered") == 0
    (kept,) = store.ratings_of(item.id)
    assert kept.delivery == "refused" and "rated already" in kept.refusal
    (ev,) = store.events(kind="rating_refused")
    assert ev["item_id"] == item.id and "round 2" in ev["message"] and "rated already" in ev["message"]


def test_a_database_from_before_keeps_its_history_and_ratings_as_round_1(cfg):
    with Store.open(cfg) as store:
        item = submit(store, cfg, text="旧的").item
    # The database taken back to the release before m006, with rows as it wrote them: a
    # status, and two ratings of one item (add_rating had no once check then); the
    # migration neither fails nor drops one.
    path = cfg.storage.data_path / "kiosk.db"
    db = Database(path)
    db.execute("DELETE FROM _sqlite_migrations WHERE name = 'm006_rounds'")
    for col in ("stage", "round", "department", "note", "rating", "escalated"):
        db.execute(f"ALTER TABLE status_history DROP COLUMN {col}")
    db.execute("DROP INDEX idx_ratings_item_id_round")
    for col in ("round", "reason"):
        db.execute(f"ALTER TABLE ratings DROP COLUMN {col}")
    db["status_history"].insert({"item_id": item.id, "status": "replied", "reply": "好了", "at": "2026-01-02"})
    for rid, level in (("r1", "satisfied"), ("r2", "unsatisfied")):
        db["ratings"].insert({"id": rid, "item_id": item.id, "rating": level, "created_at": f"2026-01-0{rid[1]}"})
    db.conn.commit()
    db.conn.close()
    with Store.open(cfg) as store:
        assert store.pending_migrations() == []
        (r,) = store.loop_history(item.id)
        assert (r.stage, r.round, r.reply) == ("replied", 1, "好了")
        assert [(x.id, x.round) for x in store.ratings_of(item.id)] == [("r1", 1), ("r2", 1)]
        with pytest.raises(AlreadyRated):
            store.add_rating(item.id, "satisfied", round=1)
