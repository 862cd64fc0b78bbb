CREATE INDEX instances_by_id_bytes ON instances ((instance_id COLLATE "C"));
