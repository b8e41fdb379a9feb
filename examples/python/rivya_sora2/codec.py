"""The rivya-sora2-temporal payload codec in Python: AES-256-GCM, the same bytes as src/codec.

docs/codec-format.md is the format; in short, an encrypted payload has metadata
`encoding: binary/encrypted` and `encryption-key-id: <id>`, and data
`nonce (12 bytes) || ciphertext || tag (16 bytes)` where the plaintext is the original Payload's
protobuf encoding (its metadata included) and no additional authenticated data is used.

Keys come from RIVYA_CODEC_KEYS (`id:base64key` pairs) and/or RIVYA_CODEC_KEY_FILE, never from
code; the first key encrypts, every key decrypts. Errors name variables and key ids, never keys.
"""

from __future__ import annotations

import base64
import binascii
import json
import os
import re
from collections.abc import Mapping, Sequence

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from temporalio.api.common.v1 import Payload
from temporalio.converter import PayloadCodec

ENCRYPTED_ENCODING = b"binary/encrypted"
ENCODING_METADATA_KEY = "encoding"
KEY_ID_METADATA_KEY = "encryption-key-id"
NONCE_BYTES = 12
TAG_BYTES = 16
KEY_BYTES = 32
MAX_KEYS = 16
MAX_KEY_FILE_BYTES = 64 * 1024
CODEC_KEYS_ENV = "RIVYA_CODEC_KEYS"
CODEC_KEY_FILE_ENV = "RIVYA_CODEC_KEY_FILE"

# Key ids travel in every payload's metadata: short, printable, no separators (as keys.ts).
_KEY_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")


class CodecConfigError(ValueError):
    """A wrong or missing key setting: names the variable/file and the key id, never the key."""


class PayloadDecryptionError(ValueError):
    """A payload marked encrypted that cannot be opened (no key id, unknown key, altered bytes)."""


def _describe_key_id(key_id: str) -> str:
    return json.dumps(key_id) if _KEY_ID.match(key_id) else "(an invalid key id)"


def _decode_base64_key(text: str) -> bytes | None:
    """Strict base64, standard or URL-safe, padding optional: the text must be exactly what its bytes encode to."""
    unpadded = text.strip().rstrip("=").replace("-", "+").replace("_", "/")
    if not re.fullmatch(r"[A-Za-z0-9+/]+", unpadded):
        return None
    try:
        raw = base64.b64decode(unpadded + "=" * (-len(unpadded) % 4), validate=True)
    except binascii.Error:
        return None
    return raw if base64.b64encode(raw).decode().rstrip("=") == unpadded else None


class CodecKeyRing:
    """Named 32-byte AES-256 keys; the first one encrypts, all of them decrypt (rotation: put the new key first)."""

    def __init__(self, keys: Sequence[tuple[str, bytes | str]], source: str = "codec keys") -> None:
        if not keys:
            raise CodecConfigError(f"{source}: no key given")
        if len(keys) > MAX_KEYS:
            raise CodecConfigError(f"{source}: {len(keys)} keys given; at most {MAX_KEYS}")
        self._keys: dict[str, AESGCM] = {}
        for index, (key_id, key) in enumerate(keys):
            if not isinstance(key_id, str) or not _KEY_ID.match(key_id):
                raise CodecConfigError(f"{source}: key #{index + 1} has no valid id")
            if key_id in self._keys:
                raise CodecConfigError(f"{source}: key id {json.dumps(key_id)} is given twice")
            raw = _decode_base64_key(key) if isinstance(key, str) else bytes(key)
            if raw is None:
                raise CodecConfigError(f"{source}: key {json.dumps(key_id)} is not base64")
            if len(raw) != KEY_BYTES:
                raise CodecConfigError(
                    f"{source}: key {json.dumps(key_id)} is {len(raw)} bytes; AES-256 needs exactly {KEY_BYTES}"
                )
            self._keys[key_id] = AESGCM(raw)
        self.encrypting_key_id: str = keys[0][0]

    @property
    def key_ids(self) -> list[str]:
        return list(self._keys)

    def cipher(self, key_id: str) -> AESGCM:
        try:
            return self._keys[key_id]
        except KeyError:
            raise PayloadDecryptionError(
                f"payload was encrypted with key id {_describe_key_id(key_id)}, which is not in the key ring "
                f"(ids: {', '.join(self.key_ids)})"
            ) from None

    def __repr__(self) -> str:  # never the key material
        return f"CodecKeyRing(encrypting_key_id={self.encrypting_key_id!r}, key_ids={self.key_ids!r})"


def parse_codec_keys(text: str, source: str = CODEC_KEYS_ENV) -> list[tuple[str, str]]:
    """`k2:base64,k1:base64`: commas, spaces or newlines between pairs; a line starting with `#` is a comment."""
    lines = [line for line in text.split("\n") if not line.strip().startswith("#")]
    entries = [entry for entry in re.split(r"[\s,]+", " ".join(lines)) if entry]
    pairs = []
    for index, entry in enumerate(entries):
        separator = entry.find(":")
        if separator <= 0:
            raise CodecConfigError(f"{source}: entry #{index + 1} is not id:base64key")
        pairs.append((entry[:separator], entry[separator + 1 :]))
    return pairs


def read_codec_key_file(path: str) -> list[tuple[str, str]]:
    """A key file: JSON (`{"keys":[{"id","key"}]}` or `[{"id","key"}]`) or `id:base64key` lines."""
    source = f"{CODEC_KEY_FILE_ENV} ({path})"
    try:
        if os.path.getsize(path) > MAX_KEY_FILE_BYTES:
            raise CodecConfigError(f"{source} is larger than {MAX_KEY_FILE_BYTES} bytes")
        with open(path, encoding="utf-8") as file:
            text = file.read()
    except OSError as err:
        raise CodecConfigError(f"{source} cannot be read ({err.__class__.__name__})") from None
    trimmed = text.strip()
    if not trimmed.startswith(("{", "[")):
        return parse_codec_keys(text, source)
    try:
        parsed = json.loads(trimmed)
    except ValueError:
        raise CodecConfigError(f"{source} is not valid JSON") from None  # the message could quote key material
    items = parsed if isinstance(parsed, list) else parsed.get("keys") if isinstance(parsed, dict) else None
    if not isinstance(items, list):
        raise CodecConfigError(f'{source}: expected {{"keys":[{{"id":…,"key":…}}]}} or a list of {{"id","key"}}')
    pairs = []
    for index, item in enumerate(items):
        if not isinstance(item, dict) or not isinstance(item.get("id"), str) or not isinstance(item.get("key"), str):
            raise CodecConfigError(f'{source}: entry #{index + 1} needs string "id" and "key"')
        pairs.append((item["id"], item["key"]))
    return pairs


def codec_keys_configured(env: Mapping[str, str] = os.environ) -> bool:
    return bool(env.get(CODEC_KEYS_ENV, "").strip() or env.get(CODEC_KEY_FILE_ENV, "").strip())


def read_codec_key_ring(env: Mapping[str, str] = os.environ) -> CodecKeyRing:
    """RIVYA_CODEC_KEYS followed by RIVYA_CODEC_KEY_FILE's keys (so the variable's first key encrypts)."""
    inline = env.get(CODEC_KEYS_ENV, "").strip()
    path = env.get(CODEC_KEY_FILE_ENV, "").strip()
    if not inline and not path:
        raise CodecConfigError(
            f'payload encryption needs keys: set {CODEC_KEYS_ENV}="<id>:<base64 32-byte key>" or {CODEC_KEY_FILE_ENV}=<path>'
        )
    keys = (parse_codec_keys(inline) if inline else []) + (read_codec_key_file(path) if path else [])
    source = " + ".join(name for name, value in ((CODEC_KEYS_ENV, inline), (CODEC_KEY_FILE_ENV, path)) if value)
    return CodecKeyRing(keys, source)


def is_encrypted(payload: Payload) -> bool:
    return payload.metadata.get(ENCODING_METADATA_KEY) == ENCRYPTED_ENCODING


class AesGcmPayloadCodec(PayloadCodec):
    """Install with `dataclasses.replace(DataConverter.default, payload_codec=AesGcmPayloadCodec(ring))`."""

    def __init__(self, key_ring: CodecKeyRing) -> None:
        self.key_ring = key_ring

    async def encode(self, payloads: Sequence[Payload]) -> list[Payload]:
        key_id = self.key_ring.encrypting_key_id
        cipher = self.key_ring.cipher(key_id)
        sealed_payloads = []
        for payload in payloads:
            nonce = os.urandom(NONCE_BYTES)
            # AESGCM.encrypt returns ciphertext || 16-byte tag; no associated data (None), as the TS codec.
            sealed = nonce + cipher.encrypt(nonce, payload.SerializeToString(), None)
            sealed_payloads.append(
                Payload(
                    metadata={ENCODING_METADATA_KEY: ENCRYPTED_ENCODING, KEY_ID_METADATA_KEY: key_id.encode()},
                    data=sealed,
                )
            )
        return sealed_payloads

    async def decode(self, payloads: Sequence[Payload]) -> list[Payload]:
        """Payloads not marked encrypted pass through (e.g. written before encryption was turned on)."""
        return [self._open(payload) if is_encrypted(payload) else payload for payload in payloads]

    def _open(self, payload: Payload) -> Payload:
        raw_id = payload.metadata.get(KEY_ID_METADATA_KEY)
        if raw_id is None:
            raise PayloadDecryptionError(f"encrypted payload has no {KEY_ID_METADATA_KEY} metadata")
        key_id = raw_id.decode("utf-8", errors="replace")
        if not _KEY_ID.match(key_id):
            raise PayloadDecryptionError(f"encrypted payload names {_describe_key_id(key_id)}")
        cipher = self.key_ring.cipher(key_id)
        data = payload.data
        if len(data) < NONCE_BYTES + TAG_BYTES:
            raise PayloadDecryptionError(f"encrypted payload (key id {_describe_key_id(key_id)}) is too short")
        try:
            plain = cipher.decrypt(data[:NONCE_BYTES], data[NONCE_BYTES:], None)
        except InvalidTag:
            raise PayloadDecryptionError(
                f"encrypted payload could not be decrypted with key id {_describe_key_id(key_id)}: "
                "the key differs from the one that encrypted it, or the data was altered"
            ) from None
        return Payload.FromString(plain)
