/** One feed post: author, type, pin and delete (as allowed), a link to its record, and its comments. */
import { Badge, Button, Group, Paper, Stack, Text, Textarea } from '@mantine/core';
import { useState } from 'react';
import { api } from '../api.ts';
import { AppLink } from '../app/app-link.tsx';
import { useCurrentUser } from '../app/current-user.ts';
import { formatDateTime } from '../app/dates.ts';
import { useLive } from '../app/live.ts';
import { fail } from '../console/console-api.ts';
import type { Comment, Post } from './feed-api.ts';
import { postTypeLabel } from './post-types.ts';

export function PostCard({
  post,
  onChange,
  compact = false,
}: {
  post: Post;
  onChange: () => void;
  compact?: boolean;
}) {
  const me = useCurrentUser();
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
  // The API lets a comment's author, the post's author and administrators delete it.
  const mayDelete = (c: Comment) => me.isAdmin || c.authorId === me.id || post.authorId === me.id;
  const removeComment = (c: Comment) =>
    window.confirm('Delete this comment?') &&
    api('DELETE', `/feed/${post.id}/comments/${c.id}`).then(() => {
      loadComments();
      onChange();
    }, fail);
  const recordPath = post.module && post.recordId ? `/records/${post.module}/${post.recordId}` : null;

  return (
    <Paper withBorder p={compact ? 'xs' : 'sm'} data-testid={`post-${post.id}`}>
      <Group justify="space-between" gap={4}>
        <Group gap={6}>
          {post.authorId ? (
            <AppLink to={`/people/${post.authorId}`} fw={600} size="sm" c="inherit">
              {post.authorName ?? 'Someone'}
            </AppLink>
          ) : (
            <Text fw={600} size="sm">
              Weft
            </Text>
          )}
          <Badge size="xs" variant="light" tt="none">
            {postTypeLabel(post.type)}
          </Badge>
          {post.pinned && (
            <Badge size="xs" color="orange">
              pinned
            </Badge>
          )}
          <Text size="xs" c="dimmed">
            {formatDateTime(post.createdAt)}
          </Text>
        </Group>
        <Group gap={4}>
          {me.isAdmin && (
            <Button size="compact-xs" variant="subtle" onClick={pin}>
              {post.pinned ? 'Unpin' : 'Pin'}
            </Button>
          )}
          {(me.isAdmin || post.authorId === me.id) && (
            <Button size="compact-xs" variant="subtle" color="red" onClick={remove}>
              Delete
            </Button>
          )}
        </Group>
      </Group>
      <Text size="sm" mt={4} style={{ whiteSpace: 'pre-wrap', overflowWrap: 'anywhere' }}>
        {post.text}
      </Text>
      {recordPath && (
        <AppLink to={recordPath} size="xs">
          Open the record
        </AppLink>
      )}
      <Group mt={4}>
        <Button
          size="compact-xs"
          variant="subtle"
          aria-expanded={comments !== null}
          onClick={() => (comments ? setComments(null) : loadComments())}
        >
          {comments ? 'Hide comments' : `Comments (${post.commentCount})`}
        </Button>
      </Group>
      {comments && (
        <Stack gap={4} pl={compact ? 'xs' : 'md'} mt={4}>
          {comments.map((c) => (
            <Group key={c.id} gap={4} wrap="nowrap" align="flex-start" data-testid={`comment-${c.id}`}>
              <Text size="sm" style={{ overflowWrap: 'anywhere', flex: 1 }}>
                <b>{c.authorName ?? 'Weft'}</b> {c.text}
              </Text>
              {mayDelete(c) && (
                <Button
                  size="compact-xs"
                  variant="subtle"
                  color="red"
                  aria-label="Delete comment"
                  onClick={() => removeComment(c)}
                >
                  Delete
                </Button>
              )}
            </Group>
          ))}
          <Group gap="xs" wrap="nowrap" align="flex-end">
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
