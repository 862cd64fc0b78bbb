/**
 * Workers: the live workers, the functions each hosts and its last heartbeat; per function,
 * the work ready to claim and how long the oldest has waited (from GET /api/metrics), and
 * which announced functions no live worker hosts; the throughput and queue-depth charts; the
 * slots in use and each activity's failure rate, for the serving process's workers. Refreshed when the stream says the worker
 * list changed, and the figures every few seconds while shown.
 */
import { useEffect } from "preact/hooks";
import { api, subscribe } from "../api.js";
import { duration, ErrorLine, When } from "../components/common.js";
import { useLoad } from "../hooks.js";
import { MetricsCharts } from "../charts/MetricsCharts.js";
import { parsePrometheusText } from "../view-models/metrics.js";
import { attemptFigures, readyWork, slotFigures, type SlotFigures } from "../view-models/ready-work.js";

const FIGURES_REFRESH_MS = 5000;

export function WorkersPage() {
  const [workers, reloadWorkers] = useLoad(() => api.workers(), []);
  const [functions, reloadFunctions] = useLoad(() => api.functions(), []);
  const [figures, reloadFigures] = useLoad(async () => {
    const samples = parsePrometheusText(await api.metricsText());
    return { ready: readyWork(samples), attempts: attemptFigures(samples), slots: slotFigures(samples) };
  }, []);
  useEffect(
    () =>
      subscribe({
        workers: () => {
          reloadWorkers();
          reloadFunctions();
        },
      }),
    [reloadWorkers, reloadFunctions],
  );
  useEffect(() => {
    const timer = setInterval(() => document.visibilityState === "visible" && reloadFigures(), FIGURES_REFRESH_MS);
    return () => clearInterval(timer);
  }, [reloadFigures]);

  const unhosted =
    functions.state === "ok" ? [...functions.value.orchestrations, ...functions.value.activities].filter((fn) => !fn.hosted) : [];
  return (
    <section aria-labelledby="workers-title">
      <h1 id="workers-title">Workers</h1>
      {workers.state === "error" ? <ErrorLine error={workers.error} /> : null}
      {workers.state === "ok" ? (
        <table class="workers">
          <thead>
            <tr>
              <th scope="col">Worker</th>
              <th scope="col">Orchestrations</th>
              <th scope="col">Activities</th>
              <th scope="col">Heartbeat</th>
              <th scope="col">Slots in use</th>
            </tr>
          </thead>
          <tbody>
            {workers.value.workers.map((worker) => (
              <tr key={worker.workerId}>
                <td>
                  <code>{worker.workerId}</code>
                </td>
                <td>{worker.orchestrations.join(", ") || "—"}</td>
                <td>{worker.activities.join(", ") || "—"}</td>
                <td>
                  <When iso={worker.heartbeatAt} /> (lease {duration(worker.leaseMs / 1000)})
                </td>
                <td>
                  <Slots figures={figures.state === "ok" ? figures.value.slots.get(worker.workerId) : undefined} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
      {workers.state === "ok" && workers.value.workers.length === 0 ? <p class="warning">No live worker: nothing runs until one starts.</p> : null}
      {unhosted.length ? (
        <p class="warning">
          Announced but hosted by no live worker: {unhosted.map((fn) => fn.name).join(", ")}. Their work waits until a worker hosting them starts.
        </p>
      ) : null}
      <h2>Throughput and queues</h2>
      <MetricsCharts fetchText={api.metricsText} />
      <h2>Ready work</h2>
      {figures.state === "error" ? <ErrorLine error={figures.error} /> : null}
      {figures.state === "ok" ? (
        figures.value.ready.length === 0 ? (
          <p>Nothing is waiting for a worker.</p>
        ) : (
          <table class="ready">
            <thead>
              <tr>
                <th scope="col">Function</th>
                <th scope="col">Queue</th>
                <th scope="col">Ready</th>
                <th scope="col">Oldest waited</th>
              </tr>
            </thead>
            <tbody>
              {figures.value.ready.map((row) => (
                <tr key={`${row.queue}/${row.function}`}>
                  <td>{row.function}</td>
                  <td>{row.queue}</td>
                  <td>{row.ready}</td>
                  <td>{duration(row.oldestAgeSeconds)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )
      ) : null}
      <h2>Activity attempts in this process</h2>
      {figures.state === "ok" ? (
        figures.value.attempts.length === 0 ? (
          <p>No activity attempt has run in the serving process yet.</p>
        ) : (
          <table class="attempts">
            <thead>
              <tr>
                <th scope="col">Activity</th>
                <th scope="col">Attempts</th>
                <th scope="col">Failed</th>
                <th scope="col">Failure rate</th>
              </tr>
            </thead>
            <tbody>
              {figures.value.attempts.map((row) => (
                <tr key={row.activity} data-activity={row.activity}>
                  <td>{row.activity}</td>
                  <td>{row.attempts}</td>
                  <td>{row.failed}</td>
                  <td>{(row.failureRate * 100).toFixed(1)} %</td>
                </tr>
              ))}
            </tbody>
          </table>
        )
      ) : null}
    </section>
  );
}

/** A worker's slots in use, known only for the workers of the serving process (others: —). */
function Slots({ figures }: { figures: SlotFigures | undefined }) {
  if (!figures) return <>—</>;
  return (
    <>
      {figures.episode.used}/{figures.episode.capacity} episodes, {figures.attempt.used}/{figures.attempt.capacity} attempts
    </>
  );
}
