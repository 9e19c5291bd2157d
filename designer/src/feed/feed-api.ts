/** What the feed's views share: the post shapes, the live first page, and the people to filter by. */
import { useEffect, useMemo, useState } from 'react';
import { useLive } from '../app/live.ts';
import { usePaged } from '../console/console-api.ts';
import { assigneeOptions } from '../records/field-input.tsx';

export interface Post {
  id: string;
  type: string;
  text: string;
  authorId: string | null;
  authorName: string | null;
  module: string | null;
  recordId: string | null;
  pinned: boolean;
  commentCount: number;
  createdAt: string;
}

export interface Comment {
  id: string;
  authorId: string | null;
  authorName: string | null;
  text: string;
  createdAt: string;
}

export interface FeedFilters {
  types: string[];
  authors: string[];
  /** A module's posts (its records'), or '' for every module. */
  module: string;
  /** Dates (YYYY-MM-DD, the user's own day): from the start of `from` to the end of `to`. */
  from: string;
  to: string;
}

export const noFilters: FeedFilters = { types: [], authors: [], module: '', from: '', to: '' };

/** How many filters are set, for "Filters (n)". */
export const filterCount = (filters: FeedFilters) =>
  filters.types.length +
  filters.authors.length +
  (filters.module ? 1 : 0) +
  (filters.from ? 1 : 0) +
  (filters.to ? 1 : 0);

const dayStart = (day: string, plusDays = 0) => {
  const date = new Date(`${day}T00:00:00`);
  date.setDate(date.getDate() + plusDays);
  return date.toISOString();
};

/**
 * The first `limit` posts matching `filters`, reloaded whenever a post is pushed; "load more" appends.
 * `userId`: one user's own feed (posts they wrote or that are on their feed), as their profile shows it.
 */
export function useFeed(filters: FeedFilters, limit: number, userId?: string) {
  const path = useMemo(() => {
    const query = new URLSearchParams({ limit: String(limit) });
    for (const type of filters.types) query.append('types', type);
    for (const author of filters.authors) query.append('authorIds', author);
    if (filters.module) query.set('module', filters.module);
    if (filters.from) query.set('from', dayStart(filters.from));
    if (filters.to) query.set('to', dayStart(filters.to, 1));
    if (userId) query.set('userId', userId);
    return `/feed?${query}`;
  }, [filters, limit, userId]);
  const paged = usePaged<Post>(path);
  useLive('feed.post.created', paged.reload);
  return paged;
}

/** Users (not groups) to filter posts by; empty when the user list is not readable. */
export function usePeople() {
  const [people, setPeople] = useState<{ value: string; label: string }[]>([]);
  useEffect(() => {
    assigneeOptions().then(
      (options) => setPeople(options.filter((o) => !o.label.startsWith('Group:'))),
      () => undefined,
    );
  }, []);
  return people;
}
