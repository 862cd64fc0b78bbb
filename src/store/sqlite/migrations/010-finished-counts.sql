CREATE TABLE finished_counts (
  runtime_status TEXT PRIMARY KEY,
  instances      INTEGER NOT NULL
) WITHOUT ROWID;
INSERT INTO finished_counts (runtime_status, instances)
  SELECT runtime_status, count(*) FROM instances WHERE runtime_status IN ('Completed', 'Failed', 'Terminated') GROUP BY runtime_status;

CREATE TRIGGER finished_counts_on_insert AFTER INSERT ON instances
  WHEN NEW.runtime_status IN ('Completed', 'Failed', 'Terminated')
BEGIN
  INSERT INTO finished_counts (runtime_status, instances) VALUES (NEW.runtime_status, 1)
    ON CONFLICT (runtime_status) DO UPDATE SET instances = instances + 1;
END;

CREATE TRIGGER finished_counts_on_delete AFTER DELETE ON instances
  WHEN OLD.runtime_status IN ('Completed', 'Failed', 'Terminated')
BEGIN
  UPDATE finished_counts SET instances = instances - 1 WHERE runtime_status = OLD.runtime_status;
END;

CREATE TRIGGER finished_counts_on_update AFTER UPDATE OF runtime_status ON instances
  WHEN OLD.runtime_status IS NOT NEW.runtime_status
    AND (OLD.runtime_status IN ('Completed', 'Failed', 'Terminated') OR NEW.runtime_status IN ('Completed', 'Failed', 'Terminated'))
BEGIN
  UPDATE finished_counts SET instances = instances - 1 WHERE runtime_status = OLD.runtime_status;
  INSERT INTO finished_counts (runtime_status, instances)
    SELECT NEW.runtime_status, 1 WHERE NEW.runtime_status IN ('Completed', 'Failed', 'Terminated')
    ON CONFLICT (runtime_status) DO UPDATE SET instances = instances + 1;
END;
