
DROP INDEX instances_by_lease_token;
ALTER TABLE instances SET (fillfactor = 70);
