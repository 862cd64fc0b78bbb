CREATE INDEX instances_by_updated ON instances (updated_at);
