/** A clock the tests move, for the rate-limit windows: 10 s into a minute, so a window has 50 s left. */
export function testClock(): { now: () => number; advance(seconds: number): void } {
  let now = Date.parse('2031-03-04T05:06:10.000Z');
  return { now: () => now, advance: (seconds) => void (now += seconds * 1000) };
}
