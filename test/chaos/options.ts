/**
 * The command line of `npm run chaos`:
 *   --minutes M         length of the fault phase per store (default 1; fractions allowed)
 *   --store S           sqlite, postgres or both (default both)
 *   --workers N         worker processes (default 4)
 *   --instances N       top-level instances started during the run (default 200 a minute)
 *   --seed S            the seed of the workload and fault plan (default: random, printed)
 *   --faults LIST       some of kill,stop,terminate,restart,diskfull,clients (default all)
 *   --load N            busy loops beside the workers (default 2)
 *   --lease-ms N        the workers' leaseMs (default 1000)
 *   --postgres-url URL  the PostgreSQL server (default $BATON_TEST_POSTGRES_URL, else the local test server)
 *   --restart-server    let the restart fault restart the default (shared) server; implied by
 *                       CI=true and by --postgres-url (a server of your own)
 */
import { FAULT_KINDS, type FaultKind } from "./faults.js";
import type { StoreKind } from "./stores.js";

export interface ChaosOptions {
  minutes: number;
  stores: StoreKind[];
  workers: number;
  instances: number;
  seed: number;
  faults: Set<FaultKind>;
  load: number;
  leaseMs: number;
  postgresUrl: string;
  mayRestartServer: boolean;
}

export const DEFAULT_POSTGRES_URL = process.env.BATON_TEST_POSTGRES_URL ?? "postgres://postgres@127.0.0.1:5432/test";

export function parseOptions(args: readonly string[], env: NodeJS.ProcessEnv): ChaosOptions {
  let minutes = 1;
  let stores: StoreKind[] = ["sqlite", "postgres"];
  let workers = 4;
  let instances: number | undefined;
  let seed = Math.floor(Math.random() * 2 ** 31);
  let faults = new Set<FaultKind>(FAULT_KINDS);
  let load = 2;
  let leaseMs = 1000;
  let postgresUrl: string | undefined;
  let restartServer = false;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    const text = (): string => {
      const value = args[++i];
      if (value === undefined) throw new Error(`${arg} needs a value`);
      return value;
    };
    const whole = (min: number): number => {
      const value = Number(text());
      if (!Number.isInteger(value) || value < min) throw new Error(`${arg} needs a whole number >= ${min}, got ${args[i]}`);
      return value;
    };
    if (arg === "--minutes") {
      minutes = Number(text());
      if (!(minutes > 0 && minutes <= 24 * 60)) throw new Error(`--minutes needs a number of minutes above 0, got ${args[i]}`);
    } else if (arg === "--store") {
      const store = text();
      if (store === "both") stores = ["sqlite", "postgres"];
      else if (store === "sqlite" || store === "postgres") stores = [store];
      else throw new Error(`--store takes sqlite, postgres or both, got ${store}`);
    } else if (arg === "--workers") workers = whole(1);
    else if (arg === "--instances") instances = whole(1);
    else if (arg === "--seed") seed = whole(0);
    else if (arg === "--load") load = whole(0);
    else if (arg === "--lease-ms") leaseMs = whole(500);
    else if (arg === "--postgres-url") postgresUrl = text();
    else if (arg === "--restart-server") restartServer = true;
    else if (arg === "--faults") faults = parseFaults(text());
    else throw new Error(`unknown option ${arg}; see the options in test/chaos/options.ts`);
  }
  return {
    minutes,
    stores,
    workers,
    instances: instances ?? Math.max(20, Math.round(200 * minutes)),
    seed,
    faults,
    load,
    leaseMs,
    postgresUrl: postgresUrl ?? DEFAULT_POSTGRES_URL,
    mayRestartServer: restartServer || postgresUrl !== undefined || env.CI === "true",
  };
}

function parseFaults(text: string): Set<FaultKind> {
  const faults = new Set<FaultKind>();
  for (const name of text.split(",").map((f) => f.trim()).filter((f) => f !== "")) {
    if (!FAULT_KINDS.includes(name as FaultKind)) throw new Error(`--faults: no fault "${name}"; there are ${FAULT_KINDS.join(", ")}`);
    faults.add(name as FaultKind);
  }
  return faults;
}
