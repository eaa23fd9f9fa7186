interface BrowserGlobals {
  addEventListener?(type: string, fn: () => void): void;
  removeEventListener?(type: string, fn: () => void): void;
  document?: { visibilityState?: string; addEventListener(type: string, fn: () => void): void; removeEventListener(type: string, fn: () => void): void };
}

/** The browser says a retry is worth making now: it is back online, or the tab is visible again. Nothing on Node. */
export class WakeSignals {
  private readonly browser = globalThis as BrowserGlobals;

  constructor(private readonly wake: () => void) {}

  attach(): void {
    this.browser.addEventListener?.('online', this.wake);
    this.browser.document?.addEventListener('visibilitychange', this.onVisibility);
  }

  detach(): void {
    this.browser.removeEventListener?.('online', this.wake);
    this.browser.document?.removeEventListener('visibilitychange', this.onVisibility);
  }

  private readonly onVisibility = (): void => {
    if (this.browser.document?.visibilityState === 'visible') this.wake();
  };
}
