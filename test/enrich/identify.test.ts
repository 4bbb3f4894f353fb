// Sender identification from combined evidence: a table of realistic sources (PTR, DKIM d= and s=, SPF domain,
// ASN) with the service and confidence each must get, then the rules behind them one by one — look-alike
// names, unconfirmed PTRs, conflicts and their tie-breaks, customers' own DKIM domains, grouping of unknown
// senders, the reason in words — and a sweep over every pattern of the shipped catalogue.
import { describe, expect, it } from 'vitest';
import { CATALOGUE } from '../../src/enrich/senders/catalogue.js';
import { CatalogueIndex } from '../../src/enrich/senders/catalogue-index.js';
import { parseCatalogue } from '../../src/enrich/senders/catalogue.js';
import { identifySender, POINTS, type SenderEvidence } from '../../src/enrich/senders/identify.js';

interface Case {
  name: string;
  ip?: string;
  ptr?: string | null;
  fcrdns?: boolean | null;
  base?: string | null;
  d?: string[];
  s?: string[];
  spf?: string[];
  asn?: number | null;
  org?: string | null;
  key: string;
  confidence: 'high' | 'medium' | 'low' | null;
}

function evidence(c: Omit<Case, 'name' | 'key' | 'confidence'>): SenderEvidence {
  return {
    ip: c.ip ?? '192.0.2.10',
    ptr: c.ptr ?? null,
    fcrdns: c.fcrdns === undefined ? (c.ptr || c.base ? true : null) : c.fcrdns,
    ptrBaseDomain: c.base ?? null,
    asn: c.asn ?? null,
    asOrg: c.org ?? null,
    dkimDomains: c.d ?? [],
    dkimSelectors: c.s ?? [],
    spfDomains: c.spf ?? [],
  };
}

// fcrdns defaults to true when a PTR is given (the usual case for mail servers); cases say false/null when not.
// One case a line, so that it reads as a table.
// prettier-ignore
const CASES: Case[] = [
  // ---- transactional ESPs ----
  { name: 'SendGrid: PTR, DKIM and ASN agree', ptr: 'o1.ptr1234.sendgrid.net', d: ['sendgrid.net'], asn: 11377, key: 'sendgrid', confidence: 'high' },
  { name: 'SendGrid: confirmed PTR alone', ptr: 'o1.ptr1234.sendgrid.net', key: 'sendgrid', confidence: 'medium' },
  { name: 'SendGrid: unconfirmed PTR alone is only low', ptr: 'o1.ptr1234.sendgrid.net', fcrdns: false, key: 'sendgrid', confidence: 'low' },
  { name: 'SendGrid: unconfirmed PTR + ASN (two weak kinds)', ptr: 'o1.ptr1234.sendgrid.net', fcrdns: false, asn: 11377, key: 'sendgrid', confidence: 'medium' },
  { name: 'SendGrid: PTR not checked counts as strong', ptr: 'o1.ptr1234.sendgrid.net', fcrdns: null, key: 'sendgrid', confidence: 'medium' },
  { name: 'SendGrid: customer DKIM with s=s1, own return path', ptr: 'o2.ptr77.sendgrid.net', d: ['customer.example'], s: ['s1'], spf: ['em123.customer.example'], key: 'sendgrid', confidence: 'high' },
  { name: 'SendGrid: base domain only', base: 'sendgrid.net', key: 'sendgrid', confidence: 'medium' },
  { name: 'Amazon SES: everything agrees', ptr: 'a8-30.smtp-out.amazonses.com', d: ['amazonses.com'], spf: ['amazonses.com'], asn: 16509, key: 'amazon-ses', confidence: 'high' },
  { name: 'Amazon SES: customer DKIM and MAIL FROM', ptr: 'a48-93.smtp-out.amazonses.com', d: ['customer.example'], spf: ['mail.customer.example'], asn: 14618, key: 'amazon-ses', confidence: 'high' },
  { name: 'Mailgun: PTR and SPF', ptr: 'm228-4.mailgun.net', spf: ['mailgun.org'], key: 'mailgun', confidence: 'high' },
  { name: 'Mailgun: DKIM d= alone', d: ['mailgun.org'], key: 'mailgun', confidence: 'medium' },
  { name: 'SparkPost: PTR alone', ptr: 'mta-221-1.sparkpostmail.com', key: 'sparkpost', confidence: 'medium' },
  { name: 'Postmark: PTR, DKIM, SPF', ptr: 'smtp-1.mtasv.net', d: ['pm.mtasv.net'], spf: ['pm-bounces.mtasv.net'], key: 'postmark', confidence: 'high' },
  { name: 'Mandrill: PTR, DKIM, selector', ptr: 'mail1.us4.mandrillapp.com', d: ['mandrillapp.com'], s: ['mandrill'], key: 'mandrill', confidence: 'high' },
  { name: 'Mailjet: DKIM and SPF', d: ['mailjet.com'], spf: ['bnc3.mailjet.com'], key: 'mailjet', confidence: 'high' },
  // ---- marketing ----
  { name: 'Mailchimp: PTR mcsv.net, DKIM, k1, SPF', ptr: 'mail135-1.atl141.mcsv.net', d: ['mcsv.net'], s: ['k1'], spf: ['mail135-1.atl141.mcsv.net'], key: 'mailchimp', confidence: 'high' },
  { name: 'Mailchimp: unconfirmed rsgsv.net PTR + DKIM', ptr: 'mail9.atl11.rsgsv.net', fcrdns: false, d: ['mailchimpapp.net'], key: 'mailchimp', confidence: 'high' },
  { name: 'Mailchimp: DKIM only', d: ['mcsv.net'], key: 'mailchimp', confidence: 'medium' },
  { name: 'Brevo: PTR and DKIM', ptr: 'smtp-relay.sendinblue.com', d: ['sendinblue.com'], key: 'brevo', confidence: 'high' },
  { name: 'Klaviyo: selector kl and SPF', d: ['shop.example'], s: ['kl'], spf: ['send.klaviyomail.com'], key: 'klaviyo', confidence: 'high' },
  { name: 'Marketo: PTR mktomail.com', ptr: 'mail123.mktomail.com', spf: ['mktomail.com'], key: 'marketo', confidence: 'high' },
  // ---- mailbox providers ----
  { name: 'Gmail', ptr: 'mail-wm1-f41.google.com', d: ['gmail.com'], spf: ['gmail.com'], asn: 15169, key: 'google', confidence: 'high' },
  { name: 'Google Workspace, customer DKIM s=google', ptr: 'mail-pl1-f170.google.com', d: ['customer.example'], s: ['google'], spf: ['customer.example'], asn: 15169, key: 'google', confidence: 'high' },
  { name: 'Google Workspace default gappssmtp signature', d: ['customer-example.20230601.gappssmtp.com'], key: 'google', confidence: 'medium' },
  { name: 'Google Groups on Google servers', ptr: 'mail-yw1-f200.google.com', d: ['googlegroups.com'], spf: ['googlegroups.com'], asn: 15169, key: 'google-groups', confidence: 'high' },
  { name: 'bare google.com PTR: the owner, not Google Groups', ptr: 'mail-yw1-f200.google.com', key: 'google', confidence: 'medium' },
  { name: 'Microsoft 365 customer', ptr: 'mail-db8eur05on2100.outbound.protection.outlook.com', d: ['contoso.onmicrosoft.com', 'contoso.example'], s: ['selector1'], spf: ['contoso.example'], asn: 8075, key: 'microsoft-365', confidence: 'high' },
  { name: 'Outlook.com consumer', ptr: 'mail-oln040092066088.outbound.protection.outlook.com', d: ['outlook.com'], spf: ['outlook.com'], key: 'microsoft-365', confidence: 'high' },
  { name: 'Microsoft selector alone is only low', d: ['customer.example'], s: ['selector2'], key: 'microsoft-365', confidence: 'low' },
  { name: 'AS8075 alone: Microsoft 365 owns it over Azure', asn: 8075, org: 'MICROSOFT-CORP-MSN-AS-BLOCK', key: 'microsoft-365', confidence: 'low' },
  { name: 'Azure VM: cloudapp PTR + AS8075', ptr: 'myvm.westeurope.cloudapp.azure.com', asn: 8075, key: 'azure', confidence: 'high' },
  { name: 'Yahoo', ptr: 'sonic301-1.consmr.mail.ne1.yahoo.com', d: ['yahoo.com'], asn: 36647, key: 'yahoo', confidence: 'high' },
  { name: 'AOL on Yahoo servers', ptr: 'sonic305-2.consmr.mail.bf2.yahoo.com', d: ['aol.com'], spf: ['aol.com'], key: 'aol', confidence: 'high' },
  { name: 'iCloud', ptr: 'ms11p00im-qufo17281601.me.com', d: ['icloud.com'], asn: 714, key: 'apple-icloud', confidence: 'high' },
  { name: 'iCloud custom domain: s=sig1 + Apple ASN (two weak)', d: ['customer.example'], s: ['sig1'], asn: 6185, key: 'apple-icloud', confidence: 'medium' },
  { name: 'Zoho Mail', ptr: 'sender4-op-o12.zoho.com', d: ['zoho.com'], key: 'zoho-mail', confidence: 'high' },
  { name: 'ZeptoMail on Zoho network', ptr: 'mail.zeptomail.in', asn: 2639, key: 'zeptomail', confidence: 'high' },
  { name: 'Fastmail', ptr: 'out1-smtp.messagingengine.com', d: ['messagingengine.com'], s: ['fm1'], key: 'fastmail', confidence: 'high' },
  { name: 'Proton Mail', ptr: 'mail-4321.protonmail.ch', d: ['proton.me'], s: ['protonmail'], key: 'proton-mail', confidence: 'high' },
  { name: 'GMX', ptr: 'mout.gmx.net', d: ['gmx.de'], key: 'gmx', confidence: 'high' },
  { name: 'Yandex', ptr: 'forward100a.mail.yandex.net', d: ['yandex.ru'], asn: 13238, key: 'yandex', confidence: 'high' },
  { name: 'Mail.ru', ptr: 'f123.i.mail.ru', d: ['mail.ru'], asn: 47764, key: 'mail-ru', confidence: 'high' },
  // ---- CRM / helpdesk / SaaS ----
  { name: 'Salesforce from its own MTAs', ptr: 'smtp01-ia4-sp1.mta.salesforce.com', spf: ['salesforce.com'], asn: 14340, key: 'salesforce', confidence: 'high' },
  { name: 'HubSpot: s=hs1 and SPF', d: ['customer.example'], s: ['hs1'], spf: ['1234567.hubspotemail.net'], key: 'hubspot', confidence: 'high' },
  { name: 'Zendesk: DKIM, selector, SPF', d: ['zendesk.com'], s: ['zendesk1'], spf: ['mail.zendesk.com'], key: 'zendesk', confidence: 'high' },
  { name: 'GitHub notifications', ptr: 'out-20.smtp.github.com', d: ['github.com'], key: 'github', confidence: 'high' },
  { name: 'Shopify: DKIM and SPF', d: ['shopifyemail.com'], spf: ['shops.shopify.com'], key: 'shopify', confidence: 'high' },
  { name: 'Atlassian', ptr: 'mail-1.atlassian.net', spf: ['bounces.atlassian.net'], key: 'atlassian', confidence: 'high' },
  // ---- security gateways and forwarders ----
  { name: 'Mimecast outbound alone', ptr: 'eu-smtp-delivery-1.mimecast.com', key: 'mimecast', confidence: 'medium' },
  { name: 'Cisco Secure Email, customer SPF', ptr: 'esa1.customer.iphmx.com', spf: ['customer.example'], key: 'cisco-secure-email', confidence: 'medium' },
  { name: 'Barracuda', ptr: 'outbound-ip1.ess.barracudanetworks.com', spf: ['spf.ess.barracudanetworks.com'], key: 'barracuda', confidence: 'high' },
  { name: 'Trend Micro', ptr: 'mail1.tmes.trendmicro.eu', key: 'trend-micro', confidence: 'medium' },
  { name: 'Cloudflare Email Routing by ASN only', asn: 13335, key: 'cloudflare-email-routing', confidence: 'low' },
  // ---- hosting and ISPs ----
  { name: 'Amazon AS16509 alone: AWS, not SES', asn: 16509, org: 'AMAZON-02', key: 'aws', confidence: 'low' },
  { name: 'EC2 instance', ptr: 'ec2-54-1-2-3.compute-1.amazonaws.com', asn: 16509, key: 'aws', confidence: 'high' },
  { name: 'EC2 with the customer own DKIM', ptr: 'ec2-3-4-5-6.eu-west-1.compute.amazonaws.com', d: ['customer.example'], asn: 16509, key: 'aws', confidence: 'high' },
  { name: 'Hetzner', ptr: 'static.88-198-1-2.clients.your-server.de', asn: 24940, key: 'hetzner', confidence: 'high' },
  { name: 'OVH mail-out', ptr: 'mo123.mail-out.ovh.net', spf: ['mx.ovh.com'], asn: 16276, key: 'ovhcloud', confidence: 'high' },
  { name: 'GoDaddy', ptr: 'p3plsmtp01.prod.phx3.secureserver.net', spf: ['secureserver.net'], asn: 26496, key: 'godaddy', confidence: 'high' },
  { name: 'IONOS', ptr: 'mout.kundenserver.de', asn: 8560, key: 'ionos', confidence: 'high' },
  { name: 'DigitalOcean by ASN', asn: 14061, org: 'DIGITALOCEAN-ASN', key: 'digitalocean', confidence: 'low' },
  { name: 'Linode', ptr: '172-104-1-2.ip.linodeusercontent.com', asn: 63949, key: 'linode', confidence: 'high' },
  { name: 'Comcast residential', ptr: 'c-73-1-2-3.hsd1.ca.comcast.net', asn: 7922, key: 'comcast', confidence: 'high' },
  // ---- conflicts ----
  { name: 'SaaS DKIM through an ESP: the ESP (DKIM never lowers)', ptr: 'o1.ptr9.sendgrid.net', asn: 11377, d: ['zendesk.com'], key: 'sendgrid', confidence: 'high' },
  { name: 'gateway relaying a SaaS: Proofpoint', ptr: 'mx0b-00123.pphosted.com', asn: 26211, d: ['salesforce.com'], key: 'proofpoint', confidence: 'high' },
  { name: 'gateway relaying a SaaS: Mimecast PTR beats DKIM', ptr: 'us-smtp-delivery-2.mimecast.com', d: ['salesforce.com'], key: 'mimecast', confidence: 'medium' },
  { name: 'PTR against DKIM + SPF: the higher score, lowered', ptr: 'us-smtp-delivery-1.mimecast.com', d: ['salesforce.com'], spf: ['salesforce.com'], key: 'salesforce', confidence: 'medium' },
  { name: 'tie 8-8: the PTR holder wins, lowered by the SPF', ptr: 'o1.ptr9.sendgrid.net', asn: 11377, d: ['zendesk.com'], spf: ['zendesk.com'], key: 'sendgrid', confidence: 'medium' },
  { name: 'forwarded mail: DKIM from an unknown confirmed PTR is low', ptr: 'mail.university.example', base: 'university.example', d: ['mcsv.net'], key: 'mailchimp', confidence: 'low' },
  { name: 'unknown PTR not checked does not lower', ptr: 'out.stripe-mail.example', fcrdns: null, base: 'stripe-mail.example', d: ['stripe.com'], spf: ['stripe.com'], key: 'stripe', confidence: 'high' },
  { name: 'unconfirmed google.com PTR loses to the Amazon ASN', ptr: 'mail.google.com', fcrdns: false, asn: 16509, key: 'aws', confidence: 'low' },
  { name: 'unconfirmed PTR is ignored against DKIM', ptr: 'mail.google.com', fcrdns: false, d: ['sendgrid.net'], key: 'sendgrid', confidence: 'medium' },
  { name: 'two ESPs by PTR and DKIM: the PTR', ptr: 'mail7.mandrillapp.com', d: ['mcsv.net'], key: 'mandrill', confidence: 'medium' },
  { name: 'two DKIM services, equal: catalogue order', d: ['zendesk.com', 'mcsv.net'], key: 'mailchimp', confidence: 'medium' },
  // ---- look-alikes and customers' own domains ----
  { name: 'sendgrid.net.evil.example is not SendGrid', ptr: 'sendgrid.net.evil.example', base: 'evil.example', key: 'ptr:evil.example', confidence: null },
  { name: 'evilsendgrid.net is not SendGrid', ptr: 'o1.evilsendgrid.net', base: 'evilsendgrid.net', key: 'ptr:evilsendgrid.net', confidence: null },
  { name: 'google.com.attacker.test is not Google', ptr: 'mail.google.com.attacker.test', base: 'attacker.test', d: ['attacker.test'], key: 'ptr:attacker.test', confidence: null },
  { name: 'DKIM d=sendgrid.net.evil.example is nothing', d: ['sendgrid.net.evil.example'], key: 'unknown', confidence: null },
  { name: 'DKIM d=evilsendgrid.net, grouped by AS', d: ['evilsendgrid.net'], asn: 64500, org: 'Evil Hosting', key: 'asn:64500', confidence: null },
  { name: 'SPF notsendgrid.net is nothing', spf: ['notsendgrid.net'], key: 'unknown', confidence: null },
  { name: 'customer own DKIM and SPF only', d: ['customer.example'], spf: ['customer.example'], key: 'unknown', confidence: null },
  // ---- unknown senders, grouped ----
  { name: 'unknown confirmed PTR: grouped by base domain', ptr: 'mail.smallbiz.example', base: 'smallbiz.example', asn: 64501, key: 'ptr:smallbiz.example', confidence: null },
  { name: 'unknown unconfirmed PTR with an AS: grouped by AS', ptr: 'mail.smallbiz.example', fcrdns: false, base: 'smallbiz.example', asn: 64501, key: 'asn:64501', confidence: null },
  { name: 'unknown unconfirmed PTR without AS: by base domain', ptr: 'mail.smallbiz.example', fcrdns: false, base: 'smallbiz.example', key: 'ptr:smallbiz.example', confidence: null },
  { name: 'only an unknown AS', asn: 64496, org: 'Example Net', key: 'asn:64496', confidence: null },
  { name: 'empty evidence', key: 'unknown', confidence: null },
  // ---- IPv6 and spelling ----
  { name: 'IPv6 Gmail', ip: '2a00:1450:4864:20::12f', ptr: 'mail-io1-xd2f.google.com', d: ['gmail.com'], key: 'google', confidence: 'high' },
  { name: 'IPv6 Exchange Online', ip: '2a01:111:f400:7e1a::1', ptr: 'mail-am6eur05on2100.outbound.protection.outlook.com', asn: 8075, key: 'microsoft-365', confidence: 'high' },
  { name: 'IPv6 with nothing known', ip: '2001:db8::25', key: 'unknown', confidence: null },
  { name: 'upper case and trailing dots', ptr: 'O1.PTR1234.SendGrid.NET.', d: ['SendGrid.Net.'], key: 'sendgrid', confidence: 'high' },
];

describe('identifySender: the table', () => {
  it('has at least 60 cases', () => {
    expect(CASES.length).toBeGreaterThanOrEqual(60);
  });

  it.each(CASES.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const r = identifySender(evidence(c));
    expect({ key: r.key, confidence: r.confidence }).toEqual({ key: c.key, confidence: c.confidence });
    expect(r.known).toBe(c.confidence !== null);
    expect(r.reason).not.toBe('');
    if (r.known) {
      const s = CATALOGUE.services.find((x) => x.id === r.key)!;
      expect({ sender: r.sender, type: r.type }).toEqual({ sender: s.name, type: s.type });
      expect(r.evidence.some((e) => e.supports)).toBe(true);
    } else {
      expect(r.type).toBe('unknown');
      expect(r.evidence.every((e) => !e.matched)).toBe(true);
    }
  });
});

describe('identifySender: the evidence and the reason', () => {
  it('says why, in words, with every piece of evidence', () => {
    const r = identifySender(
      evidence({
        ptr: 'o1.ptr1234.sendgrid.net',
        d: ['sendgrid.net', 'customer.example'],
        asn: 11377,
        org: 'SENDGRID',
      }),
    );
    expect(r.reason).toBe(
      'PTR o1.ptr1234.sendgrid.net (forward-confirmed), DKIM d=sendgrid.net and AS11377 (SENDGRID) match SendGrid (Twilio)',
    );
    expect(r.evidence).toEqual([
      expect.objectContaining({
        kind: 'ptr',
        value: 'o1.ptr1234.sendgrid.net',
        matched: true,
        pattern: 'sendgrid.net',
        services: ['sendgrid'],
        points: POINTS.ptrConfirmed,
        supports: true,
        fcrdns: true,
      }),
      expect.objectContaining({ kind: 'dkim', value: 'sendgrid.net', matched: true, supports: true }),
      expect.objectContaining({
        kind: 'dkim',
        value: 'customer.example',
        matched: false,
        pattern: null,
        supports: false,
      }),
      expect.objectContaining({ kind: 'asn', value: '11377', label: 'AS11377 (SENDGRID)', matched: true }),
    ]);
    expect(r.score).toBe(POINTS.ptrConfirmed + POINTS.dkimDomain + POINTS.asn);
    expect(r.alternatives).toEqual([]);
  });

  it('lists the losing evidence and candidates of a conflict', () => {
    const r = identifySender(evidence({ ptr: 'mx0b-00123.pphosted.com', asn: 26211, d: ['salesforce.com'] }));
    expect(r.key).toBe('proofpoint');
    expect(r.reason).toBe(
      'PTR mx0b-00123.pphosted.com (forward-confirmed) and AS26211 match Proofpoint; outweighed: DKIM d=salesforce.com points to Salesforce',
    );
    expect(r.alternatives).toEqual([{ id: 'salesforce', name: 'Salesforce', score: POINTS.dkimDomain }]);
    const dkim = r.evidence.find((e) => e.kind === 'dkim')!;
    expect(dkim).toMatchObject({ matched: true, services: ['salesforce'], supports: false });
  });

  it('says when the confidence was lowered, and why', () => {
    const forwarded = identifySender(evidence({ ptr: 'mail.university.example', d: ['mcsv.net'] }));
    expect(forwarded.reason).toBe(
      'DKIM d=mcsv.net matches Mailchimp; PTR mail.university.example (forward-confirmed) is not a catalogue domain; confidence lowered: evidence about the IP disagrees',
    );
    const spf = identifySender(
      evidence({ ptr: 'us-smtp-1.mimecast.com', d: ['salesforce.com'], spf: ['salesforce.com'] }),
    );
    expect(spf.reason).toContain('outweighed: PTR us-smtp-1.mimecast.com (forward-confirmed) points to Mimecast');
    expect(spf.reason).toContain('confidence lowered');
  });

  it('labels PTR confirmation and a shared pattern names every claimant', () => {
    const unconfirmed = identifySender(evidence({ ptr: 'mail-yw1-f200.google.com', fcrdns: false }));
    expect(unconfirmed.evidence[0]).toMatchObject({
      label: 'PTR mail-yw1-f200.google.com (not forward-confirmed)',
      points: POINTS.ptrUnconfirmed,
      strong: false,
      services: ['google', 'google-groups'],
    });
    expect(unconfirmed).toMatchObject({ key: 'google', confidence: 'low' });
    expect(unconfirmed.alternatives.map((a) => a.id)).toEqual(['google-groups']);
    const unchecked = identifySender(evidence({ ptr: 'x.mailgun.net', fcrdns: null }));
    expect(unchecked.evidence[0]).toMatchObject({
      label: 'PTR x.mailgun.net (not checked)',
      points: POINTS.ptrUnchecked,
    });
    const baseOnly = identifySender(evidence({ base: 'mailgun.net' }));
    expect(baseOnly.evidence[0]?.label).toBe('PTR base domain mailgun.net (forward-confirmed)');
    const selector = identifySender(evidence({ s: ['Selector1'] }));
    expect(selector.evidence[0]).toMatchObject({ label: 'DKIM selector s=selector1', points: POINTS.dkimSelector });
  });

  it('counts each kind once, however many items of it agree', () => {
    const r = identifySender(evidence({ d: ['mcsv.net', 'mailchimpapp.net', 'MCSV.NET.'] }));
    expect(r).toMatchObject({ key: 'mailchimp', confidence: 'medium', score: POINTS.dkimDomain });
    expect(r.evidence).toHaveLength(2); // normalised duplicates merged
    expect(r.reason).toBe('DKIM d=mcsv.net and DKIM d=mailchimpapp.net match Mailchimp');
  });

  it('is deterministic: the order of the evidence does not change the answer', () => {
    const a = identifySender(evidence({ d: ['zendesk.com', 'mcsv.net'], spf: ['x.example', 'mailgun.org'] }));
    const b = identifySender(evidence({ d: ['mcsv.net', 'zendesk.com'], spf: ['mailgun.org', 'x.example'] }));
    expect(a.key).toBe(b.key);
    expect(a.confidence).toBe(b.confidence);
    expect(a.alternatives).toEqual(b.alternatives);
  });

  it('groups unknown senders with words for each group', () => {
    expect(identifySender(evidence({ ptr: 'mail.smallbiz.example', base: 'SmallBiz.Example.' }))).toMatchObject({
      key: 'ptr:smallbiz.example',
      sender: 'smallbiz.example',
      reason: 'No catalogue service matches; grouped by PTR base domain smallbiz.example',
    });
    expect(identifySender(evidence({ asn: 64496, org: ' Example Net ' }))).toMatchObject({
      key: 'asn:64496',
      sender: 'Example Net (AS64496)',
    });
    expect(identifySender(evidence({ asn: 64496 }))).toMatchObject({ key: 'asn:64496', sender: 'AS64496' });
    const viaAs = identifySender(
      evidence({ ptr: 'x.smallbiz.example', fcrdns: false, base: 'smallbiz.example', asn: 64501 }),
    );
    expect(viaAs.reason).toBe(
      'No catalogue service matches; grouped by AS64501 (the PTR smallbiz.example is not forward-confirmed)',
    );
    expect(identifySender(evidence({}))).toMatchObject({
      key: 'unknown',
      sender: 'Unknown',
      known: false,
      confidence: null,
      score: 0,
      evidence: [],
    });
  });

  it('a PTR name without its base domain is matched but not grouped', () => {
    expect(identifySender(evidence({ ptr: 'mail.sendgrid.net' })).key).toBe('sendgrid');
    expect(identifySender(evidence({ ptr: 'mail.smallbiz.example' })).key).toBe('unknown');
    expect(identifySender(evidence({ ptr: 'mail.smallbiz.example', asn: 64501 })).key).toBe('asn:64501');
  });

  it('ignores blank values and impossible AS numbers', () => {
    const r = identifySender({
      ip: '192.0.2.1',
      ptr: '  ',
      ptrBaseDomain: '',
      dkimDomains: ['', ' . '],
      spfDomains: [''],
      asn: 0,
    });
    expect(r.key).toBe('unknown');
    expect(r.evidence).toEqual([]); // ' . ' is the root alone: no name
    expect(identifySender(evidence({ asn: 1.5 })).key).toBe('unknown');
    expect(identifySender(evidence({ asn: -3 })).key).toBe('unknown');
  });

  it('uses the index it is given', () => {
    const index = new CatalogueIndex(
      parseCatalogue({
        about: 'test',
        shared: [],
        services: [{ id: 'acme', name: 'Acme Relay', type: 'security_gateway', ptr: ['acme-relay.example'] }],
      }),
    );
    expect(identifySender(evidence({ ptr: 'out1.acme-relay.example' }), index)).toMatchObject({
      key: 'acme',
      sender: 'Acme Relay',
      type: 'security_gateway',
    });
    expect(identifySender(evidence({ ptr: 'o1.sendgrid.net', base: 'sendgrid.net' }), index).key).toBe(
      'ptr:sendgrid.net',
    );
  });
});

describe('identifySender: every pattern of the shipped catalogue names its service', () => {
  const ownerOf = new Map(CATALOGUE.shared.map((s) => [`${s.kind} ${String(s.value)}`, s.owner]));
  const expected = (kind: string, value: string, id: string) => ownerOf.get(`${kind} ${value}`) ?? id;

  it('PTR names under each PTR pattern (medium), each DKIM and SPF domain alone (medium)', () => {
    for (const s of CATALOGUE.services) {
      for (const p of s.ptr) {
        const r = identifySender(evidence({ ptr: `mx-1.out.${p}` }));
        expect([r.key, r.confidence], `ptr ${p}`).toEqual([expected('ptr', p, s.id), 'medium']);
      }
      for (const d of s.dkim) {
        const r = identifySender(evidence({ d: [d] }));
        expect([r.key, r.confidence], `dkim ${d}`).toEqual([expected('dkim', d, s.id), 'medium']);
      }
      for (const d of s.spf) {
        const r = identifySender(evidence({ spf: [`bounce.${d}`] }));
        expect([r.key, r.confidence], `spf ${d}`).toEqual([expected('spf', d, s.id), 'medium']);
      }
    }
  });

  it('each selector and ASN alone (low)', () => {
    for (const s of CATALOGUE.services) {
      for (const sel of s.selectors) {
        const r = identifySender(evidence({ s: [sel] }));
        expect([r.key, r.confidence], `s=${sel}`).toEqual([expected('selector', sel, s.id), 'low']);
      }
      for (const n of s.asns) {
        const r = identifySender(evidence({ asn: n }));
        expect([r.key, r.confidence], `AS${n}`).toEqual([expected('asn', String(n), s.id), 'low']);
      }
    }
  });

  it('a look-alike of each PTR pattern (a prefix glued on, or the pattern inside another name) is not it', () => {
    for (const s of CATALOGUE.services) {
      for (const p of s.ptr) {
        for (const name of [`evil${p}`, `${p}.evil.example`, `${p}-evil.example`]) {
          const r = identifySender(evidence({ ptr: name }));
          expect(r.key === s.id && r.known, `${name} taken for ${s.id}`).toBe(false);
        }
      }
    }
  });
});
