/** The templates gallery: ready CRM flows by category; choosing one creates it as a draft and opens it. */
import { Badge, Button, Card, Group, Modal, SimpleGrid, Stack, Text } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useState } from 'react';
import { api } from '../api.ts';
import { metaOf, toCanvas, toFlow } from '../model/flow-graph.ts';
import { autoLayout } from '../model/layout.ts';
import { navigate } from '../router.ts';
import { type FlowTemplate, flowTemplates } from './flow-templates.ts';
import type { FlowSummary } from './flows-api.ts';

export function TemplateGallery({ opened, onClose }: { opened: boolean; onClose: () => void }) {
  const [busy, setBusy] = useState<string | null>(null);
  const use = async (template: FlowTemplate) => {
    setBusy(template.id);
    const definition = toFlow(metaOf(template.flow), autoLayout(toCanvas(template.flow)));
    try {
      const flow = await api<FlowSummary>('POST', '/flows', { name: template.flow.name, definition });
      navigate(`/flows/${flow.id}`);
    } catch (error) {
      notifications.show({ color: 'red', message: (error as Error).message });
    } finally {
      setBusy(null);
    }
  };
  return (
    <Modal opened={opened} onClose={onClose} title="Start from a template" size="xl">
      <Text size="sm" c="dimmed" mb="sm">
        Each opens as a draft: adjust it, test it on a record, then publish.
      </Text>
      <SimpleGrid cols={{ base: 1, sm: 2 }} spacing="sm" data-testid="templates">
        {flowTemplates.map((template) => (
          <Card key={template.id} withBorder padding="sm" data-testid={`template-${template.id}`}>
            <Stack gap={6} h="100%" justify="space-between">
              <div>
                <Group gap={6} justify="space-between" wrap="nowrap">
                  <Text fw={600} size="sm">
                    {template.title}
                  </Text>
                  <Badge size="xs" variant="light">
                    {template.category}
                  </Badge>
                </Group>
                <Text size="xs" c="dimmed" mt={4}>
                  {template.description}
                </Text>
              </div>
              <Button
                size="xs"
                variant="light"
                loading={busy === template.id}
                onClick={() => use(template)}
                aria-label={`Use the template ${template.title}`}
              >
                Use this template
              </Button>
            </Stack>
          </Card>
        ))}
      </SimpleGrid>
    </Modal>
  );
}
