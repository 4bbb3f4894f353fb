// Response shapes of the API routes the dashboard reads, taken from the generated `paths` of the server's OpenAPI
// document (api-types.ts, written by `npm run gen:api-types`): a server change that breaks a page fails
// `npm run typecheck`, and a stale api-types.ts fails the test suite. Only names are given here, no shapes.
import type { paths } from './api-types';

type Method = 'get' | 'post' | 'patch' | 'put' | 'delete';
type Success<R> = 200 extends keyof R ? R[200] : 201 extends keyof R ? R[201] : never;
type Json<Res> = Res extends { content: { 'application/json': infer B } } ? B : never;

/** The JSON body of the success answer (200, else 201) of an operation. */
export type ResponseOf<P extends keyof paths, M extends Method = 'get'> = paths[P][M] extends { responses: infer R }
  ? Json<Success<R>>
  : never;

/** The JSON request body of an operation. */
export type BodyOf<P extends keyof paths, M extends Method> = paths[P][M] extends {
  requestBody?: { content: { 'application/json': infer B } };
}
  ? B
  : never;

type ItemOf<P extends keyof paths> = ResponseOf<P> extends { items: (infer I)[] } ? I : never;

/** A page of a list answer: {items, total, nextCursor}. */
export interface Page<T> {
  items: T[];
  total: number;
  nextCursor: string | null;
}

// Analytics
export type Summary = ResponseOf<'/api/rollup/summary'>;
export type Dispositions = Summary['disposition'];
export type Trends = ResponseOf<'/api/rollup/trends'>;
export type TrendFigures = Trends['current'];
export type Timeline = ResponseOf<'/api/rollup/timeline'>;
export type TimelinePoint = Timeline['items'][number];
export type SourceItem = ItemOf<'/api/rollup/sources'>;
export type Alignment = ResponseOf<'/api/rollup/alignment'>;
export type Mechanism = Alignment['dkim'];
export type Forecast = ResponseOf<'/api/analytics/forecast'>;
export type ForecastPoint = Forecast['points'][number];
export type DomainItem = ItemOf<'/api/domains'>;
export type Policy = DomainItem['policy'];
export type ReporterItem = ItemOf<'/api/rollup/reporters'>;
export type Overrides = ResponseOf<'/api/rollup/overrides'>;
export type OverrideItem = Overrides['items'][number];
export type SenderItem = ItemOf<'/api/rollup/senders'>;
export type CountryItem = ItemOf<'/api/rollup/countries'>;
export type SourceDetail = ResponseOf<'/api/sources/{ip}'>;
export type SenderRule = ItemOf<'/api/domains/{domain}/senders'>;
export type NewSenderRule = BodyOf<'/api/domains/{domain}/senders', 'put'>;
export type About = ResponseOf<'/api/about'>;
export type Advice = ResponseOf<'/api/domains/{domain}/advice'>;
export type AdviceClassItem = Advice['classification'][number];
export type AdvicePlanStep = Advice['plan'][number];
export type AnomalyItem = ItemOf<'/api/analytics/anomalies'>;
export type ModelItem = ItemOf<'/api/analytics/models'>;

// Reports and records
export type ReportItem = ItemOf<'/api/reports'>;
export type ReportDetail = ResponseOf<'/api/reports/{id}'>;
export type RecordItem = ItemOf<'/api/records'>;
export type TlsReportItem = ItemOf<'/api/tls/reports'>;
export type TlsReportDetail = ResponseOf<'/api/tls/reports/{id}'>;
export type TlsPolicy = TlsReportDetail['policyList'][number];
export type TlsFailureDetail = TlsPolicy['failureDetails'][number];
export type TlsSummary = ResponseOf<'/api/tls/summary'>;
export type TlsDomainSummary = TlsSummary['domains'][number];
export type TlsSeriesPoint = TlsSummary['series'][number];
export type FailureReportItem = ItemOf<'/api/failures'>;
export type FailureReportDetail = ResponseOf<'/api/failures/{id}'>;

// Ingestion
export type FileItem = ItemOf<'/api/files'>;
export type FileStatus = FileItem['status'];
export type FileDetail = ResponseOf<'/api/files/{id}'>;
export type UploadResult = ResponseOf<'/api/upload', 'post'>['results'][number];
export type TaskItem = ItemOf<'/api/tasks'>;

// Users, API keys
export type UserItem = ItemOf<'/api/users'>;
export type NewUser = ResponseOf<'/api/users', 'post'>;
export type ApiKeyItem = ItemOf<'/api/keys'>;
export type NewApiKey = ResponseOf<'/api/keys', 'post'>;

// The caller and the organisations
export type Me = ResponseOf<'/api/me'>;
export type OrgRef = Me['organizations'][number];
export type OrgDetail = ResponseOf<'/api/orgs/{org}'>;
export type NewOrg = BodyOf<'/api/orgs', 'post'>;
export type CreatedOrg = ResponseOf<'/api/orgs', 'post'>;
export type UpdatedOrg = ResponseOf<'/api/orgs/{org}', 'patch'>;
export type OrgChange = BodyOf<'/api/orgs/{org}', 'patch'>;
export type MemberItem = ItemOf<'/api/orgs/{org}/members'>;
export type NewMember = BodyOf<'/api/orgs/{org}/members', 'post'>;
export type AddedMember = ResponseOf<'/api/orgs/{org}/members', 'post'>;

// Alerts
export type AlertItem = ItemOf<'/api/alerts'>;
export type AlertDetail = ResponseOf<'/api/alerts/{id}'>;
export type AlertEventItem = AlertDetail['history'][number];
export type DeliveryItem = AlertDetail['deliveries'][number];
export type OpenAlertCounts = ResponseOf<'/api/alerts/count'>;
export type Evaluation = ResponseOf<'/api/alerts/evaluate', 'post'>;
export type RuleItem = ItemOf<'/api/alerts/rules'>;
export type RuleTypeItem = ItemOf<'/api/alerts/rules/types'>;
export type NewRule = BodyOf<'/api/alerts/rules', 'post'>;
export type RulePreview = ResponseOf<'/api/alerts/rules/preview', 'post'>;
export type SuppressionItem = ItemOf<'/api/alerts/suppressions'>;
export type NewSuppression = BodyOf<'/api/alerts/suppressions', 'post'>;
export type ChannelItem = ItemOf<'/api/alerts/channels'>;
export type ChannelTest = ResponseOf<'/api/alerts/channels/{id}/test', 'post'>;

// SIEM outputs
export type OutputItem = ItemOf<'/api/outputs'>;
export type OutputTest = ResponseOf<'/api/outputs/{id}/test', 'post'>;

// E-mail digests
export type DigestItem = ItemOf<'/api/digests'>;
export type DigestSendResult = ResponseOf<'/api/digests/{id}/send', 'post'>;

// DNS checks
export type DnsLatest = ResponseOf<'/api/domains/{domain}/dns'>;
export type DnsCheck = ResponseOf<'/api/domains/{domain}/dns/check', 'post'>;
export type DnsFinding = DnsCheck['findings'][number];
export type DnsHistoryItem = ItemOf<'/api/domains/{domain}/dns/history'>;
