// The filters every chart and table obeys: domain, date range (presets and custom), reporter, DMARC result.
// Each change is a new URL (history entry), so that links are shareable and the back button undoes it.
import type { JSX } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import {
  RANGE_LABELS,
  RANGE_PRESETS,
  countryLabel,
  isCalendarDate,
  withFilters,
  type DateSpan,
  type Filters,
} from '../lib/filters';
import { navigate, useLocation } from '../router';

export interface FilterChoices {
  domains: string[];
  reporters: string[];
  /** Reports without a readable period: "No period" is offered when there are any. */
  undated: number;
}

export function FilterBar({
  filters,
  span,
  choices,
}: {
  filters: Filters;
  span: DateSpan | undefined;
  choices: FilterChoices;
}): JSX.Element {
  const loc = useLocation();
  const apply = (f: Filters): void => navigate(`${loc.pathname}${withFilters(loc.search, f)}`);
  const [from, setFrom] = useState(span?.from ?? '');
  const [to, setTo] = useState(span?.to ?? '');
  const [customOpen, setCustomOpen] = useState(filters.range === 'custom');
  useEffect(() => {
    setFrom(span?.from ?? '');
    setTo(span?.to ?? '');
  }, [span?.from, span?.to]);
  useEffect(() => setCustomOpen(filters.range === 'custom'), [filters.range]);

  const domains =
    filters.domain && !choices.domains.includes(filters.domain)
      ? [filters.domain, ...choices.domains]
      : choices.domains;
  const reporters =
    filters.org && !choices.reporters.includes(filters.org) ? [filters.org, ...choices.reporters] : choices.reporters;
  const customValid = isCalendarDate(from) && isCalendarDate(to) && from <= to;

  return (
    <section class="filters" aria-label="Filters">
      <div class="filter">
        <label for="f-domain">Domain</label>
        <select
          id="f-domain"
          value={filters.domain ?? ''}
          onChange={(e) => apply({ ...filters, domain: e.currentTarget.value || undefined })}
        >
          <option value="">All domains</option>
          {domains.map((d) => (
            <option key={d} value={d}>
              {d}
            </option>
          ))}
        </select>
      </div>

      <fieldset class="filter range">
        <legend>Period</legend>
        <div class="segmented">
          {RANGE_PRESETS.map((r) => (
            <button
              key={r}
              type="button"
              aria-pressed={filters.range === r}
              onClick={() => apply({ ...filters, range: r, from: undefined, to: undefined })}
            >
              {r === 'all' ? 'All' : r.replace('d', ' days')}
            </button>
          ))}
          {choices.undated > 0 || filters.range === 'none' ? (
            <button
              type="button"
              aria-pressed={filters.range === 'none'}
              title="Reports without a readable period, which no date range holds"
              onClick={() => apply({ ...filters, range: 'none', from: undefined, to: undefined })}
            >
              No period{choices.undated > 0 ? ` (${choices.undated.toLocaleString('en-US')})` : ''}
            </button>
          ) : null}
          <button
            type="button"
            aria-pressed={filters.range === 'custom'}
            aria-expanded={customOpen}
            onClick={() => setCustomOpen(!customOpen)}
          >
            Custom
          </button>
        </div>
        {customOpen ? (
          <form
            class="custom-range"
            onSubmit={(e) => {
              e.preventDefault();
              if (customValid) apply({ ...filters, range: 'custom', from, to });
            }}
          >
            <label for="f-from">From</label>
            <input
              id="f-from"
              type="date"
              value={from}
              max={to || undefined}
              onInput={(e) => setFrom(e.currentTarget.value)}
            />
            <label for="f-to">To</label>
            <input
              id="f-to"
              type="date"
              value={to}
              min={from || undefined}
              onInput={(e) => setTo(e.currentTarget.value)}
            />
            <button type="submit" disabled={!customValid}>
              Apply
            </button>
          </form>
        ) : null}
      </fieldset>

      <div class="filter">
        <label for="f-org">Reporter</label>
        <select
          id="f-org"
          value={filters.org ?? ''}
          onChange={(e) => apply({ ...filters, org: e.currentTarget.value || undefined })}
        >
          <option value="">All reporters</option>
          {reporters
            .filter((r) => r.trim() !== '')
            .map((r) => (
              <option key={r} value={r}>
                {r}
              </option>
            ))}
        </select>
      </div>

      <div class="filter">
        <label for="f-dmarc">DMARC result</label>
        <select
          id="f-dmarc"
          value={filters.dmarc ?? ''}
          onChange={(e) => {
            const v = e.currentTarget.value;
            apply({ ...filters, dmarc: v === 'pass' || v === 'fail' ? v : undefined });
          }}
        >
          <option value="">Pass and fail</option>
          <option value="pass">Pass only</option>
          <option value="fail">Fail only</option>
        </select>
      </div>

      {filters.country || filters.asn !== undefined || filters.sender ? (
        <div class="filter source-chips" role="group" aria-label="Source filters">
          {filters.country ? (
            <button
              type="button"
              class="chip"
              aria-label={`Remove the filter ${countryLabel(filters.country)}`}
              onClick={() => apply({ ...filters, country: undefined })}
            >
              {countryLabel(filters.country).replace(/^./, (c) => c.toUpperCase())} ×
            </button>
          ) : null}
          {filters.asn !== undefined ? (
            <button
              type="button"
              class="chip"
              aria-label={`Remove the AS filter AS${filters.asn}`}
              onClick={() => apply({ ...filters, asn: undefined })}
            >
              AS{filters.asn} ×
            </button>
          ) : null}
          {filters.sender ? (
            <button
              type="button"
              class="chip"
              aria-label={`Remove the sender filter ${filters.sender}`}
              onClick={() => apply({ ...filters, sender: undefined })}
            >
              Sender {filters.sender} ×
            </button>
          ) : null}
        </div>
      ) : null}

      <p class="filter-span" aria-live="polite">
        {filters.range === 'none'
          ? 'No period: reports without a readable date range'
          : span
            ? `${RANGE_LABELS[filters.range]}: ${span.from} to ${span.to} (UTC)${filters.range === 'all' && choices.undated > 0 ? `, and ${choices.undated.toLocaleString('en-US')} without a period` : ''}`
            : RANGE_LABELS[filters.range]}
      </p>
    </section>
  );
}
