/**
 * Bulk: one action on every instance a filter matches. The count comes first (a dry run), the
 * confirmation states it, then the job's progress shows as it runs (from the stream, and by
 * asking while the stream is quiet). An empty filter is refused, as the API refuses it. The
 * replay check of the matching instances sits here too: the check to run before a deploy.
 */
import { useEffect, useState } from "preact/hooks";
import { api, INSTANCE_ACTIONS, subscribe, type BulkJob, type BulkRequest, type InstanceAction, type InstanceFilter } from "../api.js";
import { useCanAct } from "../app.js";
import { ActionFieldsForm, EMPTY_FIELDS, fieldsComplete, type ActionFields } from "../components/action-form.js";
import { ErrorLine } from "../components/common.js";
import { ConfirmDialog } from "../components/confirm-dialog.js";
import { FilterForm } from "../components/filter-form.js";
import { navigate } from "../hooks.js";
import { ACTION_LABELS, confirmationText, DESTRUCTIVE } from "../view-models/actions.js";
import { isEmptyFilter } from "../view-models/filters.js";
import { ReplayCheckWhere } from "./replay-check.js";

const PROGRESS_POLL_MS = 1000;

export function BulkPage({ filter }: { filter: InstanceFilter }) {
  const canAct = useCanAct();
  const [action, setAction] = useState<InstanceAction>("terminate");
  const [fields, setFields] = useState<ActionFields>(EMPTY_FIELDS);
  const [count, setCount] = useState<number>();
  const [jobId, setJobId] = useState<string>();
  const [error, setError] = useState<Error>();
  const [busy, setBusy] = useState(false);
  // The replay check writes nothing: it is offered in read-only mode too.
  if (!canAct) {
    return (
      <section aria-labelledby="bulk-title">
        <h1 id="bulk-title">Bulk</h1>
        <FilterForm filter={filter} onChange={(next) => navigate({ page: "bulk", filter: next }, { replace: true })} />
        <p>This dashboard is read-only: bulk actions are turned off.</p>
        <ReplayCheckWhere filter={filter} />
      </section>
    );
  }

  const body: BulkRequest = {
    action,
    filter,
    ...(fields.reason ? { reason: fields.reason } : {}),
    ...(action === "raiseEvent" ? { eventName: fields.eventName.trim(), ...(fields.eventData.ok && fields.eventData.value !== undefined ? { eventData: fields.eventData.value } : {}) } : {}),
  };
  const failed = (failure: Error): void => {
    setError(failure);
    setBusy(false);
  };
  return (
    <section aria-labelledby="bulk-title">
      <h1 id="bulk-title">Bulk action</h1>
      <FilterForm filter={filter} onChange={(next) => navigate({ page: "bulk", filter: next }, { replace: true })} />
      <div class="field">
        <label for="bulk-action">Action</label>
        <select id="bulk-action" value={action} onChange={(e) => setAction(e.currentTarget.value as InstanceAction)}>
          {INSTANCE_ACTIONS.map((a) => (
            <option key={a} value={a}>
              {ACTION_LABELS[a]}
            </option>
          ))}
        </select>
      </div>
      <ActionFieldsForm key={action} action={action} onChange={setFields} />
      {isEmptyFilter(filter) ? <p class="warning">Choose a filter first: an action on every instance is refused.</p> : null}
      {error ? <ErrorLine error={error} /> : null}
      <button
        type="button"
        class="primary"
        disabled={busy || isEmptyFilter(filter) || !fieldsComplete(action, fields)}
        onClick={() => {
          setBusy(true);
          setError(undefined);
          api.bulkCount(body).then(({ count: matched }) => {
            setCount(matched);
            setBusy(false);
          }, failed);
        }}
      >
        Count the matching instances…
      </button>
      {count !== undefined ? (
        <ConfirmDialog
          title={`${ACTION_LABELS[action]} ${count} instance${count === 1 ? "" : "s"}?`}
          confirmLabel={`${ACTION_LABELS[action]} ${count}`}
          danger={DESTRUCTIVE.has(action)}
          busy={busy || count === 0}
          onCancel={() => setCount(undefined)}
          onConfirm={() => {
            setBusy(true);
            api.bulkStart(body).then(({ jobId: started }) => {
              setCount(undefined);
              setBusy(false);
              setJobId(started);
            }, failed);
          }}
        >
          <p class="effect">{count === 0 ? "No instance matches: nothing to do." : confirmationText(action, { count }, fields.eventName)}</p>
          <p>Instances that stop matching before their turn are skipped; an instance that refuses the action is counted as failed.</p>
        </ConfirmDialog>
      ) : null}
      {jobId ? <BulkProgress jobId={jobId} /> : null}
      <ReplayCheckWhere filter={filter} />
    </section>
  );
}

function BulkProgress({ jobId }: { jobId: string }) {
  const [job, setJob] = useState<BulkJob>();
  const [error, setError] = useState<Error>();
  useEffect(() => {
    const stop = subscribe({ bulk: (update) => update.jobId === jobId && setJob(update) });
    // The stream may be late or lost: ask too, until the job is finished.
    let finished = false;
    const ask = (): void =>
      void api.bulkJob(jobId).then((answer) => {
        finished = answer.finished;
        setJob(answer);
      }, setError);
    ask();
    const timer = setInterval(() => !finished && ask(), PROGRESS_POLL_MS);
    return () => {
      stop();
      clearInterval(timer);
    };
  }, [jobId]);
  if (error) return <ErrorLine error={error} />;
  if (!job) return <p>Starting…</p>;
  return (
    <div class="bulk-progress" role="status" aria-live="polite">
      <progress max={job.total} value={job.done + job.failed} />
      <p>
        {ACTION_LABELS[job.action]}: {job.done} done, {job.failed} failed of {job.total}
        {job.finished ? " — finished." : "…"}
      </p>
      {job.errors.length ? (
        <ul class="errors">
          {job.errors.map((e) => (
            <li key={e.instanceId}>
              <code>{e.instanceId}</code> <code>{e.code}</code> {e.message}
            </li>
          ))}
        </ul>
      ) : null}
    </div>
  );
}
