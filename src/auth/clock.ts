/** The time source of everything that expires (tokens, keys, login windows): replaceable in tests. */
export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };
