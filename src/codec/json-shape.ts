/**
 * A codec request's JSON shape, counted on the raw bytes before anything is parsed.
 *
 * Why: the byte bound alone does not bound the work. `{"payloads":[{},{},…]}` with 1,000,000 empty
 * payloads is 3 MB — under the 8 MiB body cap — and JSON.parse plus the schema turned it into a
 * million objects (+240 MB RSS) before the 1,000-payload limit was even looked at. One pass over
 * the bytes, allocating nothing, counts the items of every array and the members of every object
 * and stops at the first one over its limit; only a body within the limits is parsed.
 *
 * It is not a validator: malformed JSON is left to JSON.parse (which then refuses it). It only has
 * to be right about counts in well-formed JSON, and never be fooled by brackets or commas inside
 * strings.
 */

export interface JsonShapeLimits {
  /** Items in any one array (the payloads). */
  maxArrayItems: number;
  /** Members of any one object (a payload's metadata has a handful). */
  maxObjectMembers: number;
  /** Nesting: the protocol's `{payloads:[{metadata:{…}}]}` is 4 deep. */
  maxDepth: number;
}

export type JsonShapeVerdict = { ok: true } | { ok: false; reason: 'too-many-items' | 'too-many-members' | 'too-deep' };

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;

export function checkJsonShape(bytes: Uint8Array, limits: JsonShapeLimits): JsonShapeVerdict {
  // Per open container: whether it is an array, and its commas so far (items = commas + 1).
  const isArray: boolean[] = [];
  const commas: number[] = [];
  let inString = false;
  for (let i = 0; i < bytes.length; i += 1) {
    const byte = bytes[i]!;
    if (inString) {
      if (byte === BACKSLASH) i += 1;
      else if (byte === QUOTE) inString = false;
      continue;
    }
    if (byte === QUOTE) inString = true;
    else if (byte === OPEN_ARRAY || byte === OPEN_OBJECT) {
      if (isArray.length >= limits.maxDepth) return { ok: false, reason: 'too-deep' };
      isArray.push(byte === OPEN_ARRAY);
      commas.push(0);
    } else if (byte === CLOSE_ARRAY || byte === CLOSE_OBJECT) {
      isArray.pop();
      commas.pop();
    } else if (byte === COMMA && commas.length > 0) {
      const top = commas.length - 1;
      const count = commas[top]! + 1;
      commas[top] = count;
      // This comma opens item number count + 1.
      if (isArray[top] && count + 1 > limits.maxArrayItems) return { ok: false, reason: 'too-many-items' };
      if (!isArray[top] && count + 1 > limits.maxObjectMembers) return { ok: false, reason: 'too-many-members' };
    }
  }
  return { ok: true };
}
