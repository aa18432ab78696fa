-- 0004: indexes for the terminal UI's queue (src/queue.c). Every order and filter the queue
-- offers reads its page through an index, so that a page costs the same at the top of a million
-- demands as deep inside them. The partial ones cover open demands only, a few percent of all.

-- Newest first, over open demands: all of them, those in one state, those of one assignee.
CREATE INDEX demand_open_received ON demand (received_at, id) WHERE status <> 'closed';
CREATE INDEX demand_open_id ON demand (id) WHERE status <> 'closed';
CREATE INDEX demand_open_state_received ON demand (status, received_at, id) WHERE status <> 'closed';
CREATE INDEX demand_open_assignee_received ON demand (assignee, received_at, id) WHERE status <> 'closed';

-- Search by requester name finds the requester, then its demands.
CREATE INDEX demand_requester ON demand (requester_id);

-- Whether an order is in force, read from the index alone: the queue's under-order filter and
-- count ask it for every open demand.
CREATE INDEX nd_order_force ON nd_order (demand_id, lifted_at, expires_at, indefinite);
