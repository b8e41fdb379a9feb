"""A Python service using the official `openai` client against the videos endpoint.

create (with an Idempotency-Key) -> poll retrieve -> download_content, then a refused request.
Prints one JSON line of what it saw; the jest test (test/integration/videos-endpoint.test.ts)
checks it. Usage: caller.py <base_url> <out_file> (the key in OPENAI_API_KEY).
"""

import json
import sys
import time

import openai


def main() -> None:
    base_url, out_file = sys.argv[1], sys.argv[2]
    client = openai.OpenAI(base_url=base_url, max_retries=2, timeout=30)
    video = client.videos.create(
        model="sora-2",
        prompt="[sim:succeed] a heron over a lake, from Python",
        seconds="15",
        size="1280x720",
        # Makes the client's own retries (and ours) attach instead of paying twice.
        extra_headers={"Idempotency-Key": "python-caller-1"},
    )
    statuses = [video.status]
    deadline = time.monotonic() + 60
    while video.status in ("queued", "in_progress") and time.monotonic() < deadline:
        time.sleep(0.3)
        video = client.videos.retrieve(video.id)
        statuses.append(video.status)
    content = client.videos.download_content(video.id)
    content.write_to_file(out_file)

    refused = None
    try:
        client.videos.create(model="sora-2", prompt="too short a clip", seconds="8")
    except openai.BadRequestError as err:
        refused = {"status": err.status_code, "message": err.message, "param": (err.body or {}).get("param")}

    print(json.dumps({
        "id": video.id,
        "status": video.status,
        "progress": video.progress,
        "seconds": video.seconds,
        "size": video.size,
        "statuses": statuses,
        "refused": refused,
        "openai": openai.__version__,
    }))


if __name__ == "__main__":
    main()
