-- The transparency report's hand-built fixture: run with the sqlite3 shell on a database made by
-- `docket init`. Every demand is written with explicit times, moved through the workflow one
-- allowed transition at a time (the trigger checks each), so that every figure of the reports in
-- this directory can be worked out by hand from this file. The arithmetic is in the comments.
--
-- The main period is 2025Q3: [2025-07-01, 2025-10-01). Default as-of: 2025-09-30T23:59:59Z.
-- "Later" means --as-of 2025-12-31T23:59:59Z.

INSERT INTO staff (login, name, role, created_at) VALUES ('atty', 'Ada Attorney', 'attorney', unixepoch('2025-01-01'));

INSERT INTO customer (id, tenant, name, contact_email, region, created_at) VALUES
    (1, 'acme-eu', 'Acme Europe', 'legal@acme.example', 'eu-west', unixepoch('2025-01-01')),
    (2, 'zenith-us', 'Zenith US', 'counsel@zenith.example', 'us-east', unixepoch('2025-01-01'));

INSERT INTO requester (id, name, kind, agency, country, subdivision) VALUES
    (1, 'Det. Kay', 'law_enforcement', 'NYPD', 'US', 'NY'),
    (2, 'Referat 7', 'government', 'Bundesamt', 'DE', ''),
    (3, 'Counsel', 'civil_litigant', 'Baker LLP', 'US', 'CA'),
    (4, 'Garda Bureau', 'law_enforcement', 'Garda', 'IE', ''),
    (5, 'Registrar', 'other', 'Companies House', 'GB', ''),
    -- A country code no country has, as a database edited by hand might hold: it must come out
    -- escaped in every format (a formula in CSV, markup in HTML).
    (7, 'Odd', 'other', '', '=<', '');

-- Columns every demand below shares.
CREATE TEMP TABLE d0 (id INTEGER, ref TEXT, received TEXT, instrument TEXT, customer INTEGER,
                      requester INTEGER, emergency INTEGER, cross INTEGER, created TEXT);
INSERT INTO d0 VALUES
    -- 2025Q1 and Q2, for the trend and the Q2 report.
    (90, 'Q1-REDIRECT', '2025-02-01 09:00:00', 'subpoena', 2, 1, 0, 0, NULL),
    (91, 'Q2-SUBPOENA', '2025-05-05 09:00:00', 'subpoena', 2, 1, 0, 0, NULL),
    (92, 'Q2-PRESERVE', '2025-06-20 09:00:00', 'preservation', 2, 1, 0, 0, NULL),
    -- 2025Q3.
    (1, 'Q3-REDIRECT', '2025-07-02 09:00:00', 'subpoena', 2, 1, 0, 0, NULL),
    (2, 'Q3-WITHDRAWN', '2025-07-05 09:00:00', 'civil_subpoena', 2, 3, 0, 0, NULL),
    (3, 'Q3-REJECTED', '2025-07-10 09:00:00', 'court_order', 1, 2, 0, 0, NULL),
    (4, 'Q3-CHALLENGED', '2025-07-15 09:00:00', 'search_warrant', 1, 1, 0, 1, NULL),
    (5, 'Q3-NODATA', '2025-08-01 09:00:00', 'subpoena', 1, 4, 0, 0, NULL),
    (6, 'Q3-NONCONTENT', '2025-08-03 09:00:00', 'subpoena', 2, 4, 0, 1, NULL),
    (7, 'Q3-EMERGENCY', '2025-09-01 10:00:00', 'emergency', 2, 1, 1, 0, NULL),
    (8, 'Q3-EMERGENCY-REJ', '2025-09-05 10:00:00', 'emergency', 2, 4, 1, 1, NULL),
    (9, 'Q3-ORDER-ENDS-MID', '2025-07-03 09:00:00', 'search_warrant', 2, 1, 0, 0, NULL),
    (10, 'Q3-ORDER-INDEF', '2025-09-10 09:00:00', 'court_order', 2, 1, 0, 0, NULL),
    (11, 'Q3-CROSS-QUARTER', '2025-09-20 09:00:00', 'mlat', 2, 2, 0, 1, NULL),
    (12, 'Q3-LATE-ENTRY', '2025-09-29 09:00:00', 'subpoena', 1, 5, 0, 1, '2025-10-03 09:00:00'),
    (13, 'Q3-ORDER-NEXT-Q', '2025-08-20 09:00:00', 'search_warrant', 2, 1, 0, 0, NULL),
    (14, 'Q3-AFTER-PRESERVE', '2025-08-05 09:00:00', 'search_warrant', 2, 1, 0, 0, NULL),
    (15, 'Q3-AFTER-Q2-PRESERVE', '2025-07-08 09:00:00', 'search_warrant', 2, 1, 0, 0, NULL),
    (16, 'Q3-ODD-COUNTRY', '2025-09-12 09:00:00', 'other', 1, 7, 0, 0, NULL),
    (21, 'Q3-PRESERVE-WARRANT', '2025-07-20 09:00:00', 'preservation', 2, 1, 0, 0, NULL),
    (22, 'Q3-PRESERVE-EXPIRES', '2025-07-25 09:00:00', 'preservation', 2, 1, 0, 0, NULL),
    -- 2025Q4.
    (40, 'Q4-REDIRECT', '2025-10-05 09:00:00', 'subpoena', 2, 1, 0, 0, NULL);

INSERT INTO demand (id, source, reference, received_at, channel, instrument, customer_id, requester_id,
                    emergency, cross_region, created_at, updated_at)
    SELECT id, 'fixture', ref, unixepoch(received), 'email', instrument, customer, requester, emergency,
           cross, unixepoch(coalesce(created, received)), unixepoch(coalesce(created, received))
    FROM d0;

-- Identifiers: one each, and more where said. Q3 total (without 12): 15 demands + 5 = 20.
INSERT INTO demand_identifier (demand_id, kind, value) SELECT id, 'email', 'user' || id || '@example.com' FROM d0;
INSERT INTO demand_identifier (demand_id, kind, value) VALUES
    (1, 'ip', '203.0.113.1'),                                       -- demand 1: 2
    (4, 'ip', '203.0.113.4'), (4, 'account', 'acct-4'),             -- demand 4: 3
    (6, 'account', 'acct-6'),                                       -- demand 6: 2
    (10, 'account', 'acct-10');                                     -- demand 10: 2

-- Moves. Each UPDATE is one transition; closed_at is the time of the move to closed.
CREATE TEMP TABLE mv (seq INTEGER PRIMARY KEY, id INTEGER, status TEXT, outcome TEXT, at TEXT);
INSERT INTO mv (id, status, outcome, at) VALUES
    (90, 'redirecting', NULL, '2025-02-02 09:00:00'), (90, 'closed', 'redirected', '2025-02-05 09:00:00'),
    (91, 'redirecting', NULL, '2025-05-06 09:00:00'), (91, 'in_review', NULL, '2025-05-08 09:00:00'),
    (91, 'notifying', NULL, '2025-05-09 09:00:00'), (91, 'disclosing', NULL, '2025-05-18 09:00:00'),
    (91, 'closed', 'disclosed_non_content', '2025-05-20 09:00:00'),
    -- Q2's preservation request, superseded in Q3 by the warrant that is demand 15.
    (92, 'preserving', NULL, '2025-06-20 10:00:00'), (92, 'closed', 'superseded', '2025-07-08 09:00:00'),
    -- 1: redirected after 8 days.
    (1, 'redirecting', NULL, '2025-07-03 09:00:00'), (1, 'closed', 'redirected', '2025-07-10 09:00:00'),
    -- 2: withdrawn after 3 days.
    (2, 'closed', 'withdrawn', '2025-07-08 09:00:00'),
    -- 3: rejected after 20 days.
    (3, 'redirecting', NULL, '2025-07-11 09:00:00'), (3, 'in_review', NULL, '2025-07-20 09:00:00'),
    (3, 'closed', 'rejected', '2025-07-30 09:00:00'),
    -- 4: challenged successfully after 46 days.
    (4, 'redirecting', NULL, '2025-07-16 09:00:00'), (4, 'in_review', NULL, '2025-07-25 09:00:00'),
    (4, 'challenged', NULL, '2025-07-28 09:00:00'), (4, 'closed', 'rejected', '2025-08-30 09:00:00'),
    -- 5: no data after 10 days.
    (5, 'redirecting', NULL, '2025-08-02 09:00:00'), (5, 'in_review', NULL, '2025-08-05 09:00:00'),
    (5, 'closed', 'no_data', '2025-08-11 09:00:00'),
    -- 6: non-content disclosed after 17 days, the customer told first.
    (6, 'redirecting', NULL, '2025-08-04 09:00:00'), (6, 'in_review', NULL, '2025-08-08 09:00:00'),
    (6, 'notifying', NULL, '2025-08-09 09:00:00'), (6, 'disclosing', NULL, '2025-08-18 09:00:00'),
    (6, 'closed', 'disclosed_non_content', '2025-08-20 09:00:00'),
    -- 7: an emergency, content disclosed after 1 day.
    (7, 'in_review', NULL, '2025-09-01 11:00:00'), (7, 'notifying', NULL, '2025-09-01 11:30:00'),
    (7, 'disclosing', NULL, '2025-09-01 13:00:00'), (7, 'closed', 'disclosed_content', '2025-09-02 10:00:00'),
    -- 8: an emergency, rejected after 8 hours (0.3 days).
    (8, 'in_review', NULL, '2025-09-05 11:00:00'), (8, 'closed', 'rejected', '2025-09-05 18:00:00'),
    -- 9: disclosed under an order that ends mid-quarter; notice after it; content after 45 days.
    (9, 'redirecting', NULL, '2025-07-04 09:00:00'), (9, 'in_review', NULL, '2025-07-06 09:00:00'),
    (9, 'disclosing', NULL, '2025-07-10 09:00:00'), (9, 'notice_owed', NULL, '2025-07-11 09:00:00'),
    (9, 'closed', 'disclosed_content', '2025-08-17 09:00:00'),
    -- 10: disclosed under an indefinite order, still open.
    (10, 'redirecting', NULL, '2025-09-11 09:00:00'), (10, 'in_review', NULL, '2025-09-13 09:00:00'),
    (10, 'disclosing', NULL, '2025-09-15 09:00:00'), (10, 'notice_owed', NULL, '2025-09-16 09:00:00'),
    -- 11: received in Q3, closed in Q4 (no data, 20 days): pending in the Q3 report.
    (11, 'redirecting', NULL, '2025-09-21 09:00:00'), (11, 'in_review', NULL, '2025-09-25 09:00:00'),
    (11, 'closed', 'no_data', '2025-10-10 09:00:00'),
    -- 12: recorded on 2025-10-03 only, and never moved.
    -- 13: disclosed under an order that ends in Q4; the notice and the close follow in Q4 (89 days).
    (13, 'redirecting', NULL, '2025-08-21 09:00:00'), (13, 'in_review', NULL, '2025-08-23 09:00:00'),
    (13, 'disclosing', NULL, '2025-08-25 09:00:00'), (13, 'notice_owed', NULL, '2025-08-26 09:00:00'),
    (13, 'closed', 'disclosed_non_content', '2025-11-17 09:00:00'),
    -- 14: the warrant that followed preservation request 21; still being redirected.
    (14, 'redirecting', NULL, '2025-08-06 09:00:00'),
    -- 15: the warrant that followed Q2's preservation request 92; content after 17 days.
    (15, 'redirecting', NULL, '2025-07-09 09:00:00'), (15, 'in_review', NULL, '2025-07-12 09:00:00'),
    (15, 'notifying', NULL, '2025-07-14 09:00:00'), (15, 'disclosing', NULL, '2025-07-23 09:00:00'),
    (15, 'closed', 'disclosed_content', '2025-07-25 09:00:00'),
    -- 16: never moved.
    -- 21: preserved, then superseded by demand 14 within the quarter.
    (21, 'preserving', NULL, '2025-07-20 10:00:00'), (21, 'closed', 'superseded', '2025-08-05 09:00:00'),
    -- 22: preserved until the period ran out, in Q4.
    (22, 'preserving', NULL, '2025-07-25 10:00:00'), (22, 'closed', 'preservation_expired', '2025-10-23 10:00:00'),
    -- 40: Q4, redirected after 4 days.
    (40, 'redirecting', NULL, '2025-10-06 09:00:00'), (40, 'closed', 'redirected', '2025-10-09 09:00:00');

-- One UPDATE per move, in order: each row inserted into mv_go applies one move.
CREATE TEMP TABLE mv_go (seq INTEGER);
CREATE TEMP TRIGGER mv_apply AFTER INSERT ON mv_go
BEGIN
    UPDATE demand SET status = m.status, outcome = m.outcome,
        closed_at = CASE WHEN m.status = 'closed' THEN unixepoch(m.at) END,
        updated_at = unixepoch(m.at), version = version + 1
    FROM (SELECT * FROM mv WHERE seq = NEW.seq) AS m WHERE demand.id = m.id;
END;
INSERT INTO mv_go SELECT seq FROM mv ORDER BY seq;

-- Non-disclosure orders.
INSERT INTO nd_order (demand_id, reference, statute, issued_at, expires_at, indefinite, challenged, created_at) VALUES
    -- 9: ends 2025-08-15, mid-quarter.
    (9, 'NDO-9', '18 U.S.C. 2705(b)', unixepoch('2025-07-03 12:00:00'), unixepoch('2025-08-15 00:00:00'), 0, 0,
     unixepoch('2025-07-03 12:00:00')),
    -- 10: no end date, challenged.
    (10, 'NDO-10', '18 U.S.C. 2705(b)', unixepoch('2025-09-10 12:00:00'), NULL, 1, 1, unixepoch('2025-09-10 12:00:00')),
    -- 13: ends 2025-11-15, in force at the end of Q3.
    (13, 'NDO-13', '18 U.S.C. 2705(b)', unixepoch('2025-08-20 12:00:00'), unixepoch('2025-11-15 00:00:00'), 0, 0,
     unixepoch('2025-08-20 12:00:00'));

-- Customer notices. 6, 7, 15 and 91 were told in advance; 9 and 13 after their orders ended.
INSERT INTO notice (demand_id, kind, via, recipient, status, created_at, sent_at) VALUES
    (91, 'advance', 'email', 'counsel@zenith.example', 'sent', unixepoch('2025-05-09 10:00:00'), unixepoch('2025-05-09 10:00:00')),
    (6, 'advance', 'email', 'counsel@zenith.example', 'sent', unixepoch('2025-08-10 09:00:00'), unixepoch('2025-08-10 09:00:00')),
    (7, 'advance', 'phone', 'counsel@zenith.example', 'sent', unixepoch('2025-09-01 12:00:00'), unixepoch('2025-09-01 12:00:00')),
    (15, 'advance', 'email', 'counsel@zenith.example', 'sent', unixepoch('2025-07-15 09:00:00'), unixepoch('2025-07-15 09:00:00')),
    (9, 'delayed', 'email', 'counsel@zenith.example', 'sent', unixepoch('2025-08-16 09:00:00'), unixepoch('2025-08-16 09:00:00')),
    (13, 'delayed', 'email', 'counsel@zenith.example', 'sent', unixepoch('2025-11-16 09:00:00'), unixepoch('2025-11-16 09:00:00')),
    -- A redirect letter is not a customer notice.
    (1, 'redirect', 'email', 'kay@nypd.example', 'sent', unixepoch('2025-07-03 09:00:00'), unixepoch('2025-07-03 09:00:00'));

-- Exactly 250 national-security demands in Q3, two identifiers each (500), each under an
-- indefinite order that the order figures must not count.
INSERT INTO demand (id, source, reference, received_at, channel, instrument, customer_id, requester_id,
                    created_at, updated_at)
    WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 250)
    SELECT 1000 + i, 'fixture', printf('NS-%04d', i), unixepoch('2025-07-01 06:00:00') + i * 30000, 'mail',
           'national_security', 2, 2, unixepoch('2025-07-01 06:00:00') + i * 30000,
           unixepoch('2025-07-01 06:00:00') + i * 30000
    FROM n;
INSERT INTO demand_identifier (demand_id, kind, value)
    SELECT id, k.kind, 'ns-' || id || '-' || k.kind FROM demand, (SELECT 'account' AS kind UNION ALL SELECT 'email') AS k
    WHERE instrument = 'national_security';
INSERT INTO nd_order (demand_id, reference, issued_at, indefinite, created_at)
    SELECT id, 'NSL-' || id, received_at, 1, received_at FROM demand WHERE instrument = 'national_security';
