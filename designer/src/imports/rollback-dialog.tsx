/**
 * Rolling an import back, asked first: what it deletes, and what it cannot undo (records it
 * updated, emails already sent) read from `GET /imports/:id/rollback`; the feed posts on the
 * imported records go too only if ticked.
 */
import { Alert, Button, Checkbox, Group, List, Loader, Modal, Stack, Text } from '@mantine/core';
import { useEffect, useState } from 'react';
import type { ImportView, RollbackView } from '../../../schemas/imports.ts';
import { api } from '../api.ts';
import { done, fail } from '../console/console-api.ts';

interface Preview {
  toDelete: number;
  updated: number;
  posts: number;
  emails: number;
  warnings: string[];
}

export function RollbackDialog({
  run,
  onClose,
  onDone,
}: {
  run: ImportView;
  onClose: () => void;
  onDone: () => void;
}) {
  const [preview, setPreview] = useState<Preview | null>(null);
  const [removePosts, setRemovePosts] = useState(false);
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    api<Preview>('GET', `/imports/${run.id}/rollback`).then(setPreview, (error) => {
      fail(error);
      onClose();
    });
  }, [run.id, onClose]);

  const confirm = async () => {
    setBusy(true);
    try {
      const result = await api<RollbackView>(
        'POST',
        `/imports/${run.id}/rollback${removePosts ? '?removePosts=true' : ''}`,
      );
      done(result.message);
      onDone();
      onClose();
    } catch (error) {
      fail(error);
    } finally {
      setBusy(false);
    }
  };

  return (
    <Modal opened onClose={onClose} title={`Roll back ${run.fileName}?`} data-testid="rollback-dialog">
      {!preview ? (
        <Loader size="sm" />
      ) : (
        <Stack gap="sm">
          <Text size="sm">
            This deletes the {preview.toDelete} {preview.toDelete === 1 ? 'record' : 'records'} the import
            created.
          </Text>
          {preview.warnings.length > 0 && (
            <Alert color="orange" title="What a rollback cannot undo">
              <List size="sm" spacing={2}>
                {preview.warnings.map((warning) => (
                  <List.Item key={warning}>{warning}</List.Item>
                ))}
              </List>
            </Alert>
          )}
          {preview.posts > 0 && (
            <Checkbox
              label={`Also remove the ${preview.posts} activity-feed ${preview.posts === 1 ? 'post' : 'posts'} on these records`}
              checked={removePosts}
              onChange={(event) => setRemovePosts(event.currentTarget.checked)}
              data-testid="rollback-remove-posts"
            />
          )}
          <Group justify="flex-end">
            <Button variant="default" onClick={onClose}>
              Keep the import
            </Button>
            <Button color="red" loading={busy} onClick={confirm} data-testid="rollback-confirm">
              Roll back
            </Button>
          </Group>
        </Stack>
      )}
    </Modal>
  );
}
