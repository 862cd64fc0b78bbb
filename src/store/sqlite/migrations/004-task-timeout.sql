
ALTER TABLE activity_tasks ADD COLUMN timeout_ms INTEGER;
