"""A WebSocket client driven by JSON lines on stdin, for wskit's server interop tests.

Each input line is a command; each output line is its result, as JSON. Messages are generated
here and checked here (an echo must equal what was sent); the test compares SHA-256 digests
with what the server saw. Uses python-websockets (10.4 in Debian), legacy asyncio client API.
"""

import asyncio
import hashlib
import json
import sys

import websockets

BASE = "wskit é€😀 "
BLOCK = bytes((i * 31 + 7) & 0xFF for i in range(256))


def generate(kind, size):
    """A message of exactly `size` bytes: UTF-8 text with multi-byte characters, or bytes."""
    if kind == "binary":
        return (BLOCK * (size // len(BLOCK) + 1))[:size]
    encoded = (BASE * (size // len(BASE.encode()) + 1)).encode()[:size]
    text = encoded.decode("utf-8", errors="ignore")
    return text + "x" * (size - len(text.encode()))


def digest(message):
    data = message.encode() if isinstance(message, str) else message
    return hashlib.sha256(data).hexdigest()


def describe(message):
    data = message.encode() if isinstance(message, str) else message
    return {"kind": "text" if isinstance(message, str) else "binary", "size": len(data), "sha256": digest(message)}


async def main():
    loop = asyncio.get_running_loop()
    ws = None
    while True:
        line = await loop.run_in_executor(None, sys.stdin.readline)
        if not line:
            break
        cmd = json.loads(line)
        op = cmd["op"]
        try:
            if op == "open":
                ws = await websockets.connect(
                    cmd["url"],
                    subprotocols=cmd.get("protocols") or None,
                    max_size=None,
                    ping_interval=None,
                    # "deflate" offers permessage-deflate with the library's defaults.
                    compression=cmd.get("compression"),
                )
                result = {"protocol": ws.subprotocol or ""}
            elif op == "echo":
                message = generate(cmd["kind"], cmd["size"])
                await ws.send(message)
                reply = await ws.recv()
                result = {"sha256": digest(message), "equal": reply == message}
            elif op == "echo_fragments":
                parts = [generate(cmd["kind"], size) for size in cmd["sizes"]]
                await ws.send(parts)
                whole = "".join(parts) if cmd["kind"] == "text" else b"".join(parts)
                reply = await ws.recv()
                result = {"sha256": digest(whole), "equal": reply == whole}
            elif op == "send_text":
                await ws.send(cmd["text"])
                result = {}
            elif op == "receive":
                result = describe(await ws.recv())
            elif op == "ping":
                waiter = await ws.ping(cmd["data"].encode())
                await waiter
                result = {"pong": True}
            elif op == "close":
                await ws.close(cmd["code"], cmd["reason"])
                result = {"code": ws.close_code, "reason": ws.close_reason}
            elif op == "wait_closed":
                try:
                    while True:
                        await ws.recv()
                except websockets.ConnectionClosed:
                    pass
                result = {"code": ws.close_code, "reason": ws.close_reason}
            elif op == "exit":
                break
            else:
                result = {"error": "unknown op " + op}
        except Exception as error:  # Reported to the test, which fails with it.
            result = {"error": type(error).__name__ + ": " + str(error)}
        print(json.dumps(result), flush=True)


asyncio.run(main())
