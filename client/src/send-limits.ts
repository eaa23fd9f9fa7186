import type { IFrame } from '@stomp/stompjs';
import { OfficeHoursError } from './errors';

/** What the server accepts in one chat.send, announced in its CONNECTED frame. */
export interface SendLimits {
  /** CHAT_MAX_MESSAGE_CHARS (code points, as the server counts). */
  readonly maxMessageChars: number;
  /** The largest STOMP frame the server parses; a bigger one costs the session. */
  readonly maxFrameBytes: number;
}

/** The contract's and the gateway's defaults, until a CONNECTED says otherwise. */
export const DEFAULT_SEND_LIMITS: SendLimits = { maxMessageChars: 4000, maxFrameBytes: 65_536 };

/** Room for the SEND frame's command and headers (destination, content-type, content-length, receipt). */
const FRAME_OVERHEAD_BYTES = 256;
const encoder = new TextEncoder();

export function limitsFrom(connected: IFrame, known: SendLimits): SendLimits {
  const positive = (v: string | undefined, fallback: number) => (Number(v) > 0 ? Number(v) : fallback);
  return {
    maxMessageChars: positive(connected.headers['max-message-chars'], known.maxMessageChars),
    maxFrameBytes: positive(connected.headers['max-frame-bytes'], known.maxFrameBytes),
  };
}

/** Why the server would refuse this send for its size (PAYLOAD_TOO_LARGE for the frame, VALIDATION_FAILED for the text), or undefined. */
export function sizeRefusal(requestIdx: number, content: string, limits: SendLimits): OfficeHoursError | undefined {
  const bytes = encoder.encode(JSON.stringify({ requestIdx, content, clientMsgId: '' })).length + 64 + FRAME_OVERHEAD_BYTES;
  if (bytes > limits.maxFrameBytes) {
    return new OfficeHoursError('PAYLOAD_TOO_LARGE', `message is ${bytes} bytes as a frame; the server accepts at most ${limits.maxFrameBytes}`, {
      requestIdx,
    });
  }
  if (content.length > limits.maxMessageChars && [...content].length > limits.maxMessageChars) {
    return new OfficeHoursError('VALIDATION_FAILED', `content must be at most ${limits.maxMessageChars} characters`, { requestIdx });
  }
  return undefined;
}
