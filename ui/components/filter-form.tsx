/** The instance filter's fields: statuses, orchestration name, id prefix, created range. Used by Instances and Bulk. */
import { RUNTIME_STATUSES, type InstanceFilter, type RuntimeStatus } from "../api.js";
import { isoToLocalInput, localInputToIso } from "../view-models/filters.js";

export function FilterForm({ filter, onChange }: { filter: InstanceFilter; onChange: (filter: InstanceFilter) => void }) {
  const apply = (change: Partial<InstanceFilter>): void => onChange({ ...filter, ...change });
  const statuses = new Set(filter.runtimeStatus ?? []);
  const toggle = (status: RuntimeStatus): void => {
    const next = new Set(statuses);
    if (next.has(status)) next.delete(status);
    else next.add(status);
    apply({ runtimeStatus: RUNTIME_STATUSES.filter((s) => next.has(s)) });
  };
  return (
    <form class="filters" aria-label="Filter instances" onSubmit={(event) => event.preventDefault()}>
      <fieldset>
        <legend>Status</legend>
        {RUNTIME_STATUSES.map((status) => (
          <label key={status} class="check">
            <input type="checkbox" name="status" value={status} checked={statuses.has(status)} onChange={() => toggle(status)} />
            {status}
          </label>
        ))}
      </fieldset>
      <div class="field">
        <label for="filter-name">Orchestration</label>
        <input id="filter-name" value={filter.name ?? ""} onChange={(e) => apply({ name: e.currentTarget.value.trim() })} />
      </div>
      <div class="field">
        <label for="filter-prefix">Id starts with</label>
        <input id="filter-prefix" value={filter.instanceIdPrefix ?? ""} onChange={(e) => apply({ instanceIdPrefix: e.currentTarget.value })} />
      </div>
      <div class="field">
        <label for="filter-from">Created from</label>
        <input id="filter-from" type="datetime-local" value={isoToLocalInput(filter.createdFrom)} onChange={(e) => apply({ createdFrom: localInputToIso(e.currentTarget.value) })} />
      </div>
      <div class="field">
        <label for="filter-to">Created before</label>
        <input id="filter-to" type="datetime-local" value={isoToLocalInput(filter.createdTo)} onChange={(e) => apply({ createdTo: localInputToIso(e.currentTarget.value) })} />
      </div>
    </form>
  );
}
