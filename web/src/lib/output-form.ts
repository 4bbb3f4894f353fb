// The form of a SIEM output, one field list per output type (the API's config schema, src/outputs/*.ts): what the
// Outputs page shows and the request body it sends. Pure, so that it is tested without a browser. Secrets are never
// shown: editing, a secret field left empty keeps the stored value (the API's PATCH keeps config keys left out).

export type OutputTypeName = 'splunk_hec' | 'elasticsearch' | 'syslog' | 'webhook';

export const OUTPUT_TYPES: readonly { value: OutputTypeName; label: string }[] = [
  { value: 'splunk_hec', label: 'Splunk HTTP Event Collector' },
  { value: 'elasticsearch', label: 'Elasticsearch / OpenSearch' },
  { value: 'syslog', label: 'Syslog (RFC 5424)' },
  { value: 'webhook', label: 'Webhook (signed JSON)' },
];

export interface OutputField {
  key: string;
  label: string;
  kind: 'text' | 'url' | 'secret' | 'number' | 'select' | 'checkbox' | 'headers' | 'pem';
  required?: boolean;
  placeholder?: string;
  options?: readonly string[];
  min?: number;
  max?: number;
  hint?: string;
}

const INSECURE: OutputField = {
  key: 'allowInsecure',
  label: 'Accept a self-signed certificate',
  kind: 'checkbox',
};

export const OUTPUT_FIELDS: Record<OutputTypeName, readonly OutputField[]> = {
  splunk_hec: [
    { key: 'url', label: 'HEC URL', kind: 'url', required: true, placeholder: 'https://splunk.example.com:8088' },
    { key: 'token', label: 'HEC token', kind: 'secret', required: true },
    { key: 'index', label: 'Index', kind: 'text', placeholder: 'the token’s default' },
    { key: 'sourcetype', label: 'Source type', kind: 'text', placeholder: 'dmarc:aggregate' },
    { key: 'source', label: 'Source', kind: 'text' },
    INSECURE,
  ],
  elasticsearch: [
    { key: 'url', label: 'Cluster URL', kind: 'url', required: true, placeholder: 'https://es.example.com:9200' },
    {
      key: 'indexPrefix',
      label: 'Index prefix',
      kind: 'text',
      placeholder: 'dmarc_aggregate',
      hint: 'one index per month: <prefix>-YYYY.MM',
    },
    { key: 'username', label: 'User name', kind: 'text' },
    { key: 'password', label: 'Password', kind: 'secret' },
    { key: 'apiKey', label: 'API key (instead of user and password)', kind: 'secret' },
    INSECURE,
  ],
  syslog: [
    { key: 'host', label: 'Host', kind: 'text', required: true, placeholder: 'siem.example.com' },
    { key: 'protocol', label: 'Protocol', kind: 'select', required: true, options: ['udp', 'tcp', 'tls'] },
    { key: 'port', label: 'Port', kind: 'number', min: 1, max: 65535, placeholder: '514 (6514 for TLS)' },
    { key: 'appName', label: 'APP-NAME', kind: 'text', placeholder: 'dmarc' },
    { key: 'facility', label: 'Facility (0–23)', kind: 'number', min: 0, max: 23, placeholder: '16 (local0)' },
    { key: 'ca', label: 'CA certificates, PEM (TLS; default: the system’s)', kind: 'pem' },
    { ...INSECURE, hint: 'TLS only' },
  ],
  webhook: [
    { key: 'url', label: 'URL', kind: 'secret', required: true, placeholder: 'https://hooks.example.com/dmarc' },
    { key: 'secret', label: 'Signing secret (16 characters or more)', kind: 'secret' },
    { key: 'headers', label: 'Extra headers (one “Name: value” a line)', kind: 'headers' },
  ],
};

/** What the form holds: text of every field (checkboxes as 'true' or ''), by key. */
export interface OutputDraft {
  name: string;
  type: OutputTypeName;
  values: Record<string, string>;
}

export const EMPTY_OUTPUT: OutputDraft = { name: '', type: 'splunk_hec', values: { protocol: 'udp' } };

/** The form filled with an output's editable settings: secrets (masked in answers) stay empty, meaning unchanged. */
export function outputDraftOf(o: { name: string; type: string; config: Record<string, unknown> }): OutputDraft {
  const type = OUTPUT_TYPES.find((t) => t.value === o.type)?.value ?? 'webhook';
  const values: Record<string, string> = {};
  for (const f of OUTPUT_FIELDS[type]) {
    const v = o.config[f.key];
    if (f.kind === 'secret' || f.kind === 'headers' || f.kind === 'pem' || v === undefined || v === null) continue;
    values[f.key] = f.kind === 'checkbox' ? (v === true ? 'true' : '') : String(v);
  }
  return { name: o.name, type, values };
}

function parseHeaders(text: string, errors: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split(/\r?\n/)) {
    if (line.trim() === '') continue;
    const at = line.indexOf(':');
    const name = at > 0 ? line.slice(0, at).trim() : '';
    if (!/^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,100}$/.test(name)) {
      errors['config.headers'] = `“${line.trim().slice(0, 40)}” is not “Name: value”`;
      continue;
    }
    out[name] = line.slice(at + 1).trim();
  }
  return out;
}

/**
 * The request body of the form, or what is wrong with it (by the API's field names). `stored`: the output being
 * changed — an empty secret then keeps the stored one (left out), the type is the output's, and a checkbox that
 * was set and is cleared is sent as false.
 */
export function outputBody(
  d: OutputDraft,
  stored?: { config: Record<string, unknown> },
): { body?: Record<string, unknown>; errors: Record<string, string> } {
  const errors: Record<string, string> = {};
  if (!d.name.trim()) errors.name = 'is required';
  const config: Record<string, unknown> = {};
  for (const f of OUTPUT_FIELDS[d.type]) {
    const raw = d.values[f.key] ?? '';
    const text = f.kind === 'secret' ? raw : raw.trim();
    const field = `config.${f.key}`;
    if (f.kind === 'checkbox') {
      if (text === 'true') config[f.key] = true;
      else if (stored?.config[f.key] === true) config[f.key] = false;
      continue;
    }
    if (text === '') {
      // a secret of a stored output left empty is unchanged; anything else required must be given
      const kept =
        stored !== undefined &&
        (f.kind === 'secret' || f.kind === 'headers' || f.kind === 'pem' || f.key in stored.config);
      if (f.required && !kept) errors[field] = 'is required';
      continue;
    }
    if (f.kind === 'number') {
      const n = Number(text);
      if (!Number.isInteger(n) || (f.min !== undefined && n < f.min) || (f.max !== undefined && n > f.max)) {
        errors[field] = `must be a whole number from ${f.min ?? 0} to ${f.max ?? ''}`;
      } else config[f.key] = n;
    } else if (f.kind === 'headers') {
      config[f.key] = parseHeaders(raw, errors);
    } else if (f.kind === 'pem') {
      if (!/-----BEGIN CERTIFICATE-----[\s\S]+-----END CERTIFICATE-----/.test(text))
        errors[field] = 'must be PEM certificates';
      else config[f.key] = text;
    } else if ((f.kind === 'url' || (f.kind === 'secret' && f.key === 'url')) && !/^https?:\/\/\S+$/i.test(text)) {
      errors[field] = 'must be an https:// (or http://) address';
    } else {
      config[f.key] = text;
    }
  }
  if (Object.keys(errors).length) return { errors };
  const name = d.name.trim();
  return { body: stored ? { name, config } : { name, type: d.type, config }, errors };
}

/** The settings as one line (the API's masked configuration). */
export function outputSettingsText(config: Record<string, unknown>): string {
  return Object.entries(config)
    .map(([k, v]) =>
      v !== null && typeof v === 'object' && !Array.isArray(v)
        ? `${k}: ${Object.keys(v).join(', ')}`
        : `${k}: ${String(v)}`,
    )
    .join('; ');
}
