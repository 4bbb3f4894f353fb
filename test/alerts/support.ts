// Generated data for the alert suites: aggregate reports written as XML and stored through the real pipeline
// (intake, unpack, parse, store with its rollups), rollup rows put directly where a suite only needs figures, and
// the rows of the ingestion history (failed files, fetch runs) at chosen times.
import { intakeFile } from '../../src/ingest/intake.js';
import { processFile } from '../../src/ingest/process-file.js';
import { DEFAULT_UNPACK_LIMITS } from '../../src/parse/types.js';
import type { Database, Queryable } from '../../src/store/database.js';
import { NO_SINK } from '../support/org.js';

export interface RecordSpec {
  ip: string;
  count: number;
  /** Policy-evaluated (aligned) results; default pass. */
  dkim?: 'pass' | 'fail';
  spf?: 'pass' | 'fail';
}

export interface ReportSpec {
  domain: string;
  /** The reporter's org_name. */
  reporter?: string;
  /** UTC day of the period's begin. */
  day: string;
  records: RecordSpec[];
  p?: string;
  sp?: string;
  pct?: number;
  /** DMARCbis t= (the report is written in the DMARCbis namespace). */
  testing?: 'y' | 'n';
}

let serial = 0;

export function reportXml(s: ReportSpec): string {
  const begin = Date.parse(`${s.day}T00:00:00Z`) / 1000;
  const bis = s.testing !== undefined;
  const records = s.records
    .map(
      (r) => `  <record>
    <row><source_ip>${r.ip}</source_ip><count>${r.count}</count>
      <policy_evaluated><disposition>none</disposition><dkim>${r.dkim ?? 'pass'}</dkim><spf>${r.spf ?? 'pass'}</spf></policy_evaluated>
    </row>
    <identifiers><header_from>${s.domain}</header_from></identifiers>
    <auth_results><dkim><domain>${s.domain}</domain><selector>s1</selector><result>${r.dkim ?? 'pass'}</result></dkim>
      <spf><domain>${s.domain}</domain><result>${r.spf ?? 'pass'}</result></spf></auth_results>
  </record>`,
    )
    .join('\n');
  return `<?xml version="1.0" encoding="UTF-8"?>
<feedback${bis ? ' xmlns="urn:ietf:params:xml:ns:dmarc-2.0"' : ''}>
  <report_metadata><org_name>${s.reporter ?? 'reporter.test'}</org_name><email>r@reporter.test</email>
    <report_id>alerts-${++serial}-${Math.random().toString(36).slice(2)}</report_id>
    <date_range><begin>${begin}</begin><end>${begin + 86_399}</end></date_range>
  </report_metadata>
  <policy_published><domain>${s.domain}</domain><p>${s.p ?? 'none'}</p>${s.sp ? `<sp>${s.sp}</sp>` : ''}${
    bis ? `<testing>${s.testing}</testing>` : `<pct>${s.pct ?? 100}</pct>`
  }</policy_published>
${records}
</feedback>
`;
}

/** Stores each report through the pipeline, as an upload would. */
export async function storeReports(db: Database, orgId: number, specs: ReportSpec[]): Promise<void> {
  for (const s of specs) {
    const xml = reportXml(s);
    const intake = await intakeFile(db, { orgId, bytes: Buffer.from(xml), name: `r-${serial}.xml`, source: 'api' });
    const r = await processFile(db, { orgId, fileId: intake.fileId }, { limits: DEFAULT_UNPACK_LIMITS, sink: NO_SINK });
    if (r.reportsStored !== 1) throw new Error(`report not stored: ${r.failures.join('; ')}`);
  }
}

/** Every day from `from` to `to`, inclusive. */
export function daysBetween(from: string, to: string): string[] {
  const out: string[] = [];
  for (let t = Date.parse(`${from}T00:00:00Z`); t <= Date.parse(`${to}T00:00:00Z`); t += 86_400_000) {
    out.push(new Date(t).toISOString().slice(0, 10));
  }
  return out;
}

/** Adds messages to rollup_daily directly (a suite about figures, not about parsing). */
export async function putRollup(
  db: Queryable,
  orgId: number,
  r: { domain: string; day: string; messages: number; pass: boolean; reporter?: string },
): Promise<void> {
  await db.query(
    `INSERT INTO rollup_daily (org_id, domain, day, reporter, disposition, dkim, spf, records, messages)
     VALUES ($1, $2, $3, $4, 'none', $5, 'fail', 1, $6)
     ON CONFLICT ON CONSTRAINT rollup_daily_key DO UPDATE SET messages = rollup_daily.messages + EXCLUDED.messages`,
    [orgId, r.domain, r.day, r.reporter ?? 'reporter.test', r.pass ? 'pass' : 'fail', r.messages],
  );
}

/** A file whose processing ended with `status` at `at`. */
export async function putFile(db: Queryable, orgId: number, status: string, at: Date, error?: string): Promise<void> {
  await db.query(
    `INSERT INTO ingested_files (org_id, sha256, source, name, size, status, error, processed_at)
     VALUES ($1, $2, 'imap', $3, 10, $4, $5, $6)`,
    [
      orgId,
      Buffer.from(`${++serial}-${Math.random()}`).toString('hex').padEnd(64, '0').slice(0, 64),
      `file-${serial}.xml`,
      status,
      error ?? null,
      at,
    ],
  );
}

/** A fetch-imap run of a mailbox, queued at `at`, in `state`. */
export async function putFetchRun(
  db: Queryable,
  orgId: number,
  mailbox: string,
  state: 'completed' | 'failed' | 'retrying',
  at: Date,
  error?: string,
): Promise<void> {
  await db.query(
    `INSERT INTO task_runs (id, name, state, payload, queued_at, started_at, finished_at, org_id, error, attempts)
     VALUES ($1, 'fetch-imap', $2, $3::jsonb, $4, $4, $4, $5, $6, 1)`,
    [`run-${++serial}`, state, JSON.stringify({ mailbox, orgId }), at, orgId, error ?? null],
  );
}
