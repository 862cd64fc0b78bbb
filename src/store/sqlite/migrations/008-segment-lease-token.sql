
ALTER TABLE history_segments ADD COLUMN lease_token TEXT;
