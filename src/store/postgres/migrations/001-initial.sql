
CREATE TABLE instances (
  instance_id         TEXT PRIMARY KEY,
  name                TEXT NOT NULL,
  execution_id        TEXT NOT NULL,
  runtime_status      TEXT NOT NULL,
  input               TEXT,
  output              TEXT,
  custom_status       TEXT,
  failure             TEXT,
  created_at          BIGINT NOT NULL,
  updated_at          BIGINT NOT NULL,
  start_at            BIGINT NOT NULL,
  history_length      INTEGER NOT NULL DEFAULT 0,
  lease_owner         TEXT,
  lease_token         TEXT,
  lease_expires_at    BIGINT NOT NULL DEFAULT 0,
  stalled_code        TEXT,
  stalled_message     TEXT,
  stalled_since       BIGINT,
  stalled_at          BIGINT,
  parent_instance_id  TEXT,
  parent_execution_id TEXT,
  parent_seq          INTEGER
);
CREATE INDEX instances_by_created ON instances (created_at, instance_id);
CREATE INDEX instances_by_status ON instances (runtime_status, created_at);
CREATE INDEX instances_by_lease_token ON instances (lease_token) WHERE lease_token IS NOT NULL;
CREATE INDEX instances_by_parent ON instances (parent_instance_id) WHERE parent_instance_id IS NOT NULL;

CREATE TABLE history_segments (
  instance_id    TEXT NOT NULL,
  first_position INTEGER NOT NULL,
  events         TEXT NOT NULL,
  PRIMARY KEY (instance_id, first_position)
);

CREATE TABLE inbox (
  id          BIGSERIAL PRIMARY KEY,
  instance_id TEXT NOT NULL,
  type        TEXT NOT NULL,
  seq         INTEGER,
  message     TEXT NOT NULL,
  visible_at  BIGINT NOT NULL
);
CREATE INDEX inbox_by_visible ON inbox (visible_at);
CREATE INDEX inbox_by_instance ON inbox (instance_id, visible_at, id);

CREATE TABLE activity_tasks (
  id                BIGSERIAL PRIMARY KEY,
  instance_id       TEXT NOT NULL,
  execution_id      TEXT NOT NULL,
  seq               INTEGER NOT NULL,
  name              TEXT NOT NULL,
  input             TEXT,
  attempt           INTEGER NOT NULL,
  idempotency_key   TEXT NOT NULL,
  retry             TEXT,
  first_visible_at  BIGINT NOT NULL,
  visible_at        BIGINT NOT NULL,
  lease_owner       TEXT,
  lease_token       TEXT,
  lease_expires_at  BIGINT NOT NULL DEFAULT 0,
  last_error        TEXT,
  timeout_ms        BIGINT,
  heartbeat_details TEXT
);
CREATE INDEX activity_tasks_by_visible ON activity_tasks (name, visible_at);
CREATE INDEX activity_tasks_by_instance ON activity_tasks (instance_id);
CREATE INDEX activity_tasks_by_lease_token ON activity_tasks (lease_token) WHERE lease_token IS NOT NULL;

CREATE TABLE functions (
  kind         TEXT NOT NULL,
  name         TEXT NOT NULL,
  announced_by TEXT NOT NULL,
  announced_at BIGINT NOT NULL,
  PRIMARY KEY (kind, name)
);

CREATE TABLE workers (
  worker_id      TEXT PRIMARY KEY,
  activities     TEXT NOT NULL,
  orchestrations TEXT NOT NULL,
  heartbeat_at   BIGINT NOT NULL,
  lease_ms       BIGINT NOT NULL
);
