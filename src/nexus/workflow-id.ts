/**
 * The workflow id of a generation started over Nexus. It is Rivya's Idempotency-Key, so it must be
 * the same for every attempt at one call and different for different calls: derived from the
 * caller's `generationId` when given, else from the Nexus request id (which the server reuses when
 * it retries a start whose answer was lost). Hashed: the caller's key may hold any character, and
 * the id must pass workflows/workflow-id.ts (header-safe, at most 128 characters).
 */
import { createHash } from 'node:crypto';

export type NexusGenerationKey = { generationId: string } | { requestId: string };

/** 160 bits of sha256: collisions are out of reach, the id stays short enough to read. */
const HASH_HEX_CHARS = 40;

export function nexusGenerationWorkflowId(key: NexusGenerationKey): string {
  // Different prefixes and hash inputs: a generationId can never produce a request id's workflow id.
  const [prefix, material] = 'generationId' in key ? ['gen', `generation-id:${key.generationId}`] : ['req', `request-id:${key.requestId}`];
  return `nexus-${prefix}-${createHash('sha256').update(material, 'utf8').digest('hex').slice(0, HASH_HEX_CHARS)}`;
}
