-- Every index is written at each insert and at each change of its columns;
-- this one only repeated another: a provider reference is as selective
-- alone (sessions_by_reference) as with its mode.
DROP INDEX sessions_by_mode_reference;
