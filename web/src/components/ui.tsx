// Small shared pieces: loading / error / empty states, sortable table headers, cursor pagination.
import { Fragment, type ComponentChildren, type JSX } from 'preact';
import { describeError } from '../lib/problem';
import { withParams } from '../lib/filters';
import { navigate, Link, useLocation } from '../router';

export function Loading({ what = 'Loading' }: { what?: string }): JSX.Element {
  return (
    <p class="state loading" role="status" aria-live="polite">
      <span class="spinner" aria-hidden="true" />
      {what}…
    </p>
  );
}

export function ErrorBox({ error, retry }: { error: unknown; retry?: () => void }): JSX.Element {
  return (
    <div class="state error" role="alert">
      <p>
        <strong>Something went wrong:</strong> {describeError(error)}
      </p>
      {retry ? (
        <button type="button" onClick={retry}>
          Try again
        </button>
      ) : null}
    </div>
  );
}

/** A failed action's message (already in words), or nothing. */
export function ActionError({ message }: { message: string | null }): JSX.Element | null {
  return message ? (
    <p class="state error" role="alert">
      {message}
    </p>
  ) : null;
}

export function Empty({ title, children }: { title: string; children?: ComponentChildren }): JSX.Element {
  return (
    <div class="state empty">
      <p class="empty-title">{title}</p>
      {children}
    </div>
  );
}

export function PageHeader({ title, children }: { title: string; children?: ComponentChildren }): JSX.Element {
  return (
    <header class="page-header">
      <h1 id="page-title" tabIndex={-1}>
        {title}
      </h1>
      {children ? <div class="page-actions">{children}</div> : null}
    </header>
  );
}

/** A column header that sorts through the URL (sort/order parameters); aria-sort tells the current state. */
export function SortHeader({
  label,
  field,
  sort,
  order,
  defaultOrder = 'desc',
  numeric,
}: {
  label: string;
  field: string;
  sort: string;
  order: 'asc' | 'desc';
  defaultOrder?: 'asc' | 'desc';
  numeric?: boolean;
}): JSX.Element {
  const loc = useLocation();
  const active = sort === field;
  const next = active ? (order === 'asc' ? 'desc' : 'asc') : defaultOrder;
  const ariaSort = active ? (order === 'asc' ? 'ascending' : 'descending') : 'none';
  return (
    <th scope="col" aria-sort={ariaSort} class={numeric ? 'num' : undefined}>
      <button
        type="button"
        class="sort"
        onClick={() =>
          navigate(`${loc.pathname}${withParams(loc.search, { sort: field, order: next, cursor: null, page: null })}`)
        }
      >
        {label}
        <span aria-hidden="true" class="sort-mark">
          {active ? (order === 'asc' ? ' ▲' : ' ▼') : ' ↕'}
        </span>
      </button>
    </th>
  );
}

/**
 * Cursor pagination: "Next" moves to the API's nextCursor (kept in the URL with the page number, so that
 * reload and the back button work), "First page" drops it. Shows which rows are on screen.
 */
export function Pager({
  total,
  shown,
  nextCursor,
  limit,
}: {
  total: number;
  shown: number;
  nextCursor: string | null;
  limit: number;
}): JSX.Element {
  const loc = useLocation();
  const q = new URLSearchParams(loc.search);
  const onFirst = !q.get('cursor');
  const page = onFirst ? 1 : Math.max(2, Number(q.get('page')) || 2);
  const start = (page - 1) * limit;
  return (
    <nav class="pager" aria-label="Pagination">
      <span class="pager-info" aria-live="polite">
        {total === 0
          ? 'No rows'
          : `Rows ${(start + 1).toLocaleString('en-US')}–${(start + shown).toLocaleString('en-US')} of ${total.toLocaleString('en-US')}`}
      </span>
      {!onFirst ? (
        <Link href={`${loc.pathname}${withParams(loc.search, { cursor: null, page: null })}`}>First page</Link>
      ) : null}
      {!onFirst ? (
        <button type="button" onClick={() => history.back()}>
          ← Previous
        </button>
      ) : null}
      {nextCursor ? (
        <button
          type="button"
          onClick={() =>
            navigate(`${loc.pathname}${withParams(loc.search, { cursor: nextCursor, page: String(page + 1) })}`)
          }
        >
          Next →
        </button>
      ) : null}
    </nav>
  );
}

export function Badge({
  tone,
  children,
}: {
  tone: 'pass' | 'fail' | 'warn' | 'neutral';
  children: ComponentChildren;
}): JSX.Element {
  return <span class={`badge badge-${tone}`}>{children}</span>;
}

export function ResultBadge({ value }: { value: string | null | undefined }): JSX.Element {
  if (!value) return <span class="muted">—</span>;
  const v = value.toLowerCase();
  const tone =
    v === 'pass'
      ? 'pass'
      : v === 'fail' || v === 'permerror' || v === 'hardfail'
        ? 'fail'
        : v === 'none'
          ? 'neutral'
          : 'warn';
  return <Badge tone={tone}>{value}</Badge>;
}

/**
 * Text that may break only after its separators ("." of a domain name, ":" of an IPv6 address) when its column
 * is narrow, never inside a label: "newsletters.<wbr>engineering.<wbr>example.com".
 */
export function Breakable({ text, after }: { text: string; after: string }): JSX.Element {
  const parts = text.split(after);
  return (
    <>
      {parts.map((p, i) => (
        <Fragment key={i}>
          {p}
          {i < parts.length - 1 ? (
            <>
              {after}
              <wbr />
            </>
          ) : null}
        </Fragment>
      ))}
    </>
  );
}

/** A form field's error, named by the field's aria-describedby (id), announced when it appears. */
export function FieldError({ id, message }: { id: string; message: string | undefined }): JSX.Element | null {
  return message ? (
    <span class="field-error" id={id} role="alert">
      {message}
    </span>
  ) : null;
}
