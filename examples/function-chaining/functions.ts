/**
 * Function chaining: an orchestration calls activities one after another, each
 * `await` handing the baton to the next. If the process dies between two calls,
 * the orchestration resumes after the last completed one: finished calls are
 * replayed from the history, not run again.
 */
import { activity, orchestration } from "../../src/index.js";

/** An activity does the real work; here, a greeting. It may run on any worker. */
export const sayHello = activity("SayHello", async (city: string, actx) => {
  actx.log.info(`saying hello to ${city}`);
  return `Hello ${city}!`;
});

export const CITIES = ["Tokyo", "Seattle", "London"] as const;

/** Calls SayHello for each city in turn and returns the greetings in order. */
export const helloCities = orchestration("HelloCities", async (ctx) => {
  const greetings: string[] = [];
  for (const city of CITIES) {
    // Typed from the definition: the input must be a string, the result is a string.
    greetings.push(await ctx.callActivity(sayHello, city));
  }
  return greetings;
});

/** Everything a worker hosting this example needs to register. */
export const functions = [sayHello, helloCities];
