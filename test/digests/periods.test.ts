// The periods of a digest in its time zone: the last complete day, ISO week and month, due from the send hour of
// the first local day after; before that hour the period before is the latest due one. Across DST changes the
// local day is read from the zone (a 23-hour day still ends at local midnight), and in a zone ahead of UTC the
// local week or month turns before UTC's does.
import { describe, expect, it } from 'vitest';
import {
  duePeriod,
  isTimeZone,
  lastCompletePeriod,
  localTime,
  periodInstants,
  startOfLocalDay,
} from '../../src/exports/digests/period.js';

const at = (iso: string) => new Date(iso);

describe('digest periods', () => {
  it('knows IANA time zones and refuses what is not one', () => {
    expect(isTimeZone('Pacific/Auckland')).toBe(true);
    expect(isTimeZone('America/New_York')).toBe(true);
    expect(isTimeZone('UTC')).toBe(true);
    expect(isTimeZone('Mars/Olympus_Mons')).toBe(false);
    expect(isTimeZone('')).toBe(false);
  });

  it('daily in UTC: yesterday from the send hour, the day before until then', () => {
    expect(duePeriod('daily', 'UTC', 8, at('2026-01-10T08:00:00Z'))).toEqual({
      start: '2026-01-09',
      end: '2026-01-09',
    });
    expect(duePeriod('daily', 'UTC', 8, at('2026-01-10T07:59:59Z'))).toEqual({
      start: '2026-01-08',
      end: '2026-01-08',
    });
    expect(duePeriod('daily', 'UTC', 0, at('2026-01-10T00:00:00Z'))).toEqual({
      start: '2026-01-09',
      end: '2026-01-09',
    });
    // "send now" ignores the hour
    expect(lastCompletePeriod('daily', 'UTC', at('2026-01-10T00:30:00Z'))).toEqual({
      start: '2026-01-09',
      end: '2026-01-09',
    });
  });

  it('weekly is the ISO week (Monday to Sunday); monthly the calendar month, leap February included', () => {
    // Wednesday 2026-01-14
    expect(duePeriod('weekly', 'UTC', 8, at('2026-01-14T12:00:00Z'))).toEqual({
      start: '2026-01-05',
      end: '2026-01-11',
    });
    // Monday 2026-01-12 before the hour: the week before last
    expect(duePeriod('weekly', 'UTC', 8, at('2026-01-12T07:00:00Z'))).toEqual({
      start: '2025-12-29',
      end: '2026-01-04',
    });
    expect(duePeriod('monthly', 'UTC', 8, at('2028-03-01T09:00:00Z'))).toEqual({
      start: '2028-02-01',
      end: '2028-02-29',
    });
    expect(duePeriod('monthly', 'UTC', 8, at('2028-03-01T07:00:00Z'))).toEqual({
      start: '2028-01-01',
      end: '2028-01-31',
    });
    expect(duePeriod('monthly', 'UTC', 8, at('2026-01-20T07:00:00Z'))).toEqual({
      start: '2025-12-01',
      end: '2025-12-31',
    });
  });

  it('Pacific/Auckland (UTC+13 in summer): its Monday morning is still Sunday in UTC', () => {
    // 2026-12-06T20:00Z = Monday 2026-12-07 09:00 NZDT
    const t = at('2026-12-06T20:00:00Z');
    expect(localTime(t, 'Pacific/Auckland')).toEqual({ day: '2026-12-07', hour: 9 });
    expect(duePeriod('weekly', 'Pacific/Auckland', 8, t)).toEqual({ start: '2026-11-30', end: '2026-12-06' });
    // the same instant read in UTC is inside that week
    expect(duePeriod('weekly', 'UTC', 8, t)).toEqual({ start: '2026-11-23', end: '2026-11-29' });
    // 2026-11-30T11:30Z = 1 December 00:30 NZDT: November is over there, not in UTC (send hour 0)
    expect(duePeriod('monthly', 'Pacific/Auckland', 0, at('2026-11-30T11:30:00Z'))).toEqual({
      start: '2026-11-01',
      end: '2026-11-30',
    });
    expect(duePeriod('monthly', 'UTC', 0, at('2026-11-30T11:30:00Z'))).toEqual({
      start: '2026-10-01',
      end: '2026-10-31',
    });
    // a local day there starts at 11:00 UTC the day before (NZDT) or 12:00 (NZST, winter)
    expect(startOfLocalDay('2026-12-07', 'Pacific/Auckland').toISOString()).toBe('2026-12-06T11:00:00.000Z');
    expect(startOfLocalDay('2026-07-07', 'Pacific/Auckland').toISOString()).toBe('2026-07-06T12:00:00.000Z');
    // the day NZ leaves DST (5 April 2026, 03:00 → 02:00) has 25 hours
    const d = periodInstants({ start: '2026-04-05', end: '2026-04-05' }, 'Pacific/Auckland');
    expect((d.to.getTime() - d.from.getTime()) / 3_600_000).toBe(25);
  });

  it('America/New_York over the spring DST change: a 23-hour day, the send hour in local time', () => {
    // 8 March 2026: 02:00 EST → 03:00 EDT
    const d = periodInstants({ start: '2026-03-08', end: '2026-03-08' }, 'America/New_York');
    expect(d.from.toISOString()).toBe('2026-03-08T05:00:00.000Z');
    expect(d.to.toISOString()).toBe('2026-03-09T04:00:00.000Z');
    // 12:30Z on 9 March is 08:30 EDT: the 8th is due; the day before the change, 12:30Z was 07:30 EST: not yet
    expect(duePeriod('daily', 'America/New_York', 8, at('2026-03-09T12:30:00Z'))).toEqual({
      start: '2026-03-08',
      end: '2026-03-08',
    });
    expect(duePeriod('daily', 'America/New_York', 8, at('2026-03-08T12:30:00Z'))).toEqual({
      start: '2026-03-07',
      end: '2026-03-07',
    });
    expect(duePeriod('daily', 'America/New_York', 8, at('2026-03-07T12:30:00Z'))).toEqual({
      start: '2026-03-05',
      end: '2026-03-05',
    });
    // a send hour skipped by the change (02:00 on 8 March) is reached at 03:00
    expect(duePeriod('daily', 'America/New_York', 2, at('2026-03-08T07:00:00Z'))).toEqual({
      start: '2026-03-07',
      end: '2026-03-07',
    });
    // autumn: 1 November 2026 has 25 hours
    const n = periodInstants({ start: '2026-11-01', end: '2026-11-01' }, 'America/New_York');
    expect((n.to.getTime() - n.from.getTime()) / 3_600_000).toBe(25);
  });
});
