/**
 * Events raised on the instance from outside. An event goes to the oldest wait for its name;
 * an event nobody waits on yet is buffered, in arrival order, and taken by the first later
 * wait for its name. Buffered events outlive the generation when it continues as new with
 * its unprocessed events preserved.
 */
import { deserialize } from "../definitions/payload.js";
import { DurableTask } from "./durable-task.js";
import type { InboxMessage } from "./history-event.js";
import { optional } from "./optional-field.js";

export class ExternalEvents {
  /** The code's waits on each event name, oldest first. */
  private readonly waiters = new Map<string, DurableTask<unknown>[]>();
  /** Events delivered before the code waited for them, in arrival order. */
  private readonly buffered: { name: string; data: string | undefined }[] = [];

  /** Delivers an event; true when it resumed a wait (so the code may run). */
  deliver(name: string, data: string | undefined): boolean {
    const waiting = this.waiters.get(name);
    const waiter = waiting?.shift();
    if (waiting?.length === 0) this.waiters.delete(name);
    if (waiter) {
      waiter.resolve(deserialize(data));
      return true;
    }
    this.buffered.push({ name, data });
    return false;
  }

  /** A task for the next event of this name: settled at once when one is buffered. */
  waitFor(name: string): DurableTask<unknown> {
    const task = new DurableTask<unknown>();
    const index = this.buffered.findIndex((event) => event.name === name);
    if (index >= 0) {
      task.resolve(deserialize(this.buffered.splice(index, 1)[0]!.data));
      return task;
    }
    const waiting = this.waiters.get(name) ?? [];
    waiting.push(task);
    this.waiters.set(name, waiting);
    // A wait that ends otherwise (its timeout) no longer takes events.
    task.then(undefined, () => this.removeWaiter(name, task));
    return task;
  }

  /** The names the code waits on now, each once, oldest wait first. */
  awaitedNames(): string[] {
    return [...this.waiters.keys()];
  }

  /** The events delivered and not yet taken by the code, as the messages that delivered them. */
  unprocessed(): InboxMessage[] {
    return this.buffered.map(({ name, data }) => ({ type: "EventRaised", name, ...optional("data", data) }));
  }

  private removeWaiter(name: string, task: DurableTask<unknown>): void {
    const waiting = this.waiters.get(name);
    if (!waiting) return;
    const index = waiting.indexOf(task);
    if (index >= 0) waiting.splice(index, 1);
    if (waiting.length === 0) this.waiters.delete(name);
  }
}
