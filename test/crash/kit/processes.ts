/**
 * Child processes for crash tests (see child-processes.ts): every child still running after a
 * test is SIGKILLed.
 */
import { afterEach } from "vitest";
// Imported first so that its afterEach (removing the test's directories) is registered first,
// and so runs last (vitest runs afterEach hooks in reverse): after the children writing into
// those directories have been killed below.
import "../../helpers/temp-store.js";
import { killAllChildren } from "./child-processes.js";

export * from "./child-processes.js";

afterEach(killAllChildren);
