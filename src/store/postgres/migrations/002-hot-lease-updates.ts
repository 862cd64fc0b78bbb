/**
 * Leases change on every claim and every commit. An index on `instances.lease_token` made
 * each such UPDATE a non-HOT one (a new entry in every index of the table); renewals now find
 * their rows by instance id instead, so the index goes. Free space left in each page lets
 * those updates stay on their page (HOT: no index writes at all) when no indexed column
 * changes. `fillfactor` applies to pages written from now on.
 */
export default /* sql */ `
DROP INDEX instances_by_lease_token;
ALTER TABLE instances SET (fillfactor = 70);
`;
