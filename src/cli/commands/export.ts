// `dmarc export ...`: reports to hand on (the PDF report; CSV exports add their own subcommand).
import { Command } from 'commander';
import { exportPdfCommand } from './export-pdf.js';

export function exportCommand(): Command {
  return new Command('export').description('export reports: a PDF report').addCommand(exportPdfCommand());
}
