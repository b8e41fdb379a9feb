/**
 * Text from elsewhere (Rivya, the workflow, Temporal) made safe to print on a terminal. A remote
 * error message or task id could otherwise carry escape sequences that clear the screen, rewrite
 * earlier lines, plant OSC 8 hyperlinks or write the clipboard (OSC 52). Every server-provided value
 * the CLI prints goes through `printable`; the CLI's own formatting (its \n, its progress-line
 * `\r\x1b[2K`) is added around the cleaned text, never inside it.
 */

/* eslint-disable no-control-regex */
const ESCAPE_SEQUENCES = new RegExp(
  [
    // OSC (ESC ] or C1 0x9d) up to BEL or ST (ESC \ or 0x9c), or to the end when unterminated.
    '(?:\\x1b\\]|\\x9d)[^\\x07\\x1b\\x9c]*(?:\\x07|\\x1b\\\\|\\x9c)?',
    // DCS, SOS, PM, APC (ESC P/X/^/_ or C1 0x90/0x98/0x9e/0x9f) up to ST, or to the end.
    '(?:\\x1b[PX^_]|[\\x90\\x98\\x9e\\x9f])[^\\x1b\\x9c]*(?:\\x1b\\\\|\\x9c)?',
    // CSI (ESC [ or C1 0x9b): parameters, intermediates, one final byte.
    '(?:\\x1b\\[|\\x9b)[\\x30-\\x3f]*[\\x20-\\x2f]*[\\x40-\\x7e]?',
    // Other escapes: ESC, intermediates, a final byte (charset switches, ESC c reset, ESC 7/8 ...).
    '\\x1b[\\x20-\\x2f]*[\\x30-\\x7e]?',
  ].join('|'),
  'g',
);

/** Line breaks and tabs in foreign text become a space: the CLI decides where lines end. */
const BREAKS = /[\t\n\v\f\r\u2028\u2029\u0085]+/g;
/** Every other C0/C1 control (BEL, backspace, a lone ESC, DEL, ...) and bidi overrides/isolates. */
const CONTROLS = /[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

/** `text` with escape sequences removed and control characters dropped (line breaks become spaces). */
export function printable(text: unknown): string {
  const value = typeof text === 'string' ? text : String(text);
  return value.replace(ESCAPE_SEQUENCES, '').replace(BREAKS, ' ').replace(CONTROLS, '');
}

/**
 * JSON for the terminal: JSON.stringify already escapes C0 controls (ESC becomes \u001b) but leaves
 * DEL, C1 controls and bidi overrides raw; those are escaped too. The JSON still parses to the same value.
 */
export function printableJson(value: unknown, space: number = 2): string {
  const json = JSON.stringify(value, null, space) ?? String(value);
  return json.replace(
    /[\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g,
    (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}
