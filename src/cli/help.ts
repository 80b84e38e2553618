/** The text of `--help`, one per command. docs/cli.md says the same at more length. */
import type { Topic } from './args.js';

const WSKIT = `wskit: WebSocket tools

Usage:
  wskit serve [options]                  a WebSocket server (echo or chat) and the try-it page
  wskit connect [options] URL            an interactive WebSocket client
  wskit exec [options] -- COMMAND [ARGS] run a program for each connection (stdin/stdout)
  wskit help COMMAND                     help on a command (or: wskit COMMAND --help)
  wskit --version

Examples:
  wskit serve --mode broadcast
  wskit connect ws://127.0.0.1:8080/
  wskit exec --port 9000 -- ./count.sh

Exit status: 0 success, 1 failure (could not connect or listen), 2 usage error;
connect: 3 when the connection closed with a code other than 1000, 1001 or 1005.
Colours only on a terminal, and never with NO_COLOR set.
`;

const LISTEN = `  -p, --port N           port to listen on (0: any free port)        [8080]
      --host ADDR        address to listen on (0.0.0.0: every one)   [127.0.0.1]
      --path PATH        path that WebSocket clients connect to       [/]
      --tls-cert FILE    certificate (PEM): serve https:// and wss://
      --tls-key FILE     its private key (PEM); goes with --tls-cert
      --max-payload SIZE largest message accepted, in bytes (K, M, G) [100M]
  -h, --help             this help`;

const SERVE = `Usage: wskit serve [options]

A WebSocket server, with the try-it page at / to use it from a browser.

${LISTEN}
  -m, --mode MODE        echo: send each message back to its sender   [echo]
                         broadcast: send it to every other client (a chat room)
      --static DIR       serve the files in DIR for paths other than the page's
      --no-deflate       do not offer permessage-deflate compression
      --redis URL        with --mode broadcast: share the room with every other
                         wskit serve using this Redis (redis://host:port)

Prints the page's URL and the WebSocket URL. Ctrl-C (or SIGTERM) closes every
connection with 1001 and exits with status 0; 1 if the server cannot start.

Examples:
  wskit serve
  wskit serve --port 9000 --mode broadcast --static ./public
  wskit serve --mode broadcast --redis redis://127.0.0.1:6379
  wskit serve --host 0.0.0.0 --tls-cert cert.pem --tls-key key.pem
`;

const CONNECT = `Usage: wskit connect [options] URL

Opens a WebSocket connection. Lines typed (or piped in) are sent as text
messages; messages received are printed after "<" with the time, binary ones in
hex. When the input ends (Ctrl-D), wskit waits for replies until --wait seconds
pass without a message, then closes with 1000.
URL: ws://, wss://, http:// or https://; without a scheme, ws:// is assumed.

  -H, --header "N: V"    send this request header (repeatable)
  -s, --subprotocol P    offer this subprotocol (repeatable, in order)
  -x, --execute MSG      send MSG once connected (repeatable; the input is not
                         read), print the replies, close as above
  -w, --wait SECONDS     how long without a message, once everything is sent,
                         before closing (0: close at once)             [2]
      --json             print one JSON object per line for each event
      --ping             ping the server every second, print round-trip times
      --ping-interval S  ping every S seconds (implies --ping)
  -k, --insecure         accept a certificate that does not verify (self-signed)
      --ca FILE          trust this CA certificate (PEM) instead of the system's
      --no-deflate       do not offer permessage-deflate compression
      --timeout SECONDS  time allowed to connect and handshake (0: none) [10]
  -h, --help             this help

Exit status: 0 closed with 1000, 1001 or 1005 (by either side); 1 could not
connect (refused, TLS or handshake error); 2 usage error; 3 closed with another
code or abnormally (1006); 130 a second Ctrl-C.

Examples:
  wskit connect ws://127.0.0.1:8080/
  wskit connect -x hello -x world ws://127.0.0.1:8080/
  echo '{"op":"subscribe"}' | wskit connect --json wss://example.net/feed
  wskit connect -k -H "Authorization: Bearer t0ken" -s chat.v1 wss://localhost:8443/
`;

const EXEC = `Usage: wskit exec [options] -- COMMAND [ARGS...]

Runs COMMAND (without a shell) for each WebSocket connection: each line it
writes to stdout is sent as a text message, each text message received is
written to its stdin as a line. When it exits the connection closes (1000 for
exit status 0, 1011 otherwise); when the connection closes it gets SIGTERM, then
SIGKILL after --grace seconds. Its stderr is copied to wskit's, each line
prefixed. The request is in its environment: REMOTE_ADDR, REMOTE_PORT,
REQUEST_URI, PATH_INFO, QUERY_STRING, SERVER_NAME, SERVER_PORT, HTTPS,
HTTP_<HEADER> and more (see docs/cli.md).

${LISTEN}
      --max-processes N  programs running at once; more connections get 503
      --grace SECONDS    from SIGTERM to SIGKILL                     [5]

Examples:
  wskit exec -- ./count.sh
  wskit exec --port 9000 --max-processes 10 -- python3 -u chat.py
  wskit exec -- stdbuf -oL tr a-z A-Z   (stdbuf: flush each line, not each 4 KiB)
`;

const TEXTS: Readonly<Record<Topic, string>> = {
  wskit: WSKIT,
  serve: SERVE,
  connect: CONNECT,
  exec: EXEC,
};

export function helpText(topic: Topic): string {
  return TEXTS[topic];
}
