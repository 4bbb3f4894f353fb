// User administration: create (generated password), list, edit, deactivate; the last active admin stays.
import bcrypt from 'bcryptjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuthService } from '../../src/auth/service.js';
import { DEFAULT_ORG_ID } from '../support/org.js';
import { ensureFirstAdmin } from '../../src/runtime/bootstrap-admin.js';
import { loadConfig } from '../../src/config/index.js';
import { availableEngines, openEngine } from '../support/db.js';
import { bearer, createTestApp, type TestApp } from '../support/app.js';

describe.each(availableEngines())('users on %s', (engine) => {
  let x: TestApp;
  beforeAll(async () => {
    x = await createTestApp(engine);
  });
  afterAll(async () => {
    await x?.close();
  });

  it('admins create users; without a password one is generated and returned once', async () => {
    const admin = bearer(await x.token('admin'));
    const r = await x.app.inject({
      method: 'POST',
      url: '/users',
      headers: admin,
      payload: { email: 'New.Person@Example.com', name: 'New', role: 'analyst' },
    });
    expect(r.statusCode).toBe(201);
    const u = r.json<{ id: number; generatedPassword: string; role: string }>();
    expect(u.generatedPassword).toMatch(/^\S{20}$/);
    expect(u.role).toBe('analyst');
    // it works, once
    const login = await x.app.inject({
      method: 'POST',
      url: '/auth/login',
      payload: { email: 'new.person@example.com', password: u.generatedPassword },
    });
    expect(login.statusCode).toBe(200);
    const list = await x.app.inject({ method: 'GET', url: '/api/users', headers: admin });
    const listed = list.json<{ items: Record<string, unknown>[]; total: number }>();
    expect(listed.total).toBeGreaterThanOrEqual(4);
    for (const item of listed.items) {
      expect(item).not.toHaveProperty('generatedPassword');
      expect(item).not.toHaveProperty('passwordHash');
    }
  });

  it('e-mail addresses are unique whatever their case → 409', async () => {
    const admin = bearer(await x.token('admin'));
    const r = await x.app.inject({
      method: 'POST',
      url: '/users',
      headers: admin,
      payload: { email: 'VIEWER@example.com', name: 'Dup', role: 'viewer' },
    });
    expect(r.statusCode).toBe(409);
    expect(r.json<{ code: string }>().code).toBe('email_taken');
  });

  it('validates input: bad e-mail, unknown role, short password, unknown field', async () => {
    const admin = bearer(await x.token('admin'));
    for (const payload of [
      { email: 'not-an-email', name: 'x', role: 'viewer' },
      { email: 'ok@example.com', name: 'x', role: 'root' },
      { email: 'ok@example.com', name: 'x', role: 'viewer', password: 'short' },
      { email: 'ok@example.com', name: 'x', role: 'viewer', isAdmin: true },
    ]) {
      const r = await x.app.inject({ method: 'POST', url: '/users', headers: admin, payload });
      expect(r.statusCode, JSON.stringify(payload)).toBe(400);
      expect(r.json<{ errors: unknown[] }>().errors.length).toBeGreaterThan(0);
    }
  });

  it('edits name, role and active; 404 for an unknown user', async () => {
    const admin = bearer(await x.token('admin'));
    const { user } = await x.auth.createUser({
      email: 'edit@example.com',
      name: 'E',
      member: { orgId: DEFAULT_ORG_ID, role: 'viewer' },
      password: 'a long enough pw',
    });
    const r = await x.app.inject({
      method: 'PATCH',
      url: `/users/${user.id}`,
      headers: admin,
      payload: { name: 'Edited', role: 'analyst' },
    });
    expect(r.json()).toMatchObject({ name: 'Edited', role: 'analyst', active: true });
    expect(
      (await x.app.inject({ method: 'PATCH', url: '/users/999999', headers: admin, payload: { name: 'x' } }))
        .statusCode,
    ).toBe(404);
    expect(
      (await x.app.inject({ method: 'PATCH', url: `/users/${user.id}`, headers: admin, payload: {} })).statusCode,
    ).toBe(400);
  });

  it('removing or demoting the last active admin → 409; with a second admin it works', async () => {
    const admin = bearer(await x.token('admin'));
    const me = x.users.admin.id;
    expect(
      (await x.app.inject({ method: 'PATCH', url: `/users/${me}`, headers: admin, payload: { role: 'viewer' } }))
        .statusCode,
    ).toBe(409);
    expect(
      (await x.app.inject({ method: 'PATCH', url: `/users/${me}`, headers: admin, payload: { active: false } }))
        .statusCode,
    ).toBe(409);
    const del = await x.app.inject({ method: 'DELETE', url: `/users/${me}`, headers: admin });
    expect(del.statusCode).toBe(409);
    expect(del.json<{ code: string }>().code).toBe('last_admin');
    const { user: second } = await x.auth.createUser({
      email: 'admin2@example.com',
      name: 'A2',
      member: { orgId: DEFAULT_ORG_ID, role: 'admin' },
      password: 'a long enough pw',
    });
    expect(
      (
        await x.app.inject({
          method: 'PATCH',
          url: `/users/${second.id}`,
          headers: admin,
          payload: { role: 'analyst' },
        })
      ).statusCode,
    ).toBe(200);
    expect(
      (await x.app.inject({ method: 'PATCH', url: `/users/${me}`, headers: admin, payload: { role: 'viewer' } }))
        .statusCode,
    ).toBe(409);
  });

  it('passwords are bcrypt with cost 12 by default', async () => {
    const svc = new AuthService(x.t.db, {
      secret: new Uint8Array(64),
      accessTokenTtlSeconds: 900,
      refreshTokenTtlSeconds: 3600,
      loginMaxFailures: 10,
    });
    const { user } = await svc.createUser({
      email: 'cost@example.com',
      name: 'C',
      member: { orgId: DEFAULT_ORG_ID, role: 'viewer' },
      password: 'a long enough pw',
    });
    const row = await x.t.db.query<{ password_hash: string }>('SELECT password_hash FROM users WHERE id = $1', [
      user.id,
    ]);
    expect(row.rows[0]!.password_hash).toMatch(/^\$2[aby]\$12\$/);
    expect(bcrypt.getRounds(row.rows[0]!.password_hash)).toBe(12);
  });
});

describe('first start', () => {
  it('creates the admin from DMARC_ADMIN_EMAIL/PASSWORD, or prints a generated password once', async () => {
    const t = await openEngine('pglite');
    try {
      const svc = new AuthService(t.db, {
        secret: new Uint8Array(64),
        accessTokenTtlSeconds: 900,
        refreshTokenTtlSeconds: 3600,
        loginMaxFailures: 10,
        bcryptCost: 4,
      });
      const printed: string[] = [];
      await ensureFirstAdmin(svc, loadConfig({}), t.db, (l) => printed.push(l));
      expect(printed.join('\n')).toMatch(/admin@localhost with the password: \S{20}/);
      const pw = /password: (\S+)/.exec(printed.join('\n'))![1]!;
      await ensureFirstAdmin(svc, loadConfig({}), t.db, (l) => printed.push(l)); // users exist: nothing again
      expect(printed.filter((l) => l.includes(pw))).toHaveLength(1);
      const u = await svc.findUserByEmail('admin@localhost');
      // a platform administrator, and an admin of the default organisation
      expect(u?.platformAdmin).toBe(true);
      expect((await svc.getMember(DEFAULT_ORG_ID, u!.id))?.role).toBe('admin');
    } finally {
      await t.drop();
    }
    const t2 = await openEngine('pglite');
    try {
      const svc = new AuthService(t2.db, {
        secret: new Uint8Array(64),
        accessTokenTtlSeconds: 900,
        refreshTokenTtlSeconds: 3600,
        loginMaxFailures: 10,
        bcryptCost: 4,
      });
      const printed: string[] = [];
      await ensureFirstAdmin(
        svc,
        loadConfig({ DMARC_ADMIN_EMAIL: 'boss@example.com', DMARC_ADMIN_PASSWORD: 'from the environment' }),
        t2.db,
        (l) => printed.push(l),
      );
      expect(printed.join('\n')).not.toContain('from the environment');
      const s = await svc.login('boss@example.com', 'from the environment', '127.0.0.1');
      expect(s.user.role).toBe('admin');
    } finally {
      await t2.drop();
    }
  });
});
