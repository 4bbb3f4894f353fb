// The one function of d3-geo-projection the dashboard uses (the package ships no types).
declare module 'd3-geo-projection' {
  import type { GeoProjection } from 'd3-geo';
  import type { GeoJSON } from 'geojson';
  export function geoProject<T extends GeoJSON>(object: T, projection: GeoProjection): T;
}
