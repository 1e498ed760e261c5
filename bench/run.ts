/**
 * `npm run bench -- <name>`: runs one benchmark (or all with no name).
 * Each prints JSON on stdout and rewrites its section of bench/RESULTS.md.
 */
type Benchmark = { run(): Promise<unknown> };
// Each benchmark is a module `bench/<name>.ts` exporting `run()`.
const load = (name: string) => async () => ((await import(`./${name}.ts`)) as Benchmark).run();
const BENCHMARKS: Record<string, () => Promise<unknown>> = { host: load("host"), relay: load("relay"), cost: load("cost"), fleet: load("fleet"), memory: load("memory"), tools: load("tools"), "vnc-security": load("vnc-security"), pool: load("pool") };

const wanted = process.argv.slice(2).filter((a) => !a.startsWith("-"));
const names = wanted.length ? wanted : Object.keys(BENCHMARKS);
const unknown = names.filter((n) => !BENCHMARKS[n]);
if (unknown.length) {
  console.error(`unknown benchmark(s): ${unknown.join(", ")}; choose from ${Object.keys(BENCHMARKS).join(", ")}`);
  process.exit(2);
}
const results: Record<string, unknown> = {};
for (const name of names) {
  try {
    results[name] = await BENCHMARKS[name]!();
  } catch (err) {
    const missing = err instanceof Error && "code" in err && err.code === "ERR_MODULE_NOT_FOUND";
    results[name] = { error: missing ? `the ${name} benchmark is not written yet` : err instanceof Error ? err.message : String(err) };
    process.exitCode = 1;
  }
}
console.log(JSON.stringify(results, null, 2));
// A benchmark that failed half-way may leave a handle open; the results are out, so end here.
process.exit(process.exitCode ?? 0);

export {};
