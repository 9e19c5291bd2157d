import type { FromSchema } from 'json-schema-to-ts';
import { listOf, uuid } from './common.ts';
import { moduleName } from './modules.ts';

/** Lead routing and case distribution: per-module settings, custom rules, dry runs. */

const idList = { type: 'array', items: uuid, uniqueItems: true, maxItems: 1000 } as const;
const ids = (description: string) => ({ ...idList, description }) as const;

export const routingParams = {
  type: 'object',
  properties: { module: moduleName },
  required: ['module'],
  additionalProperties: false,
} as const;

export const routingModes = ['freeForAll', 'roundRobin', 'singleUser', 'customRoundRobin'] as const;
export const routingRuleKinds = ['users', 'usersInGroups', 'groups'] as const;

export const routingRule = {
  type: 'object',
  properties: {
    id: { ...uuid, description: 'Keep a rule (and its place in the rotation) by sending its id back.' },
    criteria: {
      type: ['object', 'boolean'],
      description:
        'A json-logic condition over the record\'s fields, e.g. {"==":[{"var":"leadSource"},"Web"]}; `true` matches every record.',
    },
    kind: {
      type: 'string',
      enum: routingRuleKinds,
      description:
        '`users`: rotate over userIds; `usersInGroups`: rotate over the members of groupIds; `groups`: rotate between groupIds, assigning the record to the group.',
    },
    userIds: ids('For kind `users`.'),
    groupIds: ids('For kinds `usersInGroups` and `groups`.'),
  },
  required: ['criteria', 'kind'],
  additionalProperties: false,
} as const;

const settingsProperties = {
  enabled: { type: 'boolean', description: 'Route new records of this module.' },
  mode: { type: 'string', enum: routingModes },
  onlineOnly: { type: 'boolean', description: 'Only users who are signed in and not invisible.' },
  whenNobodyOnline: {
    type: 'string',
    enum: ['anyAvailable', 'unassigned'],
    description:
      'With onlineOnly, when no candidate is online: ignore presence, or leave the record unassigned.',
  },
  userIds: ids('Round robin over these users; empty means every active, available user.'),
  singleUserId: { type: ['string', 'null'], format: 'uuid', description: 'The user of mode `singleUser`.' },
} as const;

export const routingSettingsBody = {
  type: 'object',
  properties: {
    ...settingsProperties,
    rules: {
      type: 'array',
      items: routingRule,
      maxItems: 500,
      description: 'Custom round robin rules, highest priority first.',
    },
  },
  required: ['enabled', 'mode'],
  additionalProperties: false,
} as const;

export const routingSettingsResponse = {
  type: 'object',
  properties: {
    module: { type: 'string' },
    ...settingsProperties,
    rules: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          ...routingRule.properties,
          // Answered as saved: an object schema without properties would be serialised as `{}`.
          criteria: { ...routingRule.properties.criteria, additionalProperties: true },
          id: uuid,
          userIds: idList,
          groupIds: idList,
        },
        required: ['id', 'criteria', 'kind', 'userIds', 'groupIds'],
        additionalProperties: false,
      },
    },
    updatedAt: { type: ['string', 'null'], format: 'date-time' },
  },
  required: [
    'module',
    'enabled',
    'mode',
    'onlineOnly',
    'whenNobodyOnline',
    'userIds',
    'singleUserId',
    'rules',
    'updatedAt',
  ],
  additionalProperties: false,
} as const;

export const routingSettingsList = listOf(routingSettingsResponse);

export const routingTestBody = {
  type: 'object',
  properties: { record: { type: 'object', description: "The record's field values." } },
  required: ['record'],
  additionalProperties: false,
} as const;

export const routingDecisionResponse = {
  type: 'object',
  properties: {
    assignee: { type: ['string', 'null'], format: 'uuid' },
    assigneeType: { type: ['string', 'null'], enum: ['user', 'group', null] },
    ruleIndex: { type: ['integer', 'null'], description: 'The custom rule that decided, by priority.' },
    reason: { type: 'string' },
  },
  required: ['assignee', 'assigneeType', 'ruleIndex', 'reason'],
  additionalProperties: false,
} as const;

export type RoutingSettingsInput = FromSchema<typeof routingSettingsBody>;
export type RoutingRuleInput = FromSchema<typeof routingRule>;
export type RoutingSettingsView = FromSchema<
  typeof routingSettingsResponse,
  { deserialize: [{ pattern: { type: 'string'; format: 'date-time' }; output: Date }] }
>;
export type RoutingDecision = FromSchema<typeof routingDecisionResponse>;
