import { createClient } from "../../src/index.js";
const c = await createClient({ store: process.argv[2]! });
for (const id of process.argv.slice(3)) { const s = await c.getStatus(id, { showHistory: true }); console.log(id, s?.runtimeStatus, JSON.stringify(s?.output)); for (const e of s?.history ?? []) console.log("  ", JSON.stringify(e).slice(0,250)); }
await c.close();
