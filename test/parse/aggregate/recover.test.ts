import { describe, expect, it } from 'vitest';
import { escapeStrayMarkup, hasDoctype, repairXml } from '../../../src/parse/aggregate/recover.js';

describe('escapeStrayMarkup', () => {
  it('keeps well-formed markup untouched', () => {
    const xml = '<a x="1" y=\'2\'><!-- c < d --><![CDATA[ <x> & ]]><?pi x?><b/>&amp;&#65;&#x41;</a>';
    expect(escapeStrayMarkup(xml)).toEqual({ text: xml, lt: 0, amp: 0 });
  });

  it("escapes a '<' that does not start a tag", () => {
    expect(escapeStrayMarkup('<email><bad-xml@bad-xml.net></email>').text).toBe(
      '<email>&lt;bad-xml@bad-xml.net></email>',
    );
    expect(escapeStrayMarkup('<h>bad<xml.net</h>').text).toBe('<h>bad&lt;xml.net</h>');
    expect(escapeStrayMarkup('<h>a < b</h>').text).toBe('<h>a &lt; b</h>');
    expect(escapeStrayMarkup('<h>x<</h>').lt).toBe(1);
  });

  it("escapes a '&' that is not a predefined or numeric reference (entities are never expanded)", () => {
    expect(escapeStrayMarkup('<o>AT&T</o>')).toEqual({ text: '<o>AT&amp;T</o>', lt: 0, amp: 1 });
    expect(escapeStrayMarkup('<o>&xxe;</o>').text).toBe('<o>&amp;xxe;</o>');
    expect(escapeStrayMarkup('<o>&lt;&gt;&quot;&apos;</o>').amp).toBe(0);
  });

  it('treats an unterminated comment as text', () => {
    expect(escapeStrayMarkup('<a><!-- never closed</a>').text).toBe('<a>&lt;!-- never closed</a>');
  });
});

describe('repairXml', () => {
  it('keeps only the <feedback> span and reports discarded junk', () => {
    const r = repairXml('<?xml version="1.0"?> <xs:schema xmlns:xs="x">\n<feedback><a/></feedback>\ntrailing junk');
    expect(r?.text).toBe('<feedback><a/></feedback>');
    expect(r?.repairs).toHaveLength(2);
    expect(r?.repairs[0]).toMatch(/^discarded \d+ characters \("<xs:schema xmlns:xs=\\"x\\">"\) before <feedback>$/);
    expect(r?.repairs[1]).toMatch(/after <\/feedback>/);
  });

  it('does not count the XML declaration, comments or whitespace as junk', () => {
    expect(repairXml('  <?xml version="1.0"?>\n<!-- hi --><feedback></feedback>\n<!-- bye -->\n')?.repairs).toEqual([]);
  });

  it('keeps a namespace prefix on feedback', () => {
    expect(repairXml('<d:feedback xmlns:d="u"></d:feedback>')?.text).toBe('<d:feedback xmlns:d="u"></d:feedback>');
  });

  it('replaces characters XML forbids', () => {
    const r = repairXml('<feedback>a\u0001b\uD800c</feedback>');
    expect(r?.text).toBe('<feedback>a\uFFFDb\uFFFDc</feedback>');
    expect(r?.repairs).toEqual(['replaced 2 characters not allowed in XML with U+FFFD']);
  });

  it('keeps surrogate pairs', () => {
    expect(repairXml('<feedback>\u{1F600}</feedback>')?.repairs).toEqual([]);
  });

  it('refuses a truncated document or one without <feedback>', () => {
    expect(repairXml('<feedback><report_metadata>')).toBeNull();
    expect(repairXml('just text')).toBeNull();
    expect(repairXml('<feedbackx></feedbackx>')).toBeNull();
  });
});

describe('hasDoctype', () => {
  it('finds a DOCTYPE anywhere', () => {
    expect(hasDoctype('<!DOCTYPE x><feedback/>')).toBe(true);
    expect(hasDoctype('<feedback><!doctype x></feedback>')).toBe(true);
    expect(hasDoctype('<feedback/>')).toBe(false);
  });
});
