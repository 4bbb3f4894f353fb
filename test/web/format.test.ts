import { describe, expect, it } from 'vitest';
import {
  formatBytes,
  formatChange,
  formatCompact,
  formatDate,
  formatDateTime,
  formatNumber,
  formatPercent,
  formatPointsChange,
  plural,
  toneOf,
} from '../../web/src/lib/format';

describe('formatNumber', () => {
  it('groups thousands and marks missing values', () => {
    expect(formatNumber(0)).toBe('0');
    expect(formatNumber(9553)).toBe('9,553');
    expect(formatNumber(1234567890)).toBe('1,234,567,890');
    expect(formatNumber(null)).toBe('—');
    expect(formatNumber(undefined)).toBe('—');
    expect(formatNumber(Number.NaN)).toBe('—');
  });
});

describe('formatCompact', () => {
  it('shortens axis values', () => {
    expect(formatCompact(950)).toBe('950');
    expect(formatCompact(1000)).toBe('1K');
    expect(formatCompact(12_300)).toBe('12.3K');
    expect(formatCompact(4_500_000)).toBe('4.5M');
    expect(formatCompact(250_000_000)).toBe('250M');
    expect(formatCompact(2_000_000_000)).toBe('2B');
  });
});

describe('formatPercent', () => {
  it('formats fractions as percentages', () => {
    expect(formatPercent(0.7535852611745002)).toBe('75.4%');
    expect(formatPercent(1)).toBe('100.0%');
    expect(formatPercent(0)).toBe('0.0%');
    expect(formatPercent(0.5, 0)).toBe('50%');
  });
  it('never rounds a partial rate to 100% or 0%', () => {
    expect(formatPercent(0.99996)).toBe('99.9%');
    expect(formatPercent(0.999996, 2)).toBe('99.99%');
    expect(formatPercent(0.00004)).toBe('<0.1%');
    expect(formatPercent(0.004, 0)).toBe('<1%');
  });
  it('shows a dash when there is no rate', () => {
    expect(formatPercent(null)).toBe('—');
    expect(formatPercent(undefined)).toBe('—');
  });
});

describe('formatChange', () => {
  it('signs relative changes', () => {
    expect(formatChange(0.125, 1125, 1000)).toEqual({
      text: '+12.5%',
      direction: 'up',
      label: 'up 12.5% from the previous period',
    });
    expect(formatChange(-0.03, 97, 100).text).toBe('−3.0%');
    expect(formatChange(-0.03, 97, 100).direction).toBe('down');
    expect(formatChange(0, 5, 5)).toMatchObject({ text: '±0%', direction: 'flat' });
    expect(formatChange(0.0004, 10004, 10000).text).toBe('+<0.1%');
    expect(formatChange(25, 2600, 100).text).toBe('+2,500%');
  });
  it('tells "new" from "nothing" when there is no previous value', () => {
    expect(formatChange(null, 12, 0)).toMatchObject({ text: 'new', direction: 'up' });
    expect(formatChange(null, 0, 0)).toMatchObject({ text: '—', direction: 'flat' });
  });
});

describe('formatPointsChange', () => {
  it('shows rate differences in percentage points', () => {
    expect(formatPointsChange(0.021).text).toBe('+2.1 pp');
    expect(formatPointsChange(-0.105).text).toBe('−10.5 pp');
    expect(formatPointsChange(0.0001)).toMatchObject({ text: '±0 pp', direction: 'flat' });
    expect(formatPointsChange(null).text).toBe('—');
  });
});

describe('toneOf', () => {
  it('colours a change by whether more is better', () => {
    expect(toneOf('up', true)).toBe('good');
    expect(toneOf('up', false)).toBe('bad');
    expect(toneOf('down', false)).toBe('good');
    expect(toneOf('down', null)).toBe('neutral');
    expect(toneOf('flat', true)).toBe('neutral');
  });
});

describe('dates and sizes', () => {
  it('formats UTC dates the same everywhere', () => {
    expect(formatDate('2024-06-13')).toBe('Jun 13, 2024');
    expect(formatDate('2024-06-13T23:59:59Z')).toBe('Jun 13, 2024');
    expect(formatDate(null)).toBe('—');
    expect(formatDate('garbage')).toBe('garbage');
    expect(formatDateTime('2024-06-13T14:05:00Z')).toBe('Jun 13, 2024, 14:05 UTC');
    expect(formatDateTime(null)).toBe('—');
  });
  it('formats byte sizes and plurals', () => {
    expect(formatBytes(512)).toBe('512 B');
    expect(formatBytes(1536)).toBe('1.5 KB');
    expect(formatBytes(200 * 1024 * 1024)).toBe('200 MB');
    expect(formatBytes(-1)).toBe('—');
    expect(plural(1, 'report')).toBe('1 report');
    expect(plural(1200, 'report')).toBe('1,200 reports');
    expect(plural(0, 'entry', 'entries')).toBe('0 entries');
  });
});
