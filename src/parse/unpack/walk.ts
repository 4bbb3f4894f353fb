// The recursive walk: sniff a piece of content, then either yield it (XML, a recognised-but-unsupported report,
// an error) or open the container it is (gzip, zlib, zip, e-mail, mbox) and walk what is inside.
import { NOT_A_REPORT, ParseFailure, type UnpackedPart } from '../types.js';
import { gunzip, inflateZlib } from './gzip.js';
import { classifyJson } from './json.js';
import { tooDeep } from './limits.js';
import { errorPart, failurePart, OTHER_JSON_MESSAGE, UNRECOGNISED_MESSAGE, type WalkContext } from './parts.js';
import { notAReportReason, SNIFF_BYTES, sniff } from './sniff.js';
import { childName, memorySource, readAll, readHead, type Head, type Source } from './source.js';
import { unpackMail, unpackMbox } from './walk-mail.js';
import { inflateMember, isStored, listZip, memberProblem, storedContent } from './zip.js';

export async function* explore(source: Source, ctx: WalkContext): AsyncGenerator<UnpackedPart> {
  let head: Head;
  try {
    head = await readHead(source, SNIFF_BYTES);
  } catch (error) {
    yield failurePart(source.name, error);
    return;
  }
  const kind = sniff(head.bytes, head.complete, { expectMessage: source.declaredType === 'message/rfc822' });
  if (kind === 'xml') {
    const notAReport = notAReportReason(head.bytes);
    if (notAReport !== undefined) {
      yield errorPart(source.name, new ParseFailure('not_aggregate', `${NOT_A_REPORT}: ${notAReport}`));
      return;
    }
    yield { type: 'xml', name: source.name, open: source.open };
    return;
  }
  if (kind === 'json') {
    yield jsonPart(source, head);
    return;
  }
  if (kind === 'empty') {
    yield errorPart(
      source.name,
      new ParseFailure('empty', source.depth === 0 ? 'empty file' : 'empty content (0 bytes)'),
    );
    return;
  }
  if (kind === 'unknown') {
    yield errorPart(source.name, new ParseFailure('unrecognised', UNRECOGNISED_MESSAGE));
    return;
  }
  // everything else is a container: one more level (mbox is a list of e-mails; each e-mail counts instead)
  if (kind !== 'mbox' && source.depth + 1 > ctx.limits.maxNestingDepth) {
    yield errorPart(source.name, tooDeep(ctx.limits.maxNestingDepth));
    return;
  }
  switch (kind) {
    case 'gzip':
    case 'zlib': {
      const id = ctx.budget.newStreamId();
      const decode = kind === 'gzip' ? gunzip : inflateZlib;
      // gzip wraps exactly one file: the layer keeps its container's name
      yield* explore(
        { name: source.name, depth: source.depth + 1, open: () => decode(source.open(), ctx.budget.pass(id)) },
        ctx,
      );
      return;
    }
    case 'zip':
      yield* unpackZip(source, ctx);
      return;
    case 'mime':
      yield* unpackMail(source, ctx, explore);
      return;
    case 'mbox':
      yield* unpackMbox(source, ctx, explore);
      return;
  }
}

function jsonPart(source: Source, head: Head): UnpackedPart {
  const name = source.name;
  switch (classifyJson(head.bytes, head.complete)) {
    case 'smtp_tls':
      return { type: 'tlsrpt', name, open: source.open };
    case 'other_json':
      return errorPart(name, new ParseFailure('unrecognised', OTHER_JSON_MESSAGE));
    case 'not_json':
      return errorPart(name, new ParseFailure('unrecognised', UNRECOGNISED_MESSAGE));
  }
}

async function* unpackZip(source: Source, ctx: WalkContext): AsyncGenerator<UnpackedPart> {
  let members;
  try {
    const archive = await readAll(source, ctx.limits.maxInputBytes, 'nested zip archive');
    members = await listZip(archive, ctx.limits.maxZipEntries);
  } catch (error) {
    yield failurePart(source.name, error);
    return;
  }
  if (members.length === 0) {
    yield errorPart(source.name, new ParseFailure('no_report', 'zip archive contains no files'));
    return;
  }
  const depth = source.depth + 1;
  for (const member of members) {
    const name = childName(source.name, member.name === '' ? `member ${member.index} (no name)` : member.name);
    const problem = memberProblem(member, ctx.limits);
    if (problem) {
      yield errorPart(name, problem);
      continue;
    }
    let child: Source;
    if (isStored(member)) {
      try {
        child = memorySource(name, depth, storedContent(member));
      } catch (error) {
        yield failurePart(name, error);
        continue;
      }
    } else {
      const id = ctx.budget.newStreamId();
      child = { name, depth, open: () => inflateMember(member, ctx.budget.pass(id)) };
    }
    yield* explore(child, ctx);
  }
}
