// A mailbox's listing position kept in the database (mailbox_delta_links), for the sources that list changes only.
import type { Database } from '../../store/database.js';
import { dropDeltaLink, findDeltaLink, saveDeltaLink } from '../../store/mailbox-delta-links.js';
import type { ListCursor } from './source.js';

export function storedCursor(db: Database, orgId: number, mailbox: string): ListCursor {
  return {
    load: (scope) => findDeltaLink(db, orgId, mailbox, scope),
    save: (scope, position) => saveDeltaLink(db, orgId, mailbox, scope, position),
    drop: () => dropDeltaLink(db, orgId, mailbox),
  };
}
