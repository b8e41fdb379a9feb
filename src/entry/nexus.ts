/**
 * `rivya-sora2-temporal/nexus`: the handler side of the `generate` Nexus operation (what
 * `Sora2Plugin({ nexus })` serves). Needs the optional peers `@temporalio/nexus` and `nexus-rpc`
 * (SDK 1.23.0 or newer: the SDK's Nexus packages match `nexus-rpc` 0.0.3 only from there).
 * A caller's workflow imports the service contract from `rivya-sora2-temporal/nexus/workflow`.
 */
import { assertNexusPeers } from '../internal/optional-module';

// Before the re-export loads them: a missing or too old peer is named, not a MODULE_NOT_FOUND.
assertNexusPeers("import from 'rivya-sora2-temporal/nexus'");

export * from '../nexus';
