// The Export menu of a page: downloads what the page shows, with its current filters, as CSV or NDJSON, from
// GET /api/export/<kind>.csv (with the session's token; saved from a Blob under the server's file name). `extra`
// is the slot for more items (a "PDF report" one later), rendered after the file items.
import type { ComponentChildren, JSX } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { useApp } from '../context';
import type { Query } from '../lib/api';
import { describeError } from '../lib/problem';

export type ExportKind = 'reports' | 'records' | 'sources' | 'senders' | 'alerts';

export interface ExportChoice {
  kind: ExportKind;
  /** What the rows are, e.g. "Records (one row per record)". */
  label: string;
}

const FORMATS = [
  { format: 'csv', label: 'CSV' },
  { format: 'json', label: 'NDJSON' },
] as const;

/** Saves a Blob under a name, as a download. */
function save(blob: Blob, name: string): void {
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  a.style.display = 'none';
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

export function ExportMenu({
  choices,
  query,
  pdf = false,
  extra,
}: {
  choices: readonly ExportChoice[];
  /** The page's filters, as the export routes take them (no page, sort or cursor). */
  query: Query;
  /** Offer the PDF report (GET /api/export/report.pdf) of the same filters. */
  pdf?: boolean;
  extra?: ComponentChildren;
}): JSX.Element {
  const { api } = useApp();
  const ref = useRef<HTMLDetailsElement>(null);
  const [busy, setBusy] = useState<string | null>(null);
  const [message, setMessage] = useState<{ error: boolean; text: string } | null>(null);

  // closes on a click outside it or Escape
  useEffect(() => {
    const close = (e: Event): void => {
      const d = ref.current;
      if (!d?.open) return;
      if (e instanceof KeyboardEvent ? e.key === 'Escape' : !d.contains(e.target as Node)) {
        d.open = false;
        if (e instanceof KeyboardEvent) d.querySelector('summary')?.focus();
      }
    };
    document.addEventListener('click', close);
    document.addEventListener('keydown', close);
    return () => {
      document.removeEventListener('click', close);
      document.removeEventListener('keydown', close);
    };
  }, []);

  const download = async (id: string, path: string, q: Query, label: string): Promise<void> => {
    if (ref.current) ref.current.open = false;
    setBusy(id);
    setMessage({ error: false, text: `Preparing ${label}…` });
    try {
      const { blob, name } = await api.download(path, q);
      save(blob, name);
      setMessage({ error: false, text: `Downloaded ${name}` });
    } catch (err) {
      setMessage({ error: true, text: `Could not export: ${describeError(err)}` });
    } finally {
      setBusy(null);
    }
  };

  return (
    <div class="export-menu">
      <details
        ref={ref}
        onToggle={(e) => {
          // opens towards the side with room: leftwards from a menu at the right of the page, else rightwards
          const d = e.currentTarget;
          const list = d.querySelector<HTMLElement>('.export-items');
          const summary = d.querySelector('summary');
          if (!d.open || !list || !summary) return;
          list.classList.toggle('from-left', summary.getBoundingClientRect().right < list.offsetWidth);
        }}
      >
        <summary aria-haspopup="menu">Export</summary>
        <ul class="export-items" aria-label="Export what this page shows">
          {choices.map((c) =>
            FORMATS.map((f) => (
              <li key={`${c.kind}.${f.format}`}>
                <button
                  type="button"
                  data-export={`${c.kind}.${f.format}`}
                  disabled={busy !== null}
                  onClick={() =>
                    void download(
                      `${c.kind}.${f.format}`,
                      `/api/export/${c.kind}.csv`,
                      { ...query, format: f.format },
                      `${c.label} (${f.label})`,
                    )
                  }
                >
                  {c.label} <span class="export-format">{f.label}</span>
                </button>
              </li>
            )),
          )}
          {pdf ? (
            <li>
              <button
                type="button"
                data-export="report.pdf"
                disabled={busy !== null}
                onClick={() => void download('report.pdf', '/api/export/report.pdf', query, 'the PDF report')}
              >
                Report with charts <span class="export-format">PDF</span>
              </button>
            </li>
          ) : null}
          {extra}
        </ul>
      </details>
      {message ? (
        <p class={message.error ? 'export-status error' : 'export-status'} role={message.error ? 'alert' : 'status'}>
          {message.text}
        </p>
      ) : null}
    </div>
  );
}
