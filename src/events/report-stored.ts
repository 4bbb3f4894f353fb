// The "report stored" event: emitted once per report after its transaction committed, whichever door the report
// came in by (upload, IMAP, `dmarc import`, `dmarc reprocess`, the pending sweep). Built once per process in
// runtime/ and handed to every entry point, so that cache invalidation (and later enrichment, alert evaluation,
// outputs) never depends on how a report arrived.

export interface ReportStored {
  orgId: number;
  /** The report kind's registry name, e.g. 'aggregate'. */
  kind: string;
  reportId: number;
  fileId: number;
  /** Policy domain. */
  domain: string;
  /** Period begin (Unix seconds), null when unknown. */
  begin: number | null;
  records: number;
  messages: number;
}

/** Receives every stored report. Errors are the sink's own business: a report is stored whatever it does. */
export interface ReportStoredSink {
  reportStored(e: ReportStored): Promise<void>;
}

/** A sink that hands each event to every listener, in order; one failing listener does not stop the others. */
export function fanOut(
  listeners: readonly ReportStoredSink[],
  onError: (err: unknown, e: ReportStored) => void = () => undefined,
): ReportStoredSink {
  return {
    async reportStored(e) {
      for (const l of listeners) {
        try {
          await l.reportStored(e);
        } catch (err) {
          onError(err, e);
        }
      }
    },
  };
}

/** For callers with nothing to tell (e.g. `dmarc parse`, tests of the pipeline alone). */
export const NO_SINK: ReportStoredSink = { reportStored: () => Promise.resolve() };
