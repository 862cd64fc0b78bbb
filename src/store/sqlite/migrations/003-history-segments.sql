
CREATE TABLE history_segments (
  instance_id    TEXT NOT NULL,
  first_position INTEGER NOT NULL,
  events         TEXT NOT NULL,
  PRIMARY KEY (instance_id, first_position)
) WITHOUT ROWID;
INSERT INTO history_segments (instance_id, first_position, events)
  SELECT instance_id, position, '[' || event || ']' FROM history;
DROP TABLE history;
