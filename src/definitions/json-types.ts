/**
 * Payloads cross JSON (payload.ts), and these types say so at compile time:
 * - `Jsonified<T>`: what arrives when a `T` is sent. Outputs (of activities, orchestrations,
 *   children) are typed with it, because Baton chooses their type from the definition.
 * - `JsonInput<T, Where>`: `T` itself when a `T` survives JSON unchanged, else a string
 *   literal type that says what breaks and the fix. A type the user declares for what arrives
 *   (an activity's or orchestration's input parameter, an event's data) goes through it,
 *   because Baton cannot retype the user's annotation: declaring `Date` there would be a lie.
 */

type Primitive = string | number | boolean | null | undefined | void;
type AnyFunction = (...args: any[]) => unknown;
/** Values JSON.stringify leaves out of an object and turns into null inside an array. */
type Dropped = undefined | symbol | AnyFunction;

/**
 * The type a value of type `T` has after `JSON.parse(JSON.stringify(value))`, with Baton's one
 * exception: `undefined` at the top stays `undefined`. A Date (anything with `toJSON`) becomes
 * what `toJSON` returns, a Map or Set becomes `{}`, keys holding functions or `undefined` are
 * left out, such elements of arrays become `null`; `bigint` cannot be sent at all (never).
 *
 * @example
 * type Arrives = Jsonified<{ at: Date; tags: Set<string>; note?: string }>;
 * // { at: string; tags: Record<string, never>; note?: string }
 */
export type Jsonified<T> = unknown extends T
  ? T
  : T extends { toJSON(...args: any[]): infer R }
    ? Jsonified<R>
    : T extends Primitive
      ? T
      : T extends bigint | symbol | AnyFunction
        ? never
        : T extends ReadonlyMap<unknown, unknown> | ReadonlySet<unknown> | WeakMap<object, unknown> | WeakSet<object>
          ? Record<string, never>
          : T extends readonly unknown[]
            ? { [K in keyof T]: JsonifiedElement<T[K]> }
            : JsonifiedObject<T>;

type JsonifiedElement<E> = E extends Dropped ? null : Jsonified<E>;

/** Keys that may hold `undefined` arrive optional; keys that hold only dropped values do not arrive. */
type JsonifiedObject<T> = Flat<
  { [K in keyof T as KeptKey<T, K, false>]: Jsonified<T[K]> } & {
    [K in keyof T as KeptKey<T, K, true>]?: Jsonified<Exclude<T[K], undefined>>;
  }
>;
type KeptKey<T, K extends keyof T, Optional extends boolean> = K extends symbol
  ? never
  : [Exclude<T[K], Dropped>] extends [never]
    ? never
    : (undefined extends T[K] ? true : false) extends Optional
      ? K
      : never;
type Flat<T> = { [K in keyof T]: T[K] };

/** Where a problem was found, for the message: "" at the top, else " (at input.when)". */
type At<Path extends string> = Path extends `${string}.${string}` | `${string}[]` ? ` (at ${Path})` : "";
/** How deep JsonProblem looks into nested data; deeper levels are checked at run time only. */
type MaxDepth = 8;

/**
 * `never` when a `T` survives JSON unchanged, else a message (a string literal type) naming
 * what does not and where, starting from `Path` ("input", "data").
 */
export type JsonProblem<T, Path extends string = "input", Depth extends unknown[] = []> = unknown extends T
  ? never
  : Depth["length"] extends MaxDepth
    ? never
    : T extends Primitive
      ? never
      : T extends Date
        ? `Date does not survive JSON${At<Path>}: it arrives as an ISO string. Declare a string and send date.toISOString()`
        : T extends bigint
          ? `bigint cannot be sent as JSON${At<Path>}: declare a string or a number`
          : T extends symbol
            ? `a symbol cannot be sent as JSON${At<Path>}: declare a string`
            : T extends AnyFunction
              ? `a function cannot be sent as JSON${At<Path>}: a class instance arrives without its methods. Declare plain data`
              : T extends ReadonlyMap<unknown, unknown> | WeakMap<object, unknown>
                ? `Map does not survive JSON${At<Path>}: it arrives as {}. Declare a plain object and send Object.fromEntries(map)`
                : T extends ReadonlySet<unknown> | WeakSet<object>
                  ? `Set does not survive JSON${At<Path>}: it arrives as {}. Declare an array and send [...set]`
                  : T extends readonly (infer E)[]
                    ? JsonProblem<E, `${Path}[]`, [...Depth, 1]>
                    : {
                        [K in keyof T]-?: K extends string | number
                          ? JsonProblem<T[K], `${Path}.${K}`, [...Depth, 1]>
                          : `a symbol key cannot be sent as JSON${At<`${Path}.[symbol]`>}: use a string key`;
                      }[keyof T];

/** `T` when it survives JSON unchanged, else the message of JsonProblem (so a declaration of `T` fails to compile with it). */
export type JsonInput<T, Path extends string = "input"> = [JsonProblem<T, Path>] extends [never] ? T : JsonProblem<T, Path>;
