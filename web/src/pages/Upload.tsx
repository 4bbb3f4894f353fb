// Upload: drop (or pick) many report files; they go up in batches with a progress bar, then each file's
// outcome is followed until it is processed (reports stored), a duplicate, unsupported or failed.
import type { JSX } from 'preact';
import { useRef, useState } from 'preact/hooks';
import { invalidateChoices } from '../choices';
import { useApp } from '../context';
import { Badge, PageHeader } from '../components/ui';
import { ApiError, describeError } from '../lib/problem';
import { formatBytes, formatNumber, formatPercent, plural } from '../lib/format';
import { hasRole } from '../lib/session';
import type { FileDetail, UploadResult } from '../lib/types';
import { isFinal, overallProgress, planBatches, splitBatch, type FileState } from '../lib/upload';
import { Link } from '../router';

interface Item {
  key: number;
  file: File;
  state: FileState;
  fileId?: number;
  error?: string | null;
  reports?: number;
  records?: number;
}

const TONE: Record<FileState, 'pass' | 'fail' | 'warn' | 'neutral'> = {
  waiting: 'neutral',
  uploading: 'neutral',
  accepted: 'neutral',
  processing: 'neutral',
  processed: 'pass',
  duplicate: 'warn',
  unsupported: 'warn',
  rejected: 'fail',
  failed: 'fail',
};

let nextKey = 1;

export function Upload(): JSX.Element {
  const { api, user } = useApp();
  const [items, setItems] = useState<Item[]>([]);
  const [busy, setBusy] = useState(false);
  const [fraction, setFraction] = useState(0);
  const [dragging, setDragging] = useState(false);
  const [message, setMessage] = useState<string | null>(null);
  const input = useRef<HTMLInputElement>(null);
  const itemsRef = useRef<Item[]>([]);
  itemsRef.current = items;

  if (!hasRole(user, 'analyst')) {
    return (
      <>
        <PageHeader title="Upload reports" />
        <p class="state">Uploading needs the analyst or admin role. Ask an administrator if you need it.</p>
      </>
    );
  }

  const update = (keys: Set<number>, patch: (i: Item) => Partial<Item>): void => {
    setItems((list) => list.map((i) => (keys.has(i.key) ? { ...i, ...patch(i) } : i)));
  };

  const add = (files: FileList | File[] | null): void => {
    if (!files) return;
    const list = [...files].filter((f) => f.size >= 0);
    if (list.length === 0) return;
    setItems((old) => [
      ...old.filter(
        (i) => i.state !== 'waiting' || !list.some((f) => f.name === i.file.name && f.size === i.file.size),
      ),
      ...list.map((file) => ({ key: nextKey++, file, state: 'waiting' as const })),
    ]);
    setMessage(null);
  };

  const sendBatch = async (batch: Item[]): Promise<void> => {
    const keys = new Set(batch.map((i) => i.key));
    update(keys, () => ({ state: 'uploading' }));
    setFraction(0);
    try {
      const r = await api.upload<{ results: UploadResult[] }>(
        '/api/upload',
        batch.map((i) => i.file),
        setFraction,
      );
      setItems((list) =>
        list.map((i) => {
          const at = batch.findIndex((b) => b.key === i.key);
          if (at < 0) return i;
          const res = r.results[at];
          if (!res) return { ...i, state: 'failed', error: 'no result from the server' };
          const state: FileState = res.status === 'accepted' ? 'accepted' : res.status;
          return { ...i, state, fileId: res.fileId ?? undefined, error: res.error };
        }),
      );
    } catch (err) {
      if (err instanceof ApiError && err.status === 413 && batch.length > 1) {
        const [a, b] = splitBatch(batch);
        await sendBatch(a);
        await sendBatch(b);
        return;
      }
      update(keys, () => ({ state: 'rejected', error: describeError(err) }));
    }
  };

  const poll = async (): Promise<void> => {
    for (let round = 0; round < 600; round++) {
      const open = itemsRef.current.filter(
        (i) => i.fileId !== undefined && (i.state === 'accepted' || i.state === 'processing'),
      );
      if (open.length === 0) return;
      await Promise.all(
        open.slice(0, 20).map(async (i) => {
          try {
            const f = await api.get<FileDetail>(`/api/files/${i.fileId}`);
            const state: FileState = f.status === 'pending' ? 'accepted' : f.status;
            update(new Set([i.key]), () => ({ state, error: f.error, reports: f.reportCount, records: f.recordCount }));
          } catch {
            // try again next round
          }
        }),
      );
      await new Promise((r) => setTimeout(r, 700));
    }
  };

  const start = async (): Promise<void> => {
    const waiting = items.filter((i) => i.state === 'waiting');
    if (waiting.length === 0) return;
    setBusy(true);
    setMessage(null);
    try {
      for (const batch of planBatches(waiting.map((i) => ({ ...i, size: i.file.size })))) await sendBatch(batch);
      await new Promise((r) => setTimeout(r, 50));
      await poll();
      invalidateChoices();
      const final = itemsRef.current;
      const stored = final.filter((i) => i.state === 'processed').reduce((n, i) => n + (i.reports ?? 0), 0);
      setMessage(
        `Done: ${plural(stored, 'report')} stored from ${plural(final.filter((i) => i.state === 'processed').length, 'file')}.`,
      );
    } finally {
      setBusy(false);
    }
  };

  const states = items.map((i) => i.state);
  const progress = overallProgress(states, fraction);
  const counts = new Map<FileState, number>();
  for (const s of states) counts.set(s, (counts.get(s) ?? 0) + 1);

  return (
    <>
      <PageHeader title="Upload reports" />
      <p>
        DMARC aggregate reports as they arrive: XML, gzip (.gz), zip, e-mails (.eml) or mbox files. Duplicates are
        recognised and not stored twice.
      </p>
      <div
        class={`dropzone${dragging ? ' over' : ''}`}
        onDragOver={(e) => {
          e.preventDefault();
          setDragging(true);
        }}
        onDragLeave={() => setDragging(false)}
        onDrop={(e) => {
          e.preventDefault();
          setDragging(false);
          add(e.dataTransfer?.files ?? null);
        }}
      >
        <p>Drop report files here, or</p>
        <input
          ref={input}
          id="upload-input"
          type="file"
          multiple
          class="sr-only"
          onChange={(e) => {
            add(e.currentTarget.files);
            e.currentTarget.value = '';
          }}
        />
        <label
          for="upload-input"
          class="button secondary"
          tabIndex={0}
          onKeyDown={(e) => (e.key === 'Enter' || e.key === ' ') && input.current?.click()}
        >
          Choose files…
        </label>
      </div>
      {items.length > 0 ? (
        <section class="card" aria-label="Files">
          <div class="upload-bar">
            <button
              type="button"
              onClick={() => void start()}
              disabled={busy || !items.some((i) => i.state === 'waiting')}
            >
              {busy ? 'Uploading…' : `Upload ${plural(items.filter((i) => i.state === 'waiting').length, 'file')}`}
            </button>
            <button type="button" class="secondary" disabled={busy} onClick={() => setItems([])}>
              Clear list
            </button>
            <progress max={1} value={progress} aria-label="Upload progress">
              {formatPercent(progress, 0)}
            </progress>
            <span aria-live="polite">{formatPercent(progress, 0)}</span>
          </div>
          <p class="muted" aria-live="polite">
            {[...counts.entries()].map(([s, n]) => `${s}: ${formatNumber(n)}`).join(' · ')}
          </p>
          {message ? (
            <p role="status" class="ok">
              {message} <Link href="/">Open the overview</Link>
            </p>
          ) : null}
          <div class="table-wrap">
            <table class="data" data-testid="upload-results">
              <thead>
                <tr>
                  <th scope="col">File</th>
                  <th scope="col" class="num">
                    Size
                  </th>
                  <th scope="col">Status</th>
                  <th scope="col" class="num">
                    Reports
                  </th>
                  <th scope="col">Details</th>
                </tr>
              </thead>
              <tbody>
                {items.map((i) => (
                  <tr key={i.key} data-state={i.state}>
                    <td>{i.file.name}</td>
                    <td class="num nowrap">{formatBytes(i.file.size)}</td>
                    <td>
                      <Badge tone={TONE[i.state]}>{i.state}</Badge>
                      {!isFinal(i.state) && i.state !== 'waiting' ? (
                        <span class="spinner small" aria-hidden="true" />
                      ) : null}
                    </td>
                    <td class="num">{i.reports === undefined ? '' : formatNumber(i.reports)}</td>
                    <td>{i.error ?? ''}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </section>
      ) : null}
    </>
  );
}
