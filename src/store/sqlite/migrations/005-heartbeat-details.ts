/** The details of an activity attempt's last heartbeat, handed to the next attempt. */
export default /* sql */ `
ALTER TABLE activity_tasks ADD COLUMN heartbeat_details TEXT;
`;
