// The shared server interop suite against Python's websockets client (Debian python3-websockets).
import { PythonPeer, skipReason } from './python-peer.js';
import { serverInteropSuite } from './server-suite.js';

serverInteropSuite('Python websockets', async () => new PythonPeer(), skipReason());
