-- 0009: the staff action covers changing staff too (docket staff deactivate, reactivate, role),
-- and a refusal says so.
UPDATE action SET label = 'adding or changing staff' WHERE name = 'staff';
