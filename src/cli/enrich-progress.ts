// Enriching an organisation's sources from the command line (`dmarc enrich`, and `dmarc import` after its
// files), in this process, to the end, with a progress bar on a terminal.
import cliProgress from 'cli-progress';
import type { Config } from '../config/index.js';
import { SourceEnricher } from '../enrich/enricher.js';
import { countPending, runEnrichment, type EnrichRun } from '../enrich/enrich-sources.js';
import { runIdentification } from '../enrich/identify-sources.js';
import type { Database } from '../store/database.js';

export interface CliEnrichSummary {
  /** Addresses looked up and stored. */
  enriched: number;
  /** Reverse lookups that timed out (null: reverse DNS off). */
  dnsTimeouts: number | null;
}

export async function enrichFromCli(
  config: Config,
  db: Database,
  run: EnrichRun,
  options: { showBar: boolean; enricher?: SourceEnricher },
): Promise<CliEnrichSummary> {
  const enricher = options.enricher ?? (await SourceEnricher.open(config.enrich));
  const total = await countPending(db, enricher, run);
  const bar =
    options.showBar && total > 0
      ? new cliProgress.SingleBar(
          {
            format: `enriching |{bar}| {value}/{total} source IPs${config.enrich.rdns ? ' (reverse DNS on)' : ''}`,
            stream: process.stderr,
            hideCursor: true,
          },
          cliProgress.Presets.shades_classic,
        )
      : undefined;
  bar?.start(total, 0);
  try {
    const r = await runEnrichment(db, enricher, run, {
      onProgress: (enriched) => bar?.update(Math.min(enriched, total)),
    });
    bar?.update(total);
    await runIdentification(db, { orgId: run.orgId, scope: 'new' });
    return { enriched: r.enriched, dnsTimeouts: enricher.dnsStats()?.timeouts ?? null };
  } finally {
    bar?.stop();
  }
}
