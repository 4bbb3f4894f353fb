// senders.csv: one row per sender of the filtered messages (GET /api/rollup/senders' items, most messages first).
// Senders are few (services, groups, own servers), so they are computed in one query, as the API does.
import type { ScopedFilter } from '../../analytics/filters.js';
import { senders, sortSenders, type SenderItem } from '../../analytics/senders.js';
import type { Column } from './cells.js';
import type { ExportKind } from './stream.js';

export const SENDER_COLUMNS: readonly Column<SenderItem>[] = [
  { name: 'key', type: 'text', get: (s) => s.key },
  { name: 'sender', type: 'text', get: (s) => s.sender },
  { name: 'type', type: 'text', get: (s) => s.type },
  { name: 'confidence', type: 'text', get: (s) => s.confidence },
  { name: 'verdict', type: 'text', get: (s) => s.verdict },
  { name: 'approved', type: 'boolean', get: (s) => s.approved },
  { name: 'messages', type: 'number', get: (s) => s.messages },
  { name: 'dmarc_pass', type: 'number', get: (s) => s.dmarcPass },
  { name: 'dmarc_fail', type: 'number', get: (s) => s.dmarcFail },
  { name: 'dkim_aligned_pass', type: 'number', get: (s) => s.dkimAlignedPass },
  { name: 'spf_aligned_pass', type: 'number', get: (s) => s.spfAlignedPass },
  { name: 'compliance_rate', type: 'number', get: (s) => s.complianceRate },
  { name: 'sources', type: 'number', get: (s) => s.sources },
  { name: 'countries', type: 'number', get: (s) => s.countries },
];

export const sendersExport: ExportKind<ScopedFilter, SenderItem> = {
  name: 'senders',
  columns: SENDER_COLUMNS,
  async *pages(db, f, opts) {
    if (opts.signal?.aborted) return;
    const items = sortSenders(await senders(db, f), 'messages', 'desc');
    const size = opts.pageSize ?? 5000;
    for (let i = 0; i < items.length; i += size) {
      if (opts.signal?.aborted) return;
      yield items.slice(i, i + size);
    }
  },
};
