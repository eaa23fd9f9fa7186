/** STOMP 1.2 frames: the shape, and the serializer (https://stomp.github.io/stomp-specification-1.2.html). */

export const CLIENT_COMMANDS = ['CONNECT', 'STOMP', 'SEND', 'SUBSCRIBE', 'UNSUBSCRIBE', 'ACK', 'NACK', 'BEGIN', 'COMMIT', 'ABORT', 'DISCONNECT'] as const;
export type ClientCommand = (typeof CLIENT_COMMANDS)[number];
export type ServerCommand = 'CONNECTED' | 'MESSAGE' | 'RECEIPT' | 'ERROR';

export interface StompFrame {
  readonly command: ClientCommand;
  /** First occurrence of each header wins (STOMP 1.2 §Repeated Header Entries). */
  readonly headers: ReadonlyMap<string, string>;
  readonly body: Buffer;
}

/** Escapes a header for every frame but CONNECT/CONNECTED (STOMP 1.2 §Value Encoding). */
export function escapeHeader(value: string): string {
  if (!/[\\\r\n:]/.test(value)) return value;
  return value.replace(/\\/g, '\\\\').replace(/\r/g, '\\r').replace(/\n/g, '\\n').replace(/:/g, '\\c');
}

/** Serializes a server frame; a body gets a content-length in bytes. */
export function serializeFrame(command: ServerCommand, headers: Readonly<Record<string, string>>, body?: string): string {
  let out = `${command}\n`;
  // STOMP 1.2 does not escape CONNECTED headers (1.0 compatibility): there a line break in a value
  // would start a forged header, so CR and LF are replaced instead.
  const escape = command !== 'CONNECTED';
  for (const key in headers) {
    const v = headers[key]!;
    out += escape ? `${escapeHeader(key)}:${escapeHeader(v)}\n` : `${key}:${v.replace(/[\r\n]/g, ' ')}\n`;
  }
  if (body !== undefined) out += `content-length:${Buffer.byteLength(body)}\n\n${body}\0`;
  else out += '\n\0';
  return out;
}

/** A MESSAGE frame for one subscription; the payload's byte length is computed once per event by the caller. */
export function messageFrame(
  destination: string,
  subscriptionId: string,
  messageId: string,
  ackId: string | undefined,
  payload: string,
  byteLength: number,
): string {
  const ack = ackId === undefined ? '' : `ack:${ackId}\n`;
  return `MESSAGE\ndestination:${destination}\ncontent-type:application/json\nsubscription:${escapeHeader(subscriptionId)}\nmessage-id:${messageId}\n${ack}content-length:${byteLength}\n\n${payload}\0`;
}
