/**
 * What a param marked `x-weft-ref` in a node type's schema points at (the designer draws a
 * picker for it; publishing checks it still exists), and the noun each kind is called by.
 */
export const referenceNouns = {
  user: 'user',
  group: 'group',
  assignee: 'user or group',
  list: 'list',
  record: 'record',
  field: 'field',
  fieldValues: 'field',
  roles: 'role',
  form: 'web form',
  emailTemplate: 'email template',
  emailAccount: 'sending account',
  campaign: 'campaign',
} as const;

export type ReferenceKind = keyof typeof referenceNouns;

/** "a user", "an email template". */
export const withArticle = (noun: string) => `${/^[aeio]/i.test(noun) ? 'an' : 'a'} ${noun}`;
