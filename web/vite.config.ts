import { defineConfig } from "vite";
import react from "@vitejs/plugin-react";
import { bundleSize } from "./build/bundle-size.ts";

export default defineConfig({
  plugins: [react(), bundleSize({ entryBudgetBytes: 300 * 1024 })],
  build: { outDir: "dist", emptyOutDir: true, sourcemap: false, target: "es2022" },
  // `npm run dev -w web` proxies the API to a running `npm start`.
  server: { proxy: { "/api": { target: "http://127.0.0.1:8787", ws: true } } },
});
