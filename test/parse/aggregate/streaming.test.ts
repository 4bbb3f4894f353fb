// A 200,000-record (~100 MB) report, generated on the fly, must stream: batches arrive while the source is
// still being read, and memory stays bounded (neither the text nor all records are held).
import { describe, expect, it } from 'vitest';
import { parseAggregateXml } from '../../../src/parse/aggregate/index.js';
import type { ByteSource } from '../../../src/parse/types.js';
import { METADATA, POLICY } from './helpers.js';

const RECORDS = 200_000;
const PER_CHUNK = 250;

function recordXml(i: number): string {
  return (
    `<record><row><source_ip>10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}</source_ip><count>${(i % 50) + 1}</count>` +
    '<policy_evaluated><disposition>none</disposition><dkim>pass</dkim><spf>fail</spf></policy_evaluated></row>' +
    '<identifiers><header_from>example.com</header_from><envelope_from>bounce.example.com</envelope_from></identifiers>' +
    '<auth_results><dkim><domain>example.com</domain><selector>s1</selector><result>pass</result></dkim>' +
    '<spf><domain>bounce.example.com</domain><scope>mfrom</scope><result>pass</result></spf></auth_results></record>\n'
  );
}

describe('a 200,000-record report', () => {
  it('streams in batches with bounded memory', async () => {
    const encoder = new TextEncoder();
    let chunksRead = 0;
    let bytesRead = 0;
    const totalChunks = RECORDS / PER_CHUNK + 2;
    const source: ByteSource = async function* () {
      const emit = (s: string): Uint8Array => {
        chunksRead++;
        const bytes = encoder.encode(s);
        bytesRead += bytes.length;
        return bytes;
      };
      yield emit(`<?xml version="1.0" encoding="UTF-8"?>\n<feedback>${METADATA}${POLICY}\n`);
      for (let i = 0; i < RECORDS; i += PER_CHUNK) {
        let s = '';
        for (let j = i; j < i + PER_CHUNK; j++) s += recordXml(j);
        yield emit(s);
      }
      yield emit('</feedback>\n');
    };

    const expectedMessages = Array.from({ length: 50 }, (_, k) => k + 1).reduce((a, b) => a + b, 0) * (RECORDS / 50);
    global.gc?.();
    const baseline = process.memoryUsage().rss;
    let peak = baseline;
    let batches = 0;
    let records = 0;
    let messages = 0;
    let chunksReadAtFirstBatch = -1;
    let lastIp: string | null = null;
    let end: { recordCount: number; messageCount: number; recovered: boolean; warnings: string[] } | null = null;

    for await (const event of parseAggregateXml(source, { batchSize: 2000 })) {
      if (event.type === 'records') {
        if (batches === 0) chunksReadAtFirstBatch = chunksRead;
        batches++;
        records += event.records.length;
        for (const r of event.records) messages += r.count;
        lastIp = event.records.at(-1)?.sourceIp ?? null;
        const rss = process.memoryUsage().rss;
        if (rss > peak) peak = rss;
      } else if (event.type === 'end') {
        end = event;
      } else if (event.type === 'restart') {
        throw new Error(`unexpected restart: ${event.reason}`);
      }
    }

    expect(bytesRead).toBeGreaterThan(90_000_000);
    expect(batches).toBe(RECORDS / 2000);
    expect(records).toBe(RECORDS);
    expect(messages).toBe(expectedMessages);
    expect(end).toEqual({
      type: 'end',
      warnings: [],
      recovered: false,
      recordCount: RECORDS,
      messageCount: expectedMessages,
      extensions: [],
    });
    expect(lastIp).toBe('10.3.13.63'); // record 199,999
    // Streaming: the first batch came out after reading a small part of the source.
    expect(chunksReadAtFirstBatch).toBeGreaterThan(0);
    expect(chunksReadAtFirstBatch).toBeLessThan(totalChunks / 20);
    // Holding the ~100 MB text or all 200k records would add far more than this.
    const growthMb = (peak - baseline) / 1024 / 1024;
    expect(growthMb).toBeLessThan(200);
  });
});
