/**
 * `rivya-sora2-temporal/codec`: the AES-256-GCM payload codec behind `Sora2Plugin({ encryption })`,
 * its key ring, and the codec server that lets the Temporal UI show decrypted payloads.
 */
export * from '../codec';
export type { Sora2EncryptionOption } from '../codec/plugin-encryption';
