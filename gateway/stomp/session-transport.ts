/** The part of a uWS WebSocket a session uses (the socket itself satisfies it: no wrapper per session). */
export interface SessionTransport {
  send(message: string, isBinary?: boolean): number;
  cork(cb: () => void): unknown;
  getBufferedAmount(): number;
  end(code?: number, shortMessage?: string): void;
}

/** WebSocket close codes a session ends with. */
export const CLOSE = { normal: 1000, goingAway: 1001, protocol: 1002, policy: 1008, tryAgain: 1013 } as const;
