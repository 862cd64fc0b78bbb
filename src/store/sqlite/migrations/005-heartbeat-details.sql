
ALTER TABLE activity_tasks ADD COLUMN heartbeat_details TEXT;
