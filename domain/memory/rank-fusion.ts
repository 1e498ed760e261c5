/**
 * Reciprocal rank fusion: one ranking from several (keyword and vector
 * search), each item scoring Σ 1/(k + rank) over the rankings it is in. It
 * needs no score calibration between BM25 and cosine similarity, which are
 * on different scales; k = 60 is the usual constant (Cormack et al., 2009).
 */
export function fuseRankings(rankings: readonly (readonly string[])[], k = 60): string[] {
  const score = new Map<string, number>();
  const firstSeen = new Map<string, number>();
  let order = 0;
  for (const ranking of rankings) {
    ranking.forEach((id, i) => {
      score.set(id, (score.get(id) ?? 0) + 1 / (k + i + 1));
      if (!firstSeen.has(id)) firstSeen.set(id, order++);
    });
  }
  return [...score.keys()].sort((a, b) => score.get(b)! - score.get(a)! || firstSeen.get(a)! - firstSeen.get(b)!);
}
