CREATE TABLE finished_counts (
  runtime_status TEXT NOT NULL,
  instances      BIGINT NOT NULL
);
INSERT INTO finished_counts (runtime_status, instances)
  SELECT runtime_status, count(*) FROM instances WHERE runtime_status IN ('Completed', 'Failed', 'Terminated') GROUP BY runtime_status;

-- The schema's search_path, fixed at creation: a trigger fires on whatever connection writes the
-- row, whose own search_path may not name this schema.
CREATE FUNCTION count_finished_instances() RETURNS trigger LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
BEGIN
  IF TG_OP <> 'INSERT' AND OLD.runtime_status IN ('Completed', 'Failed', 'Terminated') THEN
    INSERT INTO finished_counts (runtime_status, instances) VALUES (OLD.runtime_status, -1);
  END IF;
  IF TG_OP <> 'DELETE' AND NEW.runtime_status IN ('Completed', 'Failed', 'Terminated') THEN
    INSERT INTO finished_counts (runtime_status, instances) VALUES (NEW.runtime_status, 1);
  END IF;
  RETURN NULL;
END
$$;

CREATE TRIGGER finished_counts_on_insert_or_delete AFTER INSERT OR DELETE ON instances
  FOR EACH ROW EXECUTE FUNCTION count_finished_instances();
CREATE TRIGGER finished_counts_on_update AFTER UPDATE OF runtime_status ON instances
  FOR EACH ROW WHEN (OLD.runtime_status IS DISTINCT FROM NEW.runtime_status) EXECUTE FUNCTION count_finished_instances();
