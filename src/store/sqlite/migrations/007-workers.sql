
CREATE TABLE workers (
  worker_id      TEXT PRIMARY KEY,
  activities     TEXT NOT NULL,
  orchestrations TEXT NOT NULL,
  heartbeat_at   INTEGER NOT NULL,
  lease_ms       INTEGER NOT NULL
);
