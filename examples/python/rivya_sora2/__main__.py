"""`python -m rivya_sora2 <command>`: start, await, query, update and cancel a generation.

Every command prints one JSON object on stdout. Exit codes: 0 done, 1 usage or connection error,
2 the workflow id is taken by other input, 3 the generation (or the Update) failed: the JSON then
holds the failure's type, message and details.

Connection: TEMPORAL_ADDRESS (default localhost:7233), TEMPORAL_NAMESPACE (default "default"),
RIVYA_TASK_QUEUE (default rivya-sora2). Encryption: set RIVYA_CODEC_KEYS or RIVYA_CODEC_KEY_FILE as
for the worker, and inputs and results are encrypted/decrypted here.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import time
import traceback
from typing import Any

from temporalio.client import WorkflowFailureError, WorkflowUpdateFailedError

from .caller import DEFAULT_TASK_QUEUE, STATUS_QUERY, UPDATES, WorkflowIdConflictError, connect, failure_of, start_or_attach

EXIT_FAILED = 3
EXIT_CONFLICT = 2


def emit(value: dict[str, Any]) -> None:
    print(json.dumps(value, ensure_ascii=False), flush=True)


def read_input(args: argparse.Namespace) -> dict[str, Any]:
    text = args.input if args.input is not None else open(args.input_file, encoding="utf-8").read()
    value = json.loads(text)
    if not isinstance(value, dict):
        raise SystemExit("the input must be a JSON object, e.g. {\"prompt\": \"a heron over a lake\"}")
    return value


async def await_result(handle: Any) -> int:
    try:
        result = await handle.result()
    except WorkflowFailureError as err:
        emit({"workflowId": handle.id, "ok": False, "failure": failure_of(err)})
        return EXIT_FAILED
    emit({"workflowId": handle.id, "ok": True, "result": result})
    return 0


async def main(args: argparse.Namespace) -> int:
    client = await connect()
    if args.command in ("start", "run"):
        try:
            handle = await start_or_attach(client, read_input(args), args.workflow_id, args.task_queue)
        except WorkflowIdConflictError as err:
            emit({"workflowId": err.workflow_id, "ok": False, "conflict": str(err), "runId": err.run_id})
            return EXIT_CONFLICT
        if args.command == "start":
            emit({"workflowId": handle.id, "runId": handle.run_id})
            return 0
        return await await_result(handle)

    handle = client.get_workflow_handle(args.workflow_id)
    if args.command == "result":
        return await await_result(handle)
    if args.command == "status":
        deadline = time.monotonic() + args.timeout
        while True:
            status = await handle.query(STATUS_QUERY)
            reached = args.until_phase is None or (status["phase"] == args.until_phase and (not args.with_task or status["taskId"]))
            if reached or time.monotonic() > deadline:
                emit({"workflowId": handle.id, "ok": reached, "status": status})
                return 0 if reached else EXIT_FAILED
            await asyncio.sleep(0.2)
    if args.command == "update":
        update_args = [] if args.arg is None else [json.loads(args.arg)]
        try:
            result = await handle.execute_update(args.name, args=update_args)
        except WorkflowUpdateFailedError as err:
            emit({"workflowId": handle.id, "ok": False, "update": args.name, "failure": failure_of(err)})
            return EXIT_FAILED
        emit({"workflowId": handle.id, "ok": True, "update": args.name, "result": result})
        return 0
    if args.command == "cancel":
        await handle.cancel()
        emit({"workflowId": handle.id, "ok": True, "cancelRequested": True})
        return 0
    raise AssertionError(args.command)


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(prog="python -m rivya_sora2", description=__doc__.split("\n")[0])
    commands = root.add_subparsers(dest="command", required=True)

    def command(name: str, help_text: str) -> argparse.ArgumentParser:
        sub = commands.add_parser(name, help=help_text)
        sub.add_argument("--workflow-id", required=True, help="the generation's identity (Rivya's Idempotency-Key)")
        return sub

    for name, help_text in (("start", "start, or attach to the run under this id"), ("run", "start or attach, then await the result")):
        sub = command(name, help_text)
        source = sub.add_mutually_exclusive_group(required=True)
        source.add_argument("--input", help="the generation input as JSON, e.g. '{\"prompt\": \"…\"}'")
        source.add_argument("--input-file", help="a file holding the input JSON")
        sub.add_argument("--task-queue", default=os.environ.get("RIVYA_TASK_QUEUE", DEFAULT_TASK_QUEUE))
    command("result", "await the result (or the typed failure)")
    status = command("status", f"query {STATUS_QUERY}")
    status.add_argument("--until-phase", help="re-query until the run is in this phase (e.g. polling)")
    status.add_argument("--with-task", action="store_true", help="with --until-phase: also until the Rivya task exists")
    status.add_argument("--timeout", type=float, default=30.0, help="seconds to wait for --until-phase")
    update = command("update", "send an operator Update: " + "; ".join(f"{n} {a}" for n, a in UPDATES.items()))
    update.add_argument("--name", required=True, choices=sorted(UPDATES))
    update.add_argument("--arg", help="the Update's argument as JSON")
    command("cancel", "request cancellation (the run then fails with GenerationCancelled)")
    return root


def exit_now(code: int) -> None:
    """Ends the process without interpreter finalisation.

    A short-lived client process can abort (SIGABRT, "PyGILState_Release ... finalizing") when the
    interpreter tears down while the SDK's Rust runtime threads are still alive (temporalio's
    sdk-python issue #300): seen in this project's CI on a `status` run whose answer was already
    printed. The work is done and the output flushed, so skipping finalisation loses nothing.
    """
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


if __name__ == "__main__":
    arguments = parser().parse_args()
    try:
        exit_code = asyncio.run(main(arguments))
    except Exception:  # noqa: BLE001 -- printed, then a plain exit 1 (usage, connection, decryption errors)
        traceback.print_exc()
        exit_code = 1
    exit_now(exit_code)
