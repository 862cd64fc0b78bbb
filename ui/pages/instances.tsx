/**
 * Instances: the filter (kept in the URL), counts per status, one page of instances newest
 * first with paging by continuation token, kept current from the stream while it is shown.
 */
import { useEffect, useRef, useState } from "preact/hooks";
import { api, RUNTIME_STATUSES, subscribe, type Counts, type InstanceFilter } from "../api.js";
import { ErrorLine, StatusBadge, When } from "../components/common.js";
import { FilterForm } from "../components/filter-form.js";
import { navigate, useLoad } from "../hooks.js";
import { applyChanges, type ListedInstance } from "../view-models/live-list.js";
import { routeHash } from "../view-models/route.js";

const PAGE_SIZE = 50;
/** Counts are read again after changes at most this often. */
const COUNTS_REFRESH_MS = 2000;

export function InstancesPage({ filter }: { filter: InstanceFilter }) {
  const filterKey = routeHash({ page: "instances", filter });
  // tokens[i] is the continuation token of page i (undefined for the first); they belong to
  // the filter they were read with, and a new filter starts again from its first page.
  const [paging, setPaging] = useState<{ filterKey: string; tokens: (string | undefined)[] }>({ filterKey, tokens: [undefined] });
  const tokens = paging.filterKey === filterKey ? paging.tokens : [undefined];
  const setTokens = (next: (string | undefined)[]): void => setPaging({ filterKey, tokens: next });
  const pageIndex = tokens.length - 1;
  const [loaded, reload] = useLoad(() => api.list(filter, PAGE_SIZE, tokens[pageIndex]), [filterKey, pageIndex]);
  const [rows, setRows] = useState<ListedInstance[]>([]);
  const [live, setLive] = useState<boolean>();
  const wasLive = useRef<boolean>();
  const counts = useCounts(filter, filterKey);

  useEffect(() => {
    if (loaded.state === "ok") setRows(loaded.value.instances);
  }, [loaded]);
  useEffect(
    () =>
      subscribe({
        connection: (open) => {
          // Changes made while the stream was down are not replayed: read the page again.
          if (open && wasLive.current === false) {
            reload();
            counts.refreshSoon();
          }
          wasLive.current = open;
          setLive(open);
        },
        instances: (changes) => {
          setRows((current) => applyChanges(current, changes, { filter, firstPage: pageIndex === 0, pageSize: PAGE_SIZE }));
          counts.refreshSoon();
        },
      }),
    [filterKey, pageIndex],
  );

  const next = loaded.state === "ok" ? loaded.value.continuationToken : null;
  return (
    <section aria-labelledby="instances-title">
      <h1 id="instances-title">Instances</h1>
      <FilterForm filter={filter} onChange={(next) => navigate({ page: "instances", filter: next }, { replace: true })} />
      <p>
        <a class="button" href={routeHash({ page: "bulk", filter })}>
          Act on all that match…
        </a>
      </p>
      <CountsBar counts={counts.value} filter={filter} />
      <p class="live" aria-live="polite">
        {live === undefined ? "○ Connecting…" : live ? "● Live" : "○ Not live (reconnecting)"}
      </p>
      {loaded.state === "error" ? <ErrorLine error={loaded.error} /> : null}
      <table class="instances">
        <thead>
          <tr>
            <th scope="col">Instance</th>
            <th scope="col">Orchestration</th>
            <th scope="col">Status</th>
            <th scope="col">Created</th>
            <th scope="col">Updated</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((row) => (
            <tr key={row.instanceId} data-instance-id={row.instanceId}>
              <td>
                <a href={routeHash({ page: "instance", instanceId: row.instanceId })}>{row.instanceId}</a>
              </td>
              <td>{row.name}</td>
              <td>
                <StatusBadge status={row.runtimeStatus} />
              </td>
              <td>
                <When iso={row.createdAt} />
              </td>
              <td>
                <When iso={row.lastUpdatedAt} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {loaded.state === "ok" && rows.length === 0 ? <p class="empty">No instance matches.</p> : null}
      <nav class="pager" aria-label="Pages of instances">
        <button type="button" disabled={pageIndex === 0} onClick={() => setTokens([undefined])}>
          First
        </button>
        <button type="button" disabled={pageIndex === 0} onClick={() => setTokens(tokens.slice(0, -1))}>
          Previous
        </button>
        <span>Page {pageIndex + 1}</span>
        <button type="button" disabled={!next} onClick={() => next && setTokens([...tokens, next])}>
          Next
        </button>
      </nav>
    </section>
  );
}

function useCounts(filter: InstanceFilter, filterKey: string): { value: Counts | undefined; refreshSoon: () => void } {
  const [value, setValue] = useState<Counts>();
  const timer = useRef<number>();
  const load = (): void => void api.counts(filter).then(setValue, () => setValue(undefined));
  useEffect(() => {
    load();
    return () => clearTimeout(timer.current);
  }, [filterKey]);
  return {
    value,
    refreshSoon: () => {
      if (timer.current === undefined) {
        timer.current = window.setTimeout(() => {
          timer.current = undefined;
          load();
        }, COUNTS_REFRESH_MS);
      }
    },
  };
}

function CountsBar({ counts, filter }: { counts: Counts | undefined; filter: InstanceFilter }) {
  if (!counts) return null;
  const selected = new Set(filter.runtimeStatus ?? []);
  return (
    <ul class="counts" aria-label="Instances per status">
      {RUNTIME_STATUSES.map((status) => (
        <li key={status}>
          <a
            href={routeHash({ page: "instances", filter: { ...filter, runtimeStatus: selected.has(status) ? [] : [status] } })}
            aria-pressed={selected.has(status)}
            class={`count status-${status}`}
            data-status={status}
          >
            <span>{status}</span>
            <strong>
              {counts.counts[status]}
              {counts.capped ? "+" : ""}
            </strong>
          </a>
        </li>
      ))}
    </ul>
  );
}
