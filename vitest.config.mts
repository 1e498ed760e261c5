import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";

// Two projects: plain modules run in Node; code that runs in the Workers
// runtime (Worker, Durable Objects, D1) runs in workerd through the plugin.
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: "unit",
          environment: "node",
          include: [
            "protocol/src/**/*.test.ts", "rfb/src/**/*.test.ts", "desktop-host/src/**/*.test.ts", "test-support/**/*.test.ts", "db/**/*.test.ts",
            "domain/**/*.unit.test.ts", "durable-objects/**/*.unit.test.ts", "workers/**/*.unit.test.ts", "scripts/**/*.test.ts", "web/build/**/*.test.ts",
            "tests/architecture/**/*.test.ts", "tests/contracts/**/*.test.ts",
          ],
          exclude: ["**/*.live.test.ts", "**/node_modules/**"],
          // Some host tests wait for real settle windows; a loaded 2-core CI machine stretches them past the 5 s default.
          testTimeout: 20_000,
        },
      },
      {
        // Dashboard components in a simulated DOM.
        test: {
          name: "web",
          environment: "jsdom",
          include: ["web/src/**/*.test.tsx", "web/src/**/*.test.ts"],
          setupFiles: ["./web/src/test/setup.ts"],
        },
      },
      {
        // Needs a real X desktop (Xvfb, x11vnc, Chromium): run by `npm run test:e2e`.
        test: {
          name: "e2e",
          environment: "node",
          include: ["**/*.live.test.ts", "e2e/**/*.test.ts"],
          exclude: ["**/node_modules/**"],
          testTimeout: 120_000,
          hookTimeout: 120_000,
          fileParallelism: false,
        },
      },
      {
        // The real Worker under `wrangler dev`, driven from Node (hosts, reconnects, restarts).
        test: {
          name: "system",
          environment: "node",
          include: ["tests/system/**/*.test.ts"],
          testTimeout: 60_000,
          hookTimeout: 90_000,
          fileParallelism: false,
        },
      },
      {
        plugins: [
          cloudflareTest(async () => ({
            wrangler: { configPath: "./wrangler.toml" },
            miniflare: {
              bindings: {
                TEST_MIGRATIONS: await readD1Migrations("./migrations"),
                DESKFLEET_ADMIN_TOKEN: "test-admin-token-0123456789abcdef",
                DESKFLEET_SECRET_KEY: "dGVzdC1zZWNyZXQta2V5LTAxMjM0NTY3ODlhYmNkZWY=",
                HEARTBEAT_TIMEOUT_MS: "1500",
                DESKFLEET_TASK_INACTIVITY_MS: "3000",
                DESKFLEET_APPROVAL_TIMEOUT_MS: "4000",
              },
              // The tests' helpers mint tokens and open viewers as the admin far more often than a
              // person does; every other limit is wrangler.toml's own (tests key them apart).
              ratelimits: {
                LIMIT_CREDENTIALS: { namespace_id: "14002", simple: { limit: 100_000, period: 60 } },
                LIMIT_HOST_TOKENS: { namespace_id: "14008", simple: { limit: 100_000, period: 60 } },
                LIMIT_VIEWERS: { namespace_id: "14007", simple: { limit: 100_000, period: 60 } },
              },
            },
          })),
        ],
        test: {
          name: "workers",
          include: ["tests/integration/**/*.test.ts"],
          setupFiles: ["./tests/integration/apply-migrations.ts"],
        },
      },
    ],
  },
});
