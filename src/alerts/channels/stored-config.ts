// What notification channels and SIEM outputs share as configured targets kept per organisation: a PATCH's
// configuration merged over the stored one, and every change audited with the configuration masked. A key left
// out — or sent back as the masked text an answer showed, or as an empty string where a secret is stored —
// keeps its stored value, so that an admin renaming a target never types its token or webhook URL again.
import { audit } from '../../auth/audit.js';
import type { Queryable } from '../../store/database.js';
import type { Actor } from '../lifecycle.js';

/** A stored target: its type, its configuration as stored, and how answers show it. */
export interface StoredTarget {
  id: number;
  name: string;
  type: string;
  config: Record<string, unknown>;
}

/** The configuration to check: the input's keys over the stored ones (of the same type; else the input alone). */
export function mergeOverStored(
  type: string,
  input: Record<string, unknown> | undefined,
  base: StoredTarget | undefined,
  masked: (base: StoredTarget) => Record<string, unknown>,
): Record<string, unknown> {
  if (!base || base.type !== type) return input ?? {};
  const shown = masked(base);
  const out: Record<string, unknown> = { ...base.config };
  for (const [k, v] of Object.entries(input ?? {})) {
    if (!(k in base.config) || shown[k] === undefined) {
      out[k] = v;
      continue;
    }
    const echo = JSON.stringify(shown[k]) === JSON.stringify(v);
    const secretKept = v === '' && JSON.stringify(shown[k]) !== JSON.stringify(base.config[k]);
    if (!echo && !secretKept) out[k] = v;
  }
  return out;
}

/** One audit entry `<kind>.<action>` on `<kind>:<id>`, with the name, the type and the masked configuration. */
export function auditTarget(
  db: Queryable,
  kind: 'output' | 'alert_channel',
  orgId: number,
  actor: Actor,
  action: string,
  target: StoredTarget,
  maskedConfig: Record<string, unknown>,
  at: Date,
  extra: Record<string, unknown> = {},
  outcome: 'success' | 'failure' = 'success',
) {
  return audit(
    db,
    {
      orgId,
      actorId: actor.id,
      actor: actor.email,
      action: `${kind}.${action}`,
      target: `${kind}:${target.id}`,
      ip: actor.ip ?? null,
      outcome,
      details: { name: target.name, type: target.type, config: maskedConfig, ...extra },
    },
    at,
  );
}
