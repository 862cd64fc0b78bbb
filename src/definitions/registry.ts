import { InvalidArgumentError } from "../errors.js";
import type { ActivityDefinition } from "./activity.js";
import type { FunctionDefinition, OrchestrationDefinition } from "./orchestration.js";

/** The functions one process hosts, by name. */
export class Registry {
  readonly activities = new Map<string, ActivityDefinition<any, any>>();
  readonly orchestrations = new Map<string, OrchestrationDefinition<any, any>>();

  constructor(functions: readonly FunctionDefinition[] = []) {
    if (!Array.isArray(functions)) {
      throw new InvalidArgumentError("functions must be an array of activity() and orchestration() definitions.");
    }
    for (const fn of functions) this.add(fn);
  }

  add(fn: FunctionDefinition): void {
    if (!fn || (fn.kind !== "activity" && fn.kind !== "orchestration")) {
      throw new InvalidArgumentError(
        `functions contains ${JSON.stringify(fn)}, which is not a definition. Create definitions with activity() or orchestration().`,
      );
    }
    const map: Map<string, FunctionDefinition> = fn.kind === "activity" ? this.activities : this.orchestrations;
    const existing = map.get(fn.name);
    if (existing && existing !== fn) {
      throw new InvalidArgumentError(`Two different ${fn.kind} definitions are named "${fn.name}". Names must be unique.`);
    }
    map.set(fn.name, fn);
  }

  names(): { activities: string[]; orchestrations: string[] } {
    return { activities: [...this.activities.keys()], orchestrations: [...this.orchestrations.keys()] };
  }
}
