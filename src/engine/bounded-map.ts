/**
 * ctx.map: calls `fn` on every item with at most `concurrency` calls in flight, starting the
 * next item as a call finishes, and resolves with the results in item order. The first
 * failure rejects the map and starts no further call (calls in flight run on; their results
 * are dropped). The limit bounds a fan-out without the code counting its own calls.
 */
import { checkKeys } from "../definitions/options.js";
import { MAP_OPTION_KEYS, type MapOptions } from "../definitions/orchestration.js";
import { InvalidArgumentError } from "../errors.js";

export function boundedMap<T, R>(items: readonly T[], fn: (item: T, index: number) => PromiseLike<R>, options?: MapOptions): Promise<R[]> {
  // A bad argument rejects the map (as a bad concurrency does) rather than throwing from ctx.map.
  try {
    if (options !== undefined) checkKeys(options, MAP_OPTION_KEYS, "ctx.map");
  } catch (error) {
    return Promise.reject(error);
  }
  const concurrency = options?.concurrency ?? Infinity;
  if (!(concurrency >= 1) || (concurrency !== Infinity && !Number.isInteger(concurrency))) {
    return Promise.reject(new InvalidArgumentError(`ctx.map concurrency must be a whole number >= 1, got ${concurrency}.`));
  }
  return new Promise((resolve, reject) => {
    const results = new Array<R>(items.length);
    let started = 0;
    let finished = 0;
    let failed = false;
    const launch = (): void => {
      const index = started++;
      let call: PromiseLike<R>;
      try {
        call = fn(items[index]!, index);
      } catch (error) {
        failed = true;
        reject(error);
        return;
      }
      Promise.resolve(call).then(
        (value) => {
          results[index] = value;
          finished++;
          if (finished === items.length) resolve(results);
          else if (!failed && started < items.length) launch();
        },
        (error) => {
          failed = true;
          reject(error);
        },
      );
    };
    if (items.length === 0) resolve(results);
    while (!failed && started < Math.min(items.length, concurrency)) launch();
  });
}
