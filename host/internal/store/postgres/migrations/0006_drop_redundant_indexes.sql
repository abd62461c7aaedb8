-- Every index is written at each insert and at each change of its columns;
-- these two only repeated others: sessions_by_created_id (created_at, id)
-- serves whatever sessions_by_created (created_at) served, and a reference
-- is as selective alone (sessions_by_reference) as with its mode.
DROP INDEX sessions_by_created;
DROP INDEX sessions_by_mode_reference;
