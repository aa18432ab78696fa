-- 0003: the outbox. Letters docket drafts, queues and sends over SMTP (src/notice.c).
--
-- The notice table of 0001 is rebuilt (SQLite cannot change a CHECK in place) to add:
--   cancelled       a status for a letter that will never go out (the demand closed before it did,
--                   or a person withdrew it), kept rather than deleted;
--   recipient_name  the display name on the To: line;
--   template        where the letter's text came from (a file, or the built-in default);
--   version         bumped by every change, so that an edit made against an older copy is refused;
--   updated_at      the last change.
-- A notice via smtp is sent by `docket outbox send`; a notice via letter, phone or email is
-- delivered by a person (queued: waiting for them; sent: they recorded it).
-- Status: queued -> sending -> sent, or back to queued (a temporary failure, with last_error and
-- next_attempt_at), or failed (needs a person), or cancelled.
CREATE TABLE notice_new (
    id              INTEGER PRIMARY KEY,
    demand_id       INTEGER REFERENCES demand (id),
    kind            TEXT NOT NULL CHECK (kind = 'redirect' OR kind = 'advance' OR kind = 'delayed' OR kind = 'digest'),
    via             TEXT NOT NULL CHECK (via = 'smtp' OR via = 'letter' OR via = 'phone' OR via = 'email'),
    recipient       TEXT NOT NULL DEFAULT '',
    recipient_name  TEXT NOT NULL DEFAULT '',
    subject         TEXT NOT NULL DEFAULT '',
    body            TEXT NOT NULL DEFAULT '',
    template        TEXT NOT NULL DEFAULT '',
    message_id      TEXT UNIQUE,
    status          TEXT NOT NULL CHECK (status = 'queued' OR status = 'sending' OR status = 'sent' OR status = 'failed' OR status = 'cancelled'),
    attempts        INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    last_error      TEXT NOT NULL DEFAULT '',
    next_attempt_at INTEGER,
    version         INTEGER NOT NULL DEFAULT 1,
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER,
    sent_at         INTEGER,
    CHECK ((status = 'sent') = (sent_at IS NOT NULL)),
    CHECK ((kind = 'digest') = (demand_id IS NULL)),
    -- Only docket sends, and only what it can send: an e-mail address and a Message-ID.
    CHECK (via <> 'smtp' OR (recipient <> '' AND message_id IS NOT NULL)),
    CHECK (status <> 'sending' OR via = 'smtp')
) STRICT;

INSERT INTO notice_new (id, demand_id, kind, via, recipient, subject, body, message_id, status, attempts,
                        last_error, next_attempt_at, created_at, updated_at, sent_at)
    SELECT id, demand_id, kind, via, recipient, subject, body, message_id, status, attempts, last_error,
           next_attempt_at, created_at, created_at, sent_at
    FROM notice;

DROP TABLE notice;
ALTER TABLE notice_new RENAME TO notice;

CREATE INDEX notice_demand ON notice (demand_id);
-- Only the outbox's pending letters: a lookup by demand must never be drawn to scan every sent one.
CREATE INDEX notice_pending ON notice (status, next_attempt_at) WHERE status IN ('queued', 'sending', 'failed');

-- Telling a customer what a court forbade us to tell is the worst failure here. The code checks
-- it when a notice is queued and again as each send begins; these triggers hold the same rule for
-- every other path, the sqlite3 shell included.
--
-- No customer notice is queued or recorded while an order on the demand is in force, now or at the
-- notice's own time.
CREATE TRIGGER notice_gag_insert BEFORE INSERT ON notice
WHEN NEW.kind IN ('advance', 'delayed')
 AND EXISTS (SELECT 1 FROM nd_order AS o
             WHERE o.demand_id = NEW.demand_id
               AND (((o.lifted_at IS NULL OR o.lifted_at > unixepoch())
                     AND (o.indefinite = 1 OR o.expires_at IS NULL OR o.expires_at > unixepoch()))
                 OR ((o.lifted_at IS NULL OR o.lifted_at > coalesce(NEW.sent_at, NEW.created_at))
                     AND (o.indefinite = 1 OR o.expires_at IS NULL
                          OR o.expires_at > coalesce(NEW.sent_at, NEW.created_at)))))
BEGIN
    SELECT RAISE(ABORT, 'customer notice refused: a non-disclosure order is in force');
END;

-- No customer notice starts sending while an order is in force, and none is recorded as sent by a
-- person now or at a time inside an order's term. Every send passes through queued -> sending
-- (an interrupted one is put back in the queue first), so this is the gate right before the
-- message leaves. sending -> sent is let through: it records a delivery that already happened.
CREATE TRIGGER notice_gag_update BEFORE UPDATE OF status, sent_at, kind, demand_id ON notice
WHEN NEW.kind IN ('advance', 'delayed')
 AND ((NEW.status = 'sending' AND OLD.status <> 'sending')
      OR (NEW.status = 'sent' AND OLD.status NOT IN ('sending', 'sent')))
 AND EXISTS (SELECT 1 FROM nd_order AS o
             WHERE o.demand_id = NEW.demand_id
               AND (((o.lifted_at IS NULL OR o.lifted_at > unixepoch())
                     AND (o.indefinite = 1 OR o.expires_at IS NULL OR o.expires_at > unixepoch()))
                 OR (NEW.status = 'sent'
                     AND (o.lifted_at IS NULL OR o.lifted_at > NEW.sent_at)
                     AND (o.indefinite = 1 OR o.expires_at IS NULL OR o.expires_at > NEW.sent_at))))
BEGIN
    SELECT RAISE(ABORT, 'customer notice refused: a non-disclosure order is in force');
END;

-- A letter that went out is a record: it is not rewritten, and no letter is deleted.
CREATE TRIGGER notice_sent_is_final BEFORE UPDATE ON notice
WHEN OLD.status = 'sent'
BEGIN
    SELECT RAISE(ABORT, 'a sent notice cannot be changed');
END;

CREATE TRIGGER notice_no_delete BEFORE DELETE ON notice
BEGIN
    SELECT RAISE(ABORT, 'notices are kept: cancel one instead of deleting it');
END;

-- The Message-ID is fixed when the notice is queued, so that a resend after a crash is
-- recognisable as the same letter.
CREATE TRIGGER notice_message_id_fixed BEFORE UPDATE OF message_id ON notice
WHEN OLD.message_id IS NOT NULL AND NEW.message_id IS NOT OLD.message_id
BEGIN
    SELECT RAISE(ABORT, 'a notice keeps the Message-ID it was queued with');
END;

-- Whether the redirect letter gives the requester the customer's basic contact details, as the
-- privacy statement allows ("we may provide your basic contact information to the third party").
INSERT INTO policy (key, value, description) VALUES
    ('redirect_share_contact', 1,
     'the redirect letter gives the requester the customer''s contact details (1) or not (0)');
