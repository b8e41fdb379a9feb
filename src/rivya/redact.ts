/**
 * Secret redaction for every string that comes from upstream (error codes, messages, request ids,
 * status texts, Location headers, socket errors) before it becomes part of an error, a Temporal
 * failure, workflow history or CLI output. An upstream that echoes the key back — verbatim, in
 * base64, or as the base64 of the whole `Bearer <key>` header — must not get it stored anywhere.
 */

export const REDACTED = '[redacted]';

/** Below this length an encoded form is too short to search for without redacting unrelated text. */
const MIN_DERIVED_SECRET_CHARS = 8;

/**
 * The stable part of a base64 encoding: only whole 3-byte groups encode the same way whatever
 * follows, so the secret is still found when the encoded text goes on past it (`key:...`).
 */
function stableBase64(bytes: string, encoding: 'base64' | 'base64url'): string {
  const encoded = Buffer.from(bytes, 'utf8').toString(encoding).replace(/=+$/, '');
  const whole = Math.floor(Buffer.byteLength(bytes, 'utf8') / 3) * 4;
  return encoded.slice(0, whole);
}

/**
 * Every form of the secret worth searching for: the secret itself, its URL-encoded form, and the
 * base64/base64url of the secret, of `Bearer <secret>`, and of Basic-auth shaped `<secret>:` and
 * `:<secret>`.
 */
export function secretForms(secret: string): string[] {
  if (!secret) return [];
  const derived = new Set<string>([encodeURIComponent(secret)]);
  for (const plain of [secret, `Bearer ${secret}`, `${secret}:`, `:${secret}`]) {
    for (const encoding of ['base64', 'base64url'] as const) {
      derived.add(Buffer.from(plain, 'utf8').toString(encoding));
      derived.add(stableBase64(plain, encoding));
    }
  }
  const forms = [secret, ...[...derived].filter((form) => form !== secret && form.length >= MIN_DERIVED_SECRET_CHARS)];
  // Longest first, so a long form is replaced whole before a shorter one eats part of it.
  return forms.sort((a, b) => b.length - a.length);
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** A redactor for a fixed set of secrets, its pattern built once (the client keeps one per key). */
export function makeRedactor(secrets: readonly (string | undefined)[]): (text: string) => string {
  const forms = [...new Set(secrets.flatMap((secret) => (secret ? secretForms(secret) : [])))].sort((a, b) => b.length - a.length);
  if (forms.length === 0) return (text) => text;
  const pattern = new RegExp(forms.map(escapeRegExp).join('|'), 'gi');
  return (text) => (text ? text.replace(pattern, REDACTED) : text);
}

/**
 * Removes every occurrence of every form of every secret from `text`, case-insensitively (an
 * upstream that upper-cases what it echoes still leaks it). Over-redaction is harmless here.
 */
export function redactSecrets(text: string, secrets: readonly (string | undefined)[]): string {
  return makeRedactor(secrets)(text);
}

/** `scheme://` followed by user info: greedy up to the authority's last `@`, never past `/ ? #` or a space. */
const URL_USERINFO = /\b([a-z][a-z0-9+.-]*:\/\/)[^\s/?#]*@/gi;

/**
 * The user info of every URL in `text` (`scheme://user:password@host`) replaced. Network errors
 * quote the request URL, and a RivyaClient built by hand may carry credentials in its base URL
 * (settings refuse them). Structural, so a short or oddly encoded password goes too.
 */
export function redactUrlCredentials(text: string): string {
  return text ? text.replace(URL_USERINFO, `$1${REDACTED}@`) : text;
}

/** Upstream text in errors is bounded too: a megabyte-long "code" is not a code. */
export function boundUpstreamText(text: string, maxChars: number): string {
  return text.length <= maxChars ? text : `${text.slice(0, maxChars)}… (${text.length - maxChars} more chars)`;
}

/** A Rivya API key anywhere in a text: the prefix and the run of key characters after it (not the `rvya_sk_<secret>` / `rvya_sk_…` of a hint). */
const API_KEY_TOKEN = /rvya_sk_(?![<…])[^\s"'`,;)}\]]*/gi;

/**
 * Every token shaped like a Rivya API key replaced, whichever key it is. Structural, for text that
 * may hold a key the caller does not know: a key provider's error, a settings parser's sentence, a
 * message that names several accounts. The redactor of a known key (makeRedactor) also finds its
 * encoded forms; this finds any key in plain form.
 */
export function redactKeyLikeTokens(text: string): string {
  return text ? text.replace(API_KEY_TOKEN, REDACTED) : text;
}
