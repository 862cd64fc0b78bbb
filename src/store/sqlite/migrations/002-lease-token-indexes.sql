
CREATE INDEX instances_by_lease_token ON instances (lease_token) WHERE lease_token IS NOT NULL;
CREATE INDEX activity_tasks_by_lease_token ON activity_tasks (lease_token) WHERE lease_token IS NOT NULL;
