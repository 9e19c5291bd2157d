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
}

export const noFilters: FeedFilters = { types: [], authors: [] };

/** The first `limit` posts matching `filters`, reloaded whenever a post is pushed; "load more" appends. */
export function useFeed(filters: FeedFilters, limit: number) {
  const path = useMemo(() => {
    const query = new URLSearchParams({ limit: String(limit) });
    for (const type of filters.types) query.append('types', type);
    for (const author of filters.authors) query.append('authorIds', author);
    return `/feed?${query}`;
  }, [filters, limit]);
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
