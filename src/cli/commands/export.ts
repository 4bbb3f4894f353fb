// `dmarc export`: files for people who never open the dashboard. Each format is a sub-command of its own file.
import { Command } from 'commander';
import { exportCsvCommand } from './export-csv.js';

export function exportCommand(): Command {
  return new Command('export').description('export data as files (csv)').addCommand(exportCsvCommand());
}
