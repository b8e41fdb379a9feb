/** Workflow ids unique within a test run: a readable label, the time, and a per-file counter. */
let sequence = 0;

export const nextId = (label: string): string => `${label}-${Date.now()}-${(sequence += 1)}`;
