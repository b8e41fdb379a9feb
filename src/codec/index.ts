/** Payload encryption (AES-256-GCM codec, key ring from RIVYA_CODEC_KEYS / RIVYA_CODEC_KEY_FILE) and the codec server. */
export {
  AesGcmPayloadCodec,
  encryptionDataConverter,
  ENCRYPTED_ENCODING,
  isEncryptedPayload,
  KEY_ID_METADATA_KEY,
  PayloadDecryptionError,
} from './aes-gcm-codec';
export {
  CODEC_KEY_BYTES,
  CODEC_KEY_FILE_ENV,
  CODEC_KEYS_ENV,
  CodecConfigError,
  CodecKeyRing,
  codecKeysConfigured,
  MAX_CODEC_KEYS,
  parseCodecKeys,
  readCodecKeyFile,
  readCodecKeyRing,
  UnknownCodecKeyError,
  type CodecKeyInput,
} from './keys';
export {
  CODEC_HEALTH_PATH,
  CODEC_SERVER_ORIGINS_ENV,
  DEFAULT_CODEC_HTTP_BOUNDS,
  DEFAULT_CODEC_MAX_BODY_BYTES,
  DEFAULT_CODEC_MAX_PAYLOADS,
  DEFAULT_CODEC_SERVER_HOST,
  DEFAULT_CODEC_SERVER_PORT,
  parseOrigins,
  startCodecServer,
  type RunningCodecServer,
  type StartCodecServerOptions,
} from './server';
export {
  CODEC_SERVER_TOKEN_FILE_ENV,
  CODEC_SERVER_TOKENS_ENV,
  CodecServerConfigError,
  generateCodecServerToken,
  readCodecServerTokens,
} from './tokens';
