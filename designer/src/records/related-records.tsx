/** Records of any module whose link fields point at this record, a few per link. */
import { Anchor, Stack, Text } from '@mantine/core';
import { useEffect, useState } from 'react';
import { api, can, type Page } from '../api.ts';
import { useCurrentUser } from '../app/current-user.ts';
import { type ModuleDef, type RecordRow, useModules } from '../console/console-api.ts';
import { navigate } from '../router.ts';

interface Group {
  key: string;
  title: string;
  module: ModuleDef;
  records: RecordRow[];
}

export function RelatedRecords({ module, id }: { module: string; id: string }) {
  const me = useCurrentUser();
  // Only modules the user may view: asking for the others would only be refused.
  const modules = (useModules() ?? []).filter((m) => can(me, m.name, 'view'));
  const [groups, setGroups] = useState<Group[] | null>(null);
  const links = modules.flatMap((m) =>
    m.fields
      .filter((f) => f.type === 'link' && f.options.module === module)
      .map((f) => ({ module: m, field: f })),
  );
  const signature = links.map((l) => `${l.module.name}.${l.field.name}`).join(',');
  // biome-ignore lint/correctness/useExhaustiveDependencies: the links are named by their signature
  useEffect(() => {
    Promise.all(
      links.map(async ({ module: m, field }) => {
        const where = JSON.stringify({ '==': [{ var: field.name }, id] });
        const page = await api<Page<RecordRow>>(
          'GET',
          `/records/${m.name}?limit=10&where=${encodeURIComponent(where)}`,
        )
          // A module the user may not view has nothing to show here.
          .catch(() => ({ items: [], nextCursor: null }));
        return {
          key: `${m.name}.${field.name}`,
          title: `${m.label} (${field.label})`,
          module: m,
          records: page.items,
        };
      }),
    ).then((found) => setGroups(found.filter((g) => g.records.length > 0)));
  }, [signature, id]);

  if (!groups) return null;
  if (groups.length === 0)
    return (
      <Text size="sm" c="dimmed">
        No records link here.
      </Text>
    );
  return (
    <Stack gap="xs" pt="sm">
      {groups.map((group) => (
        <div key={group.key}>
          <Text size="xs" c="dimmed">
            {group.title}
          </Text>
          {group.records.map((record) => (
            <Anchor
              key={record.id}
              size="sm"
              display="block"
              onClick={() => navigate(`/records/${group.module.name}/${record.id}`)}
            >
              {group.module.displayFields
                .map((name) => record[name])
                .filter(Boolean)
                .join(' ') || group.module.itemName}
            </Anchor>
          ))}
        </div>
      ))}
    </Stack>
  );
}
