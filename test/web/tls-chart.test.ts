// The SMTP TLS page's chart data: the summary's series by day and result type, the days of the axis (every day
// over a short span, only the days with failures over a long one) and the table view with the same figures.
import { describe, expect, it } from 'vitest';
import { isDense, tlsFailureSeries, tlsFailuresOption, tlsFailuresTable } from '../../web/src/charts/tls';

describe('the SMTP TLS failures chart', () => {
  const points = [
    { date: '2024-06-01', resultType: 'certificate-expired', failedSessions: 10 },
    { date: '2024-06-03', resultType: 'certificate-expired', failedSessions: 1 },
    { date: '2024-06-03', resultType: 'sts-policy-fetch-error', failedSessions: 40 },
  ];

  it('lays the series out per day, result types with the most failures first', () => {
    const s = tlsFailureSeries(points);
    expect(s.days).toEqual(['2024-06-01', '2024-06-02', '2024-06-03']);
    expect(isDense(s)).toBe(true);
    expect(s.types.map((t) => [t.resultType, t.total, t.perDay])).toEqual([
      ['sts-policy-fetch-error', 40, [0, 0, 40]],
      ['certificate-expired', 11, [10, 0, 1]],
    ]);
    const option = tlsFailuresOption(s, () => '') as { series: { name: string; data: (number | null)[] }[] };
    // a day without failures is no bar
    expect(option.series.map((x) => [x.name, x.data])).toEqual([
      ['sts-policy-fetch-error', [null, null, 40]],
      ['certificate-expired', [10, null, 1]],
    ]);
  });

  it('keeps only the days with failures over years', () => {
    const s = tlsFailureSeries([
      { date: '2016-04-01', resultType: 'validation-failure', failedSessions: 2 },
      { date: '2024-02-22', resultType: 'validation-failure', failedSessions: 1 },
    ]);
    expect(s.days).toEqual(['2016-04-01', '2024-02-22']);
    expect(isDense(s)).toBe(false);
  });

  it('has a table view with the same figures and a total per day', () => {
    const t = tlsFailuresTable(tlsFailureSeries(points));
    expect(t.columns).toEqual(['Day', 'sts-policy-fetch-error', 'certificate-expired', 'Failed sessions']);
    expect(t.rows.map((r) => r.cells)).toEqual([
      ['Jun 1, 2024', '0', '10', '10'],
      ['Jun 3, 2024', '40', '1', '41'],
    ]);
    expect(tlsFailuresTable(tlsFailureSeries([])).rows).toEqual([]);
  });
});
