/**
 * The payload codec: AES-256-GCM over the whole serialised payload (metadata included, so the
 * original encoding is hidden too), as in Temporal's encryption samples. An encrypted payload has
 * metadata `encoding: binary/encrypted` and `encryption-key-id: <id>`, and data
 * `iv (12 bytes) ‖ ciphertext ‖ tag (16 bytes)` — the layout of the Go and Python samples' codecs,
 * whose inner bytes are the payload's protobuf encoding.
 *
 * Codecs run outside the workflow sandbox (the worker decodes activations before the workflow sees
 * them), so the prebuilt workflow bundle needs nothing from this module.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { METADATA_ENCODING_KEY, type Payload, type PayloadCodec } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import { CodecKeyRing, describeKeyId, isValidKeyId } from './keys';

export const ENCRYPTED_ENCODING = 'binary/encrypted';
export const KEY_ID_METADATA_KEY = 'encryption-key-id';

const CIPHER = 'aes-256-gcm';
const IV_BYTES = 12;
const TAG_BYTES = 16;

/** A payload marked encrypted that cannot be opened: no key id, too short, wrong key or altered bytes. */
export class PayloadDecryptionError extends Error {
  override readonly name = 'PayloadDecryptionError';
}

const ProtoPayload = temporal.api.common.v1.Payload;

function text(bytes: Uint8Array | null | undefined): string | undefined {
  return bytes ? Buffer.from(bytes).toString('utf8') : undefined;
}

export function isEncryptedPayload(payload: Payload): boolean {
  return text(payload.metadata?.[METADATA_ENCODING_KEY]) === ENCRYPTED_ENCODING;
}

export class AesGcmPayloadCodec implements PayloadCodec {
  constructor(readonly keyRing: CodecKeyRing) {}

  async encode(payloads: Payload[]): Promise<Payload[]> {
    const keyId = this.keyRing.encryptingKeyId;
    const key = this.keyRing.key(keyId);
    return payloads.map((payload) => {
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv(CIPHER, key, iv, { authTagLength: TAG_BYTES });
      const plain = ProtoPayload.encode(payload).finish();
      const sealed = Buffer.concat([iv, cipher.update(plain), cipher.final(), cipher.getAuthTag()]);
      return {
        metadata: {
          [METADATA_ENCODING_KEY]: Buffer.from(ENCRYPTED_ENCODING),
          [KEY_ID_METADATA_KEY]: Buffer.from(keyId),
        },
        data: sealed,
      };
    });
  }

  /** Payloads not marked encrypted pass through (e.g. written before encryption was turned on). */
  async decode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((payload) => (isEncryptedPayload(payload) ? this.#open(payload) : payload));
  }

  #open(payload: Payload): Payload {
    const keyId = text(payload.metadata?.[KEY_ID_METADATA_KEY]);
    if (keyId === undefined) throw new PayloadDecryptionError(`encrypted payload has no ${KEY_ID_METADATA_KEY} metadata`);
    if (!isValidKeyId(keyId)) throw new PayloadDecryptionError(`encrypted payload names ${describeKeyId(keyId)}`);
    const key = this.keyRing.key(keyId);
    const data = Buffer.from(payload.data ?? new Uint8Array());
    if (data.length < IV_BYTES + TAG_BYTES) {
      throw new PayloadDecryptionError(`encrypted payload (key id ${describeKeyId(keyId)}) is too short to hold an IV and a tag`);
    }
    const decipher = createDecipheriv(CIPHER, key, data.subarray(0, IV_BYTES), { authTagLength: TAG_BYTES });
    decipher.setAuthTag(data.subarray(data.length - TAG_BYTES));
    let plain: Buffer;
    try {
      plain = Buffer.concat([decipher.update(data.subarray(IV_BYTES, data.length - TAG_BYTES)), decipher.final()]);
    } catch {
      throw new PayloadDecryptionError(
        `encrypted payload could not be decrypted with key id ${describeKeyId(keyId)}: the key material differs from the one that encrypted it, or the data was altered`,
      );
    }
    try {
      return ProtoPayload.decode(plain);
    } catch {
      throw new PayloadDecryptionError(`payload decrypted with key id ${describeKeyId(keyId)} is not a Temporal payload`);
    }
  }
}

/** The data converter part that installs the codec: append it to `payloadCodecs` (runs last on encode). */
export function encryptionDataConverter(keyRing: CodecKeyRing): { payloadCodecs: PayloadCodec[] } {
  return { payloadCodecs: [new AesGcmPayloadCodec(keyRing)] };
}
