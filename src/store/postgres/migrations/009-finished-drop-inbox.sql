-- Run as its own statement, the delete takes a snapshot of its own: it sees a message that a
-- sender committed while the ending update waited for the instance's lock, which the episode
-- statement's own delete, on the snapshot taken before that wait, does not.
CREATE FUNCTION drop_inbox_of_finished_instance() RETURNS trigger LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
BEGIN
  DELETE FROM inbox WHERE instance_id = NEW.instance_id;
  RETURN NULL;
END
$$;

CREATE TRIGGER finished_drop_inbox AFTER UPDATE OF runtime_status ON instances
  FOR EACH ROW WHEN (OLD.runtime_status IS DISTINCT FROM NEW.runtime_status AND NEW.runtime_status IN ('Completed', 'Failed', 'Terminated'))
  EXECUTE FUNCTION drop_inbox_of_finished_instance();
