import initial from "./001-initial.js";
import leaseTokenIndexes from "./002-lease-token-indexes.js";
import historySegments from "./003-history-segments.js";
import taskTimeout from "./004-task-timeout.js";
import heartbeatDetails from "./005-heartbeat-details.js";
import subOrchestrations from "./006-sub-orchestrations.js";
import workers from "./007-workers.js";
import segmentLeaseToken from "./008-segment-lease-token.js";
import inboxIdsNeverReused from "./009-inbox-ids-never-reused.js";

/** Every migration in order; the schema version is the length of this list. */
export const MIGRATIONS: readonly string[] = [initial, leaseTokenIndexes, historySegments, taskTimeout, heartbeatDetails, subOrchestrations, workers, segmentLeaseToken, inboxIdsNeverReused];
