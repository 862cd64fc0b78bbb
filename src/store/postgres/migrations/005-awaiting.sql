ALTER TABLE instances ADD COLUMN awaiting TEXT;
