/**
 * `baton replay-check`: saved histories (JSON files, or every matching instance of a store or
 * API) replayed against the functions a module exports, one line per instance. Any divergence
 * fails the command with REPLAY_DIVERGED, so a pipeline can stop a deploy on it.
 */
import { readFileSync } from "node:fs";
import { basename } from "node:path";
import { InvalidArgumentError } from "../errors.js";
import { checkReplay, type ReplayCheckResult, type SavedHistory } from "../testing/check-replay.js";
import { CommandError, type Admin, type Filter } from "./admin.js";
import { loadFunctions } from "./load-functions.js";

/** Instances read from a store per page. */
const PAGE_SIZE = 100;

/**
 * The histories a file holds: a status with its history (`baton status`/`GET /api/instances/{id}`
 * with history), an array of them, or a bare history array (`baton history --json`), whose
 * instance id is then the file's name without `.json`.
 */
export function readHistoryFile(path: string): SavedHistory[] {
  let data: unknown;
  try {
    data = JSON.parse(readFileSync(path, "utf8"));
  } catch (error) {
    throw new InvalidArgumentError(`Cannot read the history file ${path}: ${(error as Error).message}. Save it with \`baton history <id> --json > <id>.json\`.`);
  }
  const isEntry = (item: unknown): boolean => typeof item === "object" && item !== null && "type" in item && "timestamp" in item;
  if (Array.isArray(data) && (data.length === 0 || data.every(isEntry))) return [{ instanceId: basename(path).replace(/\.json$/i, ""), history: data }];
  const list = Array.isArray(data) ? data : [data];
  for (const item of list) {
    if (typeof item !== "object" || item === null || !Array.isArray((item as SavedHistory).history)) {
      throw new InvalidArgumentError(`${path} holds neither a history nor an instance status with its history. Save it with \`baton history <id> --json\`.`);
    }
  }
  return list as SavedHistory[];
}

/** Every instance matching `filter`, with its history, page after page. */
export async function storeHistories(target: Admin, filter: Filter): Promise<SavedHistory[]> {
  const found: SavedHistory[] = [];
  let continuationToken: string | undefined;
  do {
    const page = await target.list({ ...filter, pageSize: PAGE_SIZE, ...(continuationToken ? { continuationToken } : {}) });
    for (const instance of page.instances) {
      const status = await target.status(instance.instanceId, true);
      if (status) found.push(status); // purged since the listing: nothing to check
    }
    continuationToken = page.continuationToken;
  } while (continuationToken);
  return found;
}

/** Replays `histories` against the functions `modulePath` exports; throws REPLAY_DIVERGED when any diverges. */
export async function replayCheck(
  modulePath: string,
  histories: () => Promise<SavedHistory[]>,
  print: (results: ReplayCheckResult[], human: () => string) => void,
): Promise<void> {
  const functions = await loadFunctions(modulePath, process.cwd());
  const results = await checkReplay(await histories(), { functions });
  print(results, () => (results.length === 0 ? "no instances" : results.map(resultLine).join("\n")));
  const diverged = results.filter((r) => !r.ok).length;
  if (diverged > 0) {
    throw new CommandError(
      "REPLAY_DIVERGED",
      `${diverged} of ${results.length} instance(s) do not replay on this code. Put the changes behind ctx.patched (docs/guides/changing-code.md) or keep the old code until they finish.`,
    );
  }
}

function resultLine(result: ReplayCheckResult): string {
  if (result.ok) return `ok        ${result.instanceId}  ${result.name}`;
  const { index, recorded, actual } = result.divergence;
  const what = [recorded.type, recorded.name === undefined ? "" : `"${recorded.name}"`, recorded.seq === undefined ? "" : `(step ${recorded.seq})`].filter(Boolean).join(" ");
  return `diverged  ${result.instanceId}  ${result.name}  event ${index}: history has ${what}, the code ${actual}`;
}
