import { TooManyRequestsError } from '../domain/errors.js';

/**
 * Per-tenant token buckets, in memory, one set per mount: `ratePerSecond` tokens a second, bursts up to twice that.
 * Entra's gallery checklist requires 25 requests/second per tenant; the default limit (200/s) is far above it, so
 * the limit only stops runaway clients. Buckets idle long enough to be full again are dropped.
 */
export class TenantRateLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();
  private readonly capacity: number;
  private lastSweep = 0;

  constructor(
    private readonly ratePerSecond: number,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.capacity = ratePerSecond * 2;
  }

  /** Takes one token for the tenant, or throws TooManyRequestsError with the seconds until one is available. */
  take(tenantId: string): void {
    const t = this.now();
    this.sweep(t);
    const b = this.buckets.get(tenantId) ?? { tokens: this.capacity, at: t };
    b.tokens = Math.min(this.capacity, b.tokens + ((t - b.at) / 1000) * this.ratePerSecond);
    b.at = t;
    this.buckets.set(tenantId, b);
    if (b.tokens < 1) throw new TooManyRequestsError((1 - b.tokens) / this.ratePerSecond);
    b.tokens -= 1;
  }

  private sweep(t: number): void {
    const refillMs = (this.capacity / this.ratePerSecond) * 1000;
    if (t - this.lastSweep < Math.max(refillMs, 10_000)) return;
    this.lastSweep = t;
    for (const [id, b] of this.buckets) if (t - b.at >= refillMs) this.buckets.delete(id);
  }
}
