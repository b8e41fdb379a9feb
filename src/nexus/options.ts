/** The Nexus endpoint's options: no Nexus imports, so `Sora2PluginOptions` types need no optional peer. */
export interface Sora2NexusOptions {
  /** Where the generation runs. Default: the task queue of the worker handling the operation. */
  taskQueue?: string;
  /**
   * Save every video made over this endpoint here, as `save.to` (a directory under the running
   * worker's RIVYA_SAVE_DIR, or `s3://bucket/prefix`, written with the worker's AWS identity).
   * The endpoint's decision: callers cannot name a target (their `save` is refused). Default: not saved.
   */
  saveTo?: string;
}
