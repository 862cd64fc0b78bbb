/**
 * Instance ids may hold "/" (ids built from a parent's: "order-7/item-3"). The client takes
 * them as they are; the HTTP API carries them percent-encoded (%2F) as one path segment, and
 * gives them so in its management URLs; the CLI encodes them for --url and passes them to the
 * store as they are.
 */
import { describe, expect, it } from "vitest";
import { EXIT, runBaton } from "../cli/cli-kit.js";
import { tempDir } from "../helpers/temp-store.js";
import { waitForStatus } from "../helpers/wait.js";
import { hello, json, serve, waiter } from "./http-kit.js";

const ID = "order-7/item-3";
const ENCODED = "order-7%2Fitem-3";

describe('an instance id with "/"', () => {
  it("works through the client", async () => {
    const { baton } = await serve();
    await baton.client.startNew(hello, { input: "Tokyo", instanceId: ID });
    await expect(baton.client.waitForCompletion(ID)).resolves.toMatchObject({ instanceId: ID, output: "Hello, Tokyo!" });
    await expect(baton.client.list({ instanceIdPrefix: "order-7/" })).resolves.toMatchObject({ instances: [{ instanceId: ID }] });
    await expect(baton.client.purge(ID)).resolves.toBe(true);
  });

  it("is one path segment of the HTTP API, percent-encoded", async () => {
    const served = await serve();
    const started = await served.api(`/api/orchestrators/Waiter/${ENCODED}`, json(null));
    expect(started.status).toBe(202);
    const body = (await started.json()) as { id: string; statusQueryGetUri: string; sendEventPostUri: string };
    expect(body.id).toBe(ID);
    expect(body.statusQueryGetUri).toBe(`${served.url}/api/instances/${ENCODED}`);
    expect(started.headers.get("location")).toBe(body.statusQueryGetUri);
    await waitForStatus(served.baton.client, ID, "Running");

    const status = await fetch(body.statusQueryGetUri);
    expect(status.status).toBe(202);
    expect(await status.json()).toMatchObject({ instanceId: ID, name: "Waiter" });
    // The unencoded path is another route: not this instance.
    expect((await served.api(`/api/instances/${ID}`)).status).toBe(404);

    const raised = await fetch(body.sendEventPostUri.replace("{eventName}", "Go"), json("now"));
    expect(raised.status).toBe(202);
    const done = await fetch(`${body.statusQueryGetUri}/wait?timeout=20s`);
    expect(await done.json()).toMatchObject({ instanceId: ID, runtimeStatus: "Completed", output: "now" });
    expect((await served.api(`/api/instances/${ENCODED}`, { method: "DELETE" })).status).toBe(200);
    expect(await served.baton.client.getStatus(ID)).toBeNull();
  });

  it("works through the CLI, over --url and on the store", async () => {
    const served = await serve();
    await served.baton.client.startNew(waiter, { instanceId: ID });
    await waitForStatus(served.baton.client, ID, "Running");
    const cwd = tempDir();
    const overApi = await runBaton(["status", ID, "--url", served.url, "--json"], { cwd });
    expect(overApi.code).toBe(EXIT.OK);
    expect(JSON.parse(overApi.stdout)).toMatchObject({ instanceId: ID, runtimeStatus: "Running" });
    const raised = await runBaton(["raise", ID, "Go", '"cli"', "--url", served.url], { cwd });
    expect(raised.code).toBe(EXIT.OK);
    await expect(served.baton.client.waitForCompletion(ID)).resolves.toMatchObject({ output: "cli" });
    const onStore = await runBaton(["status", ID, "--store", served.store, "--json"], { cwd });
    expect(onStore.code).toBe(EXIT.OK);
    expect(JSON.parse(onStore.stdout)).toMatchObject({ instanceId: ID, runtimeStatus: "Completed" });
  });
});
