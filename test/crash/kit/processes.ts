/**
 * Child processes for crash tests (see child-processes.ts): every child still running after a
 * test is SIGKILLed.
 */
import { afterEach } from "vitest";
import { killAllChildren } from "./child-processes.js";

export * from "./child-processes.js";

afterEach(killAllChildren);
