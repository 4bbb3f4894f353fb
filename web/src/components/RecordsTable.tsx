// The records of a report or of a source, laid out for what they hold: a compact line per record (where it came
// from, how many messages, what DMARC made of it, and its DKIM and SPF results side by side), and the
// receiver's policy override, when there is one, on a line of its own under it — a reason with a comment is
// prose, which a narrow column turns into a tower of words.
import type { JSX } from 'preact';
import { Breakable, ResultBadge } from './ui';
import { reasonLabel } from '../charts/options';
import { formatDate, formatNumber } from '../lib/format';
import type { RecordItem } from '../lib/types';
import { Link } from '../router';

export function RecordsTable({
  records,
  showReport,
  showSource = true,
}: {
  records: RecordItem[];
  /** A column with each record's report (records of several reports). */
  showReport?: boolean;
  /** The source address column (left out on the page of one address, where every row would repeat it). */
  showSource?: boolean;
}): JSX.Element {
  const columns = 6 + (showReport ? 1 : 0) + (showSource ? 1 : 0);
  return (
    <div class="table-wrap">
      <table class="data records">
        <thead>
          <tr>
            {showReport ? <th scope="col">Report</th> : null}
            {showSource ? <th scope="col">Source IP</th> : null}
            <th scope="col" class="num">
              Messages
            </th>
            <th scope="col" title="The DMARC result and the disposition the receiver applied">
              DMARC
            </th>
            <th scope="col" title="Policy-evaluated: authenticated and aligned with the From domain">
              Aligned
            </th>
            <th scope="col" title="Every DKIM signature: result, signing domain and selector (s=)">
              DKIM results
            </th>
            <th scope="col" title="Every SPF check: result, domain and scope (mfrom, helo)">
              SPF results
            </th>
            <th scope="col">Header from</th>
          </tr>
        </thead>
        {records.map((r) => (
          // one tbody per record: its override line belongs to it (hover, borders, screen readers' row groups)
          <tbody key={`${r.reportId}-${r.idx}`} class="record">
            <tr>
              {showReport ? (
                <td class="record-report">
                  <Link href={`/reports/${r.reportId}`}>{r.reporter}</Link>
                  <span class="muted small">{r.date ? formatDate(r.date) : 'no period'}</span>
                </td>
              ) : null}
              {showSource ? (
                <td class="mono ip">
                  {r.sourceIp ? (
                    <Link href={`/sources?ip=${encodeURIComponent(r.sourceIp)}&range=all`}>
                      <Breakable text={r.sourceIp} after=":" />
                    </Link>
                  ) : (
                    '—'
                  )}
                </td>
              ) : null}
              <td class="num">{formatNumber(r.count)}</td>
              <td class="nowrap">
                <ResultBadge value={r.dmarc} /> {r.disposition ?? '—'}
              </td>
              <td class="nowrap">
                <span class="mech">DKIM</span> <ResultBadge value={r.dkim} /> <span class="mech">SPF</span>{' '}
                <ResultBadge value={r.spf} />
              </td>
              <td class="auth-results dkim">
                {r.dkimResults.length === 0 ? (
                  <span class="muted">none</span>
                ) : (
                  <ul class="auth">
                    {r.dkimResults.map((d, i) => (
                      <li key={i}>
                        <ResultBadge value={d.result} /> <Breakable text={d.domain} after="." />
                        {d.selector ? (
                          <>
                            {' '}
                            <span class="muted selector" title={`selector ${d.selector}`}>
                              s={d.selector}
                            </span>
                          </>
                        ) : null}
                      </li>
                    ))}
                  </ul>
                )}
              </td>
              <td class="auth-results">
                {r.spfResults.length === 0 ? (
                  <span class="muted">none</span>
                ) : (
                  <ul class="auth">
                    {r.spfResults.map((x, i) => (
                      <li key={i}>
                        <ResultBadge value={x.result} /> <Breakable text={x.domain} after="." />
                        {x.scope ? <span class="muted"> {x.scope}</span> : null}
                      </li>
                    ))}
                  </ul>
                )}
              </td>
              <td class="break">{r.headerFrom ? <Breakable text={r.headerFrom} after="." /> : '—'}</td>
            </tr>
            {r.reasons.length > 0 ? (
              <tr class="record-override">
                <td colSpan={columns}>
                  <span class="muted">Policy override:</span>{' '}
                  {r.reasons.map((x, i) => (
                    <span key={i} class="reason">
                      <strong>{reasonLabel(x.type)}</strong>
                      {x.comment ? <span lang={x.commentLang}> — {x.comment}</span> : ''}
                      {i < r.reasons.length - 1 ? '; ' : ''}
                    </span>
                  ))}
                </td>
              </tr>
            ) : null}
          </tbody>
        ))}
      </table>
    </div>
  );
}
