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
