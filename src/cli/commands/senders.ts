import { Command } from 'commander';
import { runIdentification } from '../../enrich/identify-sources.js';
import { configFrom, orgFrom, withDatabase } from '../context.js';
import { EXIT } from '../errors.js';

function identifyCommand(): Command {
  return new Command('identify')
    .description(
      "identify the senders of an organisation's source IPs: those of reports stored since the last run, those " +
        'identified with another catalogue, and those enriched since (--all: every one, from all of its records)',
    )
    .option('--all', 'identify every source IP again, reading the evidence of all of its records')
    .option('--json', 'print the summary as JSON: {org, scope, identified}')
    .addHelpText(
      'after',
      '\nThe organisation is --org (env DMARC_ORG, default: default). Identification uses what `dmarc enrich` stored\n' +
        '(reverse DNS, AS) and the DKIM and SPF results of the records; `dmarc enrich` runs it after enriching.',
    )
    .action(async (opts: { all?: boolean; json?: boolean }, cmd: Command) => {
      const config = configFrom(cmd);
      const summary = await withDatabase(config, async (db) => {
        const org = await orgFrom(cmd, db);
        const r = await runIdentification(db, { orgId: org.id, scope: opts.all ? 'all' : 'new' });
        return { org: org.slug, scope: opts.all ? 'all' : 'new', identified: r.identified };
      });
      if (opts.json) console.log(JSON.stringify(summary));
      else
        console.log(
          [
            `organisation:  ${summary.org}`,
            `identified:    ${summary.identified} source IPs${opts.all ? ' (all)' : ' (new or out of date)'}`,
          ].join('\n'),
        );
      process.exitCode = EXIT.ok;
    });
}

export function sendersCommand(): Command {
  return new Command('senders')
    .description('who sends as your domains: sender identification')
    .addCommand(identifyCommand());
}
