/**
 * An instance id that remembers, at compile time only, what its orchestration returns, so that
 * `client.waitForCompletion(id)` and `client.getStatus(id)` type the output without a generic.
 */

declare const outputType: unique symbol;

/**
 * The id of an instance whose orchestration returns `Out`. At run time a plain string, and
 * usable wherever a string is; `client.startNew(definition)` gives one. An id from elsewhere
 * (a URL, `list()`) is a plain string: pass the definition too, `waitForCompletion(def, id)`.
 *
 * @example
 * const id = await client.startNew(hello, { input: "Tokyo" }); // InstanceId<string>
 * const done = await client.waitForCompletion(id); // done.output: string | undefined
 */
export type InstanceId<Out = unknown> = string & { readonly [outputType]?: Out };
