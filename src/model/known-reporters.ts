// The mailbox providers and gateways that send DMARC aggregate reports, each under the one name users know it
// by. A provider names itself differently from report to report and year to year ("google.com", "Google",
// "Google, Inc."; "Outlook.com", "Enterprise Outlook", "Microsoft Corporation"), but sends from its own mail
// domains: the report's e-mail domain decides first, the name (normalised, see reporter-name.ts) second.
//
// Add an entry only for a reporter whose domains and names are known from real reports; an unknown reporter
// keeps its own (cleaned) name, which is right more often than a guess.

export interface KnownReporter {
  /** The name shown in every chart, filter and figure. */
  name: string;
  /** Mail domains its reports come from (the e-mail address's domain, or a parent of it). */
  domains: readonly string[];
  /** Names it gives itself, normalised (lower case, letters and digits only, single spaces). */
  aliases: readonly string[];
}

export const KNOWN_REPORTERS: readonly KnownReporter[] = [
  { name: 'Google', domains: ['google.com', 'googlemail.com'], aliases: ['google', 'google com', 'google inc'] },
  {
    name: 'Microsoft',
    domains: ['microsoft.com', 'outlook.com', 'hotmail.com', 'protection.outlook.com'],
    aliases: [
      'microsoft',
      'microsoft corp',
      'microsoft corporation',
      'outlook com',
      'outlook',
      'enterprise outlook',
      'hotmail',
      'hotmail com',
    ],
  },
  {
    name: 'Yahoo',
    domains: ['yahoo.com', 'yahoo-inc.com', 'yahooinc.com', 'yahoo.net'],
    aliases: ['yahoo', 'yahoo inc', 'yahoo com'],
  },
  { name: 'Yahoo! JAPAN', domains: ['yahoo.co.jp'], aliases: ['yahoo japan', 'yahoo co jp', 'yahoo japan corp'] },
  { name: 'AOL', domains: ['aol.com'], aliases: ['aol', 'aol com', 'aol inc'] },
  { name: 'Apple', domains: ['apple.com', 'icloud.com', 'me.com'], aliases: ['apple', 'apple inc', 'icloud'] },
  { name: 'Amazon', domains: ['amazon.com', 'amazonses.com'], aliases: ['amazon', 'amazon com', 'amazon ses'] },
  { name: 'Comcast', domains: ['comcast.net'], aliases: ['comcast', 'comcast net', 'comcast corporation'] },
  { name: 'Mail.Ru', domains: ['mail.ru', 'corp.mail.ru'], aliases: ['mail ru', 'mailru', 'mail ru group'] },
  {
    name: 'Yandex',
    domains: ['yandex.ru', 'yandex.net', 'yandex.com'],
    aliases: ['yandex', 'yandex ru', 'yandex llc'],
  },
  { name: 'Zoho', domains: ['zoho.com', 'zohomail.com', 'zohocorp.com'], aliases: ['zoho', 'zoho corp', 'zoho com'] },
  {
    name: 'Fastmail',
    domains: ['fastmail.com', 'fastmaildmarc.com', 'messagingengine.com', 'fastmail.fm'],
    aliases: ['fastmail', 'fastmail pty ltd', 'fastmail com'],
  },
  {
    name: 'Proton',
    domains: ['proton.me', 'protonmail.com', 'protonmail.ch'],
    aliases: ['proton', 'protonmail', 'proton ag'],
  },
  { name: 'GMX', domains: ['gmx.net', 'gmx.de', 'gmx.com'], aliases: ['gmx', 'gmx net', 'gmx de'] },
  { name: 'WEB.DE', domains: ['web.de'], aliases: ['web de'] },
  {
    name: 'IONOS',
    domains: ['ionos.com', 'ionos.de', '1und1.de', '1and1.com'],
    aliases: ['ionos', '1und1', '1 1', '1and1'],
  },
  {
    name: 'Telekom (T-Online)',
    domains: ['t-online.de', 'telekom.de'],
    aliases: ['t online', 't online de', 'deutsche telekom'],
  },
  { name: 'Orange', domains: ['orange.fr', 'orange.com', 'wanadoo.fr'], aliases: ['orange', 'orange fr', 'orange sa'] },
  { name: 'La Poste', domains: ['laposte.net', 'laposte.fr'], aliases: ['la poste', 'laposte', 'laposte net'] },
  { name: 'Free', domains: ['free.fr'], aliases: ['free', 'free fr'] },
  { name: 'SFR', domains: ['sfr.fr'], aliases: ['sfr', 'sfr fr'] },
  { name: 'Seznam.cz', domains: ['seznam.cz'], aliases: ['seznam', 'seznam cz'] },
  { name: 'WP.pl', domains: ['wp.pl'], aliases: ['wp pl', 'wirtualna polska'] },
  { name: 'Interia', domains: ['interia.pl'], aliases: ['interia', 'interia pl'] },
  { name: 'Onet', domains: ['onet.pl'], aliases: ['onet', 'onet pl'] },
  { name: 'Libero', domains: ['libero.it', 'italiaonline.it'], aliases: ['libero', 'libero it', 'italiaonline'] },
  { name: 'QQ Mail (Tencent)', domains: ['qq.com', 'tencent.com'], aliases: ['qq', 'qq com', 'tencent'] },
  { name: 'NetEase', domains: ['163.com', '126.com', 'netease.com'], aliases: ['netease', '163 com', '126 com'] },
  { name: 'Naver', domains: ['naver.com'], aliases: ['naver', 'naver com', 'naver corp'] },
  { name: 'Kakao', domains: ['kakao.com', 'daum.net'], aliases: ['kakao', 'daum', 'kakao corp'] },
  { name: 'Rambler', domains: ['rambler.ru', 'rambler-co.ru'], aliases: ['rambler', 'rambler ru'] },
  { name: 'UKR.NET', domains: ['ukr.net'], aliases: ['ukr net'] },
  { name: 'Rackspace', domains: ['emailsrvr.com', 'rackspace.com'], aliases: ['rackspace', 'rackspace email'] },
  { name: 'GoDaddy', domains: ['secureserver.net', 'godaddy.com'], aliases: ['godaddy', 'go daddy'] },
  { name: 'Proofpoint', domains: ['proofpoint.com', 'pphosted.com'], aliases: ['proofpoint', 'proofpoint inc'] },
  { name: 'Mimecast', domains: ['mimecast.com', 'mimecast.co.za'], aliases: ['mimecast', 'mimecast ltd'] },
  { name: 'Cisco', domains: ['cisco.com', 'iphmx.com'], aliases: ['cisco', 'cisco systems', 'cisco email security'] },
  {
    name: 'Barracuda',
    domains: ['barracuda.com', 'barracudanetworks.com'],
    aliases: ['barracuda', 'barracuda networks'],
  },
  { name: 'Trend Micro', domains: ['trendmicro.com'], aliases: ['trend micro', 'trendmicro'] },
  { name: 'Sophos', domains: ['sophos.com'], aliases: ['sophos', 'sophos ltd'] },
  { name: 'Tuta', domains: ['tuta.com', 'tutanota.de', 'tutanota.com'], aliases: ['tuta', 'tutanota'] },
];
