// Response shapes of the API routes the dashboard reads (see /openapi.json; src/api/routes/*.ts).

export interface Page<T> {
  items: T[];
  total: number;
  nextCursor: string | null;
}

export interface Dispositions {
  none: number;
  quarantine: number;
  reject: number;
  pass: number;
}

export interface TrendFigures {
  messages: number;
  dmarcPass: number;
  dmarcFail: number;
  complianceRate: number | null;
  reports: number;
  sources: number;
  domains: number;
}

export interface Trends {
  period: { from: string; to: string; days: number };
  previousPeriod: { from: string; to: string };
  current: TrendFigures;
  previous: TrendFigures;
  delta: Omit<TrendFigures, 'complianceRate'> & { complianceRate: number | null };
  change: Record<'messages' | 'dmarcPass' | 'dmarcFail' | 'reports' | 'sources' | 'domains', number | null>;
}

export interface TimelinePoint {
  date: string;
  messages: number;
  dmarcPass: number;
  dmarcFail: number;
  disposition: Dispositions;
  complianceRate: number | null;
}

export interface Timeline {
  interval: string;
  items: TimelinePoint[];
}

export interface SourceItem {
  sourceIp: string | null;
  messages: number;
  records: number;
  dmarcPass: number;
  dmarcFail: number;
  dkimAlignedPass: number;
  spfAlignedPass: number;
  complianceRate: number | null;
  domains: string[];
  reporters: string[];
  firstSeen: string | null;
  lastSeen: string | null;
}

export interface Mechanism {
  authenticated: number;
  aligned: number;
  authenticatedNotAligned: number;
  notAuthenticated: number;
}

export interface Alignment {
  messages: number;
  dkim: Mechanism;
  spf: Mechanism;
  both: number;
  dkimOnly: number;
  spfOnly: number;
  neither: number;
}

export interface Summary {
  reports: number;
  records: number;
  messages: number;
  dmarcPass: number;
  dkimAlignedPass: number;
  spfAlignedPass: number;
  disposition: Dispositions;
  complianceRate: number | null;
}

export interface Policy {
  p: string | null;
  sp: string | null;
  np: string | null;
  pct: number | null;
  adkim: string | null;
  aspf: string | null;
  fo: string | null;
  testing: string | null;
  discoveryMethod: string | null;
}

export interface DomainItem {
  domain: string;
  reports: number;
  messages: number;
  dmarcPass: number;
  dmarcFail: number;
  complianceRate: number | null;
  firstDate: string | null;
  lastDate: string | null;
  reporters: number;
  policy: Policy;
  policyDate: string | null;
}

export interface ReporterItem {
  orgName: string;
  reports: number;
  messages: number;
  dmarcPass: number;
  dmarcFail: number;
  complianceRate: number | null;
  domains: number;
  firstDate: string | null;
  lastDate: string | null;
}

export interface OverrideItem {
  type: string;
  messages: number;
  records: number;
  reports: number;
  examples: { reportId: number; orgName: string; domain: string; date: string | null; messages: number }[];
}

export interface Overrides {
  messages: number;
  items: OverrideItem[];
}

export interface ReportItem {
  id: number;
  fileId: number;
  orgName: string;
  email: string | null;
  reportId: string;
  domain: string;
  begin: string | null;
  end: string | null;
  date: string | null;
  records: number;
  messages: number;
  dmarcPass: number;
  dmarcFail: number;
  complianceRate: number | null;
  policy: Policy;
  schema: string;
  version: string | null;
  recovered: boolean;
  warnings: number;
  receivedAt: string;
}

export interface RecordItem {
  reportId: number;
  idx: number;
  orgName: string;
  domain: string;
  date: string | null;
  sourceIp: string | null;
  count: number;
  disposition: string | null;
  dkim: string | null;
  spf: string | null;
  dmarc: 'pass' | 'fail';
  reasons: { type: string; comment: string | null }[];
  headerFrom: string | null;
  envelopeFrom: string | null;
  envelopeTo: string | null;
  dkimResults: { domain: string; selector: string | null; result: string; humanResult: string | null }[];
  spfResults: { domain: string; scope: string | null; result: string; humanResult: string | null }[];
}

export interface ReportDetail extends ReportItem {
  extraContactInfo: string | null;
  namespace: string | null;
  generator: string | null;
  reporterErrors: string[];
  warningMessages: string[];
  partName: string | null;
  recordList: RecordItem[];
}

export type FileStatus = 'pending' | 'processing' | 'processed' | 'duplicate' | 'unsupported' | 'failed';

export interface FileItem {
  id: number;
  name: string;
  status: FileStatus;
  error: string | null;
  kind: string | null;
  source: string;
  size: number;
  sha256: string;
  receivedAt: string;
  processedAt: string | null;
  recovered: boolean;
  warnings: string[];
  reportCount: number;
  recordCount: number;
}

export interface FileDetail extends FileItem {
  reports: { id: number; orgName: string; reportId: string; domain: string; records: number; messages: number }[];
}

export interface UploadResult {
  name: string;
  status: 'accepted' | 'duplicate' | 'unsupported' | 'rejected';
  fileId: number;
  error: string | null;
}

export interface TaskItem {
  id: string;
  name: string;
  state: string;
  attempts: number;
  worker: string | null;
  queuedAt: string | null;
  startedAt: string | null;
  finishedAt: string | null;
  error: string | null;
}

export interface UserItem {
  id: string | number;
  email: string;
  name: string;
  role: 'viewer' | 'analyst' | 'admin';
  active?: boolean;
  createdAt?: string;
  lastLoginAt?: string | null;
}

export interface ApiKeyItem {
  id: string | number;
  name: string;
  prefix: string;
  createdAt: string;
  expiresAt: string | null;
  lastUsedAt: string | null;
  revokedAt?: string | null;
  key?: string;
}
