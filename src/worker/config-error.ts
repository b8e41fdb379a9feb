/**
 * A configuration or usage mistake the caller must fix: the base of every such error in this package
 * (codec keys and tokens, tracing, metrics, worker versioning, webhook secrets, missing peers, the SDK
 * version, the CLI's usage errors). Each subclass keeps its own `name`.
 */
export class Sora2ConfigError extends Error {
  override readonly name: string = 'Sora2ConfigError';
}

/**
 * A worker setting that is missing or invalid (a RIVYA_* variable, or the typed option standing for
 * it). `variables` names the settings at fault; the message never repeats a value that was given.
 */
export class Sora2SettingsError extends Sora2ConfigError {
  override readonly name: string = 'Sora2SettingsError';
  constructor(
    message: string,
    readonly variables: readonly string[],
  ) {
    super(message);
  }
}
