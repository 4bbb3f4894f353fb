// The Outputs page's form: the body sent for each output type, what is refused before the request, and editing
// (secrets never shown; an empty secret keeps the stored one; a cleared checkbox is sent as false).
import { describe, expect, it } from 'vitest';
import { EMPTY_OUTPUT, outputBody, outputDraftOf, outputSettingsText } from '../../web/src/lib/output-form.js';

describe('output form', () => {
  it('builds the body of each type', () => {
    expect(
      outputBody({
        name: ' splunk ',
        type: 'splunk_hec',
        values: { url: 'https://splunk.example:8088', token: 'tok', index: 'dmarc', allowInsecure: 'true' },
      }),
    ).toEqual({
      body: {
        name: 'splunk',
        type: 'splunk_hec',
        config: { url: 'https://splunk.example:8088', token: 'tok', index: 'dmarc', allowInsecure: true },
      },
      errors: {},
    });
    expect(
      outputBody({ name: 's', type: 'syslog', values: { host: 'siem.example', protocol: 'tls', port: '6514' } }).body,
    ).toEqual({ name: 's', type: 'syslog', config: { host: 'siem.example', protocol: 'tls', port: 6514 } });
    expect(
      outputBody({
        name: 'w',
        type: 'webhook',
        values: { url: 'https://hooks.example/x', headers: 'X-Team: mail\n\nAuthorization: Bearer abc' },
      }).body,
    ).toEqual({
      name: 'w',
      type: 'webhook',
      config: { url: 'https://hooks.example/x', headers: { 'X-Team': 'mail', Authorization: 'Bearer abc' } },
    });
  });

  it('refuses what the API would, at the field', () => {
    expect(outputBody({ ...EMPTY_OUTPUT }).errors).toEqual({
      name: 'is required',
      'config.url': 'is required',
      'config.token': 'is required',
    });
    expect(
      outputBody({ name: 's', type: 'syslog', values: { host: 'h', protocol: 'udp', port: '70000', facility: 'x' } })
        .errors,
    ).toEqual({
      'config.port': 'must be a whole number from 1 to 65535',
      'config.facility': 'must be a whole number from 0 to 23',
    });
    expect(outputBody({ name: 'e', type: 'elasticsearch', values: { url: 'ftp://es' } }).errors).toEqual({
      'config.url': 'must be an https:// (or http://) address',
    });
    expect(outputBody({ name: 'w', type: 'webhook', values: { url: 'x', headers: 'no colon here' } }).errors).toEqual({
      'config.url': 'must be an https:// (or http://) address',
      'config.headers': '“no colon here” is not “Name: value”',
    });
  });

  it('edits without showing or resending secrets', () => {
    const stored = {
      name: 'splunk',
      type: 'splunk_hec',
      config: { url: 'https://splunk.example:8088', token: '••••', allowInsecure: true },
    };
    const draft = outputDraftOf(stored);
    expect(draft).toEqual({
      name: 'splunk',
      type: 'splunk_hec',
      values: { url: 'https://splunk.example:8088', allowInsecure: 'true' },
    });
    // the token left empty is left out (kept); the cleared checkbox is sent as false; no type in a change
    expect(outputBody({ ...draft, name: 'renamed', values: { ...draft.values, allowInsecure: '' } }, stored)).toEqual({
      body: { name: 'renamed', config: { url: 'https://splunk.example:8088', allowInsecure: false } },
      errors: {},
    });
    // a masked webhook URL is not put in the form either
    expect(outputDraftOf({ name: 'w', type: 'webhook', config: { url: 'https://hooks.example/••••' } }).values).toEqual(
      {},
    );
    expect(outputBody({ name: 'w', type: 'webhook', values: {} }, { config: { url: 'https://h/••••' } }).body).toEqual({
      name: 'w',
      config: {},
    });
  });

  it('shows the masked settings on one line', () => {
    expect(outputSettingsText({ host: 'h', port: 514, headers: { 'X-A': '••••', 'X-B': '••••' } })).toBe(
      'host: h; port: 514; headers: X-A, X-B',
    );
  });
});
