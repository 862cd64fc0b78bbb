/**
 * Each history segment records the lease token of the episode that wrote it, as on
 * PostgreSQL: an episode op committed again after it was applied is recognised as applied.
 */
export default /* sql */ `
ALTER TABLE history_segments ADD COLUMN lease_token TEXT;
`;
