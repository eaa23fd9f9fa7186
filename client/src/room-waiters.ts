import type { OfficeHoursError } from './errors';

interface Waiter {
  resolve(): void;
  reject(err: OfficeHoursError): void;
}

/** `follow()` calls waiting for their room's next completed sync (or its refusal). */
export class RoomWaiters {
  private readonly waiting = new Map<number, Waiter[]>();

  wait(requestIdx: number): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.waiting.set(requestIdx, [...(this.waiting.get(requestIdx) ?? []), { resolve, reject }]);
    });
  }

  resolve(requestIdx: number): void {
    for (const w of this.take(requestIdx)) w.resolve();
  }

  reject(requestIdx: number, err: OfficeHoursError): void {
    for (const w of this.take(requestIdx)) w.reject(err);
  }

  rejectAll(err: OfficeHoursError): void {
    for (const room of [...this.waiting.keys()]) this.reject(room, err);
  }

  private take(requestIdx: number): Waiter[] {
    const ws = this.waiting.get(requestIdx) ?? [];
    this.waiting.delete(requestIdx);
    return ws;
  }
}
