import { describe, expect, it } from 'vitest';
import {
  createDecoder,
  decodeSource,
  firstInvalidUtf8,
  newDecodeState,
  sniffEncoding,
} from '../../../src/parse/aggregate/decode.js';
import { XmlSyntaxError } from '../../../src/parse/aggregate/errors.js';
import { bytesSource } from '../../../src/parse/aggregate/index.js';

const bytes = (...b: number[]): Uint8Array => new Uint8Array(b);
const ascii = (s: string): Uint8Array => new TextEncoder().encode(s);

describe('sniffEncoding', () => {
  it('defaults to UTF-8', () => {
    expect(sniffEncoding(ascii('<feedback/>'))).toEqual({ encoding: 'utf-8', declared: null, warning: null });
    expect(sniffEncoding(ascii('<?xml version="1.0"?><feedback/>')).encoding).toBe('utf-8');
  });

  it('honours a declared encoding, in either quote style', () => {
    expect(sniffEncoding(ascii('<?xml version="1.0" encoding="windows-1252"?>')).encoding).toBe('windows-1252');
    expect(sniffEncoding(ascii("<?xml version='1.0' encoding='ISO-8859-2' ?>")).encoding).toBe('iso-8859-2');
    expect(sniffEncoding(ascii('<?xml version="1.0" encoding="latin1"?>')).encoding).toBe('windows-1252');
  });

  it('lets a BOM win over the declaration', () => {
    const r = sniffEncoding(
      new Uint8Array([0xef, 0xbb, 0xbf, ...ascii('<?xml version="1.0" encoding="windows-1252"?>')]),
    );
    expect(r.encoding).toBe('utf-8');
  });

  it('detects UTF-16 by BOM or by the bytes of "<?"', () => {
    expect(sniffEncoding(bytes(0xff, 0xfe, 0x3c, 0x00)).encoding).toBe('utf-16le');
    expect(sniffEncoding(bytes(0xfe, 0xff, 0x00, 0x3c)).encoding).toBe('utf-16be');
    expect(sniffEncoding(bytes(0x3c, 0x00, 0x3f, 0x00)).encoding).toBe('utf-16le');
    expect(sniffEncoding(bytes(0x00, 0x3c, 0x00, 0x3f)).encoding).toBe('utf-16be');
  });

  it('falls back to UTF-8 with a warning for an unsupported or impossible declaration', () => {
    const unknown = sniffEncoding(ascii('<?xml version="1.0" encoding="x-klingon"?>'));
    expect(unknown).toEqual({
      encoding: 'utf-8',
      declared: 'x-klingon',
      warning: "declared encoding 'x-klingon' is not supported; decoded as UTF-8",
    });
    const utf16 = sniffEncoding(ascii('<?xml version="1.0" encoding="UTF-16"?>'));
    expect(utf16.encoding).toBe('utf-8');
    expect(utf16.warning).toMatch(/does not match the bytes/);
  });
});

describe('createDecoder', () => {
  it('decodes windows-1252 with its own characters in 0x80–0x9F', () => {
    const d = createDecoder('windows-1252', true);
    expect(d.decode(bytes(0x80, 0x91, 0x92, 0xe9, 0x41), true)).toBe('\u20ac\u2018\u2019\u00e9A');
  });

  it('keeps multi-byte UTF-8 characters split across chunks', () => {
    const d = createDecoder('utf-8', true);
    const euro = ascii('\u20ac');
    expect(
      d.decode(euro.subarray(0, 1), false) + d.decode(euro.subarray(1), false) + d.decode(new Uint8Array(0), true),
    ).toBe('\u20ac');
  });

  it('throws on invalid UTF-8 when fatal', () => {
    expect(() => createDecoder('utf-8', true).decode(bytes(0x61, 0x91, 0x62), true)).toThrow(TypeError);
  });

  it('drops a UTF-8 BOM', () => {
    expect(createDecoder('utf-8', true).decode(bytes(0xef, 0xbb, 0xbf, 0x3c), true)).toBe('<');
  });
});

describe('decodeSource', () => {
  const run = async (data: Uint8Array, fatal: boolean, chunkSize = 1) => {
    const state = newDecodeState();
    let text = '';
    for await (const piece of decodeSource(bytesSource(data, chunkSize), fatal, state)) text += piece;
    return { text, state };
  };

  it('decodes chunk by chunk in the sniffed encoding and drops a BOM', async () => {
    const data = new Uint8Array([0xef, 0xbb, 0xbf, ...ascii('<a>\u20ac\u00e9</a>')]);
    const { text, state } = await run(data, true);
    expect(text).toBe('<a>\u20ac\u00e9</a>');
    expect(state).toEqual({ encoding: 'utf-8', warning: null, bytes: data.length, replaced: false });
  });

  it('uses a declared single-byte encoding', async () => {
    const data = new Uint8Array([...ascii('<?xml version="1.0" encoding="windows-1252"?><a>'), 0x80, ...ascii('</a>')]);
    expect((await run(data, true, 4)).text).toBe('<?xml version="1.0" encoding="windows-1252"?><a>\u20ac</a>');
  });

  it('throws an XmlSyntaxError naming the first bad byte when strict', async () => {
    const data = new Uint8Array([...ascii('<a>caf'), 0xe9, ...ascii('</a>')]);
    const error: unknown = await run(data, true, 64).then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(XmlSyntaxError);
    expect((error as Error).message).toBe('XML not well-formed: invalid utf-8 byte 0xe9 at offset 6');
  });

  it('replaces bad bytes and says so when lenient', async () => {
    const data = new Uint8Array([...ascii('<a>caf'), 0xe9, ...ascii('</a>')]);
    const { text, state } = await run(data, false);
    expect(text).toBe('<a>caf\ufffd</a>');
    expect(state.replaced).toBe(true);
    expect((await run(ascii('<a/>'), false)).state.replaced).toBe(false);
  });

  it('yields nothing for an empty source', async () => {
    expect(await run(new Uint8Array(0), true)).toEqual({ text: '', state: newDecodeState() });
  });
});

describe('firstInvalidUtf8', () => {
  it('locates the first bad byte', () => {
    expect(firstInvalidUtf8(ascii('abc'))).toBe(-1);
    expect(firstInvalidUtf8(bytes(0x61, 0x91))).toBe(1);
    expect(firstInvalidUtf8(bytes(0xc0, 0x80))).toBe(0); // overlong
    expect(firstInvalidUtf8(bytes(0xed, 0xa0, 0x80))).toBe(0); // surrogate
    expect(firstInvalidUtf8(bytes(0xe2, 0x28, 0xa1))).toBe(0); // bad continuation
    expect(firstInvalidUtf8(bytes(0x61, 0xe2, 0x82))).toBe(-1); // cut off: may continue in the next chunk
  });
});
