ALTER TABLE instances ADD COLUMN trace_context TEXT;
ALTER TABLE activity_tasks ADD COLUMN trace_context TEXT;
