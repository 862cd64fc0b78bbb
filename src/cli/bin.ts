#!/usr/bin/env node
/** The `baton` executable. Exits when the command is done, even if user code left timers behind. */
import { main } from "./main.js";

process.exit(await main(process.argv.slice(2)));
