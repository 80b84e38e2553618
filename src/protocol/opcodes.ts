/** Frame opcodes, RFC 6455 §5.2 and §11.8. */
export const Opcode = {
  Continuation: 0x0,
  Text: 0x1,
  Binary: 0x2,
  Close: 0x8,
  Ping: 0x9,
  Pong: 0xa,
} as const;

export type Opcode = (typeof Opcode)[keyof typeof Opcode];
export type DataOpcode = typeof Opcode.Text | typeof Opcode.Binary;
export type ControlOpcode = typeof Opcode.Close | typeof Opcode.Ping | typeof Opcode.Pong;

/** RFC 6455 §5.5: control frames have the most significant bit of the opcode set. */
export function isControlOpcode(opcode: number): boolean {
  return (opcode & 0x8) !== 0;
}

/** RFC 6455 §5.2: 0x3–0x7 and 0xB–0xF are reserved; a frame that uses one fails the connection. */
export function isKnownOpcode(opcode: number): opcode is Opcode {
  return opcode <= 0x2 || (opcode >= 0x8 && opcode <= 0xa);
}
