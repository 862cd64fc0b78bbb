/**
 * What a JSON editor's text means: nothing (empty: no input), a value, or why it is not JSON,
 * with the line and column when the browser's parser says where.
 */
export type JsonInput = { ok: true; value: unknown } | { ok: false; message: string };

export function parseJsonInput(text: string): JsonInput {
  if (text.trim() === "") return { ok: true, value: undefined };
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch (error) {
    return { ok: false, message: `Not valid JSON: ${(error as Error).message}${where(text, error as Error)}` };
  }
}

/** " (line L, column C)" from a parser message naming a position, when it does not already say. */
function where(text: string, error: Error): string {
  const position = /position (\d+)/.exec(error.message);
  if (!position || /line \d+/.test(error.message)) return "";
  const before = text.slice(0, Number(position[1]));
  const line = before.split("\n").length;
  const column = before.length - before.lastIndexOf("\n");
  return ` (line ${line}, column ${column})`;
}
