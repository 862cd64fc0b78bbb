/**
 * Each history segment records the lease token of the episode that wrote it. A commit whose
 * answer was lost and that is then retried finds its lease gone; its segment, with its token,
 * shows that the first attempt did commit, and the retry reports "ok" instead of a lost lease.
 */
export default /* sql */ `
ALTER TABLE history_segments ADD COLUMN lease_token TEXT;
`;
