/** The one way time reaches the code: passed in the dependencies, so a test or a rerun can set it. */
export interface Clock {
  now(): Date;
}

/** The machine's clock: what the composition root passes in production. */
export const systemClock: Clock = { now: () => new Date() };
