import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

// One build serves any deployment: the API's base URL comes from /config.json at run time.
export default defineConfig({
  plugins: [react()],
  server: { port: 5173, strictPort: true },
  build: {
    target: 'es2022',
    manifest: true,
    sourcemap: false,
    chunkSizeWarningLimit: 400,
  },
});
