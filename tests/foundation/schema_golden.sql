-- index idx_attachments_item_id_idx ON attachments
CREATE UNIQUE INDEX "idx_attachments_item_id_idx"
    ON "attachments" ("item_id", "idx");
-- index idx_events_kind ON events
CREATE INDEX "idx_events_kind"
    ON "events" ("kind");
-- index idx_items_code ON items
CREATE UNIQUE INDEX "idx_items_code"
    ON "items" ("code");
-- index idx_items_delivery_seq ON items
CREATE INDEX "idx_items_delivery_seq"
    ON "items" ("delivery", "seq");
-- index idx_items_station_seq ON items
CREATE UNIQUE INDEX "idx_items_station_seq"
    ON "items" ("station", "seq");
-- index idx_ratings_delivery ON ratings
CREATE INDEX "idx_ratings_delivery"
    ON "ratings" ("delivery");
-- index idx_ratings_item_id_round ON ratings
CREATE INDEX "idx_ratings_item_id_round"
    ON "ratings" ("item_id", "round");
-- index idx_status_history_item_id ON status_history
CREATE INDEX "idx_status_history_item_id"
    ON "status_history" ("item_id");
-- index sqlite_autoindex_counters_1 ON counters
None;
-- index sqlite_autoindex_items_1 ON items
None;
-- index sqlite_autoindex_meta_1 ON meta
None;
-- index sqlite_autoindex_ratings_1 ON ratings
None;
-- table attachments ON attachments
CREATE TABLE "attachments" (
   "id" INTEGER PRIMARY KEY,
   "item_id" TEXT NOT NULL REFERENCES "items"("id"),
   "idx" INTEGER NOT NULL,
   "kind" TEXT,
   "name" TEXT NOT NULL,
   "media_type" TEXT NOT NULL,
   "size" INTEGER NOT NULL,
   "sha256" TEXT NOT NULL,
   "integrity" TEXT DEFAULT 'ok',
   "purged" INTEGER DEFAULT 0
);
-- table counters ON counters
CREATE TABLE "counters" (
   "station" TEXT PRIMARY KEY,
   "next_seq" INTEGER
, "chain_hash" TEXT);
-- table events ON events
CREATE TABLE "events" (
   "id" INTEGER PRIMARY KEY,
   "at" TEXT,
   "level" TEXT,
   "kind" TEXT,
   "item_id" TEXT,
   "message" TEXT,
   "data" TEXT
);
-- table items ON items
CREATE TABLE "items" (
   "id" TEXT PRIMARY KEY,
   "seq" INTEGER NOT NULL,
   "station" TEXT NOT NULL,
   "code" TEXT NOT NULL,
   "created_at" TEXT NOT NULL,
   "clock_trusted" INTEGER DEFAULT 0,
   "text" TEXT DEFAULT '',
   "category" TEXT,
   "anonymous" INTEGER DEFAULT 1,
   "name_enc" TEXT,
   "phone_enc" TEXT,
   "source" TEXT,
   "lang" TEXT,
   "state" TEXT NOT NULL DEFAULT 'stored',
   "delivery" TEXT NOT NULL DEFAULT 'pending',
   "delivered_at" TEXT,
   "delivered_via" TEXT,
   "attempts" INTEGER DEFAULT 0,
   "last_error" TEXT,
   "quarantine_reason" TEXT,
   "integrity" TEXT NOT NULL DEFAULT 'ok',
   "centre_status" TEXT,
   "centre_reply" TEXT,
   "centre_updated_at" TEXT,
   "purged_at" TEXT
, "secret_hash" TEXT, "chain_prev" TEXT, "chain_hash" TEXT, "representative_id" TEXT, "representative_name" TEXT, "id_number_enc" TEXT);
-- table meta ON meta
CREATE TABLE "meta" (
   "key" TEXT PRIMARY KEY,
   "value" TEXT
);
-- table ratings ON ratings
CREATE TABLE "ratings" (
   "id" TEXT PRIMARY KEY,
   "item_id" TEXT REFERENCES "items"("id"),
   "rating" TEXT,
   "created_at" TEXT,
   "clock_trusted" INTEGER,
   "delivery" TEXT DEFAULT 'pending',
   "delivered_at" TEXT,
   "attempts" INTEGER DEFAULT 0,
   "last_error" TEXT
, "round" INTEGER, "reason" TEXT);
-- table status_history ON status_history
CREATE TABLE "status_history" (
   "id" INTEGER PRIMARY KEY,
   "item_id" TEXT REFERENCES "items"("id"),
   "status" TEXT,
   "reply" TEXT,
   "at" TEXT,
   "received_at" TEXT
, "stage" TEXT, "round" INTEGER, "department" TEXT, "note" TEXT, "rating" TEXT, "escalated" INTEGER);
