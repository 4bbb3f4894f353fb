// What people do to alerts (analysts and up): acknowledge or resolve one, with an optional note — under the
// organisation's alert lock, like the evaluation — and read one with its history and deliveries.
import { listChannels } from '../store/alert-channels.js';
import { getRule } from '../store/alert-rules.js';
import { listSuppressions } from '../store/alert-suppressions.js';
import { listDeliveries } from '../store/alert-deliveries.js';
import { getAlert, listAlertEvents } from '../store/alerts.js';
import type { Database, Queryable } from '../store/database.js';
import { changeByPerson, lockAlerts, type Actor, type PersonChange } from './lifecycle.js';

export async function actOnAlert(
  db: Database,
  orgId: number,
  id: number,
  action: 'acknowledge' | 'resolve',
  actor: Actor,
  note: string | null,
  now: Date,
): Promise<PersonChange | undefined> {
  return db.transaction(async (tx) => {
    await lockAlerts(tx, orgId);
    return changeByPerson(tx, orgId, now, id, action, actor, note, {
      rule: (ruleId) => getRule(tx, orgId, ruleId),
      channels: await listChannels(tx, orgId),
      suppressions: await listSuppressions(tx, orgId),
    });
  });
}

/** One alert with its history (oldest first) and its deliveries. */
export async function alertDetail(db: Queryable, orgId: number, id: number) {
  const alert = await getAlert(db, orgId, id);
  if (!alert) return undefined;
  const [history, deliveries] = [await listAlertEvents(db, orgId, id), await listDeliveries(db, orgId, id)];
  return { alert, history, deliveries };
}
