/**
 * What a client learns about the workers: the functions they announced, and what an instance
 * waits for that no running worker hosts (a worker runs while its last heartbeat is younger
 * than its lease).
 */

/** Statuses in which an instance waits for a worker to run it. */
export function waitsForWorkers(status: string): boolean {
  return status === "Pending" || status === "Running";
}

/** Workers' announcements (names as JSON arrays) and the instance's queued tasks, to what no one hosts. */
export function unhostedWork(
  instance: { name: string },
  liveWorkers: readonly { activities: string; orchestrations: string }[],
  queuedTaskNames: readonly string[],
): { orchestration?: string; activities: string[] } {
  const hosted = { activities: new Set<string>(), orchestrations: new Set<string>() };
  for (const worker of liveWorkers) {
    for (const name of JSON.parse(worker.activities) as string[]) hosted.activities.add(name);
    for (const name of JSON.parse(worker.orchestrations) as string[]) hosted.orchestrations.add(name);
  }
  return {
    ...(hosted.orchestrations.has(instance.name) ? {} : { orchestration: instance.name }),
    activities: queuedTaskNames.filter((name) => !hosted.activities.has(name)).sort(),
  };
}

/** Announced functions, by kind, in the order read. */
export function functionsByKind(rows: readonly { kind: string; name: string }[]): { activities: string[]; orchestrations: string[] } {
  return {
    activities: rows.filter((r) => r.kind === "activity").map((r) => r.name),
    orchestrations: rows.filter((r) => r.kind === "orchestration").map((r) => r.name),
  };
}
