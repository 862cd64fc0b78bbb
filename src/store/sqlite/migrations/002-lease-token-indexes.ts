/**
 * Leases are renewed and fenced by token: without these indexes every renewal scanned
 * every instance and task row, which grew with the store instead of with the work in flight.
 */
export default /* sql */ `
CREATE INDEX instances_by_lease_token ON instances (lease_token) WHERE lease_token IS NOT NULL;
CREATE INDEX activity_tasks_by_lease_token ON activity_tasks (lease_token) WHERE lease_token IS NOT NULL;
`;
