/** Writing a post to the general feed; Ctrl+Enter posts too. */
import { Button, Group, Paper, Textarea } from '@mantine/core';
import { type Ref, useState } from 'react';
import { api } from '../api.ts';
import { fail } from '../console/console-api.ts';

export function PostBox({
  onPosted,
  compact = false,
  inputRef,
}: {
  onPosted: () => void;
  compact?: boolean;
  inputRef?: Ref<HTMLTextAreaElement>;
}) {
  const [text, setText] = useState('');
  const [busy, setBusy] = useState(false);
  const post = () => {
    if (!text.trim() || busy) return;
    setBusy(true);
    api('POST', '/feed', { text })
      .then(() => {
        setText('');
        onPosted();
      }, fail)
      .finally(() => setBusy(false));
  };
  return (
    <Paper withBorder p={compact ? 'xs' : 'sm'}>
      <Textarea
        ref={inputRef}
        placeholder="Share something with everyone"
        aria-label="New post"
        autosize
        minRows={compact ? 1 : 2}
        maxRows={8}
        value={text}
        onChange={(e) => setText(e.target.value)}
        onKeyDown={(e) => {
          if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) post();
        }}
      />
      <Group justify="flex-end" mt="xs">
        <Button size="xs" disabled={!text.trim()} loading={busy} onClick={post}>
          Post
        </Button>
      </Group>
    </Paper>
  );
}
