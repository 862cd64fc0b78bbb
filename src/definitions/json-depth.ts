/**
 * How deeply arrays and objects nest in JSON text, read without parsing it. JSON.parse and
 * JSON.stringify recurse: text nested thousands of levels deep overflows the stack, and a
 * 1 MiB body nested half a million levels holds the event loop for seconds. Scanning the text
 * first is linear, needs no stack, and stops at the first bracket past the limit.
 */

/**
 * The nesting depth of `text`: 0 for a scalar, 1 for `[]` or `{}`, 2 for `[[]]`. Brackets
 * inside strings do not count (escapes are honoured). Once the depth passes `limit` the scan
 * stops and returns `limit + 1`. Text that is not valid JSON gets a meaningless but finite
 * answer; parsing it reports the error.
 */
export function jsonDepth(text: string, limit = Infinity): number {
  let depth = 0;
  let deepest = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const char = text.charCodeAt(i);
    if (inString) {
      if (char === BACKSLASH) i++; // the escaped character cannot end the string
      else if (char === QUOTE) inString = false;
    } else if (char === QUOTE) {
      inString = true;
    } else if (char === OPEN_ARRAY || char === OPEN_OBJECT) {
      depth++;
      if (depth > deepest) {
        deepest = depth;
        if (deepest > limit) return deepest;
      }
    } else if (char === CLOSE_ARRAY || char === CLOSE_OBJECT) {
      depth--;
    }
  }
  return deepest;
}

const QUOTE = 0x22; // "
const BACKSLASH = 0x5c; // \
const OPEN_ARRAY = 0x5b; // [
const CLOSE_ARRAY = 0x5d; // ]
const OPEN_OBJECT = 0x7b; // {
const CLOSE_OBJECT = 0x7d; // }
