import { defineConfig } from "vite";
import react from "@vitejs/plugin-react";
import { buildInputs } from "./build/build-inputs.ts";
import { bundleSize } from "./build/bundle-size.ts";

export default defineConfig({
  // buildInputs lets `npm start` rebuild only when a file the bundle came from changed.
  plugins: [react(), bundleSize({ entryBudgetBytes: 300 * 1024 }), buildInputs({ also: ["index.html", "package.json", "../package-lock.json"] })],
  build: { outDir: "dist", emptyOutDir: true, sourcemap: false, target: "es2022" },
  // `npm run dev -w web` proxies the API to a running `npm start`.
  server: { proxy: { "/api": { target: "http://127.0.0.1:8787", ws: true } } },
});
