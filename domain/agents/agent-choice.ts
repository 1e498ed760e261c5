import { searchTerms, wordStem as stem } from "../../db/memory-query.ts";

/**
 * `agent: "auto"`: the agent whose description fits a prompt best, by BM25
 * over the agents' names and descriptions (words compared by their first
 * five letters, so "invoices" meets "invoicing"). No model call: the choice
 * is cheap, repeatable and explained by the words it matched. Null when no
 * description shares a word with the prompt.
 */
export type AgentChoice = { name: string; matched: string[] } | null;

const K1 = 1.2;
const B = 0.75;

export function chooseAgent(agents: readonly { name: string; description: string }[], prompt: string): AgentChoice {
  const query = [...new Set(searchTerms(prompt).map(stem))];
  if (query.length === 0 || agents.length === 0) return null;
  const docs = agents.map((a) => ({ name: a.name, words: searchTerms(`${a.name.replace(/-/g, " ")} ${a.description}`).map(stem) }));
  const avg = docs.reduce((n, d) => n + d.words.length, 0) / docs.length || 1;
  const df = (t: string) => docs.filter((d) => d.words.includes(t)).length;
  let best: { name: string; score: number; matched: string[] } | null = null;
  for (const d of docs) {
    let score = 0;
    const matched: string[] = [];
    for (const t of query) {
      const tf = d.words.filter((w) => w === t).length;
      if (tf === 0) continue;
      const idf = Math.log(1 + (docs.length - df(t) + 0.5) / (df(t) + 0.5));
      score += idf * ((tf * (K1 + 1)) / (tf + K1 * (1 - B + (B * d.words.length) / avg)));
      matched.push(t);
    }
    if (score > 0 && (!best || score > best.score)) best = { name: d.name, score, matched };
  }
  return best ? { name: best.name, matched: best.matched } : null;
}
