/** A call may give its activity a per-attempt timeout of its own, stored with its task. */
export default /* sql */ `
ALTER TABLE activity_tasks ADD COLUMN timeout_ms INTEGER;
`;
