// refresh-rollups: checks the rollups against the stored reports, rebuilds every slice that drifted (and
// invalidates its organisation's cache), then warms up the analytics cache.
import { findRollupDrift, rebuildRollupSlice } from '../../store/rollups.js';
import { defineTask } from './define.js';

export type RefreshRollupsPayload = Record<string, never>;

export const refreshRollupsTask = defineTask<RefreshRollupsPayload>()({
  name: 'refresh-rollups',
  description: 'check the rollups against the reports, repair drift, warm up the cache',
  defaultSchedule: '30 3 * * *',
  handler: async (ctx) => {
    const { slices, drifted } = await findRollupDrift(ctx.db);
    for (const s of drifted) await rebuildRollupSlice(ctx.db, s);
    if (drifted.length > 0) {
      ctx.log?.warn({ slices: drifted.length }, 'rollups did not match the stored reports: rebuilt');
      for (const orgId of new Set(drifted.map((s) => s.orgId))) await ctx.cache.invalidate(orgId);
    }
    const warmed = ctx.warmCache ? await ctx.warmCache() : 0;
    return { slices, repaired: drifted.length, warmed };
  },
});
