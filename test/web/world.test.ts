import { describe, expect, it } from 'vitest';
import { worldCountries } from '../../web/src/charts/world';

/** Every ring of a polygon or multipolygon. */
function rings(g: { type: string; coordinates: unknown }): number[][][] {
  return g.type === 'Polygon' ? (g.coordinates as number[][][]) : (g.coordinates as number[][][][]).flat();
}

describe('the world map shapes', () => {
  const world = worldCountries();
  const byCode = new Map(world.features.map((f) => [f.properties.name, f]));

  it('name the countries by ISO alpha-2 code, the API’s `country`', () => {
    expect(world.features.length).toBeGreaterThan(170);
    for (const f of world.features) expect(f.properties.name).toMatch(/^[A-Z]{2}$/);
    expect(byCode.get('US')?.properties.label).toBe('United States of America');
    expect(byCode.get('DE')?.properties.label).toBe('Germany');
    expect(byCode.get('XK')?.properties.label).toBe('Kosovo');
  });

  it('keep longitude and latitude (the y axis is not flipped)', () => {
    const lons = rings(byCode.get('NO')!.geometry)
      .flat()
      .map((p) => p[0]!);
    const lats = rings(byCode.get('NO')!.geometry)
      .flat()
      .map((p) => p[1]!);
    expect(Math.min(...lats)).toBeGreaterThan(55); // Norway is north of 55°N
    expect(Math.min(...lons)).toBeGreaterThan(0);
    const au = rings(byCode.get('AU')!.geometry)
      .flat()
      .map((p) => p[1]!);
    expect(Math.max(...au)).toBeLessThan(-9); // Australia is south of the equator
  });

  it('are cut at the antimeridian: no edge crosses the map (Russia, Fiji, Antarctica)', () => {
    for (const code of ['RU', 'FJ', 'AQ', 'US', 'NZ']) {
      const f = byCode.get(code);
      expect(f, code).toBeDefined();
      for (const ring of rings(f!.geometry)) {
        for (let i = 1; i < ring.length; i++) {
          const [a, b] = [ring[i - 1]!, ring[i]!];
          // Antarctica is closed along the south pole: the map's bottom edge, not a stripe across it
          const alongPole = Math.abs(a[1]!) > 89.99 && Math.abs(b[1]!) > 89.99;
          if (!alongPole) expect(Math.abs(b[0]! - a[0]!), `${code} edge ${i}`).toBeLessThan(180);
        }
      }
    }
    // and everything stays on the map
    for (const f of world.features)
      for (const ring of rings(f.geometry))
        for (const [x, y] of ring) {
          expect(Math.abs(x!)).toBeLessThanOrEqual(180.0001);
          expect(Math.abs(y!)).toBeLessThanOrEqual(90.0001);
        }
  });
});
