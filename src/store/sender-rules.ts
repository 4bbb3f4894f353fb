// An organisation's word on its senders (sender_rules): approved, not ours, or our own server, per policy domain
// (domain NULL: every domain of the organisation). Values are stored as parseSenderRule gives them (canonical);
// one rule per (domain, kind, value): a new word on a sender replaces the old one.
import type { Queryable } from './database.js';

export interface StoredSenderRule {
  id: number;
  /** null: every domain of the organisation. */
  domain: string | null;
  kind: 'service' | 'cidr' | 'base_domain';
  value: string;
  verdict: 'approved' | 'not_ours' | 'own';
  name: string | null;
  createdBy: number | null;
  createdAt: Date;
}

const COLUMNS = `id, domain, kind, value, verdict, name, created_by AS "createdBy", created_at AS "createdAt"`;

/** The rules that hold for `domain`: its own first, then those of every domain (null: only those). */
export async function senderRulesFor(db: Queryable, orgId: number, domain: string | null): Promise<StoredSenderRule[]> {
  const r = await db.query<StoredSenderRule>(
    `SELECT ${COLUMNS} FROM sender_rules
     WHERE org_id = $1 AND (domain = $2 OR domain IS NULL)
     ORDER BY domain IS NULL, kind, value`,
    [orgId, domain],
  );
  return r.rows;
}

/** Stores a rule, replacing the organisation's rule on the same sender for the same domain. */
export async function putSenderRule(
  db: Queryable,
  orgId: number,
  domain: string | null,
  rule: { kind: string; value: string; verdict: string; name?: string },
  createdBy: number | null,
): Promise<{ rule: StoredSenderRule; created: boolean }> {
  const r = await db.query<StoredSenderRule & { created: boolean }>(
    `INSERT INTO sender_rules (org_id, domain, kind, value, verdict, name, created_by)
     VALUES ($1, $2, $3, $4, $5, $6, $7)
     ON CONFLICT ON CONSTRAINT sender_rules_identity DO UPDATE
       SET verdict = EXCLUDED.verdict, name = EXCLUDED.name, created_by = EXCLUDED.created_by, created_at = now()
     RETURNING ${COLUMNS}, (xmax = 0) AS created`,
    [orgId, domain, rule.kind, rule.value, rule.verdict, rule.name ?? null, createdBy],
  );
  const { created, ...row } = r.rows[0]!;
  return { rule: row, created };
}

/** Removes the rule on a sender for a domain (null: the every-domain rule); false when there was none. */
export async function deleteSenderRule(
  db: Queryable,
  orgId: number,
  domain: string | null,
  kind: string,
  value: string,
): Promise<boolean> {
  const r = await db.query(
    `DELETE FROM sender_rules WHERE org_id = $1 AND domain IS NOT DISTINCT FROM $2 AND kind = $3 AND value = $4`,
    [orgId, domain, kind, value],
  );
  return r.rowCount > 0;
}

/** Whether the organisation receives reports for the policy domain. */
export async function orgHasDomain(db: Queryable, orgId: number, domain: string): Promise<boolean> {
  const r = await db.query<{ yes: boolean }>(
    'SELECT EXISTS (SELECT 1 FROM domains WHERE org_id = $1 AND name = $2) AS yes',
    [orgId, domain],
  );
  return r.rows[0]?.yes ?? false;
}
