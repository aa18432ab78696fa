-- 0001: the whole domain, and the workflow as data.
--
-- Times are integer seconds since 1970-01-01 UTC everywhere (columns ending in _at or _due).
-- Free text that came from outside is stored as given; it is neutralised when shown.
-- A CHECK names the allowed values as `col = 'a' OR col = 'b' ...`, never `col IN ('a', 'b', 'c')`:
-- for an IN list of three values or more SQLite builds a temporary table on every row written,
-- which doubles the cost of a bulk import.

-- Policy: deadlines and waiting periods, in days unless the key says otherwise.
CREATE TABLE policy (
    key         TEXT PRIMARY KEY,
    value       INTEGER NOT NULL CHECK (value >= 0),
    description TEXT NOT NULL
) STRICT;

INSERT INTO policy (key, value, description) VALUES
    ('redirect_days', 2, 'days from receipt to send the redirect letter'),
    ('review_days', 14, 'days from receipt to finish the review when the demand names no response date'),
    ('emergency_hours', 24, 'hours to answer an emergency demand that names no response date'),
    ('notice_wait_days', 7, 'days between the customer notice and disclosure'),
    ('preservation_days', 90, 'days a preservation request keeps data'),
    ('due_soon_days', 7, 'days ahead that `docket due` lists by default');

-- Who may act. Legal decisions need an attorney; an admin manages staff and may act for others.
CREATE TABLE staff (
    login      TEXT PRIMARY KEY,
    name       TEXT NOT NULL,
    role       TEXT NOT NULL CHECK (role = 'intake' OR role = 'attorney' OR role = 'admin'),
    active     INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    created_at INTEGER NOT NULL
) STRICT;

-- Data regions a customer may choose, and the countries whose law governs each.
CREATE TABLE region (
    name  TEXT PRIMARY KEY,
    label TEXT NOT NULL
) STRICT;

CREATE TABLE region_country (
    region  TEXT NOT NULL REFERENCES region (name),
    country TEXT NOT NULL,
    PRIMARY KEY (region, country)
) STRICT, WITHOUT ROWID;

INSERT INTO region (name, label) VALUES
    ('us-east', 'United States (East)'),
    ('us-west', 'United States (West)'),
    ('eu-west', 'European Union (Ireland, Netherlands)'),
    ('eu-central', 'European Union (Germany)'),
    ('uk-south', 'United Kingdom'),
    ('ca-central', 'Canada'),
    ('ap-southeast', 'Singapore'),
    ('ap-northeast', 'Japan'),
    ('au-east', 'Australia'),
    ('br-south', 'Brazil'),
    ('in-central', 'India');

INSERT INTO region_country (region, country) VALUES
    ('us-east', 'US'), ('us-west', 'US'),
    ('uk-south', 'GB'), ('ca-central', 'CA'), ('ap-southeast', 'SG'), ('ap-northeast', 'JP'),
    ('au-east', 'AU'), ('br-south', 'BR'), ('in-central', 'IN');

-- Both EU regions answer to the law of every EU member state.
INSERT INTO region_country (region, country)
    SELECT r.name, c.code
    FROM region AS r,
         (SELECT 'AT' AS code UNION ALL SELECT 'BE' UNION ALL SELECT 'BG' UNION ALL SELECT 'HR'
          UNION ALL SELECT 'CY' UNION ALL SELECT 'CZ' UNION ALL SELECT 'DK' UNION ALL SELECT 'EE'
          UNION ALL SELECT 'FI' UNION ALL SELECT 'FR' UNION ALL SELECT 'DE' UNION ALL SELECT 'GR'
          UNION ALL SELECT 'HU' UNION ALL SELECT 'IE' UNION ALL SELECT 'IT' UNION ALL SELECT 'LV'
          UNION ALL SELECT 'LT' UNION ALL SELECT 'LU' UNION ALL SELECT 'MT' UNION ALL SELECT 'NL'
          UNION ALL SELECT 'PL' UNION ALL SELECT 'PT' UNION ALL SELECT 'RO' UNION ALL SELECT 'SK'
          UNION ALL SELECT 'SI' UNION ALL SELECT 'ES' UNION ALL SELECT 'SE') AS c
    WHERE r.name IN ('eu-west', 'eu-central');

CREATE TABLE customer (
    id            INTEGER PRIMARY KEY,
    tenant        TEXT NOT NULL UNIQUE,
    name          TEXT NOT NULL,
    contact_name  TEXT NOT NULL DEFAULT '',
    contact_email TEXT NOT NULL DEFAULT '',
    contact_phone TEXT NOT NULL DEFAULT '',
    region        TEXT NOT NULL REFERENCES region (name),
    created_at    INTEGER NOT NULL
) STRICT;

CREATE TABLE requester (
    id           INTEGER PRIMARY KEY,
    name         TEXT NOT NULL,
    kind         TEXT NOT NULL CHECK (kind = 'law_enforcement' OR kind = 'government' OR kind = 'civil_litigant' OR kind = 'other'),
    agency       TEXT NOT NULL DEFAULT '',
    country      TEXT NOT NULL CHECK (length(country) = 2),
    subdivision  TEXT NOT NULL DEFAULT '',
    contact_name TEXT NOT NULL DEFAULT '',
    email        TEXT NOT NULL DEFAULT '',
    phone        TEXT NOT NULL DEFAULT '',
    UNIQUE (name, kind, agency, country, subdivision, email)
) STRICT;

-- The workflow as data.
CREATE TABLE state (
    name        TEXT PRIMARY KEY,
    terminal    INTEGER NOT NULL CHECK (terminal IN (0, 1)),
    description TEXT NOT NULL
) STRICT;

INSERT INTO state (name, terminal, description) VALUES
    ('received', 0, 'recorded, not yet acted on'),
    ('redirecting', 0, 'the requester is being redirected to the customer'),
    ('preserving', 0, 'a preservation request: data is kept, nothing is disclosed'),
    ('in_review', 0, 'an attorney is deciding whether the demand is valid, in scope and binding'),
    ('challenged', 0, 'the demand is being challenged'),
    ('notifying', 0, 'the customer is being told in advance of a disclosure'),
    ('disclosing', 0, 'data is being disclosed'),
    ('notice_owed', 0, 'disclosed under a non-disclosure order; the customer notice is owed when it ends'),
    ('closed', 1, 'finished, with an outcome');

CREATE TABLE outcome (
    name        TEXT PRIMARY KEY,
    description TEXT NOT NULL
) STRICT;

INSERT INTO outcome (name, description) VALUES
    ('redirected', 'the requester went to the customer'),
    ('withdrawn', 'the requester withdrew the demand'),
    ('rejected', 'refused as invalid, out of scope or not binding, or successfully challenged'),
    ('no_data', 'no data was found'),
    ('disclosed_content', 'content was disclosed'),
    ('disclosed_non_content', 'subscriber or other non-content data was disclosed'),
    ('preservation_expired', 'the preservation period ended'),
    ('superseded', 'the preservation request was followed by legal process');

CREATE TABLE instrument (
    name            TEXT PRIMARY KEY,
    compels_content INTEGER NOT NULL CHECK (compels_content IN (0, 1)),
    label           TEXT NOT NULL
) STRICT;

INSERT INTO instrument (name, compels_content, label) VALUES
    ('subpoena', 0, 'criminal subpoena'),
    ('court_order', 0, 'court order'),
    ('search_warrant', 1, 'search warrant'),
    ('emergency', 0, 'emergency request'),
    ('preservation', 0, 'preservation request'),
    ('mlat', 1, 'mutual legal assistance request'),
    ('national_security', 0, 'national security process'),
    ('civil_subpoena', 0, 'civil subpoena'),
    ('other', 0, 'other legal process');

-- An allowed move. outcome is '' unless to_state is closed. guard names the conditions the core
-- checks before it writes (space-separated); the trigger below checks only that the row exists.
CREATE TABLE transition (
    from_state     TEXT NOT NULL REFERENCES state (name),
    to_state       TEXT NOT NULL REFERENCES state (name),
    outcome        TEXT NOT NULL DEFAULT '',
    needs_attorney INTEGER NOT NULL DEFAULT 0 CHECK (needs_attorney IN (0, 1)),
    guard          TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (from_state, to_state, outcome),
    CHECK ((to_state = 'closed') = (outcome <> ''))
) STRICT, WITHOUT ROWID;

INSERT INTO transition (from_state, to_state, outcome, needs_attorney, guard) VALUES
    ('received', 'redirecting', '', 0, 'not_preservation'),
    ('received', 'in_review', '', 0, 'emergency'),
    ('received', 'preserving', '', 0, 'preservation'),
    ('received', 'closed', 'withdrawn', 0, ''),
    ('received', 'closed', 'rejected', 1, ''),
    ('redirecting', 'in_review', '', 0, ''),
    ('redirecting', 'closed', 'redirected', 0, ''),
    ('redirecting', 'closed', 'withdrawn', 0, ''),
    ('in_review', 'challenged', '', 1, 'review_note'),
    ('in_review', 'notifying', '', 1, 'review_note no_order'),
    ('in_review', 'disclosing', '', 1, 'review_note verified order_in_force'),
    ('in_review', 'closed', 'rejected', 1, 'review_note'),
    ('in_review', 'closed', 'no_data', 1, 'review_note'),
    ('in_review', 'closed', 'withdrawn', 0, ''),
    ('challenged', 'in_review', '', 1, ''),
    ('challenged', 'closed', 'rejected', 1, ''),
    ('challenged', 'closed', 'withdrawn', 0, ''),
    ('notifying', 'disclosing', '', 1, 'verified notice_wait'),
    ('notifying', 'closed', 'withdrawn', 0, ''),
    ('disclosing', 'notice_owed', '', 1, 'order_on_record'),
    ('disclosing', 'closed', 'disclosed_content', 1, 'notice_settled'),
    ('disclosing', 'closed', 'disclosed_non_content', 1, 'notice_settled'),
    ('disclosing', 'closed', 'no_data', 1, 'notice_settled'),
    ('notice_owed', 'closed', 'disclosed_content', 1, 'notice_settled'),
    ('notice_owed', 'closed', 'disclosed_non_content', 1, 'notice_settled'),
    ('notice_owed', 'closed', 'no_data', 1, 'notice_settled'),
    ('preserving', 'closed', 'preservation_expired', 0, ''),
    ('preserving', 'closed', 'superseded', 0, '');

-- The case.
CREATE TABLE demand (
    id           INTEGER PRIMARY KEY,
    source       TEXT NOT NULL,
    reference    TEXT NOT NULL,
    received_at  INTEGER NOT NULL,
    channel      TEXT NOT NULL CHECK (channel = 'email' OR channel = 'portal' OR channel = 'mail' OR channel = 'fax' OR channel = 'in_person'),
    instrument   TEXT NOT NULL REFERENCES instrument (name),
    customer_id  INTEGER NOT NULL REFERENCES customer (id),
    requester_id INTEGER NOT NULL REFERENCES requester (id),
    response_due INTEGER,
    emergency    INTEGER NOT NULL DEFAULT 0 CHECK (emergency IN (0, 1)),
    cross_region INTEGER NOT NULL DEFAULT 0 CHECK (cross_region IN (0, 1)),
    process_flag INTEGER NOT NULL DEFAULT 0 CHECK (process_flag IN (0, 1)),
    assignee     TEXT REFERENCES staff (login),
    status       TEXT NOT NULL DEFAULT 'received' REFERENCES state (name),
    outcome      TEXT REFERENCES outcome (name),
    due_at       INTEGER,
    closed_at    INTEGER,
    version      INTEGER NOT NULL DEFAULT 1,
    created_at   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL,
    UNIQUE (source, reference),
    CHECK ((status = 'closed') = (outcome IS NOT NULL))
) STRICT;

CREATE INDEX demand_open_due ON demand (due_at, id) WHERE status <> 'closed';
CREATE INDEX demand_status_due ON demand (status, due_at);
CREATE INDEX demand_assignee_due ON demand (assignee, due_at) WHERE status <> 'closed';
CREATE INDEX demand_received ON demand (received_at);
CREATE INDEX demand_reference ON demand (reference);
CREATE INDEX demand_customer ON demand (customer_id);

CREATE TABLE demand_identifier (
    demand_id INTEGER NOT NULL REFERENCES demand (id),
    kind      TEXT NOT NULL CHECK (kind = 'account' OR kind = 'email' OR kind = 'ip' OR kind = 'phone'),
    value     TEXT NOT NULL,
    PRIMARY KEY (demand_id, kind, value)
) STRICT, WITHOUT ROWID;

CREATE INDEX identifier_value ON demand_identifier (value);

-- Scope: the categories requested, and later those actually disclosed.
CREATE TABLE demand_category (
    demand_id INTEGER NOT NULL REFERENCES demand (id),
    scope     TEXT NOT NULL CHECK (scope IN ('requested', 'disclosed')),
    category  TEXT NOT NULL CHECK (category = 'subscriber' OR category = 'non_content' OR category = 'content'),
    PRIMARY KEY (demand_id, scope, category)
) STRICT, WITHOUT ROWID;

-- A new demand starts at the start; any later state is reached through the transition table.
CREATE TRIGGER demand_starts_received BEFORE INSERT ON demand
WHEN NEW.status <> 'received' OR NEW.outcome IS NOT NULL
BEGIN
    SELECT RAISE(ABORT, 'a new demand must start in state received');
END;

CREATE TRIGGER demand_follows_workflow BEFORE UPDATE OF status, outcome ON demand
WHEN NEW.status IS NOT OLD.status OR NEW.outcome IS NOT OLD.outcome
BEGIN
    SELECT RAISE(ABORT, 'status change not allowed by the workflow')
    WHERE NOT EXISTS (SELECT 1 FROM transition AS t
                      WHERE t.from_state = OLD.status AND t.to_state = NEW.status
                        AND t.outcome = coalesce(NEW.outcome, ''));
END;

-- Non-disclosure (secrecy) orders. In force at time T when not lifted by T and, unless
-- indefinite, not expired by T.
CREATE TABLE nd_order (
    id         INTEGER PRIMARY KEY,
    demand_id  INTEGER NOT NULL REFERENCES demand (id),
    reference  TEXT NOT NULL,
    statute    TEXT NOT NULL DEFAULT '',
    issued_at  INTEGER,
    expires_at INTEGER,
    indefinite INTEGER NOT NULL DEFAULT 0 CHECK (indefinite IN (0, 1)),
    challenged INTEGER NOT NULL DEFAULT 0 CHECK (challenged IN (0, 1)),
    lifted_at  INTEGER,
    created_at INTEGER NOT NULL,
    UNIQUE (demand_id, reference),
    CHECK (NOT (indefinite = 1 AND expires_at IS NOT NULL))
) STRICT;

-- How the requester's identity was checked.
CREATE TABLE verification (
    id          INTEGER PRIMARY KEY,
    demand_id   INTEGER NOT NULL REFERENCES demand (id),
    method      TEXT NOT NULL CHECK (method = 'callback' OR method = 'email-domain' OR method = 'portal' OR method = 'supervisor'),
    note        TEXT NOT NULL DEFAULT '',
    verified_by TEXT NOT NULL REFERENCES staff (login),
    verified_at INTEGER NOT NULL
) STRICT;

CREATE INDEX verification_demand ON verification (demand_id);

-- Outgoing letters (the outbox). kind: redirect (to the requester), advance and delayed (to the
-- customer), digest (to staff). via: smtp for letters docket sends; letter, phone, email for
-- notices delivered by a person and recorded afterwards.
CREATE TABLE notice (
    id              INTEGER PRIMARY KEY,
    demand_id       INTEGER REFERENCES demand (id),
    kind            TEXT NOT NULL CHECK (kind = 'redirect' OR kind = 'advance' OR kind = 'delayed' OR kind = 'digest'),
    via             TEXT NOT NULL CHECK (via = 'smtp' OR via = 'letter' OR via = 'phone' OR via = 'email'),
    recipient       TEXT NOT NULL DEFAULT '',
    subject         TEXT NOT NULL DEFAULT '',
    body            TEXT NOT NULL DEFAULT '',
    message_id      TEXT UNIQUE,
    status          TEXT NOT NULL CHECK (status = 'queued' OR status = 'sending' OR status = 'sent' OR status = 'failed'),
    attempts        INTEGER NOT NULL DEFAULT 0,
    last_error      TEXT NOT NULL DEFAULT '',
    next_attempt_at INTEGER,
    created_at      INTEGER NOT NULL,
    sent_at         INTEGER,
    CHECK ((status = 'sent') = (sent_at IS NOT NULL))
) STRICT;

CREATE INDEX notice_demand ON notice (demand_id);
-- Only the outbox's pending letters: a lookup by demand must never be drawn to scan every sent one.
CREATE INDEX notice_pending ON notice (status, next_attempt_at) WHERE status IN ('queued', 'sending', 'failed');

-- Telling a customer what a court forbade us to tell is the worst failure here: refuse any
-- customer notice while an order on the demand is in force, now or at the notice's own time.
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

CREATE TRIGGER notice_gag_update BEFORE UPDATE OF status ON notice
WHEN NEW.kind IN ('advance', 'delayed') AND NEW.status IN ('sending', 'sent')
 AND EXISTS (SELECT 1 FROM nd_order AS o
             WHERE o.demand_id = NEW.demand_id
               AND (o.lifted_at IS NULL OR o.lifted_at > unixepoch())
               AND (o.indefinite = 1 OR o.expires_at IS NULL OR o.expires_at > unixepoch()))
BEGIN
    SELECT RAISE(ABORT, 'customer notice refused: a non-disclosure order is in force');
END;

-- The audit trail. changes is a JSON array of [field, old, new]. hash is the SHA-256 of the
-- previous event's hash and this event's content (see src/audit.c); the first event chains from
-- 32 zero bytes. Ids run 1, 2, 3... without gaps, so a deleted event is seen too.
CREATE TABLE event (
    id        INTEGER PRIMARY KEY,
    demand_id INTEGER REFERENCES demand (id),
    at        INTEGER NOT NULL,
    login     TEXT NOT NULL,
    actor     TEXT NOT NULL,
    action    TEXT NOT NULL,
    changes   TEXT NOT NULL DEFAULT '[]',
    note      TEXT NOT NULL DEFAULT '',
    hash      BLOB NOT NULL CHECK (length(hash) = 32)
) STRICT;

CREATE INDEX event_demand ON event (demand_id, id);

CREATE TRIGGER event_no_update BEFORE UPDATE ON event
BEGIN
    SELECT RAISE(ABORT, 'events are append-only');
END;

CREATE TRIGGER event_no_delete BEFORE DELETE ON event
BEGIN
    SELECT RAISE(ABORT, 'events are append-only');
END;
