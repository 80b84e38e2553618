// The shared server interop suite with permessage-deflate (RFC 7692) on, against Python's
// websockets client, which offers `permessage-deflate; client_max_window_bits` (memLevel 5).
import { PythonPeer, skipReason } from './python-peer.js';
import { serverInteropSuite } from './server-suite.js';

const skip = skipReason();
const peer = async () => new PythonPeer('deflate');

serverInteropSuite('Python websockets', peer, skip, {
  label: 'permessage-deflate, defaults',
  server: { perMessageDeflate: true },
  extensions: 'permessage-deflate; server_no_context_takeover',
});

serverInteropSuite('Python websockets', peer, skip, {
  label: 'permessage-deflate, context takeover kept by the server',
  server: { perMessageDeflate: { serverNoContextTakeover: false } },
  extensions: 'permessage-deflate',
});

serverInteropSuite('Python websockets', peer, skip, {
  label: 'permessage-deflate, no context takeover, windows of 10 and 9 bits',
  server: {
    perMessageDeflate: {
      serverNoContextTakeover: true,
      clientNoContextTakeover: true,
      serverMaxWindowBits: 10,
      clientMaxWindowBits: 9,
      threshold: 0,
    },
  },
  extensions:
    'permessage-deflate; server_no_context_takeover; client_no_context_takeover; server_max_window_bits=10; client_max_window_bits=9',
});
