-- 0006: the queue in id order, filtered by state or by assignee, read through an index in order.
--
-- 0004 left these two orders to a sort of every matching demand: 150 to 200 ms a page with 100,000
-- open demands in one state or of one assignee. An index on one column also holds the row's id
-- after it, so each of these keeps the open demands of a state (of an assignee) in id order.
CREATE INDEX demand_open_state_id ON demand (status) WHERE status <> 'closed';
CREATE INDEX demand_open_assignee_id ON demand (assignee) WHERE status <> 'closed';
