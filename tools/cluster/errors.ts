/** Errors `rivya-sora2 cluster` reports as one clear line (the CLI prints the message only). */
export class ClusterError extends Error {
  override readonly name: string = 'ClusterError';
}

/** Something the machine lacks: Go, PostgreSQL, the postgres user. */
export class ClusterPrerequisiteError extends ClusterError {
  override readonly name = 'ClusterPrerequisiteError';
}

/** A port the cluster was told to use is taken. */
export class ClusterPortBusyError extends ClusterError {
  override readonly name = 'ClusterPortBusyError';
}

/**
 * A cluster process exited because its port was taken after `up` picked it (the error quotes the
 * tail of its log): PostgreSQL's "could not bind … Address already in use", Go's "bind: address
 * already in use", Node's EADDRINUSE. Worth one more `up` with other ports.
 */
export function isBindConflict(err: unknown): boolean {
  return err instanceof Error && /address already in use|EADDRINUSE/i.test(err.message);
}
