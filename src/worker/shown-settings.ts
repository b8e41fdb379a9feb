/** How settings are shown in logs and errors: the API key redacted, URLs without credentials. */
const API_KEY_PREFIX = 'rvya_sk_';

/** The API key for logs: `rvya_sk_…abcd` when the secret is long enough to spare 4 characters, else `rvya_sk_…`. */
export function redactApiKey(key: string): string {
  if (!key.startsWith(API_KEY_PREFIX)) return '[redacted]';
  const secret = key.slice(API_KEY_PREFIX.length);
  return secret.length >= 20 ? `${API_KEY_PREFIX}…${secret.slice(-4)}` : `${API_KEY_PREFIX}…`;
}

/** A URL as it may be printed: without user:password@ (settings never accept one; this is belt and braces). */
export function displayUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (!parsed.username && !parsed.password) return url;
    parsed.username = '';
    parsed.password = '';
    return parsed.toString();
  } catch {
    // Not a URL: drop anything up to an @ after the scheme, the way a URL parser would read it.
    return url.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^/?#]*@/i, '$1');
  }
}
