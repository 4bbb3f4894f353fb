// What the dashboard's about box shows: the API version and the attribution the licences of the shipped IP
// databases require (enrich/attribution.ts). Public: it says nothing about any organisation.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { IP_DATA_ATTRIBUTION } from '../../enrich/attribution.js';

const DataSource = Type.Object({
  data: Type.String({ description: 'What it gives (country, AS number, ...)' }),
  name: Type.String(),
  url: Type.String(),
  licence: Type.String(),
  licenceUrl: Type.String(),
});

export const aboutRoutes: FastifyPluginAsyncTypebox<{ version: string }> = async (app, { version }) => {
  app.get(
    '/api/about',
    {
      config: { role: 'public' },
      schema: {
        tags: ['health'],
        summary: 'The API version and the attribution of the IP data it ships (shown in the about box)',
        response: {
          200: Type.Object({
            version: Type.String(),
            ipData: Type.Object({
              text: Type.String(),
              sources: Type.Array(DataSource),
              dbIpLink: Type.Object({ text: Type.String(), url: Type.String() }),
            }),
          }),
        },
      },
    },
    (_req, reply) => {
      reply.header('cache-control', 'public, max-age=3600');
      return { version, ipData: { ...IP_DATA_ATTRIBUTION, sources: [...IP_DATA_ATTRIBUTION.sources] } };
    },
  );
};
