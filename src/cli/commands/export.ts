// `dmarc export`: files for people who never open the dashboard. Each format is a sub-command of its own file.
import { Command } from 'commander';
import { exportCsvCommand } from './export-csv.js';
import { exportPdfCommand } from './export-pdf.js';

export function exportCommand(): Command {
  return new Command('export')
    .description('export data as files: CSV or NDJSON rows, a PDF report')
    .addCommand(exportCsvCommand())
    .addCommand(exportPdfCommand());
}
