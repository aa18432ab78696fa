-- The customer's addresses, however they are written. An address reaches the customer when it is
-- the same mailbox as its contact e-mail or as an address one of its demands names (an
-- identifier of any kind holding an '@': "account:bob@example.com" names a mailbox too), or when
-- it is at the contact's domain or a subdomain of it. "The same mailbox" ignores case, a "+tag",
-- dots in the local part and a trailing dot in the domain: docket_address_reaches(), which docket
-- registers on every connection (src/address.c), decides it; a sqlite3 shell without it cannot
-- write to a letter's recipient, status or kind at all.
CREATE VIEW customer_mailbox AS
    SELECT c.id AS customer_id, c.contact_email AS address, 1 AS whole_domain
      FROM customer AS c WHERE instr(c.contact_email, '@') > 0
    UNION ALL
    SELECT d.customer_id, i.value, 0
      FROM demand_identifier AS i JOIN demand AS d ON d.id = i.demand_id
     WHERE instr(i.value, '@') > 0;

-- Nothing about a demand reaches its customer while an order on it is in force: no customer
-- notice, and no letter of any kind to one of the customer's addresses. In force at a time T:
-- issued by T (when the issue date is known), not lifted by T, not expired by T.
DROP TRIGGER notice_gag_insert;
DROP TRIGGER notice_gag_update;
DROP TRIGGER notice_digest_insert;
DROP TRIGGER notice_digest_update;

CREATE TRIGGER notice_gag_insert BEFORE INSERT ON notice
WHEN NEW.demand_id IS NOT NULL
 AND (EXISTS (SELECT 1 FROM nd_order AS o
              WHERE o.demand_id = NEW.demand_id
                AND (o.issued_at IS NULL OR o.issued_at <= unixepoch())
                AND (o.lifted_at IS NULL OR o.lifted_at > unixepoch())
                AND (o.indefinite = 1 OR o.expires_at IS NULL OR o.expires_at > unixepoch()))
      AND (NEW.kind IN ('advance', 'delayed')
           OR EXISTS (SELECT 1 FROM demand AS d JOIN customer_mailbox AS m ON m.customer_id = d.customer_id
                      WHERE d.id = NEW.demand_id AND docket_address_reaches(NEW.recipient, m.address, m.whole_domain)))
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
            OR EXISTS (SELECT 1 FROM demand AS d JOIN customer_mailbox AS m ON m.customer_id = d.customer_id
                       WHERE d.id = NEW.demand_id
                         AND docket_address_reaches(NEW.recipient, m.address, m.whole_domain))))
      OR (NEW.kind IN ('advance', 'delayed') AND NEW.status = 'sent'
          AND EXISTS (SELECT 1 FROM nd_order AS o
                      WHERE o.demand_id = NEW.demand_id
                        AND (o.issued_at IS NULL OR o.issued_at <= NEW.sent_at)
                        AND (o.lifted_at IS NULL OR o.lifted_at > NEW.sent_at)
                        AND (o.indefinite = 1 OR o.expires_at IS NULL OR o.expires_at > NEW.sent_at))))
BEGIN
    SELECT RAISE(ABORT, 'refused: a non-disclosure order is in force: nothing may reach the customer');
END;

-- The digest lists every customer's demands: it is for staff, never for a customer's address.
CREATE TRIGGER notice_digest_insert BEFORE INSERT ON notice
WHEN NEW.kind = 'digest'
 AND EXISTS (SELECT 1 FROM customer_mailbox AS m WHERE docket_address_reaches(NEW.recipient, m.address, m.whole_domain))
BEGIN
    SELECT RAISE(ABORT, 'refused: the digest is for staff, not for a customer''s address');
END;

CREATE TRIGGER notice_digest_update BEFORE UPDATE OF status, recipient ON notice
WHEN NEW.kind = 'digest'
 AND ((NEW.status = 'sending' AND OLD.status <> 'sending') OR NEW.recipient IS NOT OLD.recipient)
 AND EXISTS (SELECT 1 FROM customer_mailbox AS m WHERE docket_address_reaches(NEW.recipient, m.address, m.whole_domain))
BEGIN
    SELECT RAISE(ABORT, 'refused: the digest is for staff, not for a customer''s address');
END;

-- Replaced by customer_mailbox, which looks at every identifier with an @.
DROP INDEX identifier_email;
