import initial from "./001-initial.js";
import hotLeaseUpdates from "./002-hot-lease-updates.js";
import segmentLeaseToken from "./003-segment-lease-token.js";

/** PostgreSQL migrations in order: version n is MIGRATIONS[n - 1]. */
export const MIGRATIONS: readonly string[] = [initial, hotLeaseUpdates, segmentLeaseToken];
