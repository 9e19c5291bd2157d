/**
 * The board's drag, as data: where a card would go and which comments the server will ask
 * for. Forward completes each stage from the card's column up to (not including) the
 * target; backward reverts the target. The server checks every rule again.
 */
import type { Stage } from './processes-api.ts';

export interface MovePlan {
  direction: 'forward' | 'backward' | 'none';
  /** Stages the move completes that require a comment. */
  needComments: { id: string; name: string }[];
}

export function planMove(stages: readonly (Stage & { id: string })[], from: string, to: string): MovePlan {
  const ids = stages.map((stage) => stage.id);
  const start = from === 'completed' ? ids.length : ids.indexOf(from);
  const end = to === 'completed' ? ids.length : ids.indexOf(to);
  if (start === end || end < 0) return { direction: 'none', needComments: [] };
  if (end < start) return { direction: 'backward', needComments: [] };
  const passed = stages.slice(Math.max(start, 0), end);
  return {
    direction: 'forward',
    needComments: passed
      .filter((stage) => stage.requireComment)
      .map((stage) => ({ id: stage.id, name: stage.name })),
  };
}

/** The card moved between columns (optimistically), counts and totals following. */
export function moveCard<
  C extends { id: string; value: number | null },
  K extends { stageId: string; count: number; total: number | null; cards: C[] },
>(columns: K[], cardId: string, to: string): K[] {
  const card = columns.flatMap((column) => column.cards).find((candidate) => candidate.id === cardId);
  if (!card) return columns;
  return columns.map((column) => {
    const had = column.cards.some((candidate) => candidate.id === cardId);
    if (had && column.stageId !== to)
      return {
        ...column,
        count: column.count - 1,
        total: column.total === null ? null : column.total - (card.value ?? 0),
        cards: column.cards.filter((candidate) => candidate.id !== cardId),
      };
    if (!had && column.stageId === to)
      return {
        ...column,
        count: column.count + 1,
        total: card.value === null ? column.total : (column.total ?? 0) + card.value,
        cards: [card, ...column.cards],
      };
    return column;
  });
}
