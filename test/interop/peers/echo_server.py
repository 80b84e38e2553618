"""Python websockets (Debian python3-websockets 10.4) as an interop peer for the wskit client.

Listens on 127.0.0.1 and an ephemeral port, prints the port on the first line of stdout, and
serves until stdin is closed:
  /echo           echoes every message with its type
  /close/CODE     closes at once with CODE and the reason "closing from python"
  /extensions     sends the Sec-WebSocket-Extensions value of its response ("" for none)
Subprotocol "chat" is selected when the client offers it. With --deflate, permessage-deflate is
accepted with the library's defaults (windows of 12 bits, memLevel 5); without, it is declined.
"""

import asyncio
import sys

import websockets


async def handler(websocket):
    if websocket.path == "/extensions":
        await websocket.send(websocket.response_headers.get("Sec-WebSocket-Extensions", ""))
        await websocket.wait_closed()
        return
    if websocket.path.startswith("/close/"):
        await websocket.close(int(websocket.path.split("/")[2]), "closing from python")
        return
    async for message in websocket:
        await websocket.send(message)


async def main():
    async with websockets.serve(
        handler,
        "127.0.0.1",
        0,
        subprotocols=["chat"],
        max_size=None,
        compression="deflate" if "--deflate" in sys.argv else None,
    ) as server:
        print(server.sockets[0].getsockname()[1], flush=True)
        await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)


asyncio.run(main())
