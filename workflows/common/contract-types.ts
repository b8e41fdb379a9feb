/**
 * Compile-time guard for the published contract: a zod schema written next to a TypeScript
 * interface (results, failure details) must describe exactly that interface. Workflow-safe: types only.
 *
 * Why not derive the interfaces from zod: they are imported all over workflows/ and activities/
 * and carry the doc comments the API pages show; the check below makes them one contract instead —
 * a field added to one side and not the other fails `tsc` (and so `npm run typecheck`/CI).
 */

/** True when A and B are the same type (not merely assignable both ways). */
export type SameType<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;

/** Fails to compile unless its argument is `true`: `const _check: AssertTrue<SameType<...>> = true`. */
export type AssertTrue<T extends true> = T;
