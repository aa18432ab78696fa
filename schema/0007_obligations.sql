-- 0007: the promises in one place, who may do what as a table, and a state the audit chain vouches
-- for.
--
-- What a demand owes its customer is derived by src/obligation.c from the demand's facts; the
-- rows below are the data it reads and the rules the database holds on its own, for every path
-- the code does not take (the sqlite3 shell included). docs/workflow.md says it in words.

-- Who may do what: each action, and the roles that may do it. The core asks this table; no role
-- check is written out in code.
CREATE TABLE action (
    name  TEXT PRIMARY KEY,
    label TEXT NOT NULL
) STRICT;

INSERT INTO action (name, label) VALUES
    ('add', 'recording a demand'),
    ('customer', 'adding a customer'),
    ('move', 'a routine move'),
    ('decide', 'a legal decision'),
    ('assign', 'assigning a demand'),
    ('note', 'adding a note'),
    ('order.record', 'recording or changing a non-disclosure order'),
    ('order.indefinite', 'marking an order indefinite'),
    ('order.lift', 'lifting an order'),
    ('order.review', 'recording the review of an order'),
    ('authenticate', 'recording how the requester was verified'),
    ('extend', 'extending a deadline'),
    ('notice.record', 'recording a customer notice given outside docket'),
    ('notice.edit', 'changing a customer notice'),
    ('letter.edit', 'changing a redirect letter or a digest'),
    ('send', 'sending the outbox'),
    ('staff', 'adding staff'),
    ('act_for', 'acting for another staff member'),
    ('demo', 'filling a database with demo demands');

CREATE TABLE permission (
    action TEXT NOT NULL REFERENCES action (name),
    role   TEXT NOT NULL CHECK (role = 'intake' OR role = 'attorney' OR role = 'admin'),
    PRIMARY KEY (action, role)
) STRICT, WITHOUT ROWID;

INSERT INTO permission (action, role)
    SELECT a.name, r.role
    FROM action AS a,
         (SELECT 'intake' AS role UNION ALL SELECT 'attorney' UNION ALL SELECT 'admin') AS r
    WHERE a.name IN ('add', 'customer', 'move', 'assign', 'note', 'letter.edit', 'send');
INSERT INTO permission (action, role)
    SELECT name, 'attorney' FROM action
    WHERE name IN ('decide', 'order.record', 'order.indefinite', 'order.lift', 'order.review', 'authenticate',
                   'extend', 'notice.record', 'notice.edit');
INSERT INTO permission (action, role)
    SELECT name, 'admin' FROM action WHERE name IN ('staff', 'act_for', 'demo');

-- Each move names the action it is (a routine move or a legal decision) instead of a flag. The
-- trigger on demand reads the table, so it goes while the table is rebuilt.
DROP TRIGGER demand_follows_workflow;

CREATE TABLE transition_new (
    from_state TEXT NOT NULL REFERENCES state (name),
    to_state   TEXT NOT NULL REFERENCES state (name),
    outcome    TEXT NOT NULL DEFAULT '',
    action     TEXT NOT NULL REFERENCES action (name) CHECK (action = 'move' OR action = 'decide'),
    guard      TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (from_state, to_state, outcome),
    CHECK ((to_state = 'closed') = (outcome <> ''))
) STRICT, WITHOUT ROWID;

INSERT INTO transition_new (from_state, to_state, outcome, action, guard)
    SELECT from_state, to_state, outcome, CASE WHEN needs_attorney = 1 THEN 'decide' ELSE 'move' END, guard
    FROM transition;
DROP TABLE transition;
ALTER TABLE transition_new RENAME TO transition;

-- National-security process is never redirected to the customer, and may go to review at once
-- as an emergency may; a preservation request never leaves its own path, emergency or not.
UPDATE transition SET guard = 'redirect' WHERE from_state = 'received' AND to_state = 'redirecting';
UPDATE transition SET guard = 'skip_redirect' WHERE from_state = 'received' AND to_state = 'in_review';

CREATE TRIGGER demand_follows_workflow BEFORE UPDATE OF status, outcome ON demand
WHEN NEW.status IS NOT OLD.status OR NEW.outcome IS NOT OLD.outcome
BEGIN
    SELECT RAISE(ABORT, 'status change not allowed by the workflow')
    WHERE NOT EXISTS (SELECT 1 FROM transition AS t
                      WHERE t.from_state = OLD.status AND t.to_state = NEW.status
                        AND t.outcome = coalesce(NEW.outcome, ''));
END;

-- In force takes the issue date into account (an order not issued yet is not in force): the
-- queue's under-order filter still reads it from the index alone.
DROP INDEX nd_order_force;
CREATE INDEX nd_order_force ON nd_order (demand_id, lifted_at, expires_at, indefinite, issued_at);

-- When an attorney last reviewed an order: an order without an end is listed for review
-- order_review_days after its issue (or its last review).
ALTER TABLE nd_order ADD COLUMN reviewed_at INTEGER;
INSERT INTO policy (key, value, description) VALUES
    ('order_review_days', 180, 'days after which an order without an end is listed for its review');

-- The demand's version, state and outcome after the change, recorded by every event on a demand
-- from now on and covered by its hash: `docket verify` compares them with the demand's row, so
-- that a state changed behind docket's back is named.
ALTER TABLE event ADD COLUMN version INTEGER;
ALTER TABLE event ADD COLUMN status TEXT;
ALTER TABLE event ADD COLUMN outcome TEXT;

-- When the demand's obligations next need a look (a notice that falls due as an order ends, an
-- order due for review, a notice owed with no letter): kept by src/obligation.c with every write
-- that can change them, so that `docket due` and the outbox's sweep read a few rows through this
-- index instead of deriving every demand's obligations. NULL: nothing will come due by itself.
ALTER TABLE demand ADD COLUMN watch_at INTEGER;
CREATE INDEX demand_watch ON demand (watch_at) WHERE watch_at IS NOT NULL;
UPDATE demand SET watch_at = 0
WHERE status IN ('notifying', 'disclosing', 'notice_owed')
   OR id IN (SELECT demand_id FROM nd_order)
   OR (status = 'closed' AND outcome IN ('disclosed_content', 'disclosed_non_content', 'no_data')
       AND NOT EXISTS (SELECT 1 FROM notice AS n WHERE n.demand_id = demand.id
                       AND n.kind IN ('advance', 'delayed') AND n.status = 'sent'));

-- The e-mail identifiers, by address in any case: the customer's addresses include every e-mail
-- its demands name.
CREATE INDEX identifier_email ON demand_identifier (value COLLATE NOCASE) WHERE kind = 'email';

-- Nothing reaches a customer while an order on its demand is in force: no customer notice, and no
-- letter of any kind to one of the customer's addresses (its contact e-mail, an e-mail one of its
-- demands names, an address at its contact's domain). In force at a time T: issued by T (when the
-- issue date is known), not lifted by T, not expired by T.
DROP TRIGGER notice_gag_insert;
DROP TRIGGER notice_gag_update;

CREATE TRIGGER notice_gag_insert BEFORE INSERT ON notice
WHEN NEW.demand_id IS NOT NULL
 AND (EXISTS (SELECT 1 FROM nd_order AS o
              WHERE o.demand_id = NEW.demand_id
                AND (o.issued_at IS NULL OR o.issued_at <= unixepoch())
                AND (o.lifted_at IS NULL OR o.lifted_at > unixepoch())
                AND (o.indefinite = 1 OR o.expires_at IS NULL OR o.expires_at > unixepoch()))
      AND (NEW.kind IN ('advance', 'delayed')
           OR EXISTS (SELECT 1 FROM demand AS d JOIN customer AS c ON c.id = d.customer_id
                      WHERE d.id = NEW.demand_id AND NEW.recipient <> ''
                        AND (lower(NEW.recipient) = lower(c.contact_email)
                             OR (instr(c.contact_email, '@') > 0 AND instr(NEW.recipient, '@') > 0
                                 AND lower(substr(NEW.recipient, instr(NEW.recipient, '@')))
                                     = lower(substr(c.contact_email, instr(c.contact_email, '@'))))
                             OR EXISTS (SELECT 1 FROM demand_identifier AS i JOIN demand AS d2 ON d2.id = i.demand_id
                                        WHERE i.kind = 'email' AND i.value = NEW.recipient COLLATE NOCASE
                                          AND d2.customer_id = c.id))))
      OR (NEW.kind IN ('advance', 'delayed')
          AND EXISTS (SELECT 1 FROM nd_order AS o
                      WHERE o.demand_id = NEW.demand_id
                        AND (o.issued_at IS NULL OR o.issued_at <= coalesce(NEW.sent_at, NEW.created_at))
                        AND (o.lifted_at IS NULL OR o.lifted_at > coalesce(NEW.sent_at, NEW.created_at))
                        AND (o.indefinite = 1 OR o.expires_at IS NULL
                             OR o.expires_at > coalesce(NEW.sent_at, NEW.created_at)))))
BEGIN
    SELECT RAISE(ABORT, 'refused: a non-disclosure order is in force: nothing may reach the customer');
END;

-- The same as a letter starts to be sent, is recorded as given by a person, is addressed anew or
-- is queued again; a customer notice recorded as given at a time inside an order's term too.
-- sending -> sent is let through: it records a delivery that already happened.
CREATE TRIGGER notice_gag_update BEFORE UPDATE OF status, sent_at, kind, demand_id, recipient ON notice
WHEN NEW.demand_id IS NOT NULL
 AND ((NEW.status = 'sending' AND OLD.status <> 'sending')
      OR (NEW.status = 'sent' AND OLD.status NOT IN ('sending', 'sent'))
      OR (NEW.status = 'queued' AND OLD.status = 'failed')
      OR (NEW.status IN ('queued', 'failed') AND NEW.recipient IS NOT OLD.recipient))
 AND ((EXISTS (SELECT 1 FROM nd_order AS o
               WHERE o.demand_id = NEW.demand_id
                 AND (o.issued_at IS NULL OR o.issued_at <= unixepoch())
                 AND (o.lifted_at IS NULL OR o.lifted_at > unixepoch())
                 AND (o.indefinite = 1 OR o.expires_at IS NULL OR o.expires_at > unixepoch()))
       AND (NEW.kind IN ('advance', 'delayed')
            OR EXISTS (SELECT 1 FROM demand AS d JOIN customer AS c ON c.id = d.customer_id
                       WHERE d.id = NEW.demand_id AND NEW.recipient <> ''
                         AND (lower(NEW.recipient) = lower(c.contact_email)
                              OR (instr(c.contact_email, '@') > 0 AND instr(NEW.recipient, '@') > 0
                                  AND lower(substr(NEW.recipient, instr(NEW.recipient, '@')))
                                      = lower(substr(c.contact_email, instr(c.contact_email, '@'))))
                              OR EXISTS (SELECT 1 FROM demand_identifier AS i JOIN demand AS d2 ON d2.id = i.demand_id
                                         WHERE i.kind = 'email' AND i.value = NEW.recipient COLLATE NOCASE
                                           AND d2.customer_id = c.id)))))
      OR (NEW.kind IN ('advance', 'delayed') AND NEW.status = 'sent'
          AND EXISTS (SELECT 1 FROM nd_order AS o
                      WHERE o.demand_id = NEW.demand_id
                        AND (o.issued_at IS NULL OR o.issued_at <= NEW.sent_at)
                        AND (o.lifted_at IS NULL OR o.lifted_at > NEW.sent_at)
                        AND (o.indefinite = 1 OR o.expires_at IS NULL OR o.expires_at > NEW.sent_at))))
BEGIN
    SELECT RAISE(ABORT, 'refused: a non-disclosure order is in force: nothing may reach the customer');
END;

-- A redirect letter asks the requester to go to the customer: it goes only while its demand is
-- being redirected, never after the demand moved on (to review, to disclosure under an order).
CREATE TRIGGER notice_redirect_only_redirecting BEFORE UPDATE OF status ON notice
WHEN NEW.kind = 'redirect'
 AND ((NEW.status = 'sending' AND OLD.status <> 'sending') OR (NEW.status = 'sent' AND OLD.status NOT IN ('sending', 'sent')))
 AND (SELECT status FROM demand WHERE id = NEW.demand_id) IS NOT 'redirecting'
BEGIN
    SELECT RAISE(ABORT, 'refused: a redirect letter goes only while its demand is in redirecting');
END;

-- The digest lists every customer's demands: it is for staff, never for a customer's address.
CREATE TRIGGER notice_digest_insert BEFORE INSERT ON notice
WHEN NEW.kind = 'digest'
 AND (EXISTS (SELECT 1 FROM customer AS c
              WHERE lower(NEW.recipient) = lower(c.contact_email)
                 OR (instr(c.contact_email, '@') > 0 AND instr(NEW.recipient, '@') > 0
                     AND lower(substr(NEW.recipient, instr(NEW.recipient, '@')))
                         = lower(substr(c.contact_email, instr(c.contact_email, '@')))))
      OR EXISTS (SELECT 1 FROM demand_identifier AS i WHERE i.kind = 'email' AND i.value = NEW.recipient COLLATE NOCASE))
BEGIN
    SELECT RAISE(ABORT, 'refused: the digest is for staff, not for a customer''s address');
END;

CREATE TRIGGER notice_digest_update BEFORE UPDATE OF status, recipient ON notice
WHEN NEW.kind = 'digest'
 AND ((NEW.status = 'sending' AND OLD.status <> 'sending') OR NEW.recipient IS NOT OLD.recipient)
 AND (EXISTS (SELECT 1 FROM customer AS c
              WHERE lower(NEW.recipient) = lower(c.contact_email)
                 OR (instr(c.contact_email, '@') > 0 AND instr(NEW.recipient, '@') > 0
                     AND lower(substr(NEW.recipient, instr(NEW.recipient, '@')))
                         = lower(substr(c.contact_email, instr(c.contact_email, '@')))))
      OR EXISTS (SELECT 1 FROM demand_identifier AS i WHERE i.kind = 'email' AND i.value = NEW.recipient COLLATE NOCASE))
BEGIN
    SELECT RAISE(ABORT, 'refused: the digest is for staff, not for a customer''s address');
END;
