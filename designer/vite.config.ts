import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

/** Built to designer/dist, which the Fastify server serves at `/` (server/plugins/designer.ts). */
export default defineConfig({
  root: import.meta.dirname,
  plugins: [react()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    // Monaco is one large lazy chunk by design; the initial bundle is what the budget is about.
    chunkSizeWarningLimit: 4000,
  },
  worker: { format: 'es' },
  server: { proxy: { '/api': { target: 'http://127.0.0.1:8080', ws: true } } },
});
