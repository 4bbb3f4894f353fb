// The world's country shapes for the country map, from the `world-atlas` package (Natural Earth 1:110m, public
// domain), as GeoJSON features named by ISO 3166-1 alpha-2 code (what the API's `country` is).
// world-atlas keys countries by ISO numeric code; a few disputed areas have none and are named here. The
// shapes are passed through d3's antimeridian clipping: Russia, Fiji and Antarctica have rings that cross
// ±180°, which a map drawn straight from lon/lat paints as stripes across the whole width.
import { geoEquirectangular } from 'd3-geo';
import type { Feature, FeatureCollection, MultiPolygon, Polygon } from 'geojson';
import { geoProject } from 'd3-geo-projection';
import { feature } from 'topojson-client';
import type { GeometryCollection, Topology } from 'topojson-specification';
import world from 'world-atlas/countries-110m.json';
import codes from 'i18n-iso-countries/codes.json';

/** ISO numeric → alpha-2. */
const ALPHA2_BY_NUMERIC = new Map<string, string>(codes.map(([a2, , num]) => [num ?? '', a2 ?? '']));

/** Areas world-atlas draws without a numeric code, and the code their reports carry. */
const ALPHA2_BY_NAME: Record<string, string> = { Kosovo: 'XK', 'N. Cyprus': 'CY', Somaliland: 'SO' };

export interface CountryFeature extends Feature<Polygon | MultiPolygon> {
  properties: { name: string; label: string };
}

let cached: FeatureCollection<Polygon | MultiPolygon, CountryFeature['properties']> | null = null;

/**
 * The countries as a FeatureCollection whose `properties.name` is the alpha-2 code (ECharts matches data to
 * regions by name) and `properties.label` world-atlas's English name. Coordinates stay longitude/latitude
 * (an identity projection with the y axis kept), only cut at the antimeridian.
 */
export function worldCountries(): NonNullable<typeof cached> {
  if (cached) return cached;
  const topology = world as unknown as Topology<{ countries: GeometryCollection<{ name: string }> }>;
  const all = feature(topology, topology.objects.countries) as FeatureCollection<
    Polygon | MultiPolygon,
    { name: string }
  >;
  // scale 180/π and no translation: projected x, y are degrees again; reflectY undoes the screen y-flip.
  const clip = geoEquirectangular()
    .scale(180 / Math.PI)
    .translate([0, 0])
    .reflectY(true)
    .precision(0.1);
  const features: CountryFeature[] = [];
  for (const f of all.features) {
    const code = f.id !== undefined ? ALPHA2_BY_NUMERIC.get(String(f.id)) : ALPHA2_BY_NAME[f.properties.name];
    if (!code || !f.geometry) continue;
    const clipped = geoProject(f, clip);
    features.push({ ...clipped, properties: { name: code, label: f.properties.name } });
  }
  cached = { type: 'FeatureCollection', features };
  return cached;
}
