ALTER TABLE instances ADD COLUMN awaited_events TEXT;
