"""Start and steer rivya-sora2-temporal generations from Python (the `temporalio` package).

The workflow is written in TypeScript; Temporal is polyglot, so a Python service starts it by name
(`sora2Generation` on task queue `rivya-sora2`) with a plain dict input and gets a dict back.
"""

from .caller import (
    DEFAULT_TASK_QUEUE,
    INPUT_HASH_MEMO_KEY,
    STATUS_QUERY,
    UPDATES,
    WORKFLOW_TYPE,
    WorkflowIdConflictError,
    connect,
    failure_of,
    start_or_attach,
)
from .codec import AesGcmPayloadCodec, CodecConfigError, CodecKeyRing, read_codec_key_ring

__all__ = [
    "DEFAULT_TASK_QUEUE",
    "INPUT_HASH_MEMO_KEY",
    "STATUS_QUERY",
    "UPDATES",
    "WORKFLOW_TYPE",
    "WorkflowIdConflictError",
    "connect",
    "failure_of",
    "start_or_attach",
    "AesGcmPayloadCodec",
    "CodecConfigError",
    "CodecKeyRing",
    "read_codec_key_ring",
]
