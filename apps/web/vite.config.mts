// The web app's build and dev server. `base: './'` keeps every URL relative, so the same build works from the
// local stack and from public/ of the data bucket. /api (and the local stack's /s3 links) go to the local stack.
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const stack =
  process.env['GEN3D_STACK_URL'] ?? `http://127.0.0.1:${process.env['GEN3D_STACK_PORT'] ?? '4300'}`;
const proxy = {
  '/api': { target: stack, changeOrigin: true },
  '/s3': { target: stack, changeOrigin: true },
};
const port = Number(process.env['WEB_PORT'] ?? 4200);

export default defineConfig({
  root: fileURLToPath(new URL('./src', import.meta.url)),
  publicDir: fileURLToPath(new URL('./public', import.meta.url)),
  base: './',
  // Workspace libraries from their TypeScript sources (as tsconfig.base.json's paths say): tree-shaken ESM, and no
  // need to build them first.
  resolve: {
    alias: {
      '@gen3d/s3-keys': fileURLToPath(new URL('../../libs/s3-keys/src/index.ts', import.meta.url)),
      '@gen3d/events/retention': fileURLToPath(
        new URL('../../libs/events/src/retention.ts', import.meta.url),
      ),
    },
  },
  logLevel: 'warn',
  build: {
    outDir: fileURLToPath(new URL('../../dist/apps/web', import.meta.url)),
    emptyOutDir: true,
    target: 'es2022',
    chunkSizeWarningLimit: 800,
  },
  server: { host: '127.0.0.1', port, strictPort: true, proxy },
  preview: { host: '127.0.0.1', port, strictPort: true, proxy },
});
