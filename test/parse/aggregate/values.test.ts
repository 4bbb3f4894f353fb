// Normalisation of header, policy and record values through the whole parser.
import { describe, expect, it } from 'vitest';
import { METADATA, POLICY, parseText, record, reportXml } from './helpers.js';

const metadata = (inner: string): string => `<report_metadata>${inner}</report_metadata>`;
const policy = (inner: string): string => `<policy_published>${inner}</policy_published>`;
const ID = '<report_id>r-1</report_id>';
const RANGE = '<date_range><begin>1700000000</begin><end>1700086399</end></date_range>';

describe('a complete report', () => {
  it('maps every field into the model', async () => {
    const xml = reportXml({
      head: '<version>1.0</version>',
      metadata: metadata(
        '<org_name> Example Org </org_name><email>dmarc@example.org</email><extra_contact_info>https://example.org/dmarc</extra_contact_info>' +
          `<report_id> r-1 </report_id>${RANGE}<error>first problem</error><error>second problem</error><error> </error>`,
      ),
      policy: policy(
        '<domain>Example.COM.</domain><adkim>s</adkim><aspf>relaxed</aspf><p>reject</p><sp>quarantine</sp><np>none</np><pct>50</pct><fo>0:1:d</fo>',
      ),
      records: [
        record({
          ip: ' 2001:DB8::0:1 ',
          count: '7',
          disposition: 'Quarantine',
          dkim: 'FAIL',
          spf: 'Pass',
          evaluated:
            '<reason><type>Forwarded</type><comment>via list</comment></reason><reason><type>local_policy</type></reason>',
          identifiers:
            '<envelope_to>Rcpt.example</envelope_to><envelope_from>Bounce.Example.com</envelope_from><header_from>Example.com</header_from>',
          authResults:
            '<dkim><domain>a.example</domain><selector>s1</selector><result>pass</result><human_result>good</human_result></dkim>' +
            '<dkim><domain>b.example</domain><result>fail</result></dkim>' +
            '<spf><domain>c.example</domain><scope>helo</scope><result>softfail</result></spf>' +
            '<spf><domain>d.example</domain><scope>mfrom</scope><result>pass</result></spf>',
        }),
      ],
    });
    const report = await parseText(xml);
    expect(report).toEqual({
      version: '1.0',
      schema: 'rfc7489',
      namespace: null,
      reporterOrg: 'Example Org',
      email: 'dmarc@example.org',
      extraContactInfo: 'https://example.org/dmarc',
      reportId: 'r-1',
      begin: 1700000000,
      end: 1700086399,
      errors: ['first problem', 'second problem'],
      generator: null,
      extensions: [],
      domain: 'example.com',
      policy: {
        adkim: 's',
        aspf: 'r',
        p: 'reject',
        sp: 'quarantine',
        np: 'none',
        pct: 50,
        fo: '0:1:d',
        testing: null,
        discoveryMethod: null,
      },
      records: [
        {
          sourceIp: '2001:db8::1',
          count: 7,
          disposition: 'quarantine',
          dkim: 'fail',
          spf: 'pass',
          reasons: [
            { type: 'forwarded', comment: 'via list' },
            { type: 'local_policy', comment: null },
          ],
          headerFrom: 'example.com',
          envelopeFrom: 'bounce.example.com',
          envelopeTo: 'rcpt.example',
          dkimResults: [
            { domain: 'a.example', selector: 's1', result: 'pass', humanResult: 'good' },
            { domain: 'b.example', selector: null, result: 'fail', humanResult: null },
          ],
          spfResults: [
            { domain: 'c.example', scope: 'helo', result: 'softfail', humanResult: null },
            { domain: 'd.example', scope: 'mfrom', result: 'pass', humanResult: null },
          ],
        },
      ],
      warnings: [],
      recovered: false,
    });
  });

  it('accepts a report with zero records', async () => {
    const report = await parseText(reportXml({ records: [] }));
    expect(report.records).toEqual([]);
    expect(report.warnings).toEqual([]);
  });
});

describe('report metadata', () => {
  it("keeps an empty org_name as '' and stray characters as sent", async () => {
    expect((await parseText(reportXml({ metadata: metadata(`<org_name></org_name>${ID}${RANGE}`) }))).reporterOrg).toBe(
      '',
    );
    expect((await parseText(reportXml({ metadata: metadata(`${ID}${RANGE}`) }))).reporterOrg).toBe('');
    expect(
      (await parseText(reportXml({ metadata: metadata(`<org_name>"Mail.ru</org_name>${ID}${RANGE}`) }))).reporterOrg,
    ).toBe('"Mail.ru');
  });

  it('floors decimal timestamps', async () => {
    const report = await parseText(
      reportXml({
        metadata: metadata(`${ID}<date_range><begin>1700000000.0</begin><end>1700086399.75</end></date_range>`),
      }),
    );
    expect([report.begin, report.end]).toEqual([1700000000, 1700086399]);
    expect(report.warnings).toEqual([]);
  });

  it('reads a date or a millisecond timestamp where seconds belong, with a warning saying how it was read', async () => {
    const r = await parseText(
      reportXml({
        metadata: metadata(`${ID}<date_range><begin>2023-11-14T00:00:00Z</begin><end>1700006399000</end></date_range>`),
      }),
    );
    expect([r.begin, r.end]).toEqual([1699920000, 1700006399]);
    expect(r.warnings).toEqual([
      "report_metadata/date_range/begin '2023-11-14T00:00:00Z' is a date, not a Unix timestamp; read as 1699920000",
      "report_metadata/date_range/end '1700006399000' is in milliseconds, not seconds; read as 1700006399",
    ]);
  });

  it('leaves empty, missing or non-numeric timestamps null with a warning naming the field', async () => {
    const empty = await parseText(
      reportXml({ metadata: metadata(`${ID}<date_range><begin/><end> </end></date_range>`) }),
    );
    expect([empty.begin, empty.end]).toEqual([null, null]);
    expect(empty.warnings).toEqual([
      'report_metadata/date_range/begin is empty; left empty',
      'report_metadata/date_range/end is empty; left empty',
    ]);

    const bad = await parseText(
      reportXml({ metadata: metadata(`${ID}<date_range><begin>yesterday</begin><end>-1</end></date_range>`) }),
    );
    expect([bad.begin, bad.end]).toEqual([null, null]);
    expect(bad.warnings).toEqual([
      "report_metadata/date_range/begin 'yesterday' is not a Unix timestamp; left empty",
      "report_metadata/date_range/end '-1' is not a Unix timestamp; left empty",
    ]);

    const missing = await parseText(reportXml({ metadata: metadata(ID) }));
    expect(missing.warnings).toEqual([
      'report_metadata/date_range/begin is missing; left empty',
      'report_metadata/date_range/end is missing; left empty',
    ]);
  });

  it('keeps begin > end but warns', async () => {
    const report = await parseText(
      reportXml({ metadata: metadata(`${ID}<date_range><begin>200</begin><end>100</end></date_range>`) }),
    );
    expect([report.begin, report.end]).toEqual([200, 100]);
    expect(report.warnings).toEqual(['report_metadata/date_range: begin (200) is after end (100)']);
  });

  it('accepts begin == end and far-past timestamps without warnings', async () => {
    const report = await parseText(
      reportXml({ metadata: metadata(`${ID}<date_range><begin>302832000</begin><end>302832000</end></date_range>`) }),
    );
    expect([report.begin, report.end]).toEqual([302832000, 302832000]);
    expect(report.warnings).toEqual([]);
  });
});

describe('policy_published', () => {
  it('turns an empty <sp/> into null silently', async () => {
    const report = await parseText(reportXml({ policy: policy('<domain>example.com</domain><p>none</p><sp/>') }));
    expect(report.policy.sp).toBeNull();
    expect(report.warnings).toEqual([]);
  });

  it('leaves unknown enum values and out-of-range pct null with a warning', async () => {
    const report = await parseText(
      reportXml({
        policy: policy(
          '<domain>example.com</domain><adkim>x</adkim><p>block</p><pct>150</pct><testing>maybe</testing><discovery_method>dns</discovery_method>',
        ),
        // A DMARCbis report: its DKIM result names a selector, as RFC 9990 requires (else one more warning).
        records: [
          record({
            authResults:
              '<dkim><domain>example.com</domain><selector>s1</selector><result>pass</result></dkim>' +
              '<spf><domain>example.com</domain><result>pass</result></spf>',
          }),
        ],
      }),
    );
    expect(report.policy).toMatchObject({ adkim: null, p: null, pct: null, testing: null, discoveryMethod: null });
    expect(report.warnings).toEqual([
      "policy_published/adkim 'x' is not r|s; left empty",
      "policy_published/p 'block' is not none|quarantine|reject; left empty",
      "policy_published/pct '150' is not an integer 0..100; left empty",
      "policy_published/testing 'maybe' is not y|n; left empty",
      "policy_published/discovery_method 'dns' is not psl|treewalk; left empty",
    ]);
  });

  it('reads the DMARCbis elements', async () => {
    const report = await parseText(
      reportXml({
        policy: policy(
          '<domain>example.com</domain><p>reject</p><np>Quarantine</np><testing>Y</testing><discovery_method>treewalk</discovery_method><fo>1</fo>',
        ),
      }),
    );
    expect(report.policy).toEqual({
      adkim: null,
      aspf: null,
      p: 'reject',
      sp: null,
      np: 'quarantine',
      pct: null,
      fo: '1',
      testing: 'y',
      discoveryMethod: 'treewalk',
    });
  });
});

describe('schema flavour', () => {
  const flavour = async (spec: Parameters<typeof reportXml>[0]) => (await parseText(reportXml(spec))).schema;

  it('is rfc7489 by default, and with np alone (Google sends np in 1.0 reports)', async () => {
    expect(await flavour({})).toBe('rfc7489');
    expect(await flavour({ policy: policy('<domain>example.com</domain><p>none</p><np>none</np>') })).toBe('rfc7489');
  });

  it('is dmarcbis with the dmarc-2.0 namespace or any of testing, discovery_method, generator', async () => {
    expect(await flavour({ attrs: ' xmlns="urn:ietf:params:xml:ns:dmarc-2.0"' })).toBe('dmarcbis');
    expect(await flavour({ policy: policy('<domain>example.com</domain><testing>n</testing>') })).toBe('dmarcbis');
    expect(
      await flavour({ policy: policy('<domain>example.com</domain><discovery_method>psl</discovery_method>') }),
    ).toBe('dmarcbis');
    const withGenerator = await parseText(
      reportXml({ metadata: metadata(`${ID}${RANGE}<generator>Reporter 1.2</generator>`) }),
    );
    expect(withGenerator.schema).toBe('dmarcbis');
    expect(withGenerator.generator).toBe('Reporter 1.2');
  });
});

describe('records', () => {
  const one = async (spec: Parameters<typeof record>[0]) => {
    const report = await parseText(reportXml({ records: [record(), record(spec)] }));
    return { rec: report.records[1], warnings: report.warnings, report };
  };

  it('lower-cases enum values', async () => {
    const { rec, warnings } = await one({ disposition: 'REJECT', dkim: 'Pass', spf: 'PASS' });
    expect(rec).toMatchObject({ disposition: 'reject', dkim: 'pass', spf: 'pass' });
    expect(warnings).toEqual([]);
  });

  it('accepts the DMARCbis disposition pass', async () => {
    expect((await one({ disposition: 'pass' })).rec?.disposition).toBe('pass');
  });

  it('leaves an unknown policy_evaluated value null with a warning naming the record', async () => {
    const { rec, warnings } = await one({ disposition: 'discard', dkim: 'softfail' });
    expect(rec).toMatchObject({ disposition: null, dkim: null, spf: 'pass' });
    expect(warnings).toEqual([
      "record 2: policy_evaluated/disposition 'discard' is not none|quarantine|reject|pass; left empty",
      "record 2: policy_evaluated/dkim 'softfail' is not pass|fail; left empty",
    ]);
  });

  it('maps legacy SPF results in auth_results', async () => {
    const spf = (result: string) => `<spf><domain>example.com</domain><result>${result}</result></spf>`;
    const { rec, warnings } = await one({
      authResults: spf('hardfail') + spf('unknown') + spf('error') + spf('SoftFail'),
    });
    expect(rec?.spfResults.map((r) => r.result)).toEqual(['fail', 'permerror', 'temperror', 'softfail']);
    expect(warnings).toEqual([]);
  });

  it('drops an auth result without a readable result, with a warning', async () => {
    const { rec, warnings } = await one({
      authResults:
        '<dkim><domain>a.example</domain><result>bogus</result></dkim><dkim><domain>b.example</domain><result>pass</result></dkim>' +
        '<spf><domain>c.example</domain><result></result></spf><spf><domain></domain><result></result></spf>',
    });
    expect(rec?.dkimResults).toEqual([{ domain: 'b.example', selector: null, result: 'pass', humanResult: null }]);
    expect(rec?.spfResults).toEqual([]);
    expect(warnings).toEqual([
      "record 2: auth_results/dkim result 'bogus' is not none|pass|fail|policy|neutral|temperror|permerror; dropped",
      "record 2: auth_results/spf for 'c.example' has no result; dropped",
    ]);
  });

  it("keeps an auth result whose domain is empty as ''", async () => {
    const { rec } = await one({
      authResults: '<dkim><result>fail</result><domain></domain><selector></selector></dkim>',
    });
    expect(rec?.dkimResults).toEqual([{ domain: '', selector: null, result: 'fail', humanResult: null }]);
  });

  it('leaves an unknown SPF scope null with a warning', async () => {
    const { rec, warnings } = await one({
      authResults: '<spf><domain>example.com</domain><scope>pra</scope><result>pass</result></spf>',
    });
    expect(rec?.spfResults[0]?.scope).toBeNull();
    expect(warnings).toEqual(["record 2: auth_results/spf/scope 'pra' is not helo|mfrom; left empty"]);
  });

  it('skips empty <reason> elements and keeps several reasons', async () => {
    const { rec } = await one({
      evaluated:
        '<reason><type/><comment/></reason><reason><type>Mailing_List</type><comment/></reason><reason><type>sampled_out</type><comment>x</comment></reason>',
    });
    expect(rec?.reasons).toEqual([
      { type: 'mailing_list', comment: null },
      { type: 'sampled_out', comment: 'x' },
    ]);
  });

  it('canonicalises source IPs', async () => {
    const ips = ['192.0.2.1', ' [2001:DB8:0000::1] ', '::ffff:198.51.100.7', 'FE80::0:1'];
    const report = await parseText(reportXml({ records: ips.map((ip) => record({ ip })) }));
    expect(report.records.map((r) => r.sourceIp)).toEqual([
      '192.0.2.1',
      '2001:db8::1',
      '::ffff:198.51.100.7',
      'fe80::1',
    ]);
    expect(report.warnings).toEqual([]);
  });

  it('keeps a record with a missing, empty or invalid source_ip, with a null IP and a warning', async () => {
    const noIp = record().replace('<source_ip>192.0.2.1</source_ip>', '');
    const report = await parseText(
      reportXml({ records: [record({ ip: 'x' }), record({ ip: '' }), noIp, record({ ip: '300.1.1.1' })] }),
    );
    expect(report.records.map((r) => r.sourceIp)).toEqual([null, null, null, null]);
    expect(report.records.map((r) => r.count)).toEqual([1, 1, 1, 1]);
    expect(report.warnings).toEqual([
      "record 1: source_ip 'x' is not an IP address",
      'record 2: source_ip is empty',
      'record 3: source_ip is missing',
      "record 4: source_ip '300.1.1.1' is not an IP address",
    ]);
  });

  it('counts "5.0" as 5 and unreadable or negative counts as 0 with a warning', async () => {
    const noCount = record().replace('<count>1</count>', '');
    const counts = ['5.0', 'abc', '-3', '2.5', ''];
    const report = await parseText(
      reportXml({ records: [...counts.map((count) => record({ count })), noCount, record({ count: '0' })] }),
    );
    expect(report.records.map((r) => r.count)).toEqual([5, 0, 0, 0, 0, 0, 0]);
    expect(report.warnings).toEqual([
      "record 2: count 'abc' is not a non-negative integer; counted as 0",
      "record 3: count '-3' is not a non-negative integer; counted as 0",
      "record 4: count '2.5' is not a non-negative integer; counted as 0",
      'record 5: count is empty; counted as 0',
      'record 6: count is missing; counted as 0',
    ]);
  });

  it('keeps a record with nothing usable as an empty 0-message row, with a warning', async () => {
    const empty =
      '<record><row><source_ip> </source_ip><policy_evaluated/></row><identifiers/><!-- nothing --></record>';
    const report = await parseText(
      reportXml({ records: [record(), '<record/>', empty, record({ ip: '192.0.2.9', count: 'x' })] }),
    );
    expect(report.records.map((r) => r.sourceIp)).toEqual(['192.0.2.1', null, null, '192.0.2.9']);
    expect(report.records.map((r) => r.count)).toEqual([1, 0, 0, 0]);
    expect(report.warnings).toEqual([
      'record 2: empty: it has no source_ip, count, policy_evaluated, identifiers or auth_results',
      'record 3: empty: it has no source_ip, count, policy_evaluated, identifiers or auth_results',
      "record 4: count 'x' is not a non-negative integer; counted as 0",
    ]);
  });

  it('caps the warning list and says how many were left out', async () => {
    const records = Array.from({ length: 250 }, () => record({ ip: 'bad' }));
    const report = await parseText(reportXml({ records }));
    expect(report.records).toHaveLength(250);
    expect(report.warnings).toHaveLength(201);
    expect(report.warnings[200]).toBe('... and 50 more warnings not listed');
  });
});

describe('defaults used by these tests', () => {
  it('parse cleanly', async () => {
    const report = await parseText(reportXml({ metadata: METADATA, policy: POLICY }));
    expect(report.warnings).toEqual([]);
    expect(report.records).toHaveLength(1);
  });
});
