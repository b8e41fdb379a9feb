/** The plugin's `encryption` option turned into a codec, once, when the plugin is constructed. */
import { AesGcmPayloadCodec } from './aes-gcm-codec';
import { CodecKeyRing, readCodecKeyRing, type CodecKeyInput } from './keys';

/** `true`: keys from RIVYA_CODEC_KEYS / RIVYA_CODEC_KEY_FILE; `{ keys }`: a ring, or its keys (the first encrypts). */
export type Sora2EncryptionOption = true | { keys: CodecKeyRing | readonly CodecKeyInput[] };

export function encryptionCodecOf(
  option: Sora2EncryptionOption | false | undefined,
  env: Record<string, string | undefined> | undefined,
): AesGcmPayloadCodec | undefined {
  if (!option) return undefined;
  if (option === true) return new AesGcmPayloadCodec(readCodecKeyRing(env ?? process.env));
  return new AesGcmPayloadCodec(option.keys instanceof CodecKeyRing ? option.keys : new CodecKeyRing(option.keys, 'encryption.keys'));
}
