// The values of alerting beyond the shared vocabulary (model/alerts.ts): what a rule says breaches.
export {
  ALERT_STATES,
  NOTIFICATION_EVENTS,
  SEVERITIES,
  maxSeverity,
  severityRank,
  type AlertState,
  type NotificationEvent,
  type Severity,
} from '../model/alerts.js';
import type { Severity } from '../model/alerts.js';

/** One situation a rule found: what the alert of its fingerprint shows. */
export interface Breach {
  /** The policy domain; null for rules about the organisation as a whole (ingestion). */
  domain: string | null;
  /** What in the domain breaches (a source, a reporter, a mailbox); null: the domain itself. */
  subject: string | null;
  /** One line for people: what is wrong, with the figures that say so. */
  summary: string;
  /** The rule's own figures (JSON), kept as the alert's latest figures. */
  figures: Record<string, unknown>;
  /** Raises the rule's severity for this breach (e.g. a failure rate past the critical threshold). */
  severity?: Severity;
}
