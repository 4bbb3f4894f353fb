// The organisation routes: creating (platform administrators), members (added, created, re-roled, removed, the
// last admin kept), renaming, and deleting an organisation with every row of its data.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, createTestApp, TEST_PASSWORD, type TestApp } from '../support/app.js';
import { availableEngines } from '../support/db.js';
import { multipart, syntheticReport } from './helpers.js';

interface OrgBody {
  id: number;
  slug: string;
  name: string;
}

describe.each(availableEngines())('organisations on %s', (engine) => {
  let x: TestApp;
  let platform: Record<string, string>;
  beforeAll(async () => {
    x = await createTestApp(engine, { DMARC_RATE_LIMIT_PER_MINUTE: '100000' });
    platform = { ...bearer(await x.token('admin')), 'content-type': 'application/json' };
  });
  afterAll(async () => {
    await x?.close();
  });

  const json = (h: Record<string, string>) => ({ ...h, 'content-type': 'application/json' });
  const post = (url: string, body: unknown, headers = platform) =>
    x.app.inject({ method: 'POST', url, headers, payload: JSON.stringify(body) });

  it('a platform administrator creates organisations; slugs are validated and unique', async () => {
    const r = await post('/api/orgs', { slug: 'acme', name: 'ACME Corp' });
    expect(r.statusCode, r.body).toBe(201);
    expect(r.json<OrgBody>()).toMatchObject({ slug: 'acme', name: 'ACME Corp' });
    expect((await post('/api/orgs', { slug: 'acme', name: 'Again' })).json()).toMatchObject({
      status: 409,
      code: 'slug_taken',
    });
    for (const slug of ['ACME', 'a_b', '-x', 'x-', '', 'a'.repeat(64), 'a\u0000b']) {
      const bad = await post('/api/orgs', { slug, name: 'x' });
      expect(bad.statusCode, slug).toBe(400);
    }
    const admin = json(bearer(await x.token('analyst')));
    expect((await post('/api/orgs', { slug: 'nope', name: 'x' }, admin)).statusCode).toBe(403);
  });

  it('GET /api/orgs lists what the caller can enter, with the role there', async () => {
    const mine = await x.app.inject({ method: 'GET', url: '/api/orgs', headers: bearer(await x.token('viewer')) });
    expect(mine.json<{ items: { slug: string; role: string }[] }>().items).toEqual([
      expect.objectContaining({ slug: 'default', role: 'viewer' }),
    ]);
    const all = await x.app.inject({ method: 'GET', url: '/api/orgs', headers: platform });
    expect(all.json<{ items: { slug: string; role: string }[] }>().items.map((o) => [o.slug, o.role])).toEqual([
      ['acme', 'admin'],
      ['default', 'admin'],
    ]);
  });

  it('members: create a user, add an existing one, change roles, keep the last admin, remove', async () => {
    const created = await post('/api/orgs/acme/members', {
      email: 'boss@acme.example',
      role: 'admin',
      name: 'Boss',
      password: TEST_PASSWORD,
    });
    expect(created.statusCode, created.body).toBe(201);
    const boss = created.json<{ id: number; role: string; platformAdmin: boolean }>();
    expect(boss).toMatchObject({ role: 'admin', platformAdmin: false });
    // an existing user, by e-mail: keeps the default organisation too
    const added = await post('/api/orgs/acme/members', { email: 'viewer@example.com', role: 'analyst' });
    expect(added.statusCode, added.body).toBe(201);
    expect(added.json()).toMatchObject({ id: x.users.viewer.id, role: 'analyst' });
    // unknown without name and password → 404; existing with a password → 409
    expect((await post('/api/orgs/acme/members', { email: 'ghost@acme.example', role: 'viewer' })).statusCode).toBe(
      404,
    );
    expect(
      (await post('/api/orgs/acme/members', { email: 'viewer@example.com', role: 'viewer', password: TEST_PASSWORD }))
        .statusCode,
    ).toBe(409);

    // the boss manages acme now, but not default
    const bossLogin = await x.app.inject({
      method: 'POST',
      url: '/auth/login',
      headers: { 'content-type': 'application/json' },
      payload: JSON.stringify({ email: 'boss@acme.example', password: TEST_PASSWORD }),
    });
    const bossBearer = bearer(bossLogin.json<{ accessToken: string }>().accessToken);
    const bossHeaders = json(bossBearer);
    const list = await x.app.inject({ method: 'GET', url: '/api/orgs/acme/members', headers: bossHeaders });
    expect(list.json<{ items: { email: string; role: string }[] }>().items.map((m) => [m.email, m.role])).toEqual([
      ['viewer@example.com', 'analyst'],
      ['boss@acme.example', 'admin'],
    ]);
    expect(
      (await x.app.inject({ method: 'GET', url: '/api/orgs/default/members', headers: bossHeaders })).statusCode,
    ).toBe(404);
    // /api/... means acme for the boss (their only organisation)
    const me = await x.app.inject({ method: 'GET', url: '/api/me', headers: bossHeaders });
    expect(me.json()).toMatchObject({ role: 'admin', organization: { slug: 'acme' } });

    // the last admin cannot step down or leave
    const demote = await x.app.inject({
      method: 'PATCH',
      url: `/api/orgs/acme/members/${boss.id}`,
      headers: bossHeaders,
      payload: JSON.stringify({ role: 'viewer' }),
    });
    expect(demote.json()).toMatchObject({ status: 409, code: 'last_admin' });
    const leave = await x.app.inject({
      method: 'DELETE',
      url: `/api/orgs/acme/members/${boss.id}`,
      headers: bossBearer,
    });
    expect(leave.statusCode).toBe(409);
    // a shared user's person is a platform administrator's: the boss may change their role, not deactivate them
    const deactivate = await x.app.inject({
      method: 'DELETE',
      url: `/api/orgs/acme/users/${x.users.viewer.id}`,
      headers: bossBearer,
    });
    expect(deactivate.statusCode).toBe(403);
    const promote = await x.app.inject({
      method: 'PATCH',
      url: `/api/orgs/acme/members/${x.users.viewer.id}`,
      headers: bossHeaders,
      payload: JSON.stringify({ role: 'admin' }),
    });
    expect(promote.json()).toMatchObject({ role: 'admin' });
    const removed = await x.app.inject({
      method: 'DELETE',
      url: `/api/orgs/acme/members/${x.users.viewer.id}`,
      headers: bossBearer,
    });
    expect(removed.statusCode).toBe(204);
    // still a viewer of default, nothing in acme
    expect((await x.auth.getMember(1, x.users.viewer.id))?.role).toBe('viewer');
    const audit = await x.app.inject({ method: 'GET', url: '/api/orgs/acme/audit', headers: bossHeaders });
    expect(audit.json<{ items: { action: string }[] }>().items.map((a) => a.action)).toEqual(
      expect.arrayContaining(['member.add', 'member.update', 'member.remove']),
    );
  });

  it('an organisation admin renames it; the slug changes the URLs', async () => {
    const r = await x.app.inject({
      method: 'PATCH',
      url: '/api/orgs/acme',
      headers: platform,
      payload: JSON.stringify({ name: 'ACME Corporation', slug: 'acme-corp' }),
    });
    expect(r.json()).toMatchObject({ slug: 'acme-corp', name: 'ACME Corporation' });
    expect((await x.app.inject({ method: 'GET', url: '/api/orgs/acme', headers: platform })).statusCode).toBe(404);
    const detail = await x.app.inject({ method: 'GET', url: '/api/orgs/acme-corp', headers: platform });
    expect(detail.json()).toMatchObject({ slug: 'acme-corp', role: 'admin', domains: [] });
    const clash = await x.app.inject({
      method: 'PATCH',
      url: '/api/orgs/acme-corp',
      headers: platform,
      payload: JSON.stringify({ slug: 'default' }),
    });
    expect(clash.statusCode).toBe(409);
  });

  it("deleting an organisation deletes all of its data and nobody else's", async () => {
    const upload = async (slug: string, n: number) => {
      const body = multipart([{ name: `r${n}.xml`, bytes: syntheticReport(n, { domain: `${slug}.example` }) }]);
      const r = await x.app.inject({
        method: 'POST',
        url: `/api/orgs/${slug}/upload`,
        payload: body.payload,
        headers: { ...body.headers, ...bearer(await x.token('admin')) },
      });
      expect(r.statusCode, r.body).toBe(200);
    };
    await upload('acme-corp', 1);
    await upload('default', 2);
    await x.queue.drain();
    const detail = await x.app.inject({ method: 'GET', url: '/api/orgs/acme-corp', headers: platform });
    expect(detail.json<{ domains: string[] }>().domains).toEqual(['acme-corp.example']);
    const org = detail.json<OrgBody>();
    const count = async (orgId: number) => {
      const out: Record<string, number> = {};
      for (const table of [
        'ingested_files',
        'reports',
        'records',
        'rollup_daily',
        'rollup_source_daily',
        'domains',
        'memberships',
        'api_keys',
      ]) {
        out[table] = (
          await x.t.db.query<{ n: number }>(`SELECT count(*) AS n FROM ${table} WHERE org_id = $1`, [orgId])
        ).rows[0]!.n;
      }
      return out;
    };
    await x.auth.createApiKey(x.users.admin.id, org.id, 'acme key', null);
    expect(Object.values(await count(org.id)).every((n) => n > 0)).toBe(true);
    const before = await count(1);

    // organisation admins may not; platform administrators may
    const boss = await x.auth.findUserByEmail('boss@acme.example');
    const bossHeaders = bearer(await x.auth.access.sign(boss!.id));
    expect(
      (await x.app.inject({ method: 'DELETE', url: '/api/orgs/acme-corp', headers: bossHeaders })).statusCode,
    ).toBe(403);
    const del = await x.app.inject({
      method: 'DELETE',
      url: '/api/orgs/acme-corp',
      headers: bearer(await x.token('admin')),
    });
    expect(del.statusCode).toBe(204);
    expect(Object.values(await count(org.id)).every((n) => n === 0)).toBe(true);
    expect(await count(1)).toEqual(before);
    expect((await x.app.inject({ method: 'GET', url: '/api/orgs/acme-corp', headers: platform })).statusCode).toBe(404);
    // the boss still exists, in no organisation: /api/... has nothing to mean
    expect((await x.app.inject({ method: 'GET', url: '/api/rollup/summary', headers: bossHeaders })).statusCode).toBe(
      404,
    );
  });
});
