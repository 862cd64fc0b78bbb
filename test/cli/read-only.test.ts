/** `baton start --read-only` (and BATON_HTTP_READ_ONLY): the API answers reads and refuses writes with 403 READ_ONLY. */
import { describe, expect, it } from "vitest";
import { tempDir } from "../helpers/temp-store.js";
import { EXIT, spawnBaton, writeFunctions } from "./cli-kit.js";

/** Generous: on a loaded machine one process may take half a minute to start. */
const TIMEOUT = 180_000;

describe("baton start --read-only", () => {
  it.each([
    ["the flag", ["start", "functions.ts", "--port", "0", "--read-only"], {}],
    ["BATON_HTTP_READ_ONLY", ["start", "functions.ts", "--port", "0"], { BATON_HTTP_READ_ONLY: "true" }],
  ] as const)(
    "by %s, serves reads and refuses a start with 403 READ_ONLY",
    async (_, args, env) => {
      const dir = tempDir("baton-cli-read-only-");
      writeFunctions(dir);
      const start = spawnBaton([...args], { cwd: dir, env });
      const api = await start.apiUrl();
      expect(await (await fetch(`${api}/api/info`)).json()).toMatchObject({ readOnly: true });
      const refused = await fetch(`${api}/api/orchestrators/Hello`, { method: "POST", body: '"Ada"' });
      expect(refused.status).toBe(403);
      expect(await refused.json()).toMatchObject({ code: "READ_ONLY" });
      expect((await fetch(`${api}/api/instances`)).status).toBe(200);
      start.signal("SIGTERM");
      expect((await start.exited).code).toBe(EXIT.OK);
    },
    TIMEOUT,
  );
});
