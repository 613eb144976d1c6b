import type { NextFunction, Request, Response } from 'express';
import { TooManyRequestsError } from '../domain/errors.js';

/**
 * Token buckets by key (a tenant, a principal, a client address), in memory, one set per use: `ratePerSecond`
 * tokens a second, bursts up to `capacity` (default twice the rate). Buckets idle long enough to be full again are
 * dropped, so memory follows the keys seen recently.
 */
export class RateLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();
  private lastSweep = 0;

  constructor(
    private readonly ratePerSecond: number,
    private readonly capacity: number = ratePerSecond * 2,
    private readonly message = 'too many requests',
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** Takes one token for `key`, or throws TooManyRequestsError with the seconds until one is available. */
  take(key: string): void {
    const b = this.bucket(key);
    if (b.tokens < 1) throw this.refusal(b);
    b.tokens -= 1;
  }

  /** Throws TooManyRequestsError when `key` has no token left, without taking one. */
  check(key: string): void {
    const b = this.bucket(key);
    if (b.tokens < 1) throw this.refusal(b);
  }

  /** Takes one token for `key` if there is one (counting what already happened; never throws). */
  charge(key: string): void {
    const b = this.bucket(key);
    b.tokens = Math.max(0, b.tokens - 1);
  }

  private bucket(key: string): { tokens: number; at: number } {
    const t = this.now();
    this.sweep(t);
    const b = this.buckets.get(key) ?? { tokens: this.capacity, at: t };
    b.tokens = Math.min(this.capacity, b.tokens + ((t - b.at) / 1000) * this.ratePerSecond);
    b.at = t;
    this.buckets.set(key, b);
    return b;
  }

  private refusal(b: { tokens: number }): TooManyRequestsError {
    return new TooManyRequestsError((1 - b.tokens) / this.ratePerSecond, this.message);
  }

  private sweep(t: number): void {
    const refillMs = (this.capacity / this.ratePerSecond) * 1000;
    if (t - this.lastSweep < Math.max(refillMs, 10_000)) return;
    this.lastSweep = t;
    for (const [id, b] of this.buckets) if (t - b.at >= refillMs) this.buckets.delete(id);
  }
}

/**
 * A limit in front of authentication (issue 12, item 6): requests that carry no valid credential — none, or one
 * that was refused — cost their client address one token; an address without tokens is refused (429) before its
 * requests reach authentication, so a flood of bad tokens cannot load the database that tenants' own requests use.
 * Requests with valid credentials cost nothing here (they have their own limits). Keyed by `req.ip` (TRUST_PROXY
 * decides whether X-Forwarded-For is believed).
 */
export class AddressGuard {
  private readonly limiter: RateLimiter;

  constructor(perMinute: number) {
    this.limiter = new RateLimiter(
      perMinute / 60,
      perMinute,
      'too many unauthenticated or failed requests from this address',
    );
  }

  /** Throws TooManyRequestsError when the client's address has used its budget. */
  check(req: Request): void {
    this.limiter.check(addressOf(req));
  }

  /** Counts a request that was not (validly) authenticated. */
  fail(req: Request): void {
    this.limiter.charge(addressOf(req));
  }

  /**
   * A mount's front door (app.ts): an address over its budget is refused with `refuse` (the mount's own 429)
   * before request ids, logging or authentication cost anything, and its connection is closed. The refusal is held
   * back for up to a second (at most `maxHeldPerAddress` at a time per address, `maxHeld` in all; beyond that it is
   * sent at once), so a client that fires its next request as soon as it has an answer is slowed to a few a second
   * instead of keeping the service busy with refusals.
   */
  frontDoor(
    refuse: (err: TooManyRequestsError, req: Request, res: Response) => void,
  ): (req: Request, res: Response, next: NextFunction) => void {
    return (req, res, next) => {
      const refusal = this.refusal(req);
      if (!refusal) return next();
      res.setHeader('Connection', 'close');
      const address = addressOf(req);
      const heldHere = this.held.get(address) ?? 0;
      if (heldHere >= maxHeldPerAddress || this.heldTotal >= maxHeld) return refuse(refusal, req, res);
      this.held.set(address, heldHere + 1);
      this.heldTotal++;
      let released = false;
      const release = () => {
        if (released) return;
        released = true;
        clearTimeout(timer);
        this.heldTotal--;
        const left = (this.held.get(address) ?? 1) - 1;
        if (left > 0) this.held.set(address, left);
        else this.held.delete(address);
      };
      const timer = setTimeout(
        () => {
          release();
          if (!res.writableEnded && !res.destroyed) refuse(refusal, req, res);
        },
        Math.min(1000, refusal.retryAfterSeconds * 1000),
      );
      res.once('close', release);
    };
  }

  private refusal(req: Request): TooManyRequestsError | undefined {
    try {
      this.check(req);
      return undefined;
    } catch (err) {
      if (err instanceof TooManyRequestsError) return err;
      throw err;
    }
  }

  private readonly held = new Map<string, number>();
  private heldTotal = 0;
}

const maxHeldPerAddress = 64;
const maxHeld = 256;

function addressOf(req: Request): string {
  return req.ip ?? req.socket.remoteAddress ?? 'unknown';
}
