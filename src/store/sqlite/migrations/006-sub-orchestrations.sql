
ALTER TABLE instances ADD COLUMN parent_instance_id TEXT;
ALTER TABLE instances ADD COLUMN parent_execution_id TEXT;
ALTER TABLE instances ADD COLUMN parent_seq INTEGER;
CREATE INDEX instances_by_parent ON instances (parent_instance_id) WHERE parent_instance_id IS NOT NULL;
