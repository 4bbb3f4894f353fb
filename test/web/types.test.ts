// The dashboard's response types are derived from the generated OpenAPI paths (web/src/lib/types.ts): none of
// them may collapse to `never` (a renamed path or a changed status would otherwise hide every field error).
// Checked by `npm run typecheck` (web/tsconfig.json includes test/web); at run time these are no-ops.
import { describe, expectTypeOf, it } from 'vitest';
import type * as T from '../../web/src/lib/types';

describe('response types from the OpenAPI document', () => {
  it('are all defined', () => {
    expectTypeOf<T.Summary>().not.toBeNever();
    expectTypeOf<T.Dispositions>().not.toBeNever();
    expectTypeOf<T.Trends>().not.toBeNever();
    expectTypeOf<T.TrendFigures>().not.toBeNever();
    expectTypeOf<T.Timeline>().not.toBeNever();
    expectTypeOf<T.TimelinePoint>().not.toBeNever();
    expectTypeOf<T.SourceItem>().not.toBeNever();
    expectTypeOf<T.Alignment>().not.toBeNever();
    expectTypeOf<T.Mechanism>().not.toBeNever();
    expectTypeOf<T.DomainItem>().not.toBeNever();
    expectTypeOf<T.Policy>().not.toBeNever();
    expectTypeOf<T.ReporterItem>().not.toBeNever();
    expectTypeOf<T.Overrides>().not.toBeNever();
    expectTypeOf<T.OverrideItem>().not.toBeNever();
    expectTypeOf<T.ReportItem>().not.toBeNever();
    expectTypeOf<T.ReportDetail>().not.toBeNever();
    expectTypeOf<T.RecordItem>().not.toBeNever();
    expectTypeOf<T.FileItem>().not.toBeNever();
    expectTypeOf<T.FileStatus>().not.toBeNever();
    expectTypeOf<T.FileDetail>().not.toBeNever();
    expectTypeOf<T.UploadResult>().not.toBeNever();
    expectTypeOf<T.TaskItem>().not.toBeNever();
    expectTypeOf<T.UserItem>().not.toBeNever();
    expectTypeOf<T.NewUser>().not.toBeNever();
    expectTypeOf<T.ApiKeyItem>().not.toBeNever();
    expectTypeOf<T.NewApiKey>().not.toBeNever();
    expectTypeOf<T.Me>().not.toBeNever();
    expectTypeOf<T.OrgRef>().not.toBeNever();
    expectTypeOf<T.OrgDetail>().not.toBeNever();
    expectTypeOf<T.NewOrg>().not.toBeNever();
    expectTypeOf<T.CreatedOrg>().not.toBeNever();
    expectTypeOf<T.UpdatedOrg>().not.toBeNever();
    expectTypeOf<T.OrgChange>().not.toBeNever();
    expectTypeOf<T.MemberItem>().not.toBeNever();
    expectTypeOf<T.NewMember>().not.toBeNever();
    expectTypeOf<T.AddedMember>().not.toBeNever();
  });

  it('keep the fields the pages read', () => {
    expectTypeOf<T.ReportItem['complianceRate']>().toEqualTypeOf<number | null>();
    expectTypeOf<T.OrgRef['role']>().toEqualTypeOf<'admin' | 'analyst' | 'viewer'>();
    expectTypeOf<T.Me['platformAdmin']>().toEqualTypeOf<boolean>();
    expectTypeOf<T.NewOrg>().toEqualTypeOf<{ slug: string; name: string }>();
  });
});
