/**
 * The CLI's exit codes, one table for every command (README's CLI table):
 * 0 ok; 1 failed (a generation, a batch item, a history that does not replay; Rivya or Temporal
 * unavailable); 2 invalid input, a usage or configuration mistake (every Sora2ConfigError, mapped
 * once in main.ts), or a conflict; 3 `cluster status`: no cluster running; 130 interrupted.
 */
export const ExitCodes = { ok: 0, failed: 1, invalid: 2, notRunning: 3, interrupted: 130 } as const;

export type ExitCode = (typeof ExitCodes)[keyof typeof ExitCodes];
