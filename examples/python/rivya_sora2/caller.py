"""Start-or-attach, typed failures and the workflow's names: what `startSora2Generation` does in TypeScript.

The workflow id is the generation's identity (it becomes Rivya's Idempotency-Key), so the same id
must never mean two generations: REJECT_DUPLICATE (no second run under a used id), USE_EXISTING (a
retried start attaches to the running one), and a closed run under the id is attached to rather
than run (and paid) again.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
from typing import Any

from temporalio.client import Client, WorkflowHandle
from temporalio.common import WorkflowIDConflictPolicy, WorkflowIDReusePolicy
from temporalio.converter import DataConverter
from temporalio.exceptions import ApplicationError, FailureError, WorkflowAlreadyStartedError

from .codec import AesGcmPayloadCodec, codec_keys_configured, read_codec_key_ring

WORKFLOW_TYPE = "sora2Generation"
DEFAULT_TASK_QUEUE = "rivya-sora2"
STATUS_QUERY = "sora2Status"
# The operator Updates (workflows/generation/messages.ts): name -> what its argument looks like.
UPDATES = {
    "sora2ExtendDeadline": '{"byMs": 600000} or {"until": "<ISO time>"}',
    "sora2CheckNow": "(no argument): check the task now, returns the status",
    "sora2SetPolling": '{"minIntervalMs"?, "maxIntervalMs"?, "webhooks"?}',
}
# The TypeScript helper keeps the hash of its *normalised* input under `rivyaInputSha256`; a
# Python caller cannot normalise the same way, so it keeps the hash of the input it sent under its
# own key. Runs without the TypeScript key are attached to by TypeScript callers.
INPUT_HASH_MEMO_KEY = "rivyaCallerInputSha256"


class WorkflowIdConflictError(Exception):
    """The workflow id is taken by a generation of different input: attaching would hand back that other video."""

    def __init__(self, workflow_id: str, run_id: str) -> None:
        super().__init__(
            f"workflow id {workflow_id} is already used by a run with different input (run {run_id}): "
            "start with another workflow id, or with the same input to attach"
        )
        self.workflow_id = workflow_id
        self.run_id = run_id


async def connect(address: str | None = None, namespace: str | None = None) -> Client:
    """A client for TEMPORAL_ADDRESS / TEMPORAL_NAMESPACE, with the payload codec when RIVYA_CODEC_KEYS/_FILE is set."""
    data_converter = DataConverter.default
    if codec_keys_configured():
        data_converter = dataclasses.replace(data_converter, payload_codec=AesGcmPayloadCodec(read_codec_key_ring()))
    return await Client.connect(
        address or os.environ.get("TEMPORAL_ADDRESS", "localhost:7233"),
        namespace=namespace or os.environ.get("TEMPORAL_NAMESPACE", "default"),
        data_converter=data_converter,
    )


def input_hash(generation_input: dict[str, Any]) -> str:
    """sha256 of the input as JSON with sorted keys: the same input hashes the same, whatever the key order."""
    text = json.dumps(generation_input, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def summary_of(generation_input: dict[str, Any]) -> str:
    """The Temporal UI's one-line label: `sora-2: <title or first words>` (as the TypeScript helper)."""
    title = (generation_input.get("metadata") or {}).get("title")
    label = title if isinstance(title, str) and title.strip() else " ".join(str(generation_input.get("prompt", "")).split()[:6])
    label = " ".join(label.split())
    label = label if len(label) <= 60 else label[:59] + "…"
    model = generation_input.get("model", "sora-2")
    return f"{model}: {label}" if label else f"{model} generation"


async def start_or_attach(
    client: Client, generation_input: dict[str, Any], workflow_id: str, task_queue: str = DEFAULT_TASK_QUEUE
) -> WorkflowHandle[Any, Any]:
    """Starts the generation, or attaches to the one under this id when it has the same input."""
    digest = input_hash(generation_input)
    try:
        handle: WorkflowHandle[Any, Any] = await client.start_workflow(
            WORKFLOW_TYPE,
            generation_input,
            id=workflow_id,
            task_queue=task_queue,
            id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
            id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
            memo={INPUT_HASH_MEMO_KEY: digest},
            static_summary=summary_of(generation_input),
        )
    except WorkflowAlreadyStartedError:
        # Closed, and the reuse policy refuses a second run: attach to its outcome instead.
        handle = client.get_workflow_handle(workflow_id)
    description = await handle.describe()
    existing = (await description.memo()).get(INPUT_HASH_MEMO_KEY)
    if isinstance(existing, str) and existing != digest:
        raise WorkflowIdConflictError(workflow_id, description.run_id)
    return client.get_workflow_handle(workflow_id, run_id=description.run_id)


def failure_of(error: BaseException) -> dict[str, Any]:
    """A workflow's (or an Update's) failure as data: the ApplicationError's type, message and details."""
    cause: BaseException | None = getattr(error, "cause", None) or error
    if isinstance(cause, ApplicationError):
        details = list(cause.details)
        return {
            "type": cause.type,
            "message": cause.message,
            "nonRetryable": cause.non_retryable,
            "details": details[0] if len(details) == 1 else details,
        }
    message = cause.message if isinstance(cause, FailureError) else str(cause)
    return {"type": cause.__class__.__name__, "message": message, "details": None}
