// Identifying the senders of an organisation's source addresses and storing the results, in batches, within a time
// budget: what the identify-senders task and `dmarc senders identify` run (and `dmarc enrich` after enriching).
// Two scopes, as for enrichment:
//   - 'new': the sources of the reports stored since the organisation's watermark (their DKIM and SPF evidence may
//     have grown), and those identified with another catalogue version or before their enrichment was refreshed.
//     Evidence: what was stored with the identification, plus the records of the reports stored since;
//   - 'all': every source of the organisation, page by page in address order, its evidence read again from all of
//     its records. A 'new' run of an organisation without a watermark is an 'all' run.
// Rules (approved / not ours / own) are not applied here: they are per domain, and applied when read.
import type { Queryable } from '../store/database.js';
import { databaseNow } from '../store/ip-enrichment.js';
import {
  pendingSenderIps,
  recordEvidence,
  senderIpPage,
  sendersCheckedUntil,
  setSendersCheckedUntil,
  sourceFacts,
  storedSenders,
  upsertSourceSenders,
  type RecordEvidence,
  type SourceFacts,
  type SourceSenderRow,
  type StoredSourceSender,
} from '../store/source-senders.js';
import { CATALOGUE_VERSION } from './senders/catalogue-version.js';
import { identifySender, type SenderEvidence, type SenderIdentification } from './senders/identify.js';

export interface IdentifyRun {
  orgId: number;
  scope: 'new' | 'all';
  /** 'all': the last address done by the previous part of this pass. */
  after?: string;
  /** When the pass began (ISO time): what it has done since is not done again, and the watermark it sets. */
  startedAt?: string;
}

export interface IdentifyRunResult {
  /** Addresses identified and stored. */
  identified: number;
  done: boolean;
  /** When not done: the run that continues this one. */
  next?: IdentifyRun;
}

export interface IdentifyRunOptions {
  /** Stop after the batch that ends past this many milliseconds (default: no limit). */
  budgetMs?: number;
  /** Addresses identified and stored together (default 500). */
  batchSize?: number;
  /** Addresses read per page (default 5,000). */
  pageSize?: number;
  onProgress?: (identified: number) => void;
}

/** Reports stored up to this long before the watermark are read again: their transaction may have been open. */
export const SENDER_WATERMARK_MARGIN_MS = 60 * 60 * 1000;

/** Values of each kind of record evidence kept per address (the most messages first). */
export const EVIDENCE_CAP = 32;

function merge(stored: readonly string[], fresh: readonly string[]): string[] {
  const out = [...stored];
  for (const v of fresh) if (!out.includes(v)) out.push(v);
  return out.slice(0, EVIDENCE_CAP);
}

/** The stored row of one identification. */
export function senderRow(
  ip: string,
  id: SenderIdentification,
  inputs: RecordEvidence,
  catalogueVersion = CATALOGUE_VERSION,
): SourceSenderRow {
  // what a base-domain rule matches: the PTR, unless it is known not to be forward-confirmed (rules.ts)
  const ptr = id.evidence.find((e) => e.kind === 'ptr' && e.fcrdns !== false)?.value ?? null;
  return {
    ip,
    senderKey: id.key,
    sender: id.sender,
    type: id.type,
    confidence: id.confidence,
    known: id.known,
    reason: id.reason,
    evidence: id.evidence,
    alternatives: id.alternatives,
    dkimDomains: inputs.dkimDomains,
    dkimSelectors: inputs.dkimSelectors,
    spfDomains: inputs.spfDomains,
    rulePtr: ptr,
    catalogueVersion,
  };
}

/** The evidence of one address for identifySender. */
export function evidenceOf(ip: string, facts: SourceFacts | undefined, inputs: RecordEvidence): SenderEvidence {
  return {
    ip,
    ptr: facts?.ptr ?? null,
    fcrdns: facts?.fcrdns ?? null,
    ptrBaseDomain: facts?.baseDomain ?? null,
    asn: facts?.asn ?? null,
    asOrg: facts?.asOrg ?? null,
    dkimDomains: inputs.dkimDomains,
    dkimSelectors: inputs.dkimSelectors,
    spfDomains: inputs.spfDomains,
  };
}

/**
 * Identifies `ips` and stores the results. `since` null: their evidence is read from all of their records; else
 * an address identified before keeps its stored evidence, plus that of the records of reports stored since.
 */
export async function identifyIps(
  db: Queryable,
  orgId: number,
  ips: readonly string[],
  since: Date | null,
): Promise<number> {
  if (ips.length === 0) return 0;
  const [stored, facts] = await Promise.all([
    since ? storedSenders(db, orgId, ips) : Promise.resolve(new Map<string, StoredSourceSender>()),
    sourceFacts(db, ips),
  ]);
  const fresh = ips.filter((ip) => !stored.has(ip));
  const known = ips.filter((ip) => stored.has(ip));
  const [full, recent] = await Promise.all([
    recordEvidence(db, orgId, fresh, null, EVIDENCE_CAP),
    since ? recordEvidence(db, orgId, known, since, EVIDENCE_CAP) : Promise.resolve(new Map<string, RecordEvidence>()),
  ]);
  const none: RecordEvidence = { dkimDomains: [], dkimSelectors: [], spfDomains: [] };
  const rows = ips.map((ip) => {
    const was = stored.get(ip);
    const add = (was ? recent.get(ip) : full.get(ip)) ?? none;
    const inputs: RecordEvidence = was
      ? {
          dkimDomains: merge(was.dkimDomains, add.dkimDomains),
          dkimSelectors: merge(was.dkimSelectors, add.dkimSelectors),
          spfDomains: merge(was.spfDomains, add.spfDomains),
        }
      : add;
    return senderRow(ip, identifySender(evidenceOf(ip, facts.get(ip), inputs)), inputs);
  });
  await upsertSourceSenders(db, orgId, rows);
  return rows.length;
}

export async function runIdentification(
  db: Queryable,
  run: IdentifyRun,
  options: IdentifyRunOptions = {},
): Promise<IdentifyRunResult> {
  const began = Date.now();
  const budget = options.budgetMs ?? Infinity;
  const batchSize = options.batchSize ?? 500;
  const startedAt = run.startedAt ? new Date(run.startedAt) : await databaseNow(db);
  let identified = 0;
  const store = async (ips: readonly string[], since: Date | null): Promise<void> => {
    for (let i = 0; i < ips.length; i += batchSize) {
      identified += await identifyIps(db, run.orgId, ips.slice(i, i + batchSize), since);
      options.onProgress?.(identified);
    }
  };
  const continued = (next: IdentifyRun): IdentifyRunResult => ({
    identified,
    done: false,
    next: { ...next, startedAt: startedAt.toISOString() },
  });

  if (run.scope === 'new') {
    const watermark = await sendersCheckedUntil(db, run.orgId);
    if (watermark) {
      const since = new Date(watermark.getTime() - SENDER_WATERMARK_MARGIN_MS);
      // Pages in address order: each read of the candidates goes through every record stored since the
      // watermark, so after a large import reading them again per batch was quadratic (minutes for 100k).
      const pageSize = options.pageSize ?? 5000;
      let lastIp: string | null = null;
      for (;;) {
        const ips = await pendingSenderIps(db, run.orgId, since, startedAt, CATALOGUE_VERSION, pageSize, lastIp);
        await store(ips, since);
        if (ips.length < pageSize) {
          await setSendersCheckedUntil(db, run.orgId, startedAt);
          return { identified, done: true };
        }
        lastIp = ips[ips.length - 1]!;
        // (the next run reads what is still pending: what this one identified is not again)
        if (Date.now() - began >= budget) return continued({ orgId: run.orgId, scope: 'new' });
      }
    }
  }

  // 'all', or 'new' without a watermark
  let after = run.after ?? null;
  const pageSize = options.pageSize ?? 5000;
  for (;;) {
    const page = await senderIpPage(db, run.orgId, after, startedAt, pageSize);
    await store(page.pending, null);
    if (page.last === null || page.scanned < pageSize) {
      await setSendersCheckedUntil(db, run.orgId, startedAt);
      return { identified, done: true };
    }
    after = page.last;
    if (Date.now() - began >= budget) return continued({ orgId: run.orgId, scope: 'all', after });
  }
}
