
CREATE TABLE inbox_new (
  id          INTEGER PRIMARY KEY AUTOINCREMENT,
  instance_id TEXT NOT NULL,
  message     TEXT NOT NULL,
  visible_at  INTEGER NOT NULL
);
INSERT INTO inbox_new (id, instance_id, message, visible_at) SELECT id, instance_id, message, visible_at FROM inbox;
DROP TABLE inbox;
ALTER TABLE inbox_new RENAME TO inbox;
CREATE INDEX inbox_by_visible ON inbox (visible_at);
CREATE INDEX inbox_by_instance ON inbox (instance_id, visible_at);
