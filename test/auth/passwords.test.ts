// Password hashing in worker threads: bcryptjs's hashes of every age still verify, a pool never runs more
// hashes at once than it has threads (the rest wait), and a closed pool refuses work.
import bcrypt from 'bcryptjs';
import { describe, expect, it } from 'vitest';
import { HashPool } from '../../src/auth/hash-pool.js';
import { hashPassword, verifyPassword } from '../../src/auth/passwords.js';

// Written by bcryptjs at cost 12 before hashing moved to worker threads ($2a$ as its older versions wrote).
const LEGACY = [
  { password: 'legacy password 2a', hash: '$2a$12$vu8rpe1c3mLhOEz0eZ5g5OCUnStQGD94hSAIVcqP6Fg7w63CP5rv.' },
  { password: 'legacy password 2b', hash: '$2b$12$Aw/rEwVqmHpFa3566lreoOEWxI33wryF1JjrDk8mwvooL4RNaZofa' },
];

describe('password hashing', () => {
  it('verifies $2a$ and $2b$ cost-12 hashes written by bcryptjs, and refuses wrong passwords', async () => {
    for (const { password, hash } of LEGACY) {
      expect(await verifyPassword(password, hash)).toBe(true);
      expect(await verifyPassword(`${password}!`, hash)).toBe(false);
    }
    expect(await verifyPassword('anything at all', 'not a bcrypt hash')).toBe(false);
  });

  it('writes bcrypt hashes that bcryptjs reads, at the cost asked', async () => {
    const hash = await hashPassword('a new password', 5);
    expect(hash).toMatch(/^\$2b\$05\$/);
    expect(bcrypt.compareSync('a new password', hash)).toBe(true);
  });

  it('runs at most as many hashes at once as it has threads; the others wait their turn', async () => {
    const pool = new HashPool(2);
    try {
      const hash = bcrypt.hashSync('pooled password', 6);
      const checks = Array.from({ length: 12 }, (_, i) => pool.compare(i % 3 === 0 ? 'pooled password' : 'no', hash));
      const queued = pool.stats();
      expect(queued.running).toBe(2);
      expect(queued.queued).toBe(10);
      const results = await Promise.all(checks);
      expect(results).toEqual(Array.from({ length: 12 }, (_, i) => i % 3 === 0));
      const s = pool.stats();
      expect(s).toMatchObject({ size: 2, verifications: 12, running: 0, queued: 0, peakRunning: 2 });
    } finally {
      await pool.close();
    }
    await expect(pool.compare('x', 'y')).rejects.toThrow(/closed/);
  });
});
