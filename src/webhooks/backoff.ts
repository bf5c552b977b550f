/** The retry schedule of failed deliveries (docs/webhooks.md#retries; docs/configuration.md). */
export interface RetryPolicy {
  readonly baseSeconds: number;
  readonly factor: number;
  readonly maxSeconds: number;
  /** After this long since the first attempt, a delivery is given up (marked failed). */
  readonly retryForSeconds: number;
}

/** ±20 %: endpoints that failed together do not all come back at the same instant. */
const JITTER = 0.2;

/**
 * Delay in milliseconds before attempt `attempts + 1`, given `attempts` failed ones:
 * `base × factor^(attempts − 1)`, capped, with jitter. `random` is injectable for tests.
 */
export function retryDelayMs(
  policy: RetryPolicy,
  attempts: number,
  random: () => number = Math.random,
): number {
  const exponent = Math.max(0, attempts - 1);
  const seconds = Math.min(policy.maxSeconds, policy.baseSeconds * policy.factor ** exponent);
  const jittered = seconds * (1 - JITTER + 2 * JITTER * random());
  return Math.max(1, Math.round(jittered * 1000));
}
