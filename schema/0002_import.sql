-- 0002: import batches (`docket import`).
--
-- Each run of `docket import` that records at least one demand is a batch. The batch row is
-- written when the run starts (so that the created event of every demand it records can name it)
-- and completed once when it ends; a completed batch cannot change, nor can any batch be removed.

CREATE TABLE import_batch (
    id          INTEGER PRIMARY KEY,
    source      TEXT NOT NULL,  -- the intake source the references belong to
    input       TEXT NOT NULL,  -- a file name, "stdin", or the URL without credentials or query
    format      TEXT NOT NULL CHECK (format = 'csv' OR format = 'json' OR format = 'ndjson'),
    sha256      TEXT NOT NULL DEFAULT '',  -- of the input's bytes, as hex, once complete
    records     INTEGER NOT NULL DEFAULT 0,
    imported    INTEGER NOT NULL DEFAULT 0,
    present     INTEGER NOT NULL DEFAULT 0,  -- already recorded, the same
    conflicts   INTEGER NOT NULL DEFAULT 0,  -- already recorded, different: left alone
    rejected    INTEGER NOT NULL DEFAULT 0,
    login       TEXT NOT NULL,
    actor       TEXT NOT NULL,
    started_at  INTEGER NOT NULL,
    finished_at INTEGER,
    CHECK (finished_at IS NULL OR length(sha256) = 64)
) STRICT;

CREATE TRIGGER import_batch_once BEFORE UPDATE ON import_batch
WHEN OLD.finished_at IS NOT NULL
BEGIN
    SELECT RAISE(ABORT, 'a completed import batch cannot change');
END;

CREATE TRIGGER import_batch_kept BEFORE DELETE ON import_batch
BEGIN
    SELECT RAISE(ABORT, 'import batches are kept');
END;

-- The demands a batch recorded, with a digest (SHA-256) of the record each came from, so that a
-- later import of the same reference tells the same record (nothing to do) from a changed one (a
-- conflict, reported and left alone).
CREATE TABLE import_item (
    demand_id INTEGER PRIMARY KEY REFERENCES demand (id),
    batch_id  INTEGER NOT NULL REFERENCES import_batch (id),
    digest    BLOB NOT NULL CHECK (length(digest) = 32)
) STRICT;

CREATE TRIGGER import_item_no_update BEFORE UPDATE ON import_item
BEGIN
    SELECT RAISE(ABORT, 'import items are append-only');
END;
