import type { StompFrame } from './stomp-frame';
import { CHAT_QUEUE, ERROR_QUEUE } from '../../protocol/destinations';

export interface Subscription {
  readonly id: string;
  readonly destination: string;
  /** client / client-individual ack mode (MESSAGE frames then carry an `ack` header). */
  readonly ack: boolean;
}

/** Destinations a client may SUBSCRIBE to. */
export const SUBSCRIBABLE: ReadonlySet<string> = new Set([CHAT_QUEUE, ERROR_QUEUE]);

const MAX_SUBSCRIPTIONS = 16;
const ACK_MODES = ['auto', 'client', 'client-individual'];

/** A SUBSCRIBE frame checked: the subscription, `refused` (a destination nobody may subscribe to), or the protocol error to close with. */
export function readSubscribe(frame: StompFrame, current: readonly Subscription[]): Subscription | { refused: string } | string {
  const id = frame.headers.get('id');
  const destination = frame.headers.get('destination');
  if (!id || !destination) return 'SUBSCRIBE needs id and destination';
  if (!SUBSCRIBABLE.has(destination)) return { refused: `cannot subscribe to ${destination.slice(0, 100)}` };
  if (current.some((s) => s.id === id)) return `subscription id ${id} is in use`;
  if (current.length >= MAX_SUBSCRIPTIONS) return 'too many subscriptions';
  const ack = frame.headers.get('ack') ?? 'auto';
  if (!ACK_MODES.includes(ack)) return `unknown ack mode ${ack}`;
  return { id, destination, ack: ack !== 'auto' };
}
