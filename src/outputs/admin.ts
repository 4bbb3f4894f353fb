// Managing an organisation's outputs (admins): the configuration checked against the output type's schema, the
// target checked against the private-address guard of webhooks, every change in the audit log (configuration
// masked), and the test button (one test event sent now, the outcome answered and audited). A PATCH's config is
// merged over the stored one as a channel's is (alerts/channels/stored-config.ts).
import { InvalidAlertInput, fieldErrors, invalid } from '../alerts/validation.js';
import type { Actor } from '../alerts/lifecycle.js';
import { TargetRefusedError, checkTarget } from '../alerts/channels/guard.js';
import { auditTarget, mergeOverStored } from '../alerts/channels/stored-config.js';
import type { Database, Queryable } from '../store/database.js';
import { getOrg } from '../store/organizations.js';
import {
  deleteOutput,
  getOutput,
  insertOutput,
  updateOutput,
  type Output,
  type OutputFields,
} from '../store/outputs.js';
import type { OutputSettings } from './define.js';
import type { OutputEvent } from './event.js';
import { OUTPUT_TYPE_NAMES, maskedOutputConfig, outputTypeNamed, scrubOutput } from './index.js';
import { checkSyslogHost } from './syslog.js';

export interface OutputInput {
  name?: string;
  type?: string;
  config?: Record<string, unknown>;
  enabled?: boolean;
}

export async function outputFields(
  input: OutputInput,
  settings: Pick<OutputSettings, 'allowPrivate'>,
  base?: Output,
): Promise<OutputFields> {
  const typeName = input.type ?? base?.type;
  const type = typeName !== undefined ? outputTypeNamed(typeName) : undefined;
  if (!type) throw invalid('type', `must be one of ${OUTPUT_TYPE_NAMES.join(', ')}`);
  const parsed = type.config.safeParse(
    mergeOverStored(type.name, input.config, base, (o) => maskedOutputConfig(o.type, o.config)),
  );
  if (!parsed.success) throw new InvalidAlertInput(fieldErrors('config', parsed.error));
  const target = type.target(parsed.data);
  try {
    if ('url' in target) await checkTarget(target.url, settings.allowPrivate);
    else await checkSyslogHost(target.host, settings.allowPrivate);
  } catch (err) {
    if (err instanceof TargetRefusedError) throw invalid('url' in target ? 'config.url' : 'config.host', err.message);
    throw err;
  }
  const name = (input.name ?? base?.name)?.trim();
  if (!name) throw invalid('name', 'is required');
  return { name, type: type.name, config: parsed.data, enabled: input.enabled ?? base?.enabled ?? true };
}

const auditOutput = (
  db: Queryable,
  orgId: number,
  actor: Actor,
  action: string,
  o: Output,
  at: Date,
  extra: Record<string, unknown> = {},
  outcome: 'success' | 'failure' = 'success',
) => auditTarget(db, 'output', orgId, actor, action, o, maskedOutputConfig(o.type, o.config), at, extra, outcome);

export async function createOutput(
  db: Database,
  orgId: number,
  input: OutputInput,
  actor: Actor,
  at: Date,
  settings: Pick<OutputSettings, 'allowPrivate'>,
): Promise<Output> {
  const fields = await outputFields(input, settings);
  return db.transaction(async (tx) => {
    const o = await insertOutput(tx, orgId, fields, at);
    await auditOutput(tx, orgId, actor, 'created', o, at);
    return o;
  });
}

export async function changeOutput(
  db: Database,
  orgId: number,
  id: number,
  input: OutputInput,
  actor: Actor,
  at: Date,
  settings: Pick<OutputSettings, 'allowPrivate'>,
): Promise<Output | undefined> {
  const base = await getOutput(db, orgId, id);
  if (!base) return undefined;
  const fields = await outputFields(input, settings, base);
  return db.transaction(async (tx) => {
    const o = await updateOutput(tx, orgId, id, fields, at);
    if (o) await auditOutput(tx, orgId, actor, 'updated', o, at);
    return o;
  });
}

/** Deletes the output and its outbox. */
export async function removeOutput(db: Database, orgId: number, id: number, actor: Actor, at: Date) {
  return db.transaction(async (tx) => {
    const o = await getOutput(tx, orgId, id);
    if (!o) return false;
    await deleteOutput(tx, orgId, id);
    await auditOutput(tx, orgId, actor, 'deleted', o, at);
    return true;
  });
}

/** A test event: the shape of a record's event, marked as a test (event_id dmarc-test-...). */
export function testEvent(orgId: number, orgSlug: string, at: Date): OutputEvent {
  const stamp = at.toISOString().slice(0, 19).replace('T', ' ');
  return {
    event_id: `dmarc-test-${orgId}-${at.getTime()}`,
    test: true,
    org_id: orgId,
    org_slug: orgSlug,
    xml_schema: '1.0',
    org_name: 'dmarc-report-processor',
    report_id: 'test',
    begin_date: stamp,
    end_date: stamp,
    domain: 'example.com',
    source_ip_address: '192.0.2.1',
    count: 1,
    spf_aligned: true,
    dkim_aligned: true,
    dmarc_aligned: true,
    disposition: 'none',
    header_from: 'example.com',
  };
}

export interface OutputTestOutcome {
  delivered: boolean;
  error: string | null;
}

/** Sends one test event to the output now (undefined: no such output); the outcome is audited. */
export async function testOutput(
  db: Database,
  orgId: number,
  id: number,
  actor: Actor,
  at: Date,
  settings: OutputSettings,
): Promise<OutputTestOutcome | undefined> {
  const o = await getOutput(db, orgId, id);
  if (!o) return undefined;
  const type = outputTypeNamed(o.type);
  const parsed = type?.config.safeParse(o.config);
  let outcome: OutputTestOutcome;
  if (!type || !parsed?.success) outcome = { delivered: false, error: 'the output configuration is not valid' };
  else {
    try {
      const slug = (await getOrg(db, orgId))?.slug ?? '';
      const r = await type.send(settings, parsed.data, [testEvent(orgId, slug, at)]);
      const refused = (r ?? []).find((x) => !x.ok);
      outcome = refused && !refused.ok ? { delivered: false, error: refused.error } : { delivered: true, error: null };
    } catch (err) {
      const text = err instanceof Error ? err.message : String(err);
      outcome = { delivered: false, error: scrubOutput(o.type, o.config, text).slice(0, 500) };
    }
  }
  await auditOutput(
    db,
    orgId,
    actor,
    'tested',
    o,
    at,
    outcome.error ? { error: outcome.error } : {},
    outcome.delivered ? 'success' : 'failure',
  );
  return outcome;
}
