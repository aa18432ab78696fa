-- 0005: a demand waiting in notifying can go back to review.
--
-- A non-disclosure order may arrive after the attorney decided to tell the customer and before the
-- notice went out. The notice can then no longer be sent, and notifying led only to disclosing
-- (which waits for that notice) or to a withdrawal: the demand was stuck. Back in review, the
-- attorney decides again — disclosing under the order, challenging it, or rejecting — and the
-- letters still waiting are cancelled with the move.
INSERT INTO transition (from_state, to_state, outcome, needs_attorney, guard) VALUES
    ('notifying', 'in_review', '', 1, '');
