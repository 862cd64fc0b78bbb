
CREATE TABLE instances (
  instance_id      TEXT PRIMARY KEY,
  name             TEXT NOT NULL,
  execution_id     TEXT NOT NULL,
  runtime_status   TEXT NOT NULL,
  input            TEXT,
  output           TEXT,
  custom_status    TEXT,
  failure          TEXT,
  created_at       INTEGER NOT NULL,
  updated_at       INTEGER NOT NULL,
  start_at         INTEGER NOT NULL,
  history_length   INTEGER NOT NULL DEFAULT 0,
  lease_owner      TEXT,
  lease_token      TEXT,
  lease_expires_at INTEGER NOT NULL DEFAULT 0,
  stalled_code     TEXT,
  stalled_message  TEXT,
  stalled_since    INTEGER,
  stalled_at       INTEGER
);
CREATE INDEX instances_by_created ON instances (created_at, instance_id);
CREATE INDEX instances_by_status ON instances (runtime_status, created_at);

CREATE TABLE history (
  instance_id TEXT NOT NULL,
  position    INTEGER NOT NULL,
  event       TEXT NOT NULL,
  PRIMARY KEY (instance_id, position)
) WITHOUT ROWID;

CREATE TABLE inbox (
  id          INTEGER PRIMARY KEY,
  instance_id TEXT NOT NULL,
  message     TEXT NOT NULL,
  visible_at  INTEGER NOT NULL
);
CREATE INDEX inbox_by_visible ON inbox (visible_at);
CREATE INDEX inbox_by_instance ON inbox (instance_id, visible_at);

CREATE TABLE activity_tasks (
  id               INTEGER PRIMARY KEY,
  instance_id      TEXT NOT NULL,
  execution_id     TEXT NOT NULL,
  seq              INTEGER NOT NULL,
  name             TEXT NOT NULL,
  input            TEXT,
  attempt          INTEGER NOT NULL,
  idempotency_key  TEXT NOT NULL,
  retry            TEXT,
  first_visible_at INTEGER NOT NULL,
  visible_at       INTEGER NOT NULL,
  lease_owner      TEXT,
  lease_token      TEXT,
  lease_expires_at INTEGER NOT NULL DEFAULT 0,
  last_error       TEXT
);
CREATE INDEX activity_tasks_by_visible ON activity_tasks (visible_at);
CREATE INDEX activity_tasks_by_instance ON activity_tasks (instance_id);

CREATE TABLE functions (
  kind         TEXT NOT NULL,
  name         TEXT NOT NULL,
  announced_by TEXT NOT NULL,
  announced_at INTEGER NOT NULL,
  PRIMARY KEY (kind, name)
) WITHOUT ROWID;
