// Which budgets a login attempt spends. With max = DMARC_LOGIN_MAX_FAILURES (10 by default), per 15 minutes:
//
// - per (account, address): max attempts. Spending them locks out only that address from that account: for
//   15 minutes, then 30, 60, ... at most 24 hours for each further lockout within 48 hours of the last. A
//   success from the address clears the pair and its history. Failures elsewhere never lock the user out.
// - per address, across accounts (credential stuffing): 5 × max. A success does not clear it (an attacker
//   would log in to an account of their own to clear it); it only gives back its own attempt.
// - per account, from all addresses (distributed guessing): 10 × max, i.e. with the default at most ~10,000
//   guesses a day against a bcrypt hash of a password of 10 characters or more. Set high so that a user is
//   rarely caught by it, and it cannot lock the user out of their own address: an address the account
//   logged in from within 30 days is exempt from this budget and from the per-address one. Only a new
//   address waits (Retry-After) while the account is under attack from many.
//
// An IPv6 client is counted by its /64 (what one host or customer gets), not by each of its 2^64 addresses.
import net from 'node:net';
import type { Budget } from './failure-counter.js';

export const LOGIN_WINDOW_SECONDS = 15 * 60;
export const ADDRESS_FACTOR = 5;
export const ACCOUNT_FACTOR = 10;
export const MAX_LOCKOUT_SECONDS = 24 * 3600;
const STRIKES_SECONDS = 2 * MAX_LOCKOUT_SECONDS;
export const KNOWN_ADDRESS_SECONDS = 30 * 24 * 3600;

export type LoginLimit = 'account_address' | 'address' | 'account';

export interface LoginKeys {
  pair: string;
  strikes: string;
  address: string;
  account: string;
  /** Marked when the account logs in from the address. */
  known: string;
}

/** The client's address as counted: IPv4 as is (also when IPv4-mapped), IPv6 as its /64. */
export function clientNetwork(ip: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
  if (mapped) return mapped[1]!;
  const bare = ip.split('%')[0]!;
  if (!net.isIPv6(bare)) return ip;
  let s = bare.toLowerCase();
  const v4 = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(s);
  if (v4) {
    const [a, b, c, d] = v4.slice(1).map(Number) as [number, number, number, number];
    s = `${s.slice(0, v4.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const halves = s.split('::');
  const groups = (h: string | undefined): string[] => (h ? h.split(':') : []);
  const head = groups(halves[0]);
  const tail = groups(halves[1]);
  const all = halves.length > 1 ? [...head, ...Array<string>(8 - head.length - tail.length).fill('0'), ...tail] : head;
  return `${all
    .slice(0, 4)
    .map((g) => parseInt(g, 16).toString(16))
    .join(':')}::/64`;
}

export function loginKeys(email: string, ip: string): LoginKeys {
  const account = email.trim().toLowerCase();
  const address = clientNetwork(ip);
  // An address never contains '|', so "address|account" names one pair only.
  const pair = `${address}|${account}`;
  return {
    pair: `login:pair:${pair}`,
    strikes: `login:strikes:${pair}`,
    address: `login:addr:${address}`,
    account: `login:acct:${account}`,
    known: `login:known:${pair}`,
  };
}

/** The budgets an attempt reserves; an address the account logged in from (known) spends only its pair's. */
export function loginBudgets(keys: LoginKeys, max: number, known: boolean): Budget[] {
  const pair: Budget = {
    key: keys.pair,
    limit: max,
    windowSeconds: LOGIN_WINDOW_SECONDS,
    backoff: {
      strikesKey: keys.strikes,
      baseSeconds: LOGIN_WINDOW_SECONDS,
      maxSeconds: MAX_LOCKOUT_SECONDS,
      strikesSeconds: STRIKES_SECONDS,
    },
  };
  if (known) return [pair];
  return [
    pair,
    { key: keys.address, limit: ADDRESS_FACTOR * max, windowSeconds: LOGIN_WINDOW_SECONDS },
    { key: keys.account, limit: ACCOUNT_FACTOR * max, windowSeconds: LOGIN_WINDOW_SECONDS },
  ];
}

/** Which limit a spent key is. */
export function limitOf(keys: LoginKeys, key: string): LoginLimit {
  return key === keys.address ? 'address' : key === keys.account ? 'account' : 'account_address';
}
