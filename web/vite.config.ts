// The dashboard's build: `vite build web` (part of `npm run build`) writes dist/web, which the server serves
// (src/api/plugins/web.ts). Everything is bundled: no CDN, no external fonts.
import { defineConfig } from 'vite';

export default defineConfig({
  base: '/',
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  build: {
    outDir: '../dist/web',
    emptyOutDir: true,
    assetsDir: 'assets',
    target: 'es2022',
    sourcemap: false,
    reportCompressedSize: true,
    chunkSizeWarningLimit: 700,
  },
  server: {
    // `npx vite web` for development, with the API of a running `dmarc serve` on :8080.
    proxy: {
      '/api': 'http://127.0.0.1:8080',
      '/auth': 'http://127.0.0.1:8080',
    },
  },
});
