/**
 * startNew of a name no process knows rejects with NotRegisteredError, whose message points
 * to the name most likely meant: among the orchestrations this process registered and those
 * workers announced to the store. Nothing is written.
 */
import { afterEach, describe, expect, it } from "vitest";
import { activity, createBaton, createClient, NotRegisteredError, orchestration, type Baton, type BatonClient } from "../../src/index.js";
import { snapshotStore } from "../helpers/store-snapshot.js";
import { tempStoreUrl } from "../helpers/temp-store.js";

const quiet = { debug() {}, info() {}, warn() {}, error() {} };
const greet = activity("Greet", async (name: string) => `Hello ${name}`);
const hello = orchestration("Hello", async (ctx, name: string) => ctx.callActivity(greet, name));
const approveOrder = orchestration("ApproveOrder", async () => true);

const batons: Baton[] = [];
const clients: BatonClient[] = [];
afterEach(async () => {
  for (const client of clients.splice(0)) await client.close();
  for (const baton of batons.splice(0)) await baton.stop();
});

async function refusal(client: BatonClient, url: string, name: string): Promise<NotRegisteredError> {
  const before = await snapshotStore(url);
  const error = await client.startNew(name).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(NotRegisteredError);
  expect(await snapshotStore(url)).toEqual(before);
  return error as NotRegisteredError;
}

describe("startNew of an unknown name", () => {
  it("suggests the registered orchestration a typo meant", async () => {
    const url = tempStoreUrl();
    const baton = await createBaton({ store: url, functions: [greet, hello], logger: quiet });
    batons.push(baton);
    const error = await refusal(baton.client, url, "Helo");
    expect(error.message).toBe(
      'No orchestration named "Helo" is registered in this process or announced by a worker. Did you mean "Hello"? Add it to createBaton({ functions }) or check the spelling.',
    );
    expect((await refusal(baton.client, url, "hello")).message).toContain('Did you mean "Hello"?');
  });

  it("suggests a name announced by a worker, to a client that registers nothing", async () => {
    const url = tempStoreUrl();
    const worker = await createBaton({ store: url, functions: [approveOrder], logger: quiet });
    batons.push(worker);
    await worker.start(); // announces ApproveOrder to the store
    const client = await createClient({ store: url });
    clients.push(client);
    expect((await refusal(client, url, "ApprovOrder")).message).toContain('Did you mean "ApproveOrder"?');
  });

  it("says when the name is an activity's", async () => {
    const url = tempStoreUrl();
    const baton = await createBaton({ store: url, functions: [greet, hello], logger: quiet });
    batons.push(baton);
    expect((await refusal(baton.client, url, "Greet")).message).toContain('"Greet" is an activity, not an orchestration.');
  });

  it("suggests nothing when no name is close", async () => {
    const url = tempStoreUrl();
    const baton = await createBaton({ store: url, functions: [greet, hello], logger: quiet });
    batons.push(baton);
    const error = await refusal(baton.client, url, "ShipParcel");
    expect(error.message).not.toContain("Did you mean");
    expect(error.message).not.toContain("is an activity");
    // A short name allows fewer edits: "Hi" is not taken for "Hello".
    expect((await refusal(baton.client, url, "Hi")).message).not.toContain("Did you mean");
  });
});
