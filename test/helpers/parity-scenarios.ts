/**
 * Scenarios run the same way by wskit's WebSocket and by another implementation (undici's), so that their observable event sequences can be compared.
 */
import { record, type WebSocketLike } from './ws-events.js';

export const SCENARIOS = [
  'echo',
  'server-close',
  'abrupt',
  'not-found',
  'protocol-error',
  'close-while-connecting',
] as const;
export type Scenario = (typeof SCENARIOS)[number];

export function isScenario(name: string | undefined): name is Scenario {
  return (SCENARIOS as readonly string[]).includes(name ?? '');
}

/** Drives `ws` through the scenario's client side; resolves with the events seen and their readyState. */
export async function runScenario(ws: WebSocketLike, scenario: Scenario): Promise<string[]> {
  ws.binaryType = 'arraybuffer';
  const { log, closed } = record(ws);
  const states: string[] = [];
  for (const type of ['open', 'message', 'error', 'close']) {
    ws.addEventListener(type, () => states.push(`${type}@${ws.readyState}`));
  }
  if (scenario === 'echo') {
    ws.addEventListener('open', () => {
      ws.send('hello');
      ws.send(new Uint8Array([1, 2, 3]));
    });
    let received = 0;
    ws.addEventListener('message', () => {
      if (++received === 2) ws.close(1000, 'done');
    });
  }
  if (scenario === 'close-while-connecting') ws.close();
  await closed;
  return [...log, ...states];
}
