/**
 * History is stored as segments: one row per commit, holding the events that commit appended
 * (a JSON array), keyed by the position of its first event. An episode that chains a hundred
 * inline steps writes one row instead of three hundred, and a replay reads a few rows.
 */
export default /* sql */ `
CREATE TABLE history_segments (
  instance_id    TEXT NOT NULL,
  first_position INTEGER NOT NULL,
  events         TEXT NOT NULL,
  PRIMARY KEY (instance_id, first_position)
) WITHOUT ROWID;
INSERT INTO history_segments (instance_id, first_position, events)
  SELECT instance_id, position, '[' || event || ']' FROM history;
DROP TABLE history;
`;
