/** The activity feed: post, comment, pin (admins), filter by people and types; new posts arrive live. */
import {
  Anchor,
  Badge,
  Button,
  Group,
  MultiSelect,
  Paper,
  Stack,
  Text,
  Textarea,
  Title,
} from '@mantine/core';
import { useEffect, useMemo, useState } from 'react';
import { feedPostTypes } from '../../../schemas/feed.ts';
import { api, type User } from '../api.ts';
import { useLive } from '../app/live.ts';
import { fail, usePaged } from '../console/console-api.ts';
import { assigneeOptions } from '../records/field-input.tsx';
import { navigate } from '../router.ts';

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

interface Comment {
  id: string;
  authorName: string | null;
  text: string;
  createdAt: string;
}

export function FeedPage(_props: { rest: string[] }) {
  const [me, setMe] = useState<User | null>(null);
  const [types, setTypes] = useState<string[]>([]);
  const [authors, setAuthors] = useState<string[]>([]);
  const [people, setPeople] = useState<{ value: string; label: string }[]>([]);
  const [text, setText] = useState('');
  useEffect(() => {
    api<User>('GET', '/me').then(setMe, fail);
    assigneeOptions().then(
      (options) => setPeople(options.filter((o) => !o.label.startsWith('Group:'))),
      () => undefined,
    );
  }, []);
  const path = useMemo(() => {
    const query = new URLSearchParams({ limit: '30' });
    for (const type of types) query.append('types', type);
    for (const author of authors) query.append('authorIds', author);
    return `/feed?${query}`;
  }, [types, authors]);
  const { items, hasMore, more, reload } = usePaged<Post>(path);
  useLive('feed.post.created', reload);

  const post = () =>
    api('POST', '/feed', { text }).then(() => {
      setText('');
      reload();
    }, fail);

  return (
    <Stack p="md" gap="sm" maw={820} style={{ flex: 1, minHeight: 0, overflow: 'auto' }}>
      <Title order={3}>Activity</Title>
      <Paper withBorder p="sm">
        <Textarea
          placeholder="Share something with everyone"
          aria-label="New post"
          autosize
          minRows={2}
          value={text}
          onChange={(e) => setText(e.target.value)}
        />
        <Group justify="flex-end" mt="xs">
          <Button size="xs" disabled={!text.trim()} onClick={post}>
            Post
          </Button>
        </Group>
      </Paper>
      <Group grow>
        <MultiSelect
          label="Types"
          placeholder="Every type"
          data={[...feedPostTypes]}
          value={types}
          onChange={setTypes}
          clearable
        />
        <MultiSelect
          label="People"
          placeholder="Everyone"
          data={people}
          value={authors}
          onChange={setAuthors}
          searchable
          clearable
        />
      </Group>
      {items?.length === 0 && (
        <Text c="dimmed">
          {types.length || authors.length
            ? 'Nothing matches these filters: clear them to see everything.'
            : 'Nothing here yet. Posts, flow posts and record events appear here as they happen.'}
        </Text>
      )}
      <Stack gap="xs" data-testid="feed">
        {items?.map((p) => (
          <PostCard key={p.id} post={p} isAdmin={me?.isAdmin ?? false} myId={me?.id} onChange={reload} />
        ))}
      </Stack>
      {hasMore && (
        <Button variant="default" onClick={more}>
          Load more
        </Button>
      )}
    </Stack>
  );
}

function PostCard({
  post,
  isAdmin,
  myId,
  onChange,
}: {
  post: Post;
  isAdmin: boolean;
  myId: string | undefined;
  onChange: () => void;
}) {
  const [comments, setComments] = useState<Comment[] | null>(null);
  const [reply, setReply] = useState('');
  const loadComments = () =>
    api<Post & { comments: Comment[] }>('GET', `/feed/${post.id}`).then(
      (detail) => setComments(detail.comments),
      fail,
    );
  useLive('feed.comment.created', (push) => {
    if (comments !== null && (push.data as { postId?: string } | undefined)?.postId === post.id)
      loadComments();
  });
  const comment = () =>
    api('POST', `/feed/${post.id}/comments`, { text: reply }).then(() => {
      setReply('');
      loadComments();
    }, fail);
  const pin = () => api(post.pinned ? 'DELETE' : 'POST', `/feed/${post.id}/pin`).then(onChange, fail);
  const remove = () =>
    window.confirm('Delete this post?') && api('DELETE', `/feed/${post.id}`).then(onChange, fail);

  return (
    <Paper withBorder p="sm" data-testid={`post-${post.id}`}>
      <Group justify="space-between">
        <Group gap={6}>
          <Text fw={600} size="sm">
            {post.authorName ?? 'Weft'}
          </Text>
          <Badge size="xs" variant="light">
            {post.type}
          </Badge>
          {post.pinned && (
            <Badge size="xs" color="orange">
              pinned
            </Badge>
          )}
          <Text size="xs" c="dimmed">
            {new Date(post.createdAt).toLocaleString()}
          </Text>
        </Group>
        <Group gap={4}>
          {isAdmin && (
            <Button size="compact-xs" variant="subtle" onClick={pin}>
              {post.pinned ? 'Unpin' : 'Pin'}
            </Button>
          )}
          {(isAdmin || post.authorId === myId) && (
            <Button size="compact-xs" variant="subtle" color="red" onClick={remove}>
              Delete
            </Button>
          )}
        </Group>
      </Group>
      <Text size="sm" mt={4} style={{ whiteSpace: 'pre-wrap' }}>
        {post.text}
      </Text>
      {post.module && post.recordId && (
        <Anchor size="xs" onClick={() => navigate(`/records/${post.module}/${post.recordId}`)}>
          Open the record
        </Anchor>
      )}
      <Group mt={4}>
        <Button
          size="compact-xs"
          variant="subtle"
          onClick={() => (comments ? setComments(null) : loadComments())}
        >
          {comments ? 'Hide comments' : `Comments (${post.commentCount})`}
        </Button>
      </Group>
      {comments && (
        <Stack gap={4} pl="md" mt={4}>
          {comments.map((c) => (
            <Text key={c.id} size="sm">
              <b>{c.authorName ?? 'Weft'}</b> {c.text}
            </Text>
          ))}
          <Group gap="xs" wrap="nowrap">
            <Textarea
              aria-label="Comment"
              placeholder="Write a comment"
              autosize
              style={{ flex: 1 }}
              value={reply}
              onChange={(e) => setReply(e.target.value)}
            />
            <Button size="xs" disabled={!reply.trim()} onClick={comment}>
              Comment
            </Button>
          </Group>
        </Stack>
      )}
    </Paper>
  );
}
