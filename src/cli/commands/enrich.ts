import { Command } from 'commander';
import { databaseNow } from '../../store/ip-enrichment.js';
import { configFrom, orgFrom, withDatabase } from '../context.js';
import { enrichFromCli } from '../enrich-progress.js';
import { EXIT } from '../errors.js';

export function enrichCommand(): Command {
  return new Command('enrich')
    .description(
      "look up the country, AS and reverse DNS of an organisation's source IPs: those never looked up or stale (--all: every one)",
    )
    .option('--all', 'look up every source IP of the organisation again, however recent its lookup')
    .option('--json', 'print the summary as JSON: {org, scope, enriched, dnsTimeouts}')
    .addHelpText(
      'after',
      '\nThe organisation is --org (env DMARC_ORG, default: default). A lookup is stale after DMARC_ENRICH_TTL_DAYS\n' +
        '(90); a negative or failed reverse lookup after DMARC_DNS_NEGATIVE_TTL (1d). Reverse DNS uses\n' +
        "DMARC_DNS_SERVERS (default: the system's); DMARC_RDNS=off skips it. Country and AS data are offline.",
    )
    .action(async (opts: { all?: boolean; json?: boolean }, cmd: Command) => {
      const config = configFrom(cmd);
      const summary = await withDatabase(config, async (db) => {
        const org = await orgFrom(cmd, db);
        const refreshBefore = opts.all ? (await databaseNow(db)).toISOString() : undefined;
        const r = await enrichFromCli(
          config,
          db,
          { orgId: org.id, scope: 'all', ...(refreshBefore ? { refreshBefore } : {}) },
          { showBar: !opts.json && process.stderr.isTTY === true },
        );
        return { org: org.slug, scope: opts.all ? 'all' : 'stale', ...r };
      });
      if (opts.json) console.log(JSON.stringify(summary));
      else {
        console.log(
          [
            `organisation:  ${summary.org}`,
            `enriched:      ${summary.enriched} source IPs${opts.all ? ' (all)' : ' (new or stale)'}`,
            `DNS timeouts:  ${summary.dnsTimeouts ?? 'reverse DNS off'}`,
          ].join('\n'),
        );
      }
      process.exitCode = EXIT.ok;
    });
}
