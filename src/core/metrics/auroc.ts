/**
 * Area under the ROC curve from scores of positives and negatives: the probability that a random
 * positive scores above a random negative, ties counted half (Mann–Whitney U / (n₊·n₋)).
 */
import { InvalidArgumentError } from '../errors'

export function auroc(positives: readonly number[], negatives: readonly number[]): number {
  if (positives.length === 0 || negatives.length === 0)
    throw new InvalidArgumentError(`auroc: needs at least one positive and one negative (got ${positives.length} and ${negatives.length})`)
  for (const value of [...positives, ...negatives])
    if (!Number.isFinite(value)) throw new InvalidArgumentError(`auroc: score ${value} is not a finite number`)
  // Rank all scores together (average ranks for ties), then U = R₊ − n₊(n₊+1)/2.
  const all = [...positives.map((score) => ({ score, positive: true })), ...negatives.map((score) => ({ score, positive: false }))]
  all.sort((a, b) => a.score - b.score)
  let rankSumPositive = 0
  for (let i = 0; i < all.length;) {
    let j = i
    while (j + 1 < all.length && (all[j + 1] as { score: number }).score === (all[i] as { score: number }).score) j++
    const averageRank = (i + j) / 2 + 1
    for (let k = i; k <= j; k++) if ((all[k] as { positive: boolean }).positive) rankSumPositive += averageRank
    i = j + 1
  }
  const n1 = positives.length
  return (rankSumPositive - (n1 * (n1 + 1)) / 2) / (n1 * negatives.length)
}
