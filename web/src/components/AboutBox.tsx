// The about box in the footer: the version, and the attribution the licences of the shipped IP databases ask
// for (from GET /api/about, which reads src/enrich/attribution.ts), each source linked.
import type { JSX } from 'preact';
import { useApp, useLoad } from '../context';
import type { About } from '../lib/types';

export function AboutBox(): JSX.Element {
  const { api } = useApp();
  const about = useLoad('about', (signal) => api.get<About>('/api/about', {}, signal));
  return (
    <details class="about" data-testid="about">
      <summary>About{about.data ? ` · version ${about.data.version}` : ''}</summary>
      {about.data ? (
        <div class="about-body">
          <p>{about.data.ipData.text}</p>
          <ul>
            {about.data.ipData.sources.map((s) => (
              <li key={`${s.data}-${s.name}`}>
                {s.data}: <a href={s.url}>{s.name}</a>, <a href={s.licenceUrl}>{s.licence}</a>
              </li>
            ))}
          </ul>
          <p>
            <a href={about.data.ipData.dbIpLink.url}>{about.data.ipData.dbIpLink.text}</a>
          </p>
        </div>
      ) : about.state === 'error' ? (
        <p>The attribution could not be loaded.</p>
      ) : null}
    </details>
  );
}
