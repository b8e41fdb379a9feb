/** One invariant's verdict, and the helper every invariant is built with. */
export interface InvariantResult {
  name: string;
  passed: boolean;
  detail: string;
}

/** Passed when `failures` is empty; the detail shows the first few failures, else `okDetail`. */
export function check(name: string, failures: string[], okDetail: string): InvariantResult {
  return {
    name,
    passed: failures.length === 0,
    detail: failures.length ? `${failures.length} failure(s): ${failures.slice(0, 5).join('; ')}` : okDetail,
  };
}
